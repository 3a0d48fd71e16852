//! The fast way through a JSON Lines event line: one pass over the line's bytes, straight into an
//! [`Event`], its case id and its attributes, with no tree of values in between.
//!
//! [`line`] reads only what it can read exactly as the general reader (`jsonl::general`, a tree of
//! values then `build`) would, and says `None` for anything else, so the caller hands such a line to
//! the general reader and its result and message stand. It accepts a JSON object whose fields are
//! each given once: `case` (a string), `attributes` (an object of strings, numbers, booleans and
//! nulls, each key once), the event fields of the table in `fields` read by kind ([`ScanValue`]:
//! timestamps as strings [`build::parse_instant`] reads, texts as strings, staff members as objects
//! of a string `id` and an optional string `rank` that is one of the policy's ranks when it has
//! ranks, a venue that is one of the policy's venues when it has venues, a text or a list of
//! texts, objects of scalars like `attributes`), and any other field with a string, number,
//! boolean or null value (kept in [`Event::fields`]); with the policy's vocabulary, only a line
//! whose event and attributes fit it (`crate::vocab::Vocabulary::check_event`).
//!
//! Everything the general reader would refuse, and everything it reads in a way this scanner does
//! not copy, is left to it: malformed JSON, a field given twice, `null` in a field that must have a
//! value, numbers where text is wanted (the general reader writes them out), nested values outside
//! the places above, a rank or a venue outside its list, anything the vocabulary refuses, a
//! timestamp `parse_instant` refuses, an event without `at` or `type`, and escapes it does not
//! decode (lone UTF-16 surrogates). JSON whitespace,
//! literals, string escapes (surrogate pairs included) and the refusal of raw control characters in
//! strings follow `serde_json`; numbers are read by `serde_json` itself (short integers, which are
//! exact in an `f64`, are read here), so they are the same `f64` to the bit.

use super::build;
use super::fields::{self, EventField, FieldValue, Reading};
use super::{Event, ReadOptions, Staff, Value};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A line read by [`line`]: its case id and what it gives besides its event (see
/// `jsonl::Parsed::Case`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Line<'a> {
    /// The `case` field.
    pub id: Cow<'a, str>,
    /// The `attributes` field, when given.
    pub attributes: Option<BTreeMap<String, Value>>,
    /// Whether the line gives an event (written into the caller's place): `false` only for a line
    /// with nothing but `case` and `attributes`.
    pub has_event: bool,
}

/// A key of a line: the line's case, its case's attributes, an event field with a place of its
/// own ([`EventField`]), or another (kept in [`Event::fields`]).
enum Key<'a> {
    Case,
    Attributes,
    Event(EventField),
    Other(Cow<'a, str>),
}

impl Key<'_> {
    /// The key whose name `bytes` start with, written as a JSON string without escapes (the
    /// quotes included), and the length of that string: a shortcut for the keys of the usual
    /// lines, matched by their bytes. Any other key, and any key left out here, is read as a
    /// string and named by the table of event fields (a test checks that the two agree).
    #[inline(always)]
    fn quoted_at_start(bytes: &[u8]) -> Option<(Key<'static>, usize)> {
        use EventField as F;
        let (key, length) = match bytes {
            [b'"', b'a', b't', b'"', ..] => (Key::Event(F::At), 4),
            [b'"', b't', b'o', b'"', ..] => (Key::Event(F::To), 4),
            [b'"', b'i', b'd', b'"', ..] => (Key::Event(F::Id), 4),
            [b'"', b'd', b'u', b'e', b'"', ..] => (Key::Event(F::Due), 5),
            [b'"', b's', b'e', b't', b'"', ..] => (Key::Event(F::Set), 5),
            [b'"', b'r', b'e', b'f', b'"', ..] => (Key::Event(F::Ref), 5),
            [b'"', b'c', b'a', b's', b'e', b'"', ..] => (Key::Case, 6),
            [b'"', b't', b'y', b'p', b'e', b'"', ..] => (Key::Event(F::Type), 6),
            [b'"', b't', b'i', b'm', b'e', b'"', ..] => (Key::Event(F::Time), 6),
            [b'"', b'w', b'i', b't', b'h', b'"', ..] => (Key::Event(F::With), 6),
            [b'"', b'v', b'e', b'n', b'u', b'e', b'"', ..] => (Key::Event(F::Venue), 7),
            [b'"', b'w', b'i', b't', b'h', b'i', b'n', b'"', ..] => (Key::Event(F::Within), 8),
            [b'"', b'h', b'a', b'n', b'd', b'l', b'e', b'r', b'"', ..] => {
                (Key::Event(F::Handler), 9)
            }
            [b'"', b's', b'u', b'b', b'j', b'e', b'c', b't', b'"', ..] => {
                (Key::Event(F::Subject), 9)
            }
            [b'"', b'a', b't', b't', b'r', b'i', b'b', b'u', b't', b'e', b's', b'"', ..] => {
                (Key::Attributes, 12)
            }
            _ => return None,
        };
        Some((key, length))
    }

    /// A bit of its own for each key with a place of its own, to find one given twice.
    fn bit(&self) -> u16 {
        match self {
            Key::Case => 1,
            Key::Attributes => 2,
            Key::Event(field) => 4 << (*field as u16),
            Key::Other(_) => 0,
        }
    }
}

/// The scanner reading one field value in the place of an [`EventField`].
struct ScanValue<'s, 'a, 'o> {
    scan: &'s mut Scanner<'a>,
    opts: &'o ReadOptions,
}

impl FieldValue for ScanValue<'_, '_, '_> {
    type Error = ();
    fn instant(self, _: &'static str) -> Result<DateTime<Utc>, ()> {
        self.scan.instant(self.opts).ok_or(())
    }
    fn text(self, _: &'static str) -> Result<String, ()> {
        self.scan.text().ok_or(())
    }
    fn venue(self, _: &'static str) -> Result<String, ()> {
        let name = self.scan.text().ok_or(())?;
        match &self.opts.venues {
            Some(venues) if !venues.contains(&name) => Err(()),
            _ => Ok(name),
        }
    }
    fn staff(self, _: &'static str) -> Result<Staff, ()> {
        self.scan.staff(self.opts).ok_or(())
    }
    fn texts(self, _: &'static str) -> Result<Vec<String>, ()> {
        self.scan.subject().ok_or(())
    }
    fn scalars(self, _: &'static str) -> Result<BTreeMap<String, Value>, ()> {
        self.scan.scalar_map().ok_or(())
    }
}

/// Reads a line (already trimmed, as the general reader gets it) of a shape read exactly as the
/// general reader reads it, or `None` to leave the line to the general reader. The event is
/// written into `event`, which must be [`Event::default`] (so that a case's list of events can be
/// its place); after `None` it holds some of the line's fields and is to be thrown away.
pub(super) fn line<'a>(opts: &ReadOptions, text: &'a str, event: &mut Event) -> Option<Line<'a>> {
    let mut scan = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let mut seen = 0u16;
    let mut id = None;
    let mut attributes = None;
    let mut has_event_field = false;
    let mut reading = Reading {
        event,
        at: None,
        kind: None,
    };
    scan.open()?;
    let mut first = true;
    while scan.entry(&mut first)? {
        let key = scan.line_key()?;
        let bit = key.bit();
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        match key {
            Key::Case => id = Some(scan.string()?),
            Key::Attributes => attributes = Some(scan.scalar_map()?),
            Key::Event(field) => {
                has_event_field = true;
                let value = ScanValue {
                    scan: &mut scan,
                    opts,
                };
                field.read(value, &mut reading).ok()?;
            }
            Key::Other(key) => {
                has_event_field = true;
                let value = scan.scalar()?;
                if reading
                    .event
                    .fields
                    .insert(key.into_owned(), value)
                    .is_some()
                {
                    return None;
                }
            }
        }
    }
    scan.end()?;
    let has_event = attributes.is_none() || has_event_field;
    if has_event {
        reading.event.at = reading.at?;
        reading.event.kind = reading.kind?;
    }
    // What does not fit the policy's vocabulary is left to the general reader, which says why.
    if let Some(vocabulary) = &opts.vocabulary {
        if has_event && vocabulary.check_event(reading.event).is_err() {
            return None;
        }
        if let Some(attributes) = &attributes {
            vocabulary.check_attributes(attributes).ok()?;
        }
    }
    Some(Line {
        id: id?,
        attributes,
        has_event,
    })
}

/// A position in a line's text.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// The byte at the position, without moving.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The byte at the position, moving past it.
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    /// Skips JSON whitespace (as `serde_json` has it: space, tab, line feed, carriage return) and
    /// returns the byte after it, without moving past it.
    fn skip_space(&mut self) -> Option<u8> {
        loop {
            let byte = self.peek()?;
            if !matches!(byte, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(byte);
            }
            self.pos += 1;
        }
    }

    /// Moves past `byte`, after whitespace; `None` when something else comes.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.skip_space()? == byte).then(|| self.pos += 1)
    }

    /// Moves past the `{` that opens an object.
    fn open(&mut self) -> Option<()> {
        self.eat(b'{')
    }

    /// Moves to the next entry of the object being read: `true` when there is one (its key comes
    /// next), `false` past the object's `}`; `first` is true until the first entry.
    fn entry(&mut self, first: &mut bool) -> Option<bool> {
        match self.skip_space()? {
            b'}' => {
                self.pos += 1;
                return Some(false);
            }
            b',' if !*first => self.pos += 1,
            _ if *first => {}
            _ => return None,
        }
        *first = false;
        Some(true)
    }

    /// The next key of the object being read (and the `:` after it), or `Some(None)` at its `}`;
    /// `first` is true until the first key is read.
    fn key(&mut self, first: &mut bool) -> Option<Option<Cow<'a, str>>> {
        if !self.entry(first)? {
            return Some(None);
        }
        let key = self.string()?;
        self.eat(b':')?;
        Some(Some(key))
    }

    /// A key of a line (and the `:` after it); the usual names are matched in place.
    fn line_key(&mut self) -> Option<Key<'a>> {
        self.skip_space()?;
        if let Some((key, length)) = Key::quoted_at_start(self.bytes.get(self.pos..)?) {
            self.pos += length;
            self.eat(b':')?;
            return Some(key);
        }
        let name = self.string()?;
        let key = match name.as_ref() {
            fields::CASE => Key::Case,
            fields::ATTRIBUTES => Key::Attributes,
            other => match EventField::named(other) {
                Some(field) => Key::Event(field),
                None => Key::Other(name),
            },
        };
        self.eat(b':')?;
        Some(key)
    }

    /// Checks that nothing but whitespace follows.
    fn end(&mut self) -> Option<()> {
        match self.skip_space() {
            None => Some(()),
            Some(_) => None,
        }
    }

    /// A JSON string, as owned text.
    fn text(&mut self) -> Option<String> {
        self.string().map(Cow::into_owned)
    }

    /// A JSON string: the text itself when it has no escapes, else decoded as `serde_json` does.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = start + plain_run(self.bytes.get(start..)?);
        self.pos = end + 1;
        match self.bytes.get(end)? {
            b'"' => self.text.get(start..end).map(Cow::Borrowed),
            b'\\' => self.escaped(start, end).map(Cow::Owned),
            _ => None,
        }
    }

    /// The rest of a string with escapes, whose plain text runs from `start` to the first `\` at
    /// `end`.
    #[cold]
    #[inline(never)]
    fn escaped(&mut self, start: usize, end: usize) -> Option<String> {
        let mut decoded = String::from(self.text.get(start..end)?);
        loop {
            self.escape(&mut decoded)?;
            let run = self.pos;
            let end = run + plain_run(self.bytes.get(run..)?);
            self.pos = end + 1;
            decoded.push_str(self.text.get(run..end)?);
            match self.bytes.get(end)? {
                b'"' => return Some(decoded),
                b'\\' => {}
                _ => return None,
            }
        }
    }

    /// Decodes the escape after a `\` into `out`; `None` for an escape `serde_json` refuses
    /// (lone surrogates among them).
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let decoded = match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.next()? != b'\\' || self.next()? != b'u' {
                            return None;
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        };
        out.push(decoded);
        Some(())
    }

    /// Four hexadecimal digits (either case), as a number.
    fn hex4(&mut self) -> Option<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16)?;
            unit = unit * 16 + digit;
        }
        Some(unit)
    }

    /// A string read as a timestamp by [`build::parse_instant`]. One of the fixed layout is read
    /// straight from the line: that layout has no character that could end or escape a string, so
    /// a `"` right after it closes the string, and the string is the timestamp.
    fn instant(&mut self, opts: &ReadOptions) -> Option<DateTime<Utc>> {
        if self.skip_space()? == b'"' {
            let after_quote = self.bytes.get(self.pos + 1..)?;
            if let Some((instant, length)) = build::rfc3339_fixed_start(after_quote) {
                if after_quote.get(length) == Some(&b'"') {
                    self.pos += length + 2;
                    return Some(instant);
                }
            }
        }
        build::parse_instant(&self.string()?, opts).ok()
    }

    /// A string, a number, a boolean or null.
    fn scalar(&mut self) -> Option<Value> {
        let literal = |scan: &mut Self, word: &[u8], value: Value| {
            let end = scan.pos + word.len();
            (scan.bytes.get(scan.pos..end)? == word).then(|| {
                scan.pos = end;
                value
            })
        };
        match self.skip_space()? {
            b'"' => self.text().map(Value::Str),
            b't' => literal(self, b"true", Value::Bool(true)),
            b'f' => literal(self, b"false", Value::Bool(false)),
            b'n' => literal(self, b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => None,
        }
    }

    /// A JSON number as the `f64` `serde_json` gives (the general reader turns its integers into
    /// `f64` with `as`, as `serde_json` does when asked for an `f64`).
    fn number(&mut self) -> Option<f64> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let token = self.text.get(start..self.pos)?;
        short_integer(token).or_else(|| serde_json::from_str::<f64>(token).ok())
    }

    /// An object of scalars (`attributes`, `set`), each key once.
    fn scalar_map(&mut self) -> Option<BTreeMap<String, Value>> {
        self.open()?;
        let mut map = BTreeMap::new();
        let mut first = true;
        while let Some(key) = self.key(&mut first)? {
            let value = self.scalar()?;
            if map.insert(key.into_owned(), value).is_some() {
                return None;
            }
        }
        Some(map)
    }

    /// A staff member: a string `id` and an optional string `rank` among `opts.ranks`, each once.
    fn staff(&mut self, opts: &ReadOptions) -> Option<Staff> {
        self.open()?;
        let mut id = None;
        let mut rank = None;
        let mut first = true;
        while let Some(key) = self.key(&mut first)? {
            match key.as_ref() {
                "id" if id.is_none() => id = Some(self.text()?),
                "rank" if rank.is_none() => {
                    let name = self.string()?;
                    if let Some(ranks) = &opts.ranks {
                        if !ranks.iter().any(|known| *known == name) {
                            return None;
                        }
                    }
                    rank = Some(name.into_owned());
                }
                _ => return None,
            }
        }
        Some(Staff { id: id?, rank })
    }

    /// `subject`: a string, or a list of strings.
    fn subject(&mut self) -> Option<Vec<String>> {
        if self.skip_space()? != b'[' {
            return Some(vec![self.text()?]);
        }
        self.pos += 1;
        let mut items = Vec::new();
        if self.skip_space()? == b']' {
            self.pos += 1;
            return Some(items);
        }
        loop {
            items.push(self.text()?);
            match self.skip_space()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }
}

/// One in every byte of a word.
const ONES: u64 = u64::from_le_bytes([1; 8]);

/// The high bit of every byte of a word that is below `limit` (at most `0x80`), or more: the classic
/// "has a zero byte" test `(w - 0x01…) & !w & 0x80…` flags the lowest byte below the limit exactly,
/// and may also flag bytes above it (a borrow goes up), never below; bytes are taken from the low
/// end, so the lowest flag is the first byte below the limit.
fn below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(limit)) & !word & (ONES << 7)
}

/// The flags (see [`below`]) of the bytes of `word` equal to `byte`.
fn equal(word: u64, byte: u8) -> u64 {
    below(word ^ (ONES * u64::from(byte)), 1)
}

/// The length of the run of `bytes` before the first byte that `stop` holds for (all of `bytes`
/// when there is none); `stops` flags those bytes in a word (see [`below`]). Eight bytes are looked
/// at at a time.
fn run_until(bytes: &[u8], stops: impl Fn(u64) -> u64, stop: impl Fn(u8) -> bool) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut length = 0;
    for word in &mut words {
        let flags = stops(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        if flags != 0 {
            return length + (flags.trailing_zeros() / 8) as usize;
        }
        length += 8;
    }
    let rest = words.remainder();
    length
        + rest
            .iter()
            .position(|&byte| stop(byte))
            .unwrap_or(rest.len())
}

/// The length of the run of `bytes` before the first `"`, `\\` or control character (below
/// U+0020), which end or interrupt a JSON string's plain text: all of `bytes` when there is none.
pub(super) fn plain_run(bytes: &[u8]) -> usize {
    run_until(
        bytes,
        |word| equal(word, b'"') | equal(word, b'\\') | below(word, 0x20),
        |byte| byte == b'"' || byte == b'\\' || byte < 0x20,
    )
}

/// Where the first line feed of `bytes` is.
pub(super) fn newline(bytes: &[u8]) -> Option<usize> {
    let at = run_until(bytes, |word| equal(word, b'\n'), |byte| byte == b'\n');
    (at < bytes.len()).then_some(at)
}

/// A JSON integer of at most 15 digits (`0`, `-0`, `17`, `-250`), which an `f64` holds exactly, so
/// it equals `serde_json`'s reading (`-0` included, which `serde_json` reads as `-0.0`); `None`
/// for any other token.
fn short_integer(token: &str) -> Option<f64> {
    let (negative, digits) = match token.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, token),
    };
    let valid = match digits.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.len() < 15 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !valid {
        return None;
    }
    let magnitude = digits
        .bytes()
        .fold(0u64, |sum, digit| sum * 10 + u64::from(digit - b'0'));
    let value = magnitude as f64;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    /// The shortcut for the usual keys names each key as the table of event fields does.
    #[test]
    fn quoted_keys_are_named_as_the_table_names_them() {
        use super::super::fields::{self, EventField};
        use super::Key;
        let mut names: Vec<&str> = EventField::ALL.iter().map(|field| field.name()).collect();
        names.extend([
            fields::CASE,
            fields::ATTRIBUTES,
            "priority",
            "a",
            "typ",
            "types",
        ]);
        for name in names {
            let quoted = format!("\"{name}\":1");
            let expected = match name {
                fields::CASE => Some("case".to_owned()),
                fields::ATTRIBUTES => Some("attributes".to_owned()),
                other => EventField::named(other).map(|field| field.name().to_owned()),
            };
            if let Some((key, length)) = Key::quoted_at_start(quoted.as_bytes()) {
                let named = match key {
                    Key::Case => "case".to_owned(),
                    Key::Attributes => "attributes".to_owned(),
                    Key::Event(field) => field.name().to_owned(),
                    Key::Other(other) => other.into_owned(),
                };
                assert_eq!(Some(named), expected, "{name}");
                assert_eq!(length, name.len() + 2, "{name}");
            }
        }
    }

    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The word-at-a-time searches find what a byte-at-a-time search finds.
        #[test]
        fn words_are_searched_as_bytes_are(
            bytes in proptest::collection::vec(
                prop_oneof![
                    4 => any::<u8>(),
                    1 => proptest::sample::select(vec![b'"', b'\\', b'\n', 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xa2, 0xdc]),
                ],
                0..40,
            )
        ) {
            let stop = |byte: &u8| *byte == b'"' || *byte == b'\\' || *byte < 0x20;
            prop_assert_eq!(plain_run(&bytes), bytes.iter().position(stop).unwrap_or(bytes.len()));
            prop_assert_eq!(newline(&bytes), bytes.iter().position(|byte| *byte == b'\n'));
        }
    }
}
