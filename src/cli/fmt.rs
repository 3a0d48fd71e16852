//! `covenant fmt [--check] [PATH...]`: rewrites policy files in the canonical layout, or lists those that
//! are not in it.
//!
//! Folders are searched recursively for `*.policy`. A file is written only when
//! its layout changes; a file that does not parse is reported, never written.
//! Nothing is written outside the paths given: a file found in a folder through a
//! symbolic link that leads out of it is neither read nor written, and a special
//! file (a named pipe, a device) is refused without being opened.

use super::check::policy_targets;
use super::emit::{self, Located};
use super::Exit;
use crate::diag::SourceMap;
use crate::terminal::Escaped;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `covenant fmt`.
#[derive(Debug, Clone, Args)]
pub struct FmtArgs {
    /// Policy files or folders (searched recursively for `*.policy`).
    #[arg(default_value = "policies/")]
    pub paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, with their first changed lines, and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

/// What formatting some files did or would do.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files whose layout was (or, with `--check`, would be) changed.
    pub changed: Vec<PathBuf>,
    /// Files already in canonical layout.
    pub unchanged: usize,
    /// Files that do not parse.
    pub broken: usize,
    /// Syntax errors of the files that do not parse.
    pub diagnostics: Vec<Located>,
    /// Files that could not be read or written, with the reason (control characters escaped).
    pub io_errors: Vec<String>,
    /// The report to print: changed files (with a short diff under `--check`), then diagnostics.
    pub report: String,
}

/// Runs `covenant fmt`, printing the report to stdout (and path errors to stderr).
pub fn run(args: &FmtArgs) -> Exit {
    let found = match policy_targets(&args.paths) {
        Ok(found) => found,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let files: Vec<PathBuf> = found.targets.into_iter().map(|t| t.path).collect();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut outcome = format_files(&files, args.check, color);
    outcome.io_errors.extend(found.refused);
    for error in &outcome.io_errors {
        // Built with the paths escaped.
        eprintln!("error: {error}");
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(outcome.report.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return Exit::Unusable;
    }
    exit_for(&outcome, args.check)
}

/// Formats `files` (or, with `check`, only compares them with their canonical layout).
pub fn format_files(files: &[PathBuf], check: bool, color: bool) -> Outcome {
    let mut outcome = Outcome::default();
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in files {
        // A regular file only, read up to the size limit of a policy file (a device or a named
        // pipe is refused unopened).
        let text =
            match crate::check::load::SourceProvider::read(&crate::check::load::FileSystem, path) {
                Ok(text) => text,
                Err(e) => {
                    outcome.io_errors.push(format!(
                        "cannot read `{}`: {e}",
                        Escaped(&path.display().to_string())
                    ));
                    continue;
                }
            };
        let id = sources.add(path.clone(), text.clone());
        let formatted = match crate::fmt::format_source(id, &text) {
            Ok(formatted) => formatted,
            Err(errors) => {
                outcome.broken += 1;
                diagnostics.extend(errors);
                continue;
            }
        };
        if formatted == text {
            outcome.unchanged += 1;
            continue;
        }
        if check {
            outcome.report.push_str(&format!(
                "would reformat {}\n",
                Escaped(&path.display().to_string())
            ));
            outcome.report.push_str(&first_changes(&text, &formatted));
        } else if let Err(e) = std::fs::write(path, &formatted) {
            outcome.io_errors.push(format!(
                "cannot write `{}`: {e}",
                Escaped(&path.display().to_string())
            ));
            continue;
        } else {
            outcome.report.push_str(&format!(
                "formatted {}\n",
                Escaped(&path.display().to_string())
            ));
        }
        outcome.changed.push(path.clone());
    }
    outcome.diagnostics = diagnostics
        .iter()
        .map(|d| Located::new(d, &sources))
        .collect();
    emit::sort_and_dedup(&mut outcome.diagnostics);
    if !outcome.diagnostics.is_empty() {
        outcome
            .report
            .push_str(&emit::human::render(&outcome.diagnostics, color));
    }
    outcome.report.push_str(&summary(&outcome, check));
    outcome
}

/// The exit code: 2 when a file could not be read or written, 1 for syntax errors or (with `check`)
/// files that would change, 0 otherwise.
pub fn exit_for(outcome: &Outcome, check: bool) -> Exit {
    if !outcome.io_errors.is_empty() {
        Exit::Unusable
    } else if outcome.broken > 0 || (check && !outcome.changed.is_empty()) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// The last line of the report: how many files changed, were already formatted, or do not parse.
fn summary(outcome: &Outcome, check: bool) -> String {
    let changed = outcome.changed.len();
    let mut parts = vec![
        if check {
            format!("{} would be reformatted", plural(changed, "file"))
        } else {
            format!("{} reformatted", plural(changed, "file"))
        },
        format!("{} already formatted", outcome.unchanged),
    ];
    if outcome.broken > 0 {
        parts.push(format!("{} with syntax errors", outcome.broken));
    }
    format!("{}\n", parts.join(", "))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// At most this many lines of each side are shown for a file that would change.
const DIFF_LINES: usize = 4;

/// How far ahead the end of the first change is looked for, in lines of each side.
const DIFF_WINDOW: usize = 40;

/// The first change from `before` to `after`, as `-` lines (as written) and `+` lines (as formatted):
/// from the first line that differs to the nearest line the two have in common again, at most
/// [`DIFF_LINES`] of each side.
fn first_changes(before: &str, after: &str) -> String {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let start = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let old = old.get(start..).unwrap_or_default();
    let new = new.get(start..).unwrap_or_default();
    let (removed, added) = resync(old, new).unwrap_or((old.len(), new.len()));
    let removed = old.get(..removed).unwrap_or_default();
    let added = new.get(..added).unwrap_or_default();
    if removed.is_empty() && added.is_empty() {
        return "  only line breaks differ (`\\r\\n`, or the last one)\n".to_string();
    }
    let mut out = format!("  line {}:\n", start + 1);
    for (sign, lines) in [('-', removed), ('+', added)] {
        for line in lines.iter().take(DIFF_LINES) {
            out.push_str(&format!("  {sign} {}\n", Escaped(line)));
        }
        if lines.len() > DIFF_LINES {
            out.push_str(&format!(
                "  {sign} … ({})\n",
                plural(lines.len() - DIFF_LINES, "more line")
            ));
        }
    }
    out
}

/// The nearest pair `(i, j)` (smallest `i + j`, within [`DIFF_WINDOW`]) where `old[i] == new[j]`.
fn resync(old: &[&str], new: &[&str]) -> Option<(usize, usize)> {
    (1..2 * DIFF_WINDOW).find_map(|distance| {
        (0..=distance).find_map(|i| {
            let j = distance - i;
            let same = old.get(i).zip(new.get(j)).is_some_and(|(a, b)| a == b);
            same.then_some((i, j))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::first_changes;

    #[test]
    fn first_changes_shows_one_hunk() {
        let diff = first_changes("a\nb  \nc\nd\n", "a\nb\nc\nd\n");
        assert_eq!(diff, "  line 2:\n  - b  \n  + b\n");
        let diff = first_changes("a\r\n", "a\n");
        assert_eq!(
            diff,
            "  only line breaks differ (`\\r\\n`, or the last one)\n"
        );
        let diff = first_changes("x\na b\n\nc\n", "x\na\nb\n\nc\n");
        assert_eq!(diff, "  line 2:\n  - a b\n  + a\n  + b\n");
    }

    #[test]
    fn lines_left_out_are_counted_in_words() {
        // Five lines written on one, then six: one and two lines beyond the four shown.
        let diff = first_changes("x\n1 2 3 4 5\nz\n", "x\n1\n2\n3\n4\n5\nz\n");
        assert!(diff.ends_with("  + … (1 more line)\n"), "{diff}");
        let diff = first_changes("x\n1 2 3 4 5 6\nz\n", "x\n1\n2\n3\n4\n5\n6\nz\n");
        assert!(diff.ends_with("  + … (2 more lines)\n"), "{diff}");
    }
}
