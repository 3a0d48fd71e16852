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
