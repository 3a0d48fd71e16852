//! Checker tests: one broken policy per problem (rendered diagnostic snapshots), a file with several
//! problems, valid policies, every output format over one shared fixture, CLI exit codes, and a
//! never-panic loop over mutated policy text.

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use covenant::check::{check_file, check_text, Role, SourceProvider};
use covenant::cli::check::{check_paths, check_paths_in, exit_for, render, Format, Outcome};
use covenant::cli::emit::{self, Located};
use covenant::diag::{Code, Severity};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the fixture folders are.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The fixture's path relative to the crate root (the working directory of tests), so rendered
/// paths do not depend on the checkout.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Checks one file as a policy and renders its diagnostics as humans see them, without colors.
fn rendered(path: &Path, role: Role) -> (String, usize) {
    let checked = check_file(&relative(path), role);
    let mut located: Vec<Located> = checked
        .diagnostics
        .iter()
        .map(|d| Located::new(d, &checked.sources))
        .collect();
    emit::sort_and_dedup(&mut located);
    (emit::human::render(&located, false), located.len())
}

#[test]
fn check_err_single_problem() {
    let not_one = std::cell::RefCell::new(Vec::new());
    let each = |path: &Path| {
        let (text, count) = rendered(path, Role::Policy);
        if count != 1 {
            not_one.borrow_mut().push(text.clone());
        }
        insta::assert_snapshot!(text);
    };
    insta::glob!(FIXTURES, "check_err/*.policy", |path| each(path));
    insta::glob!(FIXTURES, "check_err/imports/*/main.policy", |path| each(
        path
    ));
    let not_one = not_one.into_inner();
    assert!(
        not_one.is_empty(),
        "expected exactly one diagnostic each:\n{}",
        not_one.join("\n")
    );
}

#[test]
fn several_problems_are_all_reported() {
    insta::glob!(FIXTURES, "check_many/*.policy", |path| {
        let (text, count) = rendered(path, Role::Policy);
        assert!(count > 1, "expected several diagnostics:\n{text}");
        insta::assert_snapshot!(text);
    });
}

#[test]
fn valid_policies_have_no_diagnostics() {
    let each = |path: &Path| {
        let (text, count) = rendered(path, Role::Auto);
        assert_eq!(count, 0, "expected no diagnostics:\n{text}");
    };
    insta::glob!(FIXTURES, "check_ok/*.policy", |path| each(path));
    insta::glob!(FIXTURES, "check_ok/*/main.policy", |path| each(path));
}

#[test]
fn library_file_needs_a_header_to_be_a_policy() {
    let path = Path::new(FIXTURES).join("check_ok/library.policy");
    let checked = check_file(&relative(&path), Role::Auto);
    assert!(checked.diagnostics.is_empty());
    assert!(checked.policy.is_none(), "a library file builds no policy");
    let checked = check_file(&relative(&path), Role::Policy);
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(codes.contains(&"E0210"), "{codes:?}");
}

#[test]
fn a_library_with_rules_that_nothing_imports_cannot_be_evaluated() {
    let folder = Path::new(FIXTURES).join("check_library");
    let library = relative(&folder.join("replies.policy"));
    let policy = relative(&folder.join("main.policy"));

    let alone = check_paths(std::slice::from_ref(&library));
    let codes: Vec<&str> = alone.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["W0106"]);
    assert_eq!(exit_for(&alone, false).code(), 0);
    assert_eq!(exit_for(&alone, true).code(), 1);
    insta::assert_snapshot!(emit::human::render(&alone.diagnostics, false));

    // Checked together with the policy that imports it, in either order, it is a library.
    for files in [
        [policy.clone(), library.clone()],
        [library.clone(), policy.clone()],
    ] {
        let together = check_paths(&files);
        assert!(
            together.diagnostics.is_empty(),
            "{:?}",
            together.diagnostics
        );
    }
    // The warning is for the file checked on its own; checking the library as a policy is E0210.
    let checked = check_file(&library, Role::Auto);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    assert!(checked.unevaluable.is_some());
    let checked = check_file(&policy, Role::Policy);
    assert!(checked.unevaluable.is_none() && checked.diagnostics.is_empty());
}

/// The examples of docs/language.md, put together into one policy, check without a diagnostic: an
/// example that is valid alone may still clash with the others (a calendar `like` another that
/// repeats its hours). Left out: the `use` example (its file is not there), an example that declares
/// a name again (the last one is kept), and the objectives, which measure promises the page does not
/// declare.
#[test]
fn documented_examples_check_together() {
    use covenant::syntax::ast::Item;
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```policy\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut kept = Vec::new();
    for block in blocks.iter().rev() {
        let file = covenant::syntax::parse(covenant::syntax::ast::FileId(0), block).unwrap();
        let names: Vec<String> = file
            .items
            .iter()
            .map(|item| {
                let value = serde_json::to_value(item).unwrap();
                format!("{} {}", value["item"], value["name"]["name"])
            })
            .collect();
        let skip = file
            .items
            .iter()
            .any(|i| matches!(i, Item::Use(_) | Item::Objective(_)))
            || names.iter().any(|n| seen.contains(n));
        if !skip {
            seen.extend(names);
            kept.push(*block);
        }
    }
    kept.reverse();
    assert!(kept.len() >= 8, "only {} examples kept", kept.len());
    let text = kept.concat();
    let checked = check_text("language.md", &text, Role::Policy);
    let rendered: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.render_plain(&checked.sources))
        .collect();
    assert!(rendered.is_empty(), "{}\n{text}", rendered.join("\n"));
    assert!(checked.policy.is_some());
}

#[test]
fn a_file_imported_twice_is_loaded_once() {
    let path = Path::new(FIXTURES).join("check_ok/diamond/main.policy");
    let checked = check_file(&relative(&path), Role::Policy);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let paths: Vec<String> = checked
        .sources
        .files()
        .map(|(_, f)| f.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "tests/fixtures/check_ok/diamond/main.policy",
            "tests/fixtures/check_ok/diamond/left.policy",
            "tests/fixtures/check_ok/diamond/shared/office.policy",
            "tests/fixtures/check_ok/diamond/right.policy",
        ]
    );
}

/// GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The text under the heading whose anchor is `wanted` in a Markdown file, up to the next
/// heading of the same or a higher level (`None` when no heading has that anchor).
fn section<'t>(text: &'t str, wanted: &str) -> Option<&'t str> {
    let mut in_fence = false;
    let mut start: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        if !in_fence && level > 0 && line[level..].starts_with(' ') {
            if let Some((from, open)) = start {
                if level <= open {
                    return Some(&text[from..offset]);
                }
            } else if anchor(&line[level..]) == wanted {
                start = Some((offset, level));
            }
        }
        offset += line.len();
    }
    start.map(|(from, _)| &text[from..])
}

/// Every code of the table is explained where its link points, under a heading with that
/// anchor that names the code and its title; every code the docs name is in the table.
#[test]
fn the_table_of_codes_and_the_docs_agree() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for code in Code::ALL {
        let (file, wanted) = code.doc().split_once('#').unwrap();
        let text = std::fs::read_to_string(docs.join(file)).unwrap();
        let under = section(&text, wanted)
            .unwrap_or_else(|| panic!("{code}: no heading `#{wanted}` in docs/{file}"));
        assert!(
            under.contains(&format!("`{code}`")) || under.contains(&format!("## {code}:")),
            "{code} is not named under docs/{file}#{wanted}"
        );
        assert!(
            under.contains(code.title()),
            "{code}: the title `{}` is not under docs/{file}#{wanted}",
            code.title()
        );
    }
    let mut named = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&docs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (at, _) in text.match_indices(['E', 'W']) {
            let word = text.get(at..at + 5).unwrap_or_default();
            let digits = word
                .get(1..)
                .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
            let alone = !text[..at].ends_with(|c: char| c.is_alphanumeric())
                && !text[at + 5.min(text.len() - at)..].starts_with(|c: char| c.is_alphanumeric());
            if word.len() == 5 && word.as_bytes()[1] == b'0' && digits && alone {
                named.insert(word.to_owned());
            }
        }
    }
    for word in &named {
        assert!(
            Code::from_text(word).is_some(),
            "the docs name `{word}`, which is not a code"
        );
    }
    assert!(named.len() >= Code::ALL.len(), "{named:?}");
}

/// The shared fixture for the output formats: errors and a warning across two files.
fn formats_outcome() -> Outcome {
    let folder = Path::new(FIXTURES).join("check_formats");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| relative(&e.unwrap().path()))
        .collect();
    files.sort();
    check_paths(&files)
}

#[test]
fn format_human() {
    insta::assert_snapshot!(render(&formats_outcome(), Format::Human, false));
}

#[test]
fn format_json() {
    let text = render(&formats_outcome(), Format::Json, false);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(value.as_array().is_some_and(|a| !a.is_empty()));
    insta::assert_snapshot!(text);
}

#[test]
fn format_github() {
    insta::assert_snapshot!(render(&formats_outcome(), Format::Github, false));
}

#[test]
fn format_sarif() {
    let text = render(&formats_outcome(), Format::Sarif, false);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!(value, {".runs[0].tool.driver.version" => "[VERSION]"});
}

#[test]
fn sarif_rules_of_syntax_codes_read_the_same_in_every_run() {
    let description = |fixture: &str| {
        let path = Path::new(FIXTURES).join("parse_err").join(fixture);
        let text = render(&check_paths(&[relative(&path)]), Format::Sarif, false);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rules = value["runs"][0]["tool"]["driver"]["rules"].clone();
        let rule = rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "E0101")
            .cloned()
            .unwrap();
        let first_message = value["runs"][0]["results"][0]["message"]["text"].clone();
        (rule["shortDescription"]["text"].clone(), first_message)
    };
    let (one, one_message) = description("several_errors.policy");
    let (other, other_message) = description("stray_character.policy");
    assert_ne!(one_message, other_message);
    assert_eq!(one, other);
    assert_eq!(
        one.as_str(),
        Some(Code::Unexpected.title()),
        "{one_message}"
    );
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let path = Path::new(FIXTURES).join("check_err/w0101_unreachable_target.policy");
    let outcome = check_paths(&[relative(&path)]);
    assert!(outcome
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
    assert_eq!(exit_for(&outcome, false).code(), 0);
    assert_eq!(exit_for(&outcome, true).code(), 1);
}

fn covenant(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes() {
    let (code, stdout, _) = covenant(&["check", "tests/fixtures/check_ok/library.policy"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.ends_with("checked 1 file: 0 errors, 0 warnings\n"),
        "{stdout}"
    );

    let (code, stdout, _) = covenant(&["check", "tests/fixtures/check_err/e0301_hour_25.policy"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("tests/fixtures/check_err/e0301_hour_25.policy:6:22"),
        "{stdout}"
    );

    let warning = "tests/fixtures/check_err/w0101_unreachable_target.policy";
    assert_eq!(covenant(&["check", warning]).0, 0);
    assert_eq!(covenant(&["check", "--deny-warnings", warning]).0, 1);

    let (code, _, stderr) = covenant(&["check", "tests/fixtures/no_such_folder"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no_such_folder"), "{stderr}");
    assert_eq!(covenant(&["check", "--format", "xml", warning]).0, 2);

    let (code, stdout, _) = covenant(&["check", "--format", "json", "tests/fixtures/check_err"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(value.as_array().unwrap().len() > 40);
}

/// Files in memory, some of which exist but refuse to be read, as a file without read permission
/// does (which a test running as root cannot make).
struct Locked {
    files: covenant::check::InMemory,
    locked: &'static [&'static str],
}

impl SourceProvider for Locked {
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        self.files.canonical(path)
    }
    fn read(&self, path: &Path) -> std::io::Result<String> {
        if self.locked.iter().any(|l| Path::new(l) == path) {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        self.files.read(path)
    }
}

#[test]
fn an_unreadable_file_to_check_means_the_command_could_not_run() {
    let provider = Locked {
        files: covenant::check::InMemory::new()
            .with("locked.policy", "calendar always { open 24x7 }\n")
            .with("fine.policy", "calendar always { open 24x7 }\n")
            .with("main.policy", "use \"locked.policy\"\n"),
        locked: &["locked.policy"],
    };
    let outcome = check_paths_in(
        &[PathBuf::from("fine.policy"), PathBuf::from("locked.policy")],
        &provider,
    );
    assert_eq!(exit_for(&outcome, false).code(), 2);
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    assert_eq!(outcome.files, 1);
    assert_eq!(outcome.unreadable.len(), 1);
    assert!(
        outcome.unreadable[0].contains("cannot read `locked.policy`"),
        "{:?}",
        outcome.unreadable
    );

    // Imported, the same file is a problem of the policy that imports it.
    let outcome = check_paths_in(&[PathBuf::from("main.policy")], &provider);
    assert_eq!(exit_for(&outcome, false).code(), 1);
    assert!(outcome.unreadable.is_empty());
    let codes: Vec<&str> = outcome
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0201"]);
}

#[test]
fn cli_exits_2_for_a_policy_file_it_cannot_read() {
    let folder = std::env::temp_dir().join(format!("covenant-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    // Not UTF-8: a file covenant cannot read as policy text, even as root.
    let binary = folder.join("binary.policy");
    std::fs::write(&binary, [0xff, 0xfe, b'p', 0x00]).unwrap();
    let importer = folder.join("main.policy");
    std::fs::write(&importer, "use \"binary.policy\"\n").unwrap();
    let (binary, importer) = (binary.display().to_string(), importer.display().to_string());

    let (code, stdout, stderr) = covenant(&["check", &binary]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("binary.policy"), "{stderr}");
    assert!(
        stdout.ends_with("checked 0 files: 0 errors, 0 warnings\n"),
        "{stdout}"
    );

    let (code, stdout, _) = covenant(&["check", &importer]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("E0201"), "{stdout}");

    // Without read permission (only meaningful when not running as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = folder.join("locked.policy");
        std::fs::write(&locked, "calendar always { open 24x7 }\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_err() {
            let (code, _, stderr) = covenant(&["check", &locked.display().to_string()]);
            assert_eq!(code, 2, "{stderr}");
        }
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

/// Small, deterministic pseudo-random generator, so the loop needs no seed handling.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

#[test]
fn mutated_policies_never_panic() {
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(Path::new(FIXTURES).join("check_err")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "policy") {
            seeds.push(std::fs::read_to_string(path).unwrap());
        }
    }
    let tokens = [
        "24:00",
        "00:00",
        "99:99",
        "0m",
        "99999999999d",
        "0%",
        "1000%",
        "like",
        "after",
        "on",
        "{",
        "}",
        "2026-02-30",
        "9999-12-31",
        "0000-01-01",
        "\"Mars/Olympus\"",
        "0 workdays",
        "next workday",
        "sun-mon",
        "open 24x7",
        "target within 1h",
        "step x { do y }",
        "use \"x.policy\"",
        "rank above current",
        "当日",
        "\u{0}",
        "",
    ];
    let mut random = Lcg(7);
    for round in 0..3000 {
        let seed = &seeds[round % seeds.len()];
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..1 + random.next(4) {
            let at = random.next(chars.len() + 1);
            match random.next(3) {
                0 => {
                    let token = tokens[random.next(tokens.len())];
                    chars.splice(at..at, format!(" {token} ").chars());
                }
                1 if at < chars.len() => {
                    let end = (at + 1 + random.next(12)).min(chars.len());
                    chars.drain(at..end);
                }
                _ => {
                    let from = random.next(chars.len());
                    let end = (from + random.next(20)).min(chars.len());
                    let piece: Vec<char> = chars[from..end].to_vec();
                    chars.splice(at.min(chars.len())..at.min(chars.len()), piece);
                }
            }
        }
        let text: String = chars.into_iter().collect();
        let checked = check_text("mutated.policy", &text, Role::Auto);
        for diagnostic in &checked.diagnostics {
            let _ = diagnostic.render_plain(&checked.sources);
        }
    }
}

#[test]
fn a_valid_policy_is_built_with_every_field() {
    let text = r#"
policy "Complaints" {
  version 3
  owner "quality@example.com"
  timezone "Asia/Shanghai"
}
calendar office {
  open mon-fri 09:00-18:00
}
calendar weekend_desk like office {
  timezone "Europe/Paris"
  open sat 09:00-12:00
}
ranks agent < supervisor < manager
venues public: counter
venues private: reception_room
term 立即 = 5m
term 您稍等 = vague
promise reply {
  from opened until responded
  target within 2h on office
}
commitments {
  require time
  keep
}
escalation chain {
  trigger on breach of reply
  step tell { notify manager within 30m }
}
escalation move {
  trigger on upset
  step room { change venue to private }
}
"#;
    let policy = covenant::check::Policy::parse(text).unwrap();
    assert_eq!(policy.name(), "Complaints");
    assert_eq!(policy.version(), Some(3));
    assert_eq!(policy.owner(), Some("quality@example.com"));
    assert_eq!(policy.timezone(), Some(chrono_tz::Asia::Shanghai));
    assert_eq!(
        policy.calendar_names().collect::<Vec<_>>(),
        ["office", "weekend_desk"]
    );
    let zone = |name: &str| policy.calendar(name).unwrap().tz();
    assert_eq!(zone("office"), chrono_tz::Asia::Shanghai);
    assert_eq!(zone("weekend_desk"), chrono_tz::Europe::Paris);
    assert!(policy.calendar("home").is_none());
    assert_eq!(policy.ranks(), ["agent", "supervisor", "manager"]);
    assert_eq!(policy.promise_names().collect::<Vec<_>>(), ["reply"]);
    assert_eq!(policy.standard_names().count(), 0);
    assert!(policy.has_commitments());
    assert_eq!(
        policy.escalation_names().collect::<Vec<_>>(),
        ["chain", "move"]
    );
    assert_eq!(policy.step_names("chain").collect::<Vec<_>>(), ["tell"]);
    assert_eq!(policy.step_names("nothing").count(), 0);
    assert!(policy.warnings().is_empty());
    // The venues and terms, as evaluation reads them: `reception_room` is private, `立即` is five
    // minutes, `您稍等` gives no time.
    let case = covenant::Case::from_yaml_str(
        r#"
id: C
events:
  - {at: 2026-06-22T10:00:00+08:00, type: opened, venue: counter}
  - {at: 2026-06-22T10:01:00+08:00, type: upset}
  - {at: 2026-06-22T10:02:00+08:00, type: moved, venue: reception_room}
  - {at: 2026-06-22T10:03:00+08:00, type: promised, id: P1, within: 立即}
  - {at: 2026-06-22T10:04:00+08:00, type: promised, id: P2, within: 您稍等}
"#,
    )
    .unwrap();
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-06-22T10:05:00+08:00")
        .unwrap()
        .to_utc();
    let report = policy.evaluate(&case, as_of);
    let moved = &report.escalations[0];
    assert_eq!(
        (moved.escalation.as_str(), moved.steps[0].state),
        ("move", covenant::report::StepState::Done)
    );
    let due: Vec<String> = report
        .commitments
        .iter()
        .map(|c| format!("{} {:?} {}", c.commitment, c.state, c.detail))
        .collect();
    assert_eq!(
        due,
        [
            "P1 Open `立即` read as 5m of elapsed time",
            "P2 Vague `您稍等` is a vague term"
        ]
    );
}

#[test]
fn in_memory_sources_follow_use() {
    let files = covenant::check::InMemory::new()
        .with(
            "p/main.policy",
            "policy \"P\" { timezone \"UTC\" }\nuse \"lib/cal.policy\"\n",
        )
        .with(
            "p/lib/cal.policy",
            "calendar office { open mon-fri 09:00-17:00 }\n",
        );
    let checked = covenant::check::check_sources(Path::new("p/main.policy"), &files, Role::Policy);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    let policy = checked.policy.unwrap();
    assert_eq!(policy.calendar("office").unwrap().tz(), chrono_tz::UTC);
}

#[test]
fn derived_calendar_inherits_and_extends_its_base() {
    let text = "policy \"P\" { timezone \"Asia/Shanghai\" }\n\
        calendar office { open mon-fri 09:00-18:00 }\n\
        calendar holiday_office like office { closed 2026-10-01..2026-10-08 }\n";
    let policy = covenant::check::Policy::parse(text).unwrap();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let (base, derived) = (
        policy.calendar("office").unwrap(),
        policy.calendar("holiday_office").unwrap(),
    );
    assert!(base.is_open(at("2026-10-09T10:00:00+08:00")));
    assert!(derived.is_open(at("2026-10-09T10:00:00+08:00")));
    assert!(base.is_open(at("2026-10-02T10:00:00+08:00")));
    assert!(!derived.is_open(at("2026-10-02T10:00:00+08:00")));
}

#[test]
fn the_root_header_names_the_policy_and_each_header_zones_its_file() {
    let path = Path::new(FIXTURES).join("check_ok/imported_header/main.policy");
    let policy = covenant::check::load(&relative(&path)).unwrap();
    assert_eq!(policy.name(), "Fixture");
    assert_eq!(policy.version(), None);
    assert_eq!(policy.timezone(), Some(chrono_tz::Asia::Shanghai));
    let zone = |name: &str| policy.calendar(name).unwrap().tz();
    assert_eq!(zone("office"), chrono_tz::Asia::Shanghai);
    assert_eq!(zone("paris_office"), chrono_tz::Europe::Paris);
    assert_eq!(zone("paris_saturdays"), chrono_tz::Europe::Paris);
}

#[test]
fn human_colors_only_when_asked() {
    let outcome = formats_outcome();
    assert!(render(&outcome, Format::Human, true).contains("\x1b[1;31merror"));
    assert!(!render(&outcome, Format::Human, false).contains('\x1b'));
}
