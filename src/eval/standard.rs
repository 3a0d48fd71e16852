//! Standards: counts and orderings of events, and `require A within D after B`
//! (a clock from B until A, the same meaning as the equivalent promise).
//!
//! States: `ok` (the closing event came and the rule held), `violated`,
//! `pending` (the closing event has not come and the rule is not broken yet).
//! `require … within` reports the clock words `pending`, `running`, `met`,
//! `breached`.
//!
//! With `restart on`, a standard has instances: the first from the case's first
//! event, a new one at each restart event that comes once the current one has
//! seen an event of its rule. An instance the restart ends before it was decided
//! is `superseded`; one already broken stays broken.

use super::clock::{ClockRun, DueState, Judged, Superseded};
use super::state::{matches, matches_any, CaseState, Seen};
use super::Collector;
use crate::compile::condition::Pattern;
use crate::compile::{describe, Standard, StandardRule};
use crate::report::{
    Breach, ClockState, RequiredAction, StandardReport, StandardState, Supersession,
};
use chrono::{DateTime, Utc};

/// The walk of one standard over one case: one instance from the case's first event, and a new
/// one at each `restart on` event that comes once the current one has begun.
#[derive(Debug, Clone)]
pub(crate) struct StandardRun<'r> {
    standard: &'r Standard,
    /// The instances in order; only the last one takes events.
    instances: Vec<Instance<'r>>,
}

/// One instance of a standard.
#[derive(Debug, Clone)]
struct Instance<'r> {
    walk: Walk<'r>,
    /// When a `restart on` event ended it, and the event's type.
    restarted: Option<Superseded>,
}

/// An event pattern with its text as reported.
type Named = (Pattern, String);

/// What a standard's walk holds.
#[derive(Debug, Clone)]
enum Walk<'r> {
    /// `at most N A before B`.
    AtMost {
        /// Allowed count.
        limit: u32,
        /// A.
        event: &'r Named,
        /// B.
        before: &'r Named,
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
        event: &'r Named,
        /// B.
        before: &'r Named,
        /// The first A.
        seen: Option<DateTime<Utc>>,
        /// The first B, and the A before it if any.
        decided: Option<Decided>,
    },
    /// `require A within D after B`.
    Within(ClockRun<'r>),
}

/// How a `require A before B` was decided at the first B.
#[derive(Debug, Clone, Copy)]
enum Decided {
    /// B came at `at`, after an A at `seen`.
    Preceded {
        /// The first A.
        seen: DateTime<Utc>,
        /// The first B.
        at: DateTime<Utc>,
    },
    /// B came at this instant with no A before it.
    Unpreceded(DateTime<Utc>),
}

/// What a standard comes to: its state, the instant it was decided, its due time and why.
type Verdict = (
    StandardState,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    String,
);

impl<'r> Walk<'r> {
    /// A fresh walk of `standard`'s rule.
    fn new(standard: &'r Standard) -> Self {
        match &standard.rule {
            StandardRule::AtMost {
                limit,
                event,
                before,
            } => Walk::AtMost {
                limit: *limit,
                event,
                before,
                count: 0,
                violated: None,
                closed: None,
            },
            StandardRule::RequireBefore { event, before } => Walk::RequireBefore {
                event,
                before,
                seen: None,
                decided: None,
            },
            StandardRule::RequireWithin(clock) => Walk::Within(ClockRun::new(clock)),
        }
    }

    /// Whether the rule has seen an event of its own: one it counts, its closing event, its
    /// required event, or (for `require … within`) the event that starts its clock.
    fn has_begun(&self) -> bool {
        match self {
            Walk::AtMost { count, closed, .. } => *count > 0 || closed.is_some(),
            Walk::RequireBefore { seen, decided, .. } => seen.is_some() || decided.is_some(),
            Walk::Within(run) => !run.instances.is_empty(),
        }
    }

    /// Whether the rule is still undecided: its closing event (for `require … within`, its
    /// required event) has not come.
    fn is_open(&self) -> bool {
        match self {
            Walk::AtMost { closed, .. } => closed.is_none(),
            Walk::RequireBefore { decided, .. } => decided.is_none(),
            Walk::Within(run) => run.instances.first().map_or(true, |i| i.is_open()),
        }
    }

    /// Takes one event (the state already includes its changes).
    fn on_event(&mut self, happened: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let at = happened.event.at;
        match self {
            Walk::AtMost {
                limit,
                event,
                before,
                count,
                violated,
                closed,
            } => {
                if closed.is_some() {
                    return;
                }
                if matches(&before.0, happened, state) {
                    *closed = Some(at);
                } else if matches(&event.0, happened, state) {
                    *count += 1;
                    if *count == *limit + 1 {
                        *violated = Some(at);
                    }
                }
            }
            Walk::RequireBefore {
                event,
                before,
                seen,
                decided,
            } => {
                if decided.is_some() {
                    return;
                }
                if matches(&before.0, happened, state) {
                    *decided = Some(match seen {
                        Some(seen) => Decided::Preceded { seen: *seen, at },
                        None => Decided::Unpreceded(at),
                    });
                } else if seen.is_none() && matches(&event.0, happened, state) {
                    *seen = Some(at);
                }
            }
            Walk::Within(run) => run.on_event(happened, index, state),
        }
    }
}

impl<'r> StandardRun<'r> {
    /// A fresh run.
    pub fn new(standard: &'r Standard) -> Self {
        StandardRun {
            standard,
            instances: vec![Instance {
                walk: Walk::new(standard),
                restarted: None,
            }],
        }
    }

    /// Takes one event (the state already includes its changes). A `restart on` event ends the
    /// current instance, once it has seen an event of its rule, and is the first event of the
    /// next; before that, it belongs to the current instance (nothing has happened to restart).
    pub fn on_event(&mut self, happened: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let begun = self
            .instances
            .last()
            .is_some_and(|current| current.walk.has_begun());
        if begun && matches_any(&self.standard.restart, happened, state) {
            let (at, by) = (happened.event.at, happened.event.kind.as_str());
            if let Some(current) = self.instances.last_mut() {
                if current.walk.is_open() {
                    current.restarted = Some(Superseded {
                        at,
                        by: by.to_owned(),
                    });
                    if let Walk::Within(run) = &mut current.walk {
                        run.supersede(at, by);
                    }
                }
            }
            self.instances.push(Instance {
                walk: Walk::new(self.standard),
                restarted: None,
            });
        }
        if let Some(current) = self.instances.last_mut() {
            current.walk.on_event(happened, index, state);
        }
    }

    /// Reports the standard's instances at `as_of`.
    pub fn report(&self, as_of: DateTime<Utc>, out: &mut Collector) {
        let numbered = !self.standard.restart.is_empty();
        for (number, instance) in (1..).zip(&self.instances) {
            self.report_instance(instance, numbered.then_some(number), as_of, out);
        }
    }

    /// Reports one instance at `as_of` (`number`: its number, for standards with `restart on`).
    fn report_instance(
        &self,
        instance: &Instance<'_>,
        number: Option<u32>,
        as_of: DateTime<Utc>,
        out: &mut Collector,
    ) {
        let name = &self.standard.name;
        let (mut state, at, due, mut detail) = match &instance.walk {
            Walk::AtMost {
                limit,
                event,
                before,
                count,
                violated,
                closed,
            } => at_most(*limit, &event.1, &before.1, *count, *violated, *closed),
            Walk::RequireBefore {
                event,
                before,
                decided,
                ..
            } => require_before(&event.1, &before.1, *decided, out),
            Walk::Within(run) => within(name, run, as_of, out),
        };
        // A superseded clock of `require … within` says so in its own detail.
        let told = state == StandardState::Superseded;
        if let (Some(restarted), false) = (&instance.restarted, told) {
            // Ended by a restart before it was decided: superseded, unless already broken.
            if state == StandardState::Pending {
                state = StandardState::Superseded;
            }
            let ended = if state == StandardState::Superseded {
                "superseded"
            } else {
                "ended"
            };
            detail = format!(
                "{detail}; {ended} at {}: `{}` started a new instance",
                out.at(restarted.at),
                restarted.by
            );
        }
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
            standard: name.clone(),
            state,
            at: at.map(|t| out.at(t)),
            due: due.map(|t| out.at(t)),
            detail,
            instance: number,
            superseded: instance.restarted.as_ref().map(|s| Supersession {
                at: out.at(s.at),
                by: s.by.clone(),
            }),
        });
    }
}

/// `at most N A before B`: violated at the (N+1)-th A, ok at the first B, pending before.
fn at_most(
    limit: u32,
    event: &str,
    before: &str,
    count: u32,
    violated: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
) -> Verdict {
    let mut what = String::with_capacity(event.len() + before.len() + 40);
    describe::push_number(&mut what, u64::from(count));
    what.push_str(" `");
    what.push_str(event);
    what.push_str("` before `");
    what.push_str(before);
    what.push_str("` (at most ");
    describe::push_number(&mut what, u64::from(limit));
    what.push(')');
    match (violated, closed) {
        (Some(t), _) => (StandardState::Violated, Some(t), None, what),
        (None, Some(t)) => (StandardState::Ok, Some(t), None, what),
        (None, None) => (
            StandardState::Pending,
            None,
            None,
            describe::concat(&[&what, "; `", before, "` has not happened yet"]),
        ),
    }
}

/// `require A before B`: decided at the first B.
fn require_before(event: &str, before: &str, decided: Option<Decided>, out: &Collector) -> Verdict {
    match decided {
        Some(Decided::Preceded { seen, at }) => (
            StandardState::Ok,
            Some(at),
            None,
            format!("`{event}` at {} came before `{before}`", out.at(seen)),
        ),
        Some(Decided::Unpreceded(at)) => (
            StandardState::Violated,
            Some(at),
            None,
            format!("`{before}` happened without an earlier `{event}`"),
        ),
        None => (
            StandardState::Pending,
            None,
            None,
            format!("`{before}` has not happened yet"),
        ),
    }
}

/// `require A within D after B`: the first instance of the clock from B until A.
fn within(name: &str, run: &ClockRun<'_>, as_of: DateTime<Utc>, out: &mut Collector) -> Verdict {
    let clock = run.rule();
    let Some(o) = run.finish(as_of, out.tz).into_iter().next() else {
        return (
            StandardState::Pending,
            None,
            None,
            describe::concat(&["waiting for ", &clock.from_text]),
        );
    };
    let due = o.due();
    if let Judged::Due {
        target,
        due,
        state: DueState::Breached { late_by },
    } = o.judged
    {
        let mut what = describe::concat(&[
            "`",
            &clock.until_text,
            "` not done ",
            &target.deadline.text,
            " after `",
            &clock.from_text,
            "`",
        ]);
        if o.stopped.is_some() {
            what.push_str(" (it came ");
            describe::write_duration(&mut what, late_by);
            what.push_str(" late)");
        } else if o.is_open() {
            out.action(RequiredAction {
                rule: name.to_string(),
                action: describe::concat(&["do ", &clock.until_text]),
                due: Some(out.at(due)),
            });
        }
        return (StandardState::Breached, Some(due), Some(due), what);
    }
    match o.state() {
        ClockState::Met => (StandardState::Met, o.stopped, due, o.detail),
        // The restart that superseded it is told by the caller.
        ClockState::Superseded => (StandardState::Superseded, None, due, o.detail),
        ClockState::NotPromised => (
            StandardState::Ok,
            None,
            None,
            "the time limit does not apply to this start".to_string(),
        ),
        _ => {
            out.action(RequiredAction {
                rule: name.to_string(),
                action: describe::concat(&["do ", &clock.until_text]),
                due: due.map(|d| out.at(d)),
            });
            (StandardState::Running, None, due, o.detail)
        }
    }
}
