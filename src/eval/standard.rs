//! Standards: counts and orderings of events, and `require A within D after B`
//! (a clock from B until A, the same meaning as the equivalent promise).
//!
//! States: `ok` (the closing event came and the rule held), `violated`,
//! `pending` (the closing event has not come and the rule is not broken yet).
//! `require … within` reports the clock words `pending`, `running`, `met`,
//! `breached`.

use super::clock::{ClockRule, ClockRun};
use super::state::{matches, CaseState, EventTypes, Pattern, Seen};
use super::{describe, Collector};
use crate::report::{Breach, ClockState, RequiredAction, StandardReport, StandardState};
use crate::syntax::ast::{Standard, StandardRule};
use chrono::{DateTime, Utc};

/// A standard ready to run.
#[derive(Debug, Clone)]
pub(crate) struct StandardPlan<'p> {
    /// The declaration.
    pub decl: &'p Standard,
    /// For `require … within`: the clock.
    pub clock: Option<ClockRule<'p>>,
    /// The counted or required event, and the closing one, as reported.
    pub texts: (String, String),
    /// The counted or required event, and the closing one, numbered.
    patterns: (Pattern<'p>, Pattern<'p>),
}

impl<'p> StandardPlan<'p> {
    /// The plan of `decl`, with `clock` for a `require … within` standard.
    pub fn new(
        decl: &'p Standard,
        clock: Option<ClockRule<'p>>,
        types: &mut EventTypes<'p>,
    ) -> Self {
        let (event, before) = match &decl.rule {
            StandardRule::AtMost { event, before, .. }
            | StandardRule::RequireBefore { event, before, .. } => (event, before),
            StandardRule::RequireWithin { event, after, .. } => (event, after),
        };
        StandardPlan {
            decl,
            clock,
            texts: (describe::pattern(event), describe::pattern(before)),
            patterns: (types.pattern(event), types.pattern(before)),
        }
    }
}

/// The walk of one standard over one case.
#[derive(Debug, Clone)]
pub(crate) enum StandardRun<'r, 'p> {
    /// `at most N A before B`.
    AtMost {
        /// Allowed count.
        limit: u32,
        /// A.
        event: Pattern<'p>,
        /// B.
        before: Pattern<'p>,
        /// A seen so far.
        count: u32,
        /// The (N+1)-th A.
        violated: Option<DateTime<Utc>>,
        /// The first B.
        closed: Option<DateTime<Utc>>,
    },
    /// `require A before B`.
    RequireBefore {
        /// A.
        event: Pattern<'p>,
        /// B.
        before: Pattern<'p>,
        /// An A was seen.
        seen: Option<DateTime<Utc>>,
        /// The first B, and whether an A came before it.
        decided: Option<(DateTime<Utc>, bool)>,
    },
    /// `require A within D after B`.
    Within(ClockRun<'r, 'p>),
}

impl<'r, 'p> StandardRun<'r, 'p> {
    /// A fresh run.
    pub fn new(plan: &'r StandardPlan<'p>) -> Self {
        let (event, before) = plan.patterns;
        match (&plan.decl.rule, &plan.clock) {
            (StandardRule::AtMost { count, .. }, _) => StandardRun::AtMost {
                limit: count.value,
                event,
                before,
                count: 0,
                violated: None,
                closed: None,
            },
            (StandardRule::RequireBefore { .. }, _) => StandardRun::RequireBefore {
                event,
                before,
                seen: None,
                decided: None,
            },
            (StandardRule::RequireWithin { .. }, Some(clock)) => {
                StandardRun::Within(ClockRun::new(clock))
            }
            (StandardRule::RequireWithin { .. }, None) => {
                // Unreachable by construction; behave as an ordering with nothing required.
                StandardRun::RequireBefore {
                    event,
                    before: event,
                    seen: None,
                    decided: None,
                }
            }
        }
    }

    /// Takes one event (the state already includes its changes).
    pub fn on_event(&mut self, happened: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let at = happened.event.at;
        match self {
            StandardRun::AtMost {
                limit,
                event: counted,
                before,
                count,
                violated,
                closed,
            } => {
                if closed.is_some() {
                    return;
                }
                if matches(before, happened, state) {
                    *closed = Some(at);
                } else if matches(counted, happened, state) {
                    *count += 1;
                    if *count == *limit + 1 {
                        *violated = Some(at);
                    }
                }
            }
            StandardRun::RequireBefore {
                event: required,
                before,
                seen,
                decided,
            } => {
                if decided.is_some() {
                    return;
                }
                if matches(before, happened, state) {
                    *decided = Some((at, seen.is_some()));
                } else if seen.is_none() && matches(required, happened, state) {
                    *seen = Some(at);
                }
            }
            StandardRun::Within(run) => run.on_event(happened, index, state),
        }
    }

    /// Reports the standard at `as_of`.
    pub fn report(&self, plan: &StandardPlan<'_>, as_of: DateTime<Utc>, out: &mut Collector) {
        let name = plan.decl.name.name.clone();
        let (event, before) = (&plan.texts.0, &plan.texts.1);
        let (state, at, due, detail) = match self {
            StandardRun::AtMost {
                limit,
                count,
                violated,
                closed,
                ..
            } => {
                let mut what = String::with_capacity(event.len() + before.len() + 40);
                describe::push_number(&mut what, u64::from(*count));
                what.push_str(" `");
                what.push_str(event);
                what.push_str("` before `");
                what.push_str(before);
                what.push_str("` (at most ");
                describe::push_number(&mut what, u64::from(*limit));
                what.push(')');
                match (violated, closed) {
                    (Some(t), _) => (StandardState::Violated, Some(*t), None, what),
                    (None, Some(t)) => (StandardState::Ok, Some(*t), None, what),
                    (None, None) => (
                        StandardState::Pending,
                        None,
                        None,
                        describe::concat(&[&what, "; `", before, "` has not happened yet"]),
                    ),
                }
            }
            StandardRun::RequireBefore { seen, decided, .. } => match decided {
                Some((t, true)) => (
                    StandardState::Ok,
                    Some(*t),
                    None,
                    format!(
                        "`{event}` at {} came before `{before}`",
                        seen.map(|s| out.at(s).to_string()).unwrap_or_default(),
                    ),
                ),
                Some((t, false)) => (
                    StandardState::Violated,
                    Some(*t),
                    None,
                    format!("`{before}` happened without an earlier `{event}`"),
                ),
                None => (
                    StandardState::Pending,
                    None,
                    None,
                    format!("`{before}` has not happened yet"),
                ),
            },
            StandardRun::Within(run) => {
                let Some(clock) = plan.clock.as_ref() else {
                    return;
                };
                match run.finish(as_of, out.tz).first() {
                    None => (
                        StandardState::Pending,
                        None,
                        None,
                        describe::concat(&["waiting for ", &clock.from_text]),
                    ),
                    Some(o) => {
                        let due = o.due;
                        match o.state {
                            ClockState::Met => {
                                (StandardState::Met, o.stopped, due, o.detail.clone())
                            }
                            ClockState::Breached => {
                                let mut what = describe::concat(&[
                                    "`",
                                    &clock.until_text,
                                    "` not done ",
                                    o.target.as_deref().unwrap_or_default(),
                                    " after `",
                                    &clock.from_text,
                                    "`",
                                ]);
                                let what = match o.stopped {
                                    Some(_) => {
                                        what.push_str(" (it came ");
                                        describe::write_duration(
                                            &mut what,
                                            o.late_by.unwrap_or_default(),
                                        );
                                        what.push_str(" late)");
                                        what
                                    }
                                    None => {
                                        out.action(RequiredAction {
                                            rule: name.clone(),
                                            action: describe::concat(&["do ", &clock.until_text]),
                                            due: due.map(|d| out.at(d)),
                                        });
                                        what
                                    }
                                };
                                (StandardState::Breached, due, due, what)
                            }
                            ClockState::NotPromised => (
                                StandardState::Ok,
                                None,
                                None,
                                "the time limit does not apply to this start".to_string(),
                            ),
                            _ => {
                                out.action(RequiredAction {
                                    rule: name.clone(),
                                    action: describe::concat(&["do ", &clock.until_text]),
                                    due: due.map(|d| out.at(d)),
                                });
                                (StandardState::Running, None, due, o.detail.clone())
                            }
                        }
                    }
                }
            }
        };
        if let (StandardState::Violated | StandardState::Breached, Some(t)) = (state, at) {
            out.breach(Breach {
                rule: name.clone(),
                kind: "standard_violated".to_string(),
                due: due.map(|d| out.at(d)),
                at: out.at(t),
                detail: detail.clone(),
            });
        }
        out.report.standards.push(StandardReport {
            standard: name,
            state,
            at: at.map(|t| out.at(t)),
            due: due.map(|t| out.at(t)),
            detail,
        });
    }
}
