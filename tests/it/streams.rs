//! Case input at the command line: standard input streamed like a file, each file read once,
//! rejected cases visible in the exit code, rejections and temporary files that take no memory
//! and leave nothing behind, and size limits enforced while reading. Each test is a row of the
//! "Hostile inputs" table of `docs/reliability.md`, and failed before its fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("covenant-streams-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/generate/contact-centre.policy"
);

/// What a run gave.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `covenant` in `dir` with `args`, `stdin` written to its standard input; fails the test
/// when it takes more than 120 seconds.
fn covenant(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
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
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`covenant {}` hung", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ran {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// `covenant eval` of the contact-centre policy at a fixed instant, in `format`, with `more`.
fn eval(dir: &Path, format: &str, more: &[&str], stdin: Option<Vec<u8>>) -> Ran {
    let mut args = vec!["eval", "--policy", POLICY, "--at", "2026-06-20T00:00:00Z"];
    args.extend(["--format", format]);
    args.extend(more);
    covenant(dir, &args, stdin)
}

/// Generated events: `cases` cases of the contact-centre policy.
fn generated(cases: u64, seed: u64) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args([
            "generate",
            "--cases",
            &cases.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Standard input is streamed like a file: a first line cut short, a comment or a line without
/// `case` is rejected at its line and every other line is evaluated, as from a file. Before: the
/// first line decided the format, the whole input was read as one JSON document, every case was
/// lost and the run exited 0.
#[test]
fn standard_input_streams_like_a_file_whatever_its_first_line() {
    let dir = scratch("stdin");
    let events = generated(40, 2);
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();
    let from_file = eval(&dir, "jsonl", &["events.jsonl"], None);
    assert_eq!(from_file.code, 1, "{}", from_file.stderr);
    for first in [
        r#"{"case": "C9", "at": "2026-06-01T09:00:00Z", "typ"#,
        "# exported from the ticket system",
        r#"{"at": "2026-06-01T09:00:00Z", "type": "opened"}"#,
    ] {
        let input = format!("{first}\n{events}");
        let ran = eval(&dir, "jsonl", &["-"], Some(input.into_bytes()));
        assert_eq!(ran.code, 3, "{first}: {}", ran.stderr);
        let lines: Vec<&str> = ran.stdout.lines().collect();
        let expected: Vec<&str> = from_file.stdout.lines().collect();
        assert_eq!(lines.len(), expected.len(), "{first}");
        // Every case, the same reports.
        assert_eq!(
            lines[..lines.len() - 1],
            expected[..expected.len() - 1],
            "{first}"
        );
        let summary: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        assert_eq!(summary["rejected"][0]["source"], "<stdin>:1", "{first}");
        assert_eq!(summary["summary"]["evaluated"], 40, "{first}");
        assert_eq!(summary["summary"]["rejected"], 1, "{first}");
        assert!(
            ran.stderr.contains("warning: 1 of 41 cases rejected"),
            "{first}: {}",
            ran.stderr
        );
    }
    // YAML on standard input is still read as YAML, and `--stdin-format` says what it is.
    let yaml = "id: Y1\nevents:\n  - {at: 2026-06-01T09:00:00Z, type: opened}\n";
    let ran = eval(&dir, "jsonl", &["-"], Some(yaml.as_bytes().to_vec()));
    assert!(ran.stdout.starts_with("{\"case\":\"Y1\""), "{}", ran.stdout);
    let ran = eval(
        &dir,
        "jsonl",
        &["--stdin-format", "jsonl", "-"],
        Some(yaml.as_bytes().to_vec()),
    );
    assert_eq!(ran.code, 3, "{}", ran.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file named twice, through its folder and by name, through a link or a hard link, or
/// redirected into standard input as well, is read once, with a warning; before, its events were
/// counted twice (a JSON Lines case with every event doubled: false breaches) and a YAML file's
/// cases rejected as duplicates of themselves.
#[cfg(unix)]
#[test]
fn a_file_named_twice_is_read_once() {
    let dir = scratch("twice");
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/events.jsonl"), generated(30, 5)).unwrap();
    std::fs::write(
        dir.join("in/more.yaml"),
        "id: Y1\nevents:\n  - {at: 2026-06-01T09:00:00Z, type: opened}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("in/events.jsonl", dir.join("link.jsonl")).unwrap();
    std::fs::hard_link(dir.join("in/events.jsonl"), dir.join("hard.jsonl")).unwrap();
    let once = eval(&dir, "json", &["in"], None);
    assert!(once.stderr.is_empty(), "{}", once.stderr);
    for (args, stdin) in [
        (vec!["in", "in/events.jsonl"], None),
        (vec!["in", "link.jsonl", "hard.jsonl", "in/more.yaml"], None),
        (vec!["in/more.yaml", "in", "in/more.yaml"], None),
        (vec!["in", "-"], Some(())),
    ] {
        let input = stdin.map(|()| std::fs::read(dir.join("in/events.jsonl")).unwrap());
        let ran = if input.is_some() {
            // Standard input redirected from the file itself.
            let file = std::fs::File::open(dir.join("in/events.jsonl")).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
                .args(["eval", "--policy", POLICY, "--at", "2026-06-20T00:00:00Z"])
                .args(["--format", "json", "in", "-"])
                .current_dir(&dir)
                .stdin(file)
                .output()
                .unwrap();
            Ran {
                code: out.status.code().unwrap(),
                stdout: String::from_utf8(out.stdout).unwrap(),
                stderr: String::from_utf8(out.stderr).unwrap(),
            }
        } else {
            eval(&dir, "json", &args, None)
        };
        assert_eq!(ran.stdout, once.stdout, "{args:?}");
        assert_eq!(ran.code, once.code, "{args:?}");
        assert!(
            ran.stderr.contains("is the same file as") && ran.stderr.contains("it is read once"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rejected cases are counted on standard error and make the exit code 3, on every path (JSON
/// Lines streamed, YAML, both): a CI run over broken input no longer passes. `--fail-on never`
/// still exits 0. Before: the streaming path said nothing, and either path exited 0 (or 1).
#[test]
fn rejected_cases_are_counted_on_standard_error_and_give_exit_code_3() {
    let dir = scratch("rejected");
    let events = generated(10, 3);
    std::fs::write(dir.join("good.jsonl"), &events).unwrap();
    std::fs::write(dir.join("bad.jsonl"), format!("{events}not json\n")).unwrap();
    std::fs::write(dir.join("bad.yaml"), "id: Y1\nevents: 7\n").unwrap();
    let good = eval(&dir, "jsonl", &["good.jsonl"], None);
    assert_eq!(good.code, 1, "breaches, nothing rejected: {}", good.stderr);
    assert!(good.stderr.is_empty(), "{}", good.stderr);
    for (files, total) in [
        (vec!["bad.jsonl"], 11),
        (vec!["bad.yaml"], 1),
        (vec!["bad.yaml", "good.jsonl"], 11),
    ] {
        let mut args = files.clone();
        let ran = eval(&dir, "jsonl", &args, None);
        assert_eq!(ran.code, 3, "{files:?}");
        assert_eq!(
            ran.stderr,
            format!("warning: 1 of {total} cases rejected (listed under `rejected`)\n"),
            "{files:?}"
        );
        args.extend(["--fail-on", "never"]);
        assert_eq!(eval(&dir, "jsonl", &args, None).code, 0, "{files:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The peak resident memory of `covenant` with `args`, read from `/proc` while it runs, and its
/// exit code and standard output.
#[cfg(target_os = "linux")]
fn peak_memory(dir: &Path, args: &[&str]) -> (u64, i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut pipe = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut text).unwrap();
        text
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            for line in status.lines() {
                if let Some(kb) = line.strip_prefix("VmHWM:") {
                    let kb: u64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak = peak.max(kb * 1024);
                }
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (peak, status.code().unwrap_or(-1), stdout.join().unwrap())
}

/// A million rejected lines are listed, in order, without holding them: past the first thousand
/// they wait in a temporary file. Before: every rejection was held to the end (4 million
/// one-character lines took about 2 GB).
#[cfg(target_os = "linux")]
#[test]
fn a_million_rejected_lines_are_listed_in_little_memory() {
    let dir = scratch("rejections");
    let lines = 1_000_000;
    std::fs::write(dir.join("x.jsonl"), "x\n".repeat(lines)).unwrap();
    let (peak, code, stdout) = peak_memory(
        &dir,
        &[
            "eval",
            "--policy",
            POLICY,
            "--at",
            "2026-06-20T00:00:00Z",
            "--format",
            "jsonl",
            "x.jsonl",
        ],
    );
    assert_eq!(code, 3);
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let rejected = summary["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), lines);
    assert_eq!(rejected[0]["source"], "x.jsonl:1");
    assert_eq!(rejected[lines - 1]["source"], format!("x.jsonl:{lines}"));
    assert_eq!(summary["summary"]["rejected"], lines);
    // The output alone is about 100 MB, read by this test; the command held a few MB of it.
    assert!(peak < 120 << 20, "{} MB at the peak", peak >> 20);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Size limits hold while reading: a YAML case file that is a link to `/dev/zero`, and standard
/// input past the 8 MiB of a YAML or JSON source, are rejected after 8 MiB, not read until the
/// memory runs out; `fmt` refuses a policy file that is a device, unread. Before: the case file's
/// limit came from its metadata (0 bytes for a device), standard input was read whole before any
/// limit, and `fmt` had none.
#[cfg(unix)]
#[test]
fn size_limits_hold_while_reading() {
    let dir = scratch("limits");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.yaml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.policy")).unwrap();
    let ran = eval(&dir, "jsonl", &["zero.yaml"], None);
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("zero.yaml:1")
            && ran
                .stdout
                .contains("case file is too large (more than 8388608 bytes"),
        "{}",
        ran.stdout
    );
    let big = format!("# {}\nid: Y1\nevents: []\n", "x".repeat(9 << 20));
    let ran = eval(&dir, "jsonl", &["-"], Some(big.into_bytes()));
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("<stdin>:1") && ran.stdout.contains("more than 8388608 bytes"),
        "{}",
        ran.stdout
    );
    let fmt = covenant(&dir, &["fmt", "--check", "zero.policy"], None);
    assert_eq!(fmt.code, 2);
    assert!(
        fmt.stderr.contains("zero.policy") && fmt.stderr.contains("not a regular file"),
        "{}",
        fmt.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The names of the files `pid` has open in `dir` (removed or not).
#[cfg(target_os = "linux")]
fn open_files_in(pid: u32, dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    entries
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// A run past its memory budget writes its open cases to temporary files, which never take a
/// name in the folder and are gone however the command ends: at its end, on an error (a broken
/// pipe on standard output, a full disk), on Ctrl-C and on SIGTERM. The report is the one of a run in memory, and a
/// temporary folder that cannot be written is an error that says where.
#[cfg(target_os = "linux")]
#[test]
fn temporary_files_leave_nothing_behind_on_any_exit() {
    let dir = scratch("spill");
    let temp = dir.join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let events = generated(300, 6);
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();
    let temp_arg = temp.to_str().unwrap();
    let in_memory = eval(&dir, "jsonl", &["events.jsonl"], None);
    let spilled = eval(
        &dir,
        "jsonl",
        &["--memory", "4KiB", "--temp-dir", temp_arg, "events.jsonl"],
        None,
    );
    assert_eq!(spilled.stdout, in_memory.stdout);
    assert_eq!(spilled.code, in_memory.code, "{}", spilled.stderr);
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    // Ctrl-C (SIGINT), or SIGTERM, while standard input is still open: the files exist (open,
    // without a name), then nothing is left.
    for signal in ["-INT", "-TERM"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
            .args([
                "eval",
                "--policy",
                POLICY,
                "--memory",
                "4KiB",
                "--temp-dir",
                temp_arg,
            ])
            .args(["--stdin-format", "jsonl", "-"])
            .env("TMPDIR", &temp)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // More lines than a chunk (16,384): the open cases are looked at after each chunk.
        let more = generated(2_000, 7);
        assert!(more.lines().count() > 16_384);
        stdin.write_all(more.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let started = std::time::Instant::now();
        while open_files_in(child.id(), &temp) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no temporary file was made"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            std::fs::read_dir(&temp).unwrap().count(),
            0,
            "a temporary file has a name"
        );
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{signal}");
        drop(stdin);
        assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0, "{signal}");
    }
    // An error writing the report (a full disk) after the files were made.
    let full = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(&dir)
        .args([
            "eval",
            "--policy",
            POLICY,
            "--memory",
            "4KiB",
            "--temp-dir",
            temp_arg,
            "--format",
            "jsonl",
            "events.jsonl",
        ])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(
        full.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    // A broken pipe: the reader goes away after the first bytes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args([
            "eval",
            "--policy",
            POLICY,
            "--memory",
            "4KiB",
            "--temp-dir",
            temp_arg,
            "--format",
            "json",
        ])
        .arg(dir.join("events.jsonl"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let ended = child.wait_with_output().unwrap();
    assert_eq!(
        ended.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    // A temporary folder that is not there.
    let ran = eval(
        &dir,
        "jsonl",
        &["--memory", "1KiB", "--temp-dir", "missing", "events.jsonl"],
        None,
    );
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("cannot make a temporary file in `missing`"),
        "{}",
        ran.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
