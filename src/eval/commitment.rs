//! Commitments: promises made by staff during a case (`promised` events) and
//! their fulfilment (`fulfilled` events whose `ref` names them).
//!
//! A commitment's due time is its `due` instant, else its `within` (a duration
//! such as `10m`, or a term word of the policy), else its `term` field. A
//! `within` counts on the `commitments` block's calendar when it names one.

use super::clock::Measure;
use super::state::Seen;
use super::{later, Collector};
use crate::case::{Event, Value};
use crate::compile::condition::{FULFILLED, PROMISED};
use crate::compile::{describe, Commitments, Term};
use crate::report::{Breach, CommitmentReport, CommitmentState, RequiredAction};
use chrono::{DateTime, TimeDelta, Utc};

/// One commitment found in the case.
#[derive(Debug, Clone)]
pub(crate) struct Made<'c> {
    name: String,
    event: &'c Event,
    fulfilled: Option<DateTime<Utc>>,
}

/// Parses `10m`, `1h30m`, `2d`, `45s` (the policy's duration notation).
pub(crate) fn parse_duration(text: &str) -> Option<TimeDelta> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let part = match c {
            'd' => TimeDelta::try_days(n)?,
            'h' => TimeDelta::try_hours(n)?,
            'm' => TimeDelta::try_minutes(n)?,
            's' => TimeDelta::try_seconds(n)?,
            _ => return None,
        };
        total = total.checked_add(&part)?;
    }
    number.is_empty().then_some(total)
}

/// Whether `text` is written like a duration (`10m`, `1h30m`) even if it does not fit one.
fn looks_like_duration(text: &str) -> bool {
    let text = text.trim();
    text.starts_with(|c: char| c.is_ascii_digit())
        && text.ends_with(['d', 'h', 'm', 's'])
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "dhms".contains(c))
}

/// How a commitment's time was read.
enum Timing {
    Due(DateTime<Utc>, String),
    NoTime(String),
}

/// How the time of the commitment made by `event` reads under `rules`.
fn timing(rules: &Commitments, event: &Event) -> Timing {
    if let Some(due) = event.due {
        return Timing::Due(due, "due at the instant given".to_string());
    }
    let word = event
        .within
        .clone()
        .or_else(|| match event.fields.get("term") {
            Some(Value::Str(s)) => Some(s.clone()),
            _ => None,
        });
    let Some(word) = word else {
        return Timing::NoTime("no time given".to_string());
    };
    let amount = match (parse_duration(&word), rules.terms.get(word.as_str())) {
        (Some(d), _) => d,
        (None, Some(Term::Duration(d))) => *d,
        (None, Some(Term::Vague)) => {
            return Timing::NoTime(format!("`{word}` is a vague term"));
        }
        (None, None) if looks_like_duration(&word) => {
            return Timing::NoTime(format!("`{word}` is too long a time to hold"));
        }
        (None, None) => return Timing::NoTime(format!("`{word}` is not a known term")),
    };
    let measure = match &rules.calendar {
        Some(cal) => Measure::Open(cal),
        None => Measure::Elapsed,
    };
    let on = if rules.calendar.is_some() {
        " of open time"
    } else {
        ""
    };
    match measure.add(event.at, amount) {
        Ok(due) => {
            let mut how = describe::concat(&["`", &word, "` read as "]);
            describe::write_duration(&mut how, amount);
            how.push_str(on);
            Timing::Due(due, how)
        }
        Err(_) => Timing::NoTime(format!("`{word}`: no due time in the calendar")),
    }
}

/// The walk of the commitments over one case.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommitmentRun<'c> {
    made: Vec<Made<'c>>,
}

impl<'c> CommitmentRun<'c> {
    /// Takes one event.
    pub fn on_event(&mut self, seen: Seen<'c>) {
        let event = seen.event;
        match seen.kind {
            Some(PROMISED) => {
                let name = event
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("#{}", self.made.len() + 1));
                self.made.push(Made {
                    name,
                    event,
                    fulfilled: None,
                });
            }
            Some(FULFILLED) => {
                let Some(reference) = event.reference.as_ref().or(event.id.as_ref()) else {
                    return;
                };
                // Every commitment made earlier in the walk (time order, ties in case order) that
                // the event names: by its `id`, or by the `#N` an unnamed one is reported as.
                for made in &mut self.made {
                    if made.fulfilled.is_none() && made.name == *reference {
                        made.fulfilled = Some(event.at);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reports every commitment at `as_of` under `rules`.
    pub fn report(&self, rules: &Commitments, as_of: DateTime<Utc>, out: &mut Collector) {
        for made in &self.made {
            let rule = describe::concat(&["commitments.", &made.name]);
            let what = match made.event.fields.get("what") {
                Some(Value::Str(s)) => describe::concat(&["\"", s, "\": "]),
                _ => String::new(),
            };
            let (state, due, detail) = match timing(rules, made.event) {
                Timing::NoTime(why) => {
                    let state = without_time(rules, made, &rule, &what, &why, out);
                    (state, None, describe::concat(&[&what, &why]))
                }
                Timing::Due(due, how) => {
                    let state = with_time(rules, made, &rule, &what, due, as_of, out);
                    (state, Some(due), describe::concat(&[&what, &how]))
                }
            };
            out.report.commitments.push(CommitmentReport {
                commitment: made.name.clone(),
                state,
                made: out.at(made.event.at),
                due: due.map(|d| out.at(d)),
                fulfilled: made.fulfilled.map(|f| out.at(f)),
                detail,
            });
        }
    }
}

/// The state of a commitment made without a time (`why` says how), with its breach and action.
fn without_time(
    rules: &Commitments,
    made: &Made<'_>,
    rule: &str,
    what: &str,
    why: &str,
    out: &mut Collector,
) -> CommitmentState {
    if rules.require_time {
        out.breach(Breach {
            rule: rule.to_string(),
            kind: "commitment_vague".to_string(),
            due: None,
            at: out.at(made.event.at),
            detail: describe::concat(&[what, why, "; the policy requires a time"]),
        });
    }
    // A promise without a time is still work to do until it is fulfilled.
    if rules.keep && made.fulfilled.is_none() {
        out.action(RequiredAction {
            rule: rule.to_string(),
            action: describe::concat(&["fulfil ", &made.name]),
            due: None,
        });
    }
    match (rules.require_time, made.fulfilled) {
        (true, _) => CommitmentState::Vague,
        (false, Some(_)) => CommitmentState::Kept,
        (false, None) => CommitmentState::Open,
    }
}

/// The state at `as_of` of a commitment due at `due`, with its breach and action under `keep`.
fn with_time(
    rules: &Commitments,
    made: &Made<'_>,
    rule: &str,
    what: &str,
    due: DateTime<Utc>,
    as_of: DateTime<Utc>,
    out: &mut Collector,
) -> CommitmentState {
    // With its grace, the time may fall after the supported instants: then it can never pass,
    // and the action to fulfil it has no due time.
    let limit = later(due, rules.grace);
    let passed = |t: DateTime<Utc>| limit.filter(|limit| t > *limit);
    // The state, and for a late or broken commitment the limit it passed.
    let (state, passed) = match made.fulfilled {
        Some(f) => match passed(f) {
            Some(limit) => (CommitmentState::Late, Some(limit)),
            None => (CommitmentState::Kept, None),
        },
        None => match passed(as_of) {
            Some(limit) => (CommitmentState::Broken, Some(limit)),
            None => (CommitmentState::Open, None),
        },
    };
    if !rules.keep {
        return state;
    }
    if let Some(passed) = passed {
        let (kind, text) = if state == CommitmentState::Late {
            ("commitment_late", "fulfilled after its due time")
        } else {
            ("commitment_broken", "not fulfilled by its due time")
        };
        out.breach(Breach {
            rule: rule.to_string(),
            kind: kind.to_string(),
            due: Some(out.at(due)),
            at: out.at(passed),
            detail: describe::concat(&[what, text]),
        });
    }
    if matches!(state, CommitmentState::Broken | CommitmentState::Open) {
        out.action(RequiredAction {
            rule: rule.to_string(),
            action: describe::concat(&["fulfil ", &made.name]),
            due: limit.map(|l| out.at(l)),
        });
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_policy_notation() {
        assert_eq!(parse_duration("10m"), Some(TimeDelta::minutes(10)));
        assert_eq!(parse_duration("1h30m"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("2d"), Some(TimeDelta::days(2)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration(""), None);
    }
}
