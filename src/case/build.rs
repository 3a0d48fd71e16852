//! Turns [`Node`] trees into [`Case`]s and [`Event`]s, checking every field.
//!
//! The first problem found in a case rejects the whole case, with the line of the
//! offending field or event where it is known.

use super::fields::{EventField, FieldValue, Reading, ATTRIBUTES};
use super::node::{Node, NodeKind};
use super::{Case, Event, Expect, ReadOptions, Staff, Value};
use crate::vocab::Place;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeMap;

/// Why a case is rejected: a message and the line it points at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Lowercase, user input in backticks.
    pub message: String,
}

impl Problem {
    pub fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Problem {
            line,
            message: message.into(),
        }
    }
}

/// The top-level keys a case may have.
const CASE_KEYS: [&str; 4] = ["id", "attributes", "events", "expect"];

/// Builds a case from a mapping node. On failure, also returns the case id when it could be read.
pub(crate) fn case(node: Node, opts: &ReadOptions) -> Result<Case, (Option<String>, Problem)> {
    let line = node.line;
    let NodeKind::Map(entries) = node.kind else {
        let shape = node.shape();
        return Err((
            None,
            Problem::new(line, format!("expected a case mapping, found {shape}")),
        ));
    };
    let id = match entries.iter().find(|(key, _)| key == "id") {
        Some((_, value)) => Some(text(value, "id").map_err(|p| (None, p))?),
        None => None,
    };
    let node_line = line;
    let build = || -> Result<Case, Problem> {
        let Some(id) = id.clone() else {
            return Err(Problem::new(line, "case has no `id`"));
        };
        let mut case = Case {
            id,
            ..Case::default()
        };
        if let Some((line, path, unreadable)) = entries
            .iter()
            .find_map(|(key, value)| non_finite(value, key))
        {
            let message = match unreadable {
                Some(problem) => format!("`{path}`: {problem}"),
                None => format!("`{path}` is infinite or not a number: write a finite number"),
            };
            return Err(Problem::new(line.or(node_line), message));
        }
        check_duplicate_keys(&entries)?;
        for (key, value) in entries {
            match key.as_str() {
                "id" => {}
                "attributes" => case.attributes = attributes(value, opts)?,
                "events" => case.events = events(value, opts)?,
                "expect" => {
                    check_duplicate_keys_within(&value, "expect")?;
                    let mut lines = BTreeMap::new();
                    node_lines(&value, String::new(), &mut lines);
                    case.expect = Some(Expect {
                        line: value.line,
                        value: to_json(&value),
                        lines,
                    })
                }
                _ => {
                    return Err(Problem::new(
                        value.line,
                        format!(
                            "unknown case field `{key}` (a case has {})",
                            CASE_KEYS.map(|k| format!("`{k}`")).join(", ")
                        ),
                    ))
                }
            }
        }
        sort_events(&mut case.events);
        super::promised::check(&case, opts)?;
        Ok(case)
    };
    build().map_err(|problem| (id.clone(), problem))
}

/// Sorts events by time; events at the same instant keep their order in the file.
pub(crate) fn sort_events(events: &mut [Event]) {
    // Events mostly come in order: then there is nothing to move.
    if events
        .iter()
        .zip(events.iter().skip(1))
        .any(|(a, b)| a.at > b.at)
    {
        events.sort_by_key(|event| event.at);
    }
}

fn events(node: Node, opts: &ReadOptions) -> Result<Vec<Event>, Problem> {
    let line = node.line;
    let NodeKind::List(items) = node.kind else {
        return Err(Problem::new(
            line,
            format!("`events` must be a list, found {}", node.shape()),
        ));
    };
    items
        .into_iter()
        .map(|item| event_node(item, opts))
        .collect()
}

fn event_node(node: Node, opts: &ReadOptions) -> Result<Event, Problem> {
    let line = node.line;
    match node.kind {
        NodeKind::Map(entries) => event(entries, line, opts),
        _ => Err(Problem::new(
            line,
            format!("an event must be a mapping, found {}", node.shape()),
        )),
    }
}

/// Builds one event from its fields; `line` is the event's line.
pub(crate) fn event(
    entries: Vec<(String, Node)>,
    line: Option<usize>,
    opts: &ReadOptions,
) -> Result<Event, Problem> {
    check_duplicate_keys(&entries)?;
    let mut event = Event {
        line,
        ..Event::default()
    };
    let mut reading = Reading {
        event: &mut event,
        at: None,
        kind: None,
    };
    // The line of each field's value, to say where a value that does not fit the vocabulary is.
    let mut lines: Vec<(String, Option<usize>)> = Vec::new();
    for (key, value) in entries {
        if opts.vocabulary.is_some() {
            lines.push((key.clone(), value.line));
        }
        if let Some(field) = EventField::named(&key) {
            field.read(NodeValue { node: value, opts }, &mut reading)?;
            continue;
        }
        let field_line = value.line.or(line);
        match value.kind {
            NodeKind::Scalar(scalar) => {
                reading.event.fields.insert(key, scalar);
            }
            _ => {
                return Err(Problem::new(
                    field_line,
                    format!(
                        "event field `{key}` must be a text, number, boolean or null, found {}",
                        value.shape()
                    ),
                ))
            }
        }
    }
    let Some(at) = reading.at else {
        return Err(Problem::new(line, "event has no `at` timestamp"));
    };
    let Some(kind) = reading.kind else {
        return Err(Problem::new(line, "event has no `type`"));
    };
    event.at = at;
    event.kind = kind;
    if let Some(vocabulary) = &opts.vocabulary {
        if let Err(offence) = vocabulary.check_event(&event) {
            let key = match &offence.place {
                Place::Type => "type",
                Place::Field(name) => name.as_str(),
                Place::Set(_) | Place::Attribute(_) => "set",
            };
            let at = lines
                .iter()
                .find(|(name, _)| name == key)
                .and_then(|(_, line)| *line);
            return Err(Problem::new(at.or(line), offence.message));
        }
    }
    Ok(event)
}

/// A case's attributes (a mapping of scalars), each of them declared by the policy's vocabulary
/// with a value of its kind when the reader is given one.
pub(crate) fn attributes(
    node: Node,
    opts: &ReadOptions,
) -> Result<BTreeMap<String, Value>, Problem> {
    let Some(vocabulary) = &opts.vocabulary else {
        return scalar_map(node, ATTRIBUTES);
    };
    let line = node.line;
    let lines: Vec<(String, Option<usize>)> = match &node.kind {
        NodeKind::Map(entries) => entries.iter().map(|(k, v)| (k.clone(), v.line)).collect(),
        _ => Vec::new(),
    };
    let map = scalar_map(node, ATTRIBUTES)?;
    vocabulary.check_attributes(&map).map_err(|offence| {
        let at = match &offence.place {
            Place::Attribute(name) => lines
                .iter()
                .find(|(key, _)| key == name)
                .and_then(|(_, line)| *line),
            _ => None,
        };
        Problem::new(at.or(line), offence.message)
    })?;
    Ok(map)
}

/// A value of the tree in the place of an [`EventField`].
struct NodeValue<'o> {
    node: Node,
    opts: &'o ReadOptions,
}

impl FieldValue for NodeValue<'_> {
    type Error = Problem;
    fn instant(self, field: &'static str) -> Result<DateTime<Utc>, Problem> {
        instant(&self.node, field, self.opts)
    }
    fn text(self, field: &'static str) -> Result<String, Problem> {
        text(&self.node, field)
    }
    fn venue(self, field: &'static str) -> Result<String, Problem> {
        let name = text(&self.node, field)?;
        match unknown_venue(&name, field, self.opts) {
            Some(message) => Err(Problem::new(self.node.line, message)),
            None => Ok(name),
        }
    }
    fn staff(self, field: &'static str) -> Result<Staff, Problem> {
        staff(self.node, field, self.opts)
    }
    fn texts(self, field: &'static str) -> Result<Vec<String>, Problem> {
        match &self.node.kind {
            NodeKind::List(items) => items.iter().map(|item| text(item, field)).collect(),
            _ => Ok(vec![text(&self.node, field)?]),
        }
    }
    fn scalars(self, field: &'static str) -> Result<BTreeMap<String, Value>, Problem> {
        scalar_map(self.node, field)
    }
}

/// Why `name` in `field` is not a rank, when the reader is given the policy's ranks.
fn unknown_rank(name: &str, field: &str, opts: &ReadOptions) -> Option<String> {
    let ranks = opts.ranks.as_ref()?;
    if ranks.iter().any(|r| r == name) {
        return None;
    }
    let known = ranks.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>();
    Some(format!(
        "unknown rank `{name}` in `{field}` (ranks are {})",
        known.join(", ")
    ))
}

/// Why `name` in `field` is not a venue, when the reader is given the policy's venues.
fn unknown_venue(name: &str, field: &str, opts: &ReadOptions) -> Option<String> {
    let venues = opts.venues.as_ref()?;
    if venues.iter().any(|v| v == name) {
        return None;
    }
    let known = match crate::check::suggest::closest(name, venues.iter().map(String::as_str)) {
        Some(close) => format!("did you mean `{close}`?"),
        None => {
            let listed: Vec<String> = venues.iter().map(|v| format!("`{v}`")).collect();
            format!("venues are {}", listed.join(", "))
        }
    };
    Some(format!("unknown venue `{name}` in `{field}` ({known})"))
}

/// Checks a case that was built by a program, or read without these options, as a reader
/// given `opts` checks the cases it reads: staff ranks, venues, and the vocabulary. The problem's
/// line is that of the event, when the case has lines.
pub(crate) fn refit(case: &Case, opts: &ReadOptions) -> Result<(), Problem> {
    if let Some(vocabulary) = &opts.vocabulary {
        vocabulary
            .check_attributes(&case.attributes)
            .map_err(|offence| Problem::new(None, offence.message))?;
    }
    for event in &case.events {
        let at = |message: String| Problem::new(event.line, message);
        let staff = [
            ("handler", &event.handler),
            ("to", &event.to),
            ("with", &event.with),
        ];
        for (field, member) in staff {
            let rank = member.as_ref().and_then(|s| s.rank.as_deref());
            if let Some(message) = rank.and_then(|rank| unknown_rank(rank, field, opts)) {
                return Err(at(message));
            }
        }
        let venue = event.venue.as_deref();
        if let Some(message) = venue.and_then(|venue| unknown_venue(venue, "venue", opts)) {
            return Err(at(message));
        }
        if let Some(vocabulary) = &opts.vocabulary {
            vocabulary
                .check_event(event)
                .map_err(|offence| at(offence.message))?;
        }
    }
    Ok(())
}

/// The first key of `entries` given twice, as a problem at its value's line.
pub(crate) fn check_duplicate_keys(entries: &[(String, Node)]) -> Result<(), Problem> {
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    for (key, value) in entries {
        if !seen.insert(key.as_str()) {
            return Err(Problem::new(
                value.line,
                format!("field `{key}` is given twice"),
            ));
        }
    }
    Ok(())
}

/// The line and path (`attributes.amount`, `events[2].cost`) of the first number in `node` that is
/// not finite. YAML reads `.inf`, `.nan` and `1e999` as such numbers, which no case value may be:
/// JSON has no way to write them (`1e999` is out of range there), and they would compare and sum
/// as no real amount does.
fn non_finite(node: &Node, path: &str) -> Option<(Option<usize>, String, Option<String>)> {
    let (line, mut inner, unreadable) = non_finite_within(node)?;
    inner.push(path.to_owned());
    inner.reverse();
    Some((line, inner.concat(), unreadable))
}

/// [`non_finite`]: the line, the path from `node` innermost part first, and the problem of a
/// value that could not be read ([`NodeKind::Unreadable`]; none for a number that is not finite).
fn non_finite_within(node: &Node) -> Option<(Option<usize>, Vec<String>, Option<String>)> {
    match &node.kind {
        NodeKind::Scalar(Value::Number(n)) if !n.is_finite() => Some((node.line, Vec::new(), None)),
        NodeKind::Unreadable(problem) => Some((node.line, Vec::new(), Some(problem.clone()))),
        NodeKind::Scalar(_) => None,
        NodeKind::List(items) => items.iter().enumerate().find_map(|(index, item)| {
            let (line, mut path, unreadable) = non_finite_within(item)?;
            path.push(format!("[{index}]"));
            Some((line, path, unreadable))
        }),
        NodeKind::Map(entries) => entries.iter().find_map(|(key, value)| {
            let (line, mut path, unreadable) = non_finite_within(value)?;
            path.push(format!(".{key}"));
            Some((line, path, unreadable))
        }),
    }
}

/// Refuses a key given twice in any mapping inside `node` (a block kept raw, `expect`, whose
/// mappings would otherwise keep only the last of two values); `path` names `node`.
fn check_duplicate_keys_within(node: &Node, path: &str) -> Result<(), Problem> {
    match duplicate_key(node) {
        None => Ok(()),
        Some((line, key, mut inner)) => {
            inner.push(path.to_owned());
            inner.reverse();
            Err(Problem::new(
                line,
                format!("key `{key}` is given twice in `{}`", inner.concat()),
            ))
        }
    }
}

/// The first key given twice in a mapping inside `node`: its line, the key, and the path from
/// `node` to that mapping, innermost part first (`.promises`, `[0]`).
fn duplicate_key(node: &Node) -> Option<(Option<usize>, String, Vec<String>)> {
    match &node.kind {
        NodeKind::Scalar(_) | NodeKind::Unreadable(_) => None,
        NodeKind::List(items) => items.iter().enumerate().find_map(|(index, item)| {
            let (line, key, mut path) = duplicate_key(item)?;
            path.push(format!("[{index}]"));
            Some((line, key, path))
        }),
        NodeKind::Map(entries) => {
            let mut seen = std::collections::HashSet::with_capacity(entries.len());
            for (key, value) in entries {
                if !seen.insert(key.as_str()) {
                    return Some((value.line.or(node.line), key.clone(), Vec::new()));
                }
            }
            entries.iter().find_map(|(key, value)| {
                let (line, duplicate, mut path) = duplicate_key(value)?;
                path.push(format!(".{key}"));
                Some((line, duplicate, path))
            })
        }
    }
}

/// A text field; numbers are accepted and written out (`id: 17`).
pub(crate) fn text(node: &Node, field: &str) -> Result<String, Problem> {
    match &node.kind {
        NodeKind::Scalar(Value::Str(s)) => Ok(s.clone()),
        NodeKind::Scalar(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Problem::new(
            node.line,
            format!("`{field}` must be a text, found {}", node.shape()),
        )),
    }
}

/// A mapping of scalars (`attributes`, `set`).
pub(crate) fn scalar_map(node: Node, field: &str) -> Result<BTreeMap<String, Value>, Problem> {
    let line = node.line;
    let NodeKind::Map(entries) = node.kind else {
        return Err(Problem::new(
            line,
            format!("`{field}` must be a mapping, found {}", node.shape()),
        ));
    };
    check_duplicate_keys(&entries)?;
    let mut map = BTreeMap::new();
    for (key, value) in entries {
        let value_line = value.line.or(line);
        let NodeKind::Scalar(scalar) = value.kind else {
            let shape = value.shape();
            return Err(Problem::new(
                value_line,
                format!("`{field}.{key}` must be a text, number, boolean or null, found {shape}"),
            ));
        };
        map.insert(key, scalar);
    }
    Ok(map)
}

fn staff(node: Node, field: &str, opts: &ReadOptions) -> Result<Staff, Problem> {
    let line = node.line;
    let NodeKind::Map(entries) = node.kind else {
        return Err(Problem::new(
            line,
            format!(
                "`{field}` must be a mapping like `{{id: W3, rank: agent}}`, found {}",
                node.shape()
            ),
        ));
    };
    check_duplicate_keys(&entries)?;
    let mut id = None;
    let mut rank = None;
    for (key, value) in entries {
        match key.as_str() {
            "id" => id = Some(text(&value, &format!("{field}.id"))?),
            "rank" => {
                let name = text(&value, &format!("{field}.rank"))?;
                if let Some(message) = unknown_rank(&name, field, opts) {
                    return Err(Problem::new(value.line.or(line), message));
                }
                rank = Some(name);
            }
            _ => {
                return Err(Problem::new(
                    value.line.or(line),
                    format!(
                        "unknown field `{key}` in `{field}` (a staff member has `id` and `rank`)"
                    ),
                ))
            }
        }
    }
    let Some(id) = id else {
        return Err(Problem::new(line, format!("`{field}` has no `id`")));
    };
    Ok(Staff { id, rank })
}

fn instant(node: &Node, field: &str, opts: &ReadOptions) -> Result<DateTime<Utc>, Problem> {
    let written = text(node, field)?;
    parse_instant(&written, opts).map_err(|message| Problem::new(node.line, message))
}

/// Naive (offset-less) layouts accepted when a default timezone is known.
const NAIVE_LAYOUTS: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Parses an RFC 3339 timestamp; one without an offset is read in `opts.default_tz`.
pub(crate) fn parse_instant(written: &str, opts: &ReadOptions) -> Result<DateTime<Utc>, String> {
    match rfc3339_fixed(written) {
        Some(instant) => Ok(instant),
        None => parse_instant_general(written, opts),
    }
}

/// Reads the layout nearly every timestamp is written in, `YYYY-MM-DDTHH:MM:SS`, an optional
/// `.fraction` (digits after the ninth are ignored), then `Z` or `±HH:MM` up to `23:59`, with the
/// checks and the instant of `DateTime::parse_from_rfc3339`, which it copies step by step (the
/// same `NaiveDate`, `NaiveTime` and offset calls, without the general scanning). `None` for
/// anything else, leap seconds (`:60`), lowercase or space separators and out-of-range fields
/// among them: [`parse_instant_general`] reads those, or gives the message.
pub(crate) fn rfc3339_fixed(written: &str) -> Option<DateTime<Utc>> {
    rfc3339_fixed_start(written.as_bytes())
        .and_then(|(instant, length)| (length == written.len()).then_some(instant))
}

/// [`rfc3339_fixed`] for the timestamp `bytes` start with: its instant and its length.
pub(crate) fn rfc3339_fixed_start(bytes: &[u8]) -> Option<(DateTime<Utc>, usize)> {
    let [y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2, rest @ ..] =
        bytes
    else {
        return None;
    };
    let year = two_digits(*y1, *y2)? * 100 + two_digits(*y3, *y4)?;
    let month = two_digits(*mo1, *mo2)?;
    let day = two_digits(*d1, *d2)?;
    let hour = two_digits(*h1, *h2)?;
    let minute = two_digits(*mi1, *mi2)?;
    let second = two_digits(*s1, *s2)?;
    if second > 59 {
        return None;
    }
    let (nano, zone) = match rest {
        [b'.', fraction @ ..] => {
            let (mut nano, mut count, mut zone) = (0, 0usize, fraction);
            while let Some((value, after)) = zone
                .split_first()
                .and_then(|(first, after)| Some((digit(*first)?, after)))
            {
                if count < 9 {
                    nano = nano * 10 + value;
                }
                count += 1;
                zone = after;
            }
            if count == 0 {
                return None;
            }
            for _ in count..9 {
                nano *= 10;
            }
            (nano, zone)
        }
        _ => (0, rest),
    };
    let (offset, after) = match zone {
        [b'Z', after @ ..] => (0, after),
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2, after @ ..] => {
            let hours = two_digits(*oh1, *oh2)?;
            let minutes = two_digits(*om1, *om2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            let offset = if *sign == b'-' { -seconds } else { seconds };
            (offset, after)
        }
        _ => return None,
    };
    let local = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, minute, second, nano)?;
    let instant = local
        .checked_sub_offset(chrono::FixedOffset::east_opt(offset)?)?
        .and_utc();
    // An instant outside the years covenant handles is left to the checked reading, which says
    // so; only the first and the last year can be moved out of them by the offset.
    if year == 0 || i64::from(year) >= i64::from(crate::limits::MAX_YEAR) {
        crate::time::in_range(instant).ok()?;
    }
    Some((instant, bytes.len() - after.len()))
}

/// The value of an ASCII digit.
fn digit(byte: u8) -> Option<u32> {
    let value = byte.wrapping_sub(b'0');
    (value < 10).then_some(u32::from(value))
}

/// The value of two ASCII digits.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    Some(digit(tens)? * 10 + digit(ones)?)
}

/// [`parse_instant`] for any layout: RFC 3339 through chrono, then the naive layouts in the
/// default zone.
fn parse_instant_general(written: &str, opts: &ReadOptions) -> Result<DateTime<Utc>, String> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(written) {
        return crate::time::readable(written, instant.with_timezone(&Utc));
    }
    let naive = NAIVE_LAYOUTS
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(written, layout).ok());
    let Some(naive) = naive else {
        return Err(format!(
            "`{written}` is not a timestamp like `2026-06-19T14:30:00+08:00`"
        ));
    };
    let Some(tz) = opts.default_tz else {
        return Err(format!(
            "timestamp `{written}` has no offset and no default timezone is known (add an offset like `+08:00`)"
        ));
    };
    crate::time::local_to_instant(tz, naive.date(), naive.time())
        .map_err(|error| format!("timestamp `{written}` cannot be placed in `{tz}`: {error}"))
}

/// Records the line of `node` and of everything inside it, keyed by JSON pointer (`/breaches/0/rule`).
fn node_lines(node: &Node, pointer: String, lines: &mut BTreeMap<String, usize>) {
    if let Some(line) = node.line {
        lines.insert(pointer.clone(), line);
    }
    match &node.kind {
        NodeKind::Scalar(_) | NodeKind::Unreadable(_) => {}
        NodeKind::List(items) => {
            for (index, item) in items.iter().enumerate() {
                node_lines(item, format!("{pointer}/{index}"), lines);
            }
        }
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                let key = key.replace('~', "~0").replace('/', "~1");
                node_lines(value, format!("{pointer}/{key}"), lines);
            }
        }
    }
}

/// A node as JSON, for blocks kept raw (`expect`).
fn to_json(node: &Node) -> serde_json::Value {
    match &node.kind {
        NodeKind::Scalar(Value::Str(s)) => serde_json::Value::String(s.clone()),
        NodeKind::Scalar(Value::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            serde_json::Value::from(*n as i64)
        }
        NodeKind::Scalar(Value::Number(n)) => serde_json::Value::from(*n),
        NodeKind::Scalar(Value::Bool(b)) => serde_json::Value::Bool(*b),
        NodeKind::Scalar(Value::Null) | NodeKind::Unreadable(_) => serde_json::Value::Null,
        NodeKind::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), to_json(value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{select, Index};

    fn two_digits(max: u32) -> impl Strategy<Value = String> {
        (0..=max).prop_map(|n| format!("{n:02}"))
    }

    /// Timestamps, mostly of the fixed layout, with fields in and out of range (months 00-13, days
    /// 00-32, hours 00-25, minutes and seconds 00-61, leap seconds), years from 0000 to 10000,
    /// fractions of any length, every kind of offset, naive layouts, and a character sometimes
    /// changed.
    pub(crate) fn timestamp() -> impl Strategy<Value = String> {
        let year = prop_oneof![
            select(vec![
                "0000", "0001", "1969", "1970", "2024", "2026", "9999", "10000", "999", "+2026",
                "-001",
            ])
            .prop_map(str::to_owned),
            (0u32..10000).prop_map(|year| format!("{year:04}")),
        ];
        let separator = select(vec!["T", "T", "T", "t", " ", "_"]);
        let seconds = prop_oneof![
            6 => two_digits(61).prop_map(|s| format!(":{s}")),
            1 => Just(":60".to_owned()),
            1 => Just(String::new()),
        ];
        let fraction = prop_oneof![
            3 => Just(String::new()),
            3 => "\\.[0-9]{0,12}",
            1 => Just(".5x".to_owned()),
        ];
        let zone = prop_oneof![
            3 => (0u32..26, 0u32..62, any::<bool>()).prop_map(|(hours, minutes, west)| {
                format!("{}{hours:02}:{minutes:02}", if west { '-' } else { '+' })
            }),
            3 => select(vec![
                "Z", "Z", "z", "", "+00:00", "-00:00", "+0100", "+01", "\u{2212}01:00", "+23:59",
                "-23:59", "+24:00", " Z", "Z ", "ZZ", "+01:00:00",
            ])
            .prop_map(str::to_owned),
        ];
        let written = (
            year,
            two_digits(13),
            two_digits(32),
            separator,
            two_digits(25),
            two_digits(61),
            seconds,
            fraction,
            zone,
        )
            .prop_map(|(y, mo, d, sep, h, mi, s, fraction, zone)| {
                format!("{y}-{mo}-{d}{sep}{h}:{mi}{s}{fraction}{zone}")
            });
        let damage = proptest::option::weighted(
            0.15,
            (
                any::<Index>(),
                select(vec!['0', '9', '-', ':', 'T', '.', 'Z', 'é', '+']),
            ),
        );
        (written, damage).prop_map(|(mut written, damage)| {
            if let Some((at, put)) = damage {
                let mut chars: Vec<char> = written.chars().collect();
                let at = at.index(chars.len());
                chars[at] = put;
                written = chars.into_iter().collect();
            }
            written
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The fixed layout reads a timestamp only as chrono's RFC 3339 parser does, and
        /// `parse_instant` gives what it gave before the fixed layout was read first.
        #[test]
        fn the_fixed_layout_reads_timestamps_as_chrono_does(written in timestamp(), zone in any::<bool>()) {
            let opts = ReadOptions {
                default_tz: zone.then_some(chrono_tz::Asia::Singapore),
                ..ReadOptions::default()
            };
            if let Some(fast) = rfc3339_fixed(&written) {
                let chrono = DateTime::parse_from_rfc3339(&written).map(|t| t.with_timezone(&Utc));
                prop_assert_eq!(Ok(fast), chrono);
            }
            prop_assert_eq!(parse_instant(&written, &opts), parse_instant_general(&written, &opts));
        }
    }

    #[test]
    fn the_fixed_layout_reads_the_usual_timestamps() {
        let usual = [
            ("2026-06-01T09:00:00Z", (2026, 6, 1), (9, 0, 0, 0)),
            ("2026-06-01T09:00:00+01:00", (2026, 6, 1), (8, 0, 0, 0)),
            ("2026-06-01T00:30:00+01:00", (2026, 5, 31), (23, 30, 0, 0)),
            (
                "2026-06-01T09:00:00.5-05:30",
                (2026, 6, 1),
                (14, 30, 0, 500_000_000),
            ),
            (
                "2024-02-29T23:59:59.1234567899+00:00",
                (2024, 2, 29),
                (23, 59, 59, 123_456_789),
            ),
        ];
        for (written, (year, month, day), (hour, minute, second, nano)) in usual {
            let expected = chrono::NaiveDate::from_ymd_opt(year, month, day)
                .unwrap()
                .and_hms_nano_opt(hour, minute, second, nano)
                .unwrap()
                .and_utc();
            assert_eq!(rfc3339_fixed(written), Some(expected), "{written}");
        }
        for unusual in [
            "2026-06-01T09:00:60Z",
            "2026-06-01t09:00:00Z",
            "2026-06-01 09:00:00Z",
            "2026-06-01T09:00:00z",
            "2026-06-01T09:00:00.Z",
            "2026-02-29T09:00:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T09:00:00+24:00",
            "2026-06-01T09:00:00",
            // Instants outside the years 0 to 9999 are left to the checked reading, which refuses them.
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
        ] {
            assert_eq!(rfc3339_fixed(unusual), None, "{unusual}");
        }
    }
}
