//! Formatter tests: snapshots of messy fixtures, stability over every policy in the repository,
//! restoration of shuffled layouts, and a never-panic check on mutated input.

#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use covenant::fmt::{format_source, without_spans};
use covenant::syntax::{ast::FileId, parse};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The crate root.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Formats `text`, failing the test with the diagnostics when it cannot.
fn format(text: &str, what: &str) -> String {
    match format_source(FileId(0), text) {
        Ok(formatted) => formatted,
        Err(diagnostics) => panic!("cannot format {what}: {diagnostics:#?}"),
    }
}

/// The comments of `text`, as written, in order (a line-wise scan: strings never span lines).
fn comments(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| split_comment(line).1.map(|c| c.trim_end().to_string()))
        .collect()
}

/// A line split into its code and its comment (from `#`, outside strings).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in line.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, _, '"') => in_string = !in_string,
            (false, _, '#') => return (&line[..offset], Some(&line[offset..])),
            _ => {}
        }
    }
    (line, None)
}

/// Every `*.policy` file under `folder`, recursively, sorted.
fn policy_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return files;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files.extend(policy_files(&path));
        } else if path.extension().is_some_and(|e| e == "policy") {
            files.push(path);
        }
    }
    files
}

/// The policies of the repository and the parser's and formatter's fixtures, with their text.
fn corpus() -> Vec<(String, String)> {
    let root = Path::new(ROOT);
    let mut files = policy_files(&root.join("policies"));
    files.extend(policy_files(&root.join("tests/fixtures/parse_ok")));
    files.extend(policy_files(&root.join("tests/fixtures/fmt")));
    let corpus: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            (name, std::fs::read_to_string(path).unwrap())
        })
        .collect();
    assert!(corpus.len() >= 6, "the corpus is missing files: {corpus:?}");
    corpus
}

#[test]
fn fmt_fixtures() {
    insta::glob!(ROOT, "tests/fixtures/fmt/*.policy", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let formatted = format(&text, &path.display().to_string());
        assert_eq!(comments(&formatted), comments(&text), "comments changed");
        insta::assert_snapshot!(formatted);
    });
}

#[test]
fn formatting_is_stable_and_keeps_the_ast() {
    for (name, text) in corpus() {
        let once = format(&text, &name);
        let twice = format(&once, &name);
        assert_eq!(once, twice, "formatting {name} twice changes it");
        let before = parse(FileId(0), &text).unwrap();
        let after = parse(FileId(0), &once).unwrap();
        assert_eq!(without_spans(&before), without_spans(&after), "{name}");
        assert_eq!(comments(&once), comments(&text), "comments of {name}");
    }
}

#[test]
fn repository_policies_are_in_canonical_layout() {
    let root = Path::new(ROOT);
    let files = policy_files(&root.join("policies"));
    assert!(!files.is_empty(), "no policies under policies/");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        assert!(
            format(&text, &name) == text,
            "`{name}` is not in canonical layout: run `cargo run -- fmt policies/`"
        );
    }
}

#[test]
fn broken_files_are_reported_not_formatted() {
    let errors = format_source(FileId(0), "promise p { from opened until }").unwrap_err();
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|d| d.code.as_str().starts_with("E01")),
        "{errors:#?}"
    );
}

#[test]
fn windows_line_breaks_and_byte_order_mark_become_plain_lines() {
    let text = "\u{FEFF}ranks a < b # c\r\n\r\n\r\nterm x = 5m\r# d\r\nterm y = 1h\r\n";
    let expected = "ranks a < b  # c\n\nterm x = 5m  # d\nterm y = 1h\n";
    assert_eq!(format(text, "a file with CRLF"), expected);
}

/// A small deterministic random source (xorshift64*), so failures can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn blanks(&mut self, max: usize) -> String {
        (0..self.below(max + 1))
            .map(|_| if self.chance(4) { '\t' } else { ' ' })
            .collect()
    }
}

/// The code part of a line with whitespace shuffled outside strings: each space becomes 1-3 blanks,
/// and blanks appear around `,`, `[`, `]`, `(`, `)` and `..`.
fn shuffle_code(code: &str, dice: &mut Dice) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            ' ' => {
                out.push(' ');
                out.push_str(&dice.blanks(2));
            }
            ',' | '[' | ']' | '(' | ')' => {
                out.push_str(&dice.blanks(2));
                out.push(c);
                out.push_str(&dice.blanks(2));
            }
            '.' if chars.peek() == Some(&'.') => {
                chars.next();
                out.push_str(&dice.blanks(2));
                out.push_str("..");
                out.push_str(&dice.blanks(2));
            }
            _ => out.push(c),
        }
    }
    out
}

/// `canonical` with its layout shuffled in ways that formatting must undo: indentation, spaces between
/// tokens and before comments, statements joined onto one line, extra blank lines where one already is
/// or where none may be.
fn shuffle(canonical: &str, dice: &mut Dice) -> String {
    let mut out = dice.blanks(1).replace(' ', "\n");
    let lines: Vec<&str> = canonical.lines().collect();
    let mut joined = false;
    for (index, line) in lines.iter().enumerate() {
        let (code, comment) = split_comment(line.trim_start());
        let code_only = !code.trim().is_empty() && comment.is_none();
        if line.trim().is_empty() {
            for _ in 0..=dice.below(3) {
                out.push_str(&dice.blanks(3));
                out.push('\n');
            }
            continue;
        }
        if !joined {
            out.push_str(&dice.blanks(6));
        }
        out.push_str(&shuffle_code(code, dice));
        if let Some(comment) = comment {
            if !code.is_empty() {
                out.push_str(&dice.blanks(4));
            }
            out.push_str(comment);
        }
        let next = lines.get(index + 1).map(|l| l.trim()).unwrap_or("");
        let next_is_code = !next.is_empty() && !next.starts_with('#');
        joined = code_only && next_is_code && dice.chance(3);
        if joined {
            out.push(' ');
            out.push_str(&dice.blanks(2));
            continue;
        }
        out.push_str(&dice.blanks(2));
        out.push('\n');
        let opens = code.trim_end().ends_with('{');
        let closes_next = next.starts_with('}');
        if (opens || closes_next) && dice.chance(2) {
            out.push_str(&dice.blanks(2));
            out.push('\n');
        }
    }
    for _ in 0..dice.below(3) {
        out.push('\n');
    }
    out
}

#[test]
fn shuffled_layout_is_restored() {
    for (name, text) in corpus() {
        let canonical = format(&text, &name);
        for round in 0..25u64 {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ ((round + 1) * 7919));
            let shuffled = shuffle(&canonical, &mut dice);
            let restored = format(&shuffled, &format!("{name} shuffled (round {round})"));
            assert_eq!(
                restored, canonical,
                "{name}, round {round}: shuffled text was\n{shuffled}"
            );
            assert_eq!(
                comments(&restored),
                comments(&text),
                "{name}, round {round}"
            );
        }
    }
}

/// The offsets of the spaces of `text` that separate tokens (outside strings and comments).
fn token_gaps(text: &str) -> Vec<usize> {
    let mut gaps = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let (code, _) = split_comment(line);
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in code.char_indices() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, _, '"') => in_string = !in_string,
                (false, _, ' ') => gaps.push(offset + i),
                _ => {}
            }
        }
        offset += line.len();
    }
    gaps
}

#[test]
fn comments_between_any_tokens_are_kept_and_settle() {
    for (name, text) in corpus() {
        let canonical = format(&text, &name);
        let gaps = token_gaps(&canonical);
        let mut dice = Dice(0x5DEE_CE66_D1CE_4E5B ^ canonical.len() as u64);
        for round in 0..8 {
            let mut commented = canonical.clone();
            let mut chosen: Vec<usize> = (0..3).map(|_| gaps[dice.below(gaps.len())]).collect();
            chosen.sort_unstable();
            chosen.dedup();
            for (n, at) in chosen.iter().enumerate().rev() {
                commented.insert_str(*at, &format!(" # note {n}\n"));
            }
            let what = format!("{name} with comments (round {round}):\n{commented}");
            let once = format(&commented, &what);
            assert_eq!(format(&once, &what), once, "{what}");
            assert_eq!(comments(&once), comments(&commented), "{what}");
        }
    }
}

/// Small pieces of policy text that make interesting mutations.
const PIECES: &[&str] = &[
    "#",
    "\"",
    "{",
    "}",
    "\n",
    " ",
    "(",
    ")",
    ",",
    "and ",
    "not ",
    "or",
    "x",
    "1",
    "h",
    "立",
    "\\",
    ":",
    "-",
    "..",
    "%",
    "\t",
    "within 5m ",
    "target ",
    "step s { ",
    "# c\n",
    "==",
    "[",
    "]",
    "\r\n",
];

/// One change to a text: insert a piece, delete a range, or duplicate a range.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    // Blanks, line breaks and comments keep more inputs parseable.
    let trivia = vec![4usize, 5, 25, 21, 29];
    prop_oneof![
        3 => (any::<usize>(), prop::sample::select(trivia)).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        2 => (any::<usize>(), 0..PIECES.len()).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        1 => (any::<usize>(), 1usize..20).prop_map(|(at, len)| Edit::Delete(at, len)),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Duplicate(at, len)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match *edit {
            Edit::Insert(at, piece) => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, PIECES[piece].chars());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            Edit::Duplicate(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                let copy: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(end..end, copy);
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fmt_never_panics_on_mutated_input(
        which in any::<usize>(),
        edits in prop::collection::vec(edit_strategy(), 1..6),
    ) {
        let corpus = corpus();
        let (_, base) = &corpus[which % corpus.len()];
        let text = apply(base, &edits);
        match format_source(FileId(0), &text) {
            Ok(formatted) => {
                let again = format_source(FileId(0), &formatted);
                prop_assert_eq!(again.as_ref(), Ok(&formatted));
                prop_assert_eq!(comments(&formatted), comments(&text));
            }
            Err(diagnostics) => {
                prop_assert!(!diagnostics.is_empty());
                prop_assert!(
                    diagnostics.iter().all(|d| d.code.as_str() != "E0901"),
                    "the formatter failed on parseable text:\n{}\n{:#?}", text, diagnostics
                );
            }
        }
    }
}

/// Runs the `covenant` binary in `folder`.
fn covenant_in(folder: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fresh folder for one CLI test, with `files` written into it.
fn scratch_folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&folder);
    for (path, text) in files {
        let path = folder.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    folder
}

#[test]
fn cli_check_lists_changes_then_fmt_rewrites_only_those() {
    let messy = "ranks a<b\nterm x = 05m   # soon\n";
    let canonical = "ranks a < b\nterm x = 5m  # soon\n";
    let folder = scratch_folder(
        "fmt_cli_rewrite",
        &[
            ("policies/messy.policy", messy),
            ("policies/deep/canonical.policy", canonical),
            ("policies/notes.txt", "not a policy {"),
        ],
    );
    let read = |path: &str| std::fs::read_to_string(folder.join(path)).unwrap();

    let (code, stdout, stderr) = covenant_in(&folder, &["fmt", "--check"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    insta::assert_snapshot!(stdout, @r"
    would reformat policies/messy.policy
      line 1:
      - ranks a<b
      - term x = 05m   # soon
      + ranks a < b
      + term x = 5m  # soon
    1 file would be reformatted, 1 already formatted
    ");
    assert_eq!(read("policies/messy.policy"), messy, "--check wrote a file");

    let (code, stdout, stderr) = covenant_in(&folder, &["fmt"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "formatted policies/messy.policy\n1 file reformatted, 1 already formatted\n"
    );
    assert_eq!(read("policies/messy.policy"), canonical);
    assert_eq!(read("policies/deep/canonical.policy"), canonical);
    assert_eq!(read("policies/notes.txt"), "not a policy {");

    let (code, stdout, _) = covenant_in(&folder, &["fmt", "--check", "policies"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn cli_reports_broken_files_and_formats_the_others() {
    let broken = "promise p { from }\n";
    let folder = scratch_folder(
        "fmt_cli_broken",
        &[("broken.policy", broken), ("fine.policy", "ranks a<b\n")],
    );
    let (code, stdout, _) = covenant_in(&folder, &["fmt", "broken.policy", "fine.policy"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("error[E0101]"), "{stdout}");
    assert!(stdout.contains("broken.policy:1:18"), "{stdout}");
    assert!(
        stdout.ends_with("1 file reformatted, 0 already formatted, 1 with syntax errors\n"),
        "{stdout}"
    );
    let read = |path: &str| std::fs::read_to_string(folder.join(path)).unwrap();
    assert_eq!(read("broken.policy"), broken);
    assert_eq!(read("fine.policy"), "ranks a < b\n");
}

#[test]
fn cli_cannot_run_without_policies() {
    let folder = scratch_folder("fmt_cli_missing", &[("empty/readme.txt", "")]);
    let (code, _, stderr) = covenant_in(&folder, &["fmt", "missing.policy"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read `missing.policy`"), "{stderr}");
    let (code, _, stderr) = covenant_in(&folder, &["fmt", "--check", "empty"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no `.policy` files in `empty`"), "{stderr}");
}
