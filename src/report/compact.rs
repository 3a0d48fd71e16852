//! Compact JSON (JSON Lines) of any `Serialize` value, for the hot path of `--format jsonl`.
//!
//! What a report says — its fields, their names and order, `null` for absent values, the names
//! of states — comes from the derived `Serialize` of the report types alone; this module only
//! encodes what that code hands it, byte for byte as `serde_json::to_writer` does. It exists
//! for the one place serde_json is slow: serde_json looks at the bytes of every text one at a
//! time to find those to escape, where [`string`] looks at sixteen or eight at a time (most
//! bytes of a JSON Lines report are texts). Numbers, booleans and bytes are written by
//! serde_json itself. The unit tests compare the bytes with serde_json's on every example
//! report.

use serde::ser::{self, Serialize, Serializer};
use serde_json::Error;

/// Appends the compact JSON of `value` to `out`: the bytes of `serde_json::to_writer`.
pub(super) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Compact { out })
}

/// The serializer: JSON text appended to `out`.
struct Compact<'o> {
    out: &'o mut Vec<u8>,
}

impl Compact<'_> {
    /// Writes a scalar as serde_json does.
    fn scalar<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, value)
    }

    /// Opens an object holding one entry named `variant` (an enum variant with data).
    fn variant(&mut self, variant: &str) {
        self.out.push(b'{');
        string(self.out, variant);
        self.out.push(b':');
    }
}

/// An array or object being written; `first` until its first item.
struct Compound<'a, 'o> {
    ser: &'a mut Compact<'o>,
    first: bool,
    /// What closes it: `]`, `}`, or `]}` / `}}` for an enum variant with data.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    /// Writes the separator before an item.
    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.ser.out.push(b',');
        }
    }

    /// Writes one entry `"key":value` of a struct. The key is a field name of a report type,
    /// which is a Rust identifier with nothing to escape: it is written as it is, in one piece
    /// with the separator (the tests compare every example report with serde_json's bytes).
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let out = &mut *self.ser.out;
        let open: &[u8] = if std::mem::take(&mut self.first) {
            b"\""
        } else {
            b",\""
        };
        out.reserve(key.len() + 4);
        out.extend_from_slice(open);
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        value.serialize(&mut *self.ser)
    }

    /// Closes the array or object.
    fn end(self) -> Result<(), Error> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a, 'o> Serializer for &'a mut Compact<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // An array of numbers, as serde_json writes bytes.
        self.scalar(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'[');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.variant(variant);
        self.out.push(b'[');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'{');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}",
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.variant(variant);
        self.out.push(b'{');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}}",
        })
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.separate();
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separate();
        // A key is a text in JSON; numbers and booleans are written quoted, as serde_json does.
        match serde_json::to_value(key)? {
            serde_json::Value::String(text) => string(self.ser.out, &text),
            serde_json::Value::Number(number) => string(self.ser.out, &number.to_string()),
            serde_json::Value::Bool(flag) => {
                string(self.ser.out, if flag { "true" } else { "false" })
            }
            _ => return Err(ser::Error::custom("key must be a string")),
        }
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

/// A JSON string: `text` quoted and escaped.
fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    match next_special(bytes, 0) {
        // Most texts have nothing to escape: one copy.
        None => out.extend_from_slice(bytes),
        Some(at) => escape_from(out, bytes, at),
    }
    out.push(b'"');
}

/// Appends `bytes` escaped as serde_json escapes them, given that `bytes[at]` is the first byte
/// to escape.
#[cold]
#[inline(never)]
fn escape_from(out: &mut Vec<u8>, bytes: &[u8], mut at: usize) {
    let mut from = 0;
    loop {
        out.extend_from_slice(bytes.get(from..at).unwrap_or_default());
        if let Some(byte) = bytes.get(at) {
            escaped(out, *byte);
        }
        from = at + 1;
        match next_special(bytes, from) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(bytes.get(from..).unwrap_or_default());
}

/// Whether `byte` must be escaped.
fn is_special(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether any byte of `block` must be escaped; written without early exit so that the compiler
/// checks the sixteen bytes at once (SSE2 on x86-64).
fn any_special(block: &[u8; 16]) -> bool {
    let mut any = false;
    for byte in block {
        any |= (*byte < 0x20) | (*byte == b'"') | (*byte == b'\\');
    }
    any
}

/// `byte` repeated in every byte of a word.
const fn splat(byte: u8) -> u64 {
    0x0101_0101_0101_0101 * byte as u64
}

/// A word with the high bit set in the first byte of `word` (in memory order) that must be
/// escaped (`"`, `\` or below 0x20), maybe in later ones too, and nothing below it; zero when
/// no byte must be escaped.
///
/// `(x - 0x01…) & !x & 0x80…` marks the zero bytes of `x` (a borrow can only mark bytes after a
/// zero one), and `(x - 0x20…) & !x & 0x80…` the bytes below 0x20; `x ^ '"'` and `x ^ '\'` keep
/// the high bit of `x`, so the three share the `!x & 0x80…`.
fn special(word: u64) -> u64 {
    let quote = (word ^ splat(b'"')).wrapping_sub(splat(1));
    let backslash = (word ^ splat(b'\\')).wrapping_sub(splat(1));
    let control = word.wrapping_sub(splat(0x20));
    (quote | backslash | control) & !word & splat(0x80)
}

/// The eight bytes of `bytes` from `at` as a little-endian word (zero past the end, which does
/// not happen where it is called).
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut eight = [0; 8];
    if let Some(word) = bytes.get(at..at + 8) {
        eight.copy_from_slice(word);
    }
    u64::from_le_bytes(eight)
}

/// The index of the first byte at or after `from` that must be escaped: sixteen bytes at a time,
/// then eight, then the last eight bytes of the text again when they all come after `from`, or
/// else one at a time.
///
/// The bytes of that last word before the ones still to look at were looked at: none is to be
/// escaped, so none marks a later byte (a byte before `from`, such as one just escaped, could).
#[inline(always)]
fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    let len = bytes.len();
    let mut at = from;
    while let Some(block) = bytes.get(at..at + 16) {
        let mut sixteen = [0; 16];
        sixteen.copy_from_slice(block);
        if any_special(&sixteen) {
            break;
        }
        at += 16;
    }
    while at + 8 <= len {
        let found = special(word_at(bytes, at));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at >= len {
        return None;
    }
    if len >= from + 8 {
        // The `8 - (len - at)` bytes before `at` are shifted out.
        let found = special(word_at(bytes, len - 8)) >> (8 * (8 - (len - at)));
        return (found != 0).then(|| at + (found.trailing_zeros() / 8) as usize);
    }
    bytes
        .get(at..)?
        .iter()
        .position(|byte| is_special(*byte))
        .map(|offset| at + offset)
}

/// The escape of one byte that must be escaped.
fn escaped(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let high = HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
            let low = HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', high, low]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{read_str, Case, CaseFormat, ReadOptions};
    use crate::check::Policy;
    use crate::eval::Evaluator;
    use crate::report::{
        AppointmentMove, AppointmentReport, AppointmentState, Breach, CaseReport, ChainState,
        ClockState, CommitmentReport, CommitmentState, EscalationReport, Instant, IsoDuration,
        PromiseReport, RequiredAction, StandardReport, StandardState, StepReport, StepState,
        Stretch, Supersession, Warning,
    };
    use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, TimeDelta, Utc};
    use proptest::prelude::*;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// Fails with the place where the writer's bytes differ from serde_json's.
    fn assert_same_bytes(written: &[u8], expected: &[u8], context: &str) {
        if written == expected {
            return;
        }
        let at = written
            .iter()
            .zip(expected)
            .position(|(a, b)| a != b)
            .unwrap_or(written.len().min(expected.len()));
        let around = |bytes: &[u8]| {
            String::from_utf8_lossy(&bytes[at.saturating_sub(60)..(at + 60).min(bytes.len())])
                .into_owned()
        };
        panic!(
            "{context}: the writer differs from serde_json at byte {at}:\n serde_json: {}\n writer:     {}",
            around(expected),
            around(written)
        );
    }

    fn assert_written_as_serde_json(case: &CaseReport, context: &str) {
        let mut written = Vec::new();
        write(&mut written, case).unwrap();
        assert_same_bytes(&written, &serde_json::to_vec(case).unwrap(), context);
    }

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The instants a file's cases are evaluated at: its `# at:` lines, every event's instant,
    /// a second before it, halfway to the next one, and a week after the last.
    fn instants(text: &str, cases: &[Case]) -> BTreeSet<DateTime<Utc>> {
        let mut at: BTreeSet<DateTime<Utc>> = text
            .lines()
            .filter_map(|line| line.strip_prefix("# at:"))
            .map(|line| instant(line.trim()))
            .collect();
        let events: BTreeSet<DateTime<Utc>> = cases
            .iter()
            .flat_map(|case| case.events.iter().map(|event| event.at))
            .collect();
        let events: Vec<DateTime<Utc>> = events.into_iter().collect();
        for pair in events.windows(2) {
            at.insert(pair[0] + (pair[1] - pair[0]) / 2);
        }
        for event in &events {
            at.insert(*event);
            at.insert(*event - TimeDelta::seconds(1));
        }
        if let Some(last) = events.last() {
            at.insert(*last + TimeDelta::days(7));
        }
        at
    }

    /// The reports of every case of the case file `path` under `policy` at its instants.
    fn reports_of_file(policy: &Policy, path: &Path, reports: &mut Vec<(String, CaseReport)>) {
        let text = std::fs::read_to_string(path).unwrap();
        let format = CaseFormat::from_path(path).unwrap();
        let batch = read_str(
            &path.display().to_string(),
            &text,
            format,
            &ReadOptions::for_policy(policy),
        );
        let evaluator = Evaluator::new(policy);
        for at in instants(&text, &batch.cases) {
            for case in &batch.cases {
                let context = format!("{} at {at}", path.display());
                reports.push((context, evaluator.evaluate(case, at)));
            }
        }
    }

    /// The entries of `folder` with the extension `ext` (`None`: the folders), sorted.
    fn entries(folder: &Path, ext: Option<&str>) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| match ext {
                Some(ext) => path.extension().is_some_and(|e| e == ext),
                None => path.is_dir(),
            })
            .collect();
        paths.sort();
        paths
    }

    /// Every example report: the example cases of `policies/` against their domain's policy,
    /// the fixtures of `tests/fixtures/eval`, and a generated stream, each at several instants.
    fn example_reports() -> Vec<(String, CaseReport)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut reports = Vec::new();
        let mut files = 0;
        for domain in entries(&root.join("policies"), None) {
            let cases = domain.join("cases");
            if !cases.is_dir() {
                continue;
            }
            let policies = entries(&domain, Some("policy"));
            let named = domain.join(format!(
                "{}.policy",
                domain.file_name().unwrap().to_string_lossy()
            ));
            let file = match policies.as_slice() {
                [one] => one.clone(),
                _ => named,
            };
            let policy = Policy::load_within(&file, root.join("policies"))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for path in entries(&cases, Some("yaml")) {
                reports_of_file(&policy, &path, &mut reports);
                files += 1;
            }
        }
        for folder in entries(&root.join("tests/fixtures/eval"), None) {
            let file = folder.join("policy.policy");
            let policy = Policy::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for path in entries(&folder, Some("yaml")) {
                reports_of_file(&policy, &path, &mut reports);
                files += 1;
            }
        }
        assert!(files > 50, "only {files} example files were found");
        let policy = Policy::parse(crate::generate::CONTACT_CENTRE_POLICY).unwrap();
        let start = instant("2026-06-01T08:00:00Z");
        let options = crate::generate::GenerateOptions {
            cases: 2000,
            seed: 11,
            start,
            ..crate::generate::GenerateOptions::default()
        };
        let mut stream = Vec::new();
        crate::generate::generate(&policy, &options, &mut stream).unwrap();
        let batch = read_str(
            "generated.jsonl",
            &String::from_utf8(stream).unwrap(),
            CaseFormat::Jsonl,
            &ReadOptions::for_policy(&policy),
        );
        assert_eq!(batch.cases.len(), 2000);
        let evaluator = Evaluator::new(&policy);
        for later in [
            TimeDelta::minutes(20),
            TimeDelta::hours(2),
            TimeDelta::days(1),
            TimeDelta::days(30),
        ] {
            for case in &batch.cases {
                let context = format!("generated case {} at {}", case.id, start + later);
                reports.push((context, evaluator.evaluate(case, start + later)));
            }
        }
        reports
    }

    /// What a field (`promises[].late_by`) was seen as: `null`, `empty`, `items` (an array) or
    /// the kind of its value.
    #[derive(Default)]
    struct Seen(BTreeMap<String, BTreeSet<&'static str>>);

    impl Seen {
        fn walk(&mut self, path: &str, value: &Value) {
            let kind = match value {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(items) if items.is_empty() => "empty",
                Value::Array(_) => "items",
                Value::Object(_) => "object",
            };
            self.0.entry(path.to_owned()).or_default().insert(kind);
            match value {
                Value::Array(items) => {
                    for item in items {
                        self.walk(&format!("{path}[]"), item);
                    }
                }
                Value::Object(fields) => {
                    for (key, field) in fields {
                        self.walk(&format!("{path}.{key}"), field);
                    }
                }
                _ => {}
            }
        }
    }

    /// The writer gives serde_json's bytes on every example report, and the examples fill every
    /// field somewhere (so a field the writer skips or writes wrongly cannot go unnoticed).
    #[test]
    fn every_example_report_is_written_as_serde_json_writes_it() {
        let reports = example_reports();
        assert!(reports.len() > 8000, "{} reports", reports.len());
        let mut seen = Seen::default();
        for (context, report) in &reports {
            assert_written_as_serde_json(report, context);
            seen.walk("", &serde_json::to_value(report).unwrap());
        }
        let never: Vec<String> = seen
            .0
            .iter()
            .filter(|(_, kinds)| {
                kinds.len() == 1 && (kinds.contains("null") || kinds.contains("empty"))
            })
            .map(|(path, kinds)| format!("{path} is always {kinds:?}"))
            .collect();
        assert!(
            never.is_empty(),
            "no example fills these fields, so their text is never compared: {never:#?}"
        );
        // Every field of every report type is in the text.
        for field in [
            ".promises[].pauses[].to",
            ".escalations[].steps[].appointment.met",
            ".commitments[].fulfilled",
            ".warnings[].detail",
            ".actions[].due",
        ] {
            assert!(seen.0.contains_key(field), "{field} never seen");
        }
    }

    /// Instants of unusual shapes: fractions of a second, odd offsets, the ends of the range.
    fn unusual_instants() -> Vec<Instant> {
        let zone = |seconds| FixedOffset::east_opt(seconds).unwrap();
        [
            (instant("2026-06-19T10:30:00.5Z"), 0),
            (instant("2026-06-19T10:30:00.000000001Z"), 3600),
            (instant("2026-06-19T10:30:00Z"), 3600 + 30),
            (instant("2026-06-19T23:30:00Z"), 5 * 3600 + 45 * 60),
            (instant("2026-06-19T00:10:00Z"), -(9 * 3600 + 30 * 60)),
            (DateTime::<Utc>::MIN_UTC, 0),
            (DateTime::<Utc>::MAX_UTC, 8 * 3600),
            (DateTime::<Utc>::MIN_UTC, -3600),
            (instant("0000-01-01T00:00:00Z"), 0),
            (instant("9999-12-31T23:59:59Z"), 3600),
        ]
        .into_iter()
        .map(|(t, offset)| Instant(t.with_timezone(&zone(offset))))
        .collect()
    }

    /// Durations of unusual shapes: fractions of a second, negative, the largest.
    fn unusual_durations() -> Vec<IsoDuration> {
        [0, 1, 999, 1_500, -300_000, 93_600_000, i64::MAX]
            .into_iter()
            .map(|ms| IsoDuration(TimeDelta::try_milliseconds(ms).unwrap()))
            .collect()
    }

    /// A report of every kind of entry, with `text` in every text and instants and durations of
    /// unusual shapes.
    fn unusual_case(text: &str) -> CaseReport {
        let instants = unusual_instants();
        let durations = unusual_durations();
        let at = |i: usize| instants[i % instants.len()];
        let long = |i: usize| durations[i % durations.len()];
        let promise = |i: usize| PromiseReport {
            promise: text.to_owned(),
            instance: u32::MAX - i as u32,
            state: ClockState::NotPromised,
            target: Some(text.to_owned()),
            started: Some(at(i)),
            due: Some(at(i + 1)),
            stopped: Some(at(i + 2)),
            elapsed: Some(long(i)),
            paused: Some(long(i + 1)),
            late_by: Some(long(i + 2)),
            remaining: Some(long(i + 3)),
            pauses: vec![
                Stretch {
                    from: at(i + 3),
                    to: Some(at(i + 4)),
                    reason: text.to_owned(),
                },
                Stretch {
                    from: at(i + 5),
                    to: None,
                    reason: text.repeat(2),
                },
            ],
            detail: text.repeat(i + 1),
            superseded: (i % 2 == 0).then(|| Supersession {
                at: at(i + 6),
                by: text.to_owned(),
            }),
        };
        CaseReport {
            case: text.to_owned(),
            part: Some(super::super::CasePart {
                number: 2,
                starts: crate::case::Location::new(text, 7),
            }),
            promises: (0..instants.len()).map(promise).collect(),
            standards: vec![
                StandardReport {
                    standard: text.to_owned(),
                    state: StandardState::Breached,
                    at: Some(at(3)),
                    due: Some(at(4)),
                    detail: String::new(),
                    instance: None,
                    superseded: None,
                },
                StandardReport {
                    standard: text.to_owned(),
                    state: StandardState::Superseded,
                    at: None,
                    due: Some(at(5)),
                    detail: text.to_owned(),
                    instance: Some(u32::MAX),
                    superseded: Some(Supersession {
                        at: at(6),
                        by: text.to_owned(),
                    }),
                },
            ],
            commitments: vec![CommitmentReport {
                commitment: text.to_owned(),
                state: CommitmentState::Vague,
                made: at(5),
                due: Some(at(6)),
                fulfilled: Some(at(7)),
                ended: Some(at(7)),
                calendar: Some(text.to_owned()),
                detail: text.to_owned(),
            }],
            escalations: vec![EscalationReport {
                escalation: text.to_owned(),
                instance: 2,
                state: ChainState::Guarded,
                activated: Some(at(8)),
                stopped: Some(at(9)),
                steps: vec![StepReport {
                    step: text.to_owned(),
                    state: StepState::OutOfOrder,
                    became_due: Some(at(0)),
                    deadline: Some(at(1)),
                    done: Some(at(2)),
                    appointment: Some(AppointmentReport {
                        time: at(3),
                        with: text.to_owned(),
                        state: AppointmentState::Booked,
                        met: Some(at(4)),
                        booked: at(5),
                        first_time: at(6),
                        moves: vec![AppointmentMove {
                            at: at(7),
                            from: at(6),
                            to: at(3),
                        }],
                    }),
                    detail: text.to_owned(),
                }],
                detail: text.to_owned(),
            }],
            breaches: vec![Breach {
                rule: text.to_owned(),
                kind: text.to_owned(),
                due: Some(at(5)),
                at: at(6),
                detail: text.to_owned(),
            }],
            actions: vec![RequiredAction {
                rule: text.to_owned(),
                action: text.to_owned(),
                due: Some(at(7)),
            }],
            warnings: vec![Warning {
                rule: text.to_owned(),
                kind: text.to_owned(),
                due: at(8),
                detail: text.to_owned(),
            }],
        }
    }

    /// A report whose every text needs escaping and whose instants and durations are of the
    /// unusual shapes (fractions of a second, odd offsets, the ends of the supported range).
    #[test]
    fn unusual_values_are_written_as_serde_json_writes_them() {
        let text = "a \"quoted\" \\ back\\slash\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}/é€😀 end";
        let case = unusual_case(text);
        assert_written_as_serde_json(&case, "unusual values");
        let empty = CaseReport {
            case: String::new(),
            part: None,
            promises: Vec::new(),
            standards: Vec::new(),
            commitments: Vec::new(),
            escalations: Vec::new(),
            breaches: Vec::new(),
            actions: Vec::new(),
            warnings: Vec::new(),
        };
        assert_written_as_serde_json(&empty, "an empty report");
    }

    /// A byte to escape followed, anywhere in a text, by a byte that a borrow from it would mark
    /// in the word-at-a-time search (` ` after a control byte, `#` after `"`, `]` after `\`).
    #[test]
    fn bytes_after_an_escaped_byte_are_not_taken_for_bytes_to_escape() {
        let specials = (0u8..0x20).chain([b'"', b'\\']);
        for special in specials {
            for next in [b' ', b'#', b']', b'"', b'\\', 0x01, b'a'] {
                for len in 1..=34 {
                    for at in 0..len {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = special;
                        if let Some(after) = bytes.get_mut(at + 1) {
                            *after = next;
                        }
                        let text = String::from_utf8(bytes).unwrap();
                        let mut written = Vec::new();
                        string(&mut written, &text);
                        assert_same_bytes(
                            &written,
                            &serde_json::to_vec(&text).unwrap(),
                            &format!("{text:?}"),
                        );
                    }
                }
            }
        }
    }

    /// Instants from the whole supported range, and many around a few days so that dates and
    /// offsets repeat (and the kept day text is reused and replaced).
    fn instant_strategy() -> impl Strategy<Value = Instant> {
        let min = DateTime::<Utc>::MIN_UTC.timestamp();
        let max = DateTime::<Utc>::MAX_UTC.timestamp();
        let seconds = prop_oneof![
            min..=max,
            // Years 0 to 9999.
            -62_167_219_200i64..253_402_300_800,
            1_781_000_000i64..1_781_300_000,
        ];
        let nanos =
            prop_oneof![8 => Just(0u32), 1 => 0u32..1_000_000_000, 1 => Just(1_000_000_000)];
        let offset = prop_oneof![
            Just(0),
            Just(3600),
            Just(-4 * 3600),
            Just(5 * 3600 + 45 * 60),
            Just(-(9 * 3600 + 30 * 60)),
            -86_399i32..=86_399,
        ];
        (seconds, nanos, offset).prop_filter_map("not an instant", |(seconds, nanos, offset)| {
            let t = DateTime::from_timestamp(seconds, nanos)?;
            Some(Instant(t.with_timezone(&FixedOffset::east_opt(offset)?)))
        })
    }

    /// Shapes the report types do not use today are written as serde_json writes them too.
    #[test]
    fn other_shapes_are_written_as_serde_json_writes_them() {
        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Tuple(i64, f64),
            Struct { a: Option<bool>, b: char },
        }
        #[derive(serde::Serialize)]
        struct Wrapper(Vec<Shape>);
        let mut map = BTreeMap::new();
        map.insert("k\"ey", 1.5f64);
        map.insert("x", f64::NAN);
        let numbers: BTreeMap<i32, ()> = [(-3, ()), (7, ())].into_iter().collect();
        let value = (
            Wrapper(vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-1, 2.25),
                Shape::Struct { a: None, b: '"' },
            ]),
            map,
            numbers,
            (b"by" as &[u8], (), u128::MAX, i128::MIN, 'é'),
        );
        let mut written = Vec::new();
        write(&mut written, &value).unwrap();
        assert_same_bytes(
            &written,
            &serde_json::to_vec(&value).unwrap(),
            "other shapes",
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(
            any_text in any::<String>(),
            special in "[\\x00-\\x1f\"\\\\/\\x7f a-z0-9é€😀\u{80}\u{2028}]{0,80}",
            runs in proptest::collection::vec(("[a-z ]{0,40}", "[\\x00-\\x1f\"\\\\]"), 0..6),
        ) {
            let runs: String = runs.into_iter().map(|(run, byte)| run + &byte).collect();
            for text in [&any_text, &special, &runs] {
                let mut written = Vec::new();
                string(&mut written, text);
                prop_assert_eq!(written, serde_json::to_vec(text).unwrap(), "{:?}", text);
            }
        }

        #[test]
        fn instants_are_written_as_serde_json_and_chrono_write_them(
            instants in proptest::collection::vec(instant_strategy(), 1..30),
        ) {
            let mut written = Vec::new();
            write(&mut written, &instants).unwrap();
            prop_assert_eq!(&written, &serde_json::to_vec(&instants).unwrap());
            for instant in &instants {
                let mut one = Vec::new();
                write(&mut one, instant).unwrap();
                if instant.0.timestamp_subsec_nanos() == 0
                    && instant.0.offset().local_minus_utc() % 60 == 0
                    && (0..=9999).contains(&instant.0.naive_local().year())
                {
                    let chrono = instant.0.to_rfc3339_opts(SecondsFormat::AutoSi, true);
                    prop_assert_eq!(one, format!("\"{chrono}\"").into_bytes());
                }
            }
        }

        #[test]
        fn durations_are_written_as_serde_json_writes_them(
            ms in prop_oneof![any::<i64>(), -200_000_000i64..200_000_000],
        ) {
            let Some(delta) = TimeDelta::try_milliseconds(ms) else {
                return Ok(());
            };
            let duration = IsoDuration(delta);
            let mut written = Vec::new();
            write(&mut written, &duration).unwrap();
            prop_assert_eq!(written, serde_json::to_vec(&duration).unwrap());
        }
    }
}
