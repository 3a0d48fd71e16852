//! Evaluation of arbitrary timelines against the example policies in `policies/`: never a panic,
//! and the same inputs always give the same report, which every emitter can write.
//!
//! Event types, attribute names and values, ranks and venues are drawn mostly from the words of
//! the policy itself, so the timelines reach the promises, standards and escalations; times are
//! mostly minutes apart, sometimes anywhere in the supported range.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, TimeDelta, Utc};
use covenant::case::{Event, Staff, Value};
use covenant::eval::Evaluator;
use covenant::report::Format;
use covenant::{Case, Policy};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A policy and the words its text uses.
struct Example {
    policy: Policy,
    words: Vec<String>,
}

fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

fn examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let mut files = Vec::new();
        policy_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies"),
            &mut files,
        );
        let examples: Vec<Example> = files
            .iter()
            .filter_map(|path| {
                let policy = Policy::load(path).ok()?;
                let text = std::fs::read_to_string(path).ok()?;
                let mut words: Vec<String> = text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
                words.sort();
                words.dedup();
                Some(Example { policy, words })
            })
            .collect();
        assert!(!examples.is_empty(), "no example policy loaded");
        examples
    })
}

/// A word: one of the policy's, or any text.
#[derive(Arbitrary, Debug)]
enum Word {
    Known(u16),
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Word(Word),
    Number(f64),
    Bool(bool),
    Null,
}

/// When something happens, relative to the previous event.
#[derive(Arbitrary, Debug)]
enum Gap {
    Minutes(u16),
    Days(u8),
    /// Any instant chrono can hold, in seconds since 1970.
    Anywhere(i64),
}

#[derive(Arbitrary, Debug)]
struct StaffInput {
    id: Word,
    rank: Option<Word>,
}

#[derive(Arbitrary, Debug)]
struct EventInput {
    gap: Gap,
    kind: Word,
    handler: Option<StaffInput>,
    to: Option<StaffInput>,
    with: Option<StaffInput>,
    venue: Option<Word>,
    subject: Vec<Word>,
    set: Vec<(Word, Scalar)>,
    time: Option<Gap>,
    due: Option<Gap>,
    within: Option<Word>,
    id: Option<Word>,
    reference: Option<Word>,
    fields: Vec<(Word, Scalar)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    policy: u8,
    start: Gap,
    attributes: Vec<(Word, Scalar)>,
    events: Vec<EventInput>,
    as_of: Gap,
}

struct Builder<'a> {
    words: &'a [String],
}

impl Builder<'_> {
    fn word(&self, word: Word) -> String {
        match word {
            Word::Known(i) => self
                .words
                .get(usize::from(i) % self.words.len().max(1))
                .cloned()
                .unwrap_or_default(),
            Word::Other(text) => text,
        }
    }
    fn value(&self, scalar: Scalar) -> Value {
        match scalar {
            Scalar::Word(w) => Value::Str(self.word(w)),
            Scalar::Number(n) => Value::Number(n),
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Null => Value::Null,
        }
    }
    fn map(&self, entries: Vec<(Word, Scalar)>) -> BTreeMap<String, Value> {
        entries
            .into_iter()
            .map(|(k, v)| (self.word(k), self.value(v)))
            .collect()
    }
    fn staff(&self, staff: Option<StaffInput>) -> Option<Staff> {
        staff.map(|s| Staff {
            id: self.word(s.id),
            rank: s.rank.map(|r| self.word(r)),
        })
    }
}

fn after(t: DateTime<Utc>, gap: Gap) -> DateTime<Utc> {
    match gap {
        Gap::Minutes(m) => t
            .checked_add_signed(TimeDelta::minutes(i64::from(m)))
            .unwrap_or(t),
        Gap::Days(d) => t
            .checked_add_signed(TimeDelta::days(i64::from(d)))
            .unwrap_or(t),
        Gap::Anywhere(seconds) => DateTime::from_timestamp(seconds, 0).unwrap_or(if seconds < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    let examples = examples();
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let Some(example) = examples.get(usize::from(input.policy) % examples.len()) else {
        return;
    };
    let words = Builder {
        words: &example.words,
    };
    let base = DateTime::from_timestamp(1_781_827_200, 0).unwrap_or_default(); // 2026-06-19
    let start = after(base, input.start);
    let mut at = start;
    let mut events = Vec::new();
    for e in input.events {
        at = after(at, e.gap);
        events.push(Event {
            at,
            kind: words.word(e.kind),
            handler: words.staff(e.handler),
            to: words.staff(e.to),
            with: words.staff(e.with),
            venue: e.venue.map(|v| words.word(v)),
            subject: e.subject.into_iter().map(|w| words.word(w)).collect(),
            set: words.map(e.set),
            time: e.time.map(|g| after(at, g)),
            due: e.due.map(|g| after(at, g)),
            within: e.within.map(|w| words.word(w)),
            id: e.id.map(|w| words.word(w)),
            reference: e.reference.map(|w| words.word(w)),
            fields: words.map(e.fields),
            line: Some(events.len() + 1),
        });
    }
    events.sort_by_key(|e| e.at);
    let case = Case {
        id: "fuzz".to_owned(),
        attributes: words.map(input.attributes),
        events,
        ..Case::default()
    };
    let as_of = after(at, input.as_of);
    let evaluator = Evaluator::new(&example.policy);
    let first = evaluator.evaluate(&case, as_of);
    let second = example.policy.evaluate(&case, as_of);
    assert_eq!(first, second, "evaluation is not deterministic");
    let report = evaluator.report(vec![first], &[], as_of);
    for format in [Format::Human, Format::Json, Format::Jsonl, Format::Yaml] {
        if let Err(error) = report.emit(format) {
            panic!("cannot emit {format:?}: {error}");
        }
    }
});
