//! Escalation chains: activation by a trigger under a guard, steps that become
//! due in order, and the events that do them.
//!
//! A chain walks the case's events together with *synthetic moments*: the
//! breach instant of a promise (`trigger on breach of P`) and the instant a
//! fraction of its target has passed (`trigger at 80% of P`). A synthetic
//! moment at the same instant as events comes after them. Every moment gets a
//! sequence number, so "after" means later in this order even within one second.

use super::clock::{budget, ClockRule, Outcome, TargetPlan};
use super::state::{
    holds_opt, matches, matches_any, new_handler, CaseState, EventTypes, Pattern, Scope, Seen,
    APPOINTMENT, MET, NOTIFIED,
};
use super::{describe, later, seconds, Collector};
use crate::case::{Case, Staff};
use crate::check::Policy;
use crate::report::{
    AppointmentReport, AppointmentState, Breach, ChainState, ClockState, EscalationReport,
    RequiredAction, StepReport, StepState,
};
use crate::syntax::ast::{
    Action, CompareOp, Escalation, StaffConstraint, Step, Trigger, VenueTarget,
};
use chrono::{DateTime, TimeDelta, Utc};

/// One step, ready to use.
#[derive(Debug, Clone)]
pub(crate) struct StepPlan<'p> {
    /// The declaration.
    pub decl: &'p Step,
    /// Indices of the steps that must be complete first.
    pub preconditions: Vec<usize>,
    /// The deadline rule, counted from when the step became due.
    pub within: Option<TargetPlan<'p>>,
    /// The step's own trigger as reported (`breach of `resolution``).
    pub trigger_text: Option<String>,
    /// The step's own trigger when it is an event, numbered.
    trigger_event: Option<Pattern<'p>>,
    /// The event of a `do EVENT` step, numbered.
    do_event: Option<Pattern<'p>>,
    /// The step as a rule of breaches and actions: `CHAIN.STEP`.
    rule: String,
    /// `; deadline RULE`, or empty without a deadline.
    within_text: String,
    /// Why the step became due: after its preconditions were done, or when the chain was
    /// activated (`on TRIGGER …` first when the step has a trigger of its own).
    due_texts: (String, String),
    /// What a step not yet due waits for.
    waiting: String,
    /// The action as written (`notify manager`).
    action_text: String,
}

/// A chain, ready to use.
#[derive(Debug, Clone)]
pub(crate) struct ChainPlan<'p> {
    /// The declaration.
    pub decl: &'p Escalation,
    /// Its steps in order.
    pub steps: Vec<StepPlan<'p>>,
    /// The chain's triggers as reported, in order.
    pub trigger_texts: Vec<String>,
    /// The chain's triggers that are events, numbered (`None` for the others), in order.
    trigger_events: Vec<Option<Pattern<'p>>>,
    /// `stop on` events, numbered.
    stop: Vec<Pattern<'p>>,
}

/// A trigger's event pattern, numbered, when it is an event trigger.
fn trigger_event<'p>(trigger: &'p Trigger, types: &mut EventTypes<'p>) -> Option<Pattern<'p>> {
    match trigger {
        Trigger::Event { pattern, .. } => Some(types.pattern(pattern)),
        _ => None,
    }
}

/// Why a step became due, after its `preconditions` were done and when the chain was activated.
fn due_texts(
    steps: &[Step],
    preconditions: &[usize],
    trigger_text: Option<&str>,
) -> (String, String) {
    let names: Vec<&str> = preconditions
        .iter()
        .filter_map(|&p| steps.get(p).map(|s| s.name.name.as_str()))
        .collect();
    let verb = if names.len() == 1 { "was" } else { "were" };
    let after = format!("after {} {verb} done", names.join(", "));
    let activated = "when the chain was activated".to_string();
    match trigger_text {
        Some(t) => (format!("on {t} {after}"), format!("on {t} {activated}")),
        None => (after, activated),
    }
}

/// What a step not yet due waits for: its preconditions, then its own trigger.
fn waiting_text(steps: &[Step], preconditions: &[usize], trigger_text: Option<&str>) -> String {
    let mut parts: Vec<String> = preconditions
        .iter()
        .filter_map(|&p| steps.get(p).map(|s| format!("`{}`", s.name.name)))
        .collect();
    if let Some(t) = trigger_text {
        parts.push(format!("then {t}"));
    }
    format!("waiting for {}", parts.join(", "))
}

impl<'p> ChainPlan<'p> {
    /// Resolves step preconditions: `after` names, or the previous step.
    pub fn new(
        decl: &'p Escalation,
        types: &mut EventTypes<'p>,
        within: impl Fn(&'p Step) -> Option<TargetPlan<'p>>,
    ) -> Self {
        let steps = decl
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let preconditions: Vec<usize> = match &step.after {
                    Some(names) => names
                        .iter()
                        .filter_map(|n| decl.steps.iter().position(|s| s.name.name == n.name))
                        .collect(),
                    None => i.checked_sub(1).into_iter().collect(),
                };
                let within = within(step);
                let trigger_text = step.trigger.as_ref().map(trigger_text);
                StepPlan {
                    decl: step,
                    rule: format!("{}.{}", decl.name.name, step.name.name),
                    within_text: within
                        .as_ref()
                        .map(|w| format!("; deadline {}", w.text))
                        .unwrap_or_default(),
                    due_texts: due_texts(&decl.steps, &preconditions, trigger_text.as_deref()),
                    waiting: waiting_text(&decl.steps, &preconditions, trigger_text.as_deref()),
                    action_text: describe::action(&step.action),
                    preconditions,
                    within,
                    trigger_text,
                    trigger_event: step.trigger.as_ref().and_then(|t| trigger_event(t, types)),
                    do_event: match &step.action {
                        Action::Do { pattern, .. } => Some(types.pattern(pattern)),
                        _ => None,
                    },
                }
            })
            .collect();
        ChainPlan {
            decl,
            steps,
            trigger_texts: decl.triggers.iter().map(trigger_text).collect(),
            trigger_events: decl
                .triggers
                .iter()
                .map(|t| trigger_event(t, types))
                .collect(),
            stop: types.patterns(&decl.stop),
        }
    }
}

/// A position in the walk: an instant and a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Moment {
    at: DateTime<Utc>,
    seq: u64,
}

/// What a moment is.
#[derive(Clone, Copy)]
enum Happening<'e> {
    Event(Seen<'e>),
    /// A promise-based trigger of the chain (`None`) or of a step (`Some(i)`).
    Synthetic(Option<usize>, &'e str),
}

#[derive(Debug, Clone)]
struct Appointment {
    time: DateTime<Utc>,
    with: String,
    booked: u64,
    met: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
struct StepRun {
    due: Option<Moment>,
    /// Whether it became due after its preconditions were done (else on the chain's activation).
    due_after_preconditions: bool,
    base_rank: Option<usize>,
    deadline: Option<DateTime<Utc>>,
    done: Option<Moment>,
    done_by: String,
    out_of_order: bool,
    appointment: Option<Appointment>,
}

struct ChainRun<'p, 'a> {
    plan: &'a ChainPlan<'p>,
    policy: &'a Policy,
    active: Option<Moment>,
    activated_by: String,
    guarded: Option<(DateTime<Utc>, String)>,
    stopped: Option<(Moment, String)>,
    steps: Vec<StepRun>,
}

fn rank_of(policy: &Policy, staff: Option<&Staff>) -> Option<usize> {
    let rank = staff?.rank.as_deref()?;
    policy.ranks.iter().position(|r| r == rank)
}

fn staff_ok(
    policy: &Policy,
    constraints: &[StaffConstraint],
    staff: &Staff,
    base_rank: Option<usize>,
    state: &CaseState<'_>,
) -> bool {
    let rank = rank_of(policy, Some(staff));
    constraints.iter().all(|c| match c {
        StaffConstraint::RankAboveCurrent(_) => match (rank, base_rank) {
            (Some(r), Some(base)) => r > base,
            (Some(_), None) => true,
            (None, _) => false,
        },
        StaffConstraint::Rank { op, rank: name, .. } => {
            let Some(wanted) = policy.ranks.iter().position(|r| *r == name.name) else {
                return false;
            };
            rank.is_some_and(|r| match op {
                CompareOp::Eq => r == wanted,
                CompareOp::Ne => r != wanted,
                CompareOp::Lt => r < wanted,
                CompareOp::Le => r <= wanted,
                CompareOp::Gt => r > wanted,
                CompareOp::Ge => r >= wanted,
            })
        }
        StaffConstraint::NotSubject(_) => !state.subjects.contains(staff.id.as_str()),
    })
}

fn venue_ok(policy: &Policy, to: &VenueTarget, venue: &str) -> bool {
    match to {
        VenueTarget::Class(privacy, _) => policy.venues.get(venue) == Some(privacy),
        VenueTarget::Named(name) => name.name == venue,
    }
}

/// Whether `seen` does `step`'s action; `base_rank` is the rank `rank above current` compares with.
fn satisfies(
    policy: &Policy,
    step: &StepPlan<'_>,
    seen: Seen<'_>,
    state: &CaseState<'_>,
    previous_handler: Option<&Staff>,
    base_rank: Option<usize>,
) -> bool {
    let event = seen.event;
    match &step.decl.action {
        Action::ChangeHandler { constraints, .. } => {
            let Some(new) = new_handler(event) else {
                return false;
            };
            previous_handler.map(|h| h.id.as_str()) != Some(new.id.as_str())
                && staff_ok(policy, constraints, new, base_rank, state)
        }
        Action::ChangeVenue { to, .. } => event
            .venue
            .as_deref()
            .is_some_and(|v| venue_ok(policy, to, v)),
        Action::Appoint { constraints, .. } => {
            seen.is(APPOINTMENT)
                && event.time.is_some()
                && event
                    .with
                    .as_ref()
                    .is_some_and(|s| staff_ok(policy, constraints, s, base_rank, state))
        }
        Action::Notify { rank, .. } => {
            let wanted = policy.ranks.iter().position(|r| *r == rank.name);
            seen.is(NOTIFIED)
                && rank_of(policy, event.with.as_ref().or(event.to.as_ref()))
                    .zip(wanted)
                    .is_some_and(|(r, w)| r >= w)
        }
        Action::Do { .. } => step.do_event.is_some_and(|p| matches(&p, seen, state)),
    }
}

/// Whether the case state already is what a change step asks for (nothing left to change).
fn already_there(policy: &Policy, action: &Action, state: &CaseState<'_>) -> bool {
    match action {
        Action::ChangeVenue { to, .. } => state.venue.is_some_and(|v| venue_ok(policy, to, v)),
        Action::ChangeHandler { constraints, .. } => {
            !constraints
                .iter()
                .any(|c| matches!(c, StaffConstraint::RankAboveCurrent(_)))
                && state
                    .handler
                    .is_some_and(|h| staff_ok(policy, constraints, h, None, state))
        }
        _ => false,
    }
}

fn trigger_text(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Event { pattern, .. } => {
            format!("`{}`", describe::patterns(std::slice::from_ref(pattern)))
        }
        Trigger::Breach { promise, .. } => format!("breach of `{}`", promise.name),
        Trigger::Fraction {
            percent, promise, ..
        } => format!("{}% of `{}`", percent.value, promise.name),
    }
}

/// The instant a promise-based trigger fires, from the promises' outcomes.
fn synthetic_instant(
    trigger: &Trigger,
    promises: &[(&ClockRule<'_>, Vec<Outcome>)],
    as_of: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let find = |name: &str| promises.iter().find(|(rule, _)| rule.name == name);
    match trigger {
        Trigger::Event { .. } => None,
        Trigger::Breach { promise, .. } => find(&promise.name)?
            .1
            .iter()
            .filter(|o| o.state == ClockState::Breached)
            .filter_map(|o| o.due)
            .min(),
        Trigger::Fraction {
            percent, promise, ..
        } => {
            let (rule, outcomes) = find(&promise.name)?;
            outcomes
                .iter()
                .filter_map(|o| o.fraction_reached(rule, percent.value, as_of))
                .min()
        }
    }
}

impl<'p, 'a> ChainRun<'p, 'a> {
    fn moment(
        &mut self,
        happening: Happening<'_>,
        now: Moment,
        state: &CaseState<'_>,
        previous_handler: Option<&Staff>,
    ) {
        let decl = self.plan.decl;
        if self.active.is_none() {
            let fired = match happening {
                Happening::Event(e) => self
                    .plan
                    .trigger_events
                    .iter()
                    .zip(&self.plan.trigger_texts)
                    .find_map(|(pattern, text)| {
                        pattern
                            .is_some_and(|p| matches(&p, e, state))
                            .then(|| text.clone())
                    }),
                Happening::Synthetic(None, text) => Some(text.to_string()),
                Happening::Synthetic(Some(_), _) => None,
            };
            let Some(fired) = fired else { return };
            if holds_opt(decl.applies.as_ref(), Scope { event: None, state }) {
                self.active = Some(now);
                self.activated_by = fired;
            } else {
                if self.guarded.is_none() {
                    self.guarded = Some((now.at, fired));
                }
                return;
            }
        }
        let Some(active) = self.active else { return };
        if self.stopped.is_some() {
            return;
        }
        if let Happening::Event(e) = happening {
            if now.seq > active.seq && matches_any(&self.plan.stop, e, state) {
                self.stopped = Some((now, e.event.kind.clone()));
                return;
            }
            self.actions(e, now, state, previous_handler);
        }
        self.make_due(happening, now, active, state);
    }

    fn complete(&self, i: usize) -> Option<Option<u64>> {
        let plan = self.plan.steps.get(i)?;
        let mut last = None;
        for &p in &plan.preconditions {
            let done = self.steps.get(p)?.done?;
            last = last.max(Some(done.seq));
        }
        Some(last)
    }

    fn actions(
        &mut self,
        seen: Seen<'_>,
        now: Moment,
        state: &CaseState<'_>,
        previous_handler: Option<&Staff>,
    ) {
        let event = seen.event;
        for i in 0..self.steps.len() {
            let complete = self.complete(i);
            let (Some(plan), Some(run)) = (self.plan.steps.get(i), self.steps.get_mut(i)) else {
                continue;
            };
            if run.done.is_some() {
                if let Some(appt) = run.appointment.as_mut() {
                    let with = event.with.as_ref().or(event.handler.as_ref());
                    if appt.met.is_none()
                        && seen.is(MET)
                        && now.seq > appt.booked
                        && with.is_some_and(|s| s.id == appt.with)
                    {
                        appt.met = Some(now.at);
                    }
                }
                continue;
            }
            let base_rank = match run.due {
                Some(_) => run.base_rank,
                None => rank_of(self.policy, previous_handler),
            };
            if !satisfies(self.policy, plan, seen, state, previous_handler, base_rank) {
                continue;
            }
            match run.due {
                Some(due) if now.seq > due.seq => {}
                Some(_) => continue,
                None => run.out_of_order = complete.is_none(),
            }
            // The event that completed the preconditions of a step without a trigger of its own
            // makes it due at this moment, and does it too.
            let due_now =
                run.due.is_none() && plan.decl.trigger.is_none() && complete == Some(Some(now.seq));
            run.done = Some(now);
            run.done_by = format!("`{}`", event.kind);
            if let (Action::Appoint { .. }, Some(time), Some(with)) =
                (&plan.decl.action, event.time, event.with.as_ref())
            {
                run.appointment = Some(Appointment {
                    time,
                    with: with.id.clone(),
                    booked: now.seq,
                    met: None,
                });
            }
            if due_now {
                self.become_due(i, now, Some(now.seq), previous_handler);
            }
        }
    }

    fn make_due(
        &mut self,
        happening: Happening<'_>,
        now: Moment,
        active: Moment,
        state: &CaseState<'_>,
    ) {
        // A step made due (and done at once) can make a later one due in the same moment.
        for _ in 0..self.steps.len() {
            let mut changed = false;
            for i in 0..self.steps.len() {
                let Some(last) = self.complete(i) else {
                    continue;
                };
                let (Some(plan), Some(run)) = (self.plan.steps.get(i), self.steps.get_mut(i))
                else {
                    continue;
                };
                if run.due.is_some() || run.done.is_some() {
                    continue;
                }
                let after_ref = |seq: u64| match last {
                    Some(done) => seq > done,
                    None => seq >= active.seq,
                };
                let ready = match (&plan.decl.trigger, happening) {
                    (None, _) => true,
                    (Some(Trigger::Event { .. }), Happening::Event(e)) => {
                        after_ref(now.seq)
                            && plan.trigger_event.is_some_and(|p| matches(&p, e, state))
                    }
                    (Some(_), Happening::Synthetic(Some(step), _)) => {
                        step == i && after_ref(now.seq)
                    }
                    _ => false,
                };
                if !ready {
                    continue;
                }
                let action = &plan.decl.action;
                self.become_due(i, now, last, state.handler);
                if already_there(self.policy, action, state) {
                    if let Some(run) = self.steps.get_mut(i) {
                        run.done = Some(now);
                        run.done_by = "the case as it already was (nothing to change)".to_string();
                    }
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }

    /// Makes step `i` due at `now`: its preconditions were completed at moment `last` (`None`:
    /// it has none, and the chain's activation counts), and `handler` is the handler then.
    fn become_due(&mut self, i: usize, now: Moment, last: Option<u64>, handler: Option<&Staff>) {
        let (Some(plan), Some(run)) = (self.plan.steps.get(i), self.steps.get_mut(i)) else {
            return;
        };
        run.due_after_preconditions = last.is_some();
        run.due = Some(now);
        run.base_rank = rank_of(self.policy, handler);
        run.deadline = plan
            .within
            .as_ref()
            .and_then(|w| budget(w, now.at).ok().flatten())
            .map(|b| b.plain_due);
    }

    fn report(&self, as_of: DateTime<Utc>, out: &mut Collector) -> EscalationReport {
        let decl = self.plan.decl;
        let name = &decl.name.name;
        let Some(active) = self.active else {
            let (at, fired) = self.guarded.clone().unwrap_or((as_of, String::new()));
            return EscalationReport {
                escalation: name.clone(),
                state: ChainState::Guarded,
                activated: None,
                stopped: None,
                steps: Vec::new(),
                detail: format!(
                    "trigger {fired} fired at {} but `applies when` did not hold: not escalated",
                    out.at(at)
                ),
            };
        };
        let end = self.stopped.as_ref().map_or(as_of, |(m, _)| m.at);
        let mut steps = Vec::new();
        for (plan, run) in self.plan.steps.iter().zip(&self.steps) {
            let rule = &plan.rule;
            let due_reason = if run.due_after_preconditions {
                &plan.due_texts.0
            } else {
                &plan.due_texts.1
            };
            let due_how = || {
                let mut how = String::with_capacity(160);
                how.push_str("due ");
                how.push_str(due_reason);
                how.push_str(&plan.within_text);
                how
            };
            let (state, detail) = match (run.due, run.done) {
                (_, Some(done)) if run.out_of_order => {
                    let detail = format!(
                        "done by {} at {} before its preconditions were complete",
                        run.done_by,
                        out.at(done.at)
                    );
                    out.breach(Breach {
                        rule: rule.clone(),
                        kind: "step_out_of_order".to_string(),
                        due: None,
                        at: out.at(done.at),
                        detail: detail.clone(),
                    });
                    (StepState::OutOfOrder, detail)
                }
                (due, Some(done)) => {
                    let how = match due {
                        Some(_) => {
                            let mut how = due_how();
                            how.push_str("; done by ");
                            how.push_str(&run.done_by);
                            how
                        }
                        None => format!("done by {} before its own trigger fired", run.done_by),
                    };
                    match run.deadline {
                        Some(deadline) if done.at > deadline => {
                            out.breach(Breach {
                                rule: rule.clone(),
                                kind: "step_late".to_string(),
                                due: Some(out.at(deadline)),
                                at: out.at(deadline),
                                detail: format!(
                                    "done {} after its deadline",
                                    describe::duration(done.at - deadline)
                                ),
                            });
                            (StepState::Late, how)
                        }
                        _ => (StepState::Done, how),
                    }
                }
                (Some(_), None) => {
                    let how = due_how();
                    match run.deadline {
                        Some(deadline) if deadline < end => {
                            out.breach(Breach {
                                rule: rule.clone(),
                                kind: "step_missed".to_string(),
                                due: Some(out.at(deadline)),
                                at: out.at(deadline),
                                detail: format!("not done: {}", plan.action_text),
                            });
                            // Overdue work is still work to do while the chain is active.
                            if self.stopped.is_none() {
                                out.action(RequiredAction {
                                    rule: rule.clone(),
                                    action: plan.action_text.clone(),
                                    due: Some(out.at(deadline)),
                                });
                            }
                            (StepState::Missed, how)
                        }
                        _ if self.stopped.is_some() => {
                            let mut how = how;
                            how.push_str("; the chain stopped first");
                            (StepState::Skipped, how)
                        }
                        _ => {
                            out.action(RequiredAction {
                                rule: rule.clone(),
                                action: plan.action_text.clone(),
                                due: run.deadline.map(|d| out.at(d)),
                            });
                            (StepState::Due, how)
                        }
                    }
                }
                (None, None) if self.stopped.is_some() => (
                    StepState::Skipped,
                    "the chain stopped before the step became due".to_string(),
                ),
                (None, None) => (StepState::Waiting, plan.waiting.clone()),
            };
            let appointment = run
                .appointment
                .as_ref()
                .map(|a| self.appointment(plan, a, rule, end, out));
            steps.push(StepReport {
                step: plan.decl.name.name.clone(),
                state,
                became_due: run.due.map(|m| out.at(m.at)),
                deadline: run.deadline.map(|d| out.at(d)),
                done: run.done.map(|m| out.at(m.at)),
                appointment,
                detail,
            });
        }
        EscalationReport {
            escalation: name.clone(),
            state: if self.stopped.is_some() {
                ChainState::Stopped
            } else {
                ChainState::Active
            },
            activated: Some(out.at(active.at)),
            stopped: self.stopped.as_ref().map(|(m, _)| out.at(m.at)),
            steps,
            detail: match &self.stopped {
                Some((_, by)) => format!("activated by {}; stopped by `{by}`", self.activated_by),
                None => format!("activated by {}", self.activated_by),
            },
        }
    }

    fn appointment(
        &self,
        plan: &StepPlan<'_>,
        appt: &Appointment,
        rule: &str,
        end: DateTime<Utc>,
        out: &mut Collector,
    ) -> AppointmentReport {
        let state = match &plan.decl.keep_appointment {
            None => AppointmentState::Booked,
            Some(keep) => {
                let grace = keep.grace.map_or(TimeDelta::zero(), |g| seconds(g.seconds));
                // With its grace, the limit may fall after the supported instants: then it can
                // never pass, and the action to keep the appointment has no due time.
                let limit = later(appt.time, grace);
                let passed = |t: DateTime<Utc>| limit.is_some_and(|limit| t > limit);
                match appt.met {
                    Some(met) if !passed(met) => AppointmentState::Kept,
                    None if !passed(end) => {
                        if self.stopped.is_none() {
                            out.action(RequiredAction {
                                rule: rule.to_string(),
                                action: format!(
                                    "keep appointment with {} at {}",
                                    appt.with,
                                    out.at(appt.time)
                                ),
                                due: limit.map(|l| out.at(l)),
                            });
                        }
                        AppointmentState::Scheduled
                    }
                    met => {
                        out.breach(Breach {
                            rule: rule.to_string(),
                            kind: "appointment_missed".to_string(),
                            due: Some(out.at(limit.unwrap_or(appt.time))),
                            at: out.at(limit.unwrap_or(appt.time)),
                            detail: match met {
                                Some(m) => format!(
                                    "met {} with {} after the agreed time",
                                    out.at(m),
                                    appt.with
                                ),
                                None => {
                                    format!("no `met` event with {} by the agreed time", appt.with)
                                }
                            },
                        });
                        AppointmentState::Missed
                    }
                }
            }
        };
        AppointmentReport {
            time: out.at(appt.time),
            with: appt.with.clone(),
            state,
            met: appt.met.map(|m| out.at(m)),
        }
    }
}

/// Walks one chain over the case and reports it; `None` when its trigger never fired.
pub(crate) fn evaluate(
    plan: &ChainPlan<'_>,
    policy: &Policy,
    case: &Case,
    events: &[(usize, Seen<'_>)],
    promises: &[(&ClockRule<'_>, Vec<Outcome>)],
    as_of: DateTime<Utc>,
    out: &mut Collector,
) -> Option<EscalationReport> {
    let decl = plan.decl;
    let mut synthetic: Vec<(DateTime<Utc>, Option<usize>, &str)> = decl
        .triggers
        .iter()
        .zip(&plan.trigger_texts)
        .filter_map(|(t, text)| synthetic_instant(t, promises, as_of).map(|at| (at, None, &**text)))
        .collect();
    // Without a promise-based trigger that fired, the chain can only start on an event of a
    // type its triggers name: when the case has none, there is nothing to walk.
    let named = |seen: Seen<'_>| {
        plan.trigger_events
            .iter()
            .flatten()
            .any(|p| seen.kind == Some(p.kind))
    };
    if synthetic.is_empty() && !events.iter().any(|&(_, seen)| named(seen)) {
        return None;
    }
    for (i, step) in plan.steps.iter().enumerate() {
        if let (Some(t), Some(text)) = (&step.decl.trigger, &step.trigger_text) {
            if let Some(at) = synthetic_instant(t, promises, as_of) {
                synthetic.push((at, Some(i), text));
            }
        }
    }
    synthetic.sort_by_key(|(at, step, _)| (*at, *step));
    let mut run = ChainRun {
        plan,
        policy,
        active: None,
        activated_by: String::new(),
        guarded: None,
        stopped: None,
        steps: vec![StepRun::default(); plan.steps.len()],
    };
    let mut state = CaseState::new(case);
    let mut seq = 0_u64;
    let mut pending = synthetic.iter().peekable();
    for &(_, seen) in events {
        let event = seen.event;
        while let Some((at, step, text)) = pending.next_if(|(at, _, _)| *at < event.at) {
            seq += 1;
            let now = Moment { at: *at, seq };
            run.moment(
                Happening::Synthetic(*step, text),
                now,
                &state,
                state.handler,
            );
        }
        let previous = state.handler;
        state.apply(event);
        seq += 1;
        run.moment(
            Happening::Event(seen),
            Moment { at: event.at, seq },
            &state,
            previous,
        );
    }
    for (at, step, text) in pending.filter(|(at, _, _)| *at <= as_of) {
        seq += 1;
        run.moment(
            Happening::Synthetic(*step, text),
            Moment { at: *at, seq },
            &state,
            state.handler,
        );
    }
    if run.active.is_none() && run.guarded.is_none() {
        return None;
    }
    Some(run.report(as_of, out))
}
