//! Parser tests: fixtures that must parse (AST snapshots), fixtures that must fail (diagnostic
//! snapshots), and a never-panic loop over random and mutated input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use covenant::diag::SourceMap;
use covenant::syntax::{ast::FileId, parse};
use serde_json::Value;
use std::path::Path;

/// Where the fixture folders are.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The fixture's path relative to the crate root, so snapshots do not depend on the checkout.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The AST as data without positions, with names and texts shown as plain strings: what the parser
/// understood, easy to read. Positions are tested by `spans_point_at_the_names`.
fn readable(file: &covenant::syntax::ast::File) -> Value {
    fn strip(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let map: serde_json::Map<String, Value> = map
                    .into_iter()
                    .filter(|(key, value)| {
                        !(key == "span"
                            || (matches!(key.as_str(), "file" | "start" | "end")
                                && value.is_number()))
                    })
                    .map(|(key, value)| (key, strip(value)))
                    .collect();
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                match keys.as_slice() {
                    ["name"] | ["value"] => map
                        .into_iter()
                        .next()
                        .map(|(_, v)| v)
                        .unwrap_or(Value::Null),
                    _ => Value::Object(map),
                }
            }
            Value::Array(items) => Value::Array(items.into_iter().map(strip).collect()),
            other => other,
        }
    }
    strip(serde_json::to_value(&file.items).unwrap())
}

#[test]
fn parse_ok() {
    insta::glob!(FIXTURES, "parse_ok/*.policy", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(relative(path), text.clone());
        match parse(id, &text) {
            Ok(file) => insta::assert_yaml_snapshot!(readable(&file)),
            Err(diagnostics) => {
                let rendered: String = diagnostics
                    .iter()
                    .map(|d| d.render_plain(&sources))
                    .collect();
                panic!("{} should parse:\n{rendered}", relative(path));
            }
        }
    });
}

#[test]
fn parse_err() {
    insta::glob!(FIXTURES, "parse_err/*.policy", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(relative(path), text.clone());
        let diagnostics = parse(id, &text).expect_err("fixture should fail to parse");
        let rendered: String = diagnostics
            .iter()
            .map(|d| d.render_plain(&sources))
            .collect();
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn empty_file_parses() {
    let file = parse(FileId(0), "").unwrap();
    assert!(file.items.is_empty());
}

/// Every name in the AST points at exactly its text in the file.
#[test]
fn spans_point_at_the_names() {
    fn walk(value: &Value, text: &str, checked: &mut usize) {
        match value {
            Value::Object(map) => {
                if let (Some(Value::String(name)), Some(span)) = (map.get("name"), map.get("span"))
                {
                    let start = span["start"].as_u64().unwrap() as usize;
                    let end = span["end"].as_u64().unwrap() as usize;
                    assert_eq!(&text[start..end], name);
                    *checked += 1;
                }
                map.values().for_each(|v| walk(v, text, checked));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, text, checked)),
            _ => {}
        }
    }
    let path = Path::new(FIXTURES).join("parse_ok/language_sketch.policy");
    let text = std::fs::read_to_string(path).unwrap();
    let file = parse(FileId(7), &text).unwrap();
    let mut checked = 0;
    walk(&serde_json::to_value(&file).unwrap(), &text, &mut checked);
    assert!(checked > 50, "only {checked} names checked");
}

/// Every diagnostic points inside the text, on character boundaries.
fn assert_spans_inside(
    text: &str,
    result: &Result<covenant::syntax::ast::File, Vec<covenant::diag::Diagnostic>>,
) {
    if let Err(diagnostics) = result {
        assert!(!diagnostics.is_empty());
        for d in diagnostics {
            let span = d.primary().unwrap();
            assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{d:?}"
            );
        }
    }
}

fn fixture_texts() -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(Path::new(FIXTURES).join("parse_ok"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Words and symbols of the language, to build token soups that get deeper into the grammar than
/// random characters do.
const VOCABULARY: &[&str] = &[
    "policy",
    "use",
    "calendar",
    "like",
    "open",
    "closed",
    "timezone",
    "24x7",
    "ranks",
    "venues",
    "public",
    "private",
    "term",
    "vague",
    "promise",
    "applies",
    "when",
    "from",
    "until",
    "pause",
    "resume",
    "restart",
    "on",
    "target",
    "within",
    "workdays",
    "by",
    "next",
    "day",
    "same",
    "in",
    "days",
    "if",
    "before",
    "warn",
    "at",
    "standard",
    "most",
    "least",
    "require",
    "after",
    "commitments",
    "time",
    "keep",
    "grace",
    "escalation",
    "trigger",
    "breach",
    "of",
    "step",
    "change",
    "handler",
    "to",
    "rank",
    "above",
    "current",
    "not",
    "subject",
    "venue",
    "appoint",
    "appointment",
    "notify",
    "do",
    "stop",
    "objective",
    "met",
    "breached",
    "per",
    "week",
    "month",
    "where",
    "and",
    "or",
    "true",
    "false",
    "mon",
    "fri",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "<",
    ">=",
    "-",
    "..",
    "\"x\"",
    "\"",
    "#",
    "\n",
    "5m",
    "1h30m",
    "75%",
    "2",
    "09:00",
    "25:00",
    "2026-02-30",
    "投诉",
    "x",
    "99999999999999999999",
    "99999999999999999999d",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let result = parse(FileId(0), &text);
        assert_spans_inside(&text, &result);
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..60)) {
        let text = words.join(" ");
        let result = parse(FileId(0), &text);
        assert_spans_inside(&text, &result);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        pick in proptest::prelude::any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(
            (proptest::prelude::any::<proptest::sample::Index>(), 0u8..3, proptest::prelude::any::<u8>()),
            1..6,
        ),
    ) {
        let texts = fixture_texts();
        let mut bytes = pick.get(&texts).clone().into_bytes();
        for (at, kind, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => {
                    bytes.remove(i);
                }
                1 => bytes.insert(i, byte),
                _ => {
                    let j = (i + 1) % bytes.len();
                    bytes.swap(i, j);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = parse(FileId(0), &text);
        assert_spans_inside(&text, &result);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let text = format!(
        "promise p {{ applies when {}a{} }}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let result = parse(FileId(0), &text);
    assert!(result.is_err());
    let text = format!(
        "promise p {{ applies when {}a from x until y target within 1m }}",
        "not\n".repeat(5000)
    );
    let diagnostics = parse(FileId(0), &text).unwrap_err();
    assert_eq!(diagnostics[0].code.as_str(), "E0107");
    let text = format!(
        "promise p {{ applies when a{} from x until y target within 1m }}",
        "\nand a".repeat(5000)
    );
    let diagnostics = parse(FileId(0), &text).unwrap_err();
    assert_eq!(diagnostics[0].code.as_str(), "E0107");
}

/// Every policy shipped in `policies/` parses.
#[test]
fn shipped_policies_parse() {
    let mut count = 0;
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/policies"),
        "**/*.policy",
        |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let mut sources = SourceMap::new();
            let id = sources.add(relative(path), text.clone());
            if let Err(diagnostics) = parse(id, &text) {
                let rendered: String = diagnostics
                    .iter()
                    .map(|d| d.render_plain(&sources))
                    .collect();
                panic!("{rendered}");
            }
            count += 1;
        }
    );
    assert!(count >= 2);
}

/// Every `policy` example in the language reference parses.
#[test]
fn documented_examples_parse() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let mut examples = 0;
    for block in doc.split("```policy\n").skip(1) {
        let example = block.split("```").next().unwrap();
        if let Err(diagnostics) = parse(FileId(0), example) {
            panic!("example does not parse: {diagnostics:?}\n{example}");
        }
        examples += 1;
    }
    assert!(examples >= 10, "only {examples} examples found");
}
