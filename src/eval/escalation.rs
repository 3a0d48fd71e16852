//! Escalation chains: activation by a trigger under a guard, steps that become
//! due when the steps they wait for are done, the events that do them, and the
//! instances a `restart on` starts.
//!
//! A chain walks the case's events together with *synthetic moments*: the
//! instants at which a breach of a promise instance (`trigger on breach of P`) or
//! a fraction of its target (`trigger at 80% of P`) became known, one per promise
//! instance. A synthetic moment at the same instant as events comes after them.
//! Every moment gets a sequence number, so "after" means later in this order even
//! within one second.
//!
//! A `restart on` event ends the chain's current instance (judged as if the chain
//! had stopped then) and starts a new one, which waits for a trigger again. The
//! instances whose trigger fired are reported, numbered 1, 2, … in order.

use super::clock::{budget, Outcome};
use super::state::{holds, matches, matches_any, new_handler, CaseState, Scope, Seen};
use super::{later, Collector, InternalError};
use crate::case::{Case, Staff};
use crate::compile::condition::{APPOINTMENT, MET, NOTIFIED};
use crate::compile::{
    describe, Action, Chain, ChainTrigger, CompareOp, Level, Ranks, StaffConstraint, Step, Trigger,
    VenueTarget,
};
use crate::report::{
    AppointmentMove, AppointmentReport, AppointmentState, Breach, ChainState, EscalationReport,
    RequiredAction, StepReport, StepState,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::fmt::Write as _;

/// A position in the walk: an instant and a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Moment {
    at: DateTime<Utc>,
    seq: u64,
}

/// What a moment is.
#[derive(Clone, Copy)]
enum Happening<'e, 'r> {
    Event(Seen<'e>),
    /// A promise-based trigger of the chain or of a step.
    Synthetic(Synthetic<'r>),
}

/// An appointment booked by an `appoint` step.
#[derive(Debug, Clone)]
struct Appointment {
    /// The agreed time: the latest, when it was moved.
    time: DateTime<Utc>,
    with: String,
    /// When it was booked.
    booked: Moment,
    /// The time first agreed.
    first_time: DateTime<Utc>,
    /// Each move: when, the time before, the time after.
    moves: Vec<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>,
    /// The `met` event that kept it, or came too late to.
    met: Option<DateTime<Utc>>,
    /// The last `met` with the staff member that came before the agreed time less its grace.
    early: Option<DateTime<Utc>>,
}

/// How an instance of a chain ended before the evaluation instant.
#[derive(Debug, Clone)]
enum Ended {
    /// A `stop on` event, of this type.
    Stop(String),
    /// A `restart on` event, of this type, which started the next instance.
    Restart(String),
}

impl Ended {
    /// What came first, for a step the end made moot: `the chain stopped first`.
    fn first(&self) -> &'static str {
        match self {
            Ended::Stop(_) => "the chain stopped first",
            Ended::Restart(_) => "the chain was restarted first",
        }
    }

    /// Why a step never became due.
    fn before_due(&self) -> &'static str {
        match self {
            Ended::Stop(_) => "the chain stopped before the step became due",
            Ended::Restart(_) => "the chain was restarted before the step became due",
        }
    }
}

/// How a step became due.
#[derive(Debug, Clone, Copy)]
struct Due {
    /// When.
    at: Moment,
    /// Whether after its preconditions were done (else on the chain's activation).
    after_preconditions: bool,
    /// The handler's level then, which `rank above current` compares with.
    base_rank: Option<Level>,
    /// Its deadline, when it has one with a due time.
    deadline: Option<DateTime<Utc>>,
}

/// How a step was done.
#[derive(Debug, Clone)]
struct Done {
    /// When.
    at: Moment,
    /// By what: `` `event` ``, or the case as it already was.
    by: String,
    /// Whether before its preconditions were complete.
    out_of_order: bool,
}

/// The walk of one step.
#[derive(Debug, Clone, Default)]
struct StepRun {
    due: Option<Due>,
    done: Option<Done>,
    appointment: Option<Appointment>,
}

/// Whether a step's preconditions are all done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preconditions {
    /// One is not done yet.
    Pending,
    /// All are done: at the moment with this sequence number, or `None` when there are none.
    Done(Option<u64>),
}

/// The walk of one instance of a chain over a case.
struct ChainRun<'r> {
    chain: &'r Chain,
    ranks: &'r Ranks,
    /// When the instance was activated, by what, and (for a promise-based trigger whose point
    /// became known only after it passed) when that point was.
    active: Option<(Moment, &'r str, Option<DateTime<Utc>>)>,
    /// When a trigger first fired while `applies when` did not hold, and which.
    guarded: Option<(DateTime<Utc>, &'r str)>,
    /// When the instance ended, and how.
    stopped: Option<(Moment, Ended)>,
    steps: Vec<StepRun>,
}

/// The level of `staff`'s rank, if it has one.
fn rank_of(ranks: &Ranks, staff: Option<&Staff>) -> Option<Level> {
    ranks.level(staff?.rank.as_deref()?)
}

fn staff_ok(
    ranks: &Ranks,
    constraints: &[StaffConstraint],
    staff: &Staff,
    base_rank: Option<Level>,
    state: &CaseState<'_>,
) -> bool {
    let rank = rank_of(ranks, Some(staff));
    constraints.iter().all(|c| match *c {
        StaffConstraint::RankAboveCurrent => match (rank, base_rank) {
            (Some(r), Some(base)) => r > base,
            (Some(_), None) => true,
            (None, _) => false,
        },
        StaffConstraint::Rank(op, wanted) => rank.is_some_and(|r| match op {
            CompareOp::Eq => r == wanted,
            CompareOp::Ne => r != wanted,
            CompareOp::Lt => r < wanted,
            CompareOp::Le => r <= wanted,
            CompareOp::Gt => r > wanted,
            CompareOp::Ge => r >= wanted,
        }),
        StaffConstraint::NotSubject => !state.subjects.contains(staff.id.as_str()),
    })
}

fn venue_ok(to: &VenueTarget, venue: &str) -> bool {
    match to {
        VenueTarget::Class(venues) => venues.contains(venue),
        VenueTarget::Named(name) => name == venue,
    }
}

/// Whether `seen` does `step`'s action; `base_rank` is the level `rank above current` compares with.
fn satisfies(
    ranks: &Ranks,
    step: &Step,
    seen: Seen<'_>,
    state: &CaseState<'_>,
    previous_handler: Option<&Staff>,
    base_rank: Option<Level>,
) -> bool {
    let event = seen.event;
    match &step.action {
        Action::ChangeHandler(constraints) => {
            let Some(new) = new_handler(event) else {
                return false;
            };
            previous_handler.map(|h| h.id.as_str()) != Some(new.id.as_str())
                && staff_ok(ranks, constraints, new, base_rank, state)
        }
        Action::ChangeVenue(to) => event.venue.as_deref().is_some_and(|v| venue_ok(to, v)),
        Action::Appoint(constraints) => {
            seen.is(APPOINTMENT)
                && event.time.is_some()
                && event
                    .with
                    .as_ref()
                    .is_some_and(|s| staff_ok(ranks, constraints, s, base_rank, state))
        }
        Action::Notify(wanted) => {
            seen.is(NOTIFIED)
                && rank_of(ranks, event.with.as_ref().or(event.to.as_ref()))
                    .is_some_and(|r| r >= *wanted)
        }
        Action::Do(pattern) => matches(pattern, seen, state),
    }
}

/// Whether the case state already is what a change step asks for (nothing left to change).
fn already_there(ranks: &Ranks, action: &Action, state: &CaseState<'_>) -> bool {
    match action {
        Action::ChangeVenue(to) => state.venue.is_some_and(|v| venue_ok(to, v)),
        Action::ChangeHandler(constraints) => {
            !constraints.contains(&StaffConstraint::RankAboveCurrent)
                && state
                    .handler
                    .is_some_and(|h| staff_ok(ranks, constraints, h, None, state))
        }
        _ => false,
    }
}

/// A point of a promise instance that fires a trigger: when it became known, and the point itself
/// (the breach's due time, the instant P% of the target had passed).
type Point = (DateTime<Utc>, DateTime<Utc>);

/// The points at which a promise-based trigger fires, one per promise instance (none for an
/// event trigger).
fn synthetic_points(
    trigger: &Trigger,
    promises: &[Vec<Outcome<'_>>],
    as_of: DateTime<Utc>,
) -> Result<Vec<Point>, InternalError> {
    let outcomes = |promise: usize| {
        promises.get(promise).ok_or_else(|| {
            InternalError::new(format!(
                "a trigger names promise {promise}, which has no clock"
            ))
        })
    };
    Ok(match *trigger {
        Trigger::Event(_) => Vec::new(),
        // A superseded instance is never breached, so it never fires a breach trigger.
        Trigger::Breach(promise) => outcomes(promise)?
            .iter()
            .filter_map(|o| o.breached().map(|due| (o.known_at(due), due)))
            .collect(),
        Trigger::Fraction { fraction, promise } => outcomes(promise)?
            .iter()
            .filter_map(|o| {
                o.fraction_reached(fraction, as_of)
                    .map(|at| (o.known_at(at), at))
            })
            .collect(),
    })
}

impl<'r> ChainRun<'r> {
    /// An instance waiting for a trigger.
    fn new(chain: &'r Chain, ranks: &'r Ranks) -> Self {
        ChainRun {
            chain,
            ranks,
            active: None,
            guarded: None,
            stopped: None,
            steps: vec![StepRun::default(); chain.steps.len()],
        }
    }

    /// Whether the instance is reported: a trigger fired (activating it, or not under its guard).
    fn fired(&self) -> bool {
        self.active.is_some() || self.guarded.is_some()
    }

    /// Ends an active instance at the restart `now` by an event of type `kind`.
    fn restart(&mut self, now: Moment, kind: &str) {
        if self.active.is_some() && self.stopped.is_none() {
            self.stopped = Some((now, Ended::Restart(kind.to_owned())));
        }
    }

    /// The run of step `i`.
    fn step_mut(&mut self, i: usize) -> Result<&mut StepRun, InternalError> {
        self.steps.get_mut(i).ok_or_else(|| {
            InternalError::new(format!("step {i} of `{}` has no run", self.chain.name))
        })
    }

    /// Whether the preconditions of `step` are done, and when the last was.
    fn preconditions(&self, step: &Step) -> Result<Preconditions, InternalError> {
        let mut last = None;
        for &p in &step.preconditions {
            let run = self.steps.get(p).ok_or_else(|| {
                InternalError::new(format!(
                    "step `{}` waits on step {p}, which has no run",
                    step.name
                ))
            })?;
            let Some(done) = &run.done else {
                return Ok(Preconditions::Pending);
            };
            last = last.max(Some(done.at.seq));
        }
        Ok(Preconditions::Done(last))
    }

    fn moment(
        &mut self,
        happening: Happening<'_, 'r>,
        now: Moment,
        state: &CaseState<'_>,
        previous_handler: Option<&Staff>,
    ) -> Result<(), InternalError> {
        let active = match self.active {
            Some((active, _, _)) => active,
            None => {
                if !self.activate(happening, now, state) {
                    return Ok(());
                }
                now
            }
        };
        if self.stopped.is_some() {
            return Ok(());
        }
        if let Happening::Event(e) = happening {
            if now.seq > active.seq && matches_any(&self.chain.stop, e, state) {
                self.stopped = Some((now, Ended::Stop(e.event.kind.clone())));
                return Ok(());
            }
            self.actions(e, now, state, previous_handler)?;
        }
        self.make_due(happening, now, active, state)
    }

    /// Activates the chain when `happening` fires one of its triggers and `applies when` holds
    /// (else notes that it was guarded); returns whether it is now active.
    fn activate(
        &mut self,
        happening: Happening<'_, 'r>,
        now: Moment,
        state: &CaseState<'_>,
    ) -> bool {
        let chain: &'r Chain = self.chain;
        let fired = match happening {
            Happening::Event(e) => chain.triggers.iter().find_map(|t| match &t.trigger {
                Trigger::Event(pattern) if matches(pattern, e, state) => {
                    Some((t.text.as_str(), None))
                }
                _ => None,
            }),
            Happening::Synthetic(Synthetic {
                step: None,
                text,
                point,
                ..
            }) => Some((text, (point < now.at).then_some(point))),
            Happening::Synthetic(_) => None,
        };
        let Some((fired, point)) = fired else {
            return false;
        };
        if holds(&chain.applies, Scope { event: None, state }) {
            self.active = Some((now, fired, point));
            return true;
        }
        if self.guarded.is_none() {
            self.guarded = Some((now.at, fired));
        }
        false
    }

    /// The steps that `seen` does.
    fn actions(
        &mut self,
        seen: Seen<'_>,
        now: Moment,
        state: &CaseState<'_>,
        previous_handler: Option<&Staff>,
    ) -> Result<(), InternalError> {
        if self.moves_appointment(seen, now) {
            return Ok(());
        }
        let (chain, ranks) = (self.chain, self.ranks);
        let event = seen.event;
        for (i, step) in chain.steps.iter().enumerate() {
            let complete = self.preconditions(step)?;
            let run = self.step_mut(i)?;
            if run.done.is_some() {
                if let Some(appt) = run.appointment.as_mut() {
                    let with = event.with.as_ref().or(event.handler.as_ref());
                    if appt.met.is_none()
                        && seen.is(MET)
                        && now.seq > appt.booked.seq
                        && with.is_some_and(|s| s.id == appt.with)
                    {
                        // A meeting earlier than the agreed time (less its grace) is not the
                        // appointment: at the time it was moved from, say.
                        let grace = step.keep_appointment.map_or(TimeDelta::zero(), |k| k.grace);
                        let opens = crate::time::add_elapsed(appt.time, -grace)
                            .unwrap_or(DateTime::<Utc>::MIN_UTC);
                        if now.at >= opens {
                            appt.met = Some(now.at);
                        } else {
                            appt.early = Some(now.at);
                        }
                    }
                }
                continue;
            }
            let base_rank = match &run.due {
                Some(due) => due.base_rank,
                None => rank_of(ranks, previous_handler),
            };
            if !satisfies(ranks, step, seen, state, previous_handler, base_rank) {
                continue;
            }
            let out_of_order = match &run.due {
                Some(due) if now.seq > due.at.seq => false,
                Some(_) => continue,
                None => complete == Preconditions::Pending,
            };
            // The event that completed the preconditions of a step without a trigger of its own
            // makes it due at this moment, and does it too.
            let due_now = run.due.is_none()
                && step.trigger.is_none()
                && complete == Preconditions::Done(Some(now.seq));
            run.done = Some(Done {
                at: now,
                by: format!("`{}`", event.kind),
                out_of_order,
            });
            if let (Action::Appoint(_), Some(time), Some(with)) =
                (&step.action, event.time, event.with.as_ref())
            {
                run.appointment = Some(Appointment {
                    time,
                    with: with.id.clone(),
                    booked: now,
                    first_time: time,
                    moves: Vec::new(),
                    met: None,
                    early: None,
                });
            }
            if due_now {
                self.become_due(i, step, now, Some(now.seq), previous_handler)?;
            }
        }
        Ok(())
    }

    /// Whether `seen` is a later `appointment` with the staff member of an appointment booked in
    /// this instance and not met yet (the one booked last, when several are): it then replaces
    /// the agreed time (a move, when the time differs), and does nothing else.
    fn moves_appointment(&mut self, seen: Seen<'_>, now: Moment) -> bool {
        let event = seen.event;
        if !seen.is(APPOINTMENT) {
            return false;
        }
        let (Some(time), Some(with)) = (event.time, event.with.as_ref()) else {
            return false;
        };
        let booked = self
            .steps
            .iter_mut()
            .filter_map(|run| run.appointment.as_mut())
            .filter(|a| a.met.is_none() && a.with == with.id && now.seq > a.booked.seq)
            .max_by_key(|a| a.booked.seq);
        let Some(appt) = booked else {
            return false;
        };
        if appt.time != time {
            appt.moves.push((now.at, appt.time, time));
            appt.time = time;
        }
        true
    }

    /// Makes due the steps that `happening` makes due.
    fn make_due(
        &mut self,
        happening: Happening<'_, 'r>,
        now: Moment,
        active: Moment,
        state: &CaseState<'_>,
    ) -> Result<(), InternalError> {
        let (chain, ranks) = (self.chain, self.ranks);
        // A step made due (and done at once) can make a later one due in the same moment.
        for _ in 0..chain.steps.len() {
            let mut changed = false;
            for (i, step) in chain.steps.iter().enumerate() {
                let Preconditions::Done(last) = self.preconditions(step)? else {
                    continue;
                };
                let run = self.step_mut(i)?;
                if run.due.is_some() || run.done.is_some() {
                    continue;
                }
                let after_ref = |seq: u64| match last {
                    Some(done) => seq > done,
                    None => seq >= active.seq,
                };
                let ready = match (&step.trigger, happening) {
                    (None, _) => true,
                    (
                        Some(ChainTrigger {
                            trigger: Trigger::Event(pattern),
                            ..
                        }),
                        Happening::Event(e),
                    ) => after_ref(now.seq) && matches(pattern, e, state),
                    (
                        Some(_),
                        Happening::Synthetic(Synthetic {
                            step: Some(fired), ..
                        }),
                    ) => fired == i && after_ref(now.seq),
                    _ => false,
                };
                if !ready {
                    continue;
                }
                self.become_due(i, step, now, last, state.handler)?;
                if already_there(ranks, &step.action, state) {
                    self.step_mut(i)?.done = Some(Done {
                        at: now,
                        by: "the case as it already was (nothing to change)".to_string(),
                        out_of_order: false,
                    });
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
        Ok(())
    }

    /// Makes step `i` due at `now`: its preconditions were completed at moment `last` (`None`:
    /// it has none, and the chain's activation counts), and `handler` is the handler then.
    fn become_due(
        &mut self,
        i: usize,
        step: &Step,
        now: Moment,
        last: Option<u64>,
        handler: Option<&Staff>,
    ) -> Result<(), InternalError> {
        let base_rank = rank_of(self.ranks, handler);
        // A deadline without a due time (its calendar has no open time for it, or it falls after
        // the supported dates, or a cut-off excludes the moment) leaves the step without one.
        let deadline = step
            .within
            .as_ref()
            .and_then(|w| budget(w, now.at).ok().flatten())
            .map(|b| b.plain_due);
        self.step_mut(i)?.due = Some(Due {
            at: now,
            after_preconditions: last.is_some(),
            base_rank,
            deadline,
        });
        Ok(())
    }

    /// The report of instance `number`, when a trigger fired in it.
    fn report(
        &self,
        number: u32,
        as_of: DateTime<Utc>,
        out: &mut Collector,
    ) -> Option<EscalationReport> {
        let chain = self.chain;
        let Some((active, activated_by, point)) = self.active else {
            let (at, fired) = self.guarded?;
            return Some(EscalationReport {
                escalation: chain.name.clone(),
                instance: number,
                state: ChainState::Guarded,
                activated: None,
                stopped: None,
                steps: Vec::new(),
                detail: format!(
                    "trigger {fired} fired at {} but `applies when` did not hold: not escalated",
                    out.at(at)
                ),
            });
        };
        let end = self.stopped.as_ref().map_or(as_of, |(m, _)| m.at);
        let steps = chain
            .steps
            .iter()
            .zip(&self.steps)
            .map(|(step, run)| self.step_report(step, run, end, out))
            .collect();
        let mut detail = String::with_capacity(96);
        detail.push_str("activated by ");
        detail.push_str(activated_by);
        if let Some(point) = point {
            // The point passed before anyone could know: its target was chosen again later.
            let _ = write!(
                detail,
                " (at {}, known at {} when its target was chosen again)",
                out.at(point),
                out.at(active.at)
            );
        }
        match &self.stopped {
            Some((_, Ended::Stop(by))) => {
                let _ = write!(detail, "; stopped by `{by}`");
            }
            Some((_, Ended::Restart(by))) => {
                let _ = write!(detail, "; ended by `{by}`, which restarted the chain");
            }
            None => {}
        }
        Some(EscalationReport {
            escalation: chain.name.clone(),
            instance: number,
            state: if self.stopped.is_some() {
                ChainState::Stopped
            } else {
                ChainState::Active
            },
            activated: Some(out.at(active.at)),
            stopped: self.stopped.as_ref().map(|(m, _)| out.at(m.at)),
            steps,
            detail,
        })
    }

    /// The report of one step, with its breaches and actions; `end` is when the chain stopped,
    /// else the evaluation instant.
    fn step_report(
        &self,
        step: &Step,
        run: &StepRun,
        end: DateTime<Utc>,
        out: &mut Collector,
    ) -> StepReport {
        let deadline = run.due.and_then(|d| d.deadline);
        let (state, detail) = match (&run.due, &run.done) {
            (_, Some(done)) if done.out_of_order => {
                let detail = format!(
                    "done by {} at {} before its preconditions were complete",
                    done.by,
                    out.at(done.at.at)
                );
                out.breach(Breach {
                    rule: step.rule.clone(),
                    kind: "step_out_of_order".to_string(),
                    due: None,
                    at: out.at(done.at.at),
                    detail: detail.clone(),
                });
                (StepState::OutOfOrder, detail)
            }
            (due, Some(done)) => done_step(step, due.as_ref(), done, out),
            (Some(due), None) => self.due_step(step, due, end, out),
            (None, None) => match &self.stopped {
                Some((_, ended)) => (StepState::Skipped, ended.before_due().to_string()),
                None => (StepState::Waiting, step.waiting.clone()),
            },
        };
        let appointment = run
            .appointment
            .as_ref()
            .map(|a| self.appointment(step, a, end, out));
        StepReport {
            step: step.name.clone(),
            state,
            became_due: run.due.map(|d| out.at(d.at.at)),
            deadline: deadline.map(|d| out.at(d)),
            done: run.done.as_ref().map(|d| out.at(d.at.at)),
            appointment,
            detail,
        }
    }

    /// A step due and not done: missed after its deadline, skipped when the chain stopped,
    /// else a required action.
    fn due_step(
        &self,
        step: &Step,
        due: &Due,
        end: DateTime<Utc>,
        out: &mut Collector,
    ) -> (StepState, String) {
        let mut how = due_how(step, due);
        match due.deadline {
            Some(deadline) if deadline < end => {
                out.breach(Breach {
                    rule: step.rule.clone(),
                    kind: "step_missed".to_string(),
                    due: Some(out.at(deadline)),
                    at: out.at(deadline),
                    detail: format!("not done: {}", step.action_text),
                });
                // Overdue work is still work to do while the chain is active.
                if self.stopped.is_none() {
                    out.action(RequiredAction {
                        rule: step.rule.clone(),
                        action: step.action_text.clone(),
                        due: Some(out.at(deadline)),
                    });
                }
                (StepState::Missed, how)
            }
            _ if self.stopped.is_some() => {
                if let Some((_, ended)) = &self.stopped {
                    how.push_str("; ");
                    how.push_str(ended.first());
                }
                (StepState::Skipped, how)
            }
            _ => {
                out.action(RequiredAction {
                    rule: step.rule.clone(),
                    action: step.action_text.clone(),
                    due: due.deadline.map(|d| out.at(d)),
                });
                (StepState::Due, how)
            }
        }
    }

    /// The state of the appointment a step booked, with its breach and action under `keep appointment`.
    fn appointment(
        &self,
        step: &Step,
        appt: &Appointment,
        end: DateTime<Utc>,
        out: &mut Collector,
    ) -> AppointmentReport {
        let state = match step.keep_appointment {
            None => AppointmentState::Booked,
            Some(keep) => {
                moved_too_often(step, appt, keep.moves, out);
                self.kept(step, appt, keep.grace, end, out)
            }
        };
        AppointmentReport {
            time: out.at(appt.time),
            with: appt.with.clone(),
            state,
            met: appt.met.map(|m| out.at(m)),
            booked: out.at(appt.booked.at),
            first_time: out.at(appt.first_time),
            moves: appt
                .moves
                .iter()
                .map(|&(at, from, to)| AppointmentMove {
                    at: out.at(at),
                    from: out.at(from),
                    to: out.at(to),
                })
                .collect(),
        }
    }

    /// Whether an appointment under `keep appointment [grace]` was kept by `end`.
    fn kept(
        &self,
        step: &Step,
        appt: &Appointment,
        grace: chrono::TimeDelta,
        end: DateTime<Utc>,
        out: &mut Collector,
    ) -> AppointmentState {
        // With its grace, the limit may fall after the supported instants: then it can
        // never pass, and the action to keep the appointment has no due time.
        let limit = later(appt.time, grace);
        let passed = |t: DateTime<Utc>| limit.filter(|limit| t > *limit);
        let missed = match appt.met {
            Some(met) => passed(met),
            None => passed(end),
        };
        let Some(limit) = missed else {
            if appt.met.is_some() {
                return AppointmentState::Kept;
            }
            if self.stopped.is_none() {
                out.action(RequiredAction {
                    rule: step.rule.clone(),
                    action: format!(
                        "keep appointment with {} at {}",
                        appt.with,
                        out.at(appt.time)
                    ),
                    due: limit.map(|l| out.at(l)),
                });
            }
            return AppointmentState::Scheduled;
        };
        out.breach(Breach {
            rule: step.rule.clone(),
            kind: "appointment_missed".to_string(),
            due: Some(out.at(limit)),
            at: out.at(limit),
            detail: match (appt.met, appt.early) {
                (Some(m), _) => {
                    format!("met {} with {} after the agreed time", out.at(m), appt.with)
                }
                (None, Some(early)) => format!(
                    "met {} with {} before the agreed time {}, none at it",
                    out.at(early),
                    appt.with,
                    out.at(appt.time)
                ),
                (None, None) => format!("no `met` event with {} by the agreed time", appt.with),
            },
        });
        AppointmentState::Missed
    }
}

/// A breach `appointment_moved_too_often` at each move of `appt` beyond `limit`.
fn moved_too_often(step: &Step, appt: &Appointment, limit: Option<u32>, out: &mut Collector) {
    let Some(limit) = limit else {
        return;
    };
    let allowed = usize::try_from(limit).unwrap_or(usize::MAX);
    for (index, &(at, from, to)) in appt.moves.iter().enumerate().skip(allowed) {
        let mut detail = String::with_capacity(96);
        detail.push_str("moved ");
        describe::push_number(&mut detail, index as u64 + 1);
        detail.push_str(if index == 0 { " time" } else { " times" });
        let _ = write!(
            detail,
            " (at most {limit} allowed): from {} to {}",
            out.at(from),
            out.at(to)
        );
        out.breach(Breach {
            rule: step.rule.clone(),
            kind: "appointment_moved_too_often".to_string(),
            due: None,
            at: out.at(at),
            detail,
        });
    }
}

/// Why a step is due: when it became due, and its deadline.
fn due_how(step: &Step, due: &Due) -> String {
    let reason = if due.after_preconditions {
        &step.due_texts.0
    } else {
        &step.due_texts.1
    };
    let mut how = String::with_capacity(160);
    how.push_str("due ");
    how.push_str(reason);
    how.push_str(&step.within_text);
    how
}

/// A step done (in order): late when done after its deadline.
fn done_step(
    step: &Step,
    due: Option<&Due>,
    done: &Done,
    out: &mut Collector,
) -> (StepState, String) {
    let how = match due {
        Some(due) => {
            let mut how = due_how(step, due);
            how.push_str("; done by ");
            how.push_str(&done.by);
            how
        }
        None => format!("done by {} before its own trigger fired", done.by),
    };
    match due.and_then(|d| d.deadline) {
        Some(deadline) if done.at.at > deadline => {
            out.breach(Breach {
                rule: step.rule.clone(),
                kind: "step_late".to_string(),
                due: Some(out.at(deadline)),
                at: out.at(deadline),
                detail: format!(
                    "done {} after its deadline",
                    describe::duration(done.at.at - deadline)
                ),
            });
            (StepState::Late, how)
        }
        _ => (StepState::Done, how),
    }
}

/// A synthetic moment: when a promise-based trigger fires, the step it belongs to (`None`: the
/// chain), and the trigger's text.
#[derive(Debug, Clone, Copy)]
struct Synthetic<'r> {
    /// When it fires: when the point became known.
    at: DateTime<Utc>,
    /// The step whose trigger it is, or `None` for the chain's.
    step: Option<usize>,
    /// The trigger as reported.
    text: &'r str,
    /// The point itself (the breach's due time, the fraction's instant): earlier than `at` when
    /// the target was chosen again after it.
    point: DateTime<Utc>,
}

/// The synthetic moments of the triggers of a chain (`step: None`) or of its step `i` (`Some(i)`).
fn synthetic_moments<'r>(
    triggers: impl Iterator<Item = &'r ChainTrigger>,
    step: Option<usize>,
    promises: &[Vec<Outcome<'_>>],
    as_of: DateTime<Utc>,
    moments: &mut Vec<Synthetic<'r>>,
) -> Result<(), InternalError> {
    for t in triggers {
        for (at, point) in synthetic_points(&t.trigger, promises, as_of)? {
            moments.push(Synthetic {
                at,
                step,
                text: t.text.as_str(),
                point,
            });
        }
    }
    Ok(())
}

/// Walks one chain over the case and reports its instances whose trigger fired.
pub(crate) fn evaluate(
    chain: &Chain,
    ranks: &Ranks,
    case: &Case,
    events: &[(usize, Seen<'_>)],
    promises: &[Vec<Outcome<'_>>],
    as_of: DateTime<Utc>,
    out: &mut Collector,
) -> Result<Vec<EscalationReport>, InternalError> {
    let mut synthetic = Vec::new();
    synthetic_moments(chain.triggers.iter(), None, promises, as_of, &mut synthetic)?;
    // Without a promise-based trigger that fired, the chain can only start on an event of a
    // type its triggers name: when the case has none, there is nothing to walk.
    let named = |seen: Seen<'_>| {
        chain.triggers.iter().any(|t| match &t.trigger {
            Trigger::Event(p) => seen.kind == Some(p.kind),
            _ => false,
        })
    };
    if synthetic.is_empty() && !events.iter().any(|&(_, seen)| named(seen)) {
        return Ok(Vec::new());
    }
    for (i, step) in chain.steps.iter().enumerate() {
        synthetic_moments(
            step.trigger.iter(),
            Some(i),
            promises,
            as_of,
            &mut synthetic,
        )?;
    }
    synthetic.sort_by_key(|s| (s.at, s.step));
    let runs = walk(chain, ranks, case, events, &synthetic, as_of)?;
    let mut reports = Vec::new();
    let mut number = 0_u32;
    for run in runs.iter().filter(|run| run.fired()) {
        number = number.saturating_add(1);
        reports.extend(run.report(number, as_of, out));
    }
    Ok(reports)
}

/// Walks the events and the synthetic moments (those at or before `as_of`) in order; returns
/// the chain's instances in order.
fn walk<'r>(
    chain: &'r Chain,
    ranks: &'r Ranks,
    case: &Case,
    events: &[(usize, Seen<'_>)],
    synthetic: &[Synthetic<'r>],
    as_of: DateTime<Utc>,
) -> Result<Vec<ChainRun<'r>>, InternalError> {
    let mut runs = Vec::new();
    let mut run = ChainRun::new(chain, ranks);
    let mut state = CaseState::new(case);
    let mut seq = 0_u64;
    let mut pending = synthetic.iter().peekable();
    for &(_, seen) in events {
        let event = seen.event;
        while let Some(&moment) = pending.next_if(|s| s.at < event.at) {
            seq += 1;
            let now = Moment { at: moment.at, seq };
            run.moment(Happening::Synthetic(moment), now, &state, state.handler)?;
        }
        let previous = state.handler;
        state.apply(event);
        seq += 1;
        let now = Moment { at: event.at, seq };
        if matches_any(&chain.restart, seen, &state) {
            // The current instance ends here, judged as it stands; a new one waits for a trigger,
            // which this very event may be.
            run.restart(now, &event.kind);
            runs.push(std::mem::replace(&mut run, ChainRun::new(chain, ranks)));
        }
        run.moment(Happening::Event(seen), now, &state, previous)?;
    }
    for &moment in pending.filter(|s| s.at <= as_of) {
        seq += 1;
        let now = Moment { at: moment.at, seq };
        run.moment(Happening::Synthetic(moment), now, &state, state.handler)?;
    }
    runs.push(run);
    Ok(runs)
}
