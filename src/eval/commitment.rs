//! Commitments: promises made by staff during a case (`promised` events), their fulfilment
//! (`fulfilled` events whose `ref` names them) and their end with the case (`end on`).
//!
//! A commitment's due time is its `due` instant, else the time its `within` gives (else its
//! `term` field): a duration, working days, a cut-off or a term word of the policy, read under
//! the `commitments` block ([`timing`]). The case reader reads the same way, to reject a case
//! whose promise gives a time that cannot be read, or one due before it was made.

use super::clock::budget;
use super::state::{matches_any, CaseState, Seen};
use super::{later, Collector};
use crate::case::{Event, Value};
use crate::compile::condition::{FULFILLED, PROMISED};
use crate::compile::deadline::{Deadline, Rule};
use crate::compile::{describe, Amount, Commitments, Named, Term};
use crate::report::{Breach, CommitmentReport, CommitmentState, RequiredAction};
use crate::syntax::ast::{self, PromiseTime};
use crate::time::{Calendar, Cutoff, CutoffDay};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

/// One commitment found in the case.
#[derive(Debug, Clone)]
pub(crate) struct Made<'c> {
    name: String,
    event: &'c Event,
    fulfilled: Option<DateTime<Utc>>,
    /// When an `end on` event ended it while it was still open.
    ended: Option<DateTime<Utc>>,
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

/// How a commitment's time reads under the policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Timing {
    /// Due at this instant: how the time was read, and the calendar whose open time or open days
    /// it counts (none for elapsed time and cut-offs), if any.
    Due(DateTime<Utc>, String, Option<String>),
    /// No due time (a vague word, a word that is not a term, no time given): why.
    NoTime(String),
    /// The time given cannot be read (an unknown unit, an unknown calendar, working days without
    /// a calendar): why. The case reader rejects the case for it.
    Invalid(String),
}

/// The text a promise gives its time with: its `within`, else its `term` field.
fn written_time(event: &Event) -> Option<&str> {
    event
        .within
        .as_deref()
        .or_else(|| match event.fields.get("term") {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        })
}

/// How the time of the commitment made by `event` reads under `rules`.
pub(crate) fn timing(rules: &Commitments, event: &Event) -> Timing {
    if let Some(due) = event.due {
        return Timing::Due(due, "due at the instant given".to_string(), None);
    }
    let Some(text) = written_time(event) else {
        return Timing::NoTime("no time given".to_string());
    };
    // Most times are a plain duration: read without the grammar.
    let longest = crate::compile::seconds(crate::limits::MAX_DURATION_SECONDS);
    let time = match parse_duration(text) {
        Some(amount) if amount > TimeDelta::zero() && amount <= longest => Ok(Time::Amount(
            Amount::Duration(amount, None),
            describe::duration(amount),
        )),
        // A term of the policy, as declared (`立即`): the grammar would read the same word.
        _ if rules.terms.contains_key(text) => Ok(Time::of_word(rules, text)),
        _ => match crate::syntax::parse_promise_time(text) {
            Ok(time) => Time::of(rules, &time),
            Err(why) => Err(why),
        },
    };
    let time = match time {
        Ok(time) => time,
        Err(why) => return Timing::Invalid(why),
    };
    let (deadline, calendar) = match time.deadline(rules, text) {
        Ok(Some(found)) => found,
        Ok(None) => return Timing::NoTime(time.no_time(text)),
        Err(why) => return Timing::Invalid(why),
    };
    match budget(&deadline, event.at) {
        Ok(Some(budget)) => {
            let how =
                describe::concat(&["`", text, "` read as ", &time.phrase(text, &deadline.rule)]);
            Timing::Due(budget.plain_due, how, calendar)
        }
        Ok(None) => Timing::NoTime(describe::concat(&[
            "the cut-off `",
            text,
            "` does not apply at the time it was made",
        ])),
        Err(_) => Timing::NoTime(describe::concat(&[
            "`",
            text,
            "`: no due time in the calendar",
        ])),
    }
}

/// A promise's time, its term resolved.
enum Time<'r> {
    /// An amount, and its text.
    Amount(Amount, String),
    /// A cut-off given in the case.
    Cutoff(Cutoff, Option<Named>),
    /// A term that stands for a whole deadline.
    Deadline(&'r Deadline),
    /// A term that gives no time.
    Vague,
    /// A word that is not a term of the policy.
    Unknown,
}

impl<'r> Time<'r> {
    /// `time` with its term and its calendar resolved; an error for a calendar the policy does
    /// not have.
    fn of(rules: &'r Commitments, time: &PromiseTime) -> Result<Time<'r>, String> {
        let calendar = |on: Option<&ast::Ident>| -> Result<Option<Named>, String> {
            let Some(on) = on else {
                return Ok(None);
            };
            match rules.calendars.get(&on.name) {
                Some(calendar) => Ok(Some(Named {
                    name: on.name.clone(),
                    calendar: calendar.clone(),
                })),
                None => {
                    let known: Vec<String> =
                        rules.calendars.keys().map(|n| format!("`{n}`")).collect();
                    Err(format!(
                        "unknown calendar `{}` (the policy's calendars: {})",
                        on.name,
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ))
                }
            }
        };
        Ok(match time {
            PromiseTime::Amount(amount @ ast::Amount::Duration { amount: d, on, .. }) => {
                Time::Amount(
                    Amount::Duration(crate::compile::seconds(d.seconds), calendar(on.as_ref())?),
                    describe::amount(amount),
                )
            }
            PromiseTime::Amount(amount @ ast::Amount::Workdays { count, on, .. }) => Time::Amount(
                Amount::Workdays(count.value, calendar(on.as_ref())?),
                describe::amount(amount),
            ),
            PromiseTime::Cutoff(ast::Deadline::Cutoff { by, day, on, .. }) => {
                let day = match day {
                    ast::CutoffDayAst::SameDay => CutoffDay::SameDay,
                    ast::CutoffDayAst::NextDay => CutoffDay::NextDay,
                    ast::CutoffDayAst::InDays(n) => CutoffDay::InDays(n.value),
                    ast::CutoffDayAst::SameWorkday => CutoffDay::SameWorkday,
                    ast::CutoffDayAst::NextWorkday => CutoffDay::NextWorkday,
                };
                let by = NaiveTime::from_hms_opt(by.hour, by.minute, 0)
                    .ok_or_else(|| "not a time of day".to_string())?;
                Time::Cutoff(
                    Cutoff {
                        by,
                        day,
                        if_before: None,
                    },
                    calendar(on.as_ref())?,
                )
            }
            // A case's cut-off is always a `Cutoff` (the reader's grammar).
            PromiseTime::Cutoff(_) => return Err("not a cut-off".to_string()),
            PromiseTime::Word(word) => Time::of_word(rules, &word.name),
        })
    }

    /// The time a word gives: what the term of that name stands for, or [`Time::Unknown`].
    fn of_word(rules: &'r Commitments, word: &str) -> Time<'r> {
        match rules.terms.get(word) {
            Some(Term::Amount(amount, text)) => Time::Amount(amount.clone(), text.clone()),
            Some(Term::Deadline(deadline)) => Time::Deadline(deadline),
            Some(Term::Vague) => Time::Vague,
            None => Time::Unknown,
        }
    }

    /// The deadline this time sets, with the name of the calendar it counts on; `None` when it
    /// gives no time; an error when it needs a calendar or a zone the policy does not give.
    fn deadline(
        &self,
        rules: &Commitments,
        text: &str,
    ) -> Result<Option<(Deadline, Option<String>)>, String> {
        let deadline = |rule: Rule| Deadline {
            rule,
            text: text.to_owned(),
        };
        let no_calendar = |what: &str| {
            format!(
                "`{text}` counts working days and needs a calendar: the policy's `commitments` block names none (`on CALENDAR`); write `{what} on CALENDAR`"
            )
        };
        Ok(Some(match self {
            Time::Amount(Amount::Duration(amount, on), _) => {
                match on.as_ref().or(rules.durations.as_ref()) {
                    Some(named) => (
                        deadline(Rule::Open {
                            amount: *amount,
                            calendar: named.calendar.clone(),
                            name: named.name.clone(),
                        }),
                        Some(named.name.clone()),
                    ),
                    None => (deadline(Rule::Elapsed(*amount)), None),
                }
            }
            Time::Amount(Amount::Workdays(count, on), written) => {
                let named = on
                    .as_ref()
                    .or(rules.calendar.as_ref())
                    .ok_or_else(|| no_calendar(written))?;
                (
                    deadline(Rule::Workdays {
                        count: *count,
                        calendar: named.calendar.clone(),
                        name: named.name.clone(),
                    }),
                    Some(named.name.clone()),
                )
            }
            Time::Cutoff(cutoff, on) => {
                let named = on.as_ref().or(rules.calendar.as_ref());
                let calendar: Calendar = match (named, &rules.zone) {
                    (Some(named), _) => named.calendar.clone(),
                    (None, _) if cutoff.day.counts_workdays() => return Err(no_calendar(text)),
                    (None, Some(zone)) => zone.clone(),
                    (None, None) => {
                        return Err(format!(
                            "`{text}` is a local time, and the policy has no timezone to read it in: write `{text} on CALENDAR`"
                        ))
                    }
                };
                // A cut-off is an instant: it counts no open time (as a promise's cut-off target).
                (
                    deadline(Rule::Cutoff {
                        cutoff: cutoff.clone(),
                        calendar,
                    }),
                    None,
                )
            }
            Time::Deadline(term) => {
                let calendar = match &term.rule {
                    Rule::Open { name, .. } | Rule::Workdays { name, .. } => Some(name.clone()),
                    Rule::Elapsed(_) | Rule::Cutoff { .. } => None,
                };
                ((*term).clone(), calendar)
            }
            Time::Vague | Time::Unknown => return Ok(None),
        }))
    }

    /// Why this time gives no due time.
    fn no_time(&self, text: &str) -> String {
        match self {
            Time::Vague => describe::concat(&["`", text, "` is a vague term"]),
            _ => describe::concat(&["`", text, "` is not a known term"]),
        }
    }

    /// How the time written `text` was read, for the detail: `1h`, `1h of open time`, `the close
    /// of open day 3 of `office` after the day it was made`, `17:00 on the day it was made`; a term
    /// that stands for working days or a cut-off first says what it stands for.
    fn phrase(&self, text: &str, rule: &Rule) -> String {
        let meaning = match self {
            Time::Deadline(term) => Some(term.text.as_str()),
            Time::Amount(_, written) if matches!(rule, Rule::Workdays { .. }) => {
                Some(written.as_str())
            }
            _ => None,
        };
        let mut phrase = match meaning {
            Some(meaning) if meaning != text.trim() => describe::concat(&["`", meaning, "`: "]),
            _ => String::new(),
        };
        match rule {
            Rule::Elapsed(amount) => {
                describe::write_duration(&mut phrase, *amount);
                phrase.push_str(" of elapsed time");
            }
            Rule::Open { amount, name, .. } => {
                describe::write_duration(&mut phrase, *amount);
                phrase.push_str(&format!(" of open time of `{name}`"));
            }
            Rule::Workdays { count, name, .. } => phrase.push_str(&format!(
                "the close of open day {count} of `{name}` after the day it was made"
            )),
            Rule::Cutoff { cutoff, .. } => {
                let day = match cutoff.day {
                    CutoffDay::SameDay => "the day it was made".to_string(),
                    CutoffDay::NextDay => "the day after it was made".to_string(),
                    CutoffDay::InDays(n) => format!("{n} days after the day it was made"),
                    CutoffDay::SameWorkday => "the working day it was made on".to_string(),
                    CutoffDay::NextWorkday => {
                        "the open day after the working day it was made on".to_string()
                    }
                };
                phrase.push_str(&format!("{} on {day}", cutoff.by.format("%H:%M")));
            }
        }
        phrase
    }
}

/// The walk of the commitments over one case.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommitmentRun<'c> {
    made: Vec<Made<'c>>,
}

impl<'c> CommitmentRun<'c> {
    /// Takes one event, with the case state after it.
    pub fn on_event(&mut self, seen: Seen<'c>, state: &CaseState<'_>, rules: &Commitments) {
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
                    ended: None,
                });
            }
            Some(FULFILLED) => {
                let Some(reference) = event.reference.as_ref().or(event.id.as_ref()) else {
                    return;
                };
                // Every commitment made earlier in the walk (time order, ties in case order) that
                // the event names, by its `id` or by the `#N` an unnamed one is reported as, and
                // that the case has not ended.
                for made in &mut self.made {
                    if made.fulfilled.is_none() && made.ended.is_none() && made.name == *reference {
                        made.fulfilled = Some(event.at);
                    }
                }
            }
            _ => {}
        }
        if !rules.end.is_empty() && matches_any(&rules.end, seen, state) {
            for made in &mut self.made {
                if made.fulfilled.is_none() && made.ended.is_none() {
                    made.ended = Some(event.at);
                }
            }
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
            let judged = Judged {
                rules,
                made,
                rule: &rule,
                what: &what,
            };
            let (state, due, calendar, detail) = match timing(rules, made.event) {
                // A time the reader would have refused (a case built without it) gives no time.
                Timing::NoTime(why) | Timing::Invalid(why) => {
                    let state = judged.without_time(&why, out);
                    (state, None, None, describe::concat(&[&what, &why]))
                }
                Timing::Due(due, how, calendar) => {
                    let state = judged.with_time(due, as_of, out);
                    (state, Some(due), calendar, describe::concat(&[&what, &how]))
                }
            };
            out.report.commitments.push(CommitmentReport {
                commitment: made.name.clone(),
                state,
                made: out.at(made.event.at),
                due: due.map(|d| out.at(d)),
                fulfilled: made.fulfilled.map(|f| out.at(f)),
                ended: made.ended.map(|e| out.at(e)),
                calendar,
                detail,
            });
        }
    }
}

/// One commitment being judged under the rules: its rule name (`commitments.ID`) and what was
/// promised, as the details write it.
struct Judged<'j, 'c> {
    rules: &'j Commitments,
    made: &'j Made<'c>,
    rule: &'j str,
    what: &'j str,
}

impl Judged<'_, '_> {
    /// The text of a breach at the end of the case.
    fn ended_text(&self) -> String {
        let events = if self.rules.end_text.is_empty() {
            String::new()
        } else {
            describe::concat(&[" (`", &self.rules.end_text, "`)"])
        };
        describe::concat(&[self.what, "not fulfilled when the case ended", &events])
    }

    /// The state of a commitment made without a time (`why` says how), with its breaches and
    /// action.
    fn without_time(&self, why: &str, out: &mut Collector) -> CommitmentState {
        let (rules, made) = (self.rules, self.made);
        if rules.require_time {
            out.breach(Breach {
                rule: self.rule.to_string(),
                kind: "commitment_vague".to_string(),
                due: None,
                at: out.at(made.event.at),
                detail: describe::concat(&[self.what, why, "; the policy requires a time"]),
            });
        }
        let open = made.fulfilled.is_none();
        if rules.keep && open {
            match made.ended {
                // The case ended with the promise not kept: judged broken then.
                Some(ended) => out.breach(Breach {
                    rule: self.rule.to_string(),
                    kind: "commitment_broken".to_string(),
                    due: None,
                    at: out.at(ended),
                    detail: self.ended_text(),
                }),
                // A promise without a time is still work to do until it is fulfilled.
                None => out.action(RequiredAction {
                    rule: self.rule.to_string(),
                    action: describe::concat(&["fulfil ", &made.name]),
                    due: None,
                }),
            }
        }
        match (rules.require_time, made.fulfilled, made.ended) {
            (true, _, _) => CommitmentState::Vague,
            (false, Some(_), _) => CommitmentState::Kept,
            (false, None, Some(_)) => CommitmentState::Broken,
            (false, None, None) => CommitmentState::Open,
        }
    }

    /// The state at `as_of` of a commitment due at `due`, with its breach and action under `keep`.
    fn with_time(
        &self,
        due: DateTime<Utc>,
        as_of: DateTime<Utc>,
        out: &mut Collector,
    ) -> CommitmentState {
        let (rules, made) = (self.rules, self.made);
        // With its grace, the time may fall after the supported instants: then it can never pass,
        // and the action to fulfil it has no due time.
        let limit = later(due, rules.grace);
        let passed = |t: DateTime<Utc>| limit.filter(|limit| t > *limit);
        // The state, and for a late or broken commitment the instant it was broken at and how.
        let (state, broken) = match (made.fulfilled, made.ended) {
            (Some(f), _) => match passed(f) {
                Some(limit) => (CommitmentState::Late, Some((limit, false))),
                None => (CommitmentState::Kept, None),
            },
            // Ended before its time had passed: broken when the case ended.
            (None, Some(ended)) => match passed(ended) {
                Some(limit) => (CommitmentState::Broken, Some((limit, false))),
                None => (CommitmentState::Broken, Some((ended, true))),
            },
            (None, None) => match passed(as_of) {
                Some(limit) => (CommitmentState::Broken, Some((limit, false))),
                None => (CommitmentState::Open, None),
            },
        };
        if !rules.keep {
            return state;
        }
        if let Some((at, by_end)) = broken {
            let (kind, text) = match (state, by_end) {
                (CommitmentState::Late, _) => (
                    "commitment_late",
                    describe::concat(&[self.what, "fulfilled after its due time"]),
                ),
                (_, true) => ("commitment_broken", self.ended_text()),
                _ => (
                    "commitment_broken",
                    describe::concat(&[self.what, "not fulfilled by its due time"]),
                ),
            };
            out.breach(Breach {
                rule: self.rule.to_string(),
                kind: kind.to_string(),
                due: Some(out.at(due)),
                at: out.at(at),
                detail: text,
            });
        }
        // A commitment the case ended is judged: no work is left to do on it.
        if made.ended.is_none() && matches!(state, CommitmentState::Broken | CommitmentState::Open)
        {
            out.action(RequiredAction {
                rule: self.rule.to_string(),
                action: describe::concat(&["fulfil ", &made.name]),
                due: limit.map(|l| out.at(l)),
            });
        }
        state
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
