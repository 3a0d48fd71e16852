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

// ------------------------------------------------------------------ conditions

/// The input of the `conditions` target: a condition of `or`s of `and`s of `not`s over fields and
/// parenthesised conditions, each chain repeated up to tens of thousands of times.
#[derive(Arbitrary, Debug)]
pub struct Condition {
    /// The `and` chains joined by `or`.
    pub chains: Vec<AndChain>,
    /// How many times the list of chains is written (1 to 50,000).
    pub repeat: u16,
}

/// Terms joined by `and`.
#[derive(Arbitrary, Debug)]
pub struct AndChain {
    pub terms: Vec<Term>,
    /// How many times the list of terms is written (1 to 50,000).
    pub repeat: u16,
}

/// `not` written some times before an atom.
#[derive(Arbitrary, Debug)]
pub struct Term {
    pub nots: u16,
    pub atom: Atom,
}

/// A comparison, a presence test, or a parenthesised condition.
#[derive(Arbitrary, Debug)]
pub enum Atom {
    Field(u8),
    Paren(Box<Condition>),
}

/// The most bytes of condition text a `conditions` input is written to (a policy file may have
/// 4 MiB); a larger one is skipped.
const CONDITION_BUDGET: usize = 3 * 1024 * 1024;

/// What a generated condition is: its text, its depth as `docs/language.md` counts it (`not`,
/// `and`, `or` nodes on the longest path down to a comparison, the comparison included;
/// parentheses are not nodes), and how deep its parentheses nest.
struct Written {
    text: String,
    depth: usize,
    parens: usize,
}

/// The depth of a left-grouped chain of operands of depths `depths`: the first two are under
/// every operator, each later one under one operator fewer than the one before.
fn chain_depth(depths: &[usize]) -> usize {
    let count = depths.len();
    depths
        .iter()
        .enumerate()
        .map(|(i, depth)| depth + count - i.max(1))
        .max()
        .unwrap_or(0)
}

fn repeats(repeat: u16) -> usize {
    usize::from(repeat) % 50_000 + 1
}

impl Condition {
    /// The condition written out, or `None` when it would take more than `budget` bytes.
    fn write(&self, budget: &mut usize) -> Option<Written> {
        let mut text = String::new();
        let (mut depths, mut parens) = (Vec::new(), 0);
        let chains: Vec<Written> = self
            .chains
            .iter()
            .map(|chain| chain.write(budget))
            .collect::<Option<_>>()?;
        if chains.is_empty() {
            return None;
        }
        for _ in 0..repeats(self.repeat) {
            for chain in &chains {
                if !text.is_empty() {
                    text.push_str("\n or ");
                }
                *budget = budget.checked_sub(chain.text.len() + 5)?;
                text.push_str(&chain.text);
                depths.push(chain.depth);
                parens = parens.max(chain.parens);
            }
        }
        Some(Written {
            text,
            depth: chain_depth(&depths),
            parens,
        })
    }
}

impl AndChain {
    fn write(&self, budget: &mut usize) -> Option<Written> {
        let terms: Vec<Written> = self
            .terms
            .iter()
            .map(|term| term.write(budget))
            .collect::<Option<_>>()?;
        if terms.is_empty() {
            return None;
        }
        let mut text = String::new();
        let (mut depths, mut parens) = (Vec::new(), 0);
        for _ in 0..repeats(self.repeat) {
            for term in &terms {
                if !text.is_empty() {
                    text.push_str("\n and ");
                }
                *budget = budget.checked_sub(term.text.len() + 6)?;
                text.push_str(&term.text);
                depths.push(term.depth);
                parens = parens.max(term.parens);
            }
        }
        Some(Written {
            text,
            depth: chain_depth(&depths),
            parens,
        })
    }
}

impl Term {
    fn write(&self, budget: &mut usize) -> Option<Written> {
        let nots = usize::from(self.nots);
        *budget = budget.checked_sub(4 * nots)?;
        let atom = match &self.atom {
            Atom::Field(which) => Written {
                text: match which % 4 {
                    0 => "a".to_owned(),
                    1 => "kind == \"x\"".to_owned(),
                    2 => "n > 3".to_owned(),
                    _ => "kind != \"y\"".to_owned(),
                },
                depth: 1,
                parens: 0,
            },
            Atom::Paren(inner) => {
                let inner = inner.write(budget)?;
                Written {
                    text: format!("(\n{}\n)", inner.text),
                    depth: inner.depth,
                    parens: inner.parens + 1,
                }
            }
        };
        Some(Written {
            text: format!("{}{}", "not\n".repeat(nots), atom.text),
            depth: atom.depth + nots,
            parens: atom.parens,
        })
    }
}

/// `conditions`: a condition of long chains and deep nesting, under `applies when`, `target
/// when` or `where`, is checked on a thread with a 1 MiB stack; it is refused with `E0107`
/// exactly when it is deeper than `MAX_CONDITION_DEPTH` or its parentheses nest deeper than
/// `MAX_NESTING`, and otherwise it checks, formats to the same meaning, and evaluates twice to the
/// same report.
pub fn conditions(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let (Ok(place), Ok(condition)) = (u8::arbitrary(&mut input), Condition::arbitrary(&mut input))
    else {
        return;
    };
    condition_holds(place, &condition);
}

/// [`conditions`] for one condition under the place `place` picks.
pub fn condition_holds(place: u8, condition: &Condition) {
    let mut budget = CONDITION_BUDGET;
    let Some(written) = condition.write(&mut budget) else {
        return;
    };
    let body = match place % 3 {
        0 => format!(
            "  applies when {}\n  from opened\n  until resolved\n  target within 1h\n",
            written.text
        ),
        1 => format!(
            "  from opened\n  until resolved\n  target when {} within 1h\n",
            written.text
        ),
        _ => format!(
            "  from opened where {}\n  until resolved\n  target within 1h\n",
            written.text
        ),
    };
    let text = format!("policy \"P\" {{\n  timezone \"UTC\"\n}}\npromise p {{\n{body}}}\n");
    let too_deep = written.depth > covenant::limits::MAX_CONDITION_DEPTH
        || written.parens > covenant::limits::MAX_NESTING;
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let checked = covenant::check::check_text("c.policy", &text, Role::Policy);
            let codes: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|d| d.code.to_string())
                .collect();
            if too_deep {
                assert_eq!(codes, ["E0107"], "depth {}", written.depth);
                assert!(format_source(FileId(0), &text).is_err());
                return;
            }
            assert!(codes.is_empty(), "{codes:?}, depth {}", written.depth);
            fmt_roundtrip(text.as_bytes());
            let policy = Policy::parse(&text).unwrap();
            let case = Case::from_yaml_str(
                "id: C1\nattributes: {kind: x, n: 4, a: true}\nevents:\n  - {at: 2026-01-01T00:00:00Z, type: opened}\n",
            )
            .unwrap();
            let at: DateTime<Utc> = "2026-01-01T02:00:00Z".parse().unwrap();
            let first = policy.evaluate(&case, at);
            assert_eq!(first, policy.evaluate(&case, at));
        })
        .unwrap()
        .join()
        .unwrap();
}

// ------------------------------------------------------------------ imports

/// Where the files of an `imports` input may be: inside the policy's tree (`tree/`), beside it,
/// at an absolute path, or not a policy file. The root is the first.
const IMPORT_PLACES: [&str; 8] = [
    "tree/main.policy",
    "tree/a.policy",
    "tree/sub/b.policy",
    "tree/sub/deep/c.policy",
    "outside.policy",
    "/abs/x.policy",
    "tree/notes.txt",
    "tree/sub/a.policy",
];

/// What a `use` may say: relative paths down and up (`..`), absolute paths, the file itself, a
/// file that is missing, a file that is not a policy file.
const IMPORT_PATHS: [&str; 16] = [
    "a.policy",
    "sub/b.policy",
    "deep/c.policy",
    "../a.policy",
    "../main.policy",
    "../../outside.policy",
    "../outside.policy",
    "/abs/x.policy",
    "missing.policy",
    "main.policy",
    "./a.policy",
    "sub/../a.policy",
    "notes.txt",
    "../../../../etc/passwd.policy",
    "sub/deep/c.policy",
    "../sub/deep/../b.policy",
];

/// The input of the `imports` target: which files exist, and the `use`s of each.
#[derive(Arbitrary, Debug)]
pub struct ImportTree {
    pub files: Vec<ImportFile>,
}

/// One file: its place ([`IMPORT_PLACES`]) and its `use`s ([`IMPORT_PATHS`]).
#[derive(Arbitrary, Debug)]
pub struct ImportFile {
    pub place: u8,
    pub uses: Vec<u8>,
}

/// `path` with `.` dropped and `name/..` folded, as text.
fn lexical(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `imports`: a tree of in-memory files whose `use`s go down, up (`..`), to absolute paths, in
/// cycles and to missing files is loaded without a panic; exactly the files a model of the rules
/// reaches are read (never one outside `tree/`, never one that is not a `.policy` file); each
/// kind of bad `use` the model meets gives its error; a policy comes out exactly when there is no
/// error.
pub fn imports(data: &[u8]) {
    if let Ok(tree) = ImportTree::arbitrary(&mut Unstructured::new(data)) {
        import_tree_holds(&tree);
    }
}

/// [`imports`] for one tree of files.
pub fn import_tree_holds(tree: &ImportTree) {
    // The texts of the files: the root has the header; every file declares a term of its own.
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut uses: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let root_file = ImportFile {
        place: 0,
        uses: Vec::new(),
    };
    for file in std::iter::once(&root_file).chain(tree.files.iter().take(12)) {
        let place = IMPORT_PLACES[usize::from(file.place) % IMPORT_PLACES.len()];
        let written: Vec<&str> = file
            .uses
            .iter()
            .take(6)
            .map(|u| IMPORT_PATHS[usize::from(*u) % IMPORT_PATHS.len()])
            .collect();
        uses.entry(place.to_owned()).or_default().extend(written);
    }
    for (index, (place, written)) in uses.iter().enumerate() {
        let mut text = String::new();
        if place == IMPORT_PLACES[0] {
            text.push_str("policy \"P\" {\n  timezone \"UTC\"\n}\n");
        }
        for path in written {
            text.push_str(&format!("use \"{path}\"\n"));
        }
        text.push_str(&format!("term t{index} = 5m\n"));
        texts.insert(place.clone(), text);
    }
    // The model: depth first from the root, as the loader goes.
    #[derive(Default)]
    struct Model {
        loaded: Vec<String>,
        outside: bool,
        not_policy: bool,
        missing: bool,
        cycle: bool,
    }
    fn visit(
        file: &str,
        uses: &BTreeMap<String, Vec<&str>>,
        stack: &mut Vec<String>,
        model: &mut Model,
    ) {
        model.loaded.push(file.to_owned());
        stack.push(file.to_owned());
        let folder = file.rsplit_once('/').map_or("", |(folder, _)| folder);
        for written in uses.get(file).into_iter().flatten() {
            let target = if written.starts_with('/') {
                lexical(written)
            } else {
                lexical(&format!("{folder}/{written}"))
            };
            if !target.starts_with("tree/") {
                model.outside = true;
            } else if !target.ends_with(".policy") {
                model.not_policy = true;
            } else if !uses.contains_key(&target) {
                model.missing = true;
            } else if stack.contains(&target) {
                model.cycle = true;
            } else if !model.loaded.contains(&target) {
                visit(&target, uses, stack, model);
            }
        }
        stack.pop();
    }
    let mut model = Model::default();
    visit(IMPORT_PLACES[0], &uses, &mut Vec::new(), &mut model);

    let mut files = InMemory::new();
    for (place, text) in &texts {
        files = files.with(place, text.as_str());
    }
    let checked = check_sources(Path::new(IMPORT_PLACES[0]), &files, Role::Policy);
    let mut read: Vec<String> = checked
        .sources
        .files()
        .map(|(_, file)| file.path.display().to_string())
        .collect();
    let mut expected = model.loaded.clone();
    read.sort();
    expected.sort();
    assert_eq!(read, expected, "{texts:?}");
    let codes: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    let has = |code: &str| codes.iter().any(|c| c == code);
    assert_eq!(has("E0220"), model.outside, "{codes:?} {texts:?}");
    assert_eq!(has("E0222"), model.not_policy, "{codes:?} {texts:?}");
    assert_eq!(has("E0201"), model.missing, "{codes:?} {texts:?}");
    assert_eq!(has("E0202"), model.cycle, "{codes:?} {texts:?}");
    for diagnostic in &checked.diagnostics {
        assert!(!diagnostic.render_plain(&checked.sources).is_empty());
    }
    assert_eq!(checked.policy.is_some(), !checked.has_errors());
    assert_eq!(
        checked.has_errors(),
        model.outside || model.not_policy || model.missing || model.cycle,
        "{codes:?} {texts:?}"
    );
}
