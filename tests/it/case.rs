//! Case readers: every fixture in `tests/fixtures/cases/` is read and dumped.
//!
//! Fixtures are read with the ranks `agent < supervisor < manager < director`;
//! a fixture whose name contains `shanghai` (`new-york`) is read with
//! `Asia/Shanghai` (`America/New_York`) as the default zone for timestamps
//! without an offset, every other one with none.
#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use chrono::SecondsFormat;
use covenant::case::{read_str, Case, CaseBatch, CaseFormat, Event, ReadOptions, Staff, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

fn options_for(path: &Path) -> ReadOptions {
    let name = path.file_name().unwrap().to_string_lossy();
    ReadOptions {
        default_tz: if name.contains("shanghai") {
            Some(chrono_tz::Asia::Shanghai)
        } else if name.contains("new-york") {
            Some(chrono_tz::America::New_York)
        } else {
            None
        },
        ranks: Some(
            ["agent", "supervisor", "manager", "director"]
                .map(String::from)
                .to_vec(),
        ),
        ..ReadOptions::default()
    }
}

fn value(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
    }
}

fn map(map: &BTreeMap<String, Value>) -> String {
    let items: Vec<_> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", value(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn staff(staff: &Staff) -> String {
    match &staff.rank {
        Some(rank) => format!("{}({rank})", staff.id),
        None => staff.id.clone(),
    }
}

fn event(event: &Event) -> String {
    let instant =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let mut out = format!(
        "line {} {} {}",
        event.line.map_or("?".to_owned(), |l| l.to_string()),
        instant(&event.at),
        event.kind
    );
    let mut part = |name: &str, text: String| write!(out, " {name}={text}").unwrap();
    if let Some(s) = &event.handler {
        part("handler", staff(s));
    }
    if let Some(s) = &event.to {
        part("to", staff(s));
    }
    if let Some(s) = &event.with {
        part("with", staff(s));
    }
    if let Some(v) = &event.venue {
        part("venue", v.clone());
    }
    if !event.subject.is_empty() {
        part("subject", event.subject.join("+"));
    }
    if !event.set.is_empty() {
        part("set", map(&event.set));
    }
    if let Some(t) = &event.time {
        part("time", instant(t));
    }
    if let Some(t) = &event.due {
        part("due", instant(t));
    }
    if let Some(w) = &event.within {
        part("within", w.clone());
    }
    if let Some(id) = &event.id {
        part("id", id.clone());
    }
    if let Some(r) = &event.reference {
        part("ref", r.clone());
    }
    if !event.fields.is_empty() {
        part("fields", map(&event.fields));
    }
    out
}

fn case(out: &mut String, case: &Case) {
    writeln!(
        out,
        "case {} at {}",
        case.id,
        case.source
            .as_ref()
            .map_or("?".to_owned(), ToString::to_string)
    )
    .unwrap();
    writeln!(out, "  attributes {}", map(&case.attributes)).unwrap();
    for e in &case.events {
        writeln!(out, "  {}", event(e)).unwrap();
    }
    if let Some(expect) = &case.expect {
        let line = expect.line.map_or("?".to_owned(), |l| l.to_string());
        writeln!(out, "  expect (line {line}) {}", expect.value).unwrap();
    }
}

fn dump(batch: &CaseBatch) -> String {
    let mut out = String::new();
    for c in &batch.cases {
        case(&mut out, c);
    }
    for r in &batch.rejected {
        let id = r.case.as_deref().unwrap_or("-");
        writeln!(out, "rejected {} case {id}: {}", r.source, r.error).unwrap();
    }
    writeln!(
        out,
        "read {} cases, rejected {}",
        batch.cases.len(),
        batch.rejected.len()
    )
    .unwrap();
    out
}

#[test]
fn case_fixtures() {
    insta::glob!("../fixtures/cases", "*.{yaml,yml,json,jsonl}", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let format = CaseFormat::from_path(path).unwrap();
        let name = format!("cases/{}", path.file_name().unwrap().to_string_lossy());
        let batch = read_str(&name, &text, format, &options_for(path));
        insta::assert_snapshot!(dump(&batch));
    });
}

#[test]
fn jsonl_cases_from_several_files_are_grouped() {
    let mut reader = covenant::case::CaseReader::new(ReadOptions::default());
    reader.add_str(
        "a.jsonl",
        r#"{"case": "K1", "at": "2026-06-19T10:00:00+08:00", "type": "opened", "attributes": {"kind": "call"}}
{"case": "K2", "at": "2026-06-19T10:01:00+08:00", "type": "opened"}"#,
        CaseFormat::Jsonl,
    );
    reader.add_str(
        "b.jsonl",
        r#"{"case": "K1", "at": "2026-06-19T09:59:00+08:00", "type": "rang"}"#,
        CaseFormat::Jsonl,
    );
    let batch = reader.finish();
    insta::assert_snapshot!(dump(&batch));
}

#[test]
fn a_case_id_in_two_files_rejects_the_later_one() {
    let mut reader = covenant::case::CaseReader::new(ReadOptions::default());
    let case = "id: D1\nevents:\n  - {at: 2026-06-19T10:00:00Z, type: opened}\n";
    reader.add_str("first.yaml", case, CaseFormat::Yaml);
    reader.add_str("second.yaml", case, CaseFormat::Yaml);
    reader.add_str(
        "stream.jsonl",
        r#"{"case": "D1", "at": "2026-06-19T10:00:00Z", "type": "opened"}"#,
        CaseFormat::Jsonl,
    );
    let batch = reader.finish();
    insta::assert_snapshot!(dump(&batch));
}

#[test]
fn one_case_from_yaml_and_json_text() {
    let yaml =
        Case::from_yaml_str("id: X\nevents:\n  - {at: 2026-06-19T10:00:00Z, type: opened}\n")
            .unwrap();
    let json = Case::from_json_str(
        r#"{"id": "X", "events": [{"at": "2026-06-19T10:00:00Z", "type": "opened"}]}"#,
    )
    .unwrap();
    assert_eq!(yaml.events, {
        let mut events = json.events.clone();
        events[0].line = Some(3);
        events
    });
    let error = Case::from_yaml_str("id: X\nevents:\n  - {type: opened}\n").unwrap_err();
    assert_eq!(error.to_string(), "<string>:3: event has no `at` timestamp");
    let with_bom = Case::from_json_str("\u{feff}{\"id\": \"B\"}").unwrap();
    assert_eq!(with_bom.id, "B");
    let two = Case::from_yaml_str("- id: A\n- id: B\n").unwrap_err();
    assert_eq!(two.error, "expected one case, found 2");
}

#[test]
fn the_format_of_standard_input_is_guessed() {
    assert_eq!(
        CaseFormat::sniff("{\"case\": \"A\", \"at\": 1}\n"),
        CaseFormat::Jsonl
    );
    assert_eq!(CaseFormat::sniff("  [{\"id\": \"A\"}]"), CaseFormat::Json);
    assert_eq!(CaseFormat::sniff("{\n  \"id\": \"A\"\n}"), CaseFormat::Json);
    assert_eq!(CaseFormat::sniff("id: A\n"), CaseFormat::Yaml);
}

#[test]
fn every_example_case_under_policies_reads_as_one_case() {
    let mut checked = 0;
    for policy in std::fs::read_dir("policies").unwrap() {
        let cases = policy.unwrap().path().join("cases");
        let Ok(entries) = std::fs::read_dir(&cases) else {
            continue;
        };
        let mut ids = std::collections::HashSet::new();
        for entry in entries {
            let path = entry.unwrap().path();
            let Some(format) = CaseFormat::from_path(&path) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let batch = read_str(
                &path.display().to_string(),
                &text,
                format,
                &ReadOptions::default(),
            );
            assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
            assert_eq!(batch.cases.len(), 1, "{} holds one case", path.display());
            assert!(
                ids.insert(batch.cases[0].id.clone()),
                "{} repeats an id",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no example cases found");
}

#[test]
fn files_are_read_by_extension_and_jsonl_is_streamed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let options = ReadOptions::default();
    let yaml = covenant::case::read_path(dir.join("contract-example.yaml"), &options).unwrap();
    assert_eq!(yaml.cases.len(), 1);
    let mut reader = covenant::case::CaseReader::new(options.clone());
    reader
        .add_path(&dir.join("interleaved.jsonl"), None)
        .unwrap();
    let streamed = reader.finish();
    let text = std::fs::read_to_string(dir.join("interleaved.jsonl")).unwrap();
    let source = dir.join("interleaved.jsonl").display().to_string();
    let whole = read_str(&source, &text, CaseFormat::Jsonl, &options);
    assert_eq!(streamed, whole);
    let missing = covenant::case::read_path(dir.join("missing.yaml"), &options).unwrap_err();
    assert!(
        missing.to_string().starts_with("cannot read `"),
        "{missing}"
    );
    let unknown = covenant::case::read_path(dir.join("cases.txt"), &options).unwrap_err();
    assert!(
        unknown.to_string().contains("cannot tell the case format"),
        "{unknown}"
    );
}

/// A key given twice anywhere in an `expect` block rejects the case at that key's line, in JSON
/// as in YAML: the block is kept raw, where the second value would silently replace the first.
#[test]
fn duplicate_keys_in_expect_reject_the_case() {
    let json = "[\n{\"id\": \"J1\", \"events\": [],\n \"expect\": {\"as_of\": \"2026-06-22T10:00:00+08:00\",\n  \"promises\": {\"first_response\": \"breached\",\n   \"first_response\": \"met\"}}},\n{\"id\": \"J2\", \"events\": [], \"expect\": {\"as_of\": \"2026-06-22T10:00:00+08:00\", \"promises\": {\"first_response\": \"met\"}}}\n]";
    let batch = read_str("dup.json", json, CaseFormat::Json, &ReadOptions::default());
    let ids: Vec<&str> = batch.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["J2"]);
    let rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected,
        ["dup.json:5: key `first_response` is given twice in `expect.promises`"]
    );
    let yaml = "id: Y1\nevents: []\nexpect:\n  - as_of: 2026-06-22T10:00:00+08:00\n    breaches: [{rule: a}, {rule: b, rule: c}]\n";
    let batch = read_str("dup.yaml", yaml, CaseFormat::Yaml, &ReadOptions::default());
    let rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected,
        ["dup.yaml:5: key `rule` is given twice in `expect[0].breaches[1]`"]
    );
}

/// The staff promises of a case are checked once the case is complete, by every reader the same
/// way: in JSON Lines (the fast scanner and the general reader alike) a promise whose time cannot
/// be read, one given twice, or one due before it was made rejects its case at that line, and the
/// other cases are read.
#[test]
fn promised_times_are_checked_in_every_format() {
    let policy = covenant::Policy::parse(
        r#"policy "P" { timezone "Asia/Shanghai" }
calendar office { open mon-fri 09:00-18:00 }
term 第一时间 = 10m
commitments { keep  on office  durations elapsed }
"#,
    )
    .unwrap();
    let options = ReadOptions::for_policy(&policy);
    let jsonl = r#"{"case": "ok", "at": "2026-06-22T10:00:00+08:00", "type": "promised", "id": "a", "within": "3 workdays"}
{"case": "unit", "at": "2026-06-22T10:00:00+08:00", "type": "opened"}
{"case": "twice", "at": "2026-06-22T10:00:00+08:00", "type": "promised", "id": "a", "within": "第一时间"}
{"case": "unit", "at": "2026-06-22T10:01:00+08:00", "type": "promised", "within": "10min"}
{"case": "twice", "at": "2026-06-22T10:05:00+08:00", "type": "promised", "id": "a", "within": "1h"}
{"case": "late", "at": "2026-06-22T18:30:00+08:00", "type": "promised", "id": "a", "within": "by 17:00 same day", "what": {"not": "a scalar"}}
{"case": "past", "at": "2026-06-22T18:30:00+08:00", "type": "promised", "id": "a", "within": "by 17:00 same day"}
{"case": "ok", "at": "2026-06-22T10:05:00+08:00", "type": "promised", "within": "by 12:00 next workday"}
"#;
    let batch = read_str("s.jsonl", jsonl, CaseFormat::Jsonl, &options);
    let ids: Vec<&str> = batch.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["ok"]);
    let rejected: Vec<(String, &str)> = batch
        .rejected
        .iter()
        .map(|r| (r.source.to_string(), r.error.as_str()))
        .collect();
    assert_eq!(rejected.len(), 4, "{rejected:#?}");
    let find = |place: &str| {
        rejected
            .iter()
            .find(|(at, _)| at == place)
            .unwrap_or_else(|| panic!("nothing rejected at {place}: {rejected:#?}"))
            .1
    };
    assert!(find("s.jsonl:4").contains("unknown unit `min`"));
    assert!(find("s.jsonl:5").contains("commitment `a` is promised twice in the case"));
    // A line the fast scanner leaves to the general reader is rejected for its own problem.
    assert!(find("s.jsonl:6").contains("`what`"));
    assert!(find("s.jsonl:7").contains("before it was made"));
    // Without the policy, only the form is checked: the cut-off already past is read.
    let plain = read_str("s.jsonl", jsonl, CaseFormat::Jsonl, &ReadOptions::default());
    assert_eq!(plain.rejected.len(), 3);
    // The same case in YAML is rejected the same way, at its line.
    let yaml = "id: y\nevents:\n  - {at: 2026-06-22T10:00:00+08:00, type: opened}\n  - {at: 2026-06-22T10:01:00+08:00, type: promised, within: 10min}\n";
    let read = read_str("y.yaml", yaml, CaseFormat::Yaml, &options);
    assert_eq!(read.rejected[0].source.to_string(), "y.yaml:4");
    assert_eq!(read.rejected[0].error, find("s.jsonl:4"));
}

/// The number of cases a fixture names: ids of YAML and JSON cases, distinct `case` values of a
/// JSON Lines stream.
fn ids_in(path: &std::path::Path, text: &str) -> usize {
    match CaseFormat::from_path(path).unwrap() {
        CaseFormat::Jsonl => text
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["case"].to_string()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        CaseFormat::Json => serde_json::from_str::<Vec<serde_json::Value>>(text)
            .unwrap()
            .len(),
        CaseFormat::Yaml => serde_yaml::from_str::<Vec<serde_json::Value>>(text)
            .unwrap()
            .len(),
    }
}

/// With a policy's vocabulary (`tests/fixtures/vocabulary/vocabulary.policy`), each case file of
/// that folder is read: every case that fits is read exactly as it is without the vocabulary,
/// every one that does not is rejected at its line with the reason, and the counts add up.
#[test]
fn cases_are_read_against_the_vocabulary() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vocabulary");
    let policy = covenant::Policy::load(format!("{folder}/vocabulary.policy")).unwrap();
    let opts = ReadOptions::for_policy(&policy);
    assert!(opts.vocabulary.is_some() && opts.venues.is_some());
    let free = ReadOptions {
        vocabulary: None,
        venues: None,
        ..opts.clone()
    };
    insta::glob!("../fixtures/vocabulary", "*.{yaml,json,jsonl}", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let format = CaseFormat::from_path(path).unwrap();
        let name = format!("vocabulary/{}", path.file_name().unwrap().to_string_lossy());
        let batch = read_str(&name, &text, format, &opts);
        assert_eq!(
            batch.cases.len() + batch.rejected.len(),
            ids_in(path, &text),
            "{}",
            dump(&batch)
        );
        assert!(batch.rejected.iter().all(|r| r.case.is_some()));
        let without = read_str(&name, &text, format, &free);
        for case in &batch.cases {
            assert!(without.cases.contains(case), "{}", case.id);
        }
        insta::assert_snapshot!(dump(&batch));
    });
}

/// Without a vocabulary or venues, the same files are read as before: only the unknown rank is
/// refused.
#[test]
fn without_a_vocabulary_the_words_stay_free() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/vocabulary/cases.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let opts = ReadOptions {
        ranks: Some(vec!["agent".to_owned(), "supervisor".to_owned()]),
        ..ReadOptions::default()
    };
    let batch = read_str("cases.yaml", &text, CaseFormat::Yaml, &opts);
    let rejected: Vec<&str> = batch
        .rejected
        .iter()
        .filter_map(|r| r.case.as_deref())
        .collect();
    assert_eq!(rejected, ["RANK"]);
}

/// A case read without the policy's options, or built by a program, is checked with
/// `Policy::check_case` as the readers check the cases they read with them.
#[test]
fn a_case_built_without_the_policy_is_checked_against_it() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vocabulary");
    let policy = covenant::Policy::load(format!("{folder}/vocabulary.policy")).unwrap();
    let good = Case::from_yaml_str(
        "id: G\nattributes: {kind: complaint}\nevents:\n  - {at: 2026-06-22T10:00:00Z, type: opened, venue: counter}\n",
    )
    .unwrap();
    assert_eq!(policy.check_case(&good), Ok(()));
    let cases = [
        (
            "id: T\nevents:\n  - {at: 2026-06-22T10:00:00Z, type: opened}\n  - {at: 2026-06-22T10:01:00Z, type: folow_up}\n",
            "<string>:4: unknown event type `folow_up` (did you mean `follow_up`?)",
        ),
        (
            "id: V\nevents:\n  - {at: 2026-06-22T10:00:00Z, type: opened, venue: hall}\n",
            "<string>:3: unknown venue `hall` in `venue` (venues are `counter`, `reception_room`)",
        ),
        (
            "id: R\nevents:\n  - {at: 2026-06-22T10:00:00Z, type: opened, to: {id: X, rank: chief}}\n",
            "<string>:3: unknown rank `chief` in `to` (ranks are `agent`, `supervisor`, `manager`)",
        ),
        (
            "id: A\nattributes: {severity: high}\n",
            "<string>:1: `attributes.severity` must be a number, found the text `\"high\"`",
        ),
    ];
    for (text, expected) in cases {
        let case = Case::from_yaml_str(text).unwrap();
        let rejected = policy.check_case(&case).unwrap_err();
        assert_eq!(rejected.to_string(), expected);
    }
    // A case built by a program has no source: it is located at `<case>`.
    let mut built = good.clone();
    built.source = None;
    built.events[0].line = None;
    built.events[0].kind = "opend".to_owned();
    assert_eq!(
        policy.check_case(&built).unwrap_err().to_string(),
        "<case>:1: unknown event type `opend` (did you mean `opened`?)"
    );
}
