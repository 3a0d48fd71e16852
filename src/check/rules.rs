//! Rules: promises, standards, commitments, escalation chains and objectives.
//!
//! Checks the references and values inside each rule, and warns about rules
//! that are legal but cannot do anything: a target after a catch-all, a
//! target whose condition contradicts itself. A step whose
//! `after` preconditions wait on each other (counting the implicit "previous
//! step") can never become due: that is an error.

use super::values::EndOfDay;
use super::{codes, names, Checker};
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, Deadline, Span};
use std::collections::BTreeMap;

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
            if let Some(grace) = &block.grace {
                self.duration(grace);
            }
            if let Some(calendar) = &block.on {
                self.calendar_ref(calendar);
            }
        }
        for chain in self.decls.escalations.clone() {
            self.escalation(chain);
        }
        for objective in self.decls.objectives.clone() {
            self.objective(objective);
        }
        self.terms();
    }

    fn promise(&mut self, promise: &ast::Promise) {
        let mut catch_all: Option<Span> = None;
        for target in &promise.targets {
            self.deadline(&target.deadline);
            if let Some(earlier) = catch_all {
                self.report(
                    Diagnostic::warning(
                        codes::UNREACHABLE_TARGET,
                        format!("target of promise `{}` can never apply", promise.name.name),
                        target.span,
                    )
                    .with_label(earlier, "this earlier target applies to every case")
                    .with_help("targets are tried in order: move this one above the target without a condition, or remove it"),
                );
            } else if is_catch_all(target) {
                catch_all = Some(target.span);
            }
            self.target_can_apply(promise, target);
        }
        match &promise.warn {
            Some(ast::Warn::At(percent)) => self.percent(percent),
            Some(ast::Warn::Before(duration)) => {
                self.duration(duration);
            }
            None => {}
        }
    }

    /// Warns about a target that can never apply: a self-contradicting condition, or `if before 00:00`.
    fn target_can_apply(&mut self, promise: &ast::Promise, target: &ast::Target) {
        let reason = if let Some(condition) = target.when.as_ref().and_then(contradiction) {
            Some((condition, "its condition can never hold"))
        } else if let Deadline::Cutoff {
            if_before: Some(before),
            ..
        } = &target.deadline
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
                .with_label(span, why)
                .with_help("fix the condition, or remove the target"),
            );
        }
    }

    /// Checks a deadline rule's amounts, times and calendar.
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
                    ast::CutoffDayAst::NextWorkday if on.is_none() => self.report(
                        Diagnostic::error(
                            codes::WORKDAY_WITHOUT_CALENDAR,
                            "`next workday` needs a calendar",
                            *span,
                        )
                        .with_help("add `on CALENDAR` to say which days are working days"),
                    ),
                    _ => {}
                }
                match on {
                    Some(calendar) => {
                        self.calendar_ref(calendar);
                    }
                    None => self.zone_needed(*span, "a cut-off time"),
                }
            }
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
        let mut steps: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, step) in chain.steps.iter().enumerate() {
            if let Some(&earlier) = steps.get(step.name.name.as_str()) {
                let first = chain
                    .steps
                    .get(earlier)
                    .map(|s| s.name.span)
                    .unwrap_or_default();
                self.report(names::duplicate("step", &step.name, first));
            } else {
                steps.insert(step.name.name.as_str(), index);
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
            ast::Action::ChangeVenue { to, .. } => {
                if let ast::VenueTarget::Named(venue) = to {
                    self.venue_ref(venue);
                }
            }
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
                self.report(
                    Diagnostic::error(
                        codes::KEEP_WITHOUT_APPOINT,
                        format!(
                            "step `{}` keeps an appointment it does not make",
                            step.name.name
                        ),
                        keep.span,
                    )
                    .with_help("`keep appointment` belongs to a step whose action is `appoint …`"),
                );
            }
        }
    }

    /// Reports steps whose preconditions can never all complete (a cycle through `after`).
    fn never_due(&mut self, chain: &ast::Escalation, steps: &BTreeMap<&str, usize>) {
        let preconditions: Vec<Vec<usize>> = chain
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| match &step.after {
                Some(after) => after
                    .iter()
                    .filter_map(|n| steps.get(n.name.as_str()).copied())
                    .collect(),
                None => index.checked_sub(1).into_iter().collect(),
            })
            .collect();
        let mut can_be_due = vec![false; chain.steps.len()];
        let mut changed = true;
        while changed {
            changed = false;
            for (index, needs) in preconditions.iter().enumerate() {
                let ready = needs
                    .iter()
                    .all(|&n| can_be_due.get(n).copied().unwrap_or(false));
                if ready && !can_be_due.get(index).copied().unwrap_or(true) {
                    if let Some(flag) = can_be_due.get_mut(index) {
                        *flag = true;
                    }
                    changed = true;
                }
            }
        }
        let never: Vec<&ast::Step> = chain
            .steps
            .iter()
            .enumerate()
            .filter(|(index, _)| !can_be_due.get(*index).copied().unwrap_or(true))
            .map(|(_, step)| step)
            .collect();
        let Some(first) = never.first() else {
            return;
        };
        let names: Vec<String> = never.iter().map(|s| format!("`{}`", s.name.name)).collect();
        let message = match names.as_slice() {
            [one] => format!("step {one} can never become due"),
            many => format!("steps {} can never become due", many.join(", ")),
        };
        let mut diagnostic = Diagnostic::error(codes::STEP_NEVER_DUE, message, first.name.span)
            .with_help("their preconditions wait on each other; a step without `after` waits for the step above it");
        let first_index = chain.steps.iter().position(|s| std::ptr::eq(s, *first));
        let blocker = first_index
            .and_then(|i| preconditions.get(i))
            .and_then(|needs| {
                needs
                    .iter()
                    .find(|&&n| !can_be_due.get(n).copied().unwrap_or(true))
            })
            .and_then(|&n| chain.steps.get(n));
        if let Some(blocker) = blocker {
            let written = first
                .after
                .iter()
                .flatten()
                .find(|name| name.name == blocker.name.name);
            let (span, note) = match written {
                Some(name) if std::ptr::eq(blocker, *first) => {
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

    /// Term durations, and terms in a policy that has no `commitments` block to read them.
    fn terms(&mut self) {
        for term in self.decls.terms.clone() {
            if let ast::TermMeaning::Duration(duration) = &term.meaning {
                self.duration(duration);
            }
        }
        if !self.decls.commitments.is_empty() || !self.is_policy {
            return;
        }
        if let Some(first) = self.decls.terms.first() {
            let count = self.decls.terms.len();
            let subject = if count == 1 {
                format!("term `{}` is", first.word.name)
            } else {
                format!("{count} terms, starting with `{}`, are", first.word.name)
            };
            self.report(
                Diagnostic::warning(
                    codes::UNUSED_TERM,
                    format!("{subject} never used: the policy has no `commitments` block"),
                    first.word.span,
                )
                .with_help("terms give meaning to the wording of promises made during a case; add `commitments { require time keep }` or remove the terms"),
            );
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
fn contradiction(expr: &ast::Expr) -> Option<Span> {
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

/// Whether a target applies to every case: no `when` and no `if before`.
fn is_catch_all(target: &ast::Target) -> bool {
    let conditional_cutoff = matches!(
        target.deadline,
        Deadline::Cutoff {
            if_before: Some(_),
            ..
        }
    );
    target.when.is_none() && !conditional_cutoff
}
