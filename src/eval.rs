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

use crate::case::{Case, Rejected};
use crate::check::Policy;
use crate::report::{
    Breach, CaseReport, Instant, PolicyRef, PromiseReport, RejectedCase, Report, RequiredAction,
    Warning,
};
use crate::syntax::ast::{Deadline, StandardRule};
use crate::time::{Calendar, CalendarSpec, OffsetChanges};
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use chrono_tz::Tz;
use clock::{ClockRule, ClockRun, TargetPlan, TargetTexts};
use commitment::{CommitmentPlan, CommitmentRun};
use escalation::ChainPlan;
pub use objective::{ObjectivePlan, Tally};
use standard::{StandardPlan, StandardRun};
use state::{holds_opt, CaseState, EventTypes, Scope, Seen};
use std::cell::Cell;

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

/// The local wall-clock seconds (as Unix seconds) that RFC 3339 can write: from the start of the
/// year 0 to the end of the last supported year ([`crate::limits::MAX_YEAR`]).
const SHOWN_LOCAL_SECONDS: (i64, i64) = (-62_167_219_200, 253_402_300_800);

/// Collects the entries of one case report, converting instants to the policy's offset.
#[derive(Debug)]
pub(crate) struct Collector<'e> {
    /// The policy's timezone, for reported instants.
    pub tz: Option<Tz>,
    /// The zone's offset changes, to find an instant's offset without the zone's own lookup.
    offsets: Option<&'e OffsetChanges>,
    /// The stretch of Unix seconds `[from, to)` with one offset found last, and that offset: the
    /// instants of one case mostly fall in one such stretch.
    last_offset: Cell<Option<(i64, i64, FixedOffset)>>,
    report: CaseReport,
}

impl Collector<'_> {
    /// An instant as reported: the same as [`Instant::new`] in the policy's zone.
    pub fn at(&self, t: DateTime<Utc>) -> Instant {
        let unix = t.timestamp();
        if let Some((from, to, offset)) = self.last_offset.get() {
            if from <= unix && unix < to {
                return Instant(t.with_timezone(&offset));
            }
        }
        let found = self.offsets.and_then(|changes| {
            let (seconds, from, to) = changes.offset_stretch(unix);
            let offset = FixedOffset::east_opt(i32::try_from(seconds).ok()?)?;
            // Only instants whose local date there falls in the years 0 to 9999 are shown with
            // the zone's offset (as [`crate::time::shown_offset`] decides); the others in UTC.
            let (first, end) = SHOWN_LOCAL_SECONDS;
            let (from, to) = (from.max(first - seconds), to.min(end - seconds));
            (from <= unix && unix < to).then_some((from, to, offset))
        });
        match found {
            Some((from, to, offset)) => {
                self.last_offset.set(Some((from, to, offset)));
                Instant(t.with_timezone(&offset))
            }
            None => Instant::new(t, self.tz),
        }
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
    /// Every event type some rule looks at, numbered; other events only change the case state.
    types: EventTypes<'p>,
    /// The offset changes of the policy's zone, for reported instants.
    offsets: Option<OffsetChanges>,
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
        let plan = |deadline: &'p Deadline, when| {
            TargetPlan::new(
                deadline,
                when,
                calendar_for(policy, zone.as_ref(), deadline),
            )
        };
        let mut types = EventTypes::new();
        let promises = policy
            .promises
            .iter()
            .map(|p| ClockRule {
                name: &p.name.name,
                applies: p.applies.as_ref(),
                from: types.patterns(&p.from),
                until: types.patterns(&p.until),
                pauses: p
                    .pauses
                    .iter()
                    .map(|pause| (types.patterns(&pause.on), types.patterns(&pause.resume)))
                    .collect(),
                restart: types.patterns(&p.restart),
                targets: TargetTexts::with_texts(
                    p.targets
                        .iter()
                        .map(|t| plan(&t.deadline, t.when.as_ref()))
                        .collect(),
                ),
                warn: p.warn.as_ref(),
                until_text: describe::patterns(&p.until),
                from_text: describe::patterns(&p.from),
            })
            .collect();
        let standards = policy
            .standards
            .iter()
            .map(|s| {
                let clock = match &s.rule {
                    StandardRule::RequireWithin {
                        event,
                        deadline,
                        after,
                        ..
                    } => Some(ClockRule {
                        name: &s.name.name,
                        applies: None,
                        from: vec![types.pattern(after)],
                        until: vec![types.pattern(event)],
                        pauses: Vec::new(),
                        restart: Vec::new(),
                        targets: TargetTexts::with_texts(vec![plan(deadline, None)]),
                        warn: None,
                        until_text: describe::pattern(event),
                        from_text: describe::pattern(after),
                    }),
                    _ => None,
                };
                StandardPlan::new(s, clock, &mut types)
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
            .map(|e| {
                ChainPlan::new(e, &mut types, |step| {
                    step.within.as_ref().map(|d| plan(d, None))
                })
            })
            .collect();
        Evaluator {
            policy,
            types,
            offsets: policy.timezone.map(OffsetChanges::of),
            promises,
            standards,
            commitments,
            escalations,
        }
    }

    /// The policy this evaluator was compiled from.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The warning point of a clock instance in a report made by this evaluator at `as_of`: the
    /// instant at which the share of its target named by the promise's `warn` has been counted,
    /// pauses taken into account. It is the instant a warning names while the clock runs; for a
    /// clock that stopped, or breached, it is where the warning was or would have been. `None`
    /// when the promise has no `warn`, or the instance no target or due time.
    pub fn warning_point(
        &self,
        instance: &PromiseReport,
        as_of: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let rule = self.promises.iter().find(|r| r.name == instance.promise)?;
        let started = instance.started?.utc();
        let pauses: Vec<(DateTime<Utc>, DateTime<Utc>)> = instance
            .pauses
            .iter()
            .map(|p| (p.from.utc(), p.to.map_or(as_of, |to| to.utc())))
            .collect();
        instance.due?;
        rule.warning_point(started, instance.target.as_deref()?, &pauses)
    }

    /// The name of the calendar whose open time a clock instance in a report made by this
    /// evaluator counts towards its target (`within … on CAL`, `within N workdays on CAL`);
    /// `None` when it counts elapsed time (`within D`, cut-offs) or no target applies.
    pub fn counted_calendar(&self, instance: &PromiseReport) -> Option<&'p str> {
        let rule = self.promises.iter().find(|r| r.name == instance.promise)?;
        let target = instance.target.as_deref()?;
        let (plan, _) = rule.targets.iter().find(|(plan, _)| plan.text == target)?;
        match plan.deadline {
            Deadline::Within { on, .. } => on.as_ref().map(|on| on.name.as_str()),
            Deadline::Workdays { on, .. } => Some(on.name.as_str()),
            Deadline::Cutoff { .. } => None,
        }
    }

    /// Evaluates one case as of `as_of`: events after `as_of` are not seen.
    pub fn evaluate(&self, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
        self.run(case, as_of, None).0
    }

    /// Evaluates one case as of `as_of` and counts it for `objectives` (as
    /// [`ObjectivePlan::count`] would, without walking the case a second time).
    pub fn evaluate_counted(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
        objectives: &ObjectivePlan<'_>,
    ) -> (CaseReport, Tally) {
        self.run(case, as_of, Some(objectives))
    }

    /// The report of one case, and its counts for `objectives` when given.
    fn run(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
        objectives: Option<&ObjectivePlan<'_>>,
    ) -> (CaseReport, Tally) {
        // Each event's type is looked up once; the rules compare numbers.
        let mut events: Vec<(usize, Seen<'_>)> = case
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.at <= as_of)
            .map(|(index, e)| (index, self.types.see(e)))
            .collect();
        // Cases read from files are already in order; others are sorted here.
        if !events
            .iter()
            .zip(events.iter().skip(1))
            .all(|(a, b)| a.1.event.at <= b.1.event.at)
        {
            events.sort_by_key(|(index, e)| (e.event.at, *index));
        }

        let mut state = CaseState::new(case);
        let mut clocks: Vec<ClockRun<'_, '_>> = self.promises.iter().map(ClockRun::new).collect();
        let mut standards: Vec<StandardRun<'_, '_>> =
            self.standards.iter().map(StandardRun::new).collect();
        let mut commitments = CommitmentRun::default();
        let mut standards_apply: Option<Vec<bool>> = None;
        for &(index, seen) in &events {
            let event = seen.event;
            state.apply(event);
            // An event no rule names, that changes no attribute, only changes the case state.
            if standards_apply.is_some() && seen.kind.is_none() && event.set.is_empty() {
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
                clock.on_event(seen, index, &state);
            }
            for (run, applies) in standards.iter_mut().zip(applies.iter()) {
                if *applies {
                    run.on_event(seen, index, &state);
                }
            }
            commitments.on_event(seen);
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
            offsets: self.offsets.as_ref(),
            last_offset: Cell::new(None),
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
        let mut outcomes: Vec<_> = self
            .promises
            .iter()
            .zip(&clocks)
            .map(|(rule, run)| (rule, run.finish(as_of, self.policy.timezone)))
            .collect();
        for ((rule, list), run) in outcomes.iter_mut().zip(&clocks) {
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
        // `state` is the case state after every event seen: what objectives read.
        let tally = objectives.map_or_else(Tally::default, |plan| plan.count_in(&state, &report));
        (report, tally)
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

    /// Evaluates a batch on the calling thread: every case read is evaluated, every rejected case
    /// is listed, and the policy's objectives are computed over the cases.
    pub fn evaluate_all(
        &self,
        cases: &[Case],
        rejected: &[Rejected],
        as_of: DateTime<Utc>,
    ) -> Report {
        let objectives = ObjectivePlan::new(self.policy);
        let mut tally = Tally::default();
        let reports = cases
            .iter()
            .map(|case| {
                let (report, counts) = self.evaluate_counted(case, as_of, &objectives);
                tally.merge(counts);
                report
            })
            .collect();
        let mut report = self.report(reports, rejected, as_of);
        report.objectives = objectives.report(&tally);
        report
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_shown_local_seconds_are_the_years_rfc_3339_can_write() {
        let start = |year| {
            NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|local| local.and_utc().timestamp())
        };
        assert_eq!(
            (start(0), start(crate::limits::MAX_YEAR + 1)),
            (Some(SHOWN_LOCAL_SECONDS.0), Some(SHOWN_LOCAL_SECONDS.1))
        );
    }

    /// Reported instants take their offset from the zone's table of changes; it must agree with
    /// the zone itself everywhere, across every change and far outside the listed years.
    #[test]
    fn reported_instants_have_the_zones_own_offsets() {
        let zones = [
            chrono_tz::Europe::London,
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::America::Sao_Paulo,
            chrono_tz::Asia::Shanghai,
            chrono_tz::Pacific::Apia,
        ];
        for tz in zones {
            let changes = OffsetChanges::of(tz);
            let out = Collector {
                tz: Some(tz),
                offsets: Some(&changes),
                last_offset: Cell::new(None),
                report: CaseReport {
                    case: String::new(),
                    promises: Vec::new(),
                    standards: Vec::new(),
                    commitments: Vec::new(),
                    escalations: Vec::new(),
                    breaches: Vec::new(),
                    actions: Vec::new(),
                    warnings: Vec::new(),
                },
            };
            let mut probes: Vec<i64> = changes
                .all()
                .iter()
                .flat_map(|c| [c.at - 1, c.at, c.at + 1])
                .collect();
            probes.extend((-120..=120).map(|i| i * 40_000_000 + 12_345));
            // Around the ends of the years RFC 3339 can write, in local time.
            let (first, end) = SHOWN_LOCAL_SECONDS;
            for edge in [first, end] {
                probes.extend((-15..=15).map(|hours| edge + hours * 3600 - 1));
                probes.extend((-15..=15).map(|hours| edge + hours * 3600));
            }
            for unix in probes {
                let Some(t) = DateTime::from_timestamp(unix, 500_000_000) else {
                    continue;
                };
                let (fast, zone) = (out.at(t).0, Instant::new(t, Some(tz)).0);
                assert_eq!((fast, fast.offset()), (zone, zone.offset()), "{tz} at {t}");
            }
        }
    }
}
