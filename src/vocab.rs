//! The vocabulary a policy declares: its event types with the fields each carries, and the
//! attributes of its cases, each with the values it may hold.
//!
//! A policy (or a file it imports) writes `event NAME { FIELD: TYPE, … }` and
//! `attribute NAME: TYPE`; the checker turns the declarations into a [`Vocabulary`]
//! (`check::vocab`), which checks the policy's own rules at check time, the cases at reading time
//! (`Vocabulary::check_event` and `Vocabulary::check_attributes`, called by the case readers
//! through [`crate::ReadOptions`]) and describes case files as a JSON Schema (`crate::schema`).
//! A policy that declares no event and no attribute has no vocabulary: its words stay free.
//!
//! Every event has the fields of the case readers' table (`at`, `type`, `handler`, `to`, `with`,
//! `venue`, `subject`, `set`, `time`, `due`, `within`, `id`, `ref`): they are never declared. The
//! event types the language's own clauses read are known without being declared when the policy
//! uses those clauses (`promised` and `fulfilled` with a `commitments` block, `appointment` and `met`
//! with an `appoint` action, `notified` with `notify`), and so are the fields the language reads
//! on them besides the table's (`term` and `what` of `promised`). The rules are in
//! `docs/language.md` and `docs/cases.md`.

use crate::case::{Event, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Whether `name` is a field the language defines on every event (the case readers' table), or
/// a key of a JSON Lines line (`case`, `attributes`): no declared field may be called so.
pub fn is_built_in_field(name: &str) -> bool {
    crate::case::event_field_names().contains(&name) || crate::case::line_keys().contains(&name)
}

/// The length from which event type names share one list of [`Vocabulary::by_length`].
const LONG_NAME: usize = 40;

/// The event types the language reads, each with the clause that makes it known and the fields
/// of its own the language reads on it (text fields besides the table's).
pub(crate) const BUILT_IN_TYPES: [(&str, Reader, &[&str]); 5] = [
    ("promised", Reader::Commitments, &["term", "what"]),
    ("fulfilled", Reader::Commitments, &[]),
    ("appointment", Reader::Appoint, &[]),
    ("met", Reader::Appoint, &[]),
    ("notified", Reader::Notify, &[]),
];

/// The clause of a policy that reads a built-in event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reader {
    /// A `commitments` block: `promised` and `fulfilled`.
    Commitments,
    /// A step that makes an appointment: `appointment`, and `met` for `keep appointment`.
    Appoint,
    /// A step that notifies a rank: `notified`.
    Notify,
}

impl Reader {
    /// The clause, as the docs and messages name it.
    pub(crate) fn clause(self) -> &'static str {
        match self {
            Reader::Commitments => "a `commitments` block",
            Reader::Appoint => "an `appoint` step",
            Reader::Notify => "a `notify` step",
        }
    }
}

/// The values a field or attribute may hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `text`: a string.
    Text,
    /// `number`: a number.
    Number,
    /// `boolean`: `true` or `false`.
    Boolean,
    /// `one of [...]`: exactly one of the listed texts and numbers.
    OneOf(Vec<Choice>),
}

/// A value of a `one of` list.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// A text.
    Text(String),
    /// A number.
    Number(f64),
}

impl Choice {
    /// Whether a case value is this choice: the same text, or the same number.
    fn is(&self, value: &Value) -> bool {
        match (self, value) {
            (Choice::Text(choice), Value::Str(text)) => choice == text,
            (Choice::Number(choice), Value::Number(number)) => choice == number,
            _ => false,
        }
    }

    /// The choice as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Choice::Text(text) => serde_json::Value::String(text.clone()),
            Choice::Number(number) => serde_json::Value::from(*number),
        }
    }
}

impl std::fmt::Display for Choice {
    /// As a message shows it: a text in quotes, a number as written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::Text(text) => write!(f, "\"{text}\""),
            Choice::Number(number) => write!(f, "{number}"),
        }
    }
}

impl Kind {
    /// Whether a case value fits: `null` always does (the value is absent).
    pub fn admits(&self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null)
            | (Kind::Text, Value::Str(_))
            | (Kind::Number, Value::Number(_))
            | (Kind::Boolean, Value::Bool(_)) => true,
            (Kind::OneOf(choices), value) => choices.iter().any(|c| c.is(value)),
            _ => false,
        }
    }

    /// The kind as the policy writes it: `text`, `number`, `boolean`, `one of ["A", "B"]`.
    pub fn written(&self) -> String {
        match self {
            Kind::Text => "text".to_owned(),
            Kind::Number => "number".to_owned(),
            Kind::Boolean => "boolean".to_owned(),
            Kind::OneOf(choices) => {
                let listed: Vec<String> = choices.iter().map(Choice::to_string).collect();
                format!("one of [{}]", listed.join(", "))
            }
        }
    }
}

/// A declared field of an event type, or an attribute of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) kind: Kind,
}

impl Slot {
    /// The field's or attribute's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its display label, if the policy gives one.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// The values it may hold.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }
}

/// An event type of the vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct EventType {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    /// Whether the policy declares it (else it is known because a clause of the policy reads it).
    pub(crate) declared: bool,
    /// Its fields besides the table's, declared or read by the language.
    pub(crate) fields: Vec<Slot>,
}

impl EventType {
    /// The event type.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its display label, if the policy gives one.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// Whether the policy declares it; `false` for a type known because the policy's clauses
    /// read it (`promised` with a `commitments` block, …).
    pub fn is_declared(&self) -> bool {
        self.declared
    }
    /// Its fields besides those every event has, in the order declared.
    pub fn fields(&self) -> &[Slot] {
        &self.fields
    }
    /// The field `name` of its own, if it has one.
    pub fn field(&self, name: &str) -> Option<&Slot> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The event types and case attributes a policy declares (see the module documentation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vocabulary {
    /// Declared types in declaration order, then the built-in types the policy reads.
    pub(crate) events: Vec<EventType>,
    /// Each event type's position in `events`, by the length of its name (every name of
    /// [`LONG_NAME`] bytes or more in the last list): an event's type, looked up for every event
    /// read, is compared with the few names of its length only.
    by_length: Vec<Vec<(Box<str>, usize)>>,
    /// Declared attributes in declaration order.
    pub(crate) attributes: Vec<Slot>,
}

/// Where in an event or a case a value that does not fit the vocabulary is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// The event's `type`.
    Type,
    /// One of the event's own fields.
    Field(String),
    /// A key of the event's `set`.
    Set(String),
    /// A key of the case's attributes.
    Attribute(String),
}

/// A value that does not fit the vocabulary: where, and the message of the rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offence {
    pub place: Place,
    pub message: String,
}

impl Vocabulary {
    /// The event types: those the policy declares in the order declared, then those known
    /// because its clauses read them.
    pub fn events(&self) -> &[EventType] {
        &self.events
    }
    /// The event type `name`, if the vocabulary has it.
    pub fn event(&self, name: &str) -> Option<&EventType> {
        let names = self.by_length.get(name.len().min(LONG_NAME))?;
        let &(_, at) = names.iter().find(|(known, _)| **known == *name)?;
        self.events.get(at)
    }
    /// The case attributes, in the order declared.
    pub fn attributes(&self) -> &[Slot] {
        &self.attributes
    }
    /// The attribute `name`, if declared.
    pub fn attribute(&self, name: &str) -> Option<&Slot> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Adds an event type (the checker has made sure the name is new).
    pub(crate) fn add_event(&mut self, event: EventType) {
        let length = event.name.len().min(LONG_NAME);
        if self.by_length.len() <= length {
            self.by_length.resize(length + 1, Vec::new());
        }
        if let Some(names) = self.by_length.get_mut(length) {
            names.push((event.name.as_str().into(), self.events.len()));
        }
        self.events.push(event);
    }

    /// Checks a whole event: its type is in the vocabulary, each of its own fields is a field of
    /// that type holding a value of the field's kind, and each key of its `set` is an attribute
    /// holding a value of its kind. The first problem found is the offence.
    pub(crate) fn check_event(&self, event: &Event) -> Result<(), Offence> {
        let Some(kind) = self.event(&event.kind) else {
            return Err(Offence {
                place: Place::Type,
                message: self.unknown_type(&event.kind),
            });
        };
        for (name, value) in &event.fields {
            let fits = match kind.field(name) {
                Some(slot) => slot.kind.admits(value),
                None => {
                    return Err(Offence {
                        place: Place::Field(name.clone()),
                        message: unknown_field(kind, name),
                    })
                }
            };
            if !fits {
                return Err(Offence {
                    place: Place::Field(name.clone()),
                    message: self.misfit(kind.field(name), name, value),
                });
            }
        }
        self.check_map(&event.set, "set")
            .map_err(|(name, message)| Offence {
                place: Place::Set(name),
                message,
            })
    }

    /// Checks a case's attributes: each is declared and holds a value of its kind.
    pub(crate) fn check_attributes(
        &self,
        attributes: &BTreeMap<String, Value>,
    ) -> Result<(), Offence> {
        self.check_map(attributes, "attributes")
            .map_err(|(name, message)| Offence {
                place: Place::Attribute(name),
                message,
            })
    }

    /// Checks a mapping of attributes written under `field` (`attributes`, `set`).
    fn check_map(
        &self,
        map: &BTreeMap<String, Value>,
        field: &str,
    ) -> Result<(), (String, String)> {
        for (name, value) in map {
            match self.attribute(name) {
                Some(slot) if slot.kind.admits(value) => {}
                Some(slot) => {
                    let path = format!("{field}.{name}");
                    return Err((name.clone(), self.misfit(Some(slot), &path, value)));
                }
                None => {
                    let mut message = format!("attribute `{name}` in `{field}` is not declared");
                    let known = self.attributes.iter().map(|a| a.name.as_str());
                    match crate::check::suggest::closest(name, known) {
                        Some(close) => {
                            let _ = write!(message, " (did you mean `{close}`?)");
                        }
                        None => message.push_str(" by the policy"),
                    }
                    return Err((name.clone(), message));
                }
            }
        }
        Ok(())
    }

    /// The message for an event type the vocabulary does not have.
    fn unknown_type(&self, name: &str) -> String {
        let known = self.events.iter().map(|e| e.name.as_str());
        match crate::check::suggest::closest(name, known) {
            Some(close) => format!("unknown event type `{name}` (did you mean `{close}`?)"),
            None => format!("unknown event type `{name}`: the policy declares no such event"),
        }
    }

    /// The message for a value of `path` that its slot does not admit.
    fn misfit(&self, slot: Option<&Slot>, path: &str, value: &Value) -> String {
        let wanted = match slot.map(|s| &s.kind) {
            Some(Kind::Text) => "a text".to_owned(),
            Some(Kind::Number) => "a number".to_owned(),
            Some(Kind::Boolean) => "`true` or `false`".to_owned(),
            Some(Kind::OneOf(choices)) => {
                let listed: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
                format!("one of {}", listed.join(", "))
            }
            None => "declared".to_owned(),
        };
        let mut message = format!("`{path}` must be {wanted}, found {}", shown(value));
        if let (Some(Kind::OneOf(choices)), Value::Str(text)) = (slot.map(|s| &s.kind), value) {
            let texts = choices.iter().filter_map(|c| match c {
                Choice::Text(choice) => Some(choice.as_str()),
                Choice::Number(_) => None,
            });
            if let Some(close) = crate::check::suggest::closest(text, texts) {
                let _ = write!(message, " (did you mean `\"{close}\"`?)");
            }
        }
        message
    }
}

/// The message for a field that event type `kind` does not have.
fn unknown_field(kind: &EventType, name: &str) -> String {
    let known = kind.fields.iter().map(|f| f.name.as_str());
    let mut message = format!("field `{name}` is not declared for `{}` events", kind.name);
    match crate::check::suggest::closest(name, known) {
        Some(close) => {
            let _ = write!(message, " (did you mean `{close}`?)");
        }
        None if kind.fields.is_empty() => {
            let _ = write!(message, " (they have only the fields every event has)");
        }
        None => {
            let listed: Vec<String> = kind
                .fields
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect();
            let _ = write!(message, " (their own fields are {})", listed.join(", "));
        }
    }
    message
}

/// A case value as a message shows it.
fn shown(value: &Value) -> String {
    match value {
        Value::Str(text) => format!("the text `\"{text}\"`"),
        Value::Number(number) => format!("the number `{number}`"),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Null => "`null`".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let mut vocabulary = Vocabulary {
            attributes: vec![
                Slot {
                    name: "tier".into(),
                    label: None,
                    kind: Kind::OneOf(vec![Choice::Text("A".into()), Choice::Text("vip".into())]),
                },
                Slot {
                    name: "severity".into(),
                    label: None,
                    kind: Kind::Number,
                },
            ],
            ..Vocabulary::default()
        };
        vocabulary.add_event(EventType {
            name: "transferred".into(),
            label: None,
            declared: true,
            fields: vec![Slot {
                name: "reason".into(),
                label: None,
                kind: Kind::OneOf(vec![Choice::Text("unknown".into()), Choice::Number(3.0)]),
            }],
        });
        vocabulary
    }

    fn event(kind: &str, fields: &[(&str, Value)], set: &[(&str, Value)]) -> Event {
        let map = |pairs: &[(&str, Value)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        Event {
            kind: kind.to_owned(),
            fields: map(fields),
            set: map(set),
            ..Event::default()
        }
    }

    #[test]
    fn events_fit_or_say_why_not() {
        let v = vocabulary();
        let text = |s: &str| Value::Str(s.to_owned());
        assert!(v
            .check_event(&event("transferred", &[("reason", text("unknown"))], &[]))
            .is_ok());
        assert!(v
            .check_event(&event(
                "transferred",
                &[("reason", Value::Number(3.0))],
                &[]
            ))
            .is_ok());
        assert!(v
            .check_event(&event("transferred", &[("reason", Value::Null)], &[]))
            .is_ok());
        let offence = |e: Event| v.check_event(&e).unwrap_err();
        assert_eq!(
            offence(event("transfered", &[], &[])),
            Offence {
                place: Place::Type,
                message: "unknown event type `transfered` (did you mean `transferred`?)".into()
            }
        );
        assert_eq!(
            offence(event("transferred", &[("reson", text("x"))], &[])).message,
            "field `reson` is not declared for `transferred` events (did you mean `reason`?)"
        );
        assert_eq!(
            offence(event("transferred", &[("reason", text("3"))], &[])).message,
            "`reason` must be one of `\"unknown\"`, `3`, found the text `\"3\"`"
        );
        assert_eq!(
            offence(event("transferred", &[], &[("tier", text("AA"))])),
            Offence {
                place: Place::Set("tier".into()),
                message: "`set.tier` must be one of `\"A\"`, `\"vip\"`, found the text `\"AA\"` \
                          (did you mean `\"A\"`?)"
                    .into()
            }
        );
        assert_eq!(
            offence(event(
                "transferred",
                &[],
                &[("severty", Value::Number(1.0))]
            ))
            .message,
            "attribute `severty` in `set` is not declared (did you mean `severity`?)"
        );
        let attributes: BTreeMap<String, Value> =
            [("severity".to_owned(), text("3"))].into_iter().collect();
        assert_eq!(
            v.check_attributes(&attributes).unwrap_err().message,
            "`attributes.severity` must be a number, found the text `\"3\"`"
        );
    }
}
