//! The vocabulary beyond the checker and the readers: the JSON Schema of `covenant schema`
//! validated with a real validator (the `jsonschema` crate) against every shipped example case,
//! misspelt cases and generated JSON Lines, its verdicts compared with the readers', and the
//! commands (`schema`, `eval` with rejections, `generate` for a policy with a vocabulary).

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use covenant::case::{read_str, CaseFormat, ReadOptions};
use covenant::schema::case_schema;
use covenant::Policy;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Each example policy (`policies/*/*.policy`) with its example cases.
fn examples() -> Vec<(PathBuf, Vec<PathBuf>)> {
    let mut out = Vec::new();
    let policies = Path::new(ROOT).join("policies");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&policies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cases").is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let policy = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "policy"))
            .unwrap();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(folder.join("cases"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        out.push((policy, cases));
    }
    assert!(out.len() >= 7, "{out:?}");
    out
}

fn load(policy: &Path) -> Policy {
    Policy::load_within(policy, Path::new(ROOT).join("policies")).unwrap()
}

/// A validator of `schema` (draft 2020-12, formats and all).
fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .unwrap()
}

/// The schema with its root replaced by `$defs/NAME`.
fn part(schema: &Value, name: &str) -> Value {
    json!({
        "$schema": schema["$schema"],
        "$ref": format!("#/$defs/{name}"),
        "$defs": schema["$defs"],
    })
}

/// Why `instance` is not valid, or nothing.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// A YAML case file as the JSON value a validator reads (YAML's timestamps stay texts).
fn yaml_value(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// Every shipped example case, with its `expect:` block, is valid against the schema of its
/// policy, which declares a vocabulary.
#[test]
fn every_example_case_is_valid_against_its_policys_schema() {
    let mut checked = 0;
    for (policy_path, cases) in examples() {
        let policy = load(&policy_path);
        assert!(policy.vocabulary().is_some(), "{}", policy_path.display());
        let schema = case_schema(&policy);
        let validator = validator(&schema);
        for case in cases {
            let instance = yaml_value(&std::fs::read_to_string(&case).unwrap());
            let found = errors(&validator, &instance);
            assert!(
                found.is_empty(),
                "{}:\n{}",
                case.display(),
                found.join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked >= 50, "{checked}");
}

/// One example case, with one thing in it changed.
fn changed(edit: impl Fn(&mut Value)) -> Value {
    let path = Path::new(ROOT).join("policies/logistics/cases/three-changes-done-right.yaml");
    let mut value = yaml_value(&std::fs::read_to_string(path).unwrap());
    edit(&mut value);
    value
}

/// A change made to a case's value.
type Edit = dyn Fn(&mut Value);

/// A misspelt event type, field, attribute, value, venue or rank, an undeclared field, a case key
/// that does not exist or an expectation of a promise the policy does not have fails the schema;
/// the case as shipped passes it.
#[test]
fn a_misspelt_case_fails_the_schema() {
    let policy = load(&Path::new(ROOT).join("policies/logistics/complaints.policy"));
    let validator = validator(&case_schema(&policy));
    assert!(errors(&validator, &changed(|_| {})).is_empty());
    let edits: Vec<(&str, Box<Edit>)> = vec![
        (
            "event type",
            Box::new(|v| v["events"][13]["type"] = json!("followup")),
        ),
        (
            "attribute value",
            Box::new(|v| v["attributes"]["channel"] = json!("walkin")),
        ),
        (
            "attribute",
            Box::new(|v| v["attributes"]["chanel"] = json!("walk_in")),
        ),
        (
            "undeclared field",
            Box::new(|v| v["events"][0]["priority"] = json!("high")),
        ),
        (
            "field value",
            Box::new(|v| v["events"][2]["form"] = json!(3)),
        ),
        (
            "venue",
            Box::new(|v| v["events"][4]["venue"] = json!("recption_room")),
        ),
        (
            "rank",
            Box::new(|v| v["events"][3]["handler"]["rank"] = json!("supervisr")),
        ),
        (
            "set",
            Box::new(|v| v["events"][1]["set"] = json!({"demand": "unreasonabel"})),
        ),
        ("case key", Box::new(|v| v["event"] = json!([]))),
        (
            "timestamp",
            Box::new(|v| v["events"][0]["at"] = json!("yesterday")),
        ),
        (
            "expected promise",
            Box::new(|v| v["expect"]["promises"]["first_reponse"] = json!("met")),
        ),
        (
            "expected state",
            Box::new(|v| v["expect"]["standards"]["card_first"] = json!("fine")),
        ),
    ];
    for (what, edit) in edits {
        let instance = changed(edit);
        assert!(
            !errors(&validator, &instance).is_empty(),
            "a misspelt {what} passes"
        );
    }
}

/// The readers and the schema agree on the example cases and on each change above: what one
/// accepts the other accepts.
#[test]
fn the_schema_and_the_readers_agree() {
    let policy_path = Path::new(ROOT).join("policies/logistics/complaints.policy");
    let policy = load(&policy_path);
    let validator = validator(&case_schema(&policy));
    let opts = ReadOptions::for_policy(&policy);
    let read = |value: &Value| {
        let text = serde_json::to_string(value).unwrap();
        let batch = read_str("case.json", &text, CaseFormat::Json, &opts);
        batch.rejected.is_empty()
    };
    let variants = [
        changed(|_| {}),
        changed(|v| v["events"][13]["type"] = json!("followup")),
        changed(|v| v["events"][0]["venue"] = json!("reception_room")),
        changed(|v| v["events"][0]["venue"] = json!("lobby")),
        changed(|v| v["events"][2]["form"] = json!(null)),
        changed(|v| v["events"][2]["form"] = json!(true)),
        changed(|v| v["attributes"]["severity"] = json!(5)),
        changed(|v| v["attributes"]["severity"] = json!(6)),
        changed(|v| v["attributes"]["weight"] = json!("3kg")),
        changed(|v| v["attributes"]["drill"] = json!(false)),
        changed(|v| v["events"][1]["set"] = json!({"demand": "reasonable"})),
        changed(|v| v["events"][1]["set"] = json!({"dmand": "reasonable"})),
        changed(|v| v["events"][9]["term"] = json!("立即")),
        changed(|v| v["events"][9]["terms"] = json!("立即")),
        changed(|v| v["events"][10]["outcome"] = json!("refused")),
        changed(|v| v["events"][10]["outcome"] = json!("refuse")),
    ];
    for (index, variant) in variants.iter().enumerate() {
        let valid = errors(&validator, variant).is_empty();
        assert_eq!(valid, read(variant), "variant {index}");
    }
}

/// Every line `covenant generate` writes for the example policies is a valid `event_line`; a line
/// with a misspelt type is not.
#[test]
fn generated_lines_are_valid_event_lines() {
    for (policy_path, _) in examples() {
        let policy = load(&policy_path);
        let schema = case_schema(&policy);
        let line_validator = validator(&part(&schema, "event_line"));
        let mut out = Vec::new();
        let options = covenant::generate::GenerateOptions {
            cases: 30,
            seed: 7,
            start: "2026-06-01T08:00:00Z".parse().unwrap(),
            // Cases spread over days, some lasting weeks: the shapes write declared words too.
            days: Some(5),
            long_share: 0.3,
            long_span: chrono::TimeDelta::days(14),
        };
        covenant::generate::generate(&policy, &options, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            let found = errors(&line_validator, &value);
            assert!(found.is_empty(), "{line}:\n{}", found.join("\n"));
        }
        let batch = read_str(
            "generated.jsonl",
            &text,
            CaseFormat::Jsonl,
            &ReadOptions::for_policy(&policy),
        );
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    }
    let policy = load(&Path::new(ROOT).join("policies/logistics/complaints.policy"));
    let line_validator = validator(&part(&case_schema(&policy), "event_line"));
    let good = json!({"case": "C1", "at": "2026-06-22T10:00:00+08:00", "type": "opened", "attributes": {"kind": "complaint"}});
    let attributes_only = json!({"case": "C1", "attributes": {"kind": "complaint"}});
    let misspelt = json!({"case": "C1", "at": "2026-06-22T10:00:00+08:00", "type": "opend"});
    let no_case = json!({"at": "2026-06-22T10:00:00+08:00", "type": "opened"});
    let nothing = json!({"case": "C1"});
    assert!(errors(&line_validator, &good).is_empty());
    assert!(errors(&line_validator, &attributes_only).is_empty());
    for bad in [misspelt, no_case, nothing] {
        assert!(!errors(&line_validator, &bad).is_empty(), "{bad}");
    }
}

/// Without a vocabulary, the schema describes the shape of a case: any event type, any scalar
/// field, but no nested field, no unknown key of a case, and `at` and `type` required.
#[test]
fn without_a_vocabulary_the_schema_still_describes_a_case() {
    let policy = Policy::parse(
        r#"policy "Free words" { timezone "Asia/Shanghai" }
        promise reply { from opened until replied  target within 1h }"#,
    )
    .unwrap();
    assert!(policy.vocabulary().is_none());
    let schema = case_schema(&policy);
    let validator = validator(&schema);
    let case = |event: Value| json!({"id": 7, "attributes": {"anything": 3}, "events": [event]});
    let valid = [
        case(
            json!({"at": "2026-06-22T10:00:00+08:00", "type": "whatever", "note": "x", "n": 1, "b": null}),
        ),
        case(json!({"at": "2026-06-22 10:00", "type": "opened", "venue": "anywhere"})),
        json!([]),
    ];
    for instance in valid {
        let found = errors(&validator, &instance);
        assert!(found.is_empty(), "{instance}:\n{}", found.join("\n"));
    }
    let invalid = [
        case(json!({"at": "2026-06-22T10:00:00+08:00", "type": "opened", "note": {"nested": 1}})),
        case(json!({"type": "opened"})),
        json!({"id": "X", "evnts": []}),
        json!({"events": []}),
    ];
    for instance in invalid {
        assert!(!errors(&validator, &instance).is_empty(), "{instance}");
    }
}

/// The schema of a small policy, to read: titles from labels, the types of fields and attributes,
/// the event types, the policy's ranks and venues.
#[test]
fn the_schema_of_a_small_policy() {
    let policy = Policy::parse(
        r#"policy "Small" { timezone "Asia/Shanghai" }
        ranks agent < supervisor
        venues private: office
        event opened "受理"
        event transferred "转办" { reason "原因": one of ["unknown", "wrong_window"], note: text }
        attribute tier "客户等级": one of ["A", "vip"]
        attribute severity: number
        promise reply { applies when tier == "vip"  from opened until transferred  target within 1h }"#,
    )
    .unwrap();
    insta::assert_json_snapshot!(case_schema(&policy));
}

fn covenant(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `covenant schema` writes the schema of the policy; a policy that does not check is exit 2.
#[test]
fn the_schema_command() {
    let (code, stdout, stderr) = covenant(&[
        "schema",
        "--root",
        "policies",
        "--policy",
        "policies/logistics/complaints.policy",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let written: Value = serde_json::from_str(&stdout).unwrap();
    let policy = load(&Path::new(ROOT).join("policies/logistics/complaints.policy"));
    assert_eq!(written, case_schema(&policy));
    assert_eq!(
        written["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let (code, _, stderr) = covenant(&[
        "schema",
        "--policy",
        "tests/fixtures/check_err/e0223_unknown_event.policy",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("E0223"), "{stderr}");
}

/// `covenant eval` over a stream with misspelt lines: each bad case is listed as rejected with
/// its line, the others are evaluated, and the counts add up.
#[test]
fn eval_rejects_the_cases_that_do_not_fit_and_goes_on() {
    let (code, stdout, stderr) = covenant(&[
        "eval",
        "--policy",
        "tests/fixtures/vocabulary/vocabulary.policy",
        "--at",
        "2026-06-23T00:00:00+08:00",
        "--format",
        "json",
        "--fail-on",
        "never",
        "tests/fixtures/vocabulary/stream.jsonl",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["cases"], 7, "{summary}");
    assert_eq!(summary["evaluated"], 2, "{summary}");
    assert_eq!(summary["rejected"], 5, "{summary}");
    let sources: Vec<&str> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"tests/fixtures/vocabulary/stream.jsonl:4"),
        "{sources:?}"
    );
}
