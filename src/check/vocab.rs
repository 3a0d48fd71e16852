//! The vocabulary: `event` and `attribute` declarations made into a [`Vocabulary`], and every
//! rule checked against it.
//!
//! With a vocabulary (a policy that declares at least one event or attribute, itself or through
//! its imports), every event type a rule names must be in it (`E0223`), every field a condition
//! reads must be declared where the condition reads it (`E0224`): in a `where`, a field of that
//! event type, a field every event has that conditions read (`type`, `venue`, `id`, `ref`,
//! `within`, `handler`, `to`, `with`), or an attribute; elsewhere an attribute, or the case's
//! `venue` or `handler`. A value compared with a field must fit its type (`E0225`), and a condition
//! that no declared values can make true is a warning (`W0108`). A declared field that every
//! event has, or that the language reads by itself, is refused (`E0227`). Without a vocabulary
//! none of this applies.

use super::{codes, names, rules, Checker};
use crate::compile::condition::reads_event_slot;
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, CompareOp, Expr, Ident, Span};
use crate::vocab::{
    is_built_in_field, Choice, EventType, Kind, Reader, Slot, Vocabulary, BUILT_IN_TYPES,
};
use std::collections::{BTreeMap, BTreeSet};

/// The fields every event has that a condition reads by name (`type`, `venue`, `id`, `ref`,
/// `within`, `handler`, `to`, `with`; the others are not readable).
fn readable_event_fields() -> impl Iterator<Item = &'static str> {
    crate::case::event_field_names()
        .iter()
        .copied()
        .filter(|name| reads_event_slot(name))
}

/// The most combinations of field values the analysis of one condition tries (`W0108`); a
/// condition with more is not analysed.
const MAX_COMBINATIONS: usize = 4096;

/// Where a condition reads its fields: the case (`applies when`, `target when`), or an event of a
/// type and then the case (`where`).
#[derive(Clone, Copy)]
enum Scope<'v> {
    Case,
    Event(&'v EventType),
}

/// A thing the rules use: an event pattern (with its `where`), or a condition on the case.
enum Use<'a> {
    Pattern(&'a ast::EventPattern),
    Condition(&'a Expr),
}

impl<'a> Checker<'a> {
    /// The vocabulary the `event` and `attribute` declarations make, or `None` when the policy
    /// declares neither. Reports declared fields that the language already defines (`E0227`);
    /// names declared twice are reported by [`Checker::names`] and their first declaration kept.
    pub(super) fn vocabulary(&mut self) -> Option<Vocabulary> {
        if self.decls.events.is_empty() && self.decls.attributes.is_empty() {
            return None;
        }
        let readers = self.readers();
        let mut vocabulary = Vocabulary::default();
        for decl in self.decls.events.clone() {
            if vocabulary.event(&decl.name.name).is_some() {
                continue;
            }
            let language = language_fields(&decl.name.name);
            let mut fields: Vec<Slot> = Vec::new();
            for field in &decl.fields {
                let name = field.name.name.as_str();
                if is_built_in_field(name) {
                    self.report(built_in_field(field, "every event has it"));
                } else if language.contains(&name) {
                    let why = format!(
                        "`{}` events carry it as a text, which the language reads",
                        decl.name.name
                    );
                    self.report(built_in_field(field, &why));
                } else if !fields.iter().any(|f| f.name == name) {
                    fields.push(slot(field));
                }
            }
            fields.extend(language.iter().map(|name| text_slot(name)));
            vocabulary.add_event(EventType {
                name: decl.name.name.clone(),
                label: decl.label.as_ref().map(|l| l.value.clone()),
                declared: true,
                fields,
            });
        }
        for (name, reader, language) in BUILT_IN_TYPES {
            if readers.contains(&reader) && vocabulary.event(name).is_none() {
                vocabulary.add_event(EventType {
                    name: name.to_owned(),
                    label: None,
                    declared: false,
                    fields: language.iter().map(|name| text_slot(name)).collect(),
                });
            }
        }
        for decl in self.decls.attributes.clone() {
            if vocabulary.attribute(&decl.name.name).is_none() {
                vocabulary.attributes.push(slot(decl));
            }
        }
        Some(vocabulary)
    }

    /// The clauses of the policy that read built-in event types.
    fn readers(&self) -> BTreeSet<Reader> {
        let mut readers = BTreeSet::new();
        if !self.decls.commitments.is_empty() {
            readers.insert(Reader::Commitments);
        }
        for step in self.decls.escalations.iter().flat_map(|e| &e.steps) {
            match step.action {
                ast::Action::Appoint { .. } => {
                    readers.insert(Reader::Appoint);
                }
                ast::Action::Notify { .. } => {
                    readers.insert(Reader::Notify);
                }
                _ => {}
            }
        }
        readers
    }

    /// Checks every event type and condition of the rules against `vocabulary`.
    pub(super) fn vocabulary_uses(&mut self, vocabulary: &Vocabulary) {
        for used in self.uses() {
            match used {
                Use::Condition(expr) => self.condition(vocabulary, Scope::Case, expr),
                Use::Pattern(pattern) => {
                    let Some(kind) = vocabulary.event(&pattern.event.name) else {
                        self.unknown_event(vocabulary, &pattern.event);
                        continue;
                    };
                    if let Some(filter) = &pattern.filter {
                        self.condition(vocabulary, Scope::Event(kind), filter);
                    }
                }
            }
        }
    }

    /// Every event pattern and every condition on the case of the rules, in declaration order.
    fn uses(&self) -> Vec<Use<'a>> {
        let mut uses = Vec::new();
        let patterns = |uses: &mut Vec<Use<'a>>, list: &'a [ast::EventPattern]| {
            uses.extend(list.iter().map(Use::Pattern));
        };
        let condition = |uses: &mut Vec<Use<'a>>, expr: &'a Option<Expr>| {
            uses.extend(expr.iter().map(Use::Condition));
        };
        for promise in self.decls.promises.iter().copied() {
            condition(&mut uses, &promise.applies);
            patterns(&mut uses, &promise.from);
            patterns(&mut uses, &promise.until);
            for pause in &promise.pauses {
                patterns(&mut uses, &pause.on);
                patterns(&mut uses, &pause.resume);
            }
            patterns(&mut uses, &promise.restart);
            for target in &promise.targets {
                condition(&mut uses, &target.when);
            }
        }
        for standard in self.decls.standards.iter().copied() {
            condition(&mut uses, &standard.applies);
            let pair = match &standard.rule {
                ast::StandardRule::AtMost { event, before, .. }
                | ast::StandardRule::RequireBefore { event, before, .. } => [event, before],
                ast::StandardRule::RequireWithin { event, after, .. } => [event, after],
            };
            uses.extend(pair.into_iter().map(Use::Pattern));
        }
        for chain in self.decls.escalations.iter().copied() {
            condition(&mut uses, &chain.applies);
            let triggers = chain
                .triggers
                .iter()
                .chain(chain.steps.iter().filter_map(|s| s.trigger.as_ref()));
            for trigger in triggers {
                if let ast::Trigger::Event { pattern, .. } = trigger {
                    uses.push(Use::Pattern(pattern));
                }
            }
            for step in &chain.steps {
                if let ast::Action::Do { pattern, .. } = &step.action {
                    uses.push(Use::Pattern(pattern));
                }
            }
            patterns(&mut uses, &chain.stop);
        }
        for objective in self.decls.objectives.iter().copied() {
            condition(&mut uses, &objective.applies);
        }
        uses
    }

    /// `E0223` for an event type the vocabulary does not have.
    fn unknown_event(&mut self, vocabulary: &Vocabulary, name: &Ident) {
        let known: Vec<&str> = if self.may_suggest() {
            vocabulary.events().iter().map(|e| e.name()).collect()
        } else {
            Vec::new()
        };
        let reader = BUILT_IN_TYPES
            .iter()
            .find(|(built_in, _, _)| *built_in == name.name)
            .map(|(_, reader, _)| reader.clause());
        let help = match reader {
            Some(clause) => format!(
                "`{}` is known without declaring it only in a policy with {clause}; otherwise declare it with `event {}`",
                name.name, name.name
            ),
            None => format!(
                "declare it with `event {}` (and its fields: `event {} {{ FIELD: text }}`)",
                name.name, name.name
            ),
        };
        self.report(names::unknown(
            codes::UNKNOWN_EVENT,
            "event type",
            name,
            &known,
            &help,
        ));
    }

    /// Checks the fields a condition reads in `scope` (`E0224`, `E0225`) and, when they are all
    /// fine, whether the condition can hold at all (`W0108`).
    fn condition(&mut self, vocabulary: &Vocabulary, scope: Scope<'_>, expr: &Expr) {
        let mut atoms = Vec::new();
        collect_atoms(expr, &mut atoms);
        let mut fine = true;
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        let mut domains: BTreeMap<&str, (Option<Vec<Held>>, Span)> = BTreeMap::new();
        for atom in &atoms {
            let Some(field) = atom_field(atom) else {
                continue;
            };
            let kinds = self.kinds(vocabulary, scope, &field.name);
            if kinds.is_empty() {
                fine = false;
                if reported.insert(field.name.as_str()) {
                    self.unknown_field(vocabulary, scope, field);
                }
                continue;
            }
            for (op, value) in atom_values(atom) {
                if let Some(diagnostic) = misfit(field, &kinds, op, value) {
                    fine = false;
                    self.report(diagnostic);
                }
            }
            domains
                .entry(field.name.as_str())
                .or_insert_with(|| (domain(&kinds), field.span));
        }
        if fine {
            self.never_holds(expr, &domains);
        }
    }

    /// The kinds of value the field `name` may hold when read in `scope`: one per declaration it
    /// may read (an event's own field, a field every event has, an attribute); none when it reads
    /// nothing declared.
    fn kinds(&self, vocabulary: &Vocabulary, scope: Scope<'_>, name: &str) -> Vec<Kind> {
        let venues = || match self.decls.tables.venues.keys().copied().collect::<Vec<_>>() {
            names if names.is_empty() => Kind::Text,
            names => Kind::OneOf(
                names
                    .into_iter()
                    .map(|n| Choice::Text(n.to_owned()))
                    .collect(),
            ),
        };
        let mut kinds = Vec::new();
        if let Scope::Event(kind) = scope {
            if let Some(slot) = kind.field(name) {
                kinds.push(slot.kind.clone());
            }
            match name {
                "type" => kinds.push(Kind::OneOf(vec![Choice::Text(kind.name.clone())])),
                // The event's venue and handler are read like the case's, below.
                "venue" | "handler" => {}
                _ if reads_event_slot(name) => kinds.push(Kind::Text),
                _ => {}
            }
        }
        if let Some(slot) = vocabulary.attribute(name) {
            kinds.push(slot.kind.clone());
        }
        // The event's or the case's venue and handler (after the case's attributes).
        match name {
            "venue" => kinds.push(venues()),
            "handler" => kinds.push(Kind::Text),
            _ => {}
        }
        kinds
    }

    /// `E0224` for a field that reads nothing declared in `scope`.
    fn unknown_field(&mut self, vocabulary: &Vocabulary, scope: Scope<'_>, field: &Ident) {
        let name = field.name.as_str();
        let mut known: Vec<&str> = vocabulary.attributes().iter().map(Slot::name).collect();
        known.extend(["venue", "handler"]);
        let (what, otherwise) = match scope {
            Scope::Event(kind) => {
                known.extend(kind.fields().iter().map(Slot::name));
                for readable in readable_event_fields() {
                    known.push(readable);
                }
                (
                    format!("field `{name}` of `{}` events", kind.name),
                    format!(
                        "declare it as a field of the event, `event {} {{ {name}: text }}`, or as an attribute of the case, `attribute {name}: text`",
                        kind.name
                    ),
                )
            }
            Scope::Case => {
                let owner = vocabulary
                    .events()
                    .iter()
                    .find(|e| e.field(name).is_some())
                    .map(|e| e.name.clone());
                let otherwise = match owner {
                    Some(owner) => format!(
                        "`{name}` is a field of `{owner}` events, not of the case: read it in a `where` on `{owner}`, or declare `attribute {name}: …`"
                    ),
                    None => format!(
                        "declare it with `attribute {name}: text` (or `number`, `boolean`, `one of [...]`)"
                    ),
                };
                (format!("attribute `{name}`"), otherwise)
            }
        };
        let otherwise = if is_built_in_field(name) && !reads_event_slot(name) {
            let readable: Vec<String> = readable_event_fields().map(|n| format!("`{n}`")).collect();
            format!(
                "a condition cannot read `{name}`; it reads {}, the event's own fields and the attributes",
                readable.join(", ")
            )
        } else {
            otherwise
        };
        let close = if self.may_suggest() {
            crate::check::suggest::closest(name, known)
        } else {
            None
        };
        // A misspelt field of an event, read on the case: the closest field of any event type,
        // with where it is read.
        let elsewhere = match (close, scope) {
            (None, Scope::Case) if self.may_suggest() => {
                let fields = vocabulary
                    .events()
                    .iter()
                    .flat_map(|e| e.fields().iter().map(move |f| (f.name(), e.name.as_str())));
                let names: Vec<&str> = fields.clone().map(|(field, _)| field).collect();
                crate::check::suggest::closest(name, names)
                    .and_then(|close| fields.clone().find(|(field, _)| *field == close))
            }
            _ => None,
        };
        let help = match (close, elsewhere) {
            (Some(close), _) => format!("did you mean `{close}`?"),
            (None, Some((close, owner))) => format!(
                "did you mean `{close}`? It is a field of `{owner}` events, not of the case: read it in a `where` on `{owner}`"
            ),
            (None, None) => otherwise,
        };
        self.report(
            Diagnostic::error(codes::UNKNOWN_FIELD, format!("unknown {what}"), field.span)
                .with_help(help),
        );
    }

    /// `W0108` when no values the fields of `expr` may hold make it true; a condition that
    /// contradicts itself whatever the values is left to `W0102` (or to no one).
    fn never_holds(&mut self, expr: &Expr, domains: &BTreeMap<&str, (Option<Vec<Held>>, Span)>) {
        if domains.values().all(|(domain, _)| domain.is_none())
            || rules::contradiction(expr).is_some()
        {
            return;
        }
        let free: BTreeMap<&str, Option<Vec<Held>>> =
            domains.keys().map(|name| (*name, None)).collect();
        let typed: BTreeMap<&str, Option<Vec<Held>>> = domains
            .iter()
            .map(|(name, (domain, _))| (*name, domain.clone()))
            .collect();
        if can_hold(expr, &free) != Some(true) || can_hold(expr, &typed) != Some(false) {
            return;
        }
        let mut diagnostic = Diagnostic::warning(
            codes::CONDITION_NEVER_HOLDS,
            "condition can never hold with the values its fields are declared to have",
            expr.span(),
        );
        for (name, (domain, span)) in domains {
            if let Some(values) = domain {
                let listed: Vec<String> = values
                    .iter()
                    .filter(|v| **v != Held::Absent)
                    .map(|v| format!("`{v}`"))
                    .collect();
                diagnostic = diagnostic.with_label(
                    *span,
                    format!("`{name}` is one of {}, or absent", listed.join(", ")),
                );
            }
        }
        self.report(diagnostic.with_help(
            "the rule this condition belongs to can never apply: compare the values with the field's declaration",
        ));
    }
}

/// The fields of promised events and the like that the language reads besides the table's.
fn language_fields(event: &str) -> &'static [&'static str] {
    BUILT_IN_TYPES
        .iter()
        .find(|(name, _, _)| *name == event)
        .map_or(&[], |(_, _, fields)| fields)
}

/// `E0227` for a declared field the language already defines.
fn built_in_field(field: &ast::FieldDecl, why: &str) -> Diagnostic {
    Diagnostic::error(
        codes::BUILT_IN_FIELD,
        format!("field `{}` needs no declaration: {why}", field.name.name),
        field.name.span,
    )
    .with_help(format!(
        "remove `{}` from the declaration (docs/cases.md lists the fields the language defines)",
        field.name.name
    ))
}

/// The slot a declaration makes.
fn slot(decl: &ast::FieldDecl) -> Slot {
    Slot {
        name: decl.name.name.clone(),
        label: decl.label.as_ref().map(|l| l.value.clone()),
        kind: match &decl.kind {
            ast::ValueType::Text { .. } => Kind::Text,
            ast::ValueType::Number { .. } => Kind::Number,
            ast::ValueType::Boolean { .. } => Kind::Boolean,
            ast::ValueType::OneOf { values, .. } => Kind::OneOf(
                values
                    .iter()
                    .map(|value| match value {
                        ast::Value::Str(text) => Choice::Text(text.value.clone()),
                        ast::Value::Number(number) => Choice::Number(number.value),
                        // The grammar has no booleans in `one of`; one would read as its text.
                        ast::Value::Bool(flag) => Choice::Text(flag.value.to_string()),
                    })
                    .collect(),
            ),
        },
    }
}

/// A text field the language reads.
fn text_slot(name: &str) -> Slot {
    Slot {
        name: name.to_owned(),
        label: None,
        kind: Kind::Text,
    }
}

/// The tests of `expr` (comparisons, list tests, presence tests), in order.
fn collect_atoms<'e>(expr: &'e Expr, atoms: &mut Vec<&'e Expr>) {
    match expr {
        Expr::And { left, right, .. } | Expr::Or { left, right, .. } => {
            collect_atoms(left, atoms);
            collect_atoms(right, atoms);
        }
        Expr::Not { operand, .. } => collect_atoms(operand, atoms),
        Expr::Compare { .. } | Expr::In { .. } | Expr::Present { .. } => atoms.push(expr),
    }
}

/// The field a test reads.
fn atom_field(atom: &Expr) -> Option<&Ident> {
    match atom {
        Expr::Compare { field, .. } | Expr::In { field, .. } | Expr::Present { field, .. } => {
            Some(field)
        }
        _ => None,
    }
}

/// The values a test compares its field with, each with its operator (`in` is `==` per value).
fn atom_values(atom: &Expr) -> Vec<(CompareOp, &ast::Value)> {
    match atom {
        Expr::Compare { op, value, .. } => vec![(*op, value)],
        Expr::In { values, .. } => values.iter().map(|v| (CompareOp::Eq, v)).collect(),
        _ => Vec::new(),
    }
}

/// The span of a literal.
fn value_span(value: &ast::Value) -> Span {
    match value {
        ast::Value::Str(text) => text.span,
        ast::Value::Number(number) => number.span,
        ast::Value::Bool(flag) => flag.span,
    }
}

/// `E0225` when `value`, compared with `op`, fits none of the kinds `field` may hold.
fn misfit(field: &Ident, kinds: &[Kind], op: CompareOp, value: &ast::Value) -> Option<Diagnostic> {
    let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
    if kinds.iter().any(|kind| fits(kind, ordering, value)) {
        return None;
    }
    let name = &field.name;
    let shown = literal_text(value);
    let first = kinds.first()?;
    let (message, help) = match (first, value) {
        (Kind::Boolean, ast::Value::Bool(_)) => (
            format!("`{name}` is `true` or `false`: it has no order"),
            format!("compare it with `==` or `!=`, or test it alone: `{name}`, `not {name}`"),
        ),
        (Kind::OneOf(choices), _) if !ordering && same_type(choices, value) => {
            let texts: Vec<String> = choices.iter().map(Choice::to_string).collect();
            let close = crate::check::suggest::closest(&shown, texts.iter().map(String::as_str));
            let help = match close {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("`{name}` is declared `one of [{}]`", texts.join(", ")),
            };
            (
                format!("`{name}` is never {shown}: it is not among its values"),
                help,
            )
        }
        (kind, _) => (
            format!(
                "`{name}` is {}, compared with {}",
                kind_phrase(kind),
                value_phrase(value)
            ),
            retyped(name, op, kind, value),
        ),
    };
    Some(
        Diagnostic::error(codes::VALUE_OUTSIDE_TYPE, message, value_span(value))
            .with_label(
                field.span,
                format!("`{name}` is declared `{}`", first.written()),
            )
            .with_help(help),
    )
}

/// The help for a value of the wrong type: the comparison written with a value of the field's
/// type, when the value reads as one.
fn retyped(name: &str, op: CompareOp, kind: &Kind, value: &ast::Value) -> String {
    let op = op.text();
    let numeric = |kind: &Kind| match kind {
        Kind::Number => true,
        Kind::OneOf(choices) => choices.iter().any(|c| matches!(c, Choice::Number(_))),
        _ => false,
    };
    match value {
        ast::Value::Str(text)
            if numeric(kind) && crate::compile::condition::finite_number(&text.value).is_some() =>
        {
            format!(
                "write the number without quotes: `{name} {op} {}`",
                text.value.trim()
            )
        }
        ast::Value::Number(number) if matches!(kind, Kind::Text) => {
            format!(
                "write the text in quotes: `{name} {op} \"{}\"`",
                number.value
            )
        }
        _ => format!("`{name}` is declared `{}`", kind.written()),
    }
}

/// Whether a value of `kind` can be compared with `value` (with an ordering operator or not).
fn fits(kind: &Kind, ordering: bool, value: &ast::Value) -> bool {
    match (kind, value) {
        (Kind::Text, ast::Value::Str(_)) | (Kind::Number, ast::Value::Number(_)) => true,
        (Kind::Boolean, ast::Value::Bool(_)) => !ordering,
        (Kind::OneOf(choices), value) if ordering => same_type(choices, value),
        (Kind::OneOf(choices), value) => choices.iter().any(|choice| match (choice, value) {
            (Choice::Text(choice), ast::Value::Str(text)) => *choice == text.value,
            (Choice::Number(choice), ast::Value::Number(number)) => *choice == number.value,
            _ => false,
        }),
        _ => false,
    }
}

/// Whether some choice is of the type of `value` (text or number).
fn same_type(choices: &[Choice], value: &ast::Value) -> bool {
    choices.iter().any(|choice| {
        matches!(
            (choice, value),
            (Choice::Text(_), ast::Value::Str(_)) | (Choice::Number(_), ast::Value::Number(_))
        )
    })
}

/// A literal as the policy writes it.
fn literal_text(value: &ast::Value) -> String {
    match value {
        ast::Value::Str(text) => format!("\"{}\"", text.value),
        ast::Value::Number(number) => number.value.to_string(),
        ast::Value::Bool(flag) => flag.value.to_string(),
    }
}

/// "a number", "a text", … for messages.
fn kind_phrase(kind: &Kind) -> String {
    match kind {
        Kind::Text => "a text".to_owned(),
        Kind::Number => "a number".to_owned(),
        Kind::Boolean => "`true` or `false`".to_owned(),
        Kind::OneOf(choices) => {
            let texts: Vec<String> = choices.iter().map(Choice::to_string).collect();
            format!("one of {}", texts.join(", "))
        }
    }
}

/// "the text `"3"`", "the number `3`", … for messages.
fn value_phrase(value: &ast::Value) -> String {
    match value {
        ast::Value::Str(_) => format!("the text `{}`", literal_text(value)),
        ast::Value::Number(_) => format!("the number `{}`", literal_text(value)),
        ast::Value::Bool(_) => format!("`{}`", literal_text(value)),
    }
}

/// A value a field may hold, for the analysis of a condition.
#[derive(Debug, Clone, PartialEq)]
enum Held {
    Text(String),
    Number(f64),
    Bool(bool),
    Absent,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::Text(text) => write!(f, "\"{text}\""),
            Held::Number(number) => write!(f, "{number}"),
            Held::Bool(flag) => write!(f, "{flag}"),
            Held::Absent => f.write_str("absent"),
        }
    }
}

/// The values a field of these kinds may hold, absent among them, when they are few; `None` for
/// a text or a number.
fn domain(kinds: &[Kind]) -> Option<Vec<Held>> {
    let mut values = vec![Held::Absent];
    for kind in kinds {
        let more = match kind {
            Kind::Text | Kind::Number => return None,
            Kind::Boolean => vec![Held::Bool(true), Held::Bool(false)],
            Kind::OneOf(choices) => choices
                .iter()
                .map(|choice| match choice {
                    Choice::Text(text) => Held::Text(text.clone()),
                    Choice::Number(number) => Held::Number(*number),
                })
                .collect(),
        };
        for value in more {
            if !values.contains(&value) {
                values.push(value);
            }
        }
    }
    Some(values)
}

/// Whether some values of its fields make `expr` true: the fields with a domain take each of its
/// values, and each different test of a field without one is true or false freely (so the answer
/// is `true` whenever it might be). `None` when there are too many combinations to try.
fn can_hold(expr: &Expr, domains: &BTreeMap<&str, Option<Vec<Held>>>) -> Option<bool> {
    let mut atoms = Vec::new();
    collect_atoms(expr, &mut atoms);
    // The tests of fields without a domain, each once.
    let mut free: Vec<String> = Vec::new();
    for atom in &atoms {
        let field = atom_field(atom)?;
        if domains
            .get(field.name.as_str())
            .map_or(true, Option::is_none)
        {
            let key = rules::condition_key(atom);
            if !free.contains(&key) {
                free.push(key);
            }
        }
    }
    let finite: Vec<(&str, &Vec<Held>)> = domains
        .iter()
        .filter_map(|(name, domain)| Some((*name, domain.as_ref()?)))
        .collect();
    let mut combinations = 1usize;
    for (_, values) in &finite {
        combinations = combinations.checked_mul(values.len())?;
    }
    combinations =
        combinations.checked_mul(1usize.checked_shl(u32::try_from(free.len()).ok()?)?)?;
    if combinations > MAX_COMBINATIONS {
        return None;
    }
    for combination in 0..combinations {
        let mut rest = combination;
        let mut assigned: BTreeMap<&str, &Held> = BTreeMap::new();
        for (name, values) in &finite {
            assigned.insert(name, values.get(rest % values.len())?);
            rest /= values.len();
        }
        let bits = rest;
        let world = World {
            assigned: &assigned,
            free: &free,
            bits,
        };
        if world.holds(expr) {
            return Some(true);
        }
    }
    Some(false)
}

/// One combination of values: each field with a domain has a value, each free test a truth.
struct World<'w> {
    assigned: &'w BTreeMap<&'w str, &'w Held>,
    free: &'w [String],
    bits: usize,
}

impl World<'_> {
    fn holds(&self, expr: &Expr) -> bool {
        match expr {
            Expr::And { left, right, .. } => self.holds(left) && self.holds(right),
            Expr::Or { left, right, .. } => self.holds(left) || self.holds(right),
            Expr::Not { operand, .. } => !self.holds(operand),
            atom => {
                let Some(field) = atom_field(atom) else {
                    return false;
                };
                match self.assigned.get(field.name.as_str()) {
                    Some(held) => test(held, atom),
                    None => {
                        let key = rules::condition_key(atom);
                        let bit = self.free.iter().position(|k| *k == key).unwrap_or(0);
                        (self.bits >> bit) & 1 == 1
                    }
                }
            }
        }
    }
}

/// Whether a test holds for a field holding `held`, as the evaluator decides (`eval::state`).
fn test(held: &Held, atom: &Expr) -> bool {
    match atom {
        Expr::Compare { op, value, .. } => compare(held, *op, value),
        Expr::In {
            negated, values, ..
        } => values.iter().any(|v| compare(held, CompareOp::Eq, v)) != *negated,
        Expr::Present { .. } => match held {
            Held::Absent | Held::Bool(false) => false,
            Held::Text(text) => !text.is_empty(),
            Held::Number(_) | Held::Bool(true) => true,
        },
        _ => false,
    }
}

/// A comparison as the evaluator makes it: text that reads as a number compares as one.
fn compare(held: &Held, op: CompareOp, literal: &ast::Value) -> bool {
    use crate::compile::condition::finite_number;
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (held, literal) {
        (Held::Text(s), ast::Value::Str(t)) => Some(s.as_str().cmp(t.value.as_str())),
        (Held::Number(n), ast::Value::Number(l)) => n.partial_cmp(&l.value),
        (Held::Text(s), ast::Value::Number(l)) => {
            finite_number(s).and_then(|n| n.partial_cmp(&l.value))
        }
        (Held::Number(n), ast::Value::Str(t)) => {
            finite_number(&t.value).and_then(|l| n.partial_cmp(&l))
        }
        (Held::Bool(b), ast::Value::Bool(l)) => (*b == l.value).then_some(Ordering::Equal),
        _ => None,
    };
    op.holds(ordering)
}
