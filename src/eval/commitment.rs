//! Commitments: promises made by staff during a case (`promised` events) and
//! their fulfilment (`fulfilled` events whose `ref` names them).
//!
//! A commitment's due time is its `due` instant, else its `within` (a duration
//! such as `10m`, or a term word of the policy), else its `term` field. A
//! `within` counts on the `commitments` block's calendar when it names one.

use super::clock::Measure;
use super::state::{Seen, FULFILLED, PROMISED};
use super::{describe, later, seconds, Collector};
use crate::case::{Event, Value};
use crate::check::{Policy, Term};
use crate::report::{Breach, CommitmentReport, CommitmentState, RequiredAction};
use crate::syntax::ast::Commitments;
use crate::time::Calendar;
use chrono::{DateTime, TimeDelta, Utc};

/// The commitments rules, ready to use.
#[derive(Debug, Clone)]
pub(crate) struct CommitmentPlan<'p> {
    /// The `commitments` block, if the policy has one.
    pub decl: Option<&'p Commitments>,
    /// Its calendar.
    pub calendar: Option<Calendar>,
}

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

impl CommitmentPlan<'_> {
    fn timing(&self, policy: &Policy, event: &Event) -> Timing {
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
        let amount = match (parse_duration(&word), policy.terms.get(word.as_str())) {
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
        let measure = match &self.calendar {
            Some(cal) => Measure::Open(cal),
            None => Measure::Elapsed,
        };
        let on = if self.calendar.is_some() {
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

    /// Reports every commitment at `as_of`.
    pub fn report(
        &self,
        plan: &CommitmentPlan<'_>,
        policy: &Policy,
        as_of: DateTime<Utc>,
        out: &mut Collector,
    ) {
        let require_time = plan.decl.is_some_and(|d| d.require_time.is_some());
        let keep = plan.decl.is_some_and(|d| d.keep.is_some());
        let grace = plan
            .decl
            .and_then(|d| d.grace)
            .map_or(TimeDelta::zero(), |g| seconds(g.seconds));
        for made in &self.made {
            let rule = describe::concat(&["commitments.", &made.name]);
            let what = match made.event.fields.get("what") {
                Some(Value::Str(s)) => describe::concat(&["\"", s, "\": "]),
                _ => String::new(),
            };
            let at = made.event.at;
            let (state, due, detail) = match plan.timing(policy, made.event) {
                Timing::NoTime(why) => {
                    if require_time {
                        out.breach(Breach {
                            rule: rule.clone(),
                            kind: "commitment_vague".to_string(),
                            due: None,
                            at: out.at(at),
                            detail: describe::concat(&[
                                &what,
                                &why,
                                "; the policy requires a time",
                            ]),
                        });
                    }
                    // A promise without a time is still work to do until it is fulfilled.
                    if keep && made.fulfilled.is_none() {
                        out.action(RequiredAction {
                            rule: rule.clone(),
                            action: describe::concat(&["fulfil ", &made.name]),
                            due: None,
                        });
                    }
                    let state = match (require_time, made.fulfilled) {
                        (true, _) => CommitmentState::Vague,
                        (false, Some(_)) => CommitmentState::Kept,
                        (false, None) => CommitmentState::Open,
                    };
                    (state, None, describe::concat(&[&what, &why]))
                }
                Timing::Due(due, how) => {
                    // With its grace, the time may fall after the supported instants: then it
                    // can never pass, and the action to fulfil it has no due time.
                    let limit = later(due, grace);
                    let detail = describe::concat(&[&what, &how]);
                    let passed = |t: DateTime<Utc>| limit.is_some_and(|limit| t > limit);
                    let state = match made.fulfilled {
                        Some(f) if !passed(f) => CommitmentState::Kept,
                        Some(_) => CommitmentState::Late,
                        None if passed(as_of) => CommitmentState::Broken,
                        None => CommitmentState::Open,
                    };
                    if keep {
                        match state {
                            CommitmentState::Late | CommitmentState::Broken => {
                                let (kind, text) = if state == CommitmentState::Late {
                                    ("commitment_late", "fulfilled after its due time")
                                } else {
                                    ("commitment_broken", "not fulfilled by its due time")
                                };
                                out.breach(Breach {
                                    rule: rule.clone(),
                                    kind: kind.to_string(),
                                    due: Some(out.at(due)),
                                    at: out.at(limit.unwrap_or(due)),
                                    detail: describe::concat(&[&what, text]),
                                });
                                if state == CommitmentState::Broken {
                                    out.action(RequiredAction {
                                        rule: rule.clone(),
                                        action: describe::concat(&["fulfil ", &made.name]),
                                        due: limit.map(|l| out.at(l)),
                                    });
                                }
                            }
                            CommitmentState::Open => out.action(RequiredAction {
                                rule: rule.clone(),
                                action: describe::concat(&["fulfil ", &made.name]),
                                due: limit.map(|l| out.at(l)),
                            }),
                            _ => {}
                        }
                    }
                    (state, Some(due), detail)
                }
            };
            out.report.commitments.push(CommitmentReport {
                commitment: made.name.clone(),
                state,
                made: out.at(at),
                due: due.map(|d| out.at(d)),
                fulfilled: made.fulfilled.map(|f| out.at(f)),
                detail,
            });
        }
    }
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
