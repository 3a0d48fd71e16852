//! The case state carried by events, and conditions read against it.
//!
//! The state is the case's current handler (the staff member named last by a
//! `handler`, or by the `to` of any event but a `notified` one), its venue (the last `venue` named), its attributes
//! (the case's `attributes`, then each event's `set`) and the staff members
//! the case is about (every `subject` named so far). An event's own changes
//! are applied before the rules look at it.
//!
//! Conditions arrive compiled (`crate::compile::condition`): [`holds`] runs one as a loop over
//! its tests and forward jumps, with no recursion.

use crate::case::{Case, Event, Staff, Value};
use crate::compile::condition::{
    Check, Condition, EventSlot, EventTypes, Field, Kind, Literal, Op, Pattern, StateSlot, Test,
};
use crate::compile::CompareOp;
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
enum Found<'a> {
    Str(&'a str),
    Number(f64),
    Bool(bool),
    Null,
}

impl<'a> From<&'a Value> for Found<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Str(s) => Found::Str(s),
            Value::Number(n) => Found::Number(*n),
            Value::Bool(b) => Found::Bool(*b),
            Value::Null => Found::Null,
        }
    }
}

/// Reads `field` from the event: its own fields, then its slot of that name, then its `set`.
fn event_field<'a>(event: &'a Event, field: &Field) -> Option<Found<'a>> {
    if let Some(value) = event.fields.get(&*field.name) {
        return Some(value.into());
    }
    let text = field.event.and_then(|slot| match slot {
        EventSlot::Type => Some(event.kind.as_str()),
        EventSlot::Venue => event.venue.as_deref(),
        EventSlot::Id => event.id.as_deref(),
        EventSlot::Ref => event.reference.as_deref(),
        EventSlot::Within => event.within.as_deref(),
        EventSlot::Handler => event.handler.as_ref().map(|s| s.id.as_str()),
        EventSlot::To => event.to.as_ref().map(|s| s.id.as_str()),
        EventSlot::With => event.with.as_ref().map(|s| s.id.as_str()),
    });
    text.map(Found::Str)
        .or_else(|| event.set.get(&*field.name).map(Found::from))
}

/// Reads `field` from the case state: attributes, then its slot (`venue`, `handler`).
fn state_field<'a>(state: &'a CaseState<'_>, field: &Field) -> Option<Found<'a>> {
    if let Some(value) = state.attributes.get(&*field.name) {
        return Some(Found::from(*value));
    }
    match field.state? {
        StateSlot::Venue => state.venue.map(Found::Str),
        StateSlot::Handler => state.handler.map(|s| Found::Str(s.id.as_str())),
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
    fn field(&self, field: &Field) -> Option<Found<'_>> {
        self.event
            .and_then(|e| event_field(e, field))
            .or_else(|| state_field(self.state, field))
    }
}

/// Evaluates a condition (an empty one holds). A missing field makes `==`, `<`, `in` … false and
/// `!=`, `not in` true.
///
/// The condition is a list of tests and forward jumps: the loop keeps one running value, so its
/// depth costs no stack, and it ends because every jump goes forward.
pub(crate) fn holds(condition: &Condition, scope: Scope<'_, '_>) -> bool {
    let ops = condition.ops();
    let mut value = true;
    let mut at = 0;
    while let Some(op) = ops.get(at) {
        at += match op {
            Op::Test(test) => {
                value = passes(test, scope);
                1
            }
            Op::SkipIfFalse(skip) if !value => skip.get(),
            Op::SkipIfTrue(skip) if value => skip.get(),
            Op::SkipIfFalse(_) | Op::SkipIfTrue(_) => 1,
        };
    }
    value
}

/// Whether one test passes.
fn passes(test: &Test, scope: Scope<'_, '_>) -> bool {
    let found = scope.field(&test.field);
    let result = match &test.check {
        Check::Compare(op, literal) => compare(found, *op, literal),
        Check::In(values) => values.iter().any(|v| compare(found, CompareOp::Eq, v)),
        Check::Present => match found {
            None | Some(Found::Null) | Some(Found::Bool(false)) => false,
            Some(Found::Str(s)) => !s.is_empty(),
            Some(_) => true,
        },
    };
    result != test.negated
}

/// Compares a field with a literal. Text that reads as a finite number compares as a number.
fn compare(found: Option<Found<'_>>, op: CompareOp, literal: &Literal) -> bool {
    use crate::compile::condition::finite_number;
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (found, literal) {
        (Some(Found::Str(s)), Literal::Text { text, .. }) => Some(s.cmp(text)),
        (Some(Found::Number(n)), Literal::Number(l)) => n.partial_cmp(l),
        (Some(Found::Str(s)), Literal::Number(l)) => {
            finite_number(s).and_then(|n| n.partial_cmp(l))
        }
        (Some(Found::Number(n)), Literal::Text { number, .. }) => {
            number.and_then(|l| n.partial_cmp(&l))
        }
        (Some(Found::Bool(b)), Literal::Bool(l)) => (b == *l).then_some(Ordering::Equal),
        _ => None,
    };
    op.holds(ordering)
}

/// An event as the rules see it: the event and the number of its type (`None`: no rule names it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'c> {
    /// The event.
    pub event: &'c Event,
    /// Its type's number.
    pub kind: Option<Kind>,
}

impl<'c> Seen<'c> {
    /// `event` as the rules of a policy with event types `types` see it.
    pub fn new(types: &EventTypes, event: &'c Event) -> Self {
        Seen {
            event,
            kind: types.find(&event.kind),
        }
    }

    /// Whether the event is of the built-in type `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kind == Some(kind)
    }
}

/// Whether `seen` matches `pattern`: same type, and its `where` filter holds.
pub(crate) fn matches(pattern: &Pattern, seen: Seen<'_>, state: &CaseState<'_>) -> bool {
    seen.kind == Some(pattern.kind)
        && holds(
            &pattern.filter,
            Scope {
                event: Some(seen.event),
                state,
            },
        )
}

/// Whether `seen` matches any of `patterns`.
pub(crate) fn matches_any(patterns: &[Pattern], seen: Seen<'_>, state: &CaseState<'_>) -> bool {
    patterns.iter().any(|p| matches(p, seen, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{self, Expr, Ident, Span, Spanned, Str};
    use proptest::prelude::*;

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
            &Condition::compile(Some(expr)).unwrap(),
            Scope {
                event: None,
                state: &state,
            },
        )
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

    /// A condition over the boolean attributes `a` to `d`.
    fn condition() -> impl Strategy<Value = Expr> {
        let leaf = prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(|name| Expr::Present {
            field: ident(name),
            span: Span::default(),
        });
        leaf.prop_recursive(8, 64, 2, |inner| {
            let boxed = |e: Expr| Box::new(e);
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(move |(l, r)| Expr::And {
                    left: boxed(l),
                    right: boxed(r),
                    span: Span::default(),
                }),
                (inner.clone(), inner.clone()).prop_map(move |(l, r)| Expr::Or {
                    left: boxed(l),
                    right: boxed(r),
                    span: Span::default(),
                }),
                inner.prop_map(move |e| Expr::Not {
                    operand: boxed(e),
                    span: Span::default(),
                }),
            ]
        })
    }

    /// The meaning of a condition over `a` to `d`, read off the syntax tree.
    fn meaning(expr: &Expr, truth: &dyn Fn(&str) -> bool) -> bool {
        match expr {
            Expr::And { left, right, .. } => meaning(left, truth) && meaning(right, truth),
            Expr::Or { left, right, .. } => meaning(left, truth) || meaning(right, truth),
            Expr::Not { operand, .. } => !meaning(operand, truth),
            Expr::Present { field, .. } => truth(&field.name),
            _ => unreachable!(),
        }
    }

    proptest! {
        /// The compiled condition (tests and jumps) means what the syntax tree says.
        #[test]
        fn compiled_conditions_mean_what_they_say(expr in condition(), bits in 0u8..16) {
            let names = ["a", "b", "c", "d"];
            let truth = |name: &str| {
                names.iter().position(|n| *n == name).is_some_and(|i| bits & (1 << i) != 0)
            };
            let attributes: Vec<(&str, Value)> =
                names.iter().map(|n| (*n, Value::Bool(truth(n)))).collect();
            prop_assert_eq!(check(&expr, &case(&attributes)), meaning(&expr, &truth));
        }
    }
}
