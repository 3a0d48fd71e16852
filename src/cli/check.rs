//! `covenant check [PATH...]`: checks policy files and reports every problem in the chosen format.
//!
//! Folders are searched recursively for `*.policy`; files named explicitly are
//! checked whatever their extension. Each file is checked on its own with
//! [`Role::Auto`]: a file without a `policy` header is a library (see
//! `crate::check`). A problem in a library imported by several checked files
//! is reported once.

use super::emit::{self, Located};
use super::{walk, write_stdout, Exit};
use crate::check::{check_file, Role};
use crate::diag::Severity;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Arguments of `covenant check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Policy files or folders (searched recursively for `*.policy`).
    #[arg(default_value = "policies/")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the span underlined, and a summary line.
    Human,
    /// A JSON array of diagnostics.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A SARIF 2.1.0 log.
    Sarif,
}

/// The result of checking some files, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How many files were checked.
    pub files: usize,
    /// Every diagnostic, sorted and de-duplicated.
    pub diagnostics: Vec<Located>,
}

/// Runs `covenant check`, printing to stdout (and path errors to stderr).
pub fn run(args: &CheckArgs) -> Exit {
    let files = match policy_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Unusable;
        }
    };
    let outcome = check_paths(&files);
    let color = args.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = render(&outcome, args.format, color);
    if write_stdout(&text).is_err() {
        return Exit::Unusable;
    }
    exit_for(&outcome, args.deny_warnings)
}

/// Checks each file on its own and merges the diagnostics.
pub fn check_paths(files: &[PathBuf]) -> Outcome {
    let mut diagnostics = Vec::new();
    for file in files {
        let checked = check_file(file, Role::Auto);
        diagnostics.extend(
            checked
                .diagnostics
                .iter()
                .map(|d| Located::new(d, &checked.sources)),
        );
    }
    emit::sort_and_dedup(&mut diagnostics);
    Outcome {
        files: files.len(),
        diagnostics,
    }
}

/// Renders an outcome in a format; human output ends with the summary line.
pub fn render(outcome: &Outcome, format: Format, color: bool) -> String {
    match format {
        Format::Human => {
            let mut text = emit::human::render(&outcome.diagnostics, color);
            text.push_str(&emit::human::summary(outcome.files, &outcome.diagnostics));
            text
        }
        Format::Json => emit::json::render(&outcome.diagnostics),
        Format::Github => emit::github::render(&outcome.diagnostics),
        Format::Sarif => emit::sarif::render(&outcome.diagnostics),
    }
}

/// The exit code for an outcome.
pub fn exit_for(outcome: &Outcome, deny_warnings: bool) -> Exit {
    let failing = outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || deny_warnings);
    if failing {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// The policy files named by `paths`: files as given, folders searched recursively (see
/// [`walk`]), sorted.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if metadata.is_dir() {
            let found = walk::files(path, &|file| {
                file.extension().is_some_and(|e| e == "policy")
            })?;
            if found.is_empty() {
                return Err(format!("no `.policy` files in `{}`", path.display()));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}
