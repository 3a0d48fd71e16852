//! Grouping JSON Lines event streams into cases.
//!
//! A JSONL stream has no end-of-case marker. [`JsonlGrouper`] takes lines one
//! at a time (from any number of files, interleaved freely) and groups them by
//! their `case` field. [`JsonlGrouper::finish`] returns the grouped cases in the
//! order their ids were first seen. For streaming, [`JsonlGrouper::take_idle`]
//! hands out early the cases that have had no line for a while; a later line
//! of such a case is rejected with its location, so a case is never reported
//! with part of its events (see `docs/performance.md`).
//!
//! Parsing a line ([`JsonlGrouper::parse`]) needs no grouper, so many lines can
//! be parsed at once on several threads and then added in order with
//! [`JsonlGrouper::push_parsed`].

use super::build::{self, Problem};
use super::node::{without_position, KeyLines, NodeKind, NodeSeed};
use super::{Case, CaseBatch, Event, ReadOptions, Rejected, Staff, Value};
use crate::limits::MAX_JSONL_LINE_BYTES;
use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::BufRead;

/// Collects JSONL event lines and groups them by their `case` field.
#[derive(Debug, Default)]
pub struct JsonlGrouper {
    opts: ReadOptions,
    /// Open cases by id.
    groups: HashMap<String, Group, BuildIds>,
    /// The number given to the next new case id (first-seen order).
    next_seq: u64,
    /// Lines pushed so far (blank lines included).
    ticks: u64,
    /// Ids of the cases already handed out by [`JsonlGrouper::take_idle`].
    taken: HashSet<String, BuildIds>,
    /// Lines that name no case (unreadable JSON, no `case` field), and lines of cases already taken.
    rejected: Vec<Rejected>,
    /// The window of the last [`JsonlGrouper::take_idle`], for messages.
    last_window: Option<u64>,
}

/// Hashes case ids quickly (a multiply-rotate hash over 8-byte words, mixed at the end): ids are
/// looked up once per line.
#[derive(Debug, Clone, Copy, Default)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        for &byte in words.remainder() {
            self.add(u64::from(byte));
        }
    }
    /// The state mixed so that every bit of every word reaches the low bits (the table index)
    /// and the high bits (hashbrown's tags): ids often differ only in their last characters.
    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

type BuildIds = BuildHasherDefault<IdHasher>;

#[derive(Debug)]
struct Group {
    /// Position of the case in first-seen order.
    seq: u64,
    /// `file:line` of the case's first line.
    source: String,
    /// The attributes and the `file:line` they were given at.
    attributes: Option<(BTreeMap<String, Value>, String)>,
    events: Vec<Event>,
    /// The first problem found; once set, further events are not kept.
    problem: Option<(String, String)>,
    /// The tick of the case's last line.
    last_tick: u64,
}

/// One JSONL line, parsed but not yet added to its case (see [`JsonlGrouper::parse`]).
#[derive(Debug)]
pub struct ParsedLine(Parsed);

impl ParsedLine {
    /// A line that names no case, rejected for `error`.
    pub fn unreadable(error: String) -> ParsedLine {
        ParsedLine(Parsed::Unreadable(error))
    }
}

#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "almost every line is a `Case`: boxing it would only add an allocation per line"
)]
enum Parsed {
    Blank,
    /// The line names no case.
    Unreadable(String),
    /// The line's case id and what it gives.
    Case {
        id: String,
        attributes: Option<Result<BTreeMap<String, Value>, Problem>>,
        event: Option<Result<Event, Problem>>,
    },
}

/// A case handed out by [`JsonlGrouper::take_idle`] or [`JsonlGrouper::finish_numbered`].
#[derive(Debug)]
pub struct NumberedCase {
    /// Position in first-seen order (0, 1, …; every case id gets one).
    pub seq: u64,
    /// The case, or why it was rejected.
    pub case: Result<Case, Rejected>,
}

impl JsonlGrouper {
    /// A grouper reading times and ranks with `opts`.
    pub fn new(opts: ReadOptions) -> Self {
        JsonlGrouper {
            opts,
            ..JsonlGrouper::default()
        }
    }

    /// The options lines are read with.
    pub fn options(&self) -> &ReadOptions {
        &self.opts
    }

    /// Adds every line of `text`, read from `source` (a display name such as a file path).
    pub fn push_text(&mut self, source: &str, text: &str) {
        for (index, line) in text.lines().enumerate() {
            self.push_line(source, index + 1, line);
        }
    }

    /// Adds every line read from `reader`, one line at a time (the text is never held whole).
    ///
    /// A line longer than [`MAX_JSONL_LINE_BYTES`] is rejected without being held in memory, and
    /// a line that is not UTF-8 is rejected; either way the stream goes on.
    pub fn push_reader(&mut self, source: &str, mut reader: impl BufRead) -> std::io::Result<()> {
        let mut buffer = Vec::new();
        for number in 1usize.. {
            match JsonlGrouper::read_line(&mut reader, &mut buffer)? {
                None => break,
                Some(Ok(text)) => self.push_line(source, number, text),
                Some(Err(error)) => self.rejected.push(Rejected {
                    source: format!("{source}:{number}"),
                    case: None,
                    error,
                }),
            }
        }
        Ok(())
    }

    /// Reads the next line of `reader`, using `buffer`: `None` at the end of the input, the line
    /// without its line break, or why it cannot be an event line: longer than
    /// [`MAX_JSONL_LINE_BYTES`] (the rest of it is skipped, never held in memory) or not UTF-8.
    pub fn read_line<'b>(
        reader: &mut impl BufRead,
        buffer: &'b mut Vec<u8>,
    ) -> std::io::Result<Option<Result<&'b str, String>>> {
        buffer.clear();
        let Some(length) = read_line_bounded(reader, buffer, MAX_JSONL_LINE_BYTES)? else {
            return Ok(None);
        };
        if length > MAX_JSONL_LINE_BYTES {
            return Ok(Some(Err(line_too_long(length))));
        }
        Ok(Some(std::str::from_utf8(buffer).map_err(|error| {
            format!(
                "line is not valid UTF-8 (invalid byte at column {})",
                error.valid_up_to() + 1
            )
        })))
    }

    /// Adds one line: `line` is its 1-based number in `source`. Blank lines are skipped, and so is
    /// a byte-order mark.
    pub fn push_line(&mut self, source: &str, line: usize, text: &str) {
        let parsed = JsonlGrouper::parse(&self.opts, text);
        self.push_parsed(source, line, parsed);
    }

    /// Parses one line with `opts`, without adding it anywhere.
    pub fn parse(opts: &ReadOptions, text: &str) -> ParsedLine {
        ParsedLine(parse(opts, text))
    }

    /// Adds a line parsed by [`JsonlGrouper::parse`]: `line` is its 1-based number in `source`.
    pub fn push_parsed(&mut self, source: &str, line: usize, parsed: ParsedLine) {
        self.ticks += 1;
        let place = || format!("{source}:{line}");
        let (id, attributes, event) = match parsed.0 {
            Parsed::Blank => return,
            Parsed::Unreadable(error) => {
                self.rejected.push(Rejected {
                    source: place(),
                    case: None,
                    error,
                });
                return;
            }
            Parsed::Case {
                id,
                attributes,
                event,
            } => (id, attributes, event),
        };
        let ticks = self.ticks;
        let group = match self.groups.get_mut(&id) {
            Some(group) => group,
            None if self.taken.contains(&id) => {
                let error = format!(
                    "case `{id}` continues after it was evaluated (it had no line among the {} lines before); raise `--window` or group the input by case",
                    self.window_hint()
                );
                self.rejected.push(Rejected {
                    source: place(),
                    error,
                    case: Some(id),
                });
                return;
            }
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.groups.entry(id).or_insert(Group {
                    seq,
                    source: place(),
                    attributes: None,
                    events: Vec::new(),
                    problem: None,
                    last_tick: ticks,
                })
            }
        };
        group.last_tick = ticks;
        if group.problem.is_some() {
            return;
        }
        if let Err(problem) = add_line(group, attributes, event, &place, line) {
            group.problem = Some((place(), problem.message));
            group.events = Vec::new();
        }
    }

    /// Hands out, in first-seen order, the cases that have had no line among the last `window`
    /// lines pushed. A later line of one of them is rejected.
    pub fn take_idle(&mut self, window: u64) -> Vec<NumberedCase> {
        self.last_window = Some(window);
        let now = self.ticks;
        let idle: Vec<String> = self
            .groups
            .iter()
            .filter(|(_, group)| now - group.last_tick >= window)
            .map(|(id, _)| id.clone())
            .collect();
        let mut out = Vec::with_capacity(idle.len());
        for id in idle {
            if let Some(group) = self.groups.remove(&id) {
                self.taken.insert(id.clone());
                out.push(group.into_case(id));
            }
        }
        out.sort_by_key(|case| case.seq);
        out
    }

    /// The number of cases still open (seen, not handed out).
    pub fn open_cases(&self) -> usize {
        self.groups.len()
    }

    /// Returns the rejected lines and every case not yet handed out, numbered in first-seen order.
    pub fn finish_numbered(self) -> (Vec<Rejected>, Vec<NumberedCase>) {
        let mut cases: Vec<NumberedCase> = self
            .groups
            .into_iter()
            .map(|(id, group)| group.into_case(id))
            .collect();
        cases.sort_by_key(|case| case.seq);
        (self.rejected, cases)
    }

    /// Returns the grouped cases (events sorted by time, ties in input order) and every rejection:
    /// first the lines that name no case, then the rejected cases in first-seen order.
    pub fn finish(self) -> CaseBatch {
        let (rejected, cases) = self.finish_numbered();
        let mut batch = CaseBatch {
            cases: Vec::new(),
            rejected,
        };
        for numbered in cases {
            match numbered.case {
                Ok(case) => batch.cases.push(case),
                Err(rejected) => batch.rejected.push(rejected),
            }
        }
        batch
    }

    fn window_hint(&self) -> u64 {
        self.last_window.unwrap_or(0)
    }
}

impl Group {
    fn into_case(self, id: String) -> NumberedCase {
        let case = match self.problem {
            Some((source, error)) => Err(Rejected {
                source,
                case: Some(id),
                error,
            }),
            None => {
                let mut events = self.events;
                build::sort_events(&mut events);
                Ok(Case {
                    id,
                    attributes: self.attributes.map(|(map, _)| map).unwrap_or_default(),
                    events,
                    source: Some(self.source),
                    expect: None,
                })
            }
        };
        NumberedCase {
            seq: self.seq,
            case,
        }
    }
}

/// Parses one line into its case id, attributes and event.
fn parse(opts: &ReadOptions, text: &str) -> Parsed {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Parsed::Blank;
    }
    if text.len() > MAX_JSONL_LINE_BYTES {
        return Parsed::Unreadable(line_too_long(text.len()));
    }
    // A line with attributes is never of the common shape: spare the attempt.
    if text.contains("\"attributes\"") {
        return general(opts, text);
    }
    plain(opts, text).unwrap_or_else(|| general(opts, text))
}

/// Parses any line through a tree of its values, with every check and message of `docs/cases.md`.
fn general(opts: &ReadOptions, text: &str) -> Parsed {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = NodeSeed {
        probe: false,
        keys: KeyLines::No,
        budget: None,
    }
    .deserialize(&mut deserializer)
    .and_then(|node| deserializer.end().map(|()| node));
    let node = match parsed {
        Ok(node) => node,
        Err(error) => {
            let message = without_position(&error.to_string()).to_owned();
            let column = error.column();
            return Parsed::Unreadable(format!("invalid json: {message} at column {column}"));
        }
    };
    let NodeKind::Map(mut entries) = node.kind else {
        let shape = node.shape();
        return Parsed::Unreadable(format!(
            "an event line must be a JSON object, found {shape}"
        ));
    };
    let Some(case_at) = entries.iter().position(|(key, _)| key == "case") else {
        return Parsed::Unreadable("event line has no `case` field naming its case".to_owned());
    };
    let (_, case_node) = entries.remove(case_at);
    let id = match build::text(&case_node, "case") {
        Ok(id) => id,
        Err(problem) => return Parsed::Unreadable(problem.message),
    };
    let attributes = entries
        .iter()
        .position(|(key, _)| key == "attributes")
        .map(|at| build::scalar_map(entries.remove(at).1, "attributes"));
    let event =
        (attributes.is_none() || !entries.is_empty()).then(|| build::event(entries, None, opts));
    Parsed::Case {
        id,
        attributes,
        event,
    }
}

/// Why a line longer than [`MAX_JSONL_LINE_BYTES`] is rejected.
fn line_too_long(length: usize) -> String {
    format!("line is too long ({length} bytes; a JSON Lines line may have at most {MAX_JSONL_LINE_BYTES})")
}

/// Reads one line into `buffer`, without its line break, keeping at most `limit + 1` bytes of it;
/// returns the line's full length without its line break (`None` at the end of the input), so a
/// length over `limit` means the line was cut.
fn read_line_bounded(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<usize>> {
    let mut read_any = false;
    let mut length = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            break;
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let taken = newline.map_or(available.len(), |at| at + 1);
        let content = available
            .get(..newline.unwrap_or(taken))
            .unwrap_or_default();
        let room = (limit + 1).saturating_sub(buffer.len());
        buffer.extend(content.iter().take(room));
        length += content.len();
        read_any = true;
        reader.consume(taken);
        if newline.is_some() {
            break;
        }
    }
    if length <= limit + 1 && buffer.last() == Some(&b'\r') {
        buffer.pop();
        length -= 1;
    }
    Ok(read_any.then_some(length))
}

/// Adds one parsed line (without its `case` field) to its case.
fn add_line(
    group: &mut Group,
    attributes: Option<Result<BTreeMap<String, Value>, Problem>>,
    event: Option<Result<Event, Problem>>,
    place: &dyn Fn() -> String,
    line: usize,
) -> Result<(), Problem> {
    if let Some(attributes) = attributes {
        if let Some((_, first)) = &group.attributes {
            return Err(Problem::new(
                Some(line),
                format!("`attributes` given again (first given at {first})"),
            ));
        }
        group.attributes = Some((attributes?, place()));
    }
    if let Some(event) = event {
        let mut event = event?;
        event.line = Some(line);
        group.events.push(event);
    }
    Ok(())
}

/// The common shape of an event line, read straight from the text without building a tree.
///
/// Only lines that read exactly as the general reader would read them take this way: every field
/// one of these, no field twice, texts as JSON strings, staff with known ranks. Anything else
/// (attributes, `set`, `subject`, other fields, numbers, nulls, errors) is read by the general
/// reader, so both ways give the same events and the same messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainLine<'a> {
    #[serde(borrow)]
    case: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "present")]
    handler: Option<PlainStaff<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    to: Option<PlainStaff<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    with: Option<PlainStaff<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    venue: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    time: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    due: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    within: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "ref", default, borrow, deserialize_with = "present")]
    reference: Option<Cow<'a, str>>,
}

/// A staff member as `{"id": "…", "rank": "…"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainStaff<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "present")]
    rank: Option<Cow<'a, str>>,
}

/// A field that, when given, must be a value (a JSON `null` is left to the general reader).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Reads a line of the common shape, or `None` to leave it to the general reader.
fn plain(opts: &ReadOptions, text: &str) -> Option<Parsed> {
    let line: PlainLine<'_> = serde_json::from_str(text).ok()?;
    let instant = |written: &str| build::parse_instant(written, opts).ok();
    let staff = |staff: Option<PlainStaff<'_>>| -> Option<Option<Staff>> {
        let Some(staff) = staff else {
            return Some(None);
        };
        let rank = staff.rank.map(Cow::into_owned);
        if let (Some(rank), Some(ranks)) = (&rank, &opts.ranks) {
            if !ranks.contains(rank) {
                return None;
            }
        }
        Some(Some(Staff {
            id: staff.id.into_owned(),
            rank,
        }))
    };
    let event = Event {
        at: instant(&line.at)?,
        kind: line.kind.into_owned(),
        handler: staff(line.handler)?,
        to: staff(line.to)?,
        with: staff(line.with)?,
        venue: line.venue.map(Cow::into_owned),
        time: match line.time {
            Some(time) => Some(instant(&time)?),
            None => None,
        },
        due: match line.due {
            Some(due) => Some(instant(&due)?),
            None => None,
        },
        within: line.within.map(Cow::into_owned),
        id: line.id.map(Cow::into_owned),
        reference: line.reference.map(Cow::into_owned),
        ..Event::default()
    };
    Some(Parsed::Case {
        id: line.case.into_owned(),
        attributes: None,
        event: Some(Ok(event)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_of(parsed: Parsed) -> Option<(String, Event)> {
        match parsed {
            Parsed::Case {
                id,
                attributes: None,
                event: Some(Ok(event)),
            } => Some((id, event)),
            _ => None,
        }
    }

    fn opts() -> ReadOptions {
        ReadOptions {
            default_tz: Some(chrono_tz::Europe::London),
            ranks: Some(vec!["agent".to_owned(), "manager".to_owned()]),
        }
    }

    #[test]
    fn the_plain_way_reads_lines_as_the_general_way_does() {
        let lines = [
            r#"{"case":"C1","at":"2026-06-01T09:00:00+01:00","type":"opened"}"#,
            r#"{"type":"transferred","case":"C\u00e9","at":"2026-06-01 09:00","to":{"id":"A1","rank":"agent"}}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"appointment","with":{"id":"M"},"time":"2026-06-02T10:00:00Z"}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"promised","id":"p1","within":"30m","due":"2026-06-01T10:00:00Z","venue":"desk","handler":{"rank":"manager","id":"M2"},"ref":"x"}"#,
        ];
        for line in lines {
            let fast = plain(&opts(), line).and_then(event_of);
            assert!(fast.is_some(), "{line}");
            assert_eq!(fast, event_of(general(&opts(), line)), "{line}");
        }
    }

    #[test]
    fn unusual_lines_are_left_to_the_general_way() {
        let lines = [
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","venue":null}"#,
            r#"{"case":17,"at":"2026-06-01T09:00:00Z","type":"opened"}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","type":"closed"}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","priority":"high"}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","handler":{"id":"A","rank":"chief"}}"#,
            r#"{"case":"C1","at":"yesterday","type":"opened"}"#,
            r#"{"case":"C1","type":"opened"}"#,
            r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","attributes":{"kind":"complaint"}}"#,
        ];
        for line in lines {
            assert!(plain(&opts(), line).is_none(), "{line}");
        }
    }

    #[test]
    fn generated_lines_read_the_same_either_way() {
        let policy = crate::check::Policy::parse(crate::generate::CONTACT_CENTRE_POLICY).unwrap();
        let options = crate::generate::GenerateOptions {
            cases: 40,
            seed: 5,
            start: chrono::DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        };
        let mut out = Vec::new();
        crate::generate::generate(&policy, &options, &mut out).unwrap();
        let opts = ReadOptions::for_policy(&policy);
        let mut fast_lines = 0;
        for line in String::from_utf8(out).unwrap().lines() {
            if let Some(fast) = plain(&opts, line) {
                fast_lines += 1;
                assert_eq!(event_of(fast), event_of(general(&opts, line)), "{line}");
            }
        }
        assert!(fast_lines > 100, "{fast_lines}");
    }
}
