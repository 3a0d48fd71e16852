//! Pure evaluation: a validated policy, one case and an evaluation instant in,
//! a [`CaseReport`] out. No clock reads, no I/O; the same inputs always give
//! the same report.
//!
//! An [`Evaluator`] is compiled once per policy (the event types its rules watch,
//! calendars resolved for every
//! deadline, step preconditions resolved) and reused for many cases. Events
//! are walked in time order (ties keep their order in the case); only events at
//! or before the evaluation instant count. The rules are documented with
//! examples in `docs/semantics.md`.

mod clock;
mod commitment;
mod describe;
mod escalation;
mod objective;
mod promise;
mod standard;
mod state;

use crate::case::{Case, Event, Rejected};
use crate::check::Policy;
use crate::report::{
    Breach, CaseReport, Instant, PolicyRef, RejectedCase, Report, RequiredAction, Warning,
};
use crate::syntax::ast::{Action, Deadline, EventPattern, StandardRule, Trigger};
use crate::time::{Calendar, CalendarSpec};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use clock::{ClockRule, ClockRun, TargetPlan};
use commitment::{CommitmentPlan, CommitmentRun};
use escalation::ChainPlan;
pub use objective::{ObjectivePlan, Tally};
use standard::{StandardPlan, StandardRun};
use state::{holds_opt, CaseState, Scope};
use std::collections::BTreeSet;

/// A policy amount of seconds as a time delta, saturating at the longest one representable.
pub(crate) fn seconds(amount: u64) -> TimeDelta {
    i64::try_from(amount)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .unwrap_or(TimeDelta::MAX)
}

/// `t + d`, or `None` when it would fall after the supported instants (the end of the year 9999
/// in UTC): a limit that can never be reached.
pub(crate) fn later(t: DateTime<Utc>, d: TimeDelta) -> Option<DateTime<Utc>> {
    crate::time::add_elapsed(t, d).ok()
}

/// Collects the entries of one case report, converting instants to the policy's offset.
#[derive(Debug)]
pub(crate) struct Collector {
    /// The policy's timezone, for reported instants.
    pub tz: Option<Tz>,
    report: CaseReport,
}

impl Collector {
    /// An instant as reported.
    pub fn at(&self, t: DateTime<Utc>) -> Instant {
        Instant::new(t, self.tz)
    }
    /// Records a breach.
    pub fn breach(&mut self, breach: Breach) {
        self.report.breaches.push(breach);
    }
    /// Records a required action.
    pub fn action(&mut self, action: RequiredAction) {
        self.report.actions.push(action);
    }
    /// Records a warning.
    pub fn warning(&mut self, warning: Warning) {
        self.report.warnings.push(warning);
    }
}

/// A policy compiled for evaluation; build it once and evaluate many cases with it.
#[derive(Debug, Clone)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    promises: Vec<ClockRule<'p>>,
    standards: Vec<StandardPlan<'p>>,
    commitments: CommitmentPlan<'p>,
    escalations: Vec<ChainPlan<'p>>,
    /// Every event type some rule looks at; other events only change the case state.
    watched: BTreeSet<&'p str>,
}

/// The event types named by the policy's rules, plus the types with a built-in meaning.
fn watched_types(policy: &Policy) -> BTreeSet<&str> {
    fn add<'a>(set: &mut BTreeSet<&'a str>, patterns: &'a [EventPattern]) {
        set.extend(patterns.iter().map(|p| p.event.name.as_str()));
    }
    let mut set: BTreeSet<&str> = ["promised", "fulfilled", "appointment", "notified", "met"]
        .into_iter()
        .collect();
    for p in &policy.promises {
        add(&mut set, &p.from);
        add(&mut set, &p.until);
        add(&mut set, &p.restart);
        for pause in &p.pauses {
            add(&mut set, &pause.on);
            add(&mut set, &pause.resume);
        }
    }
    for s in &policy.standards {
        let (a, b) = match &s.rule {
            StandardRule::AtMost { event, before, .. }
            | StandardRule::RequireBefore { event, before, .. } => (event, before),
            StandardRule::RequireWithin { event, after, .. } => (event, after),
        };
        add(&mut set, std::slice::from_ref(a));
        add(&mut set, std::slice::from_ref(b));
    }
    for e in &policy.escalations {
        add(&mut set, &e.stop);
        let triggers = e
            .triggers
            .iter()
            .chain(e.steps.iter().filter_map(|s| s.trigger.as_ref()));
        for t in triggers {
            if let Trigger::Event { pattern, .. } = t {
                add(&mut set, std::slice::from_ref(pattern));
            }
        }
        for step in &e.steps {
            if let Action::Do { pattern, .. } = &step.action {
                add(&mut set, std::slice::from_ref(pattern));
            }
        }
    }
    set
}

/// The calendar a deadline rule counts on: its `on`, or for a cut-off without one the policy zone (open 24x7).
fn calendar_for(policy: &Policy, zone: Option<&Calendar>, rule: &Deadline) -> Option<Calendar> {
    let on = match rule {
        Deadline::Within { on, .. } | Deadline::Cutoff { on, .. } => on.as_ref(),
        Deadline::Workdays { on, .. } => Some(on),
    };
    match (on, rule) {
        (Some(name), _) => policy.calendars.get(&name.name).cloned(),
        (None, Deadline::Cutoff { .. }) => zone.cloned(),
        (None, _) => None,
    }
}

impl<'p> Evaluator<'p> {
    /// Compiles `policy` for evaluation.
    pub fn new(policy: &'p Policy) -> Self {
        let needs_zone = policy
            .promises
            .iter()
            .flat_map(|p| p.targets.iter().map(|t| &t.deadline))
            .chain(policy.standards.iter().filter_map(|s| match &s.rule {
                StandardRule::RequireWithin { deadline, .. } => Some(deadline),
                _ => None,
            }))
            .chain(
                policy
                    .escalations
                    .iter()
                    .flat_map(|e| e.steps.iter().filter_map(|s| s.within.as_ref())),
            )
            .any(|d| matches!(d, Deadline::Cutoff { on: None, .. }));
        let zone = needs_zone.then(|| {
            Calendar::compile(&CalendarSpec {
                tz: policy.timezone.unwrap_or(chrono_tz::UTC),
                always: true,
                weekly: Vec::new(),
                closed: Vec::new(),
                open_dates: Vec::new(),
            })
        });
        let plan = |deadline: &'p Deadline, when| TargetPlan {
            when,
            deadline,
            calendar: calendar_for(policy, zone.as_ref(), deadline),
            text: describe::deadline(deadline),
        };
        let promises = policy
            .promises
            .iter()
            .map(|p| ClockRule {
                name: &p.name.name,
                applies: p.applies.as_ref(),
                from: &p.from,
                until: &p.until,
                pauses: &p.pauses,
                restart: &p.restart,
                targets: p
                    .targets
                    .iter()
                    .map(|t| plan(&t.deadline, t.when.as_ref()))
                    .collect(),
                warn: p.warn.as_ref(),
            })
            .collect();
        let standards = policy
            .standards
            .iter()
            .map(|s| StandardPlan {
                decl: s,
                clock: match &s.rule {
                    StandardRule::RequireWithin {
                        event,
                        deadline,
                        after,
                        ..
                    } => Some(ClockRule {
                        name: &s.name.name,
                        applies: None,
                        from: std::slice::from_ref(after),
                        until: std::slice::from_ref(event),
                        pauses: &[],
                        restart: &[],
                        targets: vec![plan(deadline, None)],
                        warn: None,
                    }),
                    _ => None,
                },
            })
            .collect();
        let commitments = CommitmentPlan {
            decl: policy.commitments.as_ref(),
            calendar: policy
                .commitments
                .as_ref()
                .and_then(|c| c.on.as_ref())
                .and_then(|on| policy.calendars.get(&on.name).cloned()),
        };
        let escalations = policy
            .escalations
            .iter()
            .map(|e| ChainPlan::new(e, |step| step.within.as_ref().map(|d| plan(d, None))))
            .collect();
        Evaluator {
            policy,
            watched: watched_types(policy),
            promises,
            standards,
            commitments,
            escalations,
        }
    }

    /// Whether any rule can react to `event`: its type is named by a rule, or it changes attributes.
    fn watches(&self, event: &Event) -> bool {
        !event.set.is_empty() || self.watched.contains(event.kind.as_str())
    }

    /// The policy this evaluator was compiled from.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Evaluates one case as of `as_of`: events after `as_of` are not seen.
    pub fn evaluate(&self, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
        let mut events: Vec<(usize, &Event)> = case
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.at <= as_of)
            .collect();
        events.sort_by_key(|(index, e)| (e.at, *index));

        let mut state = CaseState::new(case);
        let mut clocks: Vec<ClockRun<'_, '_>> = self.promises.iter().map(ClockRun::new).collect();
        let mut standards: Vec<StandardRun<'_, '_>> =
            self.standards.iter().map(StandardRun::new).collect();
        let mut commitments = CommitmentRun::default();
        let mut standards_apply: Option<Vec<bool>> = None;
        for &(index, event) in &events {
            state.apply(event);
            if standards_apply.is_some() && !self.watches(event) {
                continue;
            }
            let applies = standards_apply.get_or_insert_with(|| {
                self.standards
                    .iter()
                    .map(|s| {
                        holds_opt(
                            s.decl.applies.as_ref(),
                            Scope {
                                event: None,
                                state: &state,
                            },
                        )
                    })
                    .collect()
            });
            for clock in &mut clocks {
                clock.on_event(event, index, &state);
            }
            for (run, applies) in standards.iter_mut().zip(applies.iter()) {
                if *applies {
                    run.on_event(event, index, &state);
                }
            }
            commitments.on_event(event, index);
        }
        let standards_apply = standards_apply.unwrap_or_else(|| {
            self.standards
                .iter()
                .map(|s| {
                    holds_opt(
                        s.decl.applies.as_ref(),
                        Scope {
                            event: None,
                            state: &state,
                        },
                    )
                })
                .collect()
        });

        let mut out = Collector {
            tz: self.policy.timezone,
            report: CaseReport {
                case: case.id.clone(),
                promises: Vec::new(),
                standards: Vec::new(),
                commitments: Vec::new(),
                escalations: Vec::new(),
                breaches: Vec::new(),
                actions: Vec::new(),
                warnings: Vec::new(),
            },
        };
        let outcomes: Vec<_> = self
            .promises
            .iter()
            .zip(&clocks)
            .map(|(rule, run)| (rule, run.finish(as_of, self.policy.timezone)))
            .collect();
        for ((rule, list), run) in outcomes.iter().zip(&clocks) {
            let applies_now = holds_opt(
                rule.applies,
                Scope {
                    event: None,
                    state: &state,
                },
            );
            promise::pending(rule, run, applies_now, &mut out);
            promise::report(rule, list, as_of, &mut out);
        }
        for ((plan, run), applies) in self.standards.iter().zip(&standards).zip(standards_apply) {
            if applies {
                run.report(plan, as_of, &mut out);
            }
        }
        commitments.report(&self.commitments, self.policy, as_of, &mut out);
        for chain in &self.escalations {
            if let Some(entry) = escalation::evaluate(
                chain,
                self.policy,
                case,
                &events,
                &outcomes,
                as_of,
                &mut out,
            ) {
                out.report.escalations.push(entry);
            }
        }
        let mut report = out.report;
        report
            .breaches
            .sort_by(|a, b| (a.at, &a.rule, &a.kind).cmp(&(b.at, &b.rule, &b.kind)));
        report.actions.sort_by(|a, b| {
            (a.due.is_none(), a.due, &a.rule).cmp(&(b.due.is_none(), b.due, &b.rule))
        });
        report
            .warnings
            .sort_by(|a, b| (a.due, &a.rule).cmp(&(b.due, &b.rule)));
        report
    }

    /// Evaluates cases as they come, one report per case, holding one case at a time.
    pub fn evaluate_iter<'a, I>(
        &'a self,
        cases: I,
        as_of: DateTime<Utc>,
    ) -> impl Iterator<Item = CaseReport> + 'a
    where
        I: IntoIterator<Item = Case>,
        I::IntoIter: 'a,
    {
        cases
            .into_iter()
            .map(move |case| self.evaluate(&case, as_of))
    }

    /// Evaluates a batch: every case read is evaluated, every rejected case is listed.
    pub fn evaluate_all(
        &self,
        cases: &[Case],
        rejected: &[Rejected],
        as_of: DateTime<Utc>,
    ) -> Report {
        let reports = cases.iter().map(|c| self.evaluate(c, as_of)).collect();
        self.report(reports, rejected, as_of)
    }

    /// Assembles the report of a batch from case reports evaluated at `as_of` (in any way, e.g. in
    /// parallel) and the rejected cases.
    pub fn report(
        &self,
        cases: Vec<CaseReport>,
        rejected: &[Rejected],
        as_of: DateTime<Utc>,
    ) -> Report {
        Report::new(
            Instant::new(as_of, self.policy.timezone),
            PolicyRef {
                name: self.policy.name.clone(),
                version: self.policy.version,
            },
            cases,
            rejected
                .iter()
                .map(|r| RejectedCase {
                    source: r.source.clone(),
                    error: r.error.clone(),
                })
                .collect(),
        )
    }
}

/// Evaluates one case against a policy (compiles an [`Evaluator`] each time; keep one for many cases).
pub fn evaluate(policy: &Policy, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
    Evaluator::new(policy).evaluate(case, as_of)
}

impl Policy {
    /// Evaluates one case as of `as_of`. Pure: the same inputs always give the same report.
    pub fn evaluate(&self, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
        evaluate(self, case, as_of)
    }
}
