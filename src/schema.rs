//! The JSON Schema (draft 2020-12) of a policy's case files: what `covenant schema --policy P`
//! writes, so that a system exporting cases can validate its output with any JSON Schema
//! validator, and an editor can complete and explain case files.
//!
//! The root validates a case file as the YAML and JSON readers take it (one case, or a list of
//! cases; YAML read into the same values). `$defs` holds the parts, among them `event_line`, one
//! line of a JSON Lines stream. With a vocabulary the event types, their fields, the attributes
//! and their values are those the policy declares (with its labels as titles), and nothing else
//! is allowed; without one, events of any type with any scalar fields are. Ranks and venues are
//! the policy's when it declares them. What a schema cannot say (a field given twice, an instant
//! outside the years 0 to 9999, a date that does not exist) is still the readers' to reject; see
//! `docs/cases.md`.

use crate::check::Policy;
use crate::expect;
use crate::vocab::{Kind, Slot, Vocabulary};
use serde_json::{json, Map, Value as Json};

/// The draft the schema follows.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of the case files of `policy`.
pub fn case_schema(policy: &Policy) -> Json {
    let vocabulary = policy.vocabulary();
    let mut defs = Map::new();
    defs.insert("case".into(), case());
    defs.insert("attributes".into(), attributes(vocabulary));
    defs.insert("event".into(), event(vocabulary));
    defs.insert("event_line".into(), event_line(vocabulary));
    defs.insert("event_fields".into(), event_fields(policy, vocabulary));
    defs.insert("timestamp".into(), timestamp(policy));
    defs.insert(
        "text".into(),
        json!({
            "type": ["string", "number"],
            "description": "A text (a number is read as its text)."
        }),
    );
    defs.insert(
        "scalar".into(),
        json!({
            "type": ["string", "number", "boolean", "null"],
            "description": "A text, a number, a boolean or null."
        }),
    );
    defs.insert("staff".into(), staff(policy));
    defs.insert("expect".into(), expect_schema());
    defs.insert("expectations".into(), expectations(policy));
    json!({
        "$schema": DRAFT,
        "title": format!("Cases of the policy \"{}\"", policy.name()),
        "description": "A case file of covenant: one case, or a list of cases (docs/cases.md). One line of a JSON Lines stream is `#/$defs/event_line`.",
        "oneOf": [
            {"$ref": "#/$defs/case"},
            {"type": "array", "items": {"$ref": "#/$defs/case"}}
        ],
        "$defs": defs
    })
}

/// A case: `id`, `attributes`, `events`, `expect`, and nothing else.
fn case() -> Json {
    json!({
        "type": "object",
        "title": "A case",
        "description": "An id, the case's initial attributes and its events.",
        "required": ["id"],
        "properties": {
            "id": {"$ref": "#/$defs/text", "description": "The case id (a number is read as its text)."},
            "attributes": {"$ref": "#/$defs/attributes"},
            "events": {
                "type": "array",
                "description": "The events of the case, in any order (they are sorted by `at`; ties keep their order).",
                "items": {"$ref": "#/$defs/event"}
            },
            "expect": {"$ref": "#/$defs/expect"}
        },
        "additionalProperties": false
    })
}

/// The case's attributes (and the values of an event's `set`).
fn attributes(vocabulary: Option<&Vocabulary>) -> Json {
    let Some(vocabulary) = vocabulary else {
        return json!({
            "type": "object",
            "description": "The case's attributes: texts, numbers, booleans or null.",
            "additionalProperties": {"$ref": "#/$defs/scalar"}
        });
    };
    let properties: Map<String, Json> = vocabulary
        .attributes()
        .iter()
        .map(|slot| (slot.name().to_owned(), value(slot, "attribute")))
        .collect();
    json!({
        "type": "object",
        "description": "The case's attributes, as the policy declares them (`attribute NAME: TYPE`); null means absent.",
        "properties": properties,
        "additionalProperties": false
    })
}

/// The schema of the values a declared field or attribute may hold (null among them).
fn value(slot: &Slot, what: &str) -> Json {
    let mut schema = match slot.kind() {
        Kind::Text => json!({"type": ["string", "null"]}),
        Kind::Number => json!({"type": ["number", "null"]}),
        Kind::Boolean => json!({"type": ["boolean", "null"]}),
        Kind::OneOf(choices) => {
            let mut values: Vec<Json> = choices.iter().map(|c| c.to_json()).collect();
            values.push(Json::Null);
            json!({"enum": values})
        }
    };
    if let Some(map) = schema.as_object_mut() {
        if let Some(label) = slot.label() {
            map.insert("title".into(), label.into());
        }
        map.insert(
            "description".into(),
            format!("The {what} `{}`: {}.", slot.name(), slot.kind().written()).into(),
        );
    }
    schema
}

/// An event of a case: its fields, with `at` and `type` required and nothing undeclared.
fn event(vocabulary: Option<&Vocabulary>) -> Json {
    json!({
        "type": "object",
        "title": "An event",
        "$ref": "#/$defs/event_fields",
        "required": ["at", "type"],
        "unevaluatedProperties": others(vocabulary)
    })
}

/// One line of a JSON Lines stream: an event with `case` (and maybe the case's `attributes`),
/// or `case` and `attributes` alone.
fn event_line(vocabulary: Option<&Vocabulary>) -> Json {
    json!({
        "type": "object",
        "title": "A line of a JSON Lines event stream",
        "description": "One event of case `case`; `attributes` may be given on one line of the case (alone with `case`, or with an event).",
        "$ref": "#/$defs/event_fields",
        "properties": {
            "case": {"$ref": "#/$defs/text", "description": "The id of the case the line belongs to."},
            "attributes": {"$ref": "#/$defs/attributes"}
        },
        "required": ["case"],
        "anyOf": [
            {"required": ["at", "type"]},
            {"required": ["attributes"], "maxProperties": 2}
        ],
        "unevaluatedProperties": others(vocabulary)
    })
}

/// What an event's fields other than the declared ones may be: nothing with a vocabulary, any
/// scalar without.
fn others(vocabulary: Option<&Vocabulary>) -> Json {
    match vocabulary {
        Some(_) => Json::Bool(false),
        None => json!({"$ref": "#/$defs/scalar"}),
    }
}

/// The fields of an event: those every event has, and with a vocabulary each type's own.
fn event_fields(policy: &Policy, vocabulary: Option<&Vocabulary>) -> Json {
    let venues: Vec<&str> = policy.venues().map(|(name, _)| name).collect();
    let venue = if venues.is_empty() {
        json!({"$ref": "#/$defs/text", "description": "Where the case now is."})
    } else {
        json!({"enum": venues, "description": "Where the case now is: one of the policy's venues."})
    };
    let staff = |what: &str| json!({"$ref": "#/$defs/staff", "description": what});
    let instant = |what: &str| json!({"$ref": "#/$defs/timestamp", "description": what});
    let text = |what: &str| json!({"$ref": "#/$defs/text", "description": what});
    let kind = match vocabulary {
        Some(vocabulary) => {
            let names: Vec<&str> = vocabulary.events().iter().map(|e| e.name()).collect();
            let descriptions: Vec<String> = vocabulary
                .events()
                .iter()
                .map(|e| match e.label() {
                    Some(label) => format!("{label} (`{}`)", e.name()),
                    None => format!("`{}`", e.name()),
                })
                .collect();
            json!({
                "enum": names,
                "enumDescriptions": descriptions,
                "description": "The event type: one the policy declares (`event NAME`)."
            })
        }
        None => json!({"$ref": "#/$defs/text", "description": "The event type."}),
    };
    let mut schema = json!({
        "type": "object",
        "properties": {
            "at": instant("When it happened."),
            "type": kind,
            "handler": staff("The staff member now handling the case."),
            "to": staff("Who the case is handed to (the new handler; on `notified`, who was told)."),
            "with": staff("The staff member of an appointment, a meeting or a notification."),
            "venue": venue,
            "subject": {
                "description": "The staff id(s) a complaint is about.",
                "anyOf": [
                    {"$ref": "#/$defs/text"},
                    {"type": "array", "items": {"$ref": "#/$defs/text"}}
                ]
            },
            "set": {"$ref": "#/$defs/attributes", "description": "Attribute updates."},
            "time": instant("An appointment's agreed time."),
            "due": instant("A promise's due instant."),
            "within": text("A promise's time as written: a duration like `10m`, or a term word of the policy."),
            "id": text("Names a promise or an appointment."),
            "ref": text("Refers to a promise or an appointment by its id.")
        }
    });
    if let (Some(vocabulary), Some(map)) = (vocabulary, schema.as_object_mut()) {
        let each: Vec<Json> = vocabulary
            .events()
            .iter()
            .filter(|e| !e.fields().is_empty())
            .map(|e| {
                let fields: Map<String, Json> = e
                    .fields()
                    .iter()
                    .map(|slot| (slot.name().to_owned(), value(slot, "field")))
                    .collect();
                json!({
                    "if": {"properties": {"type": {"const": e.name()}}, "required": ["type"]},
                    "then": {"properties": fields}
                })
            })
            .collect();
        if !each.is_empty() {
            map.insert("allOf".into(), Json::Array(each));
        }
    }
    schema
}

/// A timestamp: RFC 3339, or without an offset when the policy has a timezone to read it in.
fn timestamp(policy: &Policy) -> Json {
    let date_time = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}";
    match policy.timezone() {
        Some(zone) => json!({
            "type": "string",
            "pattern": format!("{date_time}(:[0-9]{{2}}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{{2}}:[0-9]{{2}})?$"),
            "description": format!("An instant: RFC 3339 like `2026-06-19T14:30:00+08:00`; without an offset it is read in {zone}."),
            "examples": ["2026-06-19T14:30:00+08:00"]
        }),
        None => json!({
            "type": "string",
            "pattern": format!("{date_time}:[0-9]{{2}}(\\.[0-9]+)?([Zz]|[+-][0-9]{{2}}:[0-9]{{2}})$"),
            "description": "An instant: RFC 3339 with an offset, like `2026-06-19T14:30:00+08:00`.",
            "examples": ["2026-06-19T14:30:00+08:00"]
        }),
    }
}

/// A staff member: `id` and an optional `rank`, one of the policy's ranks when it has a scale.
fn staff(policy: &Policy) -> Json {
    let rank = if policy.ranks().is_empty() {
        json!({"$ref": "#/$defs/text"})
    } else {
        json!({"enum": policy.ranks(), "description": "A rank of the policy's scale (lowest first)."})
    };
    json!({
        "type": "object",
        "description": "A staff member.",
        "required": ["id"],
        "properties": {
            "id": {"$ref": "#/$defs/text", "description": "The staff id."},
            "rank": rank
        },
        "additionalProperties": false
    })
}

/// The `expect:` block `covenant test` reads: one block, or a list of blocks.
fn expect_schema() -> Json {
    json!({
        "description": "What `covenant test` expects of the case (docs/authoring.md): one block, or a list of blocks each with its own `as_of`.",
        "anyOf": [
            {"$ref": "#/$defs/expectations"},
            {"type": "array", "items": {"$ref": "#/$defs/expectations"}}
        ]
    })
}

/// One block of expectations, with the policy's names where a key names a rule.
fn expectations(policy: &Policy) -> Json {
    let states = |states: &[&str]| json!({"enum": states});
    // A mapping keyed by the names of the policy's rules of a kind, whose values are `states`.
    let named = |names: Vec<String>, states: Json| {
        if names.is_empty() {
            json!({"type": "object", "maxProperties": 0, "description": "The policy has none."})
        } else {
            json!({"type": "object", "propertyNames": {"enum": names}, "additionalProperties": states})
        }
    };
    let rule_list = |fields: Json| {
        json!({
            "type": "array",
            "items": {"anyOf": [
                {"type": "string", "description": "The rule's name."},
                {"type": "object", "required": ["rule"], "properties": fields, "additionalProperties": false}
            ]}
        })
    };
    let instant = json!({"$ref": "#/$defs/timestamp"});
    let length =
        json!({"type": "string", "description": "A length of time, `1h30m` or `PT1H30M`."});
    let promise_state = json!({"anyOf": [
        states(&expect::PROMISE_STATES),
        {
            "type": "object",
            "required": ["state"],
            "properties": {
                "state": states(&expect::PROMISE_STATES),
                "due": instant,
                "late_by": length,
                "elapsed": length,
                "remaining": length,
                "paused": length
            },
            "additionalProperties": false
        }
    ]});
    // A state, or `{state, KEY: INSTANT}`.
    let timed = |allowed: &[&str], key: &str| {
        json!({"anyOf": [
            states(allowed),
            {
                "type": "object",
                "required": ["state"],
                "properties": {"state": states(allowed), key: instant},
                "additionalProperties": false
            }
        ]})
    };
    // One instance's expectation (the first), or a list of them (every instance, in order).
    let instances = |one: Json| json!({"anyOf": [one, {"type": "array", "items": one}]});
    let steps: Vec<String> = policy
        .escalation_names()
        .flat_map(|chain| {
            policy
                .step_names(chain)
                .map(move |step| format!("{chain}.{step}"))
        })
        .collect();
    let mut properties = json!({
        "as_of": {"$ref": "#/$defs/timestamp", "description": "The instant the case is evaluated at (default: its last event)."},
        "breaches": rule_list(json!({
            "rule": {"type": "string"},
            "kind": states(&expect::BREACH_KINDS),
            "due": instant,
            "at": instant
        })),
        "actions": rule_list(json!({"rule": {"type": "string"}, "due": instant})),
        "warnings": rule_list(json!({"rule": {"type": "string"}, "due": instant})),
        "promises": named(
            policy.promise_names().map(str::to_owned).collect(),
            instances(promise_state)
        ),
        "standards": named(
            policy.standard_names().map(str::to_owned).collect(),
            instances(timed(&expect::STANDARD_STATES, "due"))
        ),
        "escalations": named(
            policy.escalation_names().map(str::to_owned).collect(),
            instances(states(&expect::CHAIN_STATES))
        ),
        "steps": named(steps, instances(timed(&expect::STEP_STATES, "deadline"))),
        "objectives": named(
            policy.objective_names().map(str::to_owned).collect(),
            json!({
                "type": "object",
                "description": "Periods (`2026-06-22`, `2026-W26`, `2026-06`), each counted over this case alone.",
                "additionalProperties": {"anyOf": [
                    {"const": "absent"},
                    {
                        "type": "object",
                        "properties": {
                            "met": {"type": "integer", "minimum": 0},
                            "total": {"type": "integer", "minimum": 0},
                            "state": states(&expect::OBJECTIVE_STATES)
                        },
                        "additionalProperties": false
                    }
                ]}
            })
        ),
        "no_other_breaches": {"type": "boolean"},
        "no_other_actions": {"type": "boolean"}
    });
    if let (true, Some(map)) = (policy.has_commitments(), properties.as_object_mut()) {
        map.insert(
            "commitments".into(),
            json!({
                "type": "object",
                "additionalProperties": timed(&expect::COMMITMENT_STATES, "due")
            }),
        );
    }
    json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(value: &Json) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    /// The schema names the fields of the readers' one table of event fields, and the keys of an
    /// `expect:` block that `covenant test` reads, no more and no fewer.
    #[test]
    fn the_schema_follows_the_readers_and_the_expectations() {
        let policy = Policy::parse(
            r#"policy "P" { timezone "UTC" }
            event opened
            commitments { keep }"#,
        )
        .unwrap();
        let schema = case_schema(&policy);
        let fields = keys(&schema["$defs"]["event_fields"]["properties"]);
        let table: BTreeSet<String> = crate::case::event_field_names()
            .iter()
            .map(|name| (*name).to_owned())
            .collect();
        assert_eq!(fields, table);
        let expectations = keys(&schema["$defs"]["expectations"]["properties"]);
        let read: BTreeSet<String> = expect::KEYS.iter().map(|k| (*k).to_owned()).collect();
        assert_eq!(expectations, read);
    }
}
