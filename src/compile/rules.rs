//! Rules, compiled: promises and `require … within` standards as clock rules, the other
//! standards, the commitments block, escalation chains with their steps, and objectives; each
//! with the texts its reports use, written once per policy.

use super::condition::{Condition, EventTypes, Pattern};
use super::deadline::{Deadline, Rule};
use super::{describe, seconds, CompileError, Level, Names};
use crate::syntax::ast::{self, CompareOp};
use crate::time::{Calendar, OffsetChanges};
use chrono::TimeDelta;
use std::collections::{BTreeMap, BTreeSet};

/// A clock rule: a promise, or a `require … within … after …` standard.
#[derive(Debug, Clone)]
pub(crate) struct ClockRule {
    /// The rule's name.
    pub name: String,
    /// `applies when`, tested when the clock starts.
    pub applies: Condition,
    /// Starting events.
    pub from: Vec<Pattern>,
    /// `from each`: a starting event starts a new instance whenever none is open.
    pub from_each: bool,
    /// Stopping events.
    pub until: Vec<Pattern>,
    /// Pause/resume pairs.
    pub pauses: Vec<PausePair>,
    /// Restarting events.
    pub restart: Vec<Pattern>,
    /// Targets in order; the first that applies is chosen.
    pub targets: Vec<Target>,
    /// `warn …`.
    pub warn: Option<Warn>,
    /// The stopping events as reported (`responded or closed`).
    pub until_text: String,
    /// The starting events as reported.
    pub from_text: String,
}

/// `pause on A resume on B`: one reason for the clock to be paused.
#[derive(Debug, Clone)]
pub(crate) struct PausePair {
    /// The pausing events.
    pub on: Vec<Pattern>,
    /// The resuming events.
    pub resume: Vec<Pattern>,
    /// The reason as reported: the `pause on` events as written (`waiting_customer`), followed
    /// by ` #N` (N its place among the rule's `pause` clauses) when another clause of the rule
    /// has the same events.
    pub reason: String,
}

/// One `target` line.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `when EXPR` (always holds without one).
    pub when: Condition,
    /// The deadline rule.
    pub deadline: Deadline,
    /// The texts the target adds to the details of a clock's instances.
    pub texts: TargetTexts,
}

/// The texts a target adds to the details of a clock's instances, written once per rule.
#[derive(Debug, Clone)]
pub(crate) struct TargetTexts {
    /// Why it applies: ``target I of N: `RULE` (`when C` holds`` (or `no condition`).
    pub chosen: String,
    /// Why it does not apply when its `when` fails: ``target I `RULE` does not apply: `when C` does
    /// not hold``.
    pub when_failed: String,
    /// Why it does not apply when its cut-off excludes the start.
    pub cut_off: String,
    /// The due-time phrase around the amount of time allowed: `; due ` and ` of elapsed time
    /// after the start`, … (empty for cut-offs, whose phrase names their instant).
    pub due: (String, String),
}

/// `warn at P%` / `warn D before`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Warn {
    /// At this fraction of the target (`P / 100`).
    At(f64),
    /// This long before the due time.
    Before(TimeDelta),
}

/// A standard.
#[derive(Debug, Clone)]
pub(crate) struct Standard {
    /// The standard's name.
    pub name: String,
    /// `applies when`, tested on the case state at the case's first event.
    pub applies: Condition,
    /// The rule.
    pub rule: StandardRule,
    /// `restart on`: events that end the current instance and start a new one.
    pub restart: Vec<Pattern>,
}

/// The rule of a standard.
#[derive(Debug, Clone)]
pub(crate) enum StandardRule {
    /// `at most N A before B`.
    AtMost {
        /// N.
        limit: u32,
        /// A, and as reported.
        event: (Pattern, String),
        /// B, and as reported.
        before: (Pattern, String),
    },
    /// `require A before B`.
    RequireBefore {
        /// A, and as reported.
        event: (Pattern, String),
        /// B, and as reported.
        before: (Pattern, String),
    },
    /// `require A within D after B`: a clock from B until A.
    RequireWithin(ClockRule),
}

/// What a `term` word means to a promise made during a case.
#[derive(Debug, Clone)]
pub(crate) enum Term {
    /// An amount of time (`10m`, `3 workdays on cn_office`), with its text as declared.
    Amount(Amount, String),
    /// A whole deadline (`by 17:00 same day`), compiled.
    Deadline(Deadline),
    /// No time: a promise using this word is vague.
    Vague,
}

/// An amount of time given to a promise, with the calendar it names, if any.
#[derive(Debug, Clone)]
pub(crate) enum Amount {
    /// A duration: elapsed time, or open time of the calendar.
    Duration(TimeDelta, Option<Named>),
    /// A number of working days of the calendar.
    Workdays(u32, Option<Named>),
}

/// A calendar with its name, for reports.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    /// The calendar's name.
    pub name: String,
    /// The calendar.
    pub calendar: Calendar,
}

/// The commitments rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct Commitments {
    /// `require time`.
    pub require_time: bool,
    /// `keep`.
    pub keep: bool,
    /// `grace D` (zero without one).
    pub grace: TimeDelta,
    /// `on CAL`: the calendar of promises, whose open days working days and cut-offs given in a
    /// case count.
    pub calendar: Option<Named>,
    /// What a duration given in a case counts: open time of this calendar, or elapsed time
    /// (`None`). `durations on CAL` / `durations elapsed`; without that line, the block's `on CAL`.
    pub durations: Option<Named>,
    /// The policy's zone as a calendar open around the clock: where a cut-off given in a case
    /// without a calendar is read when the block names none.
    pub zone: Option<Calendar>,
    /// Every calendar of the policy, by name: a case may name one (`3 workdays on office`).
    pub calendars: BTreeMap<String, Calendar>,
    /// The policy's term words.
    pub terms: BTreeMap<String, Term>,
    /// `end on`: the events that end the commitments still open.
    pub end: Vec<Pattern>,
    /// The `end on` events as reported (`closed or withdrawn`).
    pub end_text: String,
}

/// An escalation chain.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    /// The chain's name.
    pub name: String,
    /// `applies when`: the guard, tested when a trigger fires.
    pub applies: Condition,
    /// The triggers, any of which activates the chain.
    pub triggers: Vec<ChainTrigger>,
    /// The steps in declaration order.
    pub steps: Vec<Step>,
    /// `restart on` events: each starts a new instance of the chain.
    pub restart: Vec<Pattern>,
    /// `stop on` events.
    pub stop: Vec<Pattern>,
}

/// A trigger with its text as reported.
#[derive(Debug, Clone)]
pub(crate) struct ChainTrigger {
    /// The trigger.
    pub trigger: Trigger,
    /// As reported: `` `dissatisfied` ``, ``breach of `resolution` ``, ``80% of `resolution` ``.
    pub text: String,
}

/// What activates a chain or a step.
#[derive(Debug, Clone)]
pub(crate) enum Trigger {
    /// An event.
    Event(Pattern),
    /// The breach of a promise (its index).
    Breach(usize),
    /// A fraction of a promise's target passing.
    Fraction {
        /// `P / 100`.
        fraction: f64,
        /// The promise's index.
        promise: usize,
    },
}

/// One step of a chain.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The step's name.
    pub name: String,
    /// The step as a rule of breaches and actions: `CHAIN.STEP`.
    pub rule: String,
    /// Indices of the steps that must be done first.
    pub preconditions: Vec<usize>,
    /// The step's own trigger.
    pub trigger: Option<ChainTrigger>,
    /// What must be done.
    pub action: Action,
    /// The deadline, counted from when the step became due.
    pub within: Option<Deadline>,
    /// `keep appointment [grace D] [, moved at most N]`.
    pub keep_appointment: Option<KeepAppointment>,
    /// `; deadline RULE`, or empty without a deadline.
    pub within_text: String,
    /// Why the step became due: after its preconditions were done, or when the chain was
    /// activated (`on TRIGGER …` first when the step has a trigger of its own).
    pub due_texts: (String, String),
    /// What a step not yet due waits for.
    pub waiting: String,
    /// The action as written (`notify manager`).
    pub action_text: String,
}

/// `keep appointment [grace D] [, moved at most N]`: the agreed time becomes a deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeepAppointment {
    /// Tolerated lateness (zero without `grace`).
    pub grace: TimeDelta,
    /// How often the agreed time may be moved (`None`: any number of times).
    pub moves: Option<u32>,
}

/// The action of a step.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `change handler to …`: all constraints must hold for the new handler.
    ChangeHandler(Vec<StaffConstraint>),
    /// `change venue to …`.
    ChangeVenue(VenueTarget),
    /// `appoint …`: an `appointment` with a staff member satisfying the constraints.
    Appoint(Vec<StaffConstraint>),
    /// `notify RANK`: a `notified` event whose target has this level or higher.
    Notify(Level),
    /// `do EVENT`.
    Do(Pattern),
}

/// A constraint on a staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffConstraint {
    /// Strictly higher than the handler when the step became due.
    RankAboveCurrent,
    /// A comparison with a level.
    Rank(CompareOp, Level),
    /// Not a staff member the complaint is about.
    NotSubject,
}

/// Where `change venue to` must move the case.
#[derive(Debug, Clone)]
pub(crate) enum VenueTarget {
    /// Any of these venues (the venues of one class).
    Class(BTreeSet<String>),
    /// This venue.
    Named(String),
}

/// An objective.
#[derive(Debug, Clone)]
pub(crate) struct Objective {
    /// The objective's name.
    pub name: String,
    /// `applies when`: which cases count.
    pub applies: Condition,
    /// The promise measured, resolved, as its report entries name it: objectives count from
    /// case reports (see `eval::ObjectivePlan::count`).
    pub promise: String,
    /// Whether `met` (else `breached`) instances are counted.
    pub counts_met: bool,
    /// `within D`: met and stopped within D of its start.
    pub within: Option<Deadline>,
    /// The offset changes of the zone whose days, weeks and months group the instances.
    pub zone: OffsetChanges,
    /// Day, week or month.
    pub unit: PeriodUnit,
    /// `at least` (else `at most`).
    pub at_least: bool,
    /// The threshold, `P / 100`.
    pub threshold: f64,
}

/// The grouping period of an objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeriodUnit {
    /// A calendar day.
    Day,
    /// An ISO week.
    Week,
    /// A calendar month.
    Month,
}

/// The state of one compilation: the names and the event types numbered so far.
pub(super) struct Lowering<'n, 'a> {
    pub names: &'n Names<'a>,
    pub types: &'n mut EventTypes,
}

impl Lowering<'_, '_> {
    pub fn promise(&mut self, p: &ast::Promise) -> Result<ClockRule, CompileError> {
        let types = &mut *self.types;
        let from = types.patterns(&p.from)?;
        let until = types.patterns(&p.until)?;
        let reasons = pause_reasons(&p.pauses);
        let pauses = p
            .pauses
            .iter()
            .zip(reasons)
            .map(|(pause, reason)| {
                Ok(PausePair {
                    on: types.patterns(&pause.on)?,
                    resume: types.patterns(&pause.resume)?,
                    reason,
                })
            })
            .collect::<Result<_, CompileError>>()?;
        let restart = types.patterns(&p.restart)?;
        let targets = p
            .targets
            .iter()
            .map(|t| Ok((Deadline::compile(&t.deadline, self.names)?, t.when.as_ref())))
            .collect::<Result<Vec<_>, CompileError>>()?;
        Ok(ClockRule {
            name: p.name.name.clone(),
            applies: Condition::compile(p.applies.as_ref())?,
            from,
            from_each: p.from_each.is_some(),
            until,
            pauses,
            restart,
            targets: targets_with_texts(targets)?,
            warn: p.warn.as_ref().map(|warn| match warn {
                ast::Warn::At(p) => Warn::At(p.value / 100.0),
                ast::Warn::Before(d) => Warn::Before(seconds(d.seconds)),
            }),
            until_text: describe::patterns(&p.until),
            from_text: describe::patterns(&p.from),
        })
    }

    pub fn standard(&mut self, s: &ast::Standard) -> Result<Standard, CompileError> {
        let types = &mut *self.types;
        let mut pair = |event: &ast::EventPattern, before: &ast::EventPattern| {
            Ok::<_, CompileError>((
                (types.pattern(event)?, describe::pattern(event)),
                (types.pattern(before)?, describe::pattern(before)),
            ))
        };
        let rule = match &s.rule {
            ast::StandardRule::AtMost {
                count,
                event,
                before,
                ..
            } => {
                let (event, before) = pair(event, before)?;
                StandardRule::AtMost {
                    limit: count.value,
                    event,
                    before,
                }
            }
            ast::StandardRule::RequireBefore { event, before, .. } => {
                let (event, before) = pair(event, before)?;
                StandardRule::RequireBefore { event, before }
            }
            ast::StandardRule::RequireWithin {
                event,
                deadline,
                after,
                ..
            } => StandardRule::RequireWithin(ClockRule {
                name: s.name.name.clone(),
                applies: Condition::always(),
                from: vec![types.pattern(after)?],
                from_each: false,
                until: vec![types.pattern(event)?],
                pauses: Vec::new(),
                restart: Vec::new(),
                targets: targets_with_texts(vec![(
                    Deadline::compile(deadline, self.names)?,
                    None,
                )])?,
                warn: None,
                until_text: describe::pattern(event),
                from_text: describe::pattern(after),
            }),
        };
        Ok(Standard {
            name: s.name.name.clone(),
            applies: Condition::compile(s.applies.as_ref())?,
            rule,
            restart: self.types.patterns(&s.restart)?,
        })
    }

    pub fn commitments(
        &mut self,
        block: Option<&ast::Commitments>,
        terms: &[ast::TermDecl],
    ) -> Result<Commitments, CompileError> {
        let names = self.names;
        let named = |on: &ast::Ident| -> Result<Named, CompileError> {
            Ok(Named {
                name: on.name.clone(),
                calendar: names.calendar(on)?,
            })
        };
        let calendar = block.and_then(|b| b.on.as_ref()).map(named).transpose()?;
        // Without a `durations` line, durations count on the block's calendar, as they always did.
        let durations = match block.and_then(|b| b.durations.as_ref()) {
            Some(durations) => durations.on.as_ref().map(named).transpose()?,
            None => calendar.clone(),
        };
        let amount = |amount: &ast::Amount| -> Result<Amount, CompileError> {
            let on = amount.on().map(named).transpose()?;
            Ok(match amount {
                ast::Amount::Duration { amount, .. } => {
                    Amount::Duration(seconds(amount.seconds), on)
                }
                ast::Amount::Workdays { count, .. } => Amount::Workdays(count.value, on),
            })
        };
        let terms = terms
            .iter()
            .map(|t| {
                let meaning = match &t.meaning {
                    ast::TermMeaning::Amount(a) => Term::Amount(amount(a)?, describe::amount(a)),
                    ast::TermMeaning::Deadline(d) => Term::Deadline(Deadline::compile(d, names)?),
                    ast::TermMeaning::Vague(_) => Term::Vague,
                };
                Ok((t.word.name.clone(), meaning))
            })
            .collect::<Result<_, CompileError>>()?;
        let end = block.and_then(|b| b.end.as_ref());
        Ok(Commitments {
            require_time: block.is_some_and(|b| b.require_time.is_some()),
            keep: block.is_some_and(|b| b.keep.is_some()),
            grace: block
                .and_then(|b| b.grace)
                .map_or(TimeDelta::zero(), |g| seconds(g.seconds)),
            calendar,
            durations,
            zone: names.zone_calendar_if_any(),
            calendars: names
                .calendars()
                .map(|(name, calendar)| (name.to_owned(), calendar.clone()))
                .collect(),
            terms,
            end: match end {
                Some((events, _)) => self.types.patterns(events)?,
                None => Vec::new(),
            },
            end_text: end.map_or_else(String::new, |(events, _)| describe::patterns(events)),
        })
    }

    pub fn chain(&mut self, chain: &ast::Escalation) -> Result<Chain, CompileError> {
        let steps = chain
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| self.step(chain, index, step))
            .collect::<Result<_, _>>()?;
        Ok(Chain {
            name: chain.name.name.clone(),
            applies: Condition::compile(chain.applies.as_ref())?,
            triggers: chain
                .triggers
                .iter()
                .map(|t| self.trigger(t))
                .collect::<Result<_, _>>()?,
            steps,
            restart: self.types.patterns(&chain.restart)?,
            stop: self.types.patterns(&chain.stop)?,
        })
    }

    fn trigger(&mut self, trigger: &ast::Trigger) -> Result<ChainTrigger, CompileError> {
        let compiled = match trigger {
            ast::Trigger::Event { pattern, .. } => Trigger::Event(self.types.pattern(pattern)?),
            ast::Trigger::Breach { promise, .. } => Trigger::Breach(self.names.promise(promise)?),
            ast::Trigger::Fraction {
                percent, promise, ..
            } => Trigger::Fraction {
                fraction: percent.value / 100.0,
                promise: self.names.promise(promise)?,
            },
        };
        Ok(ChainTrigger {
            trigger: compiled,
            text: describe::trigger(trigger),
        })
    }

    fn step(
        &mut self,
        chain: &ast::Escalation,
        index: usize,
        step: &ast::Step,
    ) -> Result<Step, CompileError> {
        // The steps that must be done first: the `after` names, or (`in order`) the step above.
        let after = chain.waits_for(index);
        let preconditions: Vec<usize> = after
            .iter()
            .map(|name| {
                chain
                    .steps
                    .iter()
                    .position(|s| s.name.name == name.name)
                    .ok_or_else(|| super::unresolved("step", name))
            })
            .collect::<Result<_, _>>()?;
        let after: Vec<&str> = after.iter().map(|name| name.name.as_str()).collect();
        // The step's own trigger is numbered before its action's event, as rules are read.
        let trigger = step.trigger.as_ref().map(|t| self.trigger(t)).transpose()?;
        let action = self.action(&step.action)?;
        let within = step
            .within
            .as_ref()
            .map(|d| Deadline::compile(d, self.names))
            .transpose()?;
        let trigger_text = trigger.as_ref().map(|t| t.text.as_str());
        Ok(Step {
            name: step.name.name.clone(),
            rule: format!("{}.{}", chain.name.name, step.name.name),
            within_text: within
                .as_ref()
                .map_or_else(String::new, |w| format!("; deadline {}", w.text)),
            due_texts: due_texts(&after, trigger_text),
            waiting: waiting_text(&after, trigger_text),
            action_text: describe::action(&step.action),
            keep_appointment: step.keep_appointment.as_ref().map(|keep| KeepAppointment {
                grace: keep
                    .grace
                    .as_ref()
                    .map_or(TimeDelta::zero(), |g| seconds(g.seconds)),
                moves: keep.moves.as_ref().map(|m| m.value),
            }),
            preconditions,
            trigger,
            action,
            within,
        })
    }

    fn action(&mut self, action: &ast::Action) -> Result<Action, CompileError> {
        Ok(match action {
            ast::Action::ChangeHandler { constraints, .. } => {
                Action::ChangeHandler(self.constraints(constraints)?)
            }
            ast::Action::ChangeVenue { to, .. } => Action::ChangeVenue(match to {
                ast::VenueTarget::Class(privacy, _) => {
                    VenueTarget::Class(self.names.venues_of(*privacy).into_iter().collect())
                }
                ast::VenueTarget::Named(name) => VenueTarget::Named(name.name.clone()),
            }),
            ast::Action::Appoint { constraints, .. } => {
                Action::Appoint(self.constraints(constraints)?)
            }
            ast::Action::Notify { rank, .. } => Action::Notify(self.names.rank(rank)?),
            ast::Action::Do { pattern, .. } => Action::Do(self.types.pattern(pattern)?),
        })
    }

    fn constraints(
        &self,
        list: &[ast::StaffConstraint],
    ) -> Result<Vec<StaffConstraint>, CompileError> {
        list.iter()
            .map(|c| {
                Ok(match c {
                    ast::StaffConstraint::RankAboveCurrent(_) => StaffConstraint::RankAboveCurrent,
                    ast::StaffConstraint::Rank { op, rank, .. } => {
                        StaffConstraint::Rank(*op, self.names.rank(rank)?)
                    }
                    ast::StaffConstraint::NotSubject(_) => StaffConstraint::NotSubject,
                })
            })
            .collect()
    }

    pub fn objective(&mut self, o: &ast::Objective) -> Result<Objective, CompileError> {
        let tz = match &o.period.on {
            Some(on) => self.names.calendar(on)?.tz(),
            None => self.names.policy_zone(o.period.span)?,
        };
        Ok(Objective {
            name: o.name.name.clone(),
            applies: Condition::compile(o.applies.as_ref())?,
            promise: self.names.promise_name(&o.measure.promise)?,
            counts_met: o.measure.outcome == ast::Outcome::Met,
            within: o
                .measure
                .within
                .as_ref()
                .map(|d| Deadline::compile(d, self.names))
                .transpose()?,
            zone: OffsetChanges::of(tz),
            unit: match o.period.unit {
                ast::PeriodUnit::Day => PeriodUnit::Day,
                ast::PeriodUnit::Week => PeriodUnit::Week,
                ast::PeriodUnit::Month => PeriodUnit::Month,
            },
            at_least: o.measure.at_least,
            threshold: o.measure.percent.value / 100.0,
        })
    }
}

/// The reason each `pause` clause of a rule is reported with: its `pause on` events as written
/// (separated by `, `), with ` #N` (its place among the clauses, from 1) when another clause has
/// the same events.
pub(crate) fn pause_reasons(pauses: &[ast::Pause]) -> Vec<String> {
    let texts: Vec<String> = pauses
        .iter()
        .map(|p| {
            let each: Vec<String> = p.on.iter().map(describe::pattern).collect();
            each.join(", ")
        })
        .collect();
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            if texts.iter().filter(|other| *other == text).count() > 1 {
                format!("{text} #{}", index + 1)
            } else {
                text.clone()
            }
        })
        .collect()
}

/// The targets of one rule, in order, each with its condition and texts.
fn targets_with_texts(
    targets: Vec<(Deadline, Option<&ast::Expr>)>,
) -> Result<Vec<Target>, CompileError> {
    let count = targets.len();
    targets
        .into_iter()
        .enumerate()
        .map(|(i, (deadline, when))| {
            let number = i + 1;
            let when_text = when.map(describe::expr);
            let condition = match &when_text {
                Some(when) => format!("`when {when}` holds"),
                None => "no condition".to_string(),
            };
            let skipped = format!("target {number} `{}` does not apply: ", deadline.text);
            let cut_off = format!("{skipped}the clock did not start before its cut-off");
            let texts = TargetTexts {
                chosen: format!(
                    "target {number} of {count}: `{}` ({condition}",
                    deadline.text
                ),
                when_failed: match &when_text {
                    Some(when) => format!("{skipped}`when {when}` does not hold"),
                    None => cut_off.clone(),
                },
                cut_off,
                due: due_phrase(&deadline.rule),
            };
            Ok(Target {
                when: Condition::compile(when)?,
                deadline,
                texts,
            })
        })
        .collect()
}

/// The due-time phrase of a deadline rule, around the amount of time it allows.
fn due_phrase(rule: &Rule) -> (String, String) {
    match rule {
        Rule::Elapsed(_) => (
            "; due ".to_string(),
            " of elapsed time after the start".to_string(),
        ),
        Rule::Open { name, .. } => (
            "; due when ".to_string(),
            format!(" of open time of `{name}` has passed"),
        ),
        Rule::Workdays { count, name, .. } => (
            format!("; due at the close of open day {count} of `{name}` after the start day ("),
            " of open time)".to_string(),
        ),
        Rule::Cutoff { .. } => (String::new(), String::new()),
    }
}

/// Why a step became due, after the steps named `after` were done and when the chain was activated.
fn due_texts(after: &[&str], trigger_text: Option<&str>) -> (String, String) {
    let verb = if after.len() == 1 { "was" } else { "were" };
    let done = format!("after {} {verb} done", after.join(", "));
    let activated = "when the chain was activated".to_string();
    match trigger_text {
        Some(t) => (format!("on {t} {done}"), format!("on {t} {activated}")),
        None => (done, activated),
    }
}

/// What a step not yet due waits for: the steps named `after`, then its own trigger.
fn waiting_text(after: &[&str], trigger_text: Option<&str>) -> String {
    let mut parts: Vec<String> = after.iter().map(|name| format!("`{name}`")).collect();
    if let Some(t) = trigger_text {
        parts.push(if after.is_empty() {
            t.to_string()
        } else {
            format!("then {t}")
        });
    }
    format!("waiting for {}", parts.join(", "))
}
