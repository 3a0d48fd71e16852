//! Grouping JSON Lines event streams into cases.
//!
//! A JSONL stream has no end-of-case marker, so a case is complete only when
//! the whole input has been seen: [`JsonlGrouper`] takes lines one at a time
//! (from any number of files, interleaved freely) and [`JsonlGrouper::finish`]
//! returns the grouped cases in the order their ids were first seen.

use super::build::{self, Problem};
use super::node::{without_position, Node, NodeKind, NodeSeed};
use super::{Case, CaseBatch, Event, ReadOptions, Rejected, Value};
use serde::de::DeserializeSeed;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

/// Collects JSONL event lines and groups them by their `case` field.
#[derive(Debug, Default)]
pub struct JsonlGrouper {
    opts: ReadOptions,
    /// Case ids in first-seen order.
    order: Vec<String>,
    groups: HashMap<String, Group>,
    /// Lines that name no case (unreadable JSON, no `case` field).
    rejected: Vec<Rejected>,
}

#[derive(Debug)]
struct Group {
    /// `file:line` of the case's first line.
    source: String,
    /// The attributes and the `file:line` they were given at.
    attributes: Option<(BTreeMap<String, Value>, String)>,
    events: Vec<Event>,
    /// The first problem found; once set, further events are not kept.
    problem: Option<(String, String)>,
}

impl JsonlGrouper {
    /// A grouper reading times and ranks with `opts`.
    pub fn new(opts: ReadOptions) -> Self {
        JsonlGrouper {
            opts,
            ..JsonlGrouper::default()
        }
    }

    /// Adds every line of `text`, read from `source` (a display name such as a file path).
    pub fn push_text(&mut self, source: &str, text: &str) {
        for (index, line) in text.lines().enumerate() {
            self.push_line(source, index + 1, line);
        }
    }

    /// Adds every line read from `reader`, one line at a time (the text is never held whole).
    pub fn push_reader(&mut self, source: &str, reader: impl BufRead) -> std::io::Result<()> {
        for (index, line) in reader.lines().enumerate() {
            self.push_line(source, index + 1, &line?);
        }
        Ok(())
    }

    /// Adds one line: `line` is its 1-based number in `source`. Blank lines are skipped, and so is
    /// a byte-order mark.
    pub fn push_line(&mut self, source: &str, line: usize, text: &str) {
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            return;
        }
        let place = format!("{source}:{line}");
        let reject_line = |error: String| Rejected {
            source: place.clone(),
            case: None,
            error,
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed = NodeSeed { probe: false }
            .deserialize(&mut deserializer)
            .and_then(|node| deserializer.end().map(|()| node));
        let node = match parsed {
            Ok(node) => node,
            Err(error) => {
                let message = without_position(&error.to_string()).to_owned();
                let column = error.column();
                let error = format!("invalid json: {message} at column {column}");
                self.rejected.push(reject_line(error));
                return;
            }
        };
        let NodeKind::Map(mut entries) = node.kind else {
            let shape = node.shape();
            self.rejected.push(reject_line(format!(
                "an event line must be a JSON object, found {shape}"
            )));
            return;
        };
        let Some(case_at) = entries.iter().position(|(key, _)| key == "case") else {
            self.rejected.push(reject_line(
                "event line has no `case` field naming its case".to_owned(),
            ));
            return;
        };
        let (_, case_node) = entries.remove(case_at);
        let id = match build::text(&case_node, "case") {
            Ok(id) => id,
            Err(problem) => {
                self.rejected.push(reject_line(problem.message));
                return;
            }
        };
        let group = match self.groups.get_mut(&id) {
            Some(group) => group,
            None => {
                self.order.push(id.clone());
                self.groups.entry(id).or_insert(Group {
                    source: place.clone(),
                    attributes: None,
                    events: Vec::new(),
                    problem: None,
                })
            }
        };
        if group.problem.is_some() {
            return;
        }
        if let Err(problem) = add_line(group, entries, &place, line, &self.opts) {
            group.problem = Some((place, problem.message));
            group.events = Vec::new();
        }
    }

    /// Returns the grouped cases (events sorted by time, ties in input order) and every rejection.
    pub fn finish(self) -> CaseBatch {
        let mut batch = CaseBatch {
            cases: Vec::new(),
            rejected: self.rejected,
        };
        let mut groups = self.groups;
        for id in self.order {
            let Some(group) = groups.remove(&id) else {
                continue;
            };
            match group.problem {
                Some((source, error)) => batch.rejected.push(Rejected {
                    source,
                    case: Some(id),
                    error,
                }),
                None => {
                    let mut events = group.events;
                    build::sort_events(&mut events);
                    batch.cases.push(Case {
                        id,
                        attributes: group.attributes.map(|(map, _)| map).unwrap_or_default(),
                        events,
                        source: Some(group.source),
                        expect: None,
                    });
                }
            }
        }
        batch
    }
}

/// Adds one parsed line (without its `case` field) to its case.
fn add_line(
    group: &mut Group,
    mut entries: Vec<(String, Node)>,
    place: &str,
    line: usize,
    opts: &ReadOptions,
) -> Result<(), Problem> {
    if let Some(at) = entries.iter().position(|(key, _)| key == "attributes") {
        let (_, node) = entries.remove(at);
        if let Some((_, first)) = &group.attributes {
            return Err(Problem::new(
                Some(line),
                format!("`attributes` given again (first given at {first})"),
            ));
        }
        let attributes = build::scalar_map(node, "attributes")?;
        group.attributes = Some((attributes, place.to_owned()));
        if entries.is_empty() {
            return Ok(());
        }
    }
    group.events.push(build::event(entries, Some(line), opts)?);
    Ok(())
}
