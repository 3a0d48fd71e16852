//! Evaluation: every folder under `tests/fixtures/eval/` holds a `policy.policy`
//! and case files. A case file starts with one or more `# at: INSTANT` lines;
//! its snapshot holds the JSON report of the file's cases at each instant.
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use chrono::{DateTime, Utc};
use covenant::case::{read_str, CaseBatch, CaseFormat, ReadOptions};
use covenant::check::Policy;
use covenant::eval::Evaluator;
use covenant::report::{case_json, Format};
use proptest::prelude::*;
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
        &ReadOptions::for_policy(policy),
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

/// The example cases of the policies under `policies/`, each evaluated a week after its last event
/// (or at its `# at:` instants), against the one policy file of its domain folder.
#[test]
fn policy_example_cases() {
    insta::glob!("../../policies", "*/cases/*.yaml", |path| {
        let folder = path.parent().unwrap().parent().unwrap();
        let policy_file = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "policy"))
            .unwrap();
        let policy = Policy::load_within(&policy_file, folder.parent().unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        let batch = read(&policy, path);
        let text = std::fs::read_to_string(path).unwrap();
        let mut at = instants(&text);
        if at.is_empty() {
            let last = batch
                .cases
                .iter()
                .flat_map(|c| c.events.iter().map(|e| e.at))
                .max()
                .unwrap();
            at.push(last + chrono::TimeDelta::days(7));
        }
        let evaluator = Evaluator::new(&policy);
        let reports: Vec<String> = at
            .into_iter()
            .map(|at| {
                let report = evaluator.evaluate_all(&batch.cases, &batch.rejected, at);
                for case in &report.cases {
                    assert_eq!(case_json(case), serde_json::to_string(case).unwrap());
                }
                report.emit(Format::Json).unwrap()
            })
            .collect();
        insta::assert_snapshot!(reports.join("\n"));
    });
}

/// The `expect:` blocks of the evaluation fixtures hold, checked as `covenant test` checks them
/// (objectives included): each story says in words and in its block what it must produce.
#[test]
fn expectations_in_eval_fixtures_hold() {
    use covenant::eval::ObjectivePlan;
    use covenant::expect::Expectations;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval");
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    folders.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for folder in folders {
        let policy = load(&folder);
        let evaluator = Evaluator::new(&policy);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for path in files {
            for case in read(&policy, &path).cases {
                if case.expect.is_none() {
                    continue;
                }
                let blocks = Expectations::read(&policy, &case)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", relative(&path)));
                for block in blocks {
                    let report = evaluator.evaluate(&case, block.as_of);
                    let mut mismatches = block.compare(&report, &policy);
                    let plan = ObjectivePlan::new(&policy);
                    let tally = plan.count(&case, &report, block.as_of);
                    mismatches.extend(block.compare_objectives(&plan.report(&tally), &policy));
                    for m in mismatches {
                        failures.push(format!(
                            "{} case {} line {:?}: {}: expected {}, got {}",
                            relative(&path),
                            case.id,
                            m.line,
                            m.subject,
                            m.expected,
                            m.got
                        ));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} blocks");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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

/// Runs the `covenant` binary from the crate root; returns (exit code, stdout).
fn covenant(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

const PROMISES: &str = "tests/fixtures/eval/promises/policy.policy";

#[test]
fn exit_code_follows_fail_on() {
    let case = "tests/fixtures/eval/promises/before-during-after.yaml";
    let run = |at: &str, fail_on: &str| {
        covenant(
            &[
                "eval",
                "--policy",
                PROMISES,
                case,
                "--at",
                at,
                "--fail-on",
                fail_on,
            ],
            None,
        )
        .0
    };
    // 10:30 running, 11:40 past the warning point, 12:10 breached.
    assert_eq!(run("2026-06-19T10:30:00+08:00", "warning"), 0);
    assert_eq!(run("2026-06-19T11:40:00+08:00", "breach"), 0);
    assert_eq!(run("2026-06-19T11:40:00+08:00", "warning"), 1);
    assert_eq!(run("2026-06-19T12:10:00+08:00", "breach"), 1);
    assert_eq!(run("2026-06-19T12:10:00+08:00", "never"), 0);
    // Without an offset, `--at` is read in the policy's timezone.
    assert_eq!(run("2026-06-19T12:10:00", "breach"), 1);
    assert_eq!(run("2026-06-19T11:40:00", "breach"), 0);
}

#[test]
fn could_not_run_exits_with_2() {
    let case = "tests/fixtures/eval/promises/met-vip.yaml";
    let missing = covenant(&["eval", "--policy", "no/such.policy", case], None);
    assert_eq!(missing.0, 2);
    let bad_at = covenant(&["eval", "--policy", PROMISES, case, "--at", "noon"], None);
    assert_eq!(bad_at.0, 2);
    let unreadable = covenant(&["eval", "--policy", PROMISES, "no/such/case.yaml"], None);
    assert_eq!(unreadable.0, 2);
}

#[test]
fn jsonl_writes_one_line_per_case_then_the_summary() {
    let (code, out) = covenant(
        &[
            "eval",
            "--policy",
            PROMISES,
            "tests/fixtures/eval/promises",
            "--at",
            "2026-06-19T12:00:00+08:00",
            "--format",
            "jsonl",
        ],
        None,
    );
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["cases"], lines.len() - 1);
    assert!(lines[..lines.len() - 1]
        .iter()
        .all(|l| l["case"].is_string()));
    let breaches: u64 = lines[..lines.len() - 1]
        .iter()
        .map(|l| l["breaches"].as_array().unwrap().len() as u64)
        .sum();
    assert_eq!(summary["breaches"], breaches);
}

#[test]
fn stdin_folders_and_rejected_cases() {
    let text = std::fs::read_to_string("tests/fixtures/eval-batch/batch.yaml").unwrap();
    let (code, out) = covenant(
        &[
            "eval",
            "--policy",
            "tests/fixtures/eval-batch/policy.policy",
            "-",
            "--at",
            "2026-06-19T12:00:00+08:00",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        Some(&text),
    );
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["rejected"][0]["source"], "<stdin>:10");
    assert_eq!(report["summary"]["evaluated"], 2);
    // The same run twice gives the same bytes.
    let again = covenant(
        &[
            "eval",
            "--policy",
            "tests/fixtures/eval-batch/policy.policy",
            "-",
            "--at",
            "2026-06-19T12:00:00+08:00",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        Some(&text),
    );
    assert_eq!(again.1, out);
    // A rejected case is listed, is not a breach, and makes the exit code 3: before any deadline
    // nothing is breached, but the run stands on part of its input.
    let (code, _) = covenant(
        &[
            "eval",
            "--policy",
            "tests/fixtures/eval-batch/policy.policy",
            "tests/fixtures/eval-batch",
            "--at",
            "2026-06-19T10:10:00+08:00",
        ],
        None,
    );
    assert_eq!(code, 3);
}

#[test]
fn explain_shows_clocks_pauses_and_deadlines() {
    let (code, out) = covenant(
        &[
            "explain",
            "--policy",
            "tests/fixtures/eval/business/policy.policy",
            "tests/fixtures/eval/business/pause-overnight.yaml",
            "--at",
            "2026-06-23T12:00:00+08:00",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

/// Each reason's stretch under the span the clock was paused in; an instance a restart
/// superseded, and one it ended after its due time; a restarted standard's instances numbered.
#[test]
fn explain_shows_reasons_and_superseded_instances() {
    let explain = |folder: &str, case: &str, at: &str| {
        let (code, out) = covenant(
            &[
                "explain",
                "--policy",
                &format!("tests/fixtures/eval/{folder}/policy.policy"),
                &format!("tests/fixtures/eval/{folder}/{case}"),
                "--at",
                at,
            ],
            None,
        );
        assert_eq!(code, 0);
        out
    };
    insta::assert_snapshot!(
        "explain_overlapping_waits",
        explain(
            "waits",
            "customer-answers-first.yaml",
            "2026-06-22T10:40:00+08:00"
        ) + &explain(
            "waits",
            "customer-answers-first.yaml",
            "2026-06-22T13:00:00+08:00"
        )
    );
    insta::assert_snapshot!(
        "explain_superseded",
        explain(
            "restarts",
            "restart-before-due.yaml",
            "2026-06-22T16:00:00+08:00"
        ) + &explain(
            "restarts",
            "restart-after-due.yaml",
            "2026-06-23T12:00:00+08:00"
        ) + &explain(
            "restarts",
            "reopened-without-second-follow-up.yaml",
            "2026-06-23T12:00:00+08:00"
        )
    );
}

/// The human report of superseded instances and numbered standard instances.
#[test]
fn human_report_of_restarts() {
    let (_, out) = covenant(
        &[
            "eval",
            "--policy",
            "tests/fixtures/eval/restarts/policy.policy",
            "tests/fixtures/eval/restarts/restart-after-due.yaml",
            "tests/fixtures/eval/restarts/reopened-before-closing.yaml",
            "--at",
            "2026-06-23T12:00:00+08:00",
        ],
        None,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn human_report() {
    let (_, out) = covenant(
        &[
            "eval",
            "--policy",
            "tests/fixtures/eval/escalation/policy.policy",
            "tests/fixtures/eval/escalation",
            "--at",
            "2026-06-19T10:40:00+08:00",
        ],
        None,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn explain_shows_escalation_steps_and_appointments() {
    let (code, out) = covenant(
        &[
            "explain",
            "--policy",
            "tests/fixtures/eval/escalation/policy.policy",
            "tests/fixtures/eval/escalation/appointment-missed.yaml",
            "--at",
            "2026-06-20T16:00:00+08:00",
        ],
        None,
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

/// Two reasons to wait, each with its own end: the policy of the properties below.
const TWO_WAITS: &str = r#"
policy "Two waits" { timezone "UTC" }
promise p {
  from opened until done
  pause on wait_a resume on resume_a
  pause on wait_b resume on resume_b
  restart on reopened
  target within 2h
}
"#;

/// The case opened at minute 0 of 2026-01-01 (UTC) with `events` (minute, type) after it.
fn minutes_case(events: &[(i64, &str)]) -> covenant::Case {
    let at = |minute: i64| {
        (DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap()
            + chrono::TimeDelta::minutes(minute))
        .to_rfc3339()
    };
    let mut yaml = format!("id: C\nevents:\n  - {{at: {}, type: opened}}\n", at(0));
    for (minute, kind) in events {
        yaml.push_str(&format!("  - {{at: {}, type: {kind}}}\n", at(*minute)));
    }
    covenant::Case::from_yaml_str(&yaml).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]

    /// The clock is paused exactly while either reason holds, whatever order the waits begin and
    /// end in: its paused time and its due time are those of a minute-by-minute walk.
    #[test]
    fn paused_while_any_reason_holds(
        mut events in proptest::collection::vec((1i64..300, 0usize..4), 0..12)
    ) {
        const KINDS: [&str; 4] = ["wait_a", "resume_a", "wait_b", "resume_b"];
        events.sort_by_key(|(minute, _)| *minute);
        let named: Vec<(i64, &str)> = events.iter().map(|&(m, k)| (m, KINDS[k])).collect();
        let policy = Policy::parse(TWO_WAITS).unwrap();
        let as_of_minute = 1000;
        let start = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let as_of = start + chrono::TimeDelta::minutes(as_of_minute);
        let report = policy.evaluate(&minutes_case(&named), as_of);
        let p = &report.promises[0];
        // The walk: which reasons hold in each minute, after the events at its start.
        let (mut a, mut b) = (false, false);
        let mut paused_minutes = Vec::new();
        let mut next = named.iter().peekable();
        for minute in 0..as_of_minute {
            while let Some(&&(at, kind)) = next.peek() {
                if at > minute {
                    break;
                }
                match kind {
                    "wait_a" => a = true,
                    "resume_a" => a = false,
                    "wait_b" => b = true,
                    _ => b = false,
                }
                next.next();
            }
            paused_minutes.push(a || b);
        }
        let paused = paused_minutes.iter().filter(|p| **p).count() as i64;
        prop_assert_eq!(
            p.paused.map(|d| d.0),
            Some(chrono::TimeDelta::minutes(paused))
        );
        // Due when 120 unpaused minutes have passed (a pause still going is closed at `as_of`).
        let mut counted = 0;
        let mut due = 0;
        for minute in 0.. {
            let is_paused = paused_minutes.get(minute as usize).copied().unwrap_or(false);
            if !is_paused {
                counted += 1;
                if counted == 120 {
                    due = minute + 1;
                    break;
                }
            }
        }
        prop_assert_eq!(
            p.due.map(|d| d.utc()),
            Some(start + chrono::TimeDelta::minutes(due))
        );
        // Each reason's stretches never overlap one another, and end where the walk says.
        for reason in ["wait_a", "wait_b"] {
            let own: Vec<_> = p.pauses.iter().filter(|s| s.reason == reason).collect();
            for pair in own.windows(2) {
                prop_assert!(pair[0].to.is_some_and(|to| to <= pair[1].from));
            }
        }
    }

    /// A restart ends the open instance: `superseded` when it comes by the due time, `breached`
    /// after it; never `met`.
    #[test]
    fn a_restart_supersedes_or_keeps_the_breach(restart in 1i64..400, done in proptest::option::of(1i64..400)) {
        let policy = Policy::parse(TWO_WAITS).unwrap();
        let mut events = vec![(restart, "reopened")];
        if let Some(done) = done {
            events.push((done, "done"));
        }
        events.sort_by_key(|(minute, _)| *minute);
        let start = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        let report = policy.evaluate(&minutes_case(&events), start + chrono::TimeDelta::days(1));
        let first = serde_json::to_value(report.promises[0].state).unwrap();
        let expected = match done {
            // Stopped before the restart: judged by its stop.
            Some(done) if done < restart => if done <= 120 { "met" } else { "breached" },
            _ => if restart <= 120 { "superseded" } else { "breached" },
        };
        prop_assert_eq!(first, serde_json::Value::from(expected));
        prop_assert_eq!(report.promises.len(), 2);
    }
}

#[test]
fn explain_shows_chain_instances_and_moved_appointments() {
    let explain = |policy: &str, case: &str, at: &str| {
        let (code, out) = covenant(&["explain", "--policy", policy, case, "--at", at], None);
        assert_eq!(code, 0, "{out}");
        out
    };
    let instances = explain(
        "tests/fixtures/eval/chain-instances/policy.policy",
        "tests/fixtures/eval/chain-instances/reopened.yaml",
        "2026-06-20T14:30:00+08:00",
    );
    let moved = explain(
        "tests/fixtures/eval/escalation/policy.policy",
        "tests/fixtures/eval/escalation/appointment-moved-too-often.yaml",
        "2026-06-20T18:00:00+08:00",
    );
    insta::assert_snapshot!(format!("{instances}\n{moved}"));
}
