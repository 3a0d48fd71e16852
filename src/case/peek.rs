//! The case id of a JSON Lines line, found without reading the line into an event.
//!
//! A stream is grouped by case long before its cases are evaluated; [`case_of`] lets a line wait
//! in its case as text, to be read when the case is complete (`jsonl::Group`), which keeps the
//! lines of the open cases small and together in memory. It says `Some(id)` only for a line that
//! the reader certainly gives to case `id`: one JSON object from `{` to `}`, valid JSON all through,
//! with exactly one top-level `case` field, a string without escapes. Whatever else the line holds
//! (a bad timestamp, a field given twice, an unknown rank or venue, a word the policy's vocabulary
//! does not declare) then rejects case `id` at this line, when the line is read, exactly as it
//! would have at once. Anything it is not sure of (escapes in
//! top-level keys, numbers with an exponent or very long, deep nesting, UTF-16 surrogate escapes) is
//! `None`, and the caller reads the line at once.

use super::{fields, scan};
use crate::limits::MAX_JSONL_LINE_BYTES;

/// Nesting deeper than this is left to the reader, whose limits apply.
const MAX_DEPTH: usize = 16;

/// Numbers longer than this are left to the reader (which refuses those out of an `f64`'s range).
const MAX_NUMBER: usize = 24;

/// The value of the line's `case` key, at `at`: a string without escapes, and the first `case`
/// of the line (`id` is the one before, if any).
#[inline(always)]
fn case_value<'t>(text: &'t str, at: &mut usize, id: Option<&str>) -> Option<&'t str> {
    let bytes = text.as_bytes();
    if id.is_some() || next(bytes, at)? != b'"' {
        return None;
    }
    let (start, end, plain) = string(bytes, at)?;
    if !plain {
        return None;
    }
    text.get(start..end)
}

/// A value starting with `byte` at `at`: a scalar is passed over, an object or a list is opened
/// (one level deeper, its kind kept in `lists`). What comes next.
#[inline(always)]
fn value(
    bytes: &[u8],
    at: &mut usize,
    byte: u8,
    depth: &mut usize,
    lists: &mut u32,
) -> Option<Expect> {
    match byte {
        b'"' => {
            string(bytes, at)?;
        }
        b'{' | b'[' => {
            *at += 1;
            let opened = if byte == b'[' {
                *lists |= 1 << *depth;
                Expect::FirstValue
            } else {
                *lists &= !(1 << *depth);
                Expect::FirstKey
            };
            *depth += 1;
            return Some(opened);
        }
        b't' => word(bytes, at, b"true")?,
        b'f' => word(bytes, at, b"false")?,
        b'n' => word(bytes, at, b"null")?,
        _ => number(bytes, at)?,
    }
    Some(Expect::After)
}

/// The id of the case `text` certainly belongs to, when it is sure (see the module's header).
///
/// One pass over the bytes, token by token, with the open objects and lists kept as bits: no
/// recursion and no call per value.
pub(super) fn case_of(text: &str) -> Option<&str> {
    if !(text.starts_with('{') && text.ends_with('}')) || text.len() > MAX_JSONL_LINE_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    let mut at = 1;
    // Open objects and lists: `depth` of them, bit `d` of `lists` set when the one at depth `d + 1`
    // is a list. The line's object is at depth 1; a value inside a container at depth `d` is at
    // depth `d` (as `MAX_DEPTH` counts).
    let mut depth = 1usize;
    let mut lists = 0u32;
    let mut id = None;
    let mut expect = Expect::FirstKey;
    loop {
        let byte = next(bytes, &mut at)?;
        match expect {
            Expect::FirstKey | Expect::Key => {
                if byte == b'}' && matches!(expect, Expect::FirstKey) {
                    at += 1;
                    depth -= 1;
                    if depth == 0 {
                        return (at == bytes.len()).then_some(id?);
                    }
                    expect = Expect::After;
                    continue;
                }
                if byte != b'"' {
                    return None;
                }
                let (start, end, plain) = string(bytes, &mut at)?;
                if next(bytes, &mut at)? != b':' {
                    return None;
                }
                at += 1;
                if depth == 1 {
                    // A key with escapes could spell `case`.
                    if !plain {
                        return None;
                    }
                    if bytes.get(start..end)? == fields::CASE.as_bytes() {
                        id = Some(case_value(text, &mut at, id)?);
                        expect = Expect::After;
                        continue;
                    }
                }
                expect = Expect::Value;
            }
            Expect::FirstValue | Expect::Value => {
                if byte == b']' && matches!(expect, Expect::FirstValue) {
                    at += 1;
                    depth -= 1;
                    expect = Expect::After;
                    continue;
                }
                if depth > MAX_DEPTH {
                    return None;
                }
                expect = value(bytes, &mut at, byte, &mut depth, &mut lists)?;
            }
            Expect::After => {
                let in_list = lists & (1 << (depth - 1)) != 0;
                at += 1;
                match byte {
                    b',' => expect = if in_list { Expect::Value } else { Expect::Key },
                    b']' if in_list => depth -= 1,
                    b'}' if !in_list => {
                        depth -= 1;
                        if depth == 0 {
                            return (at == bytes.len()).then_some(id?);
                        }
                    }
                    _ => return None,
                }
            }
        }
    }
}

/// What may come next in [`case_of`]'s pass.
#[derive(Clone, Copy)]
enum Expect {
    /// A key, or the end of an object just opened.
    FirstKey,
    /// A key, after a comma.
    Key,
    /// A value, or the end of a list just opened.
    FirstValue,
    /// A value, after a colon or a comma.
    Value,
    /// A comma or the end of the container, after a value.
    After,
}

/// The next byte from `at` on that is not JSON whitespace, not taken (`at` moved to it).
fn next(bytes: &[u8], at: &mut usize) -> Option<u8> {
    while let Some(&byte) = bytes.get(*at) {
        if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            return Some(byte);
        }
        *at += 1;
    }
    None
}

/// A string, from its opening quote at `at`: where its text starts and ends, and whether it has no
/// escapes.
#[inline(always)]
fn string(bytes: &[u8], at: &mut usize) -> Option<(usize, usize, bool)> {
    *at += 1;
    let start = *at;
    let mut plain = true;
    loop {
        *at += scan::plain_run(bytes.get(*at..)?);
        match *bytes.get(*at)? {
            b'"' => {
                *at += 1;
                return Some((start, *at - 1, plain));
            }
            b'\\' => {
                plain = false;
                *at += 1;
                match *bytes.get(*at)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => *at += 1,
                    b'u' => {
                        let hex = bytes.get(*at + 1..*at + 5)?;
                        let hex = std::str::from_utf8(hex).ok()?;
                        let unit = u32::from_str_radix(hex, 16).ok()?;
                        // `+` is accepted by from_str_radix; surrogates need pairing.
                        if hex.starts_with('+') || (0xD800..0xE000).contains(&unit) {
                            return None;
                        }
                        *at += 5;
                    }
                    _ => return None,
                }
            }
            // A control character.
            _ => return None,
        }
    }
}

fn word(bytes: &[u8], at: &mut usize, word: &[u8]) -> Option<()> {
    let next = *at + word.len();
    (bytes.get(*at..next)? == word).then(|| *at = next)
}

/// A number of JSON's grammar without an exponent: `-`, then `0` or digits not starting with `0`,
/// then an optional fraction.
fn number(bytes: &[u8], at: &mut usize) -> Option<()> {
    let start = *at;
    if bytes.get(*at) == Some(&b'-') {
        *at += 1;
    }
    let whole = digits(bytes, at);
    if whole == 0 || (whole > 1 && bytes.get(*at - whole) == Some(&b'0')) {
        return None;
    }
    if bytes.get(*at) == Some(&b'.') {
        *at += 1;
        if digits(bytes, at) == 0 {
            return None;
        }
    }
    let next = bytes.get(*at).copied();
    if matches!(next, Some(b'e' | b'E')) || *at - start > MAX_NUMBER {
        return None;
    }
    Some(())
}

fn digits(bytes: &[u8], at: &mut usize) -> usize {
    let start = *at;
    while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
        *at += 1;
    }
    *at - start
}

#[cfg(test)]
mod tests {
    use super::case_of;

    #[test]
    fn plain_lines_give_their_case() {
        let line = r#"{"case":"C1","at":"2026-06-01T09:00:00Z","type":"opened","n":-1.5,"x":[true,null,{"a":"\u00e9\n"}]}"#;
        assert_eq!(case_of(line), Some("C1"));
        assert_eq!(case_of(r#"{ "at" : 1 , "case" : "C 2" }"#), Some("C 2"));
        // Whatever the reader makes of the other fields, the line is case C3's.
        assert_eq!(
            case_of(r#"{"case":"C3","at":"not a time","at":5}"#),
            Some("C3")
        );
    }

    #[test]
    fn anything_unsure_is_left_to_the_reader() {
        for line in [
            r#"{"case":"C1","case":"C2"}"#,
            r#"{"case":"C\u0031"}"#,
            r#"{"ca\u0073e":"C1","case":"C2"}"#,
            r#"{"case":1}"#,
            r#"{"case":null}"#,
            r#"{"at":1}"#,
            r#"{}"#,
            r#"{"case":"C1",}"#,
            r#"{"case":"C1","n":01}"#,
            r#"{"case":"C1","n":1e400}"#,
            r#"{"case":"C1","n":1.}"#,
            r#"{"case":"C1","n":-}"#,
            r#"{"case":"C1","s":"\ud800"}"#,
            r#"{"case":"C1","s":"\x"}"#,
            "{\"case\":\"C1\",\"s\":\"a\tb\"}",
            r#"{"case":"C1","b":tru}"#,
            r#"{"case":"C1"}}"#,
            r#"{"case":"C1"} {}"#,
            r#" {"case":"C1"}"#,
            r#"{"case":"C1","a":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#,
        ] {
            assert_eq!(case_of(line), None, "{line}");
        }
    }

    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    /// A JSON value of a few levels, written compactly or with spaces.
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("true".to_string()),
            Just("null".to_string()),
            "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?",
            "\"([a-z :\\-]|\\\\n|\\\\u00e9){0,6}\"",
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-z]{1,4}", inner), 0..3).prop_map(|v| {
                    let items: Vec<String> =
                        v.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                    format!("{{{}}}", items.join(" ,"))
                }),
            ]
        })
    }

    /// An event-like line, then damaged at a few places: a byte removed, or one of JSON's
    /// structural bytes put in.
    fn damaged_line() -> impl Strategy<Value = String> {
        let fields = proptest::collection::vec(("(case|at|type|[a-z]{1,3})", value()), 0..4);
        let edits = proptest::collection::vec((any::<prop::sample::Index>(), 0..12usize), 0..3);
        ("[A-C]{1,2}", fields, any::<prop::sample::Index>(), edits).prop_map(
            |(id, fields, place, edits)| {
                let mut items: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                items.insert(place.index(items.len() + 1), format!("\"case\":\"{id}\""));
                let mut line: Vec<u8> = format!("{{{}}}", items.join(",")).into_bytes();
                for (at, edit) in edits {
                    let at = at.index(line.len());
                    match b"{}[]\":,\\ 0"[..].get(edit) {
                        Some(&byte) => line.insert(at, byte),
                        None => drop(line.remove(at)),
                    }
                }
                String::from_utf8_lossy(&line).into_owned()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// A case found is the one `serde_json` reads: the line is one JSON object, and its `case` is that string.
        #[test]
        fn a_case_found_is_the_case_serde_json_reads(line in damaged_line()) {
            if let Some(id) = case_of(&line) {
                let read: serde_json::Value = serde_json::from_str(&line)
                    .map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
                prop_assert_eq!(read.get("case").and_then(|c| c.as_str()), Some(id), "{}", line);
            }
        }
    }

    /// The lines of the property above are often found a case, often not JSON at all.
    #[test]
    fn the_property_reaches_both_answers() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut found, mut not_json) = (0, 0);
        for _ in 0..2000 {
            let line = damaged_line().new_tree(&mut runner).unwrap().current();
            found += usize::from(case_of(&line).is_some());
            not_json += usize::from(serde_json::from_str::<serde_json::Value>(&line).is_err());
        }
        assert!(found > 300, "{found} found");
        assert!(not_json > 300, "{not_json} not JSON");
    }
}
