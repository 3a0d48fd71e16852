//! The properties the fuzz targets in `fuzz/` check, one function per target. The targets call
//! them on every input libFuzzer makes; the `fuzzing` tests call them on every input kept in
//! `fuzz/regressions/<target>/`, so an input that once failed is checked by `cargo test` forever.
//!
//! Each function panics when a property fails (that is how libFuzzer learns of it).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "fuzz properties fail by panicking"
)]

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, TimeDelta, Utc};
use covenant::case::{read_str, CaseFormat, CaseReader, Event, ReadOptions, Staff, Value};
use covenant::check::{check_sources, Checked, InMemory, Role, Within};
use covenant::eval::Evaluator;
use covenant::fmt::{format_source, without_spans};
use covenant::report::Format;
use covenant::syntax::{ast::FileId, parse};
use covenant::{Case, Policy};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The shared declarations of the example policies, which most of them `use`.
const SHARED_CALENDARS: &str = include_str!("../../../policies/shared/calendars.policy");

/// The shared vocabulary of the example policies, which most of them `use`.
const SHARED_VOCABULARY: &str = include_str!("../../../policies/shared/vocabulary.policy");

/// Where a fuzzed policy is, among the in-memory files: beside the example policies, so that
/// their `use "../shared/calendars.policy"` finds the shared file.
pub const FUZZ_POLICY: &str = "policies/fuzz/fuzz.policy";

/// Checks `text` as the file [`FUZZ_POLICY`] of an in-memory set that also holds the shared
/// calendars and vocabulary files, in `policies/shared/` and beside the fuzzed file (as
/// `calendars.policy` and `vocabulary.policy`): a policy that `use`s them reaches the checker
/// instead of stopping at `E0201`.
pub fn checked(text: &str, role: Role) -> Checked {
    let files = InMemory::new()
        .with(FUZZ_POLICY, text)
        .with("policies/shared/calendars.policy", SHARED_CALENDARS)
        .with("policies/fuzz/calendars.policy", SHARED_CALENDARS)
        .with("policies/shared/vocabulary.policy", SHARED_VOCABULARY)
        .with("policies/fuzz/vocabulary.policy", SHARED_VOCABULARY);
    // The example policies import from the folder beside theirs: the tree is `policies/`.
    check_sources(
        Path::new(FUZZ_POLICY),
        &Within::new(&files, Path::new("policies")),
        role,
    )
}

/// `check`: policy text through the loader (its `use` resolved against an in-memory set of
/// files, see [`checked`]), the parser and the checker gives a policy or diagnostics, never a
/// panic, and every diagnostic renders against the sources it points into.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for role in [Role::Policy, Role::Auto] {
        let checked = checked(text, role);
        for diagnostic in &checked.diagnostics {
            let rendered = diagnostic.render_plain(&checked.sources);
            assert!(!rendered.is_empty());
        }
        if role == Role::Policy {
            assert_eq!(checked.policy.is_some(), !checked.has_errors());
        }
    }
}

/// `fmt_roundtrip`: text that parses formats to text that parses to the same AST (spans aside),
/// and formatting is idempotent. The formatter checks the first property itself and answers
/// `E0901` when it fails, so an `E0901` here is a formatter bug.
pub fn fmt_roundtrip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    let Ok(ast) = parse(file, text) else {
        assert!(format_source(file, text).is_err());
        return;
    };
    let formatted = match format_source(file, text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => panic!("a file that parses did not format: {diagnostics:?}"),
    };
    let reparsed = match parse(file, &formatted) {
        Ok(reparsed) => reparsed,
        Err(diagnostics) => panic!("formatted text does not parse: {diagnostics:?}\n{formatted}"),
    };
    assert_eq!(without_spans(&ast), without_spans(&reparsed), "{formatted}");
    let again = format_source(file, &formatted);
    assert_eq!(again.as_deref(), Ok(formatted.as_str()), "not idempotent");
}

/// `cases`: the case readers (YAML, JSON, JSONL) give cases and rejections, never a panic; every
/// case keeps its events in time order, a rejection always says where and why, and reading the
/// same text twice rejects each case of the second copy as a duplicate (nothing is dropped,
/// nothing counted twice). With the venues and the vocabulary of an example policy, a case that is
/// read is read as it is without them: they only reject. The first byte picks the format and the
/// read options.
pub fn cases(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match selector % 4 {
        0 => CaseFormat::Yaml,
        1 => CaseFormat::Json,
        2 => CaseFormat::Jsonl,
        _ => CaseFormat::sniff(text),
    };
    let opts = ReadOptions {
        default_tz: (selector & 0x10 != 0).then_some(chrono_tz::Asia::Shanghai),
        ranks: (selector & 0x20 != 0).then(|| {
            vec![
                "agent".to_owned(),
                "supervisor".to_owned(),
                "manager".to_owned(),
            ]
        }),
        ..ReadOptions::default()
    };
    let declared = ReadOptions {
        venues: (selector & 0x40 != 0)
            .then(|| vocabulary_options().venues.clone())
            .flatten(),
        vocabulary: vocabulary_options().vocabulary.clone(),
        ..opts.clone()
    };
    let opts = if selector & 0x80 != 0 { declared } else { opts };
    let batch = read_str("fuzz", text, format, &opts);
    if opts.vocabulary.is_some() {
        let free = ReadOptions {
            vocabulary: None,
            venues: None,
            ..opts.clone()
        };
        let without = read_str("fuzz", text, format, &free);
        for case in &batch.cases {
            assert!(without.cases.contains(case), "{}", case.id);
        }
        assert_eq!(
            without.cases.len() + without.rejected.len(),
            batch.cases.len() + batch.rejected.len()
        );
    }
    for case in &batch.cases {
        assert!(case.events.windows(2).all(|w| w[0].at <= w[1].at));
    }
    for rejected in &batch.rejected {
        assert_eq!(&*rejected.source.file, "fuzz");
        assert!(!rejected.error.is_empty());
    }
    if format != CaseFormat::Jsonl {
        let mut reader = CaseReader::new(opts);
        reader.add_str("fuzz", text, format);
        reader.add_str("fuzz", text, format);
        let twice = reader.finish();
        assert_eq!(twice.cases, batch.cases);
        assert_eq!(
            twice.rejected.len(),
            2 * batch.rejected.len() + batch.cases.len()
        );
    }
    let _ = Case::from_yaml_str(text);
    let _ = Case::from_json_str(text);
}

/// The read options of the logistics example policy: its venues and its vocabulary (with the
/// shared one).
fn vocabulary_options() -> &'static ReadOptions {
    static OPTIONS: OnceLock<ReadOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let text = include_str!("../../../policies/logistics/complaints.policy");
        let policy = checked(text, Role::Policy).policy;
        policy
            .as_ref()
            .map(ReadOptions::for_policy)
            .unwrap_or_default()
    })
}

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
        // The crate root from the tests, `fuzz/` from the fuzz targets.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for folder in [root.join("policies"), root.join("../policies")] {
            policy_files(&folder, &mut files);
        }
        let examples: Vec<Example> = files
            .iter()
            .filter_map(|path| {
                let tree = path.parent()?.parent()?;
                let policy = Policy::load_within(path, tree).ok()?;
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

/// `evaluate`: arbitrary timelines against the example policies in `policies/` never panic nor
/// break an invariant of the evaluator (an internal error), the same inputs always give the same
/// report, and every emitter can write it.
///
/// Event types, attribute names and values, ranks and venues are drawn mostly from the words of
/// the policy itself, so the timelines reach the promises, standards and escalations; times are
/// mostly minutes apart, sometimes anywhere chrono can hold.
pub fn evaluate(data: &[u8]) {
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
    // No input breaks an invariant of the evaluator.
    let first = match evaluator.try_evaluate(&case, as_of) {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    };
    let second = example.policy.evaluate(&case, as_of);
    assert_eq!(first, second, "evaluation is not deterministic");
    let report = evaluator.report(vec![first], &[], as_of);
    for format in [Format::Human, Format::Json, Format::Jsonl, Format::Yaml] {
        if let Err(error) = report.emit(format) {
            panic!("cannot emit {format:?}: {error}");
        }
    }
}
