//! Clocks: the machinery shared by promises and `require A within D after B` standards.
//!
//! A clock starts at the first event matching `from` (when `applies when`
//! holds then; with `from each`, at every such event while no instance is open),
//! stops at the first `until` after it, and starts a new instance on `restart on`,
//! which supersedes the open one. Each `pause` clause is a reason of its own: the
//! clock is paused while any reason holds (a `pause on` matching the starting event
//! starts it paused). The target that applies is the first
//! whose `when` holds and whose deadline rule applies (a cut-off whose
//! `if before` is not met does not); it is chosen again from the original start
//! whenever an event changes attributes while the clock is open.
//!
//! Due times: a target is turned into a budget of time in a measure (elapsed
//! time, or open time of a calendar); the due time is the instant at which
//! that much *unpaused* time in the measure has passed since the start.
//! Without pauses it is exactly the deadline rule's instant.

use super::state::{holds, matches_any, CaseState, Scope, Seen};
use crate::compile::deadline::{Deadline, Rule};
use crate::compile::describe;
use crate::compile::{ClockRule, Target, Warn};
use crate::report::{ClockState, Instant};
use crate::time::{Calendar, TimeError};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::fmt::Write as _;

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

/// The budget of `deadline` for a clock started at `start`; `Ok(None)` when a cut-off's `if
/// before` excludes it.
///
/// - `within D`: D of elapsed time;
/// - `within D on CAL`: D of open time of CAL;
/// - `within N workdays on CAL`: the open time of CAL between the start and the close of the N-th open day after
///   the start day (so pauses push the due time by the open time they covered);
/// - cut-offs: the elapsed time between the start and the cut-off instant.
pub(crate) fn budget(
    deadline: &Deadline,
    start: DateTime<Utc>,
) -> Result<Option<Budget<'_>>, TimeError> {
    let (measure, amount) = match &deadline.rule {
        Rule::Elapsed(amount) => (Measure::Elapsed, *amount),
        Rule::Open {
            amount, calendar, ..
        } => (Measure::Open(calendar), *amount),
        Rule::Workdays {
            count, calendar, ..
        } => {
            let plain_due = calendar.add_workdays(start, *count)?;
            return Ok(Some(Budget {
                measure: Measure::Open(calendar),
                amount: calendar.between(start, plain_due),
                plain_due,
            }));
        }
        Rule::Cutoff { cutoff, calendar } => {
            return Ok(calendar.cutoff(start, cutoff)?.map(|plain_due| Budget {
                measure: Measure::Elapsed,
                amount: (plain_due - start).max(TimeDelta::zero()),
                plain_due,
            }));
        }
    };
    Ok(Some(Budget {
        measure,
        amount,
        plain_due: measure.add(start, amount)?,
    }))
}

/// Whether `target` is a cut-off whose `if before` excludes a clock started at `start`: the
/// one way a target whose `when` holds can still not apply. Other deadline rules always apply,
/// so their due time is not computed here.
fn excluded_by_cutoff(target: &Target, start: DateTime<Utc>) -> bool {
    target.deadline.is_cutoff() && matches!(budget(&target.deadline, start), Ok(None))
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

/// The first target of `rule` that applies to a clock started at `start`, and for each target
/// before it whether its `when` failed (`true`) or its cut-off excluded the start (`false`).
fn choose<'r>(
    rule: &'r ClockRule,
    start: DateTime<Utc>,
    state: &CaseState<'_>,
) -> (Option<Chosen<'r>>, Vec<bool>) {
    let scope = Scope { event: None, state };
    let mut skipped = Vec::new();
    for (index, target) in rule.targets.iter().enumerate() {
        if !holds(&target.when, scope) {
            skipped.push(true);
        } else if excluded_by_cutoff(target, start) {
            skipped.push(false);
        } else {
            return (Some(Chosen { index, target }), skipped);
        }
    }
    (None, skipped)
}

/// The target chosen for an instance: its position among the rule's targets, and the target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chosen<'r> {
    /// Its position (targets are compared by it).
    index: usize,
    /// The target.
    target: &'r Target,
}

/// One reason's paused stretch: the `pause` clause (its position among the rule's clauses), its
/// start, and its end once the reason stopped holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paused {
    /// The clause's position.
    pub reason: usize,
    /// Start.
    pub from: DateTime<Utc>,
    /// End; `None` while the reason holds.
    pub to: Option<DateTime<Utc>>,
}

/// How a `restart on` event ended an open instance: when, and the event's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Superseded {
    /// The restart's instant.
    pub at: DateTime<Utc>,
    /// The restarting event's type.
    pub by: String,
}

/// A clock instance while events are walked.
#[derive(Debug, Clone)]
pub(crate) struct Instance<'r> {
    /// 1, 2, …
    pub number: u32,
    /// Start instant.
    pub started: DateTime<Utc>,
    /// Position of the starting event.
    pub start_index: usize,
    /// The target that applies.
    target: Option<Chosen<'r>>,
    /// Each reason's paused stretches, in the order they began; a reason's last one may be open.
    pub pauses: Vec<Paused>,
    /// Stop instant (the `until` event).
    pub stopped: Option<DateTime<Utc>>,
    /// When a `restart on` event ended it while it was open.
    pub superseded: Option<Superseded>,
    /// Instants at which a change of attributes changed the applicable target.
    pub retargeted: Vec<DateTime<Utc>>,
    /// Why each target before the chosen one does not apply: `true` for a `when` that does not
    /// hold, `false` for a cut-off whose `if before` excludes the start.
    skipped: Vec<bool>,
}

impl Instance<'_> {
    /// Whether the instance is still open: neither stopped nor superseded.
    pub fn is_open(&self) -> bool {
        self.stopped.is_none() && self.superseded.is_none()
    }

    /// When the instance ended: stopped, or superseded.
    pub fn ended(&self) -> Option<DateTime<Utc>> {
        self.stopped
            .or_else(|| self.superseded.as_ref().map(|s| s.at))
    }

    /// Whether the reason `reason` holds.
    fn holds(&self, reason: usize) -> bool {
        self.pauses
            .iter()
            .any(|p| p.reason == reason && p.to.is_none())
    }

    /// Whether some reason holds: the clock is paused.
    pub fn is_paused(&self) -> bool {
        self.pauses.iter().any(|p| p.to.is_none())
    }

    /// Takes one event for each `pause` clause: a reason that holds ends on its `resume on`, one
    /// that does not begins on its `pause on`.
    fn pause_or_resume(&mut self, rule: &ClockRule, seen: Seen<'_>, state: &CaseState<'_>) {
        for (reason, pair) in rule.pauses.iter().enumerate() {
            if self.holds(reason) {
                if matches_any(&pair.resume, seen, state) {
                    self.end_reason(reason, seen.event.at);
                }
            } else if matches_any(&pair.on, seen, state) {
                self.pauses.push(Paused {
                    reason,
                    from: seen.event.at,
                    to: None,
                });
            }
        }
    }

    /// Ends the stretch of `reason` at `at`.
    fn end_reason(&mut self, reason: usize, at: DateTime<Utc>) {
        for p in self
            .pauses
            .iter_mut()
            .filter(|p| p.reason == reason && p.to.is_none())
        {
            p.to = Some(at);
        }
    }

    /// Ends every stretch still open at `at`.
    fn end_pauses(&mut self, at: DateTime<Utc>) {
        for p in self.pauses.iter_mut().filter(|p| p.to.is_none()) {
            p.to = Some(at);
        }
    }

    /// Stops the clock at `at`.
    fn stop(&mut self, at: DateTime<Utc>) {
        self.end_pauses(at);
        self.stopped = Some(at);
    }

    /// Ends the open clock at `at`: an event of type `by` started a new instance.
    fn supersede(&mut self, at: DateTime<Utc>, by: &str) {
        self.end_pauses(at);
        self.superseded = Some(Superseded {
            at,
            by: by.to_owned(),
        });
    }
}

/// The union of closed stretches: disjoint, in time order (stretches that touch are one).
pub(crate) fn union(
    mut stretches: Vec<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    stretches.sort_unstable();
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(stretches.len());
    for (from, to) in stretches {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// The walk of one clock rule over one case.
#[derive(Debug, Clone)]
pub(crate) struct ClockRun<'r> {
    rule: &'r ClockRule,
    /// Whether a `from` event was seen (only the first one starts the clock).
    seen_from: bool,
    /// When `applies when` did not hold at the first start.
    pub declined: Option<DateTime<Utc>>,
    /// Instances in order.
    pub instances: Vec<Instance<'r>>,
}

impl<'r> ClockRun<'r> {
    /// A clock that has not started.
    pub fn new(rule: &'r ClockRule) -> Self {
        ClockRun {
            rule,
            seen_from: false,
            declined: None,
            instances: Vec::new(),
        }
    }

    /// The rule walked.
    pub fn rule(&self) -> &'r ClockRule {
        self.rule
    }

    /// Starts an instance at `seen` when `applies when` holds; a `pause on` matching the starting
    /// event starts it paused.
    fn start(&mut self, seen: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let event = seen.event;
        let scope = Scope { event: None, state };
        if !holds(&self.rule.applies, scope) {
            if self.instances.is_empty() {
                self.declined = Some(event.at);
            }
            return;
        }
        // Instances are numbered from 1.
        let number = self.instances.last().map_or(1, |i| i.number + 1);
        let (target, skipped) = choose(self.rule, event.at, state);
        let mut instance = Instance {
            number,
            started: event.at,
            start_index: index,
            target,
            pauses: Vec::new(),
            stopped: None,
            superseded: None,
            retargeted: Vec::new(),
            skipped,
        };
        if !self.rule.pauses.is_empty() {
            instance.pause_or_resume(self.rule, seen, state);
        }
        self.instances.push(instance);
    }

    /// Whether `seen` starts an instance when none is open: the first `from` event; a later one
    /// under `from each`; a `restart on` event once a `from` event was seen.
    fn starts(&self, seen: Seen<'_>, state: &CaseState<'_>) -> bool {
        let rule = self.rule;
        if self.seen_from {
            matches_any(&rule.restart, seen, state)
                || (rule.from_each && matches_any(&rule.from, seen, state))
        } else {
            matches_any(&rule.from, seen, state)
        }
    }

    /// Ends the open instance, if any, at `at`: an event of type `by` ended it (a standard's
    /// `restart on`).
    pub fn supersede(&mut self, at: DateTime<Utc>, by: &str) {
        if let Some(current) = self.instances.last_mut().filter(|i| i.is_open()) {
            current.supersede(at, by);
        }
    }

    /// Takes one event (the state already includes its changes).
    pub fn on_event(&mut self, seen: Seen<'_>, index: usize, state: &CaseState<'_>) {
        let (rule, event) = (self.rule, seen.event);
        let Some(current) = self.instances.last_mut().filter(|i| i.is_open()) else {
            // No clock open: the first `from` starts one; a later `restart on` (or, under
            // `from each`, a later `from`) a new one.
            if self.starts(seen, state) {
                self.seen_from = true;
                self.start(seen, index, state);
            }
            return;
        };
        if current.start_index == index {
            return;
        }
        if matches_any(&rule.until, seen, state) {
            current.stop(event.at);
            return;
        }
        if matches_any(&rule.restart, seen, state) {
            current.supersede(event.at, &event.kind);
            self.start(seen, index, state);
            return;
        }
        // A `from` event while the clock is open changes nothing, under `from each` too.
        if !rule.pauses.is_empty() {
            current.pause_or_resume(rule, seen, state);
        }
        if !event.set.is_empty() {
            // Attributes changed: the target is chosen again, from the original start.
            let (after, skipped) = choose(rule, current.started, state);
            if after.map(|c| c.index) != current.target.map(|c| c.index) {
                current.target = after;
                current.skipped = skipped;
                current.retargeted.push(event.at);
            }
        }
    }

    /// The outcome of every instance at `as_of`.
    pub fn finish(&self, as_of: DateTime<Utc>, tz: Option<Tz>) -> Vec<Outcome<'r>> {
        self.instances
            .iter()
            .map(|i| outcome(self.rule, i, as_of, tz))
            .collect()
    }
}

/// What an instance comes to at the evaluation instant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Judged<'r> {
    /// No target applies: `not_promised`.
    NoTarget,
    /// A target applies but gives no due time (its calendar has no open time for it, or it would
    /// fall after the supported dates); `state` says what the clock is doing.
    NoDue {
        /// The target.
        target: &'r Target,
        /// The clock's state.
        state: ClockState,
    },
    /// A target applies and the clock is or was due at `due`.
    Due {
        /// The target.
        target: &'r Target,
        /// The due time.
        due: DateTime<Utc>,
        /// Met, breached or still open.
        state: DueState,
    },
}

/// The state of a clock with a due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DueState {
    /// Stopped at or before its due time.
    Met,
    /// Stopped after its due time, or still open after it, by this much wall-clock time.
    Breached {
        /// Wall-clock lateness.
        late_by: TimeDelta,
    },
    /// Open before its due time.
    Open {
        /// Wall-clock time left.
        remaining: TimeDelta,
        /// Whether it is paused.
        paused: bool,
    },
    /// Ended by a `restart on` event at or before its due time.
    Superseded,
}

/// One instance as reported at the evaluation instant.
#[derive(Debug, Clone)]
pub(crate) struct Outcome<'r> {
    /// 1, 2, …
    pub number: u32,
    /// What it comes to.
    pub judged: Judged<'r>,
    /// Start.
    pub started: DateTime<Utc>,
    /// Stop (the `until` event).
    pub stopped: Option<DateTime<Utc>>,
    /// When a `restart on` event ended it while it was open.
    pub superseded: Option<Superseded>,
    /// Counted time.
    pub elapsed: TimeDelta,
    /// Paused time (while any reason held).
    pub paused: TimeDelta,
    /// Each reason's paused stretches, in the order they began.
    pub pauses: Vec<Paused>,
    /// The warning point, when the rule has `warn`, a due time is known and the clock is running.
    pub warn_at: Option<DateTime<Utc>>,
    /// Why the due time is what it is.
    pub detail: String,
    /// The stretches in which the clock was paused (the union of its reasons' stretches), one
    /// still open closed at the evaluation instant: for `trigger at P% of`.
    closed_pauses: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// The last instant the target was chosen again (attributes changed while the clock was
    /// open): a due time or warning point it moved into the past is known from then on.
    pub retargeted: Option<DateTime<Utc>>,
}

impl<'r> Outcome<'r> {
    /// The state reported.
    pub fn state(&self) -> ClockState {
        match self.judged {
            Judged::NoTarget => ClockState::NotPromised,
            Judged::NoDue { state, .. } => state,
            Judged::Due { state, .. } => match state {
                DueState::Met => ClockState::Met,
                DueState::Breached { .. } => ClockState::Breached,
                DueState::Open { paused: false, .. } => ClockState::Running,
                DueState::Open { paused: true, .. } => ClockState::Paused,
                DueState::Superseded => ClockState::Superseded,
            },
        }
    }

    /// Whether the instance is still open: neither stopped nor superseded.
    pub fn is_open(&self) -> bool {
        self.stopped.is_none() && self.superseded.is_none()
    }

    /// When the instance ended: its stop, or the restart that superseded it.
    pub fn ended(&self) -> Option<DateTime<Utc>> {
        self.stopped
            .or_else(|| self.superseded.as_ref().map(|s| s.at))
    }

    /// The target that applies.
    pub fn target(&self) -> Option<&'r Target> {
        match self.judged {
            Judged::NoTarget => None,
            Judged::NoDue { target, .. } | Judged::Due { target, .. } => Some(target),
        }
    }

    /// The due time, when known.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match self.judged {
            Judged::Due { due, .. } => Some(due),
            _ => None,
        }
    }

    /// The due time of a breached instance.
    pub fn breached(&self) -> Option<DateTime<Utc>> {
        match self.judged {
            Judged::Due {
                due,
                state: DueState::Breached { .. },
                ..
            } => Some(due),
            _ => None,
        }
    }

    /// Wall-clock lateness of a breached instance.
    pub fn late_by(&self) -> Option<TimeDelta> {
        match self.judged {
            Judged::Due {
                state: DueState::Breached { late_by },
                ..
            } => Some(late_by),
            _ => None,
        }
    }

    /// Wall-clock time left of an open instance.
    pub fn remaining(&self) -> Option<TimeDelta> {
        match self.judged {
            Judged::Due {
                state: DueState::Open { remaining, .. },
                ..
            } => Some(remaining),
            _ => None,
        }
    }

    /// The instant at which `fraction` of the target's time has passed, if the clock was open then
    /// (not stopped, not superseded).
    pub fn fraction_reached(&self, fraction: f64, as_of: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let target = self.target()?;
        // No budget (an excluded cut-off, or no due time): no fraction of it is ever reached.
        let budget = budget(&target.deadline, self.started).ok()??;
        let amount = scale(budget.amount, fraction);
        // A point past the supported instants is never reached.
        let at = reach(&budget, self.started, &self.closed_pauses, amount).ok()?;
        let end = self.ended().unwrap_or(as_of);
        (at <= end && at <= as_of).then_some(at)
    }

    /// When a point of this instance's time (its breach, or a fraction of its target) became
    /// knowable: the point itself, or the later event that chose the target again and so moved
    /// the point into the past.
    pub fn known_at(&self, point: DateTime<Utc>) -> DateTime<Utc> {
        self.retargeted.map_or(point, |moved| moved.max(point))
    }
}

/// Writes why the targets before the chosen one do not apply, one phrase after another.
fn write_skipped(out: &mut String, rule: &ClockRule, skipped: &[bool]) {
    for (i, (when_failed, target)) in skipped.iter().zip(&rule.targets).enumerate() {
        out.push_str(if i == 0 { "" } else { "; " });
        out.push_str(if *when_failed {
            &target.texts.when_failed
        } else {
            &target.texts.cut_off
        });
    }
}

/// `amount` times `factor`, to the millisecond.
fn scale(amount: TimeDelta, factor: f64) -> TimeDelta {
    let millis = amount.num_milliseconds() as f64 * factor;
    // Past the longest delta, the point is never reached.
    TimeDelta::try_milliseconds(millis.round() as i64).unwrap_or(TimeDelta::MAX)
}

/// The time in the stretches `closed` (in `measure`, up to `end`).
fn paused_in(
    closed: &[(DateTime<Utc>, DateTime<Utc>)],
    measure: Measure<'_>,
    end: DateTime<Utc>,
) -> TimeDelta {
    closed
        .iter()
        .map(|&(a, b)| measure.between(a, b.min(end)))
        .sum()
}

/// The outcome of `instance` of `rule` at `as_of`; instants in details are written in `tz`.
fn outcome<'r>(
    rule: &'r ClockRule,
    instance: &Instance<'r>,
    as_of: DateTime<Utc>,
    tz: Option<Tz>,
) -> Outcome<'r> {
    let mut out = Outcome {
        number: instance.number,
        judged: Judged::NoTarget,
        started: instance.started,
        stopped: instance.stopped,
        superseded: instance.superseded.clone(),
        elapsed: TimeDelta::zero(),
        paused: TimeDelta::zero(),
        pauses: instance.pauses.clone(),
        warn_at: None,
        detail: String::new(),
        // Paused while any reason holds; a stretch still open is counted up to the evaluation
        // instant.
        closed_pauses: union(
            instance
                .pauses
                .iter()
                .map(|p| (p.from, p.to.unwrap_or(as_of)))
                .collect(),
        ),
        retargeted: instance.retargeted.last().copied(),
    };
    // A clock still open is counted up to the evaluation instant.
    let end = instance.ended().unwrap_or(as_of);
    let Some(Chosen { target, .. }) = instance.target else {
        no_target(&mut out, rule, instance, end);
        return out;
    };
    let mut detail = chosen_detail(rule, target, instance, tz);
    let budget = match budget(&target.deadline, instance.started) {
        Ok(Some(b)) => b,
        found @ (Ok(None) | Err(_)) => {
            detail.push_str("; no due time: ");
            detail.push_str(match found {
                Err(TimeError::OutOfRange) => {
                    "it would fall after the year 9999, the end of the supported dates"
                }
                _ => "the calendar has no open time for it",
            });
            let state = undated_state(instance);
            if let Some(superseded) = &instance.superseded {
                write_superseded(&mut detail, superseded, None, tz);
            }
            out.detail = detail;
            out.judged = Judged::NoDue { target, state };
            return out;
        }
    };
    out.paused = paused_in(&out.closed_pauses, budget.measure, end);
    out.elapsed = budget.measure.between(instance.started, end) - out.paused;
    let Ok(due) = reach(&budget, instance.started, &out.closed_pauses, budget.amount) else {
        detail.push_str("; no due time: out of the calendar's range");
        out.detail = detail;
        // Reported as not promised: without a due time there is nothing to keep.
        out.judged = Judged::NoDue {
            target,
            state: ClockState::NotPromised,
        };
        return out;
    };
    write_due(&mut detail, target, &budget, due, &out.closed_pauses, tz);
    let state = due_state(instance, due, as_of);
    if let Some(superseded) = &instance.superseded {
        let late = state != DueState::Superseded;
        write_superseded(&mut detail, superseded, Some(late), tz);
    }
    out.detail = detail;
    out.judged = Judged::Due { target, due, state };
    // The warning point is only reported for a clock still running.
    if matches!(state, DueState::Open { paused: false, .. }) {
        out.warn_at = rule
            .warn
            .and_then(|warn| warn_point(warn, &budget, instance.started, &out.closed_pauses));
    }
    out
}

/// An instance no target applies to: its time counted as elapsed time, and why.
fn no_target(out: &mut Outcome<'_>, rule: &ClockRule, instance: &Instance<'_>, end: DateTime<Utc>) {
    out.paused = out
        .closed_pauses
        .iter()
        .map(|&(a, b)| (b - a).max(TimeDelta::zero()))
        .sum();
    out.elapsed = (end - instance.started).max(TimeDelta::zero()) - out.paused;
    out.detail.push_str("no target applies: ");
    write_skipped(&mut out.detail, rule, &instance.skipped);
}

/// Why the target applies: `target I of N: RULE (…)`, the targets skipped before it, and when it
/// was chosen again.
fn chosen_detail(
    rule: &ClockRule,
    target: &Target,
    instance: &Instance<'_>,
    tz: Option<Tz>,
) -> String {
    let mut detail = String::with_capacity(256);
    detail.push_str(&target.texts.chosen);
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
    detail
}

/// Writes how a restart ended an instance: after its due time (`late`: it stays breached), or
/// before it or without one (it is superseded).
fn write_superseded(
    detail: &mut String,
    superseded: &Superseded,
    late: Option<bool>,
    tz: Option<Tz>,
) {
    let (at, by) = (Instant::new(superseded.at, tz), &superseded.by);
    let _ = match late {
        Some(true) => write!(
            detail,
            "; ended at {at}, after the due time, when `{by}` started a new instance"
        ),
        Some(false) => write!(
            detail,
            "; superseded at {at}: `{by}` started a new instance before the due time"
        ),
        None => write!(
            detail,
            "; superseded at {at}: `{by}` started a new instance"
        ),
    };
}

/// The state of a clock whose target gives no due time.
fn undated_state(instance: &Instance<'_>) -> ClockState {
    if instance.stopped.is_some() {
        ClockState::Met
    } else if instance.superseded.is_some() {
        ClockState::Superseded
    } else if instance.is_paused() {
        ClockState::Paused
    } else {
        ClockState::Running
    }
}

/// Writes how the due time was found: the amount of time allowed in its measure (or the cut-off
/// instant), and how far the pauses before it pushed it back.
fn write_due(
    detail: &mut String,
    target: &Target,
    budget: &Budget<'_>,
    due: DateTime<Utc>,
    closed: &[(DateTime<Utc>, DateTime<Utc>)],
    tz: Option<Tz>,
) {
    if target.deadline.is_cutoff() {
        let _ = write!(
            detail,
            "; due at the cut-off {} (",
            Instant::new(budget.plain_due, tz)
        );
        describe::write_duration(detail, budget.amount);
        detail.push_str(" after the start)");
    } else {
        detail.push_str(&target.texts.due.0);
        describe::write_duration(detail, budget.amount);
        detail.push_str(&target.texts.due.1);
    }
    // Only the pauses before the due time moved it; a pause after it changes nothing.
    let pushed: TimeDelta = closed
        .iter()
        .filter(|&&(from, _)| from < due)
        .map(|&(from, to)| budget.measure.between(from, to.min(due)))
        .sum();
    if pushed > TimeDelta::zero() {
        detail.push_str(", pushed back by ");
        describe::write_duration(detail, pushed);
        detail.push_str(" paused");
    }
}

/// The state at `as_of` of a clock due at `due`. An instance a restart ended is `superseded`
/// when the restart came by its due time and `breached` after it: a breach that happened stays.
fn due_state(instance: &Instance<'_>, due: DateTime<Utc>, as_of: DateTime<Utc>) -> DueState {
    match instance.ended() {
        Some(ended) if ended > due => DueState::Breached {
            late_by: ended - due,
        },
        Some(_) if instance.stopped.is_some() => DueState::Met,
        Some(_) => DueState::Superseded,
        None if as_of > due => DueState::Breached {
            late_by: as_of - due,
        },
        None => DueState::Open {
            remaining: due - as_of,
            paused: instance.is_paused(),
        },
    }
}

/// The instant the rule's `warn` point is reached, when it can be.
fn warn_point(
    warn: Warn,
    budget: &Budget<'_>,
    started: DateTime<Utc>,
    closed: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Option<DateTime<Utc>> {
    let amount = match warn {
        Warn::At(fraction) => scale(budget.amount, fraction),
        Warn::Before(before) => budget.amount - before,
    };
    reach(budget, started, closed, amount.max(TimeDelta::zero())).ok()
}

/// The warning point of an instance of `rule` that started at `started` under the target whose
/// deadline rule is written `target`, paused in `pauses` (closed stretches in time order, an open
/// one ending at the evaluation instant): the instant at which the share of the target named by
/// `warn` has been counted. The same instant as the warnings report while the clock runs; `None`
/// when the rule has no `warn` or the target no due time.
pub(crate) fn warning_point(
    rule: &ClockRule,
    started: DateTime<Utc>,
    target: &str,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Option<DateTime<Utc>> {
    let warn = rule.warn?;
    let target = rule.targets.iter().find(|t| t.deadline.text == target)?;
    let budget = budget(&target.deadline, started).ok()??;
    warn_point(warn, &budget, started, pauses)
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
