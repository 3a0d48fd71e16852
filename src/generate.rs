//! A workload generator: realistic, interleaved JSONL event streams for a policy.
//!
//! The events of a case are drawn from the policy's own vocabulary: the events
//! that start and stop its promises, pause and resume them and restart them,
//! and every other event a rule names (transfers, dissatisfaction, notices,
//! appointments…). Attributes take the values the policy's conditions test. When the policy
//! declares a vocabulary, only its event types, fields and attributes are written, with values of
//! their declared types, so that every line is read without a rejection.
//! A case opens, goes through a few steps (pauses, transfers, escalation
//! events, promises made and kept), is mostly closed, and is sometimes
//! reopened. Cases arrive every few seconds (or spread over `days`) and their
//! events are written in time order across all cases, so many cases are
//! interleaved; a share of them (`long_share`) can be made to span weeks, as
//! complaints passed between departments do. The same policy, options and seed
//! always give the same bytes. See `docs/performance.md`.

use crate::check::Policy;
use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

/// The policy used when none is given: a contact centre's complaints.
pub const CONTACT_CENTRE_POLICY: &str = include_str!("generate/contact-centre.policy");

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenerateOptions {
    /// Number of cases.
    pub cases: u64,
    /// The seed: the same seed gives the same output.
    pub seed: u64,
    /// When the first case opens.
    pub start: DateTime<Utc>,
    /// The days over which cases open, at random times at an even rate (`None`: one every 1 to
    /// 7 seconds).
    pub days: Option<u32>,
    /// The share of cases, from 0 to 1, whose steps are spread over `long_span` to 1.5 times it.
    pub long_share: f64,
    /// How long a long case lasts at least.
    pub long_span: TimeDelta,
}

impl Default for GenerateOptions {
    /// 1,000 cases, seed 1, from 2026-06-01T08:00:00Z, one every 1 to 7 seconds, none long (long
    /// ones would span 14 days).
    fn default() -> Self {
        GenerateOptions {
            cases: 1000,
            seed: 1,
            start: Utc
                .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            days: None,
            long_share: 0.0,
            long_span: TimeDelta::days(14),
        }
    }
}

/// A small, fast pseudo-random generator (SplitMix64); not for anything secret.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A number in `[low, high]`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get((self.next() % items.len() as u64) as usize)
    }
    /// Seconds until the next event of a case: mostly seconds or minutes, sometimes an hour or two.
    fn gap(&mut self) -> i64 {
        let roll = self.unit();
        let seconds = if roll < 0.35 {
            self.range(2, 60)
        } else if roll < 0.85 {
            self.range(60, 30 * 60)
        } else {
            self.range(30 * 60, 2 * 3600)
        };
        seconds as i64
    }
}

/// The events and attribute values a policy uses.
#[derive(Debug, Default)]
struct Vocabulary {
    openers: Vec<String>,
    closers: Vec<String>,
    pauses: Vec<(String, String)>,
    reopen: Option<String>,
    others: Vec<String>,
    attributes: Vec<(String, Vec<serde_json::Value>)>,
    /// With a vocabulary: the event types with fields of their own, and the values to give them.
    fields: Vec<(String, Vec<Values>)>,
    /// Whether `transferred` events may be written (always, without a vocabulary).
    transfers: bool,
    ranks: Vec<String>,
    commitments: bool,
    within: Vec<String>,
}

/// A field or attribute and the values to give it.
type Values = (String, Vec<serde_json::Value>);

fn add_unique(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|known| known == name) {
        list.push(name.to_owned());
    }
}

impl Vocabulary {
    fn of(policy: &Policy) -> Self {
        let syntax = policy.syntax();
        let mut words = Vocabulary::default();
        for promise in &syntax.promises {
            if let Some(from) = promise.from.first() {
                add_unique(&mut words.openers, &from.event.name);
            }
            if let Some(until) = promise.until.first() {
                add_unique(&mut words.closers, &until.event.name);
            }
            for pause in &promise.pauses {
                if let (Some(on), Some(resume)) = (pause.on.first(), pause.resume.first()) {
                    let pair = (on.event.name.clone(), resume.event.name.clone());
                    if !words.pauses.contains(&pair) {
                        words.pauses.push(pair);
                    }
                }
            }
            if words.reopen.is_none() {
                words.reopen = promise.restart.first().map(|r| r.event.name.clone());
            }
        }
        words.closers.retain(|c| !words.openers.contains(c));
        let mut tree = serde_json::json!([
            syntax.standards,
            syntax.escalations,
            syntax.promises,
            syntax.objectives
        ]);
        let mut named = Vec::new();
        walk(&mut tree, &mut named, &mut words.attributes);
        let reserved = ["promised", "fulfilled", "transferred"];
        for name in named {
            let taken = words.openers.contains(&name)
                || words.closers.contains(&name)
                || words.pauses.iter().any(|(a, b)| *a == name || *b == name)
                || words.reopen.as_ref() == Some(&name)
                || reserved.contains(&name.as_str());
            if !taken {
                add_unique(&mut words.others, &name);
            }
        }
        if words.openers.is_empty() {
            words.openers.push("opened".to_owned());
        }
        if words.closers.is_empty() {
            words.closers.push("resolved".to_owned());
        }
        words.transfers = true;
        if let Some(vocabulary) = policy.vocabulary() {
            words.declared(vocabulary);
        }
        words.ranks = policy.ranks().to_vec();
        words.commitments = policy.has_commitments();
        words.within = vec!["30m".to_owned(), "2h".to_owned()];
        words
            .within
            .extend(policy.program().commitments.terms.keys().cloned());
        words
    }
}

impl Vocabulary {
    /// Keeps to the policy's vocabulary: its attributes only, each with values of its type (those
    /// the conditions test when they fit), the fields of its event types the same way, and
    /// transfers only when `transferred` is one of its types.
    fn declared(&mut self, vocabulary: &crate::vocab::Vocabulary) {
        let tested = std::mem::take(&mut self.attributes);
        let values = |slot: &crate::vocab::Slot| {
            let seen = tested
                .iter()
                .find(|(name, _)| name == slot.name())
                .map(|(_, values)| values.as_slice())
                .unwrap_or_default();
            values_of(slot.kind(), seen)
        };
        self.attributes = vocabulary
            .attributes()
            .iter()
            .map(|slot| (slot.name().to_owned(), values(slot)))
            .collect();
        self.fields = vocabulary
            .events()
            .iter()
            .filter(|event| event.is_declared() && !event.fields().is_empty())
            .map(|event| {
                let fields = event
                    .fields()
                    .iter()
                    .map(|slot| (slot.name().to_owned(), values(slot)))
                    .collect();
                (event.name().to_owned(), fields)
            })
            .collect();
        self.transfers = vocabulary.event("transferred").is_some();
    }

    /// The fields of an event of type `kind`: its type, and with a vocabulary most of the fields
    /// of its own.
    fn event(&self, kind: &str, rng: &mut Rng) -> String {
        let mut rest = plain(kind);
        let Some((_, fields)) = self.fields.iter().find(|(name, _)| name == kind) else {
            return rest;
        };
        for (name, values) in fields {
            if rng.chance(0.8) {
                if let Some(value) = rng.pick(values) {
                    rest.push_str(&format!(",{}:{value}", quoted(name)));
                }
            }
        }
        rest
    }
}

/// Values of a declared kind to generate: its choices, `true` and `false`, or the values of the
/// right type among `seen` (those the conditions test), else a plain one.
fn values_of(kind: &crate::vocab::Kind, seen: &[serde_json::Value]) -> Vec<serde_json::Value> {
    use crate::vocab::Kind;
    let of_type = |wanted: fn(&serde_json::Value) -> bool, plain: serde_json::Value| {
        let mut values: Vec<serde_json::Value> =
            seen.iter().filter(|v| wanted(v)).cloned().collect();
        if values.is_empty() {
            values.push(plain);
        }
        values
    };
    match kind {
        Kind::OneOf(choices) => choices.iter().map(|c| c.to_json()).collect(),
        Kind::Boolean => vec![
            serde_json::Value::Bool(true),
            serde_json::Value::Bool(false),
        ],
        Kind::Number => of_type(serde_json::Value::is_number, serde_json::json!(1)),
        Kind::Text => of_type(serde_json::Value::is_string, serde_json::json!("general")),
    }
}

/// Collects every event named by a pattern and the values conditions compare fields with.
fn walk(
    node: &mut serde_json::Value,
    events: &mut Vec<String>,
    attributes: &mut Vec<(String, Vec<serde_json::Value>)>,
) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("event")
                .and_then(|e| e.get("name"))
                .and_then(|n| n.as_str())
            {
                add_unique(events, name);
            }
            let field = map
                .get("field")
                .and_then(|f| f.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            if let Some(field) = field {
                let literals: Vec<serde_json::Value> = match (map.get("value"), map.get("values")) {
                    (Some(value), _) => vec![literal(value)],
                    (None, Some(serde_json::Value::Array(values))) => {
                        values.iter().map(literal).collect()
                    }
                    _ => vec![serde_json::Value::Bool(true)],
                };
                if !attributes.iter().any(|(name, _)| *name == field) {
                    attributes.push((field.clone(), Vec::new()));
                }
                let Some((_, entry)) = attributes.iter_mut().find(|(name, _)| *name == field)
                else {
                    return;
                };
                for value in literals {
                    // Values on both sides of each test, so conditions hold for some cases only.
                    let variants = match &value {
                        serde_json::Value::Number(n) => {
                            // Policy numbers are read as `f64`: every one converts back.
                            let n = n.as_f64().unwrap_or_default();
                            vec![
                                value.clone(),
                                serde_json::json!(n + 1.0),
                                serde_json::json!(n - 1.0),
                            ]
                        }
                        serde_json::Value::String(_) => vec![value, serde_json::json!("general")],
                        _ => vec![value],
                    };
                    for variant in variants {
                        if !entry.contains(&variant) {
                            entry.push(variant);
                        }
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                walk(child, events, attributes);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                walk(item, events, attributes);
            }
        }
        _ => {}
    }
}

/// The plain value of a serialized literal (`{"str": {"value": "x", …}}` → `"x"`); every literal
/// of the syntax tree serializes so.
fn literal(value: &serde_json::Value) -> serde_json::Value {
    value
        .as_object()
        .and_then(|map| map.values().next())
        .and_then(|inner| inner.get("value"))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// The next event of an open case: (time, case number, slot, event index).
type NextEvent = (DateTime<Utc>, u64, usize, usize);

/// One event of a case, before it is written.
struct Planned {
    at: DateTime<Utc>,
    /// The fields after `case` and `at`, as JSON text starting with `,`.
    rest: String,
}

/// The longest a generated case can last from its opening to its last event (or the appointment
/// time it names), by the steps of [`case_timeline`]: the first answer, at most 9 steps of two
/// gaps of up to 2 hours, a fulfilment of up to 2 hours for each, one gap per closing event, a
/// reopening and its close, and an appointment up to 2 hours after its step.
fn longest_case(words: &Vocabulary, options: &GenerateOptions) -> TimeDelta {
    const GAP: i64 = 2 * 3600;
    let closers = i64::try_from(words.closers.len()).unwrap_or(i64::MAX);
    let seconds = 150 + 9 * 2 * GAP + 9 * GAP + 3 * 3600 + 2 * GAP;
    let usual = TimeDelta::seconds(closers.saturating_mul(GAP).saturating_add(seconds));
    // A long case's steps take up to 1.5 times the long span instead of their usual gaps.
    let long = options.long_span.checked_mul(2).unwrap_or(TimeDelta::MAX);
    if options.long_share > 0.0 {
        usual.checked_add(&long).unwrap_or(TimeDelta::MAX)
    } else {
        usual
    }
}

/// The time over which cases open: `days` (the first case opens within the first share of them),
/// or 7 seconds a case.
fn arrivals_span(options: &GenerateOptions) -> Option<TimeDelta> {
    match options.days {
        Some(days) => TimeDelta::try_days(i64::from(days)),
        None => i64::try_from(options.cases.saturating_sub(1))
            .ok()
            .and_then(|cases| cases.checked_mul(7))
            .and_then(TimeDelta::try_seconds),
    }
}

/// When the case after case `number` opens, the one before having opened at `last`: 1 to 6
/// seconds later, or, over `days`, at a random time within its even share of them (so every case
/// opens within the days, in order).
fn next_arrival_time(
    arrivals: &mut Rng,
    options: &GenerateOptions,
    number: u64,
    last: DateTime<Utc>,
) -> DateTime<Utc> {
    match options.days {
        None => last + TimeDelta::seconds(1 + (arrivals.unit() * 6.0) as i64),
        Some(days) => {
            let spacing = f64::from(days) * 86_400.0 / options.cases.max(1) as f64;
            let offset = ((number + 1) as f64 + arrivals.unit()) * spacing;
            options.start + TimeDelta::seconds(offset as i64)
        }
    }
}

/// Checks that every instant of the stream falls in the supported range (years 0 to 9999 in UTC:
/// what `eval` reads): the first case opens at `options.start`, a case opens at most 7 seconds
/// after the one before, and a case lasts at most [`longest_case`]. The error says why, and the
/// latest start that fits.
fn check_start(words: &Vocabulary, options: &GenerateOptions) -> io::Result<()> {
    let refuse = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    if options.start.year() < 0 {
        return Err(refuse(format!(
            "`--start {}` is before 0000-01-01T00:00:00Z, the first instant covenant handles",
            options.start.to_rfc3339()
        )));
    }
    let last = Utc
        .with_ymd_and_hms(crate::limits::MAX_YEAR, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if !(0.0..=1.0).contains(&options.long_share) {
        return Err(refuse(format!(
            "`--long-share {}` is not a share between 0 and 1",
            options.long_share
        )));
    }
    if options.long_span <= TimeDelta::zero() {
        return Err(refuse(
            "`--long-span` must be longer than nothing".to_owned(),
        ));
    }
    let arrivals = arrivals_span(options);
    let span = arrivals.and_then(|arrivals| arrivals.checked_add(&longest_case(words, options)));
    let latest = span.and_then(|span| last.checked_sub_signed(span));
    match latest {
        Some(latest) if options.start <= latest => Ok(()),
        Some(latest) if latest.year() >= 0 => Err(refuse(format!(
            "{} cases from `--start {}` could run past 9999-12-31T23:59:59Z, the last instant \
             covenant handles: start at {} at the latest",
            options.cases,
            options.start.to_rfc3339(),
            latest.format("%Y-%m-%dT%H:%M:%SZ")
        ))),
        _ => Err(refuse(format!(
            "{} cases do not fit between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: generate fewer",
            options.cases
        ))),
    }
}

/// Writes `options.cases` cases for `policy` to `out` in time order; returns the number of events.
///
/// Every timestamp written is one `eval` reads: a start from which the stream could run outside the
/// years 0 to 9999 (UTC) is refused with an [`io::ErrorKind::InvalidInput`] error before anything
/// is written, and instants are written with the offset [`crate::time::shown_offset`] gives.
pub fn generate(
    policy: &Policy,
    options: &GenerateOptions,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let words = Vocabulary::of(policy);
    check_start(&words, options)?;
    // A policy without a timezone has its cases written in UTC.
    let zone = policy.timezone().unwrap_or(chrono_tz::UTC);
    let mut arrivals = Rng(options.seed);
    let mut next_arrival = options.start;
    let mut started = 0u64;
    let mut timelines: Vec<Option<(String, Vec<Planned>)>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    // (time, case number, slot, event index): the earliest event first, ties by case then position.
    let mut heap: BinaryHeap<Reverse<NextEvent>> = BinaryHeap::new();
    let mut written = 0u64;
    let mut line = String::new();
    loop {
        let next_event = heap.peek().map(|Reverse(entry)| entry.0);
        let start_case = started < options.cases && next_event.map_or(true, |t| next_arrival <= t);
        if start_case {
            let number = started;
            started += 1;
            let mut rng = Rng(options.seed ^ number.wrapping_mul(0xA076_1D64_78BD_642F));
            let long = long_span(options, number);
            let events = case_timeline(&words, &mut rng, next_arrival, long);
            let id = format!("C{number:07}");
            let slot = match free.pop() {
                Some(slot) => slot,
                None => {
                    timelines.push(None);
                    timelines.len() - 1
                }
            };
            if let Some(first) = events.first() {
                heap.push(Reverse((first.at, number, slot, 0)));
            }
            if let Some(entry) = timelines.get_mut(slot) {
                *entry = Some((id, events));
            }
            next_arrival = next_arrival_time(&mut arrivals, options, number, next_arrival);
            continue;
        }
        let Some(Reverse((_, number, slot, index))) = heap.pop() else {
            break;
        };
        // A slot in the heap holds its case's timeline until its last event is written.
        let Some((id, events)) = timelines.get(slot).and_then(|t| t.as_ref()) else {
            continue;
        };
        if let Some(event) = events.get(index) {
            line.clear();
            line.push_str("{\"case\":\"");
            line.push_str(id);
            line.push_str("\",\"at\":\"");
            line.push_str(&stamp(event.at, zone));
            line.push('"');
            line.push_str(&event.rest);
            line.push_str("}\n");
            out.write_all(line.as_bytes())?;
            written += 1;
        }
        match events.get(index + 1) {
            Some(next) => heap.push(Reverse((next.at, number, slot, index + 1))),
            None => {
                if let Some(entry) = timelines.get_mut(slot) {
                    *entry = None;
                }
                free.push(slot);
            }
        }
    }
    out.flush()?;
    Ok(written)
}

/// The span of case `number` when it is one of the long ones (`options.long_share` of them):
/// from `long_span` to 1.5 times it. Drawn from a generator of its own, so that the other cases,
/// and every case without long ones, are the same bytes as without.
fn long_span(options: &GenerateOptions, number: u64) -> Option<TimeDelta> {
    if options.long_share <= 0.0 {
        return None;
    }
    let mut rng = Rng(options.seed ^ number.wrapping_mul(0xE703_7ED1_A0B4_28DB) ^ 0x1F);
    if !rng.chance(options.long_share) {
        return None;
    }
    let extra = options.long_span.num_seconds() as f64 * 0.5 * rng.unit();
    TimeDelta::try_seconds(extra as i64).and_then(|extra| options.long_span.checked_add(&extra))
}

/// An instant in RFC 3339 with the offset of `zone`.
fn stamp(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&crate::time::shown_offset(zone, t))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A JSON string literal (serializing a string cannot fail).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A staff member of the given rank (`A…` agents, `S…` others).
fn staff(rng: &mut Rng, words: &Vocabulary, senior: bool) -> String {
    let rank = if senior {
        words
            .ranks
            .get(1 + rng.range(0, 1) as usize)
            .or(words.ranks.last())
    } else {
        words.ranks.first()
    };
    let id = format!("{}{:03}", if senior { "S" } else { "A" }, rng.range(1, 120));
    match rank {
        Some(rank) => format!("{{\"id\":{},\"rank\":{}}}", quoted(&id), quoted(rank)),
        None => format!("{{\"id\":{}}}", quoted(&id)),
    }
}

/// The events of one case opened at `start`: the opening lines, the first answer, a few steps
/// in between, the commitments fulfilled, and mostly the closing lines. A `long` case's steps are
/// spread evenly over that span instead of coming minutes or hours apart.
fn case_timeline(
    words: &Vocabulary,
    rng: &mut Rng,
    start: DateTime<Utc>,
    long: Option<TimeDelta>,
) -> Vec<Planned> {
    let mut timeline = Timeline {
        events: Vec::new(),
        t: start,
    };
    timeline.open(words, rng);
    let mut closers: Vec<&String> = words.closers.iter().collect();
    // The first stopping event (typically an answer) mostly comes quickly.
    if rng.chance(0.9) {
        timeline.t += TimeDelta::seconds(rng.range(3, 150) as i64);
        let first = closers.remove(0);
        let first = words.event(first, rng);
        timeline.push(first);
    }
    let mut open_commitments = Vec::new();
    let steps = rng.range(2, 9);
    // A long case's steps, each after an even share of its span.
    let step_gap = long.and_then(|span| span.checked_div(i32::try_from(steps).unwrap_or(1)));
    for step in 0..steps {
        let gap = rng.gap();
        timeline.t += step_gap.unwrap_or(TimeDelta::seconds(gap));
        timeline.step(words, rng, step, &mut open_commitments);
        if !closers.is_empty() && rng.chance(0.3) {
            let closer = words.event(closers.remove(0), rng);
            timeline.push(closer);
        }
    }
    for id in open_commitments {
        if rng.chance(0.8) {
            timeline.t += TimeDelta::seconds(rng.gap());
            timeline.push(format!(",\"type\":\"fulfilled\",\"ref\":{}", quoted(&id)));
        }
    }
    // Most cases are closed; a few stay open at the end of the stream.
    if rng.chance(0.95) {
        timeline.close(words, rng, closers);
    }
    timeline.events
}

/// The fields of an event of type `kind` alone.
fn plain(kind: &str) -> String {
    format!(",\"type\":{}", quoted(kind))
}

/// A case's events while they are planned, and the time reached.
struct Timeline {
    events: Vec<Planned>,
    t: DateTime<Utc>,
}

impl Timeline {
    /// An event with fields `rest` at the time reached.
    fn push(&mut self, rest: String) {
        self.events.push(Planned { at: self.t, rest });
    }

    /// The opening lines: the first carries the attributes and the first handler.
    fn open(&mut self, words: &Vocabulary, rng: &mut Rng) {
        let mut attributes = Vec::new();
        for (name, values) in &words.attributes {
            if rng.chance(0.9) {
                if let Some(value) = rng.pick(values) {
                    attributes.push(format!("{}:{}", quoted(name), value));
                }
            }
        }
        for (index, opener) in words.openers.iter().enumerate() {
            let mut rest = words.event(opener, rng);
            if index == 0 {
                rest.push_str(&format!(
                    ",\"handler\":{},\"attributes\":{{{}}}",
                    staff(rng, words, false),
                    attributes.join(",")
                ));
            }
            self.push(rest);
        }
    }

    /// One step between opening and closing: a pause and its resumption, a transfer, a
    /// commitment made (its id added to `open_commitments`), or another event the policy names.
    fn step(
        &mut self,
        words: &Vocabulary,
        rng: &mut Rng,
        step: u64,
        open_commitments: &mut Vec<String>,
    ) {
        let roll = rng.unit();
        if roll < 0.25 && !words.pauses.is_empty() {
            if let Some((pause, resume)) = rng.pick(&words.pauses) {
                let pause = words.event(pause, rng);
                self.push(pause);
                self.t += TimeDelta::seconds(rng.gap());
                let resume = words.event(resume, rng);
                self.push(resume);
            }
        } else if roll < 0.45 && words.transfers {
            let senior = rng.chance(0.3);
            let to = staff(rng, words, senior);
            let mut rest = words.event("transferred", rng);
            rest.push_str(&format!(",\"to\":{to}"));
            self.push(rest);
        } else if roll < 0.55 && words.commitments {
            let id = format!("p{step}");
            // `within` always holds `30m` and `2h`.
            let within = rng.pick(&words.within).cloned().unwrap_or_default();
            self.push(format!(
                ",\"type\":\"promised\",\"id\":{},\"within\":{}",
                quoted(&id),
                quoted(&within)
            ));
            open_commitments.push(id);
        } else if let Some(other) = rng.pick(&words.others) {
            let mut rest = words.event(other, rng);
            match other.as_str() {
                "notified" | "met" => {
                    rest.push_str(&format!(",\"with\":{}", staff(rng, words, true)));
                }
                "appointment" => {
                    let time = self.t + TimeDelta::seconds(rng.range(1800, 7200) as i64);
                    rest.push_str(&format!(
                        ",\"with\":{},\"time\":\"{}\"",
                        staff(rng, words, true),
                        time.format("%Y-%m-%dT%H:%M:%SZ")
                    ));
                }
                _ => {}
            }
            self.push(rest);
        }
    }

    /// The closing lines still to come, and sometimes a reopening closed again.
    fn close(&mut self, words: &Vocabulary, rng: &mut Rng, closers: Vec<&String>) {
        for closer in closers {
            self.t += TimeDelta::seconds(rng.gap());
            let closer = words.event(closer, rng);
            self.push(closer);
        }
        if let (Some(reopen), true) = (&words.reopen, rng.chance(0.08)) {
            self.t += TimeDelta::seconds(rng.range(1800, 3 * 3600) as i64);
            let reopen = words.event(reopen, rng);
            self.push(reopen);
            if let Some(last) = words.closers.last() {
                self.t += TimeDelta::seconds(rng.gap());
                let last = words.event(last, rng);
                self.push(last);
            }
        }
    }
}
