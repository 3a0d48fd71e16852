//! Cases and their events, and the readers for YAML, JSON and JSONL case files.
//!
//! A reader never stops at a bad case: each malformed case is returned as a
//! [`Rejected`] entry with its file and line, and the others are returned
//! normally, so the counts of a batch always add up. The file formats and
//! every reading rule are described in `docs/cases.md`.

mod build;
mod fields;
mod jsonl;
mod node;
mod peek;
mod promised;
mod reader;
mod scan;

pub(crate) use jsonl::block_id;
pub use jsonl::{JsonlGrouper, NumberedCase, ParsedLine};
pub use reader::{open_stdin, read_path, read_str, CaseReader, ReadError};

/// How event times are read (RFC 3339, or a local time in the default zone), for the other readers
/// of instants (`expect:` blocks).
pub(crate) use build::parse_instant;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// The fields every event may have, whatever its type (the readers' one table of event fields).
pub fn event_field_names() -> &'static [&'static str] {
    fields::EventField::NAMES
}

/// The keys of a JSON Lines line that are not event fields: the line's case and its attributes.
pub fn line_keys() -> [&'static str; 2] {
    [fields::CASE, fields::ATTRIBUTES]
}

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
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// `within`: a promise's time as written: a duration like `10m`, working days (`3 workdays`),
    /// a cut-off (`by 17:00 same day`) or a term word.
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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Case {
    /// The case id.
    pub id: String,
    /// Initial attributes.
    pub attributes: BTreeMap<String, Value>,
    /// Events, sorted by `at`, stable.
    pub events: Vec<Event>,
    /// Where the case starts, when read from a file.
    pub source: Option<Location>,
    /// The case's `expect:` block, kept as written for `covenant test`.
    pub expect: Option<Expect>,
}

/// A case's `expect:` block, kept raw: `covenant test` interprets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// The block as a JSON value (YAML is read into the same shape).
    pub value: serde_json::Value,
    /// 1-based line where the block starts, when known.
    pub line: Option<usize>,
    /// The 1-based line of each value inside the block, keyed by JSON pointer
    /// (`/breaches/0`, `/promises/first_response`); the block itself is `""`.
    pub lines: BTreeMap<String, usize>,
}

impl Expect {
    /// The line of the value at `pointer` (a JSON pointer), else of the block.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        self.lines.get(pointer).copied().or(self.line)
    }
}

/// A place in a case source: its name (a file path as given, `<stdin>`, `<string>`) and a
/// 1-based line. Written `file:line` in messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The source's name, shared by the locations in it.
    pub file: Arc<str>,
    /// The 1-based line.
    pub line: usize,
}

impl Location {
    /// Line `line` of `file`.
    pub fn new(file: impl Into<Arc<str>>, line: usize) -> Location {
        Location {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl Serialize for Location {
    /// As the text `file:line`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A case that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Where: the line of the offending event or field where known, else the case's first line.
    pub source: Location,
    /// The case id, if it could be read.
    pub case: Option<String>,
    /// What is wrong, lowercase, user input in backticks.
    pub error: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.error)
    }
}

impl std::error::Error for Rejected {}

/// How a reader interprets case times, staff ranks, venues, the policy's vocabulary and the times
/// of staff promises.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Zone for timestamps written without an offset; without it such a timestamp rejects its case.
    pub default_tz: Option<Tz>,
    /// The policy's ranks; when given, a staff member with any other rank rejects the case.
    pub ranks: Option<Vec<String>>,
    /// How the policy reads the times staff promises give; when given, a promise whose time the
    /// policy cannot read (an unknown calendar, working days without a calendar) or that falls
    /// before the promise rejects the case. Without it only the form of the time is checked.
    pub promises: Option<PromiseRules>,
    /// The policy's venues; when given, an event's `venue` naming any other rejects the case.
    pub venues: Option<Vec<String>>,
    /// The policy's vocabulary; when given, an event of a type it does not declare, a field or
    /// attribute it does not declare, or a value that does not fit its declaration rejects the
    /// case (see `docs/cases.md`).
    pub vocabulary: Option<Arc<crate::vocab::Vocabulary>>,
}

/// How a policy reads the time a staff promise gives (`within: 3 workdays`): its `commitments`
/// block, terms and calendars. Made by [`ReadOptions::for_policy`].
#[derive(Clone)]
pub struct PromiseRules(Arc<crate::compile::Commitments>);

impl fmt::Debug for PromiseRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PromiseRules")
    }
}

impl PartialEq for PromiseRules {
    /// The same rules: taken from the same policy by the same call.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl ReadOptions {
    /// The options a policy implies: its timezone for offset-less timestamps, its ranks and its
    /// venues (when it declares any) as the only ranks staff may have and the only venues events
    /// may name, its vocabulary (when it declares one), and its reading of promised times.
    pub fn for_policy(policy: &crate::check::Policy) -> ReadOptions {
        let venues: Vec<String> = policy.venues().map(|(name, _)| name.to_owned()).collect();
        ReadOptions {
            default_tz: policy.timezone(),
            ranks: (!policy.ranks().is_empty()).then(|| policy.ranks().to_vec()),
            promises: Some(PromiseRules(Arc::new(policy.program().commitments.clone()))),
            venues: (!venues.is_empty()).then_some(venues),
            vocabulary: policy.vocabulary_shared(),
        }
    }
}

/// The format of a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseFormat {
    /// YAML: one case, a list of cases, or several `---` documents of either.
    Yaml,
    /// JSON: one case or a list of cases.
    Json,
    /// JSON Lines: one event per line with a `case` field.
    Jsonl,
}

impl CaseFormat {
    /// The format named by a file's extension (`.yaml`, `.yml`, `.json`, `.jsonl`).
    pub fn from_path(path: &Path) -> Option<CaseFormat> {
        match path.extension()?.to_str()? {
            "yaml" | "yml" => Some(CaseFormat::Yaml),
            "json" => Some(CaseFormat::Json),
            "jsonl" | "ndjson" => Some(CaseFormat::Jsonl),
            _ => None,
        }
    }

    /// Guesses the format of text with no file name (standard input) from its first 100
    /// non-blank lines: JSON Lines when at least half of them (and at least one) are each a JSON
    /// object with a `case` field and no `events` field, so that a bad first line (cut short, a
    /// comment, no `case`) does not hide the lines after it; else JSON when the text starts with
    /// `{` or `[`; else YAML.
    pub fn sniff(text: &str) -> CaseFormat {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let lines: Vec<&str> = trimmed
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .take(100)
            .collect();
        let events = lines.iter().filter(|line| is_event_line(line)).count();
        if events > 0 && events * 2 >= lines.len() {
            CaseFormat::Jsonl
        } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
            CaseFormat::Json
        } else {
            CaseFormat::Yaml
        }
    }
}

/// Whether `line` is on its own a JSON object with a `case` field and no `events` field (an
/// event line, not a case written on one line).
fn is_event_line(line: &str) -> bool {
    let parsed = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line);
    matches!(parsed, Ok(map) if map.contains_key("case") && !map.contains_key("events"))
}

/// What a reader returns: the cases read and the cases rejected; nothing is dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseBatch {
    /// Cases read, in the order their ids were first seen.
    pub cases: Vec<Case>,
    /// Cases (or unreadable files and lines) that could not be read.
    pub rejected: Vec<Rejected>,
}

impl Case {
    /// Reads exactly one case from YAML text (no default timezone, any rank).
    pub fn from_yaml_str(text: &str) -> Result<Case, Rejected> {
        single(read_str(
            "<string>",
            text,
            CaseFormat::Yaml,
            &ReadOptions::default(),
        ))
    }

    /// Checks the case against `opts` as the readers check each case they read with them: the
    /// ranks of its staff, its venues and the policy's vocabulary (its event types, their fields
    /// and its attributes, see `docs/cases.md`). For a case built by a program, or read without
    /// the policy's options ([`Case::from_yaml_str`]); `Policy::check_case` passes the policy's.
    /// The rejection is located at the case's source and the offending event's line, when known.
    pub fn check(&self, opts: &ReadOptions) -> Result<(), Rejected> {
        build::refit(self, opts).map_err(|problem| {
            let file = self
                .source
                .as_ref()
                .map_or_else(|| Arc::from("<case>"), |s| Arc::clone(&s.file));
            let line = problem
                .line
                .or(self.source.as_ref().map(|s| s.line))
                .unwrap_or(1);
            Rejected {
                source: Location { file, line },
                case: Some(self.id.clone()),
                error: problem.message,
            }
        })
    }

    /// Reads exactly one case from JSON text (no default timezone, any rank).
    pub fn from_json_str(text: &str) -> Result<Case, Rejected> {
        single(read_str(
            "<string>",
            text,
            CaseFormat::Json,
            &ReadOptions::default(),
        ))
    }
}

fn single(mut batch: CaseBatch) -> Result<Case, Rejected> {
    if !batch.rejected.is_empty() {
        return Err(batch.rejected.swap_remove(0));
    }
    if batch.cases.len() == 1 {
        if let Some(case) = batch.cases.pop() {
            return Ok(case);
        }
    }
    Err(Rejected {
        source: Location::new("<string>", 1),
        case: None,
        error: format!("expected one case, found {}", batch.cases.len()),
    })
}
