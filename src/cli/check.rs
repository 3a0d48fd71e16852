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
//!
//! Imports stay inside a tree (`E0220`): `--root` when given, else the folder
//! named on the command line that a file was found in, else the file's own
//! folder. A file found in a folder through a symbolic link that leads out of
//! it is not read (exit 2).

use super::emit::{self, Located};
use super::{walk, write_stdout, Exit};
use crate::check::{check_sources, FileSystem, Role, SourceProvider, Within};
use crate::diag::Severity;
use crate::terminal::Escaped;
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
    /// The folder imports may come from (default: the folder named on the command line, or the
    /// policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
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
    /// The files to check that could not be read, each with the reason (control characters
    /// escaped, for standard error): the command could not run.
    pub unreadable: Vec<String>,
}

/// Runs `covenant check`, printing to stdout (and path errors to stderr).
pub fn run(args: &CheckArgs) -> Exit {
    if let Err(message) = root_folder(args.root.as_deref()) {
        super::error(&message);
        return Exit::Unusable;
    }
    let found = match policy_targets(&args.paths) {
        Ok(found) => found,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let mut outcome = check_targets(&found.targets, args.root.as_deref(), &FileSystem);
    outcome.unreadable.extend(found.refused);
    for reason in &outcome.unreadable {
        // Built with its parts escaped (see `check_targets`).
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
    let targets: Vec<Target> = files
        .iter()
        .map(|path| Target {
            path: path.clone(),
            folder: None,
        })
        .collect();
    check_targets(&targets, None, provider)
}

/// Checks each target on its own, its imports confined to `root` when given, else to the folder
/// it was found in, else to its own folder (see [`check_paths_in`]).
pub fn check_targets(
    targets: &[Target],
    root: Option<&Path>,
    provider: &dyn SourceProvider,
) -> Outcome {
    let mut diagnostics = Vec::new();
    let mut unreadable = Vec::new();
    let mut read = 0;
    let mut imported = BTreeSet::new();
    let mut unevaluable = Vec::new();
    for target in targets {
        let file = &target.path;
        let checked = match root.or(target.folder.as_deref()) {
            Some(root) => check_sources(file, &Within::new(provider, root), Role::Auto),
            None => check_sources(file, provider, Role::Auto),
        };
        if checked.root_unreadable {
            unreadable.extend(checked.diagnostics.iter().map(|d| match &d.help {
                Some(help) => format!("{}\n  = help: {}", Escaped(&d.message), Escaped(help)),
                None => Escaped(&d.message).to_string(),
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

/// A policy file named on the command line or found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The file.
    pub path: PathBuf,
    /// The folder named on the command line that the file was found in; `None` for a file named
    /// itself.
    pub folder: Option<PathBuf>,
}

/// The policy files of some paths, and those refused.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Files as given, and the files of folders, sorted, each once.
    pub targets: Vec<Target>,
    /// Files found in a folder through a symbolic link that leads out of it, each with the
    /// reason (control characters escaped): neither read nor written.
    pub refused: Vec<String>,
}

/// The policy files named by `paths`: files as given, folders searched recursively (see
/// [`walk`]), sorted.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    Ok(policy_targets(paths)?
        .targets
        .into_iter()
        .map(|target| target.path)
        .collect())
}

/// The policy files named by `paths`, each with the folder it was found in: files as given,
/// folders searched recursively (see [`walk`]). A file of a folder that is a symbolic link to a
/// file outside that folder is refused.
pub fn policy_targets(paths: &[PathBuf]) -> Result<Found, String> {
    let mut found = Found::default();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if metadata.is_dir() {
            let files = walk::files(path, &|file| {
                file.extension().is_some_and(|e| e == "policy")
            })?;
            if files.is_empty() {
                return Err(format!("no `.policy` files in `{}`", path.display()));
            }
            for file in files {
                if let Err(error) = crate::check::load::regular_file(&file) {
                    // A link that leads nowhere, a named pipe: refused by name, for what it is.
                    found.refused.push(format!(
                        "cannot read `{}`: {}",
                        Escaped(&file.display().to_string()),
                        Escaped(&error.to_string())
                    ));
                } else if walk::stays_inside(&file, path) {
                    found.targets.push(Target {
                        path: file,
                        folder: Some(path.clone()),
                    });
                } else {
                    found.refused.push(format!(
                        "`{}` is a symbolic link to a file outside `{}`: not read",
                        Escaped(&file.display().to_string()),
                        Escaped(&path.display().to_string())
                    ));
                }
            }
        } else {
            found.targets.push(Target {
                path: path.clone(),
                folder: None,
            });
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    found.targets.retain(|t| seen.insert(t.path.clone()));
    Ok(found)
}

/// Checks that `--root`, when given, is a folder that can be read.
pub fn root_folder(root: Option<&Path>) -> Result<(), String> {
    let Some(root) = root else { return Ok(()) };
    match std::fs::metadata(root) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(format!("`--root {}` is not a folder", root.display())),
        Err(error) => Err(format!("cannot read `--root {}`: {error}", root.display())),
    }
}
