//! The one table of event fields: each field's name, the kind of value it holds and where the
//! value goes in an [`Event`]. Both readers of an event use it — the general reader over a tree
//! of values (`build::event`, for YAML, JSON and unusual JSON Lines lines) and the fast scanner
//! of JSON Lines lines (`scan::line`) — each reading the kinds of value in its own way
//! ([`FieldValue`]); the light look at a line (`peek::case_of`) and the JSON Lines reader take
//! the line-level names [`CASE`] and [`ATTRIBUTES`] from here. A new event field is a row of
//! [`event_fields!`] (and a field of [`Event`]).

use super::{Event, Staff, Value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The field of a JSON Lines line naming its case.
pub(super) const CASE: &str = "case";

/// The field of a JSON Lines line (or a case) giving the case's attributes.
pub(super) const ATTRIBUTES: &str = "attributes";

/// How one reader reads each kind of field value; `field` names the field, for messages.
pub(super) trait FieldValue {
    /// Why a value cannot be read.
    type Error;
    /// A timestamp.
    fn instant(self, field: &'static str) -> Result<DateTime<Utc>, Self::Error>;
    /// A text.
    fn text(self, field: &'static str) -> Result<String, Self::Error>;
    /// A venue: a text that is one of the policy's venues when the reader is given them.
    fn venue(self, field: &'static str) -> Result<String, Self::Error>;
    /// A staff member `{id, rank}`.
    fn staff(self, field: &'static str) -> Result<Staff, Self::Error>;
    /// A text or a list of texts.
    fn texts(self, field: &'static str) -> Result<Vec<String>, Self::Error>;
    /// A mapping of scalars.
    fn scalars(self, field: &'static str) -> Result<BTreeMap<String, Value>, Self::Error>;
}

/// An event being read: the event, and its two required fields until both are known.
pub(super) struct Reading<'e> {
    /// The event's other fields.
    pub event: &'e mut Event,
    /// `at`, once read.
    pub at: Option<DateTime<Utc>>,
    /// `type`, once read.
    pub kind: Option<String>,
}

/// Declares the event fields: `Variant = "name", kind, |reading, value| where it goes;`.
macro_rules! event_fields {
    ($($variant:ident = $name:literal, $kind:ident, |$r:ident, $v:ident| $store:expr;)*) => {
        /// A field of an event with a place of its own (every other field is kept in
        /// [`Event::fields`] when its value is a scalar).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum EventField {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl EventField {
            /// Every event field, in the order of the table.
            #[cfg(test)]
            pub const ALL: &'static [EventField] = &[$(EventField::$variant,)*];

            /// The name of every event field, in the order of the table.
            pub const NAMES: &'static [&'static str] = &[$($name,)*];

            /// The field named `name`, if it has a place of its own.
            #[inline]
            pub fn named(name: &str) -> Option<EventField> {
                match name {
                    $($name => Some(EventField::$variant),)*
                    _ => None,
                }
            }

            /// The kind of value the field holds: the name of its [`FieldValue`] method.
            #[cfg(test)]
            pub fn kind(self) -> &'static str {
                match self {
                    $(EventField::$variant => stringify!($kind),)*
                }
            }

            /// The field's name.
            #[cfg(test)]
            pub fn name(self) -> &'static str {
                match self {
                    $(EventField::$variant => $name,)*
                }
            }

            /// Reads the field's value from `value` into `reading`.
            #[inline(always)]
            pub fn read<V: FieldValue>(self, value: V, reading: &mut Reading<'_>) -> Result<(), V::Error> {
                match self {
                    $(EventField::$variant => {
                        let $v = value.$kind($name)?;
                        let $r = reading;
                        $store;
                    })*
                }
                Ok(())
            }
        }
    };
}

event_fields! {
    At = "at", instant, |r, v| r.at = Some(v);
    Type = "type", text, |r, v| r.kind = Some(v);
    Handler = "handler", staff, |r, v| r.event.handler = Some(v);
    To = "to", staff, |r, v| r.event.to = Some(v);
    With = "with", staff, |r, v| r.event.with = Some(v);
    Venue = "venue", venue, |r, v| r.event.venue = Some(v);
    Subject = "subject", texts, |r, v| r.event.subject = v;
    Set = "set", scalars, |r, v| r.event.set = v;
    Time = "time", instant, |r, v| r.event.time = Some(v);
    Due = "due", instant, |r, v| r.event.due = Some(v);
    Within = "within", text, |r, v| r.event.within = Some(v);
    Id = "id", text, |r, v| r.event.id = Some(v);
    Ref = "ref", text, |r, v| r.event.reference = Some(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_name_their_fields() {
        for field in EventField::ALL {
            assert_eq!(EventField::named(field.name()), Some(*field));
        }
        assert_eq!(EventField::named(CASE), None);
        assert_eq!(EventField::named(ATTRIBUTES), None);
    }
}
