//! Deadline rules, compiled: each form of `within …` and `by …` becomes one [`Deadline`] that
//! carries the calendar it counts on, with its text as written. The arithmetic that turns a
//! deadline and a start into a due time is the evaluator's (`eval::clock::budget`), through the
//! calendar and time module.

use super::{describe, seconds, CompileError, Names};
use crate::syntax::ast::{self, ClockTime, CutoffDayAst, TermMeaning};
use crate::time::{Calendar, Cutoff, CutoffDay};
use chrono::{NaiveTime, TimeDelta};

/// A deadline rule, ready to compute due times.
#[derive(Debug, Clone)]
pub(crate) struct Deadline {
    /// The rule.
    pub rule: Rule,
    /// The rule as written: `within 2h on office`, `by 11:00 next day if before 15:00`.
    pub text: String,
}

/// The forms of a deadline rule.
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    /// `within D`: D of elapsed time.
    Elapsed(TimeDelta),
    /// `within D on CAL`: D of open time of the calendar.
    Open {
        /// D.
        amount: TimeDelta,
        /// The calendar.
        calendar: Calendar,
        /// Its name, for the reports.
        name: String,
    },
    /// `within N workdays on CAL`: the close of the N-th open day of the calendar after the start day.
    Workdays {
        /// N.
        count: u32,
        /// The calendar.
        calendar: Calendar,
        /// Its name, for the reports.
        name: String,
    },
    /// `by HH:MM DAY [if before HH:MM] [on CAL]`: a local time on a day counted from the start.
    Cutoff {
        /// The rule.
        cutoff: Cutoff,
        /// The calendar (its zone, and its open days for `next workday`); without `on`, the
        /// policy's zone, open around the clock.
        calendar: Calendar,
    },
}

impl Deadline {
    /// Compiles `deadline`, resolving its calendar and the term it uses.
    pub fn compile(deadline: &ast::Deadline, names: &Names<'_>) -> Result<Self, CompileError> {
        Ok(Deadline {
            rule: Self::rule(deadline, names)?,
            text: describe::deadline(deadline),
        })
    }

    /// The rule of `amount` counted on `on` when it names no calendar of its own.
    pub fn amount(
        amount: &ast::Amount,
        on: Option<&ast::Ident>,
        names: &Names<'_>,
    ) -> Result<Rule, CompileError> {
        let on = amount.on().or(on);
        Ok(match (amount, on) {
            (ast::Amount::Duration { amount, .. }, None) => Rule::Elapsed(seconds(amount.seconds)),
            (ast::Amount::Duration { amount, .. }, Some(on)) => Rule::Open {
                amount: seconds(amount.seconds),
                calendar: names.calendar(on)?,
                name: on.name.clone(),
            },
            (ast::Amount::Workdays { count, .. }, Some(on)) => Rule::Workdays {
                count: count.value,
                calendar: names.calendar(on)?,
                name: on.name.clone(),
            },
            (ast::Amount::Workdays { span, .. }, None) => {
                return Err(CompileError {
                    span: *span,
                    what: "working days without a calendar were checked".to_string(),
                })
            }
        })
    }

    fn rule(deadline: &ast::Deadline, names: &Names<'_>) -> Result<Rule, CompileError> {
        let misused = |term: &ast::Ident| CompileError {
            span: term.span,
            what: format!(
                "the term `{}` was checked but does not fit where it is used",
                term.name
            ),
        };
        let rule = match deadline {
            ast::Deadline::Within {
                amount, on: None, ..
            } => Rule::Elapsed(seconds(amount.seconds)),
            ast::Deadline::Within {
                amount,
                on: Some(on),
                ..
            } => Rule::Open {
                amount: seconds(amount.seconds),
                calendar: names.calendar(on)?,
                name: on.name.clone(),
            },
            ast::Deadline::Workdays { count, on, .. } => Rule::Workdays {
                count: count.value,
                calendar: names.calendar(on)?,
                name: on.name.clone(),
            },
            ast::Deadline::Cutoff {
                by,
                day,
                if_before,
                on,
                span,
            } => Rule::Cutoff {
                cutoff: Cutoff {
                    by: time_of_day(by)?,
                    day: match day {
                        CutoffDayAst::SameDay => CutoffDay::SameDay,
                        CutoffDayAst::NextDay => CutoffDay::NextDay,
                        CutoffDayAst::InDays(n) => CutoffDay::InDays(n.value),
                        CutoffDayAst::SameWorkday => CutoffDay::SameWorkday,
                        CutoffDayAst::NextWorkday => CutoffDay::NextWorkday,
                    },
                    if_before: if_before.as_ref().map(time_of_day).transpose()?,
                },
                calendar: match on {
                    Some(on) => names.calendar(on)?,
                    None => names.zone_calendar(*span)?,
                },
            },
            ast::Deadline::WithinTerm { term, on, .. } => match &names.term(term)?.meaning {
                TermMeaning::Amount(amount) => Self::amount(amount, on.as_ref(), names)?,
                TermMeaning::Deadline(_) | TermMeaning::Vague(_) => return Err(misused(term)),
            },
            ast::Deadline::Term { term, .. } => match &names.term(term)?.meaning {
                // A term's deadline is written out: it names no other term.
                TermMeaning::Deadline(
                    inner @ (ast::Deadline::Within { .. }
                    | ast::Deadline::Workdays { .. }
                    | ast::Deadline::Cutoff { .. }),
                ) => Self::rule(inner, names)?,
                _ => return Err(misused(term)),
            },
        };
        Ok(rule)
    }

    /// Whether the rule is a cut-off (the one form whose `if before` can exclude a start).
    pub fn is_cutoff(&self) -> bool {
        matches!(self.rule, Rule::Cutoff { .. })
    }
}

/// A checked time of day; `24:00` is the last second of the day.
fn time_of_day(t: &ClockTime) -> Result<NaiveTime, CompileError> {
    let time = if t.hour == 24 && t.minute == 0 {
        NaiveTime::from_hms_opt(23, 59, 59)
    } else {
        NaiveTime::from_hms_opt(t.hour, t.minute, 0)
    };
    time.ok_or_else(|| CompileError {
        span: t.span,
        what: format!(
            "the time `{:02}:{:02}` was checked but is not a time of day",
            t.hour, t.minute
        ),
    })
}
