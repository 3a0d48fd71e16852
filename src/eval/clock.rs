//! Clocks: the machinery shared by promises and `require A within D after B` standards.
//!
//! A clock starts at the first event matching `from` (when `applies when`
//! holds then), stops at the first `until` after it, pauses and resumes, and
//! starts a new instance on `restart on`. The target that applies is the first
//! whose `when` holds and whose deadline rule applies (a cut-off whose
//! `if before` is not met does not); it is chosen again from the original start
//! whenever an event changes attributes while the clock is open.
//!
//! Due times: a target is turned into a budget of time in a measure (elapsed
//! time, or open time of a calendar); the due time is the instant at which
//! that much *unpaused* time in the measure has passed since the start.
//! Without pauses it is exactly the deadline rule's instant.

use super::state::{holds_opt, matches_any, CaseState, Pattern, Scope, Seen};
use super::{describe, seconds};
use crate::case::Event;
use crate::report::{ClockState, Instant};
use crate::syntax::ast::{CutoffDayAst, Deadline, Expr, Warn};
use crate::time::{Calendar, Cutoff, CutoffDay, TimeError};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::fmt::Write as _;

/// One `target` line, ready to use.
#[derive(Debug, Clone)]
pub(crate) struct TargetPlan<'p> {
    /// `when EXPR`.
    pub when: Option<&'p Expr>,
    /// The deadline rule.
    pub deadline: &'p Deadline,
    /// The calendar the rule counts on (for cut-offs without `on`: the policy zone, open 24x7).
    pub calendar: Option<Calendar>,
    /// The rule as written.
    pub text: String,
    /// The `when` condition as written, rendered once for the reports.
    pub when_text: Option<String>,
}

impl<'p> TargetPlan<'p> {
    /// A target with deadline rule `deadline`, condition `when`, counting on `calendar`.
    pub fn new(deadline: &'p Deadline, when: Option<&'p Expr>, calendar: Option<Calendar>) -> Self {
        TargetPlan {
            when,
            deadline,
            calendar,
            text: describe::deadline(deadline),
            when_text: when.map(describe::expr),
        }
    }
}

/// The texts a target adds to the details of a clock's instances, written once per rule.
#[derive(Debug, Clone)]
pub(crate) struct TargetTexts {
    /// Why it applies: ``target I of N: `RULE` (`when C` holds`` (or `no condition`).
    chosen: String,
    /// Why it does not apply when its `when` fails: ``target I `RULE` does not apply: `when C` does
    /// not hold``.
    when_failed: String,
    /// Why it does not apply when its cut-off excludes the start.
    cut_off: String,
    /// The due-time phrase around the amount of time allowed: `; due ` and ` of elapsed time
    /// after the start`, … (empty for cut-offs, whose phrase names their instant).
    due: (String, String),
}

impl TargetTexts {
    /// Each of `targets`, the targets of one rule in order, with its texts.
    pub fn with_texts(targets: Vec<TargetPlan<'_>>) -> Vec<(TargetPlan<'_>, TargetTexts)> {
        let count = targets.len();
        targets
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let number = i + 1;
                let condition = match &t.when_text {
                    Some(when) => format!("`when {when}` holds"),
                    None => "no condition".to_string(),
                };
                let skipped = format!("target {number} `{}` does not apply: ", t.text);
                let due = match t.deadline {
                    Deadline::Within { on: None, .. } => (
                        "; due ".to_string(),
                        " of elapsed time after the start".to_string(),
                    ),
                    Deadline::Within { on: Some(cal), .. } => (
                        "; due when ".to_string(),
                        format!(" of open time of `{}` has passed", cal.name),
                    ),
                    Deadline::Workdays { count, on, .. } => (
                        format!(
                            "; due at the close of open day {} of `{}` after the start day (",
                            count.value, on.name
                        ),
                        " of open time)".to_string(),
                    ),
                    Deadline::Cutoff { .. } => (String::new(), String::new()),
                };
                let texts = TargetTexts {
                    chosen: format!("target {number} of {count}: `{}` ({condition}", t.text),
                    when_failed: match &t.when_text {
                        Some(when) => format!("{skipped}`when {when}` does not hold"),
                        None => format!("{skipped}the clock did not start before its cut-off"),
                    },
                    cut_off: format!("{skipped}the clock did not start before its cut-off"),
                    due,
                };
                (t, texts)
            })
            .collect()
    }
}

/// A clock rule: a promise, or a `require … within … after …` standard.
#[derive(Debug, Clone)]
pub(crate) struct ClockRule<'p> {
    /// The rule's name.
    pub name: &'p str,
    /// `applies when`.
    pub applies: Option<&'p Expr>,
    /// Starting events.
    pub from: Vec<Pattern<'p>>,
    /// Stopping events.
    pub until: Vec<Pattern<'p>>,
    /// Pause/resume pairs: the pausing events and the resuming ones.
    pub pauses: Vec<(Vec<Pattern<'p>>, Vec<Pattern<'p>>)>,
    /// Restarting events.
    pub restart: Vec<Pattern<'p>>,
    /// Targets in order, with their texts for the details ([`TargetTexts::with_texts`]).
    pub targets: Vec<(TargetPlan<'p>, TargetTexts)>,
    /// `warn …`.
    pub warn: Option<&'p Warn>,
    /// The stopping events as reported (`responded or closed`).
    pub until_text: String,
    /// The starting events as reported.
    pub from_text: String,
}

/// How time is counted towards a target.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Measure<'a> {
    /// Wall-clock elapsed time.
    Elapsed,
    /// Open time of a calendar.
    Open(&'a Calendar),
}

impl Measure<'_> {
    /// The instant at which `d` of this measure has passed after `t`.
    pub fn add(&self, t: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, TimeError> {
        match self {
            Measure::Elapsed => crate::time::add_elapsed(t, d),
            Measure::Open(cal) => cal.add(t, d),
        }
    }
    /// Time of this measure in `[a, b)`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        match self {
            Measure::Elapsed => (b - a).max(TimeDelta::zero()),
            Measure::Open(cal) => cal.between(a, b),
        }
    }
}

/// A target turned into an amount of time for a clock started at a given instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget<'a> {
    /// How time is counted.
    pub measure: Measure<'a>,
    /// How much of it is allowed.
    pub amount: TimeDelta,
    /// The due time when nothing pauses the clock.
    pub plain_due: DateTime<Utc>,
}

fn naive(t: &crate::syntax::ast::ClockTime) -> Option<NaiveTime> {
    if t.hour == 24 && t.minute == 0 {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::from_hms_opt(t.hour, t.minute, 0)
}

/// The budget of `target` for a clock started at `start`; `Ok(None)` when a cut-off's `if before` excludes it.
///
/// - `within D`: D of elapsed time;
/// - `within D on CAL`: D of open time of CAL;
/// - `within N workdays on CAL`: the open time of CAL between the start and the close of the N-th open day after
///   the start day (so pauses push the due time by the open time they covered);
/// - cut-offs: the elapsed time between the start and the cut-off instant.
pub(crate) fn budget<'a>(
    target: &'a TargetPlan<'_>,
    start: DateTime<Utc>,
) -> Result<Option<Budget<'a>>, TimeError> {
    match (target.deadline, target.calendar.as_ref()) {
        (
            Deadline::Within {
                amount, on: None, ..
            },
            _,
        ) => {
            let amount = seconds(amount.seconds);
            let measure = Measure::Elapsed;
            Ok(Some(Budget {
                measure,
                amount,
                plain_due: measure.add(start, amount)?,
            }))
        }
        (Deadline::Within { amount, .. }, Some(cal)) => {
            let amount = seconds(amount.seconds);
            let measure = Measure::Open(cal);
            Ok(Some(Budget {
                measure,
                amount,
                plain_due: measure.add(start, amount)?,
            }))
        }
        (Deadline::Workdays { count, .. }, Some(cal)) => {
            let plain_due = cal.add_workdays(start, count.value)?;
            Ok(Some(Budget {
                measure: Measure::Open(cal),
                amount: cal.between(start, plain_due),
                plain_due,
            }))
        }
        (
            Deadline::Cutoff {
                by, day, if_before, ..
            },
            Some(cal),
        ) => {
            let (Some(by), if_before) = (naive(by), if_before.as_ref().map(naive)) else {
                return Err(TimeError::OutOfRange);
            };
            let rule = Cutoff {
                by,
                day: match day {
                    CutoffDayAst::SameDay => CutoffDay::SameDay,
                    CutoffDayAst::NextDay => CutoffDay::NextDay,
                    CutoffDayAst::InDays(n) => CutoffDay::InDays(n.value),
                    CutoffDayAst::NextWorkday => CutoffDay::NextWorkday,
                },
                if_before: if_before.flatten(),
            };
            Ok(cal.cutoff(start, &rule)?.map(|plain_due| Budget {
                measure: Measure::Elapsed,
                amount: (plain_due - start).max(TimeDelta::zero()),
                plain_due,
            }))
        }
        // The checker guarantees every `on` resolves; a missing calendar has no answer.
        (_, None) => Err(TimeError::NeverOpen(start)),
    }
}

/// Whether `target` is a cut-off whose `if before` excludes a clock started at `start`: the
/// one way a target whose `when` holds can still not apply. Other deadline rules always apply,
/// so their due time is not computed here.
fn excluded_by_cutoff(target: &TargetPlan<'_>, start: DateTime<Utc>) -> bool {
    matches!(target.deadline, Deadline::Cutoff { .. }) && matches!(budget(target, start), Ok(None))
}

/// The instant at which `amount` of unpaused time (in the budget's measure) has passed since `start`.
///
/// `pauses` are closed stretches in time order. When `amount` is the whole budget and no pause
/// intervenes, the result is the rule's own deadline (`plain_due`).
pub(crate) fn reach(
    budget: &Budget<'_>,
    start: DateTime<Utc>,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    amount: TimeDelta,
) -> Result<DateTime<Utc>, TimeError> {
    let whole = amount == budget.amount;
    let mut cursor = start;
    let mut left = amount;
    let candidate = |cursor: DateTime<Utc>, left: TimeDelta| {
        if whole && cursor == start {
            Ok(budget.plain_due)
        } else {
            budget.measure.add(cursor, left)
        }
    };
    for &(from, to) in pauses {
        let at = candidate(cursor, left)?;
        if at <= from {
            return Ok(at);
        }
        left -= budget.measure.between(cursor, from.max(cursor));
        cursor = cursor.max(to);
    }
    candidate(cursor, left.max(TimeDelta::zero()))
}

/// A clock instance while events are walked.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    /// 1, 2, …
    pub number: u32,
    /// Start instant.
    pub started: DateTime<Utc>,
    /// Position of the starting event.
    pub start_index: usize,
    /// The target that applies (index into the rule's targets).
    pub target: Option<usize>,
    /// Paused stretches; the last one may be open.
    pub pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// The pause pair that paused the clock, while paused.
    paused_by: Option<usize>,
    /// Stop instant.
    pub stopped: Option<DateTime<Utc>>,
    /// Why it stopped: `until` event type, or `restart`.
    pub stopped_by: Option<String>,
    /// Instants at which a change of attributes changed the applicable target.
    pub retargeted: Vec<DateTime<Utc>>,
    /// Why each target before the chosen one does not apply: `true` for a `when` that does not
    /// hold, `false` for a cut-off whose `if before` excludes the start.
    skipped: Vec<bool>,
}

/// The walk of one clock rule over one case.
#[derive(Debug, Clone)]
pub(crate) struct ClockRun<'r, 'p> {
    rule: &'r ClockRule<'p>,
    /// Whether a `from` event was seen (only the first one starts the clock).
    seen_from: bool,
    /// When `applies when` did not hold at the first start.
    pub declined: Option<DateTime<Utc>>,
    /// Instances in order.
    pub instances: Vec<Instance>,
}

impl<'r, 'p> ClockRun<'r, 'p> {
    /// A clock that has not started.
    pub fn new(rule: &'r ClockRule<'p>) -> Self {
        ClockRun {
            rule,
            seen_from: false,
            declined: None,
            instances: Vec::new(),
        }
    }

    /// The first target that applies, and for each target before it whether its `when` failed
    /// (`true`) or its cut-off excluded the start (`false`).
    fn choose(&self, start: DateTime<Utc>, state: &CaseState<'_>) -> (Option<usize>, Vec<bool>) {
        let scope = Scope { event: None, state };
        let mut skipped = Vec::new();
        for (i, (t, _)) in self.rule.targets.iter().enumerate() {
            if !holds_opt(t.when, scope) {
                skipped.push(true);
            } else if excluded_by_cutoff(t, start) {
                skipped.push(false);
            } else {
                return (Some(i), skipped);
            }
        }
        (None, skipped)
    }

    fn start(&mut self, event: &Event, index: usize, state: &CaseState<'_>) {
        let scope = Scope { event: None, state };
        if !holds_opt(self.rule.applies, scope) {
            if self.instances.is_empty() {
                self.declined = Some(event.at);
            }
            return;
        }
        let number = self.instances.last().map_or(1, |i| i.number + 1);
        let (target, skipped) = self.choose(event.at, state);
        self.instances.push(Instance {
            number,
            started: event.at,
            start_index: index,
            target,
            pauses: Vec::new(),
            paused_by: None,
            stopped: None,
            stopped_by: None,
            retargeted: Vec::new(),
            skipped,
        });
    }

    /// Takes one event (the state already includes its changes).
    pub fn on_event(&mut self, seen: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let (rule, event) = (self.rule, seen.event);
        let open = self.instances.last().is_some_and(|i| i.stopped.is_none());
        if !open {
            if !self.seen_from && matches_any(&rule.from, seen, state) {
                self.seen_from = true;
                self.start(event, index, state);
            } else if self.seen_from && matches_any(&rule.restart, seen, state) {
                self.start(event, index, state);
            }
            return;
        }
        let restart = matches_any(&rule.restart, seen, state);
        let retarget = !event.set.is_empty();
        let Some(current) = self.instances.last_mut() else {
            return;
        };
        if current.start_index == index {
            return;
        }
        let stop = |current: &mut Instance, by: String| {
            if let Some((_, end @ None)) = current.pauses.last_mut() {
                *end = Some(event.at);
            }
            current.paused_by = None;
            current.stopped = Some(event.at);
            current.stopped_by = Some(by);
        };
        if matches_any(&rule.until, seen, state) {
            stop(current, event.kind.clone());
            return;
        }
        if restart {
            stop(current, format!("restart on {}", event.kind));
            self.start(event, index, state);
            return;
        }
        match current.paused_by {
            None => {
                if let Some(pair) = rule
                    .pauses
                    .iter()
                    .position(|(on, _)| matches_any(on, seen, state))
                {
                    current.paused_by = Some(pair);
                    current.pauses.push((event.at, None));
                }
            }
            Some(pair) => {
                let resumes = rule
                    .pauses
                    .get(pair)
                    .is_some_and(|(_, resume)| matches_any(resume, seen, state));
                if resumes {
                    current.paused_by = None;
                    if let Some((_, end @ None)) = current.pauses.last_mut() {
                        *end = Some(event.at);
                    }
                }
            }
        }
        if retarget {
            let started = current.started;
            let before = current.target;
            let (after, skipped) = self.choose(started, state);
            if let Some(current) = self.instances.last_mut() {
                if after != before {
                    current.target = after;
                    current.skipped = skipped;
                    current.retargeted.push(event.at);
                }
            }
        }
    }

    /// The outcome of every instance at `as_of`.
    pub fn finish(&self, as_of: DateTime<Utc>, tz: Option<Tz>) -> Vec<Outcome> {
        self.instances
            .iter()
            .map(|i| outcome(self.rule, i, as_of, tz))
            .collect()
    }
}

/// One instance as reported at the evaluation instant.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// 1, 2, …
    pub number: u32,
    /// Its state.
    pub state: ClockState,
    /// The target text.
    pub target: Option<String>,
    /// Start.
    pub started: DateTime<Utc>,
    /// Due time, when known.
    pub due: Option<DateTime<Utc>>,
    /// Stop.
    pub stopped: Option<DateTime<Utc>>,
    /// Counted time.
    pub elapsed: TimeDelta,
    /// Paused time.
    pub paused: TimeDelta,
    /// Wall-clock lateness.
    pub late_by: Option<TimeDelta>,
    /// Wall-clock time left.
    pub remaining: Option<TimeDelta>,
    /// Paused stretches.
    pub pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// The warning point, when the rule has `warn`, a due time is known and the clock is running.
    pub warn_at: Option<DateTime<Utc>>,
    /// Why the due time is what it is.
    pub detail: String,
    /// Fraction reached: instants for `trigger at P% of` (computed on demand).
    budget_start: DateTime<Utc>,
    closed_pauses: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    target_index: Option<usize>,
}

impl Outcome {
    /// The instant at which `percent`% of the target's time has passed, if the clock was open then.
    pub fn fraction_reached(
        &self,
        rule: &ClockRule<'_>,
        percent: f64,
        as_of: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let (target, _) = rule.targets.get(self.target_index?)?;
        let budget = budget(target, self.budget_start).ok()??;
        let amount = scale(budget.amount, percent / 100.0);
        let at = reach(&budget, self.budget_start, &self.closed_pauses, amount).ok()?;
        let end = self.stopped.unwrap_or(as_of);
        (at <= end && at <= as_of).then_some(at)
    }
}

/// Writes why the targets before the chosen one do not apply, one phrase after another.
fn write_skipped(out: &mut String, rule: &ClockRule<'_>, skipped: &[bool]) {
    for (i, (when_failed, (_, texts))) in skipped.iter().zip(&rule.targets).enumerate() {
        out.push_str(if i == 0 { "" } else { "; " });
        out.push_str(if *when_failed {
            &texts.when_failed
        } else {
            &texts.cut_off
        });
    }
}

fn scale(amount: TimeDelta, factor: f64) -> TimeDelta {
    let millis = amount.num_milliseconds() as f64 * factor;
    TimeDelta::try_milliseconds(millis.round() as i64).unwrap_or(TimeDelta::MAX)
}

fn outcome(
    rule: &ClockRule<'_>,
    instance: &Instance,
    as_of: DateTime<Utc>,
    tz: Option<Tz>,
) -> Outcome {
    let end = instance.stopped.unwrap_or(as_of);
    let closed: Vec<_> = instance
        .pauses
        .iter()
        .map(|&(from, to)| (from, to.unwrap_or(as_of)))
        .collect();
    let mut out = Outcome {
        number: instance.number,
        state: ClockState::NotPromised,
        target: None,
        started: instance.started,
        due: None,
        stopped: instance.stopped,
        elapsed: TimeDelta::zero(),
        paused: TimeDelta::zero(),
        late_by: None,
        remaining: None,
        pauses: instance.pauses.clone(),
        warn_at: None,
        detail: String::new(),
        budget_start: instance.started,
        closed_pauses: closed.clone(),
        target_index: instance.target,
    };
    let Some((target, texts)) = instance.target.and_then(|i| rule.targets.get(i)) else {
        out.paused = closed
            .iter()
            .map(|(a, b)| (*b - *a).max(TimeDelta::zero()))
            .sum();
        out.elapsed = (end - instance.started).max(TimeDelta::zero()) - out.paused;
        let mut detail = String::from("no target applies: ");
        write_skipped(&mut detail, rule, &instance.skipped);
        out.detail = detail;
        return out;
    };
    out.target = Some(target.text.clone());
    let mut detail = String::with_capacity(256);
    detail.push_str(&texts.chosen);
    if !instance.skipped.is_empty() {
        detail.push_str("; ");
        write_skipped(&mut detail, rule, &instance.skipped);
    }
    detail.push(')');
    if let Some(at) = instance.retargeted.last() {
        let _ = write!(
            detail,
            " (chosen again after attributes changed at {}, counted from the original start)",
            Instant::new(*at, tz)
        );
    }
    let budget = match budget(target, instance.started) {
        Ok(Some(b)) => b,
        found @ (Ok(None) | Err(_)) => {
            let reason = match found {
                Err(TimeError::OutOfRange) => {
                    "it would fall after the year 9999, the end of the supported dates"
                }
                _ => "the calendar has no open time for it",
            };
            out.state = if instance.stopped.is_some() {
                ClockState::Met
            } else if instance.paused_by.is_some() {
                ClockState::Paused
            } else {
                ClockState::Running
            };
            detail.push_str("; no due time: ");
            detail.push_str(reason);
            out.detail = detail;
            return out;
        }
    };
    let paused: TimeDelta = closed
        .iter()
        .map(|&(a, b)| budget.measure.between(a, b.min(end)))
        .sum();
    out.paused = paused;
    out.elapsed = budget.measure.between(instance.started, end) - paused;
    let due = match reach(&budget, instance.started, &closed, budget.amount) {
        Ok(due) => due,
        Err(_) => {
            detail.push_str("; no due time: out of the calendar's range");
            out.detail = detail;
            return out;
        }
    };
    out.due = Some(due);
    match target.deadline {
        Deadline::Cutoff { .. } => {
            let _ = write!(
                detail,
                "; due at the cut-off {} (",
                Instant::new(budget.plain_due, tz)
            );
            describe::write_duration(&mut detail, budget.amount);
            detail.push_str(" after the start)");
        }
        _ => {
            detail.push_str(&texts.due.0);
            describe::write_duration(&mut detail, budget.amount);
            detail.push_str(&texts.due.1);
        }
    }
    // Only the pauses before the due time moved it; a pause after it changes nothing.
    let pushed: TimeDelta = closed
        .iter()
        .filter(|&&(from, _)| from < due)
        .map(|&(from, to)| budget.measure.between(from, to.min(due)))
        .sum();
    if pushed > TimeDelta::zero() {
        detail.push_str(", pushed back by ");
        describe::write_duration(&mut detail, pushed);
        detail.push_str(" paused");
    }
    out.detail = detail;
    match instance.stopped {
        Some(stopped) if stopped <= due => out.state = ClockState::Met,
        Some(stopped) => {
            out.state = ClockState::Breached;
            out.late_by = Some(stopped - due);
        }
        None if as_of > due => {
            out.state = ClockState::Breached;
            out.late_by = Some(as_of - due);
        }
        None => {
            out.state = if instance.paused_by.is_some() {
                ClockState::Paused
            } else {
                ClockState::Running
            };
            out.remaining = Some(due - as_of);
        }
    }
    // The warning point is only reported for a clock still running.
    if out.state != ClockState::Running {
        return out;
    }
    out.warn_at = rule.warn.and_then(|warn| {
        reach(
            &budget,
            instance.started,
            &closed,
            warn_amount(warn, &budget),
        )
        .ok()
    });
    out
}

/// The counted time at which `warn` fires for `budget`.
fn warn_amount(warn: &Warn, budget: &Budget<'_>) -> TimeDelta {
    let amount = match warn {
        Warn::At(p) => scale(budget.amount, p.value / 100.0),
        Warn::Before(d) => budget.amount - seconds(d.seconds),
    };
    amount.max(TimeDelta::zero())
}

impl ClockRule<'_> {
    /// The warning point of an instance of this rule that started at `started` under the target
    /// whose deadline rule is written `target`, paused in `pauses` (closed stretches in time
    /// order, an open one ending at the evaluation instant): the instant at which the share of
    /// the target named by `warn` has been counted. The same instant as the warnings report while
    /// the clock runs; `None` when the rule has no `warn` or the target no due time.
    pub(crate) fn warning_point(
        &self,
        started: DateTime<Utc>,
        target: &str,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Option<DateTime<Utc>> {
        let warn = self.warn?;
        let (plan, _) = self.targets.iter().find(|(plan, _)| plan.text == target)?;
        let budget = budget(plan, started).ok()??;
        reach(&budget, started, pauses, warn_amount(warn, &budget)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::minutes(minute)
    }

    fn elapsed(minutes: i64) -> Budget<'static> {
        Budget {
            measure: Measure::Elapsed,
            amount: TimeDelta::minutes(minutes),
            plain_due: t(minutes),
        }
    }

    fn due(pauses: &[(i64, i64)]) -> DateTime<Utc> {
        let pauses: Vec<_> = pauses.iter().map(|&(a, b)| (t(a), t(b))).collect();
        let budget = elapsed(60);
        reach(&budget, t(0), &pauses, budget.amount).unwrap()
    }

    #[test]
    fn pauses_push_the_due_time_by_the_time_they_cover() {
        assert_eq!(due(&[]), t(60));
        assert_eq!(due(&[(10, 40)]), t(90));
        assert_eq!(due(&[(10, 40), (50, 55)]), t(95));
        // A pause that begins after the due time changes nothing; one at the due instant neither.
        assert_eq!(due(&[(70, 200)]), t(60));
        assert_eq!(due(&[(60, 200)]), t(60));
        // A pause from the start.
        assert_eq!(due(&[(0, 30)]), t(90));
    }

    #[test]
    fn fractions_are_reached_on_unpaused_time() {
        let budget = elapsed(60);
        let pauses = [(t(10), t(40))];
        let at = |m| reach(&budget, t(0), &pauses, TimeDelta::minutes(m)).unwrap();
        assert_eq!(at(5), t(5));
        assert_eq!(at(45), t(75));
        assert_eq!(at(0), t(0));
    }
}
