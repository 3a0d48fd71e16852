//! Rules: promises, standards, commitments, escalation chains and objectives.
//!
//! Checks the references and values inside each rule, and warns about rules
//! that are legal but cannot do anything: a target that an earlier one always
//! pre-empts (a catch-all, or the same condition), a target whose condition
//! contradicts itself, a step triggered by an event that stops its chain. A
//! step whose `after` preconditions wait on each other (counting the implicit
//! "previous step") can never become due: that is an error.

use super::values::EndOfDay;
use super::{codes, names, Checker};
use crate::compile::describe;
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, Deadline, Span};
use std::collections::{BTreeMap, BTreeSet};

impl<'a> Checker<'a> {
    /// Checks every rule and the terms.
    pub(super) fn rules(&mut self) {
        for promise in self.decls.promises.clone() {
            self.promise(promise);
        }
        for standard in self.decls.standards.clone() {
            if let ast::StandardRule::RequireWithin { deadline, .. } = &standard.rule {
                self.deadline(deadline);
            }
        }
        for block in self.decls.commitments.clone() {
            self.commitments(block);
        }
        for chain in self.decls.escalations.clone() {
            self.escalation(chain);
        }
        for objective in self.decls.objectives.clone() {
            self.objective(objective);
        }
        self.terms();
    }

    fn promise(&mut self, promise: &'a ast::Promise) {
        let mut earlier = EarlierTargets::default();
        for target in &promise.targets {
            self.deadline(&target.deadline);
            // A term that stands for a whole deadline is read as that deadline.
            let deadline = self.written_out(&target.deadline);
            if let Some(covering) = earlier.covering(target, deadline) {
                self.report(
                    Diagnostic::warning(
                        codes::UNREACHABLE_TARGET,
                        format!("target of promise `{}` can never apply", promise.name.name),
                        target.span,
                    )
                    .with_label(covering.span, covering.reason())
                    .with_help(covering.help()),
                );
            } else {
                earlier.add(target, deadline);
            }
            self.target_can_apply(promise, target, deadline);
        }
        match &promise.warn {
            Some(ast::Warn::At(percent)) => self.percent(percent),
            Some(ast::Warn::Before(duration)) => {
                self.duration(duration);
            }
            None => {}
        }
    }

    /// Warns about a target that can never apply: a self-contradicting condition, or `if before
    /// 00:00`; `deadline` is its deadline written out.
    fn target_can_apply(
        &mut self,
        promise: &ast::Promise,
        target: &ast::Target,
        deadline: &Deadline,
    ) {
        let reason = if let Some(condition) = target.when.as_ref().and_then(contradiction) {
            Some((condition, "its condition can never hold"))
        } else if let Deadline::Cutoff {
            if_before: Some(before),
            ..
        } = deadline
        {
            (before.hour == 0 && before.minute == 0)
                .then_some((before.span, "no start time is before `00:00`"))
        } else {
            None
        };
        if let Some((span, why)) = reason {
            self.report(
                Diagnostic::warning(
                    codes::TARGET_NEVER_APPLIES,
                    format!("target of promise `{}` can never apply", promise.name.name),
                    target.span,
                )
                .with_label(span, why),
            );
        }
    }

    /// `deadline` written out: the deadline a term stands for when it is one (`target 今天`),
    /// else `deadline` itself.
    fn written_out<'d>(&self, deadline: &'d Deadline) -> &'d Deadline
    where
        'a: 'd,
    {
        if let Deadline::Term { term, .. } = deadline {
            if let Some(ast::TermMeaning::Deadline(meaning)) = self
                .decls
                .tables
                .terms
                .get(term.name.as_str())
                .map(|decl| &decl.meaning)
            {
                return meaning;
            }
        }
        deadline
    }

    /// Checks a deadline rule's amounts, times and calendar, and the terms it uses.
    fn deadline(&mut self, deadline: &Deadline) {
        match deadline {
            Deadline::Within { amount, on, .. } => {
                self.duration(amount);
                if let Some(calendar) = on {
                    self.calendar_ref(calendar);
                }
            }
            Deadline::Workdays { count, on, .. } => {
                self.day_count(count, "workdays");
                self.calendar_ref(on);
            }
            Deadline::Cutoff {
                by,
                day,
                if_before,
                on,
                span,
            } => {
                self.time_of_day(by, EndOfDay::Forbidden);
                if let Some(before) = if_before {
                    self.time_of_day(before, EndOfDay::Forbidden);
                }
                match day {
                    ast::CutoffDayAst::InDays(count) => self.day_count(count, "days"),
                    ast::CutoffDayAst::NextWorkday | ast::CutoffDayAst::SameWorkday
                        if on.is_none() =>
                    {
                        let which = if matches!(day, ast::CutoffDayAst::NextWorkday) {
                            "next workday"
                        } else {
                            "same workday"
                        };
                        self.report(Diagnostic::error(
                            codes::WORKDAY_WITHOUT_CALENDAR,
                            format!("`{which}` needs a calendar"),
                            *span,
                        ))
                    }
                    _ => {}
                }
                match on {
                    Some(calendar) => {
                        self.calendar_ref(calendar);
                    }
                    None => self.zone_needed(*span, "a cut-off time"),
                }
            }
            Deadline::WithinTerm { term, on, span } => {
                if let Some(calendar) = on {
                    self.calendar_ref(calendar);
                }
                if let Some(decl) = self.term_used(term) {
                    self.amount_fits(decl, term, on.as_ref(), *span);
                }
            }
            Deadline::Term { term, .. } => {
                if let Some(decl) = self.term_used(term) {
                    self.deadline_fits(decl, term);
                }
            }
        }
    }

    /// Resolves a term used in a deadline and notes it as used.
    fn term_used(&mut self, term: &ast::Ident) -> Option<&'a ast::TermDecl> {
        let decl = self.term_ref(term)?;
        self.terms_used.insert(term.name.clone());
        Some(decl)
    }

    /// `E0231` or `E0310` when the term `decl`, used as `within TERM [on CAL]`, is not an amount
    /// that can be counted there.
    fn amount_fits(
        &mut self,
        decl: &ast::TermDecl,
        term: &ast::Ident,
        on: Option<&ast::Ident>,
        span: Span,
    ) {
        let word = &term.name;
        match &decl.meaning {
            ast::TermMeaning::Amount(amount) => match (amount.on(), on) {
                (Some(own), Some(given)) => self.report(
                    Diagnostic::error(
                        codes::TERM_MISUSED,
                        format!(
                            "term `{word}` already counts on `{}`, and `on {}` names another calendar",
                            own.name, given.name
                        ),
                        given.span,
                    )
                    .with_label(own.span, "the term's calendar")
                    .with_help(format!(
                        "write `within {word}`, or declare the term without `on` to give its calendar where it is used"
                    )),
                ),
                (None, None) if matches!(amount, ast::Amount::Workdays { .. }) => self.report(
                    Diagnostic::error(
                        codes::WORKDAY_WITHOUT_CALENDAR,
                        format!("`within {word}` counts working days and needs a calendar"),
                        span,
                    )
                    .with_label(decl.span, "the term names no calendar")
                    .with_help(format!(
                        "write `within {word} on CALENDAR`, or name the calendar in the term: `term {word} = {} on CALENDAR`",
                        describe::amount(amount)
                    )),
                ),
                _ => {}
            },
            ast::TermMeaning::Deadline(_) => self.report(
                Diagnostic::error(
                    codes::TERM_MISUSED,
                    format!("term `{word}` stands for a whole deadline, not an amount of time"),
                    span,
                )
                .with_label(decl.span, "declared as a whole deadline here")
                .with_help(format!(
                    "write the term alone where the deadline goes, without `within`: `target {word}`"
                )),
            ),
            ast::TermMeaning::Vague(_) => self.vague_in_deadline(decl, term, span),
        }
    }

    /// `E0231` when the term `decl`, used alone where a deadline goes, is not a whole deadline.
    fn deadline_fits(&mut self, decl: &ast::TermDecl, term: &ast::Ident) {
        let word = &term.name;
        match &decl.meaning {
            ast::TermMeaning::Deadline(_) => {}
            ast::TermMeaning::Amount(_) => self.report(
                Diagnostic::error(
                    codes::TERM_MISUSED,
                    format!("term `{word}` is an amount of time, not a whole deadline"),
                    term.span,
                )
                .with_label(decl.span, "declared as an amount here")
                .with_help(format!("write `within {word}`")),
            ),
            ast::TermMeaning::Vague(_) => self.vague_in_deadline(decl, term, term.span),
        }
    }

    /// `E0231` for a vague term where a deadline goes.
    fn vague_in_deadline(&mut self, decl: &ast::TermDecl, term: &ast::Ident, span: Span) {
        let word = &term.name;
        self.report(
            Diagnostic::error(
                codes::TERM_MISUSED,
                format!("term `{word}` is vague: it gives no time, so it cannot be a deadline"),
                span,
            )
            .with_label(decl.span, "declared `vague` here")
            .with_help(format!(
                "bind the word to a time (`term {word} = 5m`), or write the deadline out (`within 5m`)"
            )),
        );
    }

    /// The `commitments` block: its grace, its calendars, and whether it says what durations count.
    fn commitments(&mut self, block: &ast::Commitments) {
        if let Some(grace) = &block.grace {
            self.duration(grace);
        }
        if let Some(calendar) = &block.on {
            self.calendar_ref(calendar);
            if block.durations.is_none() {
                self.report(
                    Diagnostic::warning(
                        codes::IMPLICIT_DURATIONS,
                        format!(
                            "a duration given in a case (`within: 24h`) counts open time of `{}` only because of `on {}`",
                            calendar.name, calendar.name
                        ),
                        calendar.span,
                    )
                    .with_help(format!(
                        "say it: `durations on {}` to keep counting open time, or `durations elapsed` to count elapsed time",
                        calendar.name
                    )),
                );
            }
        }
        if let Some(ast::Durations {
            on: Some(calendar), ..
        }) = &block.durations
        {
            self.calendar_ref(calendar);
        }
    }

    /// Reports local times with neither a calendar nor a policy timezone to read them in (the
    /// evaluator reads them in the policy's zone, the root header's).
    fn zone_needed(&mut self, span: Span, what: &str) {
        let zone_written = self.zones.contains_key(&self.root);
        if !zone_written && self.zone_required() {
            self.report(
                Diagnostic::error(
                    codes::MISSING_TIMEZONE,
                    format!("{what} without a timezone"),
                    span,
                )
                .with_help("add `on CALENDAR`, or `timezone \"Area/City\"` to the `policy` header"),
            );
        }
    }

    fn trigger(&mut self, trigger: &ast::Trigger) {
        match trigger {
            ast::Trigger::Event { .. } => {}
            ast::Trigger::Breach { promise, .. } => self.promise_ref(promise),
            ast::Trigger::Fraction {
                percent, promise, ..
            } => {
                self.percent(percent);
                self.promise_ref(promise);
            }
        }
    }

    fn escalation(&mut self, chain: &ast::Escalation) {
        for trigger in &chain.triggers {
            self.trigger(trigger);
        }
        // Each step name's first step, by position.
        let mut steps: BTreeMap<&str, usize> = BTreeMap::new();
        let mut first_spans: BTreeMap<&str, Span> = BTreeMap::new();
        for (index, step) in chain.steps.iter().enumerate() {
            if let Some(&first) = first_spans.get(step.name.name.as_str()) {
                self.report(names::duplicate("step", &step.name, first));
            } else {
                steps.insert(step.name.name.as_str(), index);
                first_spans.insert(step.name.name.as_str(), step.name.span);
            }
        }
        for step in &chain.steps {
            self.step(step, &steps);
        }
        self.never_due(chain, &steps);
    }

    fn step(&mut self, step: &ast::Step, steps: &BTreeMap<&str, usize>) {
        for name in step.after.iter().flatten() {
            if !steps.contains_key(name.name.as_str()) {
                let known: Vec<&str> = steps.keys().copied().collect();
                self.report(names::unknown(
                    codes::UNKNOWN_STEP,
                    "step",
                    name,
                    &known,
                    "name a step of the same escalation",
                ));
            }
        }
        if let Some(trigger) = &step.trigger {
            self.trigger(trigger);
        }
        match &step.action {
            ast::Action::ChangeHandler { constraints, .. }
            | ast::Action::Appoint { constraints, .. } => {
                for constraint in constraints {
                    match constraint {
                        ast::StaffConstraint::RankAboveCurrent(span) => {
                            self.rank_scale_needed(*span)
                        }
                        ast::StaffConstraint::Rank { rank, .. } => self.rank_ref(rank),
                        ast::StaffConstraint::NotSubject(_) => {}
                    }
                }
            }
            ast::Action::ChangeVenue { to, .. } => match to {
                ast::VenueTarget::Named(venue) => self.venue_ref(venue),
                ast::VenueTarget::Class(class, span) => self.venue_class(*class, *span),
            },
            ast::Action::Notify { rank, .. } => self.rank_ref(rank),
            ast::Action::Do { .. } => {}
        }
        if let Some(deadline) = &step.within {
            self.deadline(deadline);
        }
        if let Some(keep) = &step.keep_appointment {
            if let Some(grace) = &keep.grace {
                self.duration(grace);
            }
            if !matches!(step.action, ast::Action::Appoint { .. }) {
                self.report(Diagnostic::error(
                    codes::KEEP_WITHOUT_APPOINT,
                    format!(
                        "step `{}` keeps an appointment it does not make",
                        step.name.name
                    ),
                    keep.span,
                ));
            }
        }
    }

    /// Reports steps whose preconditions can never all complete (a cycle through `after`), then
    /// steps that can never become due because their own trigger is an event that stops the chain.
    fn never_due(&mut self, chain: &ast::Escalation, steps: &BTreeMap<&str, usize>) {
        let preconditions: Vec<Vec<usize>> = (0..chain.steps.len())
            .map(|index| {
                chain
                    .waits_for(index)
                    .iter()
                    .filter_map(|n| steps.get(n.name.as_str()).copied())
                    .collect()
            })
            .collect();
        let can_be_due = may_become_due(&preconditions, &BTreeSet::new());
        self.waiting_on_each_other(chain, &preconditions, &can_be_due);
        self.stopped_first(chain, &preconditions, &can_be_due);
    }

    /// `E0212` for the steps that `can_be_due` says never become due: their preconditions wait on
    /// each other.
    fn waiting_on_each_other(
        &mut self,
        chain: &ast::Escalation,
        preconditions: &[Vec<usize>],
        can_be_due: &BTreeSet<usize>,
    ) {
        // Each step that can never become due, with the steps it waits for.
        let never: Vec<(&ast::Step, &Vec<usize>)> = chain
            .steps
            .iter()
            .zip(preconditions)
            .enumerate()
            .filter(|(index, _)| !can_be_due.contains(index))
            .map(|(_, pair)| pair)
            .collect();
        let Some(&(first, first_needs)) = never.first() else {
            return;
        };
        let names: Vec<String> = never
            .iter()
            .map(|(s, _)| format!("`{}`", s.name.name))
            .collect();
        let message = match names.as_slice() {
            [one] => format!("step {one} can never become due"),
            many => format!("steps {} can never become due", many.join(", ")),
        };
        let mut diagnostic = Diagnostic::error(codes::STEP_NEVER_DUE, message, first.name.span);
        // The step it waits for that can never become due either (preconditions are positions
        // among the chain's own steps).
        let blocker = first_needs
            .iter()
            .find(|n| !can_be_due.contains(n))
            .and_then(|&n| chain.steps.get(n));
        if let Some(blocker) = blocker {
            let written = first
                .after
                .iter()
                .flatten()
                .find(|name| name.name == blocker.name.name);
            let (span, note) = match written {
                Some(name) if std::ptr::eq(blocker, first) => {
                    (name.span, "it waits for itself".to_string())
                }
                Some(name) => (
                    name.span,
                    format!(
                        "it waits for `{}`, which can never become due either",
                        blocker.name.name
                    ),
                ),
                None => (
                    blocker.name.span,
                    format!(
                        "it waits for the step above it, `{}`, which can never become due either",
                        blocker.name.name
                    ),
                ),
            };
            diagnostic = diagnostic.with_label(span, note);
        }
        self.report(diagnostic);
    }

    /// `W0107` for the steps that could become due but for the chain's `stop on`: a step whose own
    /// trigger is an event that stops the chain (when it happens, the chain stops first), and the
    /// steps that wait for such a step. Steps already reported by `E0212` are left out.
    fn stopped_first(
        &mut self,
        chain: &ast::Escalation,
        preconditions: &[Vec<usize>],
        can_be_due: &BTreeSet<usize>,
    ) {
        let stops: Vec<Option<(&ast::EventPattern, Ends)>> = chain
            .steps
            .iter()
            .zip(preconditions)
            .map(|(step, needs)| stopping_trigger(chain, step, needs.is_empty()))
            .collect();
        if stops.iter().all(Option::is_none) {
            return;
        }
        // The steps whose own trigger stops (or restarts) the chain, with the `stop on` (or
        // `restart on`) pattern that does.
        let blocked: BTreeMap<usize, (&ast::EventPattern, Ends)> = stops
            .iter()
            .enumerate()
            .filter_map(|(i, stop)| Some((i, (*stop)?)))
            .collect();
        let possible = may_become_due(preconditions, &blocked.keys().copied().collect());
        // The steps that could become due but for the `stop on`, with their positions and the
        // steps they wait for.
        let never: Vec<(usize, &ast::Step, &Vec<usize>)> = chain
            .steps
            .iter()
            .zip(preconditions)
            .enumerate()
            .filter(|(i, _)| can_be_due.contains(i) && !possible.contains(i))
            .map(|(i, (step, needs))| (i, step, needs))
            .collect();
        let triggered: Vec<(usize, &ast::Step)> = never
            .iter()
            .filter(|(i, _, _)| blocked.contains_key(i))
            .map(|&(i, step, _)| (i, step))
            .collect();
        let name = |step: &ast::Step| format!("`{}`", step.name.name);
        let Some(&(first, first_step)) = triggered.first() else {
            return;
        };
        let Some(ast::Trigger::Event { pattern, .. }) = &first_step.trigger else {
            return;
        };
        let names: Vec<String> = never.iter().map(|(_, s, _)| name(s)).collect();
        let causes: Vec<String> = triggered.iter().map(|(_, s)| name(s)).collect();
        let verb = blocked
            .get(&first)
            .map_or(Ends::Stop, |(_, ends)| *ends)
            .verb();
        let message = stopped_message(&names, &causes, verb);
        let mut diagnostic = Diagnostic::warning(codes::STOPPED_BEFORE_DUE, message, pattern.span);
        if let Some((stop, _)) = blocked.get(&first) {
            diagnostic = diagnostic.with_label(
                stop.span,
                format!("the chain {verb} on `{}` first", stop.event.name),
            );
        }
        for &(i, step, needs) in never.iter().filter(|(i, _, _)| *i != first) {
            let note = match &step.trigger {
                Some(ast::Trigger::Event { pattern, .. }) if blocked.contains_key(&i) => {
                    let verb = blocked.get(&i).map_or(Ends::Stop, |(_, ends)| *ends).verb();
                    diagnostic = diagnostic
                        .with_label(pattern.span, format!("this trigger {verb} the chain too"));
                    continue;
                }
                // The step it waits for that can never become due (preconditions are positions
                // among the chain's own steps).
                _ => needs
                    .iter()
                    .find(|n| !possible.contains(n))
                    .and_then(|&n| chain.steps.get(n))
                    .map(|s| format!("it waits for {}, which can never become due", name(s))),
            };
            if let Some(note) = note {
                diagnostic = diagnostic.with_label(step.name.span, note);
            }
        }
        self.report(diagnostic.with_help(if verb == Ends::Restart.verb() {
            "when the event of a step's trigger happens, the chain's instance ends and a new one \
             begins, where the step waits for a trigger and its preconditions again; trigger the \
             step on another event, or restart the chain on another one"
        } else {
            "when the event of a step's trigger happens, the chain stops and the step is skipped; \
             trigger the step on another event, or stop the chain on another one"
        }));
    }

    fn objective(&mut self, objective: &ast::Objective) {
        self.percent(&objective.measure.percent);
        self.promise_ref(&objective.measure.promise);
        if let Some(deadline) = &objective.measure.within {
            self.deadline(deadline);
        }
        match &objective.period.on {
            Some(calendar) => {
                self.calendar_ref(calendar);
            }
            None => self.zone_needed(objective.period.span, "a reporting period"),
        }
    }

    /// The terms' values, and terms that neither a deadline nor a `commitments` block reads.
    fn terms(&mut self) {
        for term in self.decls.terms.clone() {
            match &term.meaning {
                ast::TermMeaning::Amount(ast::Amount::Duration { amount, on, .. }) => {
                    self.duration(amount);
                    if let Some(calendar) = on {
                        self.calendar_ref(calendar);
                    }
                }
                ast::TermMeaning::Amount(ast::Amount::Workdays { count, on, .. }) => {
                    self.day_count(count, "workdays");
                    if let Some(calendar) = on {
                        self.calendar_ref(calendar);
                    }
                }
                // A term's deadline is written out (the grammar allows no term in it).
                ast::TermMeaning::Deadline(deadline) => self.deadline(deadline),
                ast::TermMeaning::Vague(_) => {}
            }
        }
        if !self.decls.commitments.is_empty() || !self.is_policy {
            return;
        }
        let unused: Vec<&ast::TermDecl> = self
            .decls
            .terms
            .iter()
            .filter(|t| !self.terms_used.contains(&t.word.name))
            .copied()
            .collect();
        if let Some(first) = unused.first() {
            let count = unused.len();
            let subject = if count == 1 {
                format!("term `{}` is", first.word.name)
            } else {
                format!("{count} terms, starting with `{}`, are", first.word.name)
            };
            self.report(Diagnostic::warning(
                codes::UNUSED_TERM,
                format!("{subject} never used: the policy has no `commitments` block"),
                first.word.span,
            ));
        }
    }
}

/// One test of a field in a chain of `and`.
enum Atom<'e> {
    /// `field == v`.
    Is(&'e str, Literal<'e>),
    /// `field != v`.
    IsNot(&'e str, Literal<'e>),
    /// `field in [...]`.
    OneOf(&'e str, Vec<Literal<'e>>),
    /// `field not in [...]`.
    NoneOf(&'e str, Vec<Literal<'e>>),
}

/// A literal compared by value, without its position.
#[derive(PartialEq)]
enum Literal<'e> {
    Text(&'e str),
    Number(f64),
    Bool(bool),
}

fn literal(value: &ast::Value) -> Literal<'_> {
    match value {
        ast::Value::Str(s) => Literal::Text(&s.value),
        ast::Value::Number(n) => Literal::Number(n.value),
        ast::Value::Bool(b) => Literal::Bool(b.value),
    }
}

/// The span of a part of `expr` that makes it always false, found cheaply: within one chain of
/// `and`, a field required to equal two different values, to equal and differ from one value, to
/// be in a list without that value, or to be in an empty list.
pub(super) fn contradiction(expr: &ast::Expr) -> Option<Span> {
    let mut atoms = Vec::new();
    collect_atoms(expr, &mut atoms);
    for (i, (a, a_span)) in atoms.iter().enumerate() {
        if let Atom::OneOf(_, values) = a {
            if values.is_empty() {
                return Some(*a_span);
            }
        }
        for (b, _) in atoms.iter().skip(i + 1) {
            if conflicts(a, b) || conflicts(b, a) {
                return Some(expr.span());
            }
        }
    }
    None
}

fn collect_atoms<'e>(expr: &'e ast::Expr, atoms: &mut Vec<(Atom<'e>, Span)>) {
    match expr {
        ast::Expr::And { left, right, .. } => {
            collect_atoms(left, atoms);
            collect_atoms(right, atoms);
        }
        ast::Expr::Compare {
            field,
            op: ast::CompareOp::Eq,
            value,
            span,
        } => atoms.push((Atom::Is(&field.name, literal(value)), *span)),
        ast::Expr::Compare {
            field,
            op: ast::CompareOp::Ne,
            value,
            span,
        } => atoms.push((Atom::IsNot(&field.name, literal(value)), *span)),
        ast::Expr::In {
            field,
            negated,
            values,
            span,
        } => {
            let values = values.iter().map(literal).collect();
            let atom = if *negated {
                Atom::NoneOf(&field.name, values)
            } else {
                Atom::OneOf(&field.name, values)
            };
            atoms.push((atom, *span));
        }
        _ => {}
    }
}

/// Whether two tests of the same field can never both hold.
fn conflicts(a: &Atom<'_>, b: &Atom<'_>) -> bool {
    match (a, b) {
        (Atom::Is(f, x), Atom::Is(g, y)) => f == g && x != y,
        (Atom::Is(f, x), Atom::IsNot(g, y)) => f == g && x == y,
        (Atom::Is(f, x), Atom::OneOf(g, list)) => f == g && !list.contains(x),
        (Atom::Is(f, x), Atom::NoneOf(g, list)) => f == g && list.contains(x),
        _ => false,
    }
}

/// The message of `W0107` for the steps `names` that never become due because the chain stops
/// (`verb`: `stops` or `restarts`) on the triggers of `causes`.
fn stopped_message(names: &[String], causes: &[String], verb: &str) -> String {
    match (names, causes) {
        ([one], _) => format!("step {one} can never become due: the chain {verb} on its trigger"),
        (many, [cause]) => format!(
            "steps {} can never become due: the chain {verb} on the trigger of {cause}",
            many.join(", ")
        ),
        (many, causes) => format!(
            "steps {} can never become due: the chain {verb} on the triggers of {}",
            many.join(", "),
            causes.join(", ")
        ),
    }
}

/// How an event ends a chain's instance: `stop on`, or `restart on` (a new instance, which
/// waits for a trigger again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Stop,
    Restart,
}

impl Ends {
    fn verb(self) -> &'static str {
        match self {
            Ends::Stop => "stops",
            Ends::Restart => "restarts",
        }
    }
}

/// Which steps may become due: a step may when it is not `blocked` and every step it waits for
/// may (a fixpoint from the steps that wait for nothing).
fn may_become_due(preconditions: &[Vec<usize>], blocked: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut can_be_due = BTreeSet::new();
    let mut changed = true;
    while changed {
        changed = false;
        for (index, needs) in preconditions.iter().enumerate() {
            if blocked.contains(&index) || can_be_due.contains(&index) {
                continue;
            }
            if needs.iter().all(|n| can_be_due.contains(n)) {
                can_be_due.insert(index);
                changed = true;
            }
        }
    }
    can_be_due
}

/// The `stop on` (or `restart on`) pattern that ends `chain`'s instance on every event that
/// triggers `step`, if any: the same event, with no filter or the same filter as the trigger's. A
/// step that waits for no other step (`waits_for_none`) may still become due on the event that
/// activates the chain (or the new instance a restart begins), which never stops it; such a step
/// is left alone when a chain trigger names the same event.
fn stopping_trigger<'c>(
    chain: &'c ast::Escalation,
    step: &ast::Step,
    waits_for_none: bool,
) -> Option<(&'c ast::EventPattern, Ends)> {
    let Some(ast::Trigger::Event { pattern, .. }) = &step.trigger else {
        return None;
    };
    let activated_by_it = chain.triggers.iter().any(|t| {
        matches!(t, ast::Trigger::Event { pattern: p, .. } if p.event.name == pattern.event.name)
    });
    if waits_for_none && activated_by_it {
        return None;
    }
    let filter = pattern.filter.as_ref().map(condition_key);
    let ends_on = |stop: &&ast::EventPattern| {
        stop.event.name == pattern.event.name
            && stop
                .filter
                .as_ref()
                .map_or(true, |f| Some(condition_key(f)) == filter)
    };
    chain
        .stop
        .iter()
        .find(ends_on)
        .map(|p| (p, Ends::Stop))
        .or_else(|| {
            chain
                .restart
                .iter()
                .find(ends_on)
                .map(|p| (p, Ends::Restart))
        })
}

/// A condition written out without positions: two conditions written alike have the same key.
pub(super) fn condition_key(expr: &ast::Expr) -> String {
    let mut key = String::new();
    write_key(expr, &mut key);
    key
}

/// Appends the key of `expr` to `out` (see [`condition_key`]).
fn write_key(expr: &ast::Expr, out: &mut String) {
    match expr {
        ast::Expr::And { left, right, .. } | ast::Expr::Or { left, right, .. } => {
            out.push_str(if matches!(expr, ast::Expr::And { .. }) {
                "and("
            } else {
                "or("
            });
            write_key(left, out);
            out.push(',');
            write_key(right, out);
            out.push(')');
        }
        ast::Expr::Not { operand, .. } => {
            out.push_str("not(");
            write_key(operand, out);
            out.push(')');
        }
        ast::Expr::Compare {
            field, op, value, ..
        } => out.push_str(&format!(
            "cmp({:?},{op:?},{})",
            field.name,
            value_key(value)
        )),
        ast::Expr::In {
            field,
            negated,
            values,
            ..
        } => {
            let values: Vec<String> = values.iter().map(value_key).collect();
            out.push_str(&format!(
                "in({:?},{negated},[{}])",
                field.name,
                values.join(",")
            ));
        }
        ast::Expr::Present { field, .. } => out.push_str(&format!("has({:?})", field.name)),
    }
}

/// A literal written out without its position.
fn value_key(value: &ast::Value) -> String {
    match value {
        ast::Value::Str(s) => format!("{:?}", s.value),
        ast::Value::Number(n) => n.value.to_string(),
        ast::Value::Bool(b) => b.value.to_string(),
    }
}

/// The `if before` time of a cut-off, in minutes after midnight.
fn if_before(deadline: &Deadline) -> Option<u32> {
    match deadline {
        Deadline::Cutoff {
            if_before: Some(t), ..
        } => Some(t.hour.saturating_mul(60).saturating_add(t.minute)),
        _ => None,
    }
}

/// An earlier target, as far as it matters for pre-empting later ones.
#[derive(Clone, Copy)]
struct Earlier {
    /// The whole target line.
    span: Span,
    /// Whether it has a `when` condition.
    conditional: bool,
    /// Its `if before` time as written, and in minutes.
    before: Option<(ast::ClockTime, u32)>,
}

impl Earlier {
    /// What to do about the target it pre-empts.
    fn help(&self) -> &'static str {
        if self.conditional {
            "targets are tried in order and the first that applies is used: give this one another condition, or remove it"
        } else {
            "targets are tried in order: move this one above the target without a condition, or remove it"
        }
    }

    /// The note at the earlier target: why it always applies first.
    fn reason(&self) -> String {
        match (self.conditional, self.before) {
            (false, None) => "this earlier target applies to every case".to_string(),
            (false, Some((t, _))) => format!(
                "this earlier target applies to every case that starts before `{:02}:{:02}`",
                t.hour, t.minute
            ),
            (true, None) => "this earlier target has the same condition".to_string(),
            (true, Some((t, _))) => format!(
                "this earlier target has the same condition, for cases that start before `{:02}:{:02}`",
                t.hour, t.minute
            ),
        }
    }
}

/// The targets of a promise seen so far, by condition: for each, the first without `if before`
/// and the one with the latest `if before`. A target applies when its condition holds and, with a
/// cut-off `if before T`, the clock starts before `T`.
#[derive(Default)]
struct EarlierTargets {
    /// By condition key (`None`: no condition), the first target without `if before` and the one
    /// with the latest `if before`.
    by_condition: std::collections::HashMap<Option<String>, (Option<Earlier>, Option<Earlier>)>,
}

impl EarlierTargets {
    /// Adds a target that no earlier one pre-empts; `deadline` is its deadline written out.
    fn add(&mut self, target: &ast::Target, deadline: &Deadline) {
        let earlier = Earlier {
            span: target.span,
            conditional: target.when.is_some(),
            before: match deadline {
                Deadline::Cutoff {
                    if_before: Some(t), ..
                } => if_before(deadline).map(|m| (*t, m)),
                _ => None,
            },
        };
        let entry = self
            .by_condition
            .entry(target.when.as_ref().map(condition_key))
            .or_default();
        match earlier.before {
            None => {
                entry.0.get_or_insert(earlier);
            }
            Some((_, minutes)) => {
                let later_cutoff = entry
                    .1
                    .and_then(|e| e.before)
                    .map_or(true, |(_, m)| minutes > m);
                if later_cutoff {
                    entry.1 = Some(earlier);
                }
            }
        }
    }

    /// An earlier target that applies whenever `target` (whose deadline written out is
    /// `deadline`) would: one with no condition or the same condition, and no `if before` or one
    /// at or after the target's.
    fn covering(&self, target: &ast::Target, deadline: &Deadline) -> Option<Earlier> {
        let own = target.when.as_ref().map(condition_key);
        let before = if_before(deadline);
        let keys = [own, None];
        keys.iter()
            .filter_map(|key| self.by_condition.get(key))
            .flat_map(|(always, latest)| {
                let latest = latest.filter(|e| {
                    matches!((e.before, before), (Some((_, theirs)), Some(mine)) if mine <= theirs)
                });
                [*always, latest]
            })
            .flatten()
            .min_by_key(|e| e.span.start)
    }
}
