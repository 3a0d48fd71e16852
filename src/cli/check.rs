//! `covenant check [PATH...]`: checks policy files and reports every problem in the chosen format.
//!
//! Folders are searched recursively for `*.policy`; files named explicitly are
//! checked whatever their extension. Each file is checked on its own with
//! [`Role::Auto`]: a file without a `policy` header is a library (see
//! `crate::check`). A problem in a library imported by several checked files
//! is reported once.
//!
//! A path that cannot be read is not a problem in a policy but a command that
//! could not run (exit 2), whether it is a folder, a file named on the command
//! line or a file found in a folder. A file that cannot be read while it is
//! imported is an error of the importing policy (`E0201`, exit 1).

use super::emit::{self, Located};
use super::{walk, write_stdout, Exit};
use crate::check::{check_sources, FileSystem, Role, SourceProvider};
use crate::diag::Severity;
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
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
    /// How many files were checked (read).
    pub files: usize,
    /// Every diagnostic, sorted and de-duplicated.
    pub diagnostics: Vec<Located>,
    /// The files to check that could not be read, each with the reason: the command could not run.
    pub unreadable: Vec<String>,
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
    for reason in &outcome.unreadable {
        eprintln!("error: {reason}");
    }
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
    check_paths_in(files, &FileSystem)
}

/// Checks each file on its own, reading through `provider`, and merges the diagnostics. A file that
/// cannot be read is listed in [`Outcome::unreadable`], not among the diagnostics.
///
/// A file without a `policy` header that declares rules gets `W0106` when no checked file imports
/// it: it reads like a policy but cannot be evaluated (see [`crate::check::Checked::unevaluable`]).
pub fn check_paths_in(files: &[PathBuf], provider: &dyn SourceProvider) -> Outcome {
    let mut diagnostics = Vec::new();
    let mut unreadable = Vec::new();
    let mut read = 0;
    let mut imported = BTreeSet::new();
    let mut unevaluable = Vec::new();
    for file in files {
        let checked = check_sources(file, provider, Role::Auto);
        if checked.root_unreadable {
            unreadable.extend(checked.diagnostics.iter().map(|d| match &d.help {
                Some(help) => format!("{}\n  = help: {help}", d.message),
                None => d.message.clone(),
            }));
            continue;
        }
        read += 1;
        diagnostics.extend(
            checked
                .diagnostics
                .iter()
                .map(|d| Located::new(d, &checked.sources)),
        );
        imported.extend(checked.canonical.iter().skip(1).cloned());
        if let (Some(warning), Some(root)) = (&checked.unevaluable, checked.canonical.first()) {
            unevaluable.push((root.clone(), Located::new(warning, &checked.sources)));
        }
    }
    diagnostics.extend(
        unevaluable
            .into_iter()
            .filter(|(root, _)| !imported.contains(root))
            .map(|(_, warning)| warning),
    );
    emit::sort_and_dedup(&mut diagnostics);
    Outcome {
        files: read,
        diagnostics,
        unreadable,
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

/// The exit code for an outcome: 2 when a file could not be read, else 1 for errors (or warnings
/// with `deny_warnings`), else 0.
pub fn exit_for(outcome: &Outcome, deny_warnings: bool) -> Exit {
    if !outcome.unreadable.is_empty() {
        return Exit::Unusable;
    }
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
