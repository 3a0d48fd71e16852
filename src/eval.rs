//! Pure evaluation: a compiled policy, one case and an evaluation instant in,
//! a [`CaseReport`] out. No clock reads, no I/O; the same inputs always give
//! the same report.
//!
//! The evaluator runs the policy's compiled form (`crate::compile`): every name resolved,
//! deadlines carrying their calendars, conditions and event patterns ready to run. Events
//! are walked in time order (ties keep their order in the case); only events at
//! or before the evaluation instant count. The rules are documented with
//! examples in `docs/semantics.md`.
//!
//! A failure of the evaluator's own invariants (a bug, never something a policy or a case can
//! cause) is an [`InternalError`]: the case is rejected with it, never given a defaulted report
//! (see `docs/reliability.md`).

mod clock;
pub(crate) mod commitment;
mod escalation;
mod objective;
mod promise;
mod standard;
mod state;

use crate::case::{Case, Rejected};
use crate::check::Policy;
use crate::compile::Program;
use crate::report::{
    Breach, CaseReport, Instant, PolicyRef, PromiseReport, RejectedCase, Report, RequiredAction,
    Warning,
};
use crate::time::OffsetChanges;
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use chrono_tz::Tz;
use clock::{ClockRun, Outcome};
use commitment::CommitmentRun;
pub use objective::{ObjectivePlan, Tally};
use standard::StandardRun;
use state::{holds, CaseState, Scope, Seen};
use std::cell::Cell;

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

impl<'e> Collector<'e> {
    /// An empty report of `case` under `program`.
    fn new(program: &'e Program, case: &Case) -> Self {
        Collector {
            tz: program.tz,
            offsets: program.offsets.as_ref(),
            last_offset: Cell::new(None),
            report: empty_report(case),
        }
    }

    /// The report, its breaches, actions and warnings in their reported order.
    fn finish(self) -> CaseReport {
        let mut report = self.report;
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

    /// An instant as reported: the same as [`Instant::new`] in the policy's zone.
    pub fn at(&self, t: DateTime<Utc>) -> Instant {
        let unix = t.timestamp();
        if let Some((from, to, offset)) = self.last_offset.get() {
            if from <= unix && unix < to {
                return Instant(t.with_timezone(&offset));
            }
        }
        // The quick way, from the zone's table of offsets; where it does not apply (no zone, an
        // instant shown in UTC), the general one below.
        let found = self.offsets.and_then(|changes| {
            let (seconds, from, to) = changes.offset_stretch(unix);
            let seconds = crate::time::whole_minutes(seconds);
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

/// A failure of the evaluator's own invariants: a bug in covenant, never in the policy or the
/// case. The case it happened on is rejected with it (see `docs/reliability.md`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "internal error of the evaluator ({what}): a bug in covenant, not in the case; please report it with the policy and the case"
)]
pub struct InternalError {
    what: String,
}

impl InternalError {
    /// An internal error: `what` says which invariant failed.
    pub(crate) fn new(what: impl Into<String>) -> Self {
        InternalError { what: what.into() }
    }

    /// The case `case` rejected with this error.
    pub fn reject(&self, case: &Case) -> Rejected {
        Rejected {
            // A case built in memory has no place in a file (its id is in `case`).
            source: case
                .source
                .clone()
                .unwrap_or_else(|| crate::case::Location::new("<memory>", 1)),
            case: Some(case.id.clone()),
            error: self.to_string(),
        }
    }
}

/// A policy ready to evaluate cases; make one and evaluate many cases with it (from any number
/// of threads).
#[derive(Debug, Clone, Copy)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
}

/// What the walk of a case's events leaves for the report.
struct Walked<'r, 'c> {
    /// The case state after every event seen.
    state: CaseState<'c>,
    clocks: Vec<ClockRun<'r>>,
    standards: Vec<StandardRun<'r>>,
    /// Whether each standard's `applies when` held at the case's first event (or, without
    /// events, at the evaluation instant).
    standards_apply: Vec<bool>,
    commitments: CommitmentRun<'c>,
}

impl<'p> Evaluator<'p> {
    /// An evaluator of `policy` (compiled when it was checked).
    pub fn new(policy: &'p Policy) -> Self {
        Evaluator { policy }
    }

    /// The policy this evaluator evaluates.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    fn program(&self) -> &'p Program {
        self.policy.program()
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
        let rule = self
            .program()
            .promises
            .iter()
            .find(|r| r.name == instance.promise)?;
        let started = instance.started?.utc();
        // Paused while any reason held; a stretch still open is counted up to `as_of`.
        let pauses: Vec<(DateTime<Utc>, DateTime<Utc>)> = instance
            .paused_spans()
            .iter()
            .map(|p| (p.from.utc(), p.to.map_or(as_of, |to| to.utc())))
            .collect();
        instance.due?;
        clock::warning_point(rule, started, instance.target.as_deref()?, &pauses)
    }

    /// The name of the calendar whose open time a clock instance in a report made by this
    /// evaluator counts towards its target (`within … on CAL`, `within N workdays on CAL`);
    /// `None` when it counts elapsed time (`within D`, cut-offs) or no target applies.
    pub fn counted_calendar(&self, instance: &PromiseReport) -> Option<&'p str> {
        let rule = self
            .program()
            .promises
            .iter()
            .find(|r| r.name == instance.promise)?;
        let target = instance.target.as_deref()?;
        let target = rule.targets.iter().find(|t| t.deadline.text == target)?;
        match &target.deadline.rule {
            crate::compile::deadline::Rule::Open { name, .. }
            | crate::compile::deadline::Rule::Workdays { name, .. } => Some(name.as_str()),
            crate::compile::deadline::Rule::Elapsed(_)
            | crate::compile::deadline::Rule::Cutoff { .. } => None,
        }
    }

    /// Evaluates one case as of `as_of`: events after `as_of` are not seen.
    ///
    /// Should the evaluator fail one of its own invariants (an [`InternalError`], a bug), the
    /// report says so with a single breach of kind `internal_error` rather than a verdict on the
    /// case; [`Evaluator::try_evaluate`] returns the error instead.
    pub fn evaluate(&self, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
        self.try_evaluate(case, as_of)
            .unwrap_or_else(|error| internal_error_report(case, as_of, self.program().tz, &error))
    }

    /// Evaluates one case as of `as_of`, or says why the evaluator could not (a bug).
    pub fn try_evaluate(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
    ) -> Result<CaseReport, InternalError> {
        self.run(case, as_of, None).map(|(report, _)| report)
    }

    /// Evaluates one case as of `as_of` and counts it for `objectives` (as
    /// [`ObjectivePlan::count`] would, without walking the case a second time).
    pub fn evaluate_counted(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
        objectives: &ObjectivePlan<'_>,
    ) -> Result<(CaseReport, Tally), InternalError> {
        self.run(case, as_of, Some(objectives))
    }

    /// The report of one case, and its counts for `objectives` when given.
    fn run(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
        objectives: Option<&ObjectivePlan<'_>>,
    ) -> Result<(CaseReport, Tally), InternalError> {
        let events = self.seen_events(case, as_of);
        let walked = self.walk(case, &events);
        let program = self.program();
        let mut out = Collector::new(program, case);
        // The promises' outcomes: reported first, then read by the escalation triggers.
        let mut outcomes: Vec<Vec<Outcome<'_>>> = walked
            .clocks
            .iter()
            .map(|run| run.finish(as_of, program.tz))
            .collect();
        self.report_promises(&walked, &mut outcomes, as_of, &mut out);
        for (run, applies) in walked.standards.iter().zip(&walked.standards_apply) {
            if *applies {
                run.report(as_of, &mut out);
            }
        }
        walked
            .commitments
            .report(&program.commitments, as_of, &mut out);
        for chain in &program.escalations {
            let entry = escalation::evaluate(
                chain,
                &program.ranks,
                case,
                &events,
                &outcomes,
                as_of,
                &mut out,
            )?;
            out.report.escalations.extend(entry);
        }
        let report = out.finish();
        // `state` is the case state after every event seen: what objectives read.
        let tally =
            objectives.map_or_else(Tally::default, |plan| plan.count_in(&walked.state, &report));
        Ok((report, tally))
    }

    /// The events seen at `as_of`, in time order (ties in case order), each with its position
    /// in the case and its type looked up once: the rules compare numbers.
    fn seen_events<'c>(&self, case: &'c Case, as_of: DateTime<Utc>) -> Vec<(usize, Seen<'c>)> {
        let types = &self.program().types;
        let mut events: Vec<(usize, Seen<'_>)> = case
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.at <= as_of)
            .map(|(index, e)| (index, Seen::new(types, e)))
            .collect();
        // Cases read from files are already in order; others are sorted here.
        if !events
            .iter()
            .zip(events.iter().skip(1))
            .all(|(a, b)| a.1.event.at <= b.1.event.at)
        {
            events.sort_by_key(|(index, e)| (e.event.at, *index));
        }
        events
    }

    /// Walks the events through every clock, standard and the commitments.
    fn walk<'c>(&self, case: &'c Case, events: &[(usize, Seen<'c>)]) -> Walked<'p, 'c> {
        let program = self.program();
        let mut walked = Walked {
            state: CaseState::new(case),
            clocks: program.promises.iter().map(ClockRun::new).collect(),
            standards: program.standards.iter().map(StandardRun::new).collect(),
            standards_apply: Vec::new(),
            commitments: CommitmentRun::default(),
        };
        let mut first = true;
        for &(index, seen) in events {
            walked.state.apply(seen.event);
            if first {
                // Standards apply by the case state at the case's first event.
                walked.standards_apply = self.standards_apply(&walked.state);
                first = false;
            } else if seen.kind.is_none() && seen.event.set.is_empty() {
                // An event no rule names, that changes no attribute, only changes the case state.
                continue;
            }
            for clock in &mut walked.clocks {
                clock.on_event(seen, index, &walked.state);
            }
            for (run, applies) in walked.standards.iter_mut().zip(&walked.standards_apply) {
                if *applies {
                    run.on_event(seen, index, &walked.state);
                }
            }
            walked
                .commitments
                .on_event(seen, &walked.state, &program.commitments);
        }
        if first {
            walked.standards_apply = self.standards_apply(&walked.state);
        }
        walked
    }

    /// Whether each standard's `applies when` holds on `state`.
    fn standards_apply(&self, state: &CaseState<'_>) -> Vec<bool> {
        self.program()
            .standards
            .iter()
            .map(|s| holds(&s.applies, Scope { event: None, state }))
            .collect()
    }

    /// Reports every promise: its instances, or `pending` when it never started and applies.
    fn report_promises(
        &self,
        walked: &Walked<'_, '_>,
        outcomes: &mut [Vec<Outcome<'_>>],
        as_of: DateTime<Utc>,
        out: &mut Collector,
    ) {
        let program = self.program();
        let scope = Scope {
            event: None,
            state: &walked.state,
        };
        for ((rule, run), list) in program.promises.iter().zip(&walked.clocks).zip(outcomes) {
            promise::pending(rule, run, holds(&rule.applies, scope), out);
            promise::report(rule, list, as_of, out);
        }
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
    /// is listed (with, after them, any case the evaluator failed on: see [`InternalError`]), and
    /// the policy's objectives are computed over the cases.
    pub fn evaluate_all(
        &self,
        cases: &[Case],
        rejected: &[Rejected],
        as_of: DateTime<Utc>,
    ) -> Report {
        let objectives = ObjectivePlan::new(self.policy);
        let mut tally = Tally::default();
        let mut reports = Vec::with_capacity(cases.len());
        let mut failed = Vec::new();
        for case in cases {
            match self.evaluate_counted(case, as_of, &objectives) {
                Ok((report, counts)) => {
                    tally.merge(counts);
                    reports.push(report);
                }
                Err(error) => failed.push(error.reject(case)),
            }
        }
        let rejected: Vec<Rejected> = rejected.iter().cloned().chain(failed).collect();
        let mut report = self.report(reports, &rejected, as_of);
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
            Instant::new(as_of, self.policy.timezone()),
            PolicyRef {
                name: self.policy.name().to_owned(),
                version: self.policy.version(),
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

/// The report [`Evaluator::evaluate`] gives for a case it could not evaluate: one breach of kind
/// `internal_error`, at the evaluation instant, saying why.
fn internal_error_report(
    case: &Case,
    as_of: DateTime<Utc>,
    tz: Option<Tz>,
    error: &InternalError,
) -> CaseReport {
    let mut report = empty_report(case);
    report.breaches.push(Breach {
        rule: "internal_error".to_owned(),
        kind: "internal_error".to_owned(),
        due: None,
        at: Instant::new(as_of, tz),
        detail: error.to_string(),
    });
    report
}

/// A report of `case` with no entries yet.
fn empty_report(case: &Case) -> CaseReport {
    CaseReport {
        case: case.id.clone(),
        part: None,
        promises: Vec::new(),
        standards: Vec::new(),
        commitments: Vec::new(),
        escalations: Vec::new(),
        breaches: Vec::new(),
        actions: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Evaluates one case against a policy (see [`Policy::evaluate`]).
pub fn evaluate(policy: &Policy, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
    Evaluator::new(policy).evaluate(case, as_of)
}

impl Policy {
    /// Evaluates one case as of `as_of`. Pure: the same inputs always give the same report.
    ///
    /// Should the evaluator fail one of its own invariants (a bug in covenant, never caused by
    /// the policy or the case), the report holds a single breach of kind `internal_error` that
    /// says so, never a verdict on the case; [`Policy::try_evaluate`] returns the error instead.
    pub fn evaluate(&self, case: &Case, as_of: DateTime<Utc>) -> CaseReport {
        Evaluator::new(self).evaluate(case, as_of)
    }

    /// Evaluates one case as of `as_of`, or returns the [`InternalError`] (a bug) that kept the
    /// evaluator from it.
    pub fn try_evaluate(
        &self,
        case: &Case,
        as_of: DateTime<Utc>,
    ) -> Result<CaseReport, InternalError> {
        Evaluator::new(self).try_evaluate(case, as_of)
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
                    part: None,
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

    /// A policy whose chain has a step triggered by the breach of `reply`.
    const STEPPED: &str = r#"
policy "P" { timezone "UTC" }
promise reply {
  from opened until responded
  target within 1h
}
escalation chain {
  trigger on escalated
  step tell {
    trigger on breach of reply
    do told
  }
}
"#;

    /// The policy with the step's trigger naming a promise that does not exist: what no checked
    /// policy compiles to, standing for any broken invariant of the evaluator.
    fn broken() -> Policy {
        let mut policy = Policy::parse(STEPPED).unwrap();
        for chain in &mut policy.program_mut().escalations {
            for step in &mut chain.steps {
                if let Some(trigger) = &mut step.trigger {
                    trigger.trigger = crate::compile::Trigger::Breach(99);
                }
            }
        }
        policy
    }

    const LINES: &str = "\
{\"case\":\"calm\",\"at\":\"2026-06-01T08:00:00Z\",\"type\":\"opened\"}
{\"case\":\"hit\",\"at\":\"2026-06-01T08:00:00Z\",\"type\":\"opened\"}
{\"case\":\"hit\",\"at\":\"2026-06-01T08:05:00Z\",\"type\":\"escalated\"}
{\"case\":\"calm\",\"at\":\"2026-06-01T08:10:00Z\",\"type\":\"responded\"}
";

    fn as_of() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_broken_invariant_is_an_error_never_a_defaulted_report() {
        let policy = broken();
        let batch = crate::case::read_str(
            "cases.jsonl",
            LINES,
            crate::case::CaseFormat::Jsonl,
            &crate::case::ReadOptions::for_policy(&policy),
        );
        let (calm, hit) = (&batch.cases[0], &batch.cases[1]);
        let evaluator = Evaluator::new(&policy);
        assert!(evaluator.try_evaluate(calm, as_of()).is_ok());
        let error = evaluator.try_evaluate(hit, as_of()).unwrap_err();
        assert!(error.to_string().contains("a bug in covenant"), "{error}");
        // The infallible form says so in the report, with nothing else.
        let report = policy.evaluate(hit, as_of());
        assert_eq!(report.promises.len(), 0);
        assert_eq!(
            report
                .breaches
                .iter()
                .map(|b| (b.kind.as_str(), b.detail.clone()))
                .collect::<Vec<_>>(),
            [("internal_error", error.to_string())]
        );
        // In a batch, the case is rejected with its place and the rest goes on.
        let all = evaluator.evaluate_all(&batch.cases, &batch.rejected, as_of());
        assert_eq!(all.cases.len(), 1);
        assert_eq!(all.cases[0].case, "calm");
        assert_eq!(all.rejected.len(), 1);
        assert_eq!(all.rejected[0].source.to_string(), "cases.jsonl:2");
        assert_eq!(
            (
                all.summary.cases,
                all.summary.evaluated,
                all.summary.rejected
            ),
            (2, 1, 1)
        );
        let whole = crate::batch::evaluate_whole(&evaluator, &batch, as_of());
        assert_eq!(whole, all);
    }

    #[test]
    fn a_broken_invariant_rejects_the_case_in_a_stream() {
        let policy = broken();
        let evaluator = Evaluator::new(&policy);
        let options = crate::batch::BatchOptions {
            as_of: as_of(),
            window: 0,
            chunk_lines: 0,
            ..crate::batch::BatchOptions::new(as_of())
        };
        let mut run = crate::batch::Batch::writing(
            &evaluator,
            options,
            crate::report::Format::Jsonl,
            Vec::new(),
        )
        .unwrap();
        run.push_text("cases.jsonl", LINES).unwrap();
        let (out, summary) = run.finish().unwrap();
        assert_eq!(
            (summary.cases, summary.evaluated, summary.rejected),
            (2, 1, 1)
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"case\":\"calm\""), "{text}");
        assert!(text.contains("cases.jsonl:2"), "{text}");
        assert!(text.contains("a bug in covenant"), "{text}");
    }
}
