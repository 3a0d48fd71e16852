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
use super::node::{without_position, NodeKind, NodeSeed};
use super::{Case, CaseBatch, Event, ReadOptions, Rejected, Value};
use crate::limits::MAX_JSONL_LINE_BYTES;
use serde::de::DeserializeSeed;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

/// Collects JSONL event lines and groups them by their `case` field.
#[derive(Debug, Default)]
pub struct JsonlGrouper {
    opts: ReadOptions,
    /// Open cases by id.
    groups: HashMap<String, Group>,
    /// The number given to the next new case id (first-seen order).
    next_seq: u64,
    /// Lines pushed so far (blank lines included).
    ticks: u64,
    /// Ids of the cases already handed out by [`JsonlGrouper::take_idle`].
    taken: HashSet<String>,
    /// Lines that name no case (unreadable JSON, no `case` field), and lines of cases already taken.
    rejected: Vec<Rejected>,
    /// The window of the last [`JsonlGrouper::take_idle`], for messages.
    last_window: Option<u64>,
}

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
        if self.taken.contains(&id) {
            self.rejected.push(Rejected {
                source: place(),
                error: format!(
                    "case `{id}` continues after it was evaluated (it had no line among the {} lines before); raise `--window` or group the input by case",
                    self.window_hint()
                ),
                case: Some(id),
            });
            return;
        }
        let ticks = self.ticks;
        let group = match self.groups.get_mut(&id) {
            Some(group) => group,
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
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = NodeSeed { probe: false }
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
