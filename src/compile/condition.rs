//! Conditions and event patterns, compiled.
//!
//! A condition is compiled into a flat [`Condition`]: a list of field tests and forward jumps
//! that a loop runs with one running truth value (see `eval::state::holds`). `a and b` is `a`,
//! then "if false, jump past `b`", then `b`; `a or b` the same with "if true". A `not` is pushed
//! down to the tests (`not (a and b)` is `not a or not b`), so a chain of `not`s costs nothing
//! and the tests need no stack. Jumps that land on a jump of the same kind go straight to its
//! target, so a chain `a and b and c …` skips to its end in one jump. Compiling walks the
//! condition with a work list, not by recursion, so neither compiling nor running a condition
//! uses stack in proportion to its depth.
//!
//! A test names its field once: the event slot or state slot the name reads (`type`, `venue`,
//! `handler`, …) is found when compiling, and a text literal is read as a number once.
//!
//! Event types named by rules are numbered once per policy ([`EventTypes`]), so an event's type
//! is looked up once and the rules compare numbers.

use super::CompileError;
use crate::syntax::ast::{self, CompareOp, Expr};
use std::num::NonZeroUsize;

/// A compiled condition; an empty one always holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Condition {
    ops: Vec<Op>,
}

/// One step of a [`Condition`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Tests a field; the result becomes the running value.
    Test(Test),
    /// When the running value is false, skips ahead this many steps (past the end: done).
    SkipIfFalse(NonZeroUsize),
    /// When the running value is true, skips ahead this many steps.
    SkipIfTrue(NonZeroUsize),
}

/// A test of one field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Test {
    /// The field read.
    pub field: Field,
    /// What is tested.
    pub check: Check,
    /// Whether the result is negated (a `not` above it, or `not in`).
    pub negated: bool,
}

/// What a [`Test`] checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// `field OP literal`.
    Compare(CompareOp, Literal),
    /// `field in [literals]`.
    In(Vec<Literal>),
    /// `field` alone: present and not `false`, null or empty.
    Present,
}

/// A literal of a condition, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// Text, with the finite number it reads as, if any (text compares with numbers as a number).
    Text {
        /// The text.
        text: Box<str>,
        /// The number it reads as.
        number: Option<f64>,
    },
    /// A number.
    Number(f64),
    /// `true` / `false`.
    Bool(bool),
}

/// A field name with the built-in slots it reads, resolved once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// The name as written: the key of event fields, `set` values and attributes.
    pub name: Box<str>,
    /// The event's own slot of that name (read after its fields), if any.
    pub event: Option<EventSlot>,
    /// The case state's slot of that name (read after its attributes), if any.
    pub state: Option<StateSlot>,
}

/// A slot of an event that a condition can read by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventSlot {
    /// `type`.
    Type,
    /// `venue`.
    Venue,
    /// `id`.
    Id,
    /// `ref`.
    Ref,
    /// `within`.
    Within,
    /// `handler` (its id).
    Handler,
    /// `to` (its id).
    To,
    /// `with` (its id).
    With,
}

/// A slot of the case state that a condition can read by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateSlot {
    /// The current venue.
    Venue,
    /// The current handler's id.
    Handler,
}

impl Field {
    fn new(name: &str) -> Self {
        let event = match name {
            "type" => Some(EventSlot::Type),
            "venue" => Some(EventSlot::Venue),
            "id" => Some(EventSlot::Id),
            "ref" => Some(EventSlot::Ref),
            "within" => Some(EventSlot::Within),
            "handler" => Some(EventSlot::Handler),
            "to" => Some(EventSlot::To),
            "with" => Some(EventSlot::With),
            _ => None,
        };
        let state = match name {
            "venue" => Some(StateSlot::Venue),
            "handler" => Some(StateSlot::Handler),
            _ => None,
        };
        Field {
            name: name.into(),
            event,
            state,
        }
    }
}

/// Whether a condition reads the field of every event called `name` (`type`, `venue`, …) when it
/// is not an event field of the event's own.
pub(crate) fn reads_event_slot(name: &str) -> bool {
    Field::new(name).event.is_some()
}

/// The number a text reads as, when it reads as a finite one: `"10"` does, `"1e999"`, `"inf"` and
/// `"NaN"` do not (Rust reads them as infinite or not a number, which no case value may be).
pub(crate) fn finite_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

impl Condition {
    /// The condition that always holds (no `when`, no `where`, no `applies when`).
    pub fn always() -> Self {
        Condition::default()
    }

    /// The steps to run.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// `expr` compiled; `None` always holds.
    pub fn compile(expr: Option<&Expr>) -> Result<Self, CompileError> {
        let Some(expr) = expr else {
            return Ok(Condition::always());
        };
        let mut ops = lower(expr)?;
        thread_jumps(&mut ops);
        // A policy holds its conditions for as long as it lives: without the room `push` left.
        ops.shrink_to_fit();
        Ok(Condition { ops })
    }
}

/// What is left to do while lowering a condition.
enum Work<'e> {
    /// Lower this expression, negated or not.
    Expr(&'e Expr, bool),
    /// The left operand of an `and` (`true`) or `or` (`false`) is lowered: add its jump.
    Jump(bool),
    /// The right operand is lowered: point the last open jump here.
    Land,
}

/// Lowers `expr` into steps, without recursion.
fn lower(expr: &Expr) -> Result<Vec<Op>, CompileError> {
    let mut ops = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut work = vec![Work::Expr(expr, false)];
    while let Some(item) = work.pop() {
        match item {
            Work::Expr(Expr::Not { operand, .. }, negated) => {
                work.push(Work::Expr(operand, !negated));
            }
            Work::Expr(Expr::And { left, right, .. }, negated) => {
                // `not (a and b)` is `not a or not b`.
                work.extend([
                    Work::Land,
                    Work::Expr(right, negated),
                    Work::Jump(!negated),
                    Work::Expr(left, negated),
                ]);
            }
            Work::Expr(Expr::Or { left, right, .. }, negated) => {
                work.extend([
                    Work::Land,
                    Work::Expr(right, negated),
                    Work::Jump(negated),
                    Work::Expr(left, negated),
                ]);
            }
            Work::Expr(leaf, negated) => ops.push(Op::Test(test(leaf, negated)?)),
            Work::Jump(and) => {
                open.push(ops.len());
                let placeholder = NonZeroUsize::MIN;
                ops.push(if and {
                    Op::SkipIfFalse(placeholder)
                } else {
                    Op::SkipIfTrue(placeholder)
                });
            }
            Work::Land => {
                let end = ops.len();
                let jump = open.pop().and_then(|at| {
                    let skip = NonZeroUsize::new(end.checked_sub(at)?)?;
                    match ops.get_mut(at)? {
                        Op::SkipIfFalse(s) | Op::SkipIfTrue(s) => *s = skip,
                        Op::Test(_) => return None,
                    }
                    Some(())
                });
                if jump.is_none() {
                    return Err(CompileError::new(
                        expr.span(),
                        "a condition's jumps do not pair up",
                    ));
                }
            }
        }
    }
    Ok(ops)
}

/// Makes each jump that lands on a jump go where that one leads: on one of the same kind, to its
/// target (the running value is the same); on one of the other kind, just past it (it is not taken).
fn thread_jumps(ops: &mut [Op]) {
    // From the end: a jump's target, later in the list, is already threaded.
    for at in (0..ops.len()).rev() {
        let (skip, if_true) = match ops.get(at) {
            Some(Op::SkipIfFalse(s)) => (s.get(), false),
            Some(Op::SkipIfTrue(s)) => (s.get(), true),
            _ => continue,
        };
        let extra = match ops.get(at + skip) {
            Some(Op::SkipIfTrue(s)) if if_true => s.get(),
            Some(Op::SkipIfFalse(s)) if !if_true => s.get(),
            Some(Op::SkipIfTrue(_) | Op::SkipIfFalse(_)) => 1,
            _ => 0,
        };
        if let (Some(Op::SkipIfFalse(s) | Op::SkipIfTrue(s)), Some(total)) =
            (ops.get_mut(at), NonZeroUsize::new(skip + extra))
        {
            *s = total;
        }
    }
}

/// A leaf of a condition as a test.
fn test(leaf: &Expr, negated: bool) -> Result<Test, CompileError> {
    let (field, check, negated) = match leaf {
        Expr::Compare {
            field, op, value, ..
        } => (field, Check::Compare(*op, literal(value)), negated),
        Expr::In {
            field,
            negated: not_in,
            values,
            ..
        } => (
            field,
            Check::In(values.iter().map(literal).collect()),
            negated != *not_in,
        ),
        Expr::Present { field, .. } => (field, Check::Present, negated),
        Expr::And { span, .. } | Expr::Or { span, .. } | Expr::Not { span, .. } => {
            return Err(CompileError::new(*span, "an operator taken for a test"))
        }
    };
    Ok(Test {
        field: Field::new(&field.name),
        check,
        negated,
    })
}

fn literal(value: &ast::Value) -> Literal {
    match value {
        ast::Value::Str(s) => Literal::Text {
            text: s.value.as_str().into(),
            number: finite_number(&s.value),
        },
        ast::Value::Number(n) => Literal::Number(n.value),
        ast::Value::Bool(b) => Literal::Bool(b.value),
    }
}

/// The event types a policy's rules name, numbered once per policy so that each event is looked
/// up once (by its type's text) and then dispatched by number. The types with a built-in meaning
/// come first, with fixed numbers.
///
/// A policy names a few types, so events are looked up by the length of their type's text: an
/// event's type is compared with the one or few names of its length only.
#[derive(Debug, Clone)]
pub(crate) struct EventTypes {
    /// The names and their numbers, by length: the names of each length below [`LONG_NAME`],
    /// then every longer name.
    by_length: Vec<Vec<(Box<str>, Kind)>>,
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

impl EventTypes {
    /// The built-in types only.
    pub fn new() -> Self {
        let mut types = EventTypes {
            by_length: vec![Vec::new(); LONG_NAME + 1],
            count: 0,
        };
        for name in ["promised", "fulfilled", "appointment", "notified", "met"] {
            types.number(name);
        }
        types
    }

    /// The number of `name`, given one if it has none yet.
    pub fn number(&mut self, name: &str) -> Kind {
        if let Some(kind) = self.find(name) {
            return kind;
        }
        let next = self.count;
        self.count = self.count.saturating_add(1);
        if let Some(names) = self.by_length.get_mut(name.len().min(LONG_NAME)) {
            names.push((name.into(), next));
        }
        next
    }

    /// The number of `name`, if a rule names it.
    pub fn find(&self, name: &str) -> Option<Kind> {
        let names = self.by_length.get(name.len().min(LONG_NAME))?;
        names
            .iter()
            .find(|(known, _)| **known == *name)
            .map(|&(_, kind)| kind)
    }

    /// `pattern` compiled, its type numbered.
    pub fn pattern(&mut self, pattern: &ast::EventPattern) -> Result<Pattern, CompileError> {
        Ok(Pattern {
            kind: self.number(&pattern.event.name),
            filter: Condition::compile(pattern.filter.as_ref())?,
        })
    }

    /// Every pattern of `list`, compiled.
    pub fn patterns(&mut self, list: &[ast::EventPattern]) -> Result<Vec<Pattern>, CompileError> {
        list.iter().map(|p| self.pattern(p)).collect()
    }
}

/// An event pattern: an event type's number and its `where` filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    /// The event type's number.
    pub kind: Kind,
    /// `where EXPR` (always holds without one).
    pub filter: Condition,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{Ident, Span};

    #[test]
    fn event_types_are_found_by_their_whole_text() {
        let long = "a_type_name_longer_than_the_lists_by_length_go";
        let longer = "a_type_name_longer_than_the_lists_by_length_go_on";
        let mut types = EventTypes::new();
        let names = ["resolved", "reopened", "promised", long, longer, "met"];
        let numbers: Vec<Kind> = names.iter().map(|name| types.number(name)).collect();
        assert_eq!(numbers, [5, 6, PROMISED, 7, 8, MET]);
        assert_eq!(
            ["promised", "fulfilled", "appointment", "notified", "met"].map(|n| types.find(n)),
            [PROMISED, FULFILLED, APPOINTMENT, NOTIFIED, MET].map(Some)
        );
        for (name, number) in names.iter().zip(&numbers) {
            assert_eq!(types.find(name), Some(*number), "{name}");
        }
        for unknown in [
            "",
            "resolve",
            "resolvedd",
            "Resolved",
            &long[1..],
            "a_type_name_longer",
        ] {
            assert_eq!(types.find(unknown), None, "{unknown}");
        }
    }

    fn present(name: &str) -> Expr {
        Expr::Present {
            field: Ident {
                name: name.to_string(),
                span: Span::default(),
            },
            span: Span::default(),
        }
    }

    fn not(operand: Expr) -> Expr {
        Expr::Not {
            operand: Box::new(operand),
            span: Span::default(),
        }
    }

    fn and(left: Expr, right: Expr) -> Expr {
        Expr::And {
            left: Box::new(left),
            right: Box::new(right),
            span: Span::default(),
        }
    }

    fn or(left: Expr, right: Expr) -> Expr {
        Expr::Or {
            left: Box::new(left),
            right: Box::new(right),
            span: Span::default(),
        }
    }

    /// The steps of a condition, as text: `a`, `!a` for a negated test, `F3`/`T3` for jumps.
    fn shape(expr: &Expr) -> String {
        let condition = Condition::compile(Some(expr)).unwrap();
        condition
            .ops()
            .iter()
            .map(|op| match op {
                Op::Test(t) => format!("{}{}", if t.negated { "!" } else { "" }, t.field.name),
                Op::SkipIfFalse(s) => format!("F{s}"),
                Op::SkipIfTrue(s) => format!("T{s}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn conditions_are_flat_lists_of_tests_and_forward_jumps() {
        let (a, b, c) = (present("a"), present("b"), present("c"));
        assert_eq!(shape(&and(a.clone(), b.clone())), "a F2 b");
        assert_eq!(shape(&or(a.clone(), b.clone())), "a T2 b");
        // A chain of `and` jumps to its end at once.
        assert_eq!(
            shape(&and(and(a.clone(), b.clone()), c.clone())),
            "a F4 b F2 c"
        );
        // `not` goes down to the tests; two cancel out.
        assert_eq!(shape(&not(and(a.clone(), b.clone()))), "!a T2 !b");
        assert_eq!(shape(&not(not(a.clone()))), "a");
        // A jump past the other kind of jump lands just after it.
        assert_eq!(shape(&and(or(a, b), c)), "a T3 b F2 c");
    }

    #[test]
    fn deep_chains_of_not_compile_without_recursion() {
        let mut expr = present("a");
        for _ in 0..100_001 {
            expr = not(expr);
        }
        assert_eq!(shape(&expr), "!a");
        // The syntax tree itself is dropped one level at a time.
        while let Expr::Not { operand, .. } = expr {
            expr = *operand;
        }
    }
}
