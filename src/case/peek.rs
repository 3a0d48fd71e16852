//! The case id of a JSON Lines line, found without reading the line into an event.
//!
//! A stream is grouped by case long before its cases are evaluated; [`case_of`] lets a line wait
//! in its case as text, to be read when the case is complete (`jsonl::Group`), which keeps the
//! lines of the open cases small and together in memory. It says `Some(id)` only for a line that
//! the reader certainly gives to case `id`: one JSON object from `{` to `}`, valid JSON all through,
//! with exactly one top-level `case` field, a string without escapes. Whatever else the line holds
//! (a bad timestamp, a field given twice, an unknown rank) then rejects case `id` at this line,
//! when the line is read, exactly as it would have at once. Anything it is not sure of (escapes in
//! top-level keys, numbers with an exponent or very long, deep nesting, UTF-16 surrogate escapes) is
//! `None`, and the caller reads the line at once.

use super::scan;
use crate::limits::MAX_JSONL_LINE_BYTES;

/// Nesting deeper than this is left to the reader, whose limits apply.
const MAX_DEPTH: usize = 16;

/// Numbers longer than this are left to the reader (which refuses those out of an `f64`'s range).
const MAX_NUMBER: usize = 24;

/// The id of the case `text` certainly belongs to, when it is sure (see the module's header).
pub(super) fn case_of(text: &str) -> Option<&str> {
    if !(text.starts_with('{') && text.ends_with('}')) || text.len() > MAX_JSONL_LINE_BYTES {
        return None;
    }
    let mut peek = Peek {
        bytes: text.as_bytes(),
        at: 0,
    };
    let id = peek.top(text)?;
    peek.space().is_none().then_some(id)
}

struct Peek<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Peek<'a> {
    /// The next byte that is not JSON whitespace, not taken.
    fn space(&mut self) -> Option<u8> {
        while let Some(&byte) = self.bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.space()? == byte).then(|| self.at += 1)
    }

    /// The top-level object: every value checked, the `case` field's text returned.
    fn top(&mut self, text: &'a str) -> Option<&'a str> {
        self.eat(b'{')?;
        let mut id = None;
        self.items(b'}', |peek| {
            let (start, end, plain) = peek.string()?;
            // A key with escapes could spell `case`.
            if !plain {
                return None;
            }
            peek.eat(b':')?;
            if text.get(start..end)? != "case" {
                return peek.value(1);
            }
            if id.is_some() || peek.space()? != b'"' {
                return None;
            }
            let (start, end, plain) = peek.string()?;
            if !plain {
                return None;
            }
            id = Some(text.get(start..end)?);
            Some(())
        })?;
        id
    }

    /// The items of an object or a list after its opening bracket, each read by `item`, separated
    /// by commas, up to `close`.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.space()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.space()? {
                b',' => self.at += 1,
                byte if byte == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string, from its opening quote: where its text starts and ends, and whether it has no escapes.
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.eat(b'"')?;
        let start = self.at;
        let mut plain = true;
        loop {
            self.at += scan::plain_run(self.bytes.get(self.at..)?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some((start, self.at - 1, plain));
                }
                b'\\' => {
                    plain = false;
                    self.at += 1;
                    match *self.bytes.get(self.at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                            let hex = std::str::from_utf8(hex).ok()?;
                            let unit = u32::from_str_radix(hex, 16).ok()?;
                            // `+` is accepted by from_str_radix; surrogates need pairing.
                            if hex.starts_with('+') || (0xD800..0xE000).contains(&unit) {
                                return None;
                            }
                            self.at += 5;
                        }
                        _ => return None,
                    }
                }
                // A control character.
                _ => return None,
            }
        }
    }

    /// Any JSON value at nesting `depth`.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.space()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.at += 1;
                self.items(b'}', |peek| {
                    peek.string()?;
                    peek.eat(b':')?;
                    peek.value(depth + 1)
                })
            }
            b'[' => {
                self.at += 1;
                self.items(b']', |peek| peek.value(depth + 1))
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let next = self.at + word.len();
        (self.bytes.get(self.at..next)? == word).then(|| self.at = next)
    }

    /// A number of JSON's grammar without an exponent: `-`, then `0` or digits not starting with
    /// `0`, then an optional fraction.
    fn number(&mut self) -> Option<()> {
        let start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let digits = self.digits();
        if digits == 0 || (digits > 1 && self.bytes.get(self.at - digits) == Some(&b'0')) {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        let next = self.bytes.get(self.at).copied();
        if matches!(next, Some(b'e' | b'E')) || self.at - start > MAX_NUMBER {
            return None;
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }
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
}
