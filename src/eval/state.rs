//! The case state carried by events, and conditions read against it.
//!
//! The state is the case's current handler (the staff member named last by a
//! `handler`, or by the `to` of any event but a `notified` one), its venue (the last `venue` named), its attributes
//! (the case's `attributes`, then each event's `set`) and the staff members
//! the case is about (every `subject` named so far). An event's own changes
//! are applied before the rules look at it.

use crate::case::{Case, Event, Staff, Value};
use crate::syntax::ast::{self, CompareOp, EventPattern, Expr};
use std::collections::{BTreeMap, BTreeSet};

/// The case state after some prefix of its events.
#[derive(Debug, Clone)]
pub(crate) struct CaseState<'c> {
    /// Current attributes.
    pub attributes: BTreeMap<&'c str, &'c Value>,
    /// Current handler.
    pub handler: Option<&'c Staff>,
    /// Current venue.
    pub venue: Option<&'c str>,
    /// Staff ids the case is about.
    pub subjects: BTreeSet<&'c str>,
}

impl<'c> CaseState<'c> {
    /// The state before the first event.
    pub fn new(case: &'c Case) -> Self {
        CaseState {
            attributes: case
                .attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
            handler: None,
            venue: None,
            subjects: BTreeSet::new(),
        }
    }

    /// Applies an event's changes: handler, venue, `set`, subjects.
    pub fn apply(&mut self, event: &'c Event) {
        if let Some(staff) = new_handler(event) {
            self.handler = Some(staff);
        }
        if let Some(venue) = &event.venue {
            self.venue = Some(venue);
        }
        for (key, value) in &event.set {
            self.attributes.insert(key, value);
        }
        self.subjects
            .extend(event.subject.iter().map(String::as_str));
    }
}

/// The staff member an event makes the case's handler: its `to` (a transfer), else its
/// `handler`. On a `notified` event, `to` names who was told, not a new handler.
pub(crate) fn new_handler(event: &Event) -> Option<&Staff> {
    let to = event.to.as_ref().filter(|_| event.kind != "notified");
    to.or(event.handler.as_ref())
}

/// A field value as read by a condition.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field<'a> {
    Str(&'a str),
    Number(f64),
    Bool(bool),
    Null,
}

impl<'a> From<&'a Value> for Field<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Str(s) => Field::Str(s),
            Value::Number(n) => Field::Number(*n),
            Value::Bool(b) => Field::Bool(*b),
            Value::Null => Field::Null,
        }
    }
}

/// Reads `name` from the event (its own fields and built-in ones), if any.
fn event_field<'a>(event: &'a Event, name: &str) -> Option<Field<'a>> {
    if let Some(value) = event.fields.get(name) {
        return Some(value.into());
    }
    let text = match name {
        "type" => Some(event.kind.as_str()),
        "venue" => event.venue.as_deref(),
        "id" => event.id.as_deref(),
        "ref" => event.reference.as_deref(),
        "within" => event.within.as_deref(),
        "handler" => event.handler.as_ref().map(|s| s.id.as_str()),
        "to" => event.to.as_ref().map(|s| s.id.as_str()),
        "with" => event.with.as_ref().map(|s| s.id.as_str()),
        _ => None,
    };
    text.map(Field::Str)
        .or_else(|| event.set.get(name).map(Field::from))
}

/// Reads `name` from the case state: attributes, then `venue` and `handler`.
fn state_field<'a>(state: &'a CaseState<'_>, name: &str) -> Option<Field<'a>> {
    if let Some(value) = state.attributes.get(name) {
        return Some(Field::from(*value));
    }
    match name {
        "venue" => state.venue.map(Field::Str),
        "handler" => state.handler.map(|s| Field::Str(s.id.as_str())),
        _ => None,
    }
}

/// Where a condition reads its fields: an event's fields first (for `where`), then the case state.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a, 'c> {
    /// The event being matched, for `where` filters.
    pub event: Option<&'a Event>,
    /// The case state.
    pub state: &'a CaseState<'c>,
}

impl Scope<'_, '_> {
    fn field(&self, name: &str) -> Option<Field<'_>> {
        self.event
            .and_then(|e| event_field(e, name))
            .or_else(|| state_field(self.state, name))
    }
}

/// Evaluates a condition. A missing field makes `==`, `<`, `in` … false and `!=`, `not in` true.
pub(crate) fn holds(expr: &Expr, scope: Scope<'_, '_>) -> bool {
    match expr {
        Expr::And { left, right, .. } => holds(left, scope) && holds(right, scope),
        Expr::Or { left, right, .. } => holds(left, scope) || holds(right, scope),
        Expr::Not { operand, .. } => !holds(operand, scope),
        Expr::Compare {
            field, op, value, ..
        } => compare(scope.field(&field.name), *op, value),
        Expr::In {
            field,
            negated,
            values,
            ..
        } => {
            let found = scope.field(&field.name);
            let member = values.iter().any(|v| compare(found, CompareOp::Eq, v));
            member != *negated
        }
        Expr::Present { field, .. } => match scope.field(&field.name) {
            None | Some(Field::Null) | Some(Field::Bool(false)) => false,
            Some(Field::Str(s)) => !s.is_empty(),
            Some(_) => true,
        },
    }
}

/// Whether an optional condition holds (no condition always holds).
pub(crate) fn holds_opt(expr: Option<&Expr>, scope: Scope<'_, '_>) -> bool {
    expr.map_or(true, |e| holds(e, scope))
}

/// The number a text reads as, when it reads as a finite one: `"10"` does, `"1e999"`, `"inf"` and
/// `"NaN"` do not (Rust reads them as infinite or not a number, which no case value may be).
fn finite_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Compares a field with a literal. Text that reads as a finite number compares as a number.
fn compare(found: Option<Field<'_>>, op: CompareOp, literal: &ast::Value) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (found, literal) {
        (Some(Field::Str(s)), ast::Value::Str(l)) => Some(s.cmp(l.value.as_str())),
        (Some(Field::Number(n)), ast::Value::Number(l)) => n.partial_cmp(&l.value),
        (Some(Field::Str(s)), ast::Value::Number(l)) => {
            finite_number(s).and_then(|n| n.partial_cmp(&l.value))
        }
        (Some(Field::Number(n)), ast::Value::Str(l)) => {
            finite_number(&l.value).and_then(|l| n.partial_cmp(&l))
        }
        (Some(Field::Bool(b)), ast::Value::Bool(l)) => {
            if b == l.value {
                Some(Ordering::Equal)
            } else {
                None
            }
        }
        _ => None,
    };
    match (op, ordering) {
        (CompareOp::Ne, Some(o)) => o != Ordering::Equal,
        (CompareOp::Ne, None) => true,
        (_, None) => false,
        (CompareOp::Eq, Some(o)) => o == Ordering::Equal,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

/// The event types a policy's rules name, numbered once per policy so that each event is looked
/// up once (by its type's text) and then dispatched by number. The types with a built-in meaning
/// come first, with fixed numbers.
///
/// A policy names a few types, so events are looked up by the length of their type's text: an
/// event's type is compared with the one or few names of its length only.
#[derive(Debug, Clone)]
pub(crate) struct EventTypes<'p> {
    /// The names and their numbers, by length: the names of each length below [`LONG_NAME`],
    /// then every longer name.
    by_length: Vec<Vec<(&'p str, Kind)>>,
    /// How many names are numbered.
    count: Kind,
}

/// The length from which event type names share one list of [`EventTypes`].
const LONG_NAME: usize = 40;

/// The number of an event type among a policy's [`EventTypes`].
pub(crate) type Kind = u32;

/// `promised`: a commitment is made.
pub(crate) const PROMISED: Kind = 0;
/// `fulfilled`: a commitment is kept.
pub(crate) const FULFILLED: Kind = 1;
/// `appointment`: an appointment is booked.
pub(crate) const APPOINTMENT: Kind = 2;
/// `notified`: someone was told.
pub(crate) const NOTIFIED: Kind = 3;
/// `met`: an appointment took place.
pub(crate) const MET: Kind = 4;

impl<'p> EventTypes<'p> {
    /// The built-in types only.
    pub fn new() -> Self {
        let builtin = [
            ("promised", PROMISED),
            ("fulfilled", FULFILLED),
            ("appointment", APPOINTMENT),
            ("notified", NOTIFIED),
            ("met", MET),
        ];
        let mut types = EventTypes {
            by_length: vec![Vec::new(); LONG_NAME + 1],
            count: 0,
        };
        for (name, kind) in builtin {
            let number = types.number(name);
            debug_assert_eq!(number, kind);
        }
        types
    }

    /// The number of `name`, given one if it has none yet.
    fn number(&mut self, name: &'p str) -> Kind {
        if let Some(kind) = self.find(name) {
            return kind;
        }
        let next = self.count;
        self.count = self.count.saturating_add(1);
        if let Some(names) = self.by_length.get_mut(name.len().min(LONG_NAME)) {
            names.push((name, next));
        }
        next
    }

    /// The number of `name`, if it has one.
    fn find(&self, name: &str) -> Option<Kind> {
        let names = self.by_length.get(name.len().min(LONG_NAME))?;
        names
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, kind)| kind)
    }

    /// `pattern` with its type numbered.
    pub fn pattern(&mut self, pattern: &'p EventPattern) -> Pattern<'p> {
        Pattern {
            kind: self.number(&pattern.event.name),
            filter: pattern.filter.as_ref(),
        }
    }

    /// Every pattern of `list`, numbered.
    pub fn patterns(&mut self, list: &'p [EventPattern]) -> Vec<Pattern<'p>> {
        list.iter().map(|p| self.pattern(p)).collect()
    }

    /// `event` as the rules see it: with the number of its type, if a rule names the type.
    pub fn see<'c>(&self, event: &'c Event) -> Seen<'c> {
        Seen {
            event,
            kind: self.find(&event.kind),
        }
    }
}

/// An event pattern with its type numbered by the policy's [`EventTypes`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pattern<'p> {
    /// The event type's number.
    pub kind: Kind,
    /// `where EXPR`.
    pub filter: Option<&'p Expr>,
}

/// An event as the rules see it: the event and the number of its type (`None`: no rule names it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'c> {
    /// The event.
    pub event: &'c Event,
    /// Its type's number.
    pub kind: Option<Kind>,
}

impl Seen<'_> {
    /// Whether the event is of the built-in type `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kind == Some(kind)
    }
}

/// Whether `seen` matches `pattern`: same type, and its `where` filter holds.
pub(crate) fn matches(pattern: &Pattern<'_>, seen: Seen<'_>, state: &CaseState<'_>) -> bool {
    seen.kind == Some(pattern.kind)
        && holds_opt(
            pattern.filter,
            Scope {
                event: Some(seen.event),
                state,
            },
        )
}

/// Whether `seen` matches any of `patterns`.
pub(crate) fn matches_any(patterns: &[Pattern<'_>], seen: Seen<'_>, state: &CaseState<'_>) -> bool {
    patterns.iter().any(|p| matches(p, seen, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{Ident, Span, Spanned, Str};

    fn ident(name: &str) -> Ident {
        Ident {
            name: name.to_string(),
            span: Span::default(),
        }
    }

    fn text(value: &str) -> ast::Value {
        ast::Value::Str(Str {
            value: value.to_string(),
            span: Span::default(),
        })
    }

    fn compare(field: &str, op: CompareOp, value: ast::Value) -> Expr {
        Expr::Compare {
            field: ident(field),
            op,
            value,
            span: Span::default(),
        }
    }

    fn case(attributes: &[(&str, Value)]) -> Case {
        Case {
            id: "C".to_string(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            events: Vec::new(),
            source: None,
            expect: None,
        }
    }

    fn check(expr: &Expr, case: &Case) -> bool {
        let state = CaseState::new(case);
        holds(
            expr,
            Scope {
                event: None,
                state: &state,
            },
        )
    }

    #[test]
    fn event_types_are_found_by_their_whole_text() {
        let long = "a_type_name_longer_than_the_lists_by_length_go";
        let longer = "a_type_name_longer_than_the_lists_by_length_go_on";
        let mut types = EventTypes::new();
        let names = ["resolved", "reopened", "promised", long, longer, "met"];
        let numbers: Vec<Kind> = names.iter().map(|name| types.number(name)).collect();
        assert_eq!(numbers, [5, 6, PROMISED, 7, 8, MET]);
        let see = |kind: &str| {
            let event = Event {
                kind: kind.to_string(),
                ..Event::default()
            };
            types.see(&event).kind
        };
        for (name, number) in names.iter().zip(&numbers) {
            assert_eq!(see(name), Some(*number), "{name}");
        }
        for unknown in [
            "",
            "resolve",
            "resolvedd",
            "Resolved",
            &long[1..],
            "a_type_name_longer",
        ] {
            assert_eq!(see(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn a_missing_field_only_satisfies_negative_tests() {
        let empty = case(&[]);
        assert!(!check(
            &compare("demand", CompareOp::Eq, text("unreasonable")),
            &empty
        ));
        assert!(check(
            &compare("demand", CompareOp::Ne, text("unreasonable")),
            &empty
        ));
        let list = |negated| Expr::In {
            field: ident("tier"),
            negated,
            values: vec![text("A"), text("vip")],
            span: Span::default(),
        };
        assert!(!check(&list(false), &empty));
        assert!(check(&list(true), &empty));
        let present = Expr::Present {
            field: ident("vip"),
            span: Span::default(),
        };
        assert!(!check(&present, &empty));
        assert!(!check(&present, &case(&[("vip", Value::Bool(false))])));
        assert!(check(&present, &case(&[("vip", Value::Bool(true))])));
    }

    #[test]
    fn numbers_compare_as_numbers_even_when_written_as_text() {
        let number = |n| {
            ast::Value::Number(Spanned {
                value: n,
                span: Span::default(),
            })
        };
        let priority = compare("priority", CompareOp::Ge, number(3.0));
        assert!(check(&priority, &case(&[("priority", Value::Number(4.0))])));
        assert!(check(
            &priority,
            &case(&[("priority", Value::Str("10".into()))])
        ));
        assert!(!check(
            &priority,
            &case(&[("priority", Value::Str("2".into()))])
        ));
        assert!(!check(
            &priority,
            &case(&[("priority", Value::Str("high".into()))])
        ));
        // Text that Rust reads as an infinite number, or not a number, is text.
        for text in ["1e999", "inf", "-inf", "NaN", "infinity"] {
            assert!(
                !check(&priority, &case(&[("priority", Value::Str(text.into()))])),
                "{text}"
            );
            let below = compare("priority", CompareOp::Lt, number(3.0));
            assert!(
                !check(&below, &case(&[("priority", Value::Str(text.into()))])),
                "{text}"
            );
        }
    }
}
