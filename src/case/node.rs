//! A format-neutral tree of case-file values, each node with the line it starts on.
//!
//! YAML and JSON are both read into [`Node`] trees through serde, so one
//! interpreter turns them into cases. serde does not hand positions to a
//! visitor, so lines are found this way ([`Lines`]):
//!
//! - JSON is read through a [`LineCounter`], which counts the line breaks the
//!   parser has taken from the text: the line when a scalar is visited is the
//!   line serde_json's own errors report there (`serde_json::Error::line`).
//! - YAML is parsed whole into events before any value is visited, so the line
//!   comes from the parser's error position: each scalar is handed to a visitor
//!   that stores it and then returns a marker error, to which `yaml_serde`
//!   attaches the event's position; the scalar has already been consumed, so
//!   the deserializer carries on normally. The visitor sees that error only as
//!   the deserializer's generic error type, which offers no position but its
//!   text (`Error::location` is on the concrete type alone), so the line is read
//!   from the text's ` at line L column C` ([`line_of_probe`]); a test checks it
//!   against `Error::location`.
//!
//! A map or list starts on the line of its first scalar. JSONL lines are parsed
//! without lines: the line number is the line of the stream.

use super::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;
use std::io;

/// How the lines of scalars are found (see the module documentation).
#[derive(Clone, Copy)]
pub(crate) enum Lines<'b> {
    /// Not at all (a JSON Lines line: its line is the line of the stream).
    No,
    /// From the count of line breaks the JSON parser has read ([`LineCounter`]).
    Counted(&'b Cell<usize>),
    /// From the position the YAML parser gives a marker error, after this many lines (the lines
    /// of the file before the text parsed).
    Probed(usize),
}

impl Lines<'_> {
    /// The lines before the text parsed, added to the lines the YAML parser gives.
    fn before(self) -> usize {
        match self {
            Lines::Probed(before) => before,
            Lines::No | Lines::Counted(_) => 0,
        }
    }
}

/// Text read by `serde_json`'s reader over `io::Read`, counting the line breaks it has taken:
/// `line` is the 1-based line of the last byte read, as serde_json counts it for its errors.
pub(crate) struct LineCounter<'t, 'c> {
    /// What is left to read.
    pub text: &'t [u8],
    /// The current line.
    pub line: &'c Cell<usize>,
}

impl io::Read for LineCounter<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.text.len());
        let (taken, rest) = self.text.split_at(n);
        if let Some(slot) = buf.get_mut(..n) {
            slot.copy_from_slice(taken);
        }
        let breaks = taken.iter().filter(|byte| **byte == b'\n').count();
        self.line.set(self.line.get() + breaks);
        self.text = rest;
        Ok(n)
    }
}

/// A value read from a case file, with the 1-based line it starts on (when known).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub line: Option<usize>,
    pub kind: NodeKind,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Scalar(Value),
    /// Keys in file order (duplicates kept, so the reader can report them).
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    /// A value no case can hold, read past so that the rest of the file is still read: a YAML
    /// tag (`!custom x`), a key that is a list or a mapping, an integer beyond 64 bits. The case
    /// it is in is rejected with this message; the other cases of the file are read.
    Unreadable(String),
}

impl Node {
    /// A short word for the node's shape, for messages.
    pub fn shape(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(Value::Null) => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Map(_) => "a mapping",
            NodeKind::List(_) => "a list",
            NodeKind::Unreadable(_) => "a value that cannot be read",
        }
    }
}

/// The message of the marker error used to learn a scalar's position.
const PROBE: &str = "covenant line probe";

/// Which mapping keys are probed for their lines, besides every scalar value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLines {
    /// None.
    No,
    /// The keys of this mapping (a case's fields), and everything inside its `expect` block.
    Case,
    /// Every key inside (an `expect` block).
    All,
}

impl KeyLines {
    /// The keys probed inside the value of `key`.
    fn inside(self, key: &str) -> KeyLines {
        match self {
            KeyLines::Case if key == "expect" => KeyLines::All,
            KeyLines::All => KeyLines::All,
            KeyLines::Case | KeyLines::No => KeyLines::No,
        }
    }
}

/// Reads one [`Node`]; with `lines`, records the line of every scalar, and of the keys `keys`
/// names where the parser gives them (YAML): a value with no scalar (`{}`, `[]`) then starts at
/// the line of its key.
#[derive(Clone, Copy)]
pub(crate) struct NodeSeed<'b> {
    pub lines: Lines<'b>,
    pub keys: KeyLines,
    /// How many more nodes may be built, when bounded: YAML aliases repeat a value without
    /// writing it again, so a small file could expand to any number of nodes.
    pub budget: Option<&'b Cell<usize>>,
}

impl NodeSeed<'_> {
    /// Counts one more node against the budget; an error once it is spent.
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        match budget.get().checked_sub(1) {
            Some(left) => {
                budget.set(left);
                Ok(())
            }
            None => Err(E::custom(
                "aliases repeat more values than the file has bytes; write the values out",
            )),
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        if !matches!(self.lines, Lines::Probed(_)) {
            return deserializer.deserialize_any(NodeVisitor {
                seed: self,
                scalar: None,
            });
        }
        let mut scalar = None;
        let visitor = NodeVisitor {
            seed: self,
            scalar: Some(&mut scalar),
        };
        match deserializer.deserialize_any(visitor) {
            Ok(node) => Ok(node),
            Err(error) => match scalar {
                Some(value) => Ok(Node {
                    line: Some(line_of_probe(&error) + self.lines.before()),
                    kind: NodeKind::Scalar(value),
                }),
                None => Err(error),
            },
        }
    }
}

/// The root of a document: a list whose items were handed out one by one, or one node.
pub(crate) enum Root {
    /// The document is a list; each item went to the seed's `each` as soon as it was read.
    Listed,
    /// The document is a mapping or a scalar.
    One(Node),
}

/// Reads the root of a document. A list is not built: each item is read into a [`Node`] and
/// handed to `each` at once, so a file of many cases never holds the nodes of more than one.
pub(crate) struct RootSeed<'f, 'b> {
    pub seed: NodeSeed<'b>,
    pub each: &'f mut dyn FnMut(Node),
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_> {
    type Value = Root;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Root, D::Error> {
        let seed = self.seed;
        let mut scalar = None;
        let visitor = RootVisitor {
            seed,
            each: self.each,
            scalar: matches!(seed.lines, Lines::Probed(_)).then_some(&mut scalar),
        };
        match deserializer.deserialize_any(visitor) {
            Ok(root) => Ok(root),
            Err(error) => match scalar {
                Some(value) => Ok(Root::One(Node {
                    line: Some(line_of_probe(&error) + seed.lines.before()),
                    kind: NodeKind::Scalar(value),
                })),
                None => Err(error),
            },
        }
    }
}

/// Streams the items of a root list; builds a root mapping or scalar like [`NodeVisitor`].
struct RootVisitor<'f, 's, 'b> {
    seed: NodeSeed<'b>,
    each: &'f mut dyn FnMut(Node),
    scalar: Option<&'s mut Option<Value>>,
}

impl<'b> RootVisitor<'_, '_, 'b> {
    fn node(self) -> NodeVisitor<'static, 'b> {
        NodeVisitor {
            seed: self.seed,
            scalar: None,
        }
    }
    fn scalar<E: de::Error>(self, value: Value) -> Result<Root, E> {
        NodeVisitor {
            seed: self.seed,
            scalar: self.scalar,
        }
        .scalar(value)
        .map(Root::One)
    }
}

impl<'de> Visitor<'de> for RootVisitor<'_, '_, '_> {
    type Value = Root;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a case or a list of cases")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Root, E> {
        self.scalar(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Root, E> {
        self.scalar(Value::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Root, E> {
        self.scalar(Value::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Root, E> {
        self.scalar(Value::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Root, E> {
        self.scalar(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Root, E> {
        self.scalar(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Root, E> {
        self.scalar(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Root, E> {
        self.scalar(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Root, D::Error> {
        RootSeed {
            seed: self.seed,
            each: self.each,
        }
        .deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Root, A::Error> {
        self.seed.spend()?;
        let seed = NodeSeed {
            keys: KeyLines::Case,
            ..self.seed
        };
        while let Some(item) = seq.next_element_seed(seed)? {
            (self.each)(item);
        }
        Ok(Root::Listed)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Root, A::Error> {
        let mut node = self.node();
        node.seed.keys = KeyLines::Case;
        node.visit_map(map).map(Root::One)
    }
}

/// The line of a YAML probe error: its text ends in ` at line L column C`, or has no position
/// when it is the very start of the text (line 1), as `yaml_serde` writes it.
fn line_of_probe(error: &impl fmt::Display) -> usize {
    position_of(&error.to_string()).map_or(1, |(line, _)| line)
}

/// The line and column at the end of a YAML error's text.
fn position_of(text: &str) -> Option<(usize, usize)> {
    let (_, rest) = text.rsplit_once(" at line ")?;
    let (line, column) = rest.split_once(" column ")?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// A `serde_json` error's message: its text without the position that `Display` appends
/// (taken from [`serde_json::Error::line`] and [`serde_json::Error::column`]).
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Builds nodes; when `scalar` is set, a scalar is stored there and answered with the probe error.
struct NodeVisitor<'a, 'b> {
    seed: NodeSeed<'b>,
    scalar: Option<&'a mut Option<Value>>,
}

impl NodeVisitor<'_, '_> {
    /// A value no case can hold ([`NodeKind::Unreadable`]), with the line of the first scalar
    /// where lines are counted.
    fn unreadable<E: de::Error>(self, message: String) -> Result<Node, E> {
        self.seed.spend()?;
        Ok(Node {
            line: match self.seed.lines {
                Lines::Counted(line) => Some(line.get()),
                Lines::No | Lines::Probed(_) => None,
            },
            kind: NodeKind::Unreadable(message),
        })
    }

    fn scalar<E: de::Error>(self, value: Value) -> Result<Node, E> {
        self.seed.spend()?;
        match self.scalar {
            Some(slot) => {
                *slot = Some(value);
                Err(E::custom(PROBE))
            }
            None => Ok(Node {
                line: match self.seed.lines {
                    Lines::Counted(line) => Some(line.get()),
                    Lines::No | Lines::Probed(_) => None,
                },
                kind: NodeKind::Scalar(value),
            }),
        }
    }
}

impl<'de> Visitor<'de> for NodeVisitor<'_, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text, number, boolean, null, mapping or list")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.scalar(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.scalar(Value::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.scalar(Value::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.scalar(Value::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.scalar(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.scalar(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        self.seed.deserialize(deserializer)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.unreadable(format!(
            "the integer {v} is beyond 64 bits; write it as text"
        ))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        self.unreadable(format!(
            "the integer {v} is beyond 64 bits; write it as text"
        ))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        // A YAML tag: `!name value`. The value is read past; its line is the line of the case.
        let (tag, variant) = data.variant::<String>()?;
        de::VariantAccess::newtype_variant::<de::IgnoredAny>(variant)?;
        self.unreadable(format!(
            "the YAML tag `!{tag}` is not supported; write the value without it"
        ))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        self.seed.spend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.seed)? {
            items.push(item);
        }
        let line = items.iter().find_map(|item| item.line);
        Ok(Node {
            line,
            kind: NodeKind::List(items),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        self.seed.spend()?;
        let mut entries = Vec::new();
        // The JSON parser gives keys no position of their own (a key's line was never known).
        let probe = match self.seed.lines {
            Lines::Probed(before) if self.seed.keys != KeyLines::No => Some(before),
            Lines::Probed(_) | Lines::No | Lines::Counted(_) => None,
        };
        while let Some((key, key_line)) = map.next_key_seed(KeySeed { probe })? {
            let text = key.as_deref().unwrap_or_default();
            let seed = NodeSeed {
                keys: self.seed.keys.inside(text),
                ..self.seed
            };
            let mut value = map.next_value_seed(seed)?;
            value.line = value.line.or(key_line);
            match key {
                Ok(key) => entries.push((key, value)),
                Err(problem) => entries.push((
                    "?".to_owned(),
                    Node {
                        line: value.line,
                        kind: NodeKind::Unreadable(problem),
                    },
                )),
            }
        }
        let line = entries.iter().find_map(|(_, value)| value.line);
        Ok(Node {
            line,
            kind: NodeKind::Map(entries),
        })
    }
}

/// Reads a mapping key as text (numbers and booleans are written out), or the problem of a key
/// that cannot be text (a YAML list, mapping or tagged value, read past); with `probe` (the lines
/// before the text parsed), with its line when the deserializer gives one (the YAML one does; the
/// JSON one gives none for keys).
struct KeySeed {
    probe: Option<usize>,
}

/// A key: its text, or why it has none.
type Key = Result<String, String>;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = (Key, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let Some(before) = self.probe else {
            return deserializer
                .deserialize_any(KeyVisitor { slot: None })
                .map(|key| (key, None));
        };
        let mut slot = None;
        match deserializer.deserialize_any(KeyVisitor {
            slot: Some(&mut slot),
        }) {
            Ok(key) => Ok((key, None)),
            Err(error) => match slot {
                Some(key) => Ok((
                    Ok(key),
                    position_of(&error.to_string()).map(|(line, _)| line + before),
                )),
                None => Err(error),
            },
        }
    }
}

/// Reads a key; when `slot` is set, the key is stored there and answered with the probe error.
struct KeyVisitor<'a> {
    slot: Option<&'a mut Option<String>>,
}

impl KeyVisitor<'_> {
    fn key<E: de::Error>(self, key: String) -> Result<Key, E> {
        match self.slot {
            Some(slot) => {
                *slot = Some(key);
                Err(E::custom(PROBE))
            }
            None => Ok(Ok(key)),
        }
    }
}

/// The problem of a key that is a list or a mapping.
fn complex_key() -> Key {
    Err("a key that is a list or a mapping is not supported: keys are text".to_owned())
}

impl<'de> Visitor<'de> for KeyVisitor<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        self.key(v.to_owned())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
        self.key(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
        self.key(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        self.key(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
        self.key(v.to_string())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Key, A::Error> {
        de::IgnoredAny.visit_seq(seq)?;
        Ok(complex_key())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Key, A::Error> {
        de::IgnoredAny.visit_map(map)?;
        Ok(complex_key())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Key, A::Error> {
        let (tag, variant) = data.variant::<String>()?;
        de::VariantAccess::newtype_variant::<de::IgnoredAny>(variant)?;
        Ok(Err(format!(
            "the YAML tag `!{tag}` is not supported; write the key without it"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn yaml(text: &str) -> Node {
        let mut documents = Vec::new();
        for document in serde_yaml::Deserializer::from_str(text) {
            documents.push(
                NodeSeed {
                    lines: Lines::Probed(0),
                    keys: KeyLines::No,
                    budget: None,
                }
                .deserialize(document)
                .unwrap(),
            );
        }
        documents.remove(0)
    }

    /// A JSON text's tree, its lines found as `lines` says (counted, or probed like YAML).
    fn json(text: &str, counted: bool) -> Result<Node, serde_json::Error> {
        let line = Cell::new(1);
        let mut de = serde_json::Deserializer::from_reader(LineCounter {
            text: text.as_bytes(),
            line: &line,
        });
        NodeSeed {
            lines: if counted {
                Lines::Counted(&line)
            } else {
                Lines::Probed(0)
            },
            keys: KeyLines::Case,
            budget: None,
        }
        .deserialize(&mut de)
    }

    fn lines(node: &Node, out: &mut Vec<(String, Option<usize>)>) {
        match &node.kind {
            NodeKind::Scalar(value) => out.push((format!("{value:?}"), node.line)),
            NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| lines(v, out)),
            NodeKind::List(items) => items.iter().for_each(|v| lines(v, out)),
            NodeKind::Unreadable(problem) => out.push((problem.clone(), node.line)),
        }
    }

    #[test]
    fn yaml_scalars_carry_their_lines() {
        let node = yaml("a: 1\nb:\n  - x\n  - {c: true, d: ~}\ne: \"t\"\n");
        let mut out = Vec::new();
        lines(&node, &mut out);
        let got: Vec<_> = out.iter().map(|(_, line)| line.unwrap()).collect();
        assert_eq!(got, vec![1, 3, 4, 4, 5]);
        assert_eq!(node.line, Some(1));
    }

    #[test]
    fn json_scalars_carry_their_lines() {
        let node = json("{\n \"a\": 1,\n \"b\": [\"x\",\n  {\"c\": null}]\n}", true).unwrap();
        let mut out = Vec::new();
        lines(&node, &mut out);
        let got: Vec<_> = out.iter().map(|(_, line)| line.unwrap()).collect();
        assert_eq!(got, vec![2, 3, 4]);
    }

    #[test]
    fn a_real_error_is_not_taken_for_a_probe() {
        assert!(json("{\"a\": [1, }", false).is_err());
        assert!(json("{\"a\": [1, }", true).is_err());
    }

    /// The line read from the text of a YAML error made by a visitor (as a probe is) is the line
    /// of `Error::location`, at the start of the text too (where the text has no position).
    #[test]
    fn yaml_error_lines_are_their_locations() {
        type Shape = std::collections::BTreeMap<String, Vec<u8>>;
        let texts = [
            "oops",
            "a: [1, 2]\nb: oops\n",
            "a: [1, 2]\n\n\nb:\n  - 3\n  - x\n",
            "a: [1, 2]\nb: {c: 1}\n",
            "- 1\n",
        ];
        for text in texts {
            let error = serde_yaml::from_str::<Shape>(text).unwrap_err();
            let location = error.location().map_or(1, |location| location.line());
            assert_eq!(line_of_probe(&error), location, "{text:?}: {error}");
        }
    }

    /// A JSON error's message is its text without the position of `line()` and `column()`.
    #[test]
    fn json_messages_lose_their_position() {
        let error = serde_json::from_str::<serde_json::Value>("{\n  \"a\": tru }").unwrap_err();
        assert_eq!(json_message(&error), "expected ident");
        assert_eq!((error.line(), error.column()), (2, 11));
    }

    /// A JSON value with line breaks and spaces between any two tokens.
    fn spaced_json() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec!["", " ", "\n", "\n\n  ", "\r\n"]);
        let scalar = prop_oneof![
            Just("1".to_owned()),
            Just("-2.5e3".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            "[a-z ]{0,6}".prop_map(|s| format!("\"{s}\"")),
            Just(r#""a\nb""#.to_owned()),
        ];
        scalar.prop_recursive(3, 24, 4, move |inner| {
            let space = space.clone();
            prop_oneof![
                prop::collection::vec((inner.clone(), space.clone(), space.clone()), 0..4)
                    .prop_map(|items| {
                        let items: Vec<String> = items
                            .into_iter()
                            .map(|(v, a, b)| format!("{a}{v}{b}"))
                            .collect();
                        format!("[{}]", items.join(","))
                    }),
                prop::collection::vec(("[a-z]{1,3}", inner, space.clone(), space), 0..4).prop_map(
                    |entries| {
                        let entries: Vec<String> = entries
                            .into_iter()
                            .map(|(k, v, a, b)| format!("{a}\"{k}\"{b}:{a}{v}{b}"))
                            .collect();
                        format!("{{{}}}", entries.join(","))
                    }
                ),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

        /// Counting line breaks finds the line serde_json attaches to an error at each scalar.
        #[test]
        fn counted_json_lines_are_serde_json_error_lines(text in spaced_json()) {
            let counted = json(&text, true).unwrap();
            let probed = json(&text, false).unwrap();
            prop_assert_eq!(counted, probed);
        }
    }
}
