//! The staff promises of a case (`promised` events) as the readers check them, once a case is
//! complete: each promise's name is its own in the case, the time it gives can be read, and it is
//! not due before it was made. The first problem rejects the case at the line of the promise.
//!
//! Without the policy ([`ReadOptions::promises`] unset) only what needs no policy is checked: the
//! form of the time (`10min` is refused, a word is left to the policy's terms), a `due` instant
//! before the promise, and names. With it, the time is read exactly as the evaluator reads it
//! (`eval::commitment::timing`): an unknown calendar, working days without a calendar, or a
//! cut-off already past when the promise was made reject the case too.

use super::build::Problem;
use super::{Case, Event, ReadOptions};
use crate::eval::commitment::{parse_duration, timing, Timing};
use crate::report::Instant;
use std::collections::HashMap;

/// The event type of a staff promise.
const PROMISED: &str = "promised";

/// Checks the promises of `case` (events in time order) read with `opts`.
pub(super) fn check(case: &Case, opts: &ReadOptions) -> Result<(), Problem> {
    let mut names: HashMap<String, Option<usize>> = HashMap::new();
    let promised = case.events.iter().filter(|e| e.kind == PROMISED);
    for (index, event) in promised.enumerate() {
        let name = event
            .id
            .clone()
            .unwrap_or_else(|| format!("#{}", index + 1));
        if let Some(first) = names.get(&name) {
            let first = first.map_or_else(String::new, |line| format!(" (first at line {line})"));
            return Err(Problem::new(
                event.line,
                format!(
                    "commitment `{name}` is promised twice in the case{first}: give each promise its own `id`"
                ),
            ));
        }
        names.insert(name.clone(), event.line);
        let due = match &opts.promises {
            Some(rules) => match timing(&rules.0, event) {
                Timing::Due(due, _, _) => Some(due),
                Timing::NoTime(_) => None,
                Timing::Invalid(why) => return Err(invalid(event, &why)),
            },
            None => {
                written_form(event)?;
                event.due
            }
        };
        if let Some(due) = due.filter(|due| *due < event.at) {
            let shown = |t| Instant::new(t, opts.default_tz).to_string();
            let given = match (&event.due, &event.within) {
                (Some(_), _) | (None, None) => String::new(),
                (None, Some(within)) => format!(" (`within: {within}`)"),
            };
            return Err(Problem::new(
                event.line,
                format!(
                    "commitment `{name}` is due at {}{given}, before it was made at {}: a promise is due after it is made",
                    shown(due),
                    shown(event.at)
                ),
            ));
        }
    }
    Ok(())
}

/// The problem of a promise whose time cannot be read.
fn invalid(event: &Event, why: &str) -> Problem {
    Problem::new(
        event.line,
        format!("the time of a `promised` event cannot be read: {why}"),
    )
}

/// Without the policy: whether the time the promise gives has a form a policy can read.
fn written_form(event: &Event) -> Result<(), Problem> {
    let Some(text) = &event.within else {
        return Ok(());
    };
    if event.due.is_some() || parse_duration(text).is_some_and(|d| d > chrono::TimeDelta::zero()) {
        return Ok(());
    }
    crate::syntax::parse_promise_time(text)
        .map(drop)
        .map_err(|why| invalid(event, &why))
}
