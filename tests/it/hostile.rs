//! Hostile and odd input, gathered in one place: each test is one row of the "Hostile inputs"
//! table of `docs/reliability.md` (input → what covenant does). A policy file arrives from a pull
//! request and case files from other systems, so both are untrusted: no crash, no hang, no silent
//! loss, no terminal injection, no reading outside the policy's tree, no writing outside the paths
//! given.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use chrono::{DateTime, TimeZone, Utc};
use covenant::check::{check_text, Role};
use covenant::report::Instant;
use proptest::prelude::*;
#[cfg(feature = "cli")]
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(feature = "cli")]
/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "cli")]
fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A named pipe at `path`, with no writer: opening it for reading waits forever.
#[cfg(all(unix, feature = "cli"))]
fn fifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
}

/// Runs `covenant` in `dir` with `args`; fails the test when it takes more than 60 seconds (it
/// hangs).
#[cfg(feature = "cli")]
fn covenant(dir: &Path, args: &[&str]) -> (i32, String, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both outputs are drained while the command runs, so a long output never fills a pipe.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`covenant {}` hung", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap_or(-1),
        stdout.join().unwrap(),
        stderr.join().unwrap(),
    )
}

#[cfg(feature = "cli")]
/// `text` holds no character a terminal acts on, line breaks aside.
fn assert_no_control_characters(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)))
        .collect();
    assert!(bad.is_empty(), "control characters {bad:?} in:\n{text}");
}

#[cfg(feature = "cli")]
const SECRET: &str = "TOKEN=hunter2-do-not-print";

// ---------------------------------------------------------------------------------------------
// Imports stay inside the policy's tree.

/// A policy that imports, in turn: a file beside its folder, an absolute system path, a link
/// inside its folder to a file outside it, a named pipe, and a file that is not a policy file.
/// Each is refused with its own code, nothing is read from any of them, and nothing waits.
#[cfg(all(unix, feature = "cli"))]
#[test]
fn imports_that_leave_the_policys_folder_are_refused_unread() {
    let dir = scratch("imports");
    write(&dir.join("secret.policy"), &format!("{SECRET}\n"));
    write(&dir.join("p/notes.txt"), &format!("{SECRET}\n"));
    std::os::unix::fs::symlink("../secret.policy", dir.join("p/link.policy")).unwrap();
    fifo(&dir.join("p/pipe.policy"));
    write(
        &dir.join("p/main.policy"),
        "policy \"P\" {\n  timezone \"UTC\"\n}\n\
         use \"../secret.policy\"\n\
         use \"/etc/passwd\"\n\
         use \"../../../../../../../../../../proc/self/environ\"\n\
         use \"link.policy\"\n\
         use \"pipe.policy\"\n\
         use \"notes.txt\"\n",
    );
    let (code, stdout, stderr) = covenant(&dir, &["check", "p/main.policy"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    for leaked in [SECRET, "root:", "PATH="] {
        assert!(
            !stdout.contains(leaked) && !stderr.contains(leaked),
            "{stdout}{stderr}"
        );
    }
    insta::assert_snapshot!(stdout);

    // The same policy, evaluated: the command could not run, and says why without the secrets.
    write(&dir.join("cases/c.yaml"), "id: C1\nevents: []\n");
    let (code, stdout, stderr) = covenant(&dir, &["eval", "--policy", "p/main.policy", "cases"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        !stderr.contains(SECRET) && !stderr.contains("root:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("E0220") && stderr.contains("E0221"),
        "{stderr}"
    );
}

/// `--root` names a wider tree: a policy may then import from a sibling folder inside it, and
/// still nothing outside it.
#[cfg(feature = "cli")]
#[test]
fn root_names_a_wider_tree() {
    let dir = scratch("root");
    write(
        &dir.join("tree/shared/office.policy"),
        "calendar office {\n  timezone \"UTC\"\n  open mon-fri 09:00-18:00\n}\n",
    );
    write(&dir.join("secret.policy"), &format!("{SECRET}\n"));
    let main = "policy \"P\" {\n  timezone \"UTC\"\n}\nuse \"../shared/office.policy\"\n\
                promise reply {\n  from opened until responded\n  target within 2h on office\n}\n";
    write(&dir.join("tree/p/main.policy"), main);
    write(
        &dir.join("tree/p/cases/c.yaml"),
        "id: C1\nevents: []\nexpect:\n  as_of: 2026-01-01T00:00:00Z\n  no_other_breaches: true\n",
    );

    // Without --root the import leaves the policy's folder.
    let (code, stdout, _) = covenant(&dir, &["check", "tree/p/main.policy"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("E0220"), "{stdout}");
    // With it, every command reads the import.
    for args in [
        vec!["check", "--root", "tree", "tree/p/main.policy"],
        vec!["test", "--root", "tree", "tree/p"],
        vec![
            "eval",
            "--root",
            "tree",
            "--policy",
            "tree/p/main.policy",
            "--at",
            "2026-01-01T00:00:00Z",
            "tree/p/cases",
        ],
        vec![
            "explain",
            "--root",
            "tree",
            "--policy",
            "tree/p/main.policy",
            "--at",
            "2026-01-01T00:00:00Z",
            "tree/p/cases/c.yaml",
        ],
    ] {
        let (code, stdout, stderr) = covenant(&dir, &args);
        assert_eq!(code, 0, "{args:?}\n{stdout}{stderr}");
    }
    // A folder named on the command line is the tree of the policies found in it.
    let (code, stdout, _) = covenant(&dir, &["check", "tree"]);
    assert_eq!(code, 0, "{stdout}");
    // Still nothing outside the root.
    write(
        &dir.join("tree/p/leak.policy"),
        "use \"../../secret.policy\"\n",
    );
    let (code, stdout, stderr) = covenant(&dir, &["check", "--root", "tree", "tree/p/leak.policy"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("E0220") && !stdout.contains(SECRET),
        "{stdout}{stderr}"
    );
    // A root that is not a folder: the command could not run.
    let (code, _, stderr) = covenant(&dir, &["check", "--root", "secret.policy", "tree"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a folder"), "{stderr}");
}

/// The library's option for the same: `Policy::load_within`.
#[test]
fn the_library_names_the_root_too() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/logistics/complaints.policy"
    );
    let error = covenant::Policy::load(file).unwrap_err().to_string();
    assert!(error.contains("E0220"), "{error}");
    assert!(covenant::Policy::load_within(file, root).is_ok());
}

/// A named pipe given as the policy, found in a folder that is checked or formatted, or found in a
/// folder of cases, is refused at once with its name: nothing waits for a writer.
#[cfg(all(unix, feature = "cli"))]
#[test]
fn named_pipes_are_refused_at_once() {
    let dir = scratch("pipes");
    write(
        &dir.join("p/good.policy"),
        "policy \"P\" {\n  timezone \"UTC\"\n}\n",
    );
    fifo(&dir.join("p/pipe.policy"));
    fifo(&dir.join("cases/pipe.yaml"));
    write(&dir.join("cases/c.yaml"), "id: C1\nevents: []\n");

    let (code, _, stderr) = covenant(&dir, &["eval", "--policy", "p/pipe.policy", "cases"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("named pipe"), "{stderr}");
    let (code, stdout, stderr) = covenant(&dir, &["check", "p"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("p/pipe.policy") && stderr.contains("named pipe"),
        "{stderr}"
    );
    assert!(stdout.contains("checked 1 file"), "{stdout}");
    let (code, _, stderr) = covenant(&dir, &["fmt", "--check", "p"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("named pipe"), "{stderr}");
    let (code, _, stderr) = covenant(&dir, &["eval", "--policy", "p/good.policy", "cases"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cases/pipe.yaml") && stderr.contains("named pipe"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// No terminal injection.

#[cfg(feature = "cli")]
/// A case whose id, event type, venue and handler hold a newline, ESC, BEL, CR and a C1 byte.
const FORGING_CASE: &str = r#"[
  {"id": "C-1\nBREACH  forged [rule] at 2026-01-01T00:00:00Z: pay now\u001b]0;title\u0007",
   "attributes": {"kind": "x\u001b[2J"},
   "events": [
     {"at": "2026-06-22T10:00:00Z", "type": "opened", "venue": "hall\r\u009b31m",
      "handler": {"id": "S1\u001b[31m"}},
     {"at": "2026-06-22T10:05:00Z", "type": "noted\nREJECTED forged"}
   ]}
]
"#;

#[cfg(feature = "cli")]
const PLAIN_POLICY: &str = "policy \"Plain\" {\n  timezone \"UTC\"\n}\n\
    promise reply {\n  from opened until responded\n  target within 2h\n}\n";

#[cfg(feature = "cli")]
/// A policy whose name holds an escaped newline, a raw ESC and a raw BEL.
const FORGING_POLICY: &str =
    "policy \"Plain\\nBREACH  forged\u{1b}]0;t\u{7}\" {\n  timezone \"UTC\"\n}\n\
    promise reply {\n  from opened until responded\n  target within 2h\n}\n";

/// `eval` (human) and `explain` show every control character of case data escaped: each entry on
/// its own line, no line forged, nothing for the terminal to act on.
#[cfg(feature = "cli")]
#[test]
fn case_data_cannot_forge_report_lines_or_drive_the_terminal() {
    let dir = scratch("forging-cases");
    write(&dir.join("plain.policy"), FORGING_POLICY);
    write(&dir.join("cases.json"), FORGING_CASE);
    let at = "2026-06-22T18:00:00Z";
    let (code, eval, stderr) = covenant(
        &dir,
        &["eval", "--policy", "plain.policy", "--at", at, "cases.json"],
    );
    assert_eq!(code, 1, "{eval}{stderr}");
    assert_no_control_characters(&eval);
    assert!(
        !eval.lines().any(|l| l.starts_with("  BREACH  forged")),
        "{eval}"
    );
    insta::assert_snapshot!("eval_human", eval);

    let (code, explain, stderr) = covenant(
        &dir,
        &[
            "explain",
            "--policy",
            "plain.policy",
            "--at",
            at,
            "cases.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_no_control_characters(&explain);
    assert!(
        !explain.lines().any(|l| l.starts_with("REJECTED")),
        "{explain}"
    );
    insta::assert_snapshot!("explain", explain);
}

/// `check` and `fmt`: a file name holding a newline and ESC, and a source line holding ESC and
/// BEL, are shown escaped; `test`: a case id with a newline is one entry.
#[cfg(all(unix, feature = "cli"))]
#[test]
fn file_names_and_source_lines_cannot_drive_the_terminal() {
    let dir = scratch("forging-files");
    let name = "evil\nerror[E0000]: forged\u{1b}[31m.policy";
    write(
        &dir.join("p").join(name),
        "policy   \"P\" {\n  timezone \"UTC\"\n}\n\
         promise reply {\n  from opened until responded\n  target within 2h on nowhere  # \u{1b}]0;pwned\u{7}\u{9b}\n}\n",
    );
    let (code, check, stderr) = covenant(&dir, &["check", "p"]);
    assert_eq!(code, 1, "{check}{stderr}");
    assert_no_control_characters(&check);
    assert!(
        !check.lines().any(|l| l.starts_with("error[E0000]")),
        "{check}"
    );
    insta::assert_snapshot!("check_human", check);

    let (code, fmt, stderr) = covenant(&dir, &["fmt", "--check", "p"]);
    assert_eq!(code, 1, "{fmt}{stderr}");
    assert_no_control_characters(&fmt);
    insta::assert_snapshot!("fmt_check", fmt);

    write(&dir.join("t/t.policy"), PLAIN_POLICY);
    write(
        &dir.join("t/cases/c.yaml"),
        "id: \"C\\nok    forged\\e[1m\"\nevents:\n  - {at: 2026-06-22T10:00:00Z, type: opened}\nexpect:\n  as_of: 2026-06-22T18:00:00Z\n  no_other_breaches: true\n",
    );
    let (code, test, stderr) = covenant(&dir, &["test", "t"]);
    assert_eq!(code, 1, "{test}{stderr}");
    assert_no_control_characters(&test);
    assert!(
        !test.lines().any(|l| l.starts_with("  ok    forged")),
        "{test}"
    );
    insta::assert_snapshot!("test_human", test);

    // A path given on the command line that cannot be read: the message on standard error too.
    let (code, _, stderr) = covenant(&dir, &["check", "no\u{1b}[2Jsuch.policy"]);
    assert_eq!(code, 2);
    assert_no_control_characters(&stderr);
}

// ---------------------------------------------------------------------------------------------
// `fmt` writes only inside the paths it was given.

#[cfg(all(unix, feature = "cli"))]
#[test]
fn fmt_never_writes_through_a_link_out_of_its_folder() {
    let dir = scratch("fmt-link");
    let messy = "policy   \"P\" {\n timezone \"UTC\"\n}\n";
    write(&dir.join("outside.policy"), messy);
    write(&dir.join("p/inside.policy"), messy);
    std::os::unix::fs::symlink("../outside.policy", dir.join("p/link.policy")).unwrap();
    let (code, stdout, stderr) = covenant(&dir, &["fmt", "p"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("p/link.policy") && stderr.contains("outside"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("outside.policy")).unwrap(),
        messy
    );
    assert_ne!(
        std::fs::read_to_string(dir.join("p/inside.policy")).unwrap(),
        messy
    );
    // `check` does not read it either.
    let (code, _, stderr) = covenant(&dir, &["check", "p"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("p/link.policy"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Numbers and times at the edges.

/// `--threads` past the limit is a clear error at once, not a hang.
#[cfg(feature = "cli")]
#[test]
fn too_many_threads_is_an_error() {
    let dir = scratch("threads");
    write(&dir.join("plain.policy"), PLAIN_POLICY);
    write(&dir.join("c.yaml"), "id: C1\nevents: []\n");
    let (code, _, stderr) = covenant(
        &dir,
        &[
            "eval",
            "--policy",
            "plain.policy",
            "--threads",
            "100000",
            "c.yaml",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--threads") && stderr.contains("1024"),
        "{stderr}"
    );
    let (code, _, stderr) = covenant(
        &dir,
        &[
            "eval",
            "--policy",
            "plain.policy",
            "--threads",
            "1024",
            "--at",
            "2026-01-01T00:00:00Z",
            "c.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

/// Unknown names thousands of characters long: "did you mean" is bounded, the check takes
/// moments (it took minutes: quadratic in the names' length).
#[test]
fn long_unknown_names_are_checked_quickly() {
    let long = |i: usize| format!("n{i}_{}", "abcdefghij".repeat(300));
    let mut text = String::from("policy \"P\" {\n  timezone \"UTC\"\n}\n");
    for i in 0..5 {
        text.push_str(&format!(
            "calendar {} {{\n  open mon-fri 09:00-18:00\n}}\n",
            long(i)
        ));
    }
    for i in 0..20 {
        text.push_str(&format!(
            "promise p{i} {{\n  from opened until responded\n  target within 2h on {}x\n}}\n",
            long(i)
        ));
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let checked = check_text("long.policy", &text, Role::Policy);
        let _ = sender.send(checked.diagnostics.len());
    });
    let count = receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("checking took more than 20 seconds");
    assert_eq!(count, 20);
    // Normal names still get their suggestion.
    let checked = check_text(
        "typo.policy",
        "policy \"P\" {\n  timezone \"UTC\"\n}\ncalendar office {\n  open mon-fri 09:00-18:00\n}\n\
         promise p {\n  from opened until responded\n  target within 2h on ofice\n}\n",
        Role::Policy,
    );
    let help = checked.diagnostics[0].help.clone().unwrap_or_default();
    assert_eq!(help, "did you mean `office`?");
}

/// Percentages are compared with 0 and 100 exactly, on the decimal text.
#[test]
fn percentages_are_checked_exactly() {
    let with = |percent: &str| {
        let text = format!(
            "policy \"P\" {{\n  timezone \"UTC\"\n}}\npromise p {{\n  from opened until responded\n  target within 2h\n  warn at {percent}\n}}\n"
        );
        let checked = check_text("percent.policy", &text, Role::Policy);
        checked
            .diagnostics
            .iter()
            .map(|d| d.render_plain(&checked.sources))
            .collect::<String>()
    };
    insta::assert_snapshot!(with("100.00000000000000001%"), @r"
    percent.policy:7:11: error[E0305]: `100.00000000000000001%` is not a percentage between 0 and 100
      = help: write a percentage greater than `0%` and at most `100%`
    ");
    insta::assert_snapshot!(with(&format!("0.{}%", "0".repeat(400))), @r"
    percent.policy:7:11: error[E0305]: `0%` is not a percentage between 0 and 100
      = help: write a percentage greater than `0%` and at most `100%`
    ");
    insta::assert_snapshot!(with(&format!("0.{}1%", "0".repeat(400))), @r"
    percent.policy:7:11: error[E0305]: `0.000000000000000000…%` is too small a percentage to hold
      = help: write a larger percentage: this one is zero as a 64-bit float
    ");
    assert_eq!(with("100.000000000000000000%"), "");
    assert_eq!(with("0.0000000000000000000000001%"), "");
    assert_eq!(with("99.99999999999999999999%"), "");
}

/// A zone whose offset has seconds (local mean time, before 1900): the instant written reads
/// back as the same instant.
#[test]
fn instants_in_local_mean_time_read_back() {
    let new_york: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let t = Utc.with_ymd_and_hms(1800, 1, 1, 12, 0, 0).unwrap();
    let shown = Instant::new(t, Some(new_york)).to_string();
    assert_eq!(shown, "1800-01-01T07:04:00-04:56");
    assert_eq!(DateTime::parse_from_rfc3339(&shown).unwrap(), t);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every reported instant, in every zone, parsed back, is the same instant.
    #[test]
    fn every_reported_instant_reads_back(
        seconds in -62_167_219_200i64..=253_402_300_799i64,
        zone in 0..chrono_tz::TZ_VARIANTS.len(),
        use_zone in any::<bool>(),
    ) {
        let t = DateTime::from_timestamp(seconds, 0).unwrap();
        let tz = use_zone.then(|| chrono_tz::TZ_VARIANTS[zone]);
        let instant = Instant::new(t, tz);
        let text = instant.to_string();
        let json = serde_json::to_value(instant).unwrap();
        prop_assert_eq!(json.as_str(), Some(text.as_str()));
        let back = DateTime::parse_from_rfc3339(&text);
        prop_assert!(back.is_ok(), "{} does not read back", text);
        prop_assert_eq!(back.unwrap(), t, "{} is not {}", text, t);
    }
}

/// `generate --start` near the ends of the supported range: refused when the stream would run
/// past them; every timestamp of an accepted start reads back in `eval`.
#[cfg(feature = "cli")]
#[test]
fn generate_writes_only_timestamps_that_eval_reads() {
    let dir = scratch("generate");
    let (code, stdout, stderr) = covenant(
        &dir,
        &[
            "generate",
            "--cases",
            "10",
            "--start",
            "9999-12-31T23:00:00Z",
        ],
    );
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("9999-12-31T23:59:59Z"), "{stderr}");
    let (code, _, stderr) = covenant(
        &dir,
        &["generate", "--cases", "10", "--start=-0001-12-31T23:00:00Z"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("0000-01-01T00:00:00Z"), "{stderr}");
    // The first instant and the latest start allowed: every line is read and evaluated.
    write(&dir.join("plain.policy"), PLAIN_POLICY);
    for start in ["0000-01-01T00:00:00Z", "9999-12-20T00:00:00Z"] {
        let (code, events, stderr) =
            covenant(&dir, &["generate", "--cases", "200", "--start", start]);
        assert_eq!(code, 0, "{stderr}");
        write(&dir.join("events.jsonl"), &events);
        let (code, report, stderr) = covenant(
            &dir,
            &[
                "eval",
                "--policy",
                "plain.policy",
                "--at",
                "9999-12-31T23:59:59Z",
                "--format",
                "jsonl",
                "--fail-on",
                "never",
                "events.jsonl",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        let summary: serde_json::Value =
            serde_json::from_str(report.lines().last().unwrap()).unwrap();
        assert_eq!(summary["summary"]["rejected"], 0, "{start}: {report}");
        assert_eq!(summary["summary"]["cases"], 200, "{start}: {report}");
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF.

/// File names with spaces, a newline, `%`, `#` and non-ASCII letters: the SARIF log holds URI
/// references (percent-encoded, relative paths relative) and is valid against the SARIF 2.1.0
/// schema.
#[cfg(all(unix, feature = "cli"))]
#[test]
fn sarif_uris_are_percent_encoded_and_the_log_is_valid() {
    let dir = scratch("sarif");
    let name = "my policies/über 100%#1\nx.policy";
    write(
        &dir.join(name),
        "policy \"P\" {\n  timezone \"UTC\"\n}\npromise p {\n  from opened until responded\n  target within 2h on nowhere\n}\n",
    );
    let (code, stdout, stderr) = covenant(&dir, &["check", "--format", "sarif", "my policies"]);
    assert_eq!(code, 1, "{stderr}");
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "my%20policies/%C3%BCber%20100%25%231%0Ax.policy");
    let absolute = dir.join(name);
    let (_, stdout, _) = covenant(
        &dir,
        &["check", "--format", "sarif", absolute.to_str().unwrap()],
    );
    let absolute_log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let uri = absolute_log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        uri.starts_with("file:///")
            && uri.ends_with("/my%20policies/%C3%BCber%20100%25%231%0Ax.policy"),
        "{uri}"
    );
    // The shared fixture of the output formats: errors with notes, and a warning, in two files.
    let (_, stdout, _) = covenant(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--format", "sarif", "tests/fixtures/check_formats"],
    );
    let formats_log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for log in [log, absolute_log, formats_log] {
        assert_valid_sarif(&log);
    }
}

#[cfg(feature = "cli")]
/// Fails unless `log` is valid against the official SARIF 2.1.0 schema, formats (`uri`,
/// `uri-reference`) included.
pub fn assert_valid_sarif(log: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

// ------------------------------------------------------------------ long chains in conditions

/// Policies whose one condition is a long chain, each within every size limit of a policy file:
/// (name, text). 200,000 `not`s, one per line, 100,000-part `or` and `and` chains,
/// and a chain under every kind of condition (`applies when`, `target … when`, `where`).
fn long_chains() -> Vec<(&'static str, String)> {
    let promise = |condition: &str| {
        format!(
            "policy \"P\" {{\n  timezone \"UTC\"\n}}\npromise p {{\n  applies when {condition}\n  \
             from opened\n  until resolved\n  target within 1h\n}}\n"
        )
    };
    let nots = format!("{}kind == \"x\"", "not\n".repeat(200_000));
    let ors = format!("a{}", "\n  or a".repeat(100_000));
    let ands = format!("a{}", "\n  and a".repeat(100_000));
    let mixed = format!("a{}", "\n  or not a and a".repeat(50_000));
    let when = format!(
        "policy \"P\" {{\n  timezone \"UTC\"\n}}\npromise p {{\n  from opened\n  until resolved\n  \
         target when a{} within 1h\n}}\n",
        " or\n a".repeat(100_000)
    );
    let pattern = format!(
        "policy \"P\" {{\n  timezone \"UTC\"\n}}\npromise p {{\n  from opened where {}a\n  \
         until resolved\n  target within 1h\n}}\n",
        "not\n".repeat(100_000)
    );
    for text in [&nots, &ors, &ands, &mixed, &when, &pattern] {
        assert!(text.len() < covenant::limits::MAX_POLICY_BYTES);
    }
    vec![
        ("nots", promise(&nots)),
        ("ors", promise(&ors)),
        ("ands", promise(&ands)),
        ("mixed", promise(&mixed)),
        ("target_when", when),
        ("pattern_where", pattern),
    ]
}

/// 200,000 `not`s or a 100,000-part `or` chain: the library's parse, check, load and format
/// refuse it with `E0107` on a thread with a 1 MiB stack (they overflowed the stack: the syntax
/// tree was built whole, then walked and dropped recursively).
#[test]
fn long_condition_chains_are_refused_without_exhausting_the_stack() {
    let run = || {
        for (name, text) in long_chains() {
            let checked = check_text("chain.policy", &text, Role::Policy);
            assert!(checked.policy.is_none(), "{name}");
            let codes: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|d| d.code.to_string())
                .collect();
            assert_eq!(codes, ["E0107"], "{name}");
            assert!(covenant::Policy::parse(&text).is_err(), "{name}");
            let formatted = covenant::fmt::format_source(covenant::syntax::ast::FileId(0), &text);
            assert!(formatted.is_err(), "{name}");
            assert!(
                covenant::syntax::parse(covenant::syntax::ast::FileId(0), &text).is_err(),
                "{name}"
            );
        }
    };
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// The same chains through every command of the binary: each says `E0107` and exits with 1
/// (`check`, `fmt`, `fmt --check`, `test`) or 2 (`eval`, `explain`: the policy does not load);
/// none is killed by a signal.
#[cfg(feature = "cli")]
#[test]
fn long_condition_chains_are_refused_by_every_command() {
    let dir = scratch("long-chains");
    for (name, text) in long_chains() {
        let policy = format!("{name}/p.policy");
        let cases = format!("{name}/cases");
        let case = format!("{name}/cases/c.yaml");
        write(&dir.join(&policy), &text);
        write(
            &dir.join(&case),
            "id: C1\nevents:\n  - {at: 2026-01-01T00:00:00Z, type: opened}\n",
        );
        let at = "2026-01-02T00:00:00Z";
        let mut commands = vec![vec!["check", policy.as_str()]];
        // Every command for the two longest chains (each takes seconds in a debug build).
        if name == "nots" || name == "ors" {
            commands.extend([
                vec!["fmt", "--check", policy.as_str()],
                vec!["fmt", policy.as_str()],
                vec!["test", name],
                vec![
                    "eval",
                    "--policy",
                    policy.as_str(),
                    "--at",
                    at,
                    cases.as_str(),
                ],
                vec![
                    "explain",
                    "--policy",
                    policy.as_str(),
                    "--at",
                    at,
                    case.as_str(),
                ],
            ]);
        }
        for args in commands {
            let (code, stdout, stderr) = covenant(&dir, &args);
            assert!(code == 1 || code == 2, "{args:?}: exit {code}\n{stderr}");
            assert!(
                stdout.contains("E0107") || stderr.contains("E0107"),
                "{args:?}\n{stdout}{stderr}"
            );
        }
        // The file is left as it was.
        assert_eq!(std::fs::read_to_string(dir.join(&policy)).unwrap(), text);
    }
}

// ------------------------------------------------------------------ odd values in lists of cases

/// The cases read from `text` and the rejections, one per line, with the counts.
fn read_cases(source: &str, text: &str, format: covenant::CaseFormat) -> String {
    let batch = covenant::case::read_str(source, text, format, &covenant::ReadOptions::default());
    let mut out: Vec<String> = batch
        .cases
        .iter()
        .map(|c| format!("case {}", c.id))
        .collect();
    out.extend(batch.rejected.iter().map(|r| format!("REJECTED {r}")));
    out.push(format!(
        "{} read: {} cases, {} rejected",
        batch.cases.len() + batch.rejected.len(),
        batch.cases.len(),
        batch.rejected.len()
    ));
    out.join("\n")
}

/// One odd value in one case of a YAML list (a tag, a key that is a list, integers beyond 64
/// bits) rejects that case alone, with its line; the other cases are read. Before: the whole list
/// was rejected, and counted as one case.
#[test]
fn an_odd_value_rejects_only_its_case_in_a_yaml_list() {
    let opened = "  events: [{at: 2026-01-01T00:00:00Z, type: opened}]\n";
    let text = [
        "- id: A\n",
        opened,
        "- id: B\n  attributes: {kind: !custom x}\n",
        opened,
        "- id: C\n  attributes:\n    ? [a, b]\n    : c\n",
        opened,
        "- id: D\n  attributes: {n: 123456789012345678901234567890}\n",
        opened,
        "- id: E\n  attributes: {n: -1234567890123456789012}\n",
        opened,
        "- id: F\n  attributes: {!custom k: x}\n",
        opened,
        "- id: G\n",
        opened,
    ]
    .concat();
    let read = read_cases("list.yaml", &text, covenant::CaseFormat::Yaml);
    insta::assert_snapshot!(read);
    assert!(read.ends_with("7 read: 2 cases, 5 rejected"), "{read}");
}

/// A document that does not parse in a multi-document YAML file is rejected with its line; the
/// documents after it are read and counted. Before: they were neither evaluated nor counted.
#[test]
fn a_bad_yaml_document_does_not_hide_the_next_ones() {
    let opened = "events: [{at: 2026-01-01T00:00:00Z, type: opened}]\n";
    let text = [
        "id: M1\n",
        opened,
        "---\n",
        "id: M2\n",
        "events: [{at: 2026-01-01T00:00:00Z\n",
        "---\n",
        "id: M3\n",
        opened,
        "--- [\n",
        "---\n",
        "- id: M4\n  ",
        opened,
        "- id: M5\n  attributes: {n: !!binary aGVsbG8=}\n  ",
        opened,
    ]
    .concat();
    let read = read_cases("many.yaml", &text, covenant::CaseFormat::Yaml);
    insta::assert_snapshot!(read);
    assert!(read.contains("case M4"), "{read}");
}

/// The same for a JSON list: a number out of range, a value nested too deeply or a syntax error
/// inside one case rejects that case alone. Before: the whole list, counted as one case.
#[test]
fn an_odd_value_rejects_only_its_case_in_a_json_list() {
    let opened = r#""events": [{"at": "2026-01-01T00:00:00Z", "type": "opened"}]"#;
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let text = format!(
        "[{{\"id\": \"J1\", {opened}}},\n {{\"id\": \"J2\", \"attributes\": {{\"n\": 1e999}}, {opened}}},\n \
         {{\"id\": \"J3\", \"attributes\": {{\"n\": {deep}}}, {opened}}},\n \
         {{\"id\": \"J4\", \"attributes\": {{\"n\": tru}}, {opened}}},\n \
         {{\"id\": \"J5, ]\", {opened}}}\n]\n",
    );
    let read = read_cases("list.json", &text, covenant::CaseFormat::Json);
    insta::assert_snapshot!(read);
    assert!(read.ends_with("5 read: 2 cases, 3 rejected"), "{read}");
    // A list whose brackets do not match is refused whole, with the parser's error.
    let read = read_cases(
        "broken.json",
        "[{\"id\": \"J1\"}\n",
        covenant::CaseFormat::Json,
    );
    assert!(read.ends_with("1 read: 0 cases, 1 rejected"), "{read}");
}

// ------------------------------------------------------------------ sources that hold nothing

/// A symbolic link that leads nowhere, named like a case or policy file, is refused by name with
/// what it is (it was skipped without a word); so is one given to the library.
#[cfg(all(unix, feature = "cli"))]
#[test]
fn links_that_lead_nowhere_are_reported() {
    let dir = scratch("dangling");
    write(&dir.join("p/p.policy"), PLAIN_POLICY);
    write(
        &dir.join("p/cases/a.yaml"),
        "id: A\nevents: []\nexpect:\n  as_of: 2026-01-01T00:00:00Z\n",
    );
    std::os::unix::fs::symlink("gone.yaml", dir.join("p/cases/dangling.yaml")).unwrap();
    std::os::unix::fs::symlink("gone.policy", dir.join("p/lost.policy")).unwrap();
    let said = "it is a symbolic link to `gone.yaml`, which does not exist";
    let at = "2026-01-01T00:00:00Z";
    let (code, _, stderr) = covenant(
        &dir,
        &["eval", "--policy", "p/p.policy", "--at", at, "p/cases"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("p/cases/dangling.yaml") && stderr.contains(said),
        "{stderr}"
    );
    std::fs::remove_file(dir.join("p/lost.policy")).unwrap();
    let (code, _, stderr) = covenant(&dir, &["test", "p"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(said), "{stderr}");
    std::os::unix::fs::symlink("gone.policy", dir.join("p/lost.policy")).unwrap();
    let (code, stdout, stderr) = covenant(&dir, &["check", "p"]);
    assert_ne!(code, 0, "{stdout}{stderr}");
    assert!(
        (stdout.contains("lost.policy") || stderr.contains("lost.policy"))
            && (stdout.contains("gone.policy") || stderr.contains("gone.policy")),
        "{stdout}{stderr}"
    );
    let error = covenant::case::read_path(dir.join("p/cases/dangling.yaml"), &Default::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains(said), "{error}");
}

/// A named pipe given to the library as a YAML case file is refused without being opened (it
/// waited forever for a writer).
#[cfg(all(unix, feature = "cli"))]
#[test]
fn the_library_refuses_a_named_pipe_of_cases() {
    let dir = scratch("library-fifo");
    fifo(&dir.join("cases.yaml"));
    let error = covenant::case::read_path(dir.join("cases.yaml"), &Default::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("named pipe"), "{error}");
}

/// An empty or blank file of cases, and empty standard input, are one rejection saying so (they
/// were "aliases repeat more values than the file has bytes").
#[cfg(feature = "cli")]
#[test]
fn empty_sources_are_reported_as_empty() {
    let dir = scratch("empty-sources");
    write(&dir.join("p.policy"), PLAIN_POLICY);
    write(&dir.join("cases/empty.yaml"), "");
    write(&dir.join("cases/blank.yaml"), "\n  \n\t\n");
    write(&dir.join("cases/comment.yaml"), "# no cases yet\n");
    write(&dir.join("cases/empty.json"), "");
    write(&dir.join("cases/none.json"), "[]\n");
    let at = "2026-01-01T00:00:00Z";
    let (code, stdout, stderr) = covenant(
        &dir,
        &[
            "eval", "--policy", "p.policy", "--at", at, "--format", "json", "cases",
        ],
    );
    // Rejected sources make the run's exit code 3.
    assert_eq!(code, 3, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!(report["rejected"]);
    // An empty list, or a file of comments alone, is a deliberate "no cases": nothing to report.
    assert_eq!(report["summary"]["rejected"], 3, "{stdout}");
    for format in ["yaml", "json"] {
        let batch = covenant::case::read_str(
            "<stdin>",
            "",
            if format == "yaml" {
                covenant::CaseFormat::Yaml
            } else {
                covenant::CaseFormat::Json
            },
            &Default::default(),
        );
        assert_eq!(batch.rejected.len(), 1);
        assert_eq!(
            batch.rejected[0].to_string(),
            "<stdin>:1: no case: the text is empty"
        );
    }
}

// ------------------------------------------------------------------ memory of a policy

/// A policy's files may hold at most `MAX_POLICY_TOTAL_BYTES` of text in all: the import that
/// goes past it is refused with `E0228` (256 files of 4 MiB, 1 GiB of text, were allowed: tens of
/// gigabytes to check). Files at the limit still load.
#[test]
fn a_policy_is_bounded_in_all_its_files() {
    use covenant::check::{check_sources, InMemory};
    use covenant::limits::{MAX_POLICY_BYTES, MAX_POLICY_TOTAL_BYTES};
    // A file of comments just under the size of one file; `term`s make it a declaration file.
    let part = |i: usize| {
        let mut text = format!("term t{i} = 5m\n");
        let line = format!("# {}\n", "x".repeat(1000));
        while text.len() + line.len() < MAX_POLICY_BYTES {
            text.push_str(&line);
        }
        text
    };
    let parts = MAX_POLICY_TOTAL_BYTES / MAX_POLICY_BYTES;
    let header = "policy \"P\" {\n  timezone \"UTC\"\n}\n";
    let mut main = header.to_owned();
    let mut files = InMemory::new();
    for i in 0..=parts {
        main.push_str(&format!("use \"part{i}.policy\"\n"));
        files = files.with(format!("part{i}.policy"), part(i));
    }
    let files = files.with("main.policy", main);
    let checked = check_sources(std::path::Path::new("main.policy"), &files, Role::Policy);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.render_plain(&checked.sources))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("E0228") && errors[0].contains(&format!("part{parts}.policy")),
        "{errors:?}"
    );
    // One file fewer (the main file is small): under the limit, it loads.
    let mut main = header.to_owned();
    let mut files = InMemory::new();
    for i in 0..parts {
        main.push_str(&format!("use \"part{i}.policy\"\n"));
        files = files.with(format!("part{i}.policy"), part(i));
    }
    let files = files.with("main.policy", main);
    let checked = check_sources(std::path::Path::new("main.policy"), &files, Role::Policy);
    assert!(!checked.has_errors());
}
