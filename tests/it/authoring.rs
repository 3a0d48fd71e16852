//! `covenant test`: snapshots of its output on fixture policies (passing, failing with diffs,
//! unknown names, malformed `expect` blocks), its JSON output, a changed deadline caught by the
//! example cases, and the example policies passing.

#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `covenant test ARGS` in `dir`.
fn covenant_test(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .arg("test")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Standard output, with the exit code appended, for a snapshot.
fn shown(output: &Output) -> String {
    format!(
        "{}\n[exit {}]",
        String::from_utf8_lossy(&output.stdout),
        output.status.code().unwrap_or(-1)
    )
}

#[test]
fn test_fixtures() {
    insta::glob!("../fixtures/test", "*/*.policy", |path| {
        let folder = path.parent().unwrap();
        let relative = folder.strip_prefix(ROOT).unwrap().to_str().unwrap();
        let output = covenant_test(Path::new(ROOT), &[relative]);
        insta::assert_snapshot!(shown(&output));
    });
}

#[test]
fn json_output() {
    let output = covenant_test(
        Path::new(ROOT),
        &["tests/fixtures/test/failing", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn failing_and_erroring_cases_exit_1_and_passing_ones_0() {
    let passing = covenant_test(Path::new(ROOT), &["tests/fixtures/test/passing"]);
    assert_eq!(passing.status.code(), Some(0));
    for folder in ["failing", "unknown-names", "malformed", "figures"] {
        let path = format!("tests/fixtures/test/{folder}");
        assert_eq!(
            covenant_test(Path::new(ROOT), &[&path]).status.code(),
            Some(1),
            "{folder}"
        );
    }
    let nothing = covenant_test(Path::new(ROOT), &["tests/fixtures/test/passing/cases"]);
    assert_eq!(nothing.status.code(), Some(2));
    let case_file = covenant_test(
        Path::new(ROOT),
        &["tests/fixtures/test/passing/cases/answered-in-time.yaml"],
    );
    assert_eq!(case_file.status.code(), Some(2));
}

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_changed_deadline_fails_the_example_cases_that_depend_on_it() {
    let dir = scratch("changed-deadline");
    copy_tree(&Path::new(ROOT).join("policies"), &dir.join("policies"));
    let policy = dir.join("policies/insurance/insurance.policy");
    let text = std::fs::read_to_string(&policy).unwrap();
    let before = "  from arrived until accepted\n  target within 10m\n";
    assert!(text.contains(before), "counter_wait's deadline moved");
    let after = "  from arrived until accepted\n  target within 30m\n";
    std::fs::write(&policy, text.replacen(before, after, 1)).unwrap();

    let unchanged = covenant_test(&dir, &["policies/postal"]);
    assert_eq!(unchanged.status.code(), Some(0), "{}", shown(&unchanged));
    let changed = covenant_test(&dir, &["--root", "policies", "policies/insurance"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(changed.status.code(), Some(1));
    let text = shown(&changed);
    assert!(text.contains("promise `counter_wait`"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn the_example_policies_pass() {
    let output = covenant_test(Path::new(ROOT), &["policies/"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    let (passed, failed) = last.split_once(" passed, ").unwrap();
    assert_eq!(failed, "0 failed");
    assert!(passed.parse::<usize>().unwrap() >= 40, "{last}");
    let policies = text.lines().filter(|l| l.ends_with(".policy")).count();
    assert!(policies >= 6, "{text}");
}
