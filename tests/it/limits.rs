//! The limits on hostile input (`covenant::limits`, `docs/reliability.md`): each test feeds input
//! just past one limit and snapshots the error a user gets; inputs at the limit still work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use chrono::{DateTime, Utc};
use covenant::case::{read_path, read_str, CaseFormat, ReadOptions};
use covenant::check::{check_sources, check_text, InMemory, Role};
use covenant::limits;
use covenant::{Case, Policy};
use std::path::{Path, PathBuf};

/// Every diagnostic of checking `text`, rendered as the user sees them.
fn check_errors(text: &str) -> String {
    let checked = check_text("hostile.policy", text, Role::Policy);
    assert!(checked.policy.is_none(), "the policy was accepted");
    rendered(&checked)
}

fn rendered(checked: &covenant::check::Checked) -> String {
    checked
        .diagnostics
        .iter()
        .map(|d| d.render_plain(&checked.sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rejections of a batch, one per line.
fn rejections(batch: &covenant::CaseBatch) -> String {
    batch
        .rejected
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HEADER: &str = "policy \"Hostile\" {\n  timezone \"Asia/Shanghai\"\n}\n";

/// A promise whose `applies when` is `condition`.
fn promise_with(condition: &str) -> String {
    format!(
        "{HEADER}promise p {{\n  applies when {condition}\n  from opened\n  until resolved\n  target within 1h\n}}\n"
    )
}

// ------------------------------------------------------------------ deeply nested expressions

#[test]
fn parentheses_nested_too_deeply() {
    let depth = limits::MAX_NESTING + 1;
    let condition = format!("{}kind == \"x\"{}", "(".repeat(depth), ")".repeat(depth));
    insta::assert_snapshot!(check_errors(&promise_with(&condition)));
}

#[test]
fn condition_with_too_many_parts() {
    let condition = vec!["kind == \"x\""; limits::MAX_CONDITION_DEPTH + 1].join(" or ");
    insta::assert_snapshot!(check_errors(&promise_with(&condition)));
}

#[test]
fn too_many_nots() {
    let condition = format!(
        "{}kind == \"x\"",
        "not ".repeat(limits::MAX_CONDITION_DEPTH)
    );
    insta::assert_snapshot!(check_errors(&promise_with(&condition)));
}

#[test]
fn condition_nested_too_deeply_through_nots() {
    // No level is deep on its own; together they nest too deeply.
    let level = format!("{}(", "not ".repeat(40));
    let condition = format!("{}kind == \"x\"{}", level.repeat(3), ")".repeat(3));
    insta::assert_snapshot!(check_errors(&promise_with(&condition)));
}

/// The deepest condition the limits allow is checked, formatted and evaluated on a thread with a
/// 1 MiB stack (the default for new threads is 2 MiB).
#[test]
fn the_deepest_allowed_condition_is_safe_to_walk() {
    // Depth: 60 `not`s, a parenthesis (not a node), 38 `not`s and the comparison: 99 nodes, then
    // `or` at the top: 100.
    let condition = format!(
        "{}({}kind == \"x\") or kind == \"y\"",
        "not ".repeat(60),
        "not ".repeat(38)
    );
    let text = promise_with(&condition);
    let run = move || {
        let policy = Policy::parse(&text).map_err(|e| e.to_string()).unwrap();
        covenant::fmt::format_source(covenant::syntax::ast::FileId(0), &text).unwrap();
        let case = Case::from_yaml_str(
            "id: C1\nattributes: {kind: x}\nevents:\n  - {at: 2026-06-19T09:00:00+08:00, type: opened}\n",
        )
        .unwrap();
        let as_of: DateTime<Utc> = "2026-06-19T12:00:00+08:00".parse().unwrap();
        policy.evaluate(&case, as_of)
    };
    let report = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    // 98 `not`s: the condition holds for kind `x`, and the clock runs.
    assert_eq!(report.promises.len(), 1);
    let one_deeper = promise_with(&format!("not {condition}"));
    assert!(Policy::parse(&one_deeper).is_err());
}

// ------------------------------------------------------------------ enormous files, long lines

#[test]
fn policy_text_too_large() {
    let mut text = HEADER.to_owned();
    let comment = format!("# {}\n", "x".repeat(1000));
    while text.len() <= limits::MAX_POLICY_BYTES {
        text.push_str(&comment);
    }
    insta::assert_snapshot!(check_errors(&text));
}

#[test]
fn policy_file_too_large_is_not_read() {
    let dir = scratch("large-policy");
    let path = dir.join("large.policy");
    let file = std::fs::File::create(&path).unwrap();
    // A sparse file: its size is over the limit, but nothing is written.
    file.set_len(10 * 1024 * 1024 * 1024).unwrap();
    let error = Policy::load(&path).unwrap_err().to_string();
    let error = error.replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!(error);
}

#[test]
fn policy_line_too_long() {
    let text = format!(
        "{HEADER}term slow = 5m   # {}\n",
        "x".repeat(limits::MAX_POLICY_LINE_BYTES)
    );
    insta::assert_snapshot!(check_errors(&text));
}

/// A line over the limit is shown cut in the terminal rendering, not written out whole.
#[cfg(feature = "cli")]
#[test]
fn a_line_too_long_is_cut_in_the_snippet() {
    use covenant::cli::emit::{human, Located};
    let text = format!(
        "{HEADER}term slow = 5m   # {}\n",
        "x".repeat(10 * limits::MAX_POLICY_LINE_BYTES)
    );
    let checked = check_text("hostile.policy", &text, Role::Policy);
    let located: Vec<Located> = checked
        .diagnostics
        .iter()
        .map(|d| Located::new(d, &checked.sources))
        .collect();
    let rendered = human::render(&located, false);
    assert!(rendered.len() < 1000, "{} bytes", rendered.len());
    insta::assert_snapshot!(rendered);
}

/// A span far into a long line: the snippet shows the text around it.
#[cfg(feature = "cli")]
#[test]
fn a_span_far_into_a_long_line_is_shown() {
    use covenant::cli::emit::{human, Located};
    let text = format!(
        "{HEADER}calendar {} {{ open mon-fri 09:00-18:00 }}  calendar c like nowhere {{}}  # {}\n",
        "a".repeat(300),
        "x".repeat(300)
    );
    let checked = check_text("hostile.policy", &text, Role::Policy);
    let located: Vec<Located> = checked
        .diagnostics
        .iter()
        .map(|d| Located::new(d, &checked.sources))
        .collect();
    insta::assert_snapshot!(human::render(&located, false));
}

#[test]
fn policy_line_at_the_limit_is_read() {
    let line = format!("# {}", "x".repeat(limits::MAX_POLICY_LINE_BYTES - 2));
    assert_eq!(line.len(), limits::MAX_POLICY_LINE_BYTES);
    Policy::parse(&format!("{HEADER}{line}\r\n")).unwrap();
}

#[test]
fn case_file_too_large_is_rejected_unread() {
    let dir = scratch("large-cases");
    let path = dir.join("cases.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(u64::try_from(limits::MAX_CASE_FILE_BYTES).unwrap() + 1)
        .unwrap();
    let batch = read_path(&path, &ReadOptions::default()).unwrap();
    assert!(batch.cases.is_empty());
    let text = rejections(&batch).replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!(text);
}

/// A JSON Lines stream with a line over the limit: that line is rejected, the lines around it
/// are read.
fn stream_with_long_line() -> String {
    let event = |case: &str| {
        format!("{{\"case\": \"{case}\", \"at\": \"2026-06-19T09:00:00+08:00\", \"type\": \"opened\"}}\n")
    };
    let long = format!(
        "{{\"case\": \"C2\", \"at\": \"2026-06-19T09:00:00+08:00\", \"type\": \"opened\", \"note\": \"{}\"}}\n",
        "x".repeat(limits::MAX_JSONL_LINE_BYTES)
    );
    format!("{}{long}{}", event("C1"), event("C3"))
}

#[test]
fn jsonl_line_too_long_in_text() {
    let batch = read_str(
        "cases.jsonl",
        &stream_with_long_line(),
        CaseFormat::Jsonl,
        &ReadOptions::default(),
    );
    let ids: Vec<&str> = batch.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["C1", "C3"]);
    insta::assert_snapshot!(rejections(&batch));
}

#[test]
fn jsonl_line_too_long_in_a_file_and_bad_utf8() {
    let dir = scratch("long-line");
    let path = dir.join("cases.jsonl");
    let mut bytes = stream_with_long_line().into_bytes();
    bytes.extend_from_slice(b"{\"case\": \"C4\", \"type\": \"\xff\"}\r\n");
    bytes.extend_from_slice(
        b"{\"case\": \"C5\", \"at\": \"2026-06-19T09:00:00+08:00\", \"type\": \"opened\"}\r\n",
    );
    std::fs::write(&path, bytes).unwrap();
    let batch = read_path(&path, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = batch.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["C1", "C3", "C5"]);
    let text = rejections(&batch).replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!(text);
}

// ------------------------------------------------------------------ YAML and JSON bombs

/// A JSON file of a million values on one line: every value's line is found in constant time
/// (the JSON reader over text counted the lines from the start at each of them: hours for a
/// file of a few megabytes).
#[test]
fn json_case_files_are_read_in_linear_time() {
    let count = 1_000_000;
    let text = format!(
        "{{\"id\": \"C1\", \"events\": [], \"attributes\": {{\"list\": [{}]}}}}",
        vec!["1"; count].join(",")
    );
    let started = std::time::Instant::now();
    let batch = read_str(
        "wide.json",
        &text,
        CaseFormat::Json,
        &ReadOptions::default(),
    );
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    insta::assert_snapshot!(rejections(&batch));
}

/// One value repeated through an alias thousands of times: a 40 KB file would expand to
/// 20 million values (gigabytes); the values built from aliases are bounded by the file's size.
#[test]
fn yaml_aliases_repeating_a_large_value() {
    let text = format!(
        "id: C1\nevents: []\nattributes: {{x: 1}}\nexpect:\n  - &big [{}]\n  - [{}]\n",
        vec!["a"; 10_000].join(","),
        vec!["*big"; 2_000].join(", ")
    );
    let started = std::time::Instant::now();
    let batch = read_str(
        "aliases.yaml",
        &text,
        CaseFormat::Yaml,
        &ReadOptions::default(),
    );
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
    assert!(batch.cases.is_empty());
    // Aliases within the bound are read as before.
    let fine = "defaults: &defaults {kind: complaint, tier: C}\n";
    let fine = format!(
        "{fine}---\n- id: C1\n  attributes: {{kind: complaint, tier: C}}\n  events: []\n- id: C2\n  attributes: &a {{kind: complaint, tier: C}}\n  events: []\n- id: C3\n  attributes: *a\n  events: []\n"
    );
    let read = read_str(
        "fine.yaml",
        &fine,
        CaseFormat::Yaml,
        &ReadOptions::default(),
    );
    assert_eq!(read.cases.len(), 3, "{}", rejections(&read));
    assert_eq!(read.cases[1].attributes, read.cases[2].attributes);
    insta::assert_snapshot!(rejections(&batch));
}

#[test]
fn yaml_alias_bomb() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let items = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    text.push_str("id: C1\nevents: *i\n");
    let batch = read_str(
        "bomb.yaml",
        &text,
        CaseFormat::Yaml,
        &ReadOptions::default(),
    );
    assert!(batch.cases.is_empty());
    insta::assert_snapshot!(rejections(&batch));
}

#[test]
fn deeply_nested_yaml_and_json() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let yaml = read_str(
        "deep.yaml",
        &format!("id: C1\nattributes: {nested}\n"),
        CaseFormat::Yaml,
        &ReadOptions::default(),
    );
    let json = read_str(
        "deep.json",
        &format!("{{\"id\": \"C1\", \"attributes\": {nested}}}"),
        CaseFormat::Json,
        &ReadOptions::default(),
    );
    let jsonl = read_str(
        "deep.jsonl",
        &format!("{{\"case\": \"C1\", \"attributes\": {nested}}}"),
        CaseFormat::Jsonl,
        &ReadOptions::default(),
    );
    insta::assert_snapshot!(format!(
        "{}\n{}\n{}",
        rejections(&yaml),
        rejections(&json),
        rejections(&jsonl)
    ));
}

// ------------------------------------------------------------------ absurd numbers

#[test]
fn absurd_durations_in_a_policy() {
    let text = format!("{HEADER}term forever = 1000000000000000000h\n");
    insta::assert_snapshot!(check_errors(&text));
}

#[test]
fn durations_over_a_hundred_years_in_a_policy() {
    let text = format!(
        "{HEADER}term century = 876600h\npromise p {{\n  from opened\n  until resolved\n  target within 36526d\n  target within 10000000 workdays on office\n}}\ncalendar office {{ open mon-fri 09:00-18:00 }}\n"
    );
    insta::assert_snapshot!(check_errors(&text));
}

#[test]
fn dates_at_the_end_of_year_9999() {
    let policy = Policy::load_within("policies/logistics/complaints.policy", "policies")
        .map_err(|e| e.to_string())
        .unwrap();
    let text = "id: C9999
attributes: {kind: complaint, channel: walk_in, tier: C}
events:
  - {at: 9999-12-31T15:00:00Z, type: opened, handler: {id: S1, rank: agent}, venue: dispatch_floor}
  - {at: 9999-12-31T15:30:00Z, type: dissatisfied}
  - {at: 9999-12-31T16:00:00Z, type: promised, id: p1, within: 36500d}
";
    let case = Case::from_yaml_str(text).unwrap();
    let as_of = DateTime::<Utc>::MAX_UTC;
    let report = policy.evaluate(&case, as_of);
    assert_eq!(report, policy.evaluate(&case, as_of));
    // A deadline past the supported range is reported as none, never wrapped around.
    let mut lines: Vec<String> = report
        .promises
        .iter()
        .map(|p| {
            let due = p.due.as_ref().map(ToString::to_string);
            format!("promise {}: {:?}, due {due:?}", p.promise, p.state)
        })
        .collect();
    lines.extend(report.commitments.iter().map(|c| {
        let due = c.due.as_ref().map(ToString::to_string);
        format!("commitment {}: {:?}, due {due:?}", c.commitment, c.state)
    }));
    insta::assert_snapshot!(lines.join("\n"));
}

/// The tokens of `text` that look like instants (`2026-06-19T14:30:00+08:00`, `+10000-01-01T…`).
fn instants_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "+-:.".contains(c)))
        .map(|token| token.trim_end_matches([':', '.', '-']))
        .filter(|token| {
            let digits = token.trim_start_matches(['+', '-']);
            digits.len() > 10
                && digits.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && digits.contains('T')
                && digits.contains(':')
        })
        .map(str::to_owned)
        .collect()
}

/// Near the end of the year 9999 in UTC, which is already the year 10000 in Shanghai: every
/// instant of the report, in every format, is RFC 3339 and reads back; a deadline that would
/// fall in the year 10000 is no due time; a timestamp whose instant is in 10000 is rejected.
#[test]
fn instants_at_the_end_of_year_9999_are_written_in_rfc_3339() {
    let policy = Policy::load_within("policies/logistics/complaints.policy", "policies")
        .map_err(|e| e.to_string())
        .unwrap();
    let text = "- id: Y1  # a 30m target from 23:50 would be due in 10000
  attributes: {kind: complaint, channel: walk_in, tier: A}
  events:
    - {at: 9999-12-31T23:50:00Z, type: opened, handler: {id: S1, rank: agent}, venue: dispatch_floor}
- id: Y2  # a 30m target from 23:00 is due in 9999; the promise's grace would end in 10000
  attributes: {kind: complaint, channel: walk_in, tier: A}
  events:
    - {at: 9999-12-31T23:00:00Z, type: opened, handler: {id: S1, rank: agent}, venue: dispatch_floor}
    - {at: 9999-12-31T23:01:00Z, type: promised, id: p1, due: 9999-12-31T23:59:59Z}
- id: Y3  # 10000-01-01T04:00:00Z
  events:
    - {at: 9999-12-31T23:00:00-05:00, type: opened}
";
    let batch = read_str(
        "end.yaml",
        text,
        CaseFormat::Yaml,
        &ReadOptions::for_policy(&policy),
    );
    let evaluator = covenant::Evaluator::new(&policy);
    let as_of: DateTime<Utc> = "9999-12-31T23:59:00Z".parse().unwrap();
    let report = covenant::batch::evaluate_whole(&evaluator, &batch, as_of);
    use covenant::report::Format;
    for format in [Format::Json, Format::Jsonl, Format::Yaml, Format::Human] {
        let written = report.emit(format).unwrap();
        let instants = instants_in(&written);
        assert!(!instants.is_empty(), "{format:?}: no instants found");
        for instant in instants {
            let read = DateTime::parse_from_rfc3339(&instant);
            assert!(read.is_ok(), "{format:?}: `{instant}` is not RFC 3339");
        }
    }
    let mut lines = vec![format!("as_of {}", report.as_of)];
    for case in &report.cases {
        for p in &case.promises {
            let due = p.due.map(|d| d.to_string());
            lines.push(format!(
                "{} promise {}: {:?}, due {due:?}",
                case.case, p.promise, p.state
            ));
            lines.push(format!("  {}", p.detail));
        }
        for c in &case.commitments {
            let due = c.due.map(|d| d.to_string());
            lines.push(format!(
                "{} commitment {}: {:?}, due {due:?}",
                case.case, c.commitment, c.state
            ));
        }
        for a in &case.actions {
            let due = a.due.map(|d| d.to_string());
            lines.push(format!(
                "{} action {}: {}, due {due:?}",
                case.case, a.rule, a.action
            ));
        }
        for b in &case.breaches {
            let due = b.due.map(|d| d.to_string());
            lines.push(format!(
                "{} breach {}: {}, due {due:?}, at {}",
                case.case, b.rule, b.kind, b.at
            ));
        }
    }
    lines.push(rejections(&batch));
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn timestamps_after_year_9999_and_huge_numbers_are_rejected() {
    let dates = r#"[
  {"id": "C1", "events": [{"at": "10000-01-01T00:00:00Z", "type": "opened"}]},
  {"id": "C2", "events": [{"at": "2026-06-19T09:00:00+08:00", "type": "opened", "due": "+262143-12-31T23:59:59Z"}]},
  {"id": "C3", "events": [{"at": "2026-06-19T09:00:00+08:00", "type": "opened", "time": "9999999999"}]}
]"#;
    let numbers = r#"{"id": "C4", "attributes": {"amount": 1e999}, "events": []}"#;
    // YAML reads `.nan`, `.inf` and `-.inf` as numbers that are not finite: each rejects its
    // case. A plain `1e999` it reads as the text `1e999` (it gives a number only when one fits),
    // which is never infinite: text compares as a number only when it reads as a finite one.
    let yaml = "- id: C5\n  attributes: {amount: 1e999}\n  events: []\n- id: C6\n  attributes: {amount: .inf}\n  events: []\n- id: C7\n  events:\n    - {at: 2026-06-19T09:00:00+08:00, type: opened, cost: .nan}\n- id: C8\n  events:\n    - {at: 2026-06-19T09:00:00+08:00, type: opened, set: {limit: .inf}}\n- id: C9\n  events: []\n  expect: {as_of: 2026-06-19T09:00:00+08:00, breaches: [{rule: x, due: -.inf}]}\n- id: C10\n  attributes: {amount: 1e300}\n  events: []\n";
    let options = ReadOptions::default();
    let batches = [
        read_str("dates.json", dates, CaseFormat::Json, &options),
        read_str("numbers.json", numbers, CaseFormat::Json, &options),
        read_str("numbers.yaml", yaml, CaseFormat::Yaml, &options),
    ];
    let read: Vec<&str> = batches[2].cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(read, ["C5", "C10"]);
    assert_eq!(
        batches[2].cases[0].attributes["amount"],
        covenant::case::Value::Str("1e999".into())
    );
    assert_eq!(batches[2].rejected.len(), 4);
    let text: Vec<String> = batches.iter().map(rejections).collect();
    insta::assert_snapshot!(text.join("\n"));
}

// ------------------------------------------------------------------ calendars

/// `count` calendars, each `like` the one before it.
fn like_chain(count: usize) -> String {
    let mut text = format!("{HEADER}calendar c0 {{ open mon-fri 09:00-18:00 }}\n");
    for i in 1..=count {
        text.push_str(&format!("calendar c{i} like c{} {{}}\n", i - 1));
    }
    text
}

#[test]
fn a_chain_of_like_at_the_limit_checks() {
    let checked = check_text(
        "deep.policy",
        &like_chain(limits::MAX_LIKE_DEPTH),
        Role::Policy,
    );
    assert!(!checked.has_errors(), "{}", rendered(&checked));
    let policy = checked.policy.unwrap();
    assert_eq!(policy.calendar_names().count(), limits::MAX_LIKE_DEPTH + 1);
}

/// A chain of 20,000 calendars (about 500 KB): one error, at the first calendar past the limit,
/// found in time linear in the chain (it took minutes and a gigabyte before the limit).
#[test]
fn a_chain_of_like_twenty_thousand_deep() {
    let text = like_chain(20_000);
    let started = std::time::Instant::now();
    let checked = check_text("deep.policy", &text, Role::Policy);
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
    insta::assert_snapshot!(rendered(&checked));
}

/// A cycle at the end of a long chain is reported once, whichever calendar reaches it first.
#[test]
fn a_like_cycle_below_a_chain() {
    let mut text = format!("{HEADER}calendar top like c1 {{}}\n");
    text.push_str("calendar c0 like c2 {}\ncalendar c1 like c0 {}\ncalendar c2 like c1 {}\n");
    text.push_str("calendar side like c2 {}\n");
    insta::assert_snapshot!(check_errors(&text));
}

/// One dated `open` line over the whole date range, and many calendars `like` one with many
/// lines: each would hold millions of dates or copies of lines (gigabytes, minutes to check).
#[test]
fn calendars_too_large() {
    let dates = format!(
        "{HEADER}calendar office {{\n  open mon-fri 09:00-18:00\n  open 0001-01-01..9999-12-31 09:00-12:00\n}}\n"
    );
    let mut fan = format!("{HEADER}calendar base {{\n  open mon-fri 09:00-18:00\n");
    for _ in 0..5_000 {
        fan.push_str("  closed 2026-01-01\n");
    }
    fan.push_str("}\n");
    for i in 0..5_000 {
        fan.push_str(&format!("calendar c{i} like base {{}}\n"));
    }
    let started = std::time::Instant::now();
    let errors = [check_errors(&dates), check_errors(&fan)];
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
    insta::assert_snapshot!(errors.join("\n"));
}

/// A calendar of exactly [`limits::MAX_CALENDAR_ENTRIES`] entries checks; one date more does not.
#[test]
fn calendars_at_the_size_limit() {
    // The weekly line is 5 entries (a weekday each), the dated line one per date: 999,995 dates.
    let office = |last: &str| {
        format!(
            "{HEADER}calendar office {{\n  open mon-fri 09:00-18:00\n  open 0001-01-01..{last} 09:00-12:00\n}}\n"
        )
    };
    let checked = check_text("dates.policy", &office("2738-11-23"), Role::Policy);
    assert!(!checked.has_errors(), "{}", rendered(&checked));
    let checked = check_text("dates.policy", &office("2738-11-24"), Role::Policy);
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0219"]);
}

// ------------------------------------------------------------------ imports

/// `count` files in a chain: each imports the next.
fn import_chain(count: usize) -> InMemory {
    let mut files = InMemory::new().with("p0.policy", format!("{HEADER}use \"p1.policy\"\n"));
    for i in 1..count {
        files = files.with(
            format!("p{i}.policy"),
            format!("use \"p{}.policy\"\nterm t{i} = 5m\n", i + 1),
        );
    }
    files.with(format!("p{count}.policy"), "term last = 5m\n")
}

#[test]
fn a_chain_of_imports_at_the_limit_loads() {
    let files = import_chain(limits::MAX_POLICY_FILES - 1);
    let checked = check_sources(Path::new("p0.policy"), &files, Role::Policy);
    assert!(!checked.has_errors(), "{}", rendered(&checked));
}

#[test]
fn thousands_of_imports() {
    let mut main = HEADER.to_owned();
    let mut files = InMemory::new();
    for i in 1..=3000 {
        main.push_str(&format!("use \"part{i}.policy\"\n"));
        files = files.with(format!("part{i}.policy"), format!("term t{i} = 5m\n"));
    }
    let files = files.with("main.policy", main);
    let checked = check_sources(Path::new("main.policy"), &files, Role::Policy);
    insta::assert_snapshot!(rendered(&checked));
}

#[test]
fn a_chain_of_imports_too_long() {
    let files = import_chain(5000);
    let checked = check_sources(Path::new("p0.policy"), &files, Role::Policy);
    insta::assert_snapshot!(rendered(&checked));
}

#[cfg(unix)]
#[test]
fn import_cycles_through_symlinks() {
    let dir = scratch("symlinks");
    std::fs::create_dir(dir.join("sub")).unwrap();
    // A folder linked into itself, a file linked to itself, and a cycle through a linked folder.
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("self.policy", dir.join("self.policy")).unwrap();
    std::fs::write(
        dir.join("main.policy"),
        format!("{HEADER}use \"sub/up/sub/up/sub/b.policy\"\nuse \"self.policy\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("sub/b.policy"),
        "use \"up/sub/up/main.policy\"\nterm b = 5m\n",
    )
    .unwrap();
    let checked = covenant::check::check_file(&dir.join("main.policy"), Role::Policy);
    let text = rendered(&checked).replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!(text);
}

/// Runs `work` on another thread and fails the test when it does not finish in time (a walk that
/// follows a symbolic-link loop never would).
#[cfg(all(unix, feature = "cli"))]
fn finishes<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(work()));
    receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the walk did not finish")
}

/// `eval DIR` and `test DIR` with folders linked into themselves: each folder is read once, every
/// case once, and no link to a folder is followed (as `check` and `fmt` do).
#[cfg(all(unix, feature = "cli"))]
#[test]
fn symlink_loops_in_case_folders() {
    let dir = scratch("case-loops");
    let suite = dir.join("passing");
    std::fs::create_dir_all(suite.join("cases/a")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test/passing");
    std::fs::copy(fixture.join("counter.policy"), suite.join("counter.policy")).unwrap();
    for case in ["answered-in-time.yaml", "unhappy-and-reopened.yaml"] {
        std::fs::copy(
            fixture.join("cases").join(case),
            suite.join("cases").join(case),
        )
        .unwrap();
    }
    // Two links back up from inside the cases (2^depth routes to every file), and a folder of
    // policies linked into itself.
    std::os::unix::fs::symlink("..", suite.join("cases/a/l1")).unwrap();
    std::os::unix::fs::symlink("..", suite.join("cases/a/l2")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("again")).unwrap();
    let cases = suite.join("cases");
    let files = finishes(move || covenant::cli::eval::case_files(&cases).unwrap());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&suite).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "cases/answered-in-time.yaml",
            "cases/unhappy-and-reopened.yaml"
        ]
    );
    let root = dir.clone();
    let run = finishes(move || covenant::cli::test::test_paths(&[root]).unwrap());
    assert_eq!(run.policies.len(), 1);
    assert_eq!((run.summary.passed, run.summary.failed), (3, 0));
}

#[test]
fn a_commitment_time_too_long_to_hold() {
    let policy = Policy::load_within("policies/logistics/complaints.policy", "policies")
        .map_err(|e| e.to_string())
        .unwrap();
    // Each part fits a duration; their sum does not.
    let huge = "2562047788015h2562047788015h";
    let text = format!(
        "id: C1
attributes: {{kind: complaint, channel: walk_in, tier: C}}
events:
  - {{at: 2026-06-22T10:00:00+08:00, type: opened, handler: {{id: S1, rank: agent}}, venue: dispatch_floor}}
  - {{at: 2026-06-22T10:05:00+08:00, type: promised, id: p1, within: {huge}}}
"
    );
    // The readers reject the case, with the policy and without it.
    let without = Case::from_yaml_str(&text).unwrap_err();
    let with = read_str(
        "case.yaml",
        &text,
        CaseFormat::Yaml,
        &ReadOptions::for_policy(&policy),
    );
    assert_eq!(with.rejected.len(), 1);
    assert_eq!(with.rejected[0].error, without.error);
    // A case built without a reader is evaluated all the same: the time gives no due time.
    let mut case = Case::from_yaml_str(&text.replace(huge, "1h")).unwrap();
    case.events[1].within = Some(huge.to_owned());
    let as_of: DateTime<Utc> = "2026-06-22T12:00:00+08:00".parse().unwrap();
    let report = policy.evaluate(&case, as_of);
    let details: Vec<&str> = report
        .commitments
        .iter()
        .map(|c| c.detail.as_str())
        .collect();
    insta::assert_snapshot!(format!("{}\n{}", without.error, details.join("\n")));
}

/// A service loads a policy once and shares it, and evaluators built from it, between threads.
#[test]
fn policies_and_evaluators_are_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Policy>();
    shared::<covenant::Evaluator<'static>>();
    shared::<Case>();
    shared::<covenant::CaseReport>();
    shared::<covenant::Report>();
    shared::<covenant::CheckError>();
}

/// The streaming batch engine reads lines with the same bounds: a line too long and a line that is
/// not UTF-8 are rejected, and every other case of the stream is evaluated.
#[test]
fn the_batch_engine_rejects_bad_lines_and_goes_on() {
    let policy = Policy::load_within("policies/logistics/complaints.policy", "policies")
        .map_err(|e| e.to_string())
        .unwrap();
    let evaluator = covenant::Evaluator::new(&policy);
    let mut bytes = stream_with_long_line().into_bytes();
    bytes.extend_from_slice(b"{\"case\": \"C4\", \"type\": \"\xff\"}\n");
    bytes.extend_from_slice(
        b"{\"case\": \"C5\", \"at\": \"2026-06-19T09:00:00+08:00\", \"type\": \"opened\"}\n",
    );
    let options = covenant::BatchOptions {
        as_of: "2026-06-19T12:00:00+08:00".parse().unwrap(),
        window: 0,
        chunk_lines: 2,
        ..covenant::BatchOptions::new("2026-06-19T12:00:00+08:00".parse().unwrap())
    };
    let mut batch = covenant::Batch::writing(
        &evaluator,
        options,
        covenant::report::Format::Jsonl,
        Vec::new(),
    )
    .unwrap();
    batch
        .push_reader("cases.jsonl", bytes.as_slice(), &mut |_| {})
        .unwrap();
    let (out, summary) = batch.finish().unwrap();
    assert_eq!((summary.evaluated, summary.rejected), (3, 2));
    let out = String::from_utf8(out).unwrap();
    let summary_line = out.lines().last().unwrap();
    let rejected: serde_json::Value = serde_json::from_str(summary_line).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&rejected["rejected"]).unwrap());
}

/// Thousands of unknown names: the first ones get a "did you mean", the rest the plain help, so a
/// check stays linear in the size of the file.
#[test]
fn suggestions_for_thousands_of_unknown_names() {
    let mut text = HEADER.to_owned();
    let count = 2000;
    for i in 0..count {
        text.push_str(&format!(
            "calendar office_{i} {{ open mon-fri 09:00-18:00 }}\n"
        ));
    }
    for i in 0..count {
        text.push_str(&format!(
            "promise p{i} {{ from opened until resolved target within 1h on offize_{i} }}\n"
        ));
    }
    let checked = check_text("hostile.policy", &text, Role::Policy);
    let unknown: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "E0204")
        .collect();
    assert_eq!(unknown.len(), count);
    let suggested = unknown
        .iter()
        .filter(|d| {
            d.help
                .as_deref()
                .is_some_and(|h| h.starts_with("did you mean"))
        })
        .count();
    assert_eq!(suggested, limits::MAX_SUGGESTIONS);
    let first_and_last = [unknown[0], unknown[count - 1]]
        .map(|d| d.render_plain(&checked.sources))
        .join("\n");
    insta::assert_snapshot!(first_and_last);
}
