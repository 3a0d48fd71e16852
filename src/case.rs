//! Cases and their events, and the readers for YAML, JSON and JSONL case files.
//!
//! A reader never stops at a bad case: each malformed case is returned as a
//! [`Rejected`] entry with its file and line, and the others are returned
//! normally, so the counts of a batch always add up.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// An attribute or event-field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// Explicit null.
    Null,
}

/// A staff member named by an event (`handler`, `to`, `with`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Staff id.
    pub id: String,
    /// Rank name; must be one of the policy's ranks.
    pub rank: Option<String>,
}

/// One timestamped event of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The event type (`type:` in the file).
    pub kind: String,
    /// `handler`: the staff member now handling the case.
    pub handler: Option<Staff>,
    /// `to`: transfer target (becomes the handler).
    pub to: Option<Staff>,
    /// `with`: staff member of an appointment, a meeting or a notification.
    pub with: Option<Staff>,
    /// `venue`: where the case now is.
    pub venue: Option<String>,
    /// `subject`: staff ids the complaint is about.
    pub subject: Vec<String>,
    /// `set`: attribute updates.
    pub set: BTreeMap<String, Value>,
    /// `time`: an appointment's agreed time.
    pub time: Option<DateTime<Utc>>,
    /// `due`: a promise's due instant.
    pub due: Option<DateTime<Utc>>,
    /// `within`: a promise's time as written: a duration like `10m` or a term word.
    pub within: Option<String>,
    /// `id`: names a promise or appointment.
    pub id: Option<String>,
    /// `ref`: refers to a promise or appointment by id.
    pub reference: Option<String>,
    /// Every other field, for `where` filters.
    pub fields: BTreeMap<String, Value>,
    /// 1-based line in the source file, when known.
    pub line: Option<usize>,
}

/// A case: an id, initial attributes, and a timeline of events in time order
/// (ties keep their order in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The case id.
    pub id: String,
    /// Initial attributes.
    pub attributes: BTreeMap<String, Value>,
    /// Events, sorted by `at`, stable.
    pub events: Vec<Event>,
    /// `file:line` where the case starts, when read from a file.
    pub source: Option<String>,
}

/// A case that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// `file:line`.
    pub source: String,
    /// The case id, if it could be read.
    pub case: Option<String>,
    /// What is wrong, lowercase, user input in backticks.
    pub error: String,
}
