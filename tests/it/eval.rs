//! Evaluation: every folder under `tests/fixtures/eval/` holds a `policy.policy`
//! and case files. A case file starts with one or more `# at: INSTANT` lines;
//! its snapshot holds the JSON report of the file's cases at each instant.
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use chrono::{DateTime, Utc};
use covenant::case::{read_str, CaseBatch, CaseFormat, ReadOptions};
use covenant::check::Policy;
use covenant::eval::Evaluator;
use covenant::report::Format;
use std::path::Path;

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

fn instants(text: &str) -> Vec<DateTime<Utc>> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# at:"))
        .map(|at| {
            DateTime::parse_from_rfc3339(at.trim())
                .unwrap()
                .with_timezone(&Utc)
        })
        .collect()
}

fn read(policy: &Policy, path: &Path) -> CaseBatch {
    let text = std::fs::read_to_string(path).unwrap();
    let format = CaseFormat::from_path(path).unwrap();
    read_str(
        &relative(path),
        &text,
        format,
        &ReadOptions {
            default_tz: policy.timezone,
            ranks: (!policy.ranks.is_empty()).then(|| policy.ranks.clone()),
        },
    )
}

fn load(folder: &Path) -> Policy {
    Policy::load(folder.join("policy.policy")).unwrap_or_else(|e| panic!("{e}"))
}

/// The JSON reports of one case file at each of its `# at:` instants.
fn reports(path: &Path, format: Format) -> String {
    let policy = load(path.parent().unwrap());
    let batch = read(&policy, path);
    let evaluator = Evaluator::new(&policy);
    let text = std::fs::read_to_string(path).unwrap();
    let at = instants(&text);
    assert!(!at.is_empty(), "{} has no `# at:` line", path.display());
    at.into_iter()
        .map(|at| {
            evaluator
                .evaluate_all(&batch.cases, &batch.rejected, at)
                .emit(format)
                .unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn eval_fixtures() {
    insta::glob!("../fixtures/eval", "*/*.yaml", |path| {
        insta::assert_snapshot!(reports(path, Format::Json));
    });
}

#[test]
fn same_input_gives_identical_bytes() {
    insta::glob!("../fixtures/eval", "escalation/*.yaml", |path| {
        for format in [Format::Json, Format::Jsonl, Format::Yaml, Format::Human] {
            assert_eq!(reports(path, format), reports(path, format));
        }
    });
}

#[test]
fn before_during_and_after_a_deadline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval/promises");
    let policy = load(&root);
    let batch = read(&policy, &root.join("before-during-after.yaml"));
    let evaluator = Evaluator::new(&policy);
    let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
    let state = |t: &str| {
        let report = evaluator.evaluate(&batch.cases[0], at(t));
        let p = report
            .promises
            .iter()
            .find(|p| p.promise == "first_response")
            .unwrap();
        (
            serde_json::to_value(p.state).unwrap(),
            report.warnings.len(),
            report.breaches.len(),
        )
    };
    // Due 12:00 (2h), warning point 11:30 (75%).
    assert_eq!(state("2026-06-19T10:30:00+08:00"), ("running".into(), 0, 0));
    assert_eq!(state("2026-06-19T11:40:00+08:00"), ("running".into(), 1, 0));
    assert_eq!(state("2026-06-19T12:00:00+08:00"), ("running".into(), 1, 0));
    assert_eq!(
        state("2026-06-19T12:00:01+08:00"),
        ("breached".into(), 0, 1)
    );
}

#[test]
fn a_malformed_case_is_rejected_and_the_batch_goes_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval-batch");
    let policy = load(&root);
    let batch = read(&policy, &root.join("batch.yaml"));
    let at = DateTime::parse_from_rfc3339("2026-06-19T12:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let report = Evaluator::new(&policy).evaluate_all(&batch.cases, &batch.rejected, at);
    let s = report.summary;
    assert_eq!(s.cases, s.evaluated + s.rejected);
    assert_eq!((s.evaluated, s.rejected), (2, 1));
    assert_eq!(
        s.breaches,
        report.cases.iter().map(|c| c.breaches.len()).sum::<usize>()
    );
    insta::assert_snapshot!(report.emit(Format::Json).unwrap());
}
