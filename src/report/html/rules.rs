//! What the pictures read from the checked policy: rule labels, the text of declarations and
//! clauses as written, the calendars rules count on, and objective thresholds.
//!
//! Every read of the policy's declarations by the pictures goes through the few functions here,
//! so that the rest of `report::html` depends on names and texts, not on how a [`Policy`] holds
//! its rules.

use crate::check::Policy;
use crate::syntax::ast::{Action, Deadline, Span, StandardRule, TermMeaning, Warn};
use crate::time::Calendar;

/// The text of `span` in the policy's sources, without the white space around it.
fn source(policy: &Policy, span: Span) -> Option<&str> {
    policy
        .sources()
        .get(span.file)
        .and_then(|file| file.text.get(span.start..span.end))
        .map(str::trim)
}

/// The text of a declaration at `span`, its lines after the first moved left by the indentation
/// of its first line (a step's declaration inside its chain reads as if written alone).
fn declaration(policy: &Policy, span: Span) -> Option<String> {
    let file = policy.sources().get(span.file)?;
    let text = source(policy, span)?;
    let line_start = file
        .text
        .get(..span.start)?
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let indent = file.text.get(line_start..span.start)?;
    let indent = &indent[..indent.len() - indent.trim_start().len()];
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        out.push_str(line.strip_prefix(indent).unwrap_or(line));
    }
    Some(out)
}

/// The text from the start of `first` to the end of `last`.
fn source_between(policy: &Policy, first: Span, last: Span) -> Option<&str> {
    source(
        policy,
        Span {
            file: first.file,
            start: first.start,
            end: last.end.max(first.start),
        },
    )
}

/// The policy's name and `version`.
pub fn header(policy: &Policy) -> (&str, Option<u64>) {
    (policy.name(), policy.version())
}

/// The policy's timezone: instants are shown in it, and ticks are its round local times.
pub fn zone(policy: &Policy) -> Option<chrono_tz::Tz> {
    policy.timezone()
}

/// The calendar named `name`.
pub fn calendar<'p>(policy: &'p Policy, name: &str) -> Option<&'p Calendar> {
    policy.calendar(name)
}

/// What a rule of the policy is: its declaration as written and its display label.
#[derive(Debug, Clone, Default)]
pub struct RuleText<'p> {
    /// The whole declaration, as written (comments inside it included).
    pub declaration: Option<String>,
    /// The display label (`"首次答复"`), if declared.
    pub label: Option<&'p str>,
}

/// The promise named `name`.
pub fn promise<'p>(policy: &'p Policy, name: &str) -> RuleText<'p> {
    policy
        .syntax()
        .promises
        .iter()
        .find(|p| p.name.name == name)
        .map(|p| RuleText {
            declaration: declaration(policy, p.span),
            label: p.label.as_ref().map(|l| l.value.as_str()),
        })
        .unwrap_or_default()
}

/// The standard named `name`.
pub fn standard<'p>(policy: &'p Policy, name: &str) -> RuleText<'p> {
    policy
        .syntax()
        .standards
        .iter()
        .find(|s| s.name.name == name)
        .map(|s| RuleText {
            declaration: declaration(policy, s.span),
            label: s.label.as_ref().map(|l| l.value.as_str()),
        })
        .unwrap_or_default()
}

/// The escalation chain named `name`.
pub fn escalation<'p>(policy: &'p Policy, name: &str) -> RuleText<'p> {
    policy
        .syntax()
        .escalations
        .iter()
        .find(|e| e.name.name == name)
        .map(|e| RuleText {
            declaration: declaration(policy, e.span),
            label: e.label.as_ref().map(|l| l.value.as_str()),
        })
        .unwrap_or_default()
}

/// The step `step` of the chain `chain`.
pub fn step<'p>(policy: &'p Policy, chain: &str, step: &str) -> RuleText<'p> {
    policy
        .syntax()
        .escalations
        .iter()
        .find(|e| e.name.name == chain)
        .and_then(|e| e.steps.iter().find(|s| s.name.name == step))
        .map(|s| RuleText {
            declaration: declaration(policy, s.span),
            label: s.label.as_ref().map(|l| l.value.as_str()),
        })
        .unwrap_or_default()
}

/// The `commitments { … }` block.
pub fn commitments(policy: &Policy) -> RuleText<'_> {
    RuleText {
        declaration: policy
            .syntax()
            .commitments
            .as_ref()
            .and_then(|c| declaration(policy, c.span)),
        label: None,
    }
}

/// The objective named `name`.
pub fn objective<'p>(policy: &'p Policy, name: &str) -> RuleText<'p> {
    policy
        .syntax()
        .objectives
        .iter()
        .find(|o| o.name.name == name)
        .map(|o| RuleText {
            declaration: declaration(policy, o.span),
            label: o.label.as_ref().map(|l| l.value.as_str()),
        })
        .unwrap_or_default()
}

/// The clauses of a promise that the marks of its clock lanes quote, as written.
#[derive(Debug, Clone, Default)]
pub struct PromiseClauses<'p> {
    /// `from opened, escalated_from_hotline`.
    pub from: Option<String>,
    /// `until resolved, withdrawn where by == "customer"`.
    pub until: Option<String>,
    /// `warn at 75%` / `warn 4h before`.
    pub warn: Option<String>,
    /// `restart on reopened`.
    pub restart: Option<String>,
    /// Each `pause on … resume on …` clause: the reason its stretches are reported with, and the
    /// clause.
    pub pauses: Vec<(String, &'p str)>,
}

/// The clauses of the promise named `name` (empty when there is none).
pub fn promise_clauses<'p>(policy: &'p Policy, name: &str) -> PromiseClauses<'p> {
    let Some(p) = policy
        .syntax()
        .promises
        .iter()
        .find(|p| p.name.name == name)
    else {
        return PromiseClauses::default();
    };
    let list = |word: &str, patterns: &[crate::syntax::ast::EventPattern]| {
        let (first, last) = (patterns.first()?, patterns.last()?);
        Some(format!(
            "{word} {}",
            source_between(policy, first.span, last.span)?
        ))
    };
    PromiseClauses {
        from: list(
            if p.from_each.is_some() {
                "from each"
            } else {
                "from"
            },
            &p.from,
        ),
        until: list("until", &p.until),
        warn: p.warn.as_ref().and_then(|warn| match warn {
            Warn::At(percent) => Some(format!("warn at {}", source(policy, percent.span)?)),
            Warn::Before(d) => Some(format!("warn {} before", source(policy, d.span)?)),
        }),
        restart: list("restart on", &p.restart),
        pauses: crate::compile::pause_reasons(&p.pauses)
            .into_iter()
            .zip(&p.pauses)
            .filter_map(|(reason, pause)| Some((reason, source(policy, pause.span)?)))
            .collect(),
    }
}

/// The calendar whose open time `deadline` counts: `within D on CAL`, `within N workdays on
/// CAL`, and the same through a term; none for elapsed time and cut-offs (which are instants).
fn counted_on<'p>(policy: &'p Policy, deadline: &'p Deadline) -> Option<&'p str> {
    let term = |name: &str| {
        policy
            .syntax()
            .terms
            .iter()
            .find(|t| t.word.name == name)
            .map(|t| &t.meaning)
    };
    match deadline {
        Deadline::Within { on, .. } => on.as_ref().map(|on| on.name.as_str()),
        Deadline::Workdays { on, .. } => Some(on.name.as_str()),
        Deadline::Cutoff { .. } => None,
        Deadline::WithinTerm { term: word, on, .. } => match term(&word.name)? {
            TermMeaning::Amount(amount) => amount.on().or(on.as_ref()).map(|on| on.name.as_str()),
            TermMeaning::Deadline(_) | TermMeaning::Vague(_) => None,
        },
        Deadline::Term { term: word, .. } => match term(&word.name)? {
            // A term's deadline is written out: it names no other term.
            TermMeaning::Deadline(
                inner @ (Deadline::Within { .. }
                | Deadline::Workdays { .. }
                | Deadline::Cutoff { .. }),
            ) => counted_on(policy, inner),
            _ => None,
        },
    }
}

/// The rule of the standard named `name`, as written (`at most 1 transferred before responded`).
pub fn standard_rule<'p>(policy: &'p Policy, name: &str) -> Option<&'p str> {
    let s = policy
        .syntax()
        .standards
        .iter()
        .find(|s| s.name.name == name)?;
    let span = match &s.rule {
        StandardRule::AtMost { span, .. }
        | StandardRule::RequireBefore { span, .. }
        | StandardRule::RequireWithin { span, .. } => *span,
    };
    source(policy, span)
}

/// What the step `step` of the chain `chain` asks, as written: its action, then its `within`
/// and `keep appointment` clauses (`change handler to rank above current; within 15m`).
pub fn step_rule(policy: &Policy, chain: &str, step: &str) -> Option<String> {
    let s = policy
        .syntax()
        .escalations
        .iter()
        .find(|e| e.name.name == chain)?
        .steps
        .iter()
        .find(|s| s.name.name == step)?;
    let action = match &s.action {
        Action::ChangeHandler { span, .. }
        | Action::ChangeVenue { span, .. }
        | Action::Appoint { span, .. }
        | Action::Notify { span, .. }
        | Action::Do { span, .. } => *span,
    };
    let within = s.within.as_ref().map(Deadline::span);
    let keep = s.keep_appointment.as_ref().map(|k| k.span);
    let parts: Vec<&str> = [Some(action), within, keep]
        .into_iter()
        .flatten()
        .filter_map(|span| source(policy, span))
        .collect();
    Some(parts.join("; "))
}

/// The calendar whose open time the standard named `name` counts (`require … within D on CAL
/// after …`), with its name.
pub fn standard_calendar<'p>(policy: &'p Policy, name: &str) -> Option<(&'p str, &'p Calendar)> {
    let s = policy
        .syntax()
        .standards
        .iter()
        .find(|s| s.name.name == name)?;
    let StandardRule::RequireWithin { deadline, .. } = &s.rule else {
        return None;
    };
    let on = counted_on(policy, deadline)?;
    Some((on, calendar(policy, on)?))
}

/// The calendar whose open time the step `step` of the chain `chain` counts, with its name.
pub fn step_calendar<'p>(
    policy: &'p Policy,
    chain: &str,
    step: &str,
) -> Option<(&'p str, &'p Calendar)> {
    let s = policy
        .syntax()
        .escalations
        .iter()
        .find(|e| e.name.name == chain)?
        .steps
        .iter()
        .find(|s| s.name.name == step)?;
    let on = counted_on(policy, s.within.as_ref()?)?;
    Some((on, calendar(policy, on)?))
}

/// The threshold of the objective named `name`: whether it is `at least` (else `at most`), and
/// the percentage.
pub fn objective_threshold(policy: &Policy, name: &str) -> Option<(bool, f64)> {
    let o = policy
        .syntax()
        .objectives
        .iter()
        .find(|o| o.name.name == name)?;
    Some((o.measure.at_least, o.measure.percent.value))
}
