//! A format-neutral tree of case-file values, each node with the line it starts on.
//!
//! YAML and JSON are both read into [`Node`] trees through serde, so one
//! interpreter turns them into cases. serde does not hand positions to a
//! visitor, so lines are found this way: when [`NodeSeed`] probes, each scalar
//! is handed to a visitor that stores it and then returns a marker error; both
//! `serde_yaml` and `serde_json` attach the current position to such an error
//! (its `Display` ends in ` at line L column C`), and the scalar has already been
//! consumed, so the deserializer carries on normally. A map or list starts on the
//! line of its first scalar. JSONL lines are parsed without probing: the line
//! number is the line of the stream.

use super::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;

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
}

impl Node {
    /// A short word for the node's shape, for messages.
    pub fn shape(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(Value::Null) => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Map(_) => "a mapping",
            NodeKind::List(_) => "a list",
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

/// Reads one [`Node`]; with `probe`, records the line of every scalar, and of the keys `keys`
/// names: a value with no scalar (`{}`, `[]`) then starts at the line of its key.
#[derive(Clone, Copy)]
pub(crate) struct NodeSeed<'b> {
    pub probe: bool,
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
        if !self.probe {
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
                    line: Some(line_of_error(&error.to_string())),
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
            scalar: seed.probe.then_some(&mut scalar),
        };
        match deserializer.deserialize_any(visitor) {
            Ok(root) => Ok(root),
            Err(error) => match scalar {
                Some(value) => Ok(Root::One(Node {
                    line: Some(line_of_error(&error.to_string())),
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

/// The line in a probe error's text: ` at line L column C` at its end, or line 1
/// when the position is the very start (serde_yaml then prints no position).
fn line_of_error(text: &str) -> usize {
    text.rsplit_once(" at line ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(1)
}

/// A serde error's text without its trailing ` at line L column C`.
pub(crate) fn without_position(text: &str) -> &str {
    match text.rsplit_once(" at line ") {
        Some((message, rest)) if rest.split(' ').nth(1) == Some("column") => message,
        _ => text,
    }
}

/// Builds nodes; when `scalar` is set, a scalar is stored there and answered with the probe error.
struct NodeVisitor<'a, 'b> {
    seed: NodeSeed<'b>,
    scalar: Option<&'a mut Option<Value>>,
}

impl NodeVisitor<'_, '_> {
    fn scalar<E: de::Error>(self, value: Value) -> Result<Node, E> {
        self.seed.spend()?;
        match self.scalar {
            Some(slot) => {
                *slot = Some(value);
                Err(E::custom(PROBE))
            }
            None => Ok(Node {
                line: None,
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
        let probe_keys = self.seed.probe && self.seed.keys != KeyLines::No;
        while let Some((key, key_line)) = map.next_key_seed(KeySeed { probe: probe_keys })? {
            let seed = NodeSeed {
                keys: self.seed.keys.inside(&key),
                ..self.seed
            };
            let mut value = map.next_value_seed(seed)?;
            value.line = value.line.or(key_line);
            entries.push((key, value));
        }
        let line = entries.iter().find_map(|(_, value)| value.line);
        Ok(Node {
            line,
            kind: NodeKind::Map(entries),
        })
    }
}

/// Reads a mapping key as text (numbers and booleans are written out); with `probe`, with its
/// line when the deserializer gives one (the YAML one does; the JSON one gives none for keys).
struct KeySeed {
    probe: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = (String, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        if !self.probe {
            return deserializer
                .deserialize_any(KeyVisitor { slot: None })
                .map(|key| (key, None));
        }
        let mut slot = None;
        match deserializer.deserialize_any(KeyVisitor {
            slot: Some(&mut slot),
        }) {
            Ok(key) => Ok((key, None)),
            Err(error) => match slot {
                Some(key) => {
                    let text = error.to_string();
                    let line = text.contains(" at line ").then(|| line_of_error(&text));
                    Ok((key, line))
                }
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
    fn key<E: de::Error>(self, key: String) -> Result<String, E> {
        match self.slot {
            Some(slot) => {
                *slot = Some(key);
                Err(E::custom(PROBE))
            }
            None => Ok(key),
        }
    }
}

impl Visitor<'_> for KeyVisitor<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.key(v.to_owned())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.key(v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Node {
        let mut documents = Vec::new();
        for document in serde_yaml::Deserializer::from_str(text) {
            documents.push(
                NodeSeed {
                    probe: true,
                    keys: KeyLines::No,
                    budget: None,
                }
                .deserialize(document)
                .unwrap(),
            );
        }
        documents.remove(0)
    }

    fn lines(node: &Node, out: &mut Vec<(String, Option<usize>)>) {
        match &node.kind {
            NodeKind::Scalar(value) => out.push((format!("{value:?}"), node.line)),
            NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| lines(v, out)),
            NodeKind::List(items) => items.iter().for_each(|v| lines(v, out)),
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
        let text = "{\n \"a\": 1,\n \"b\": [\"x\",\n  {\"c\": null}]\n}";
        let mut de = serde_json::Deserializer::from_str(text);
        let node = NodeSeed {
            probe: true,
            keys: KeyLines::No,
            budget: None,
        }
        .deserialize(&mut de)
        .unwrap();
        let mut out = Vec::new();
        lines(&node, &mut out);
        let got: Vec<_> = out.iter().map(|(_, line)| line.unwrap()).collect();
        assert_eq!(got, vec![2, 3, 4]);
    }

    #[test]
    fn a_real_error_is_not_taken_for_a_probe() {
        let mut de = serde_json::Deserializer::from_str("{\"a\": [1, }");
        assert!(NodeSeed {
            probe: true,
            keys: KeyLines::No,
            budget: None,
        }
        .deserialize(&mut de)
        .is_err());
    }
}
