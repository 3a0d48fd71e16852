//! `covenant eval --policy PATH [CASES...]`: evaluates cases against a policy and
//! reports breaches, required actions and warnings.
//!
//! CASES are files (`.yaml`, `.yml`, `.json`, `.jsonl`), folders (every case
//! file inside, recursively, in sorted order) or `-` for standard input (its
//! format guessed from its first lines, or `--stdin-format`). A file named twice
//! (or through a folder and by name, or by a link) is read once, with a warning.
//! Malformed cases are listed under `rejected` and the rest goes on. The
//! evaluation instant is `--at`, or the current time: the only clock read.
//!
//! YAML and JSON cases are read whole (at most 8 MiB a source) and evaluated
//! first; JSON Lines (files and standard input) are streamed through
//! [`crate::batch`] after them, on `--threads` threads, with a progress bar on a
//! terminal's standard error: every case is open to the end of the input, so
//! the report is that of whole-input evaluation, in `--memory` (open cases past
//! it go to temporary files), unless `--window` asks for cases to be evaluated
//! as they go idle.
//!
//! Exit codes: 0 when nothing fails under `--fail-on`, 1 when something does
//! (a breach; or a breach or warning with `--fail-on warning`), 2 when the
//! command could not run, 3 when cases were rejected (unless `--fail-on never`):
//! the report then stands on part of the input. Rejected cases are listed in the
//! report and counted on standard error.

use super::stream::JsonlInput;
use super::{walk, Exit};
use crate::batch::BatchOptions;
use crate::case::{CaseBatch, CaseFormat, CaseReader, ReadOptions};
use crate::check::Policy;
use crate::eval::Evaluator;
use crate::limits::MAX_THREADS;
use crate::report::{Format, Report, Summary};
use crate::time::local_to_instant;
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// Arguments of `covenant eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The policy file.
    #[arg(long)]
    pub policy: PathBuf,
    /// The folder the policy's imports may come from (default: the policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Case files or folders; `-` reads standard input.
    #[arg(required = true)]
    pub cases: Vec<PathBuf>,
    /// Evaluation instant in RFC 3339 (without an offset: the policy's timezone); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// What makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Breach)]
    pub fail_on: FailOn,
    /// Worker threads, at most 1024 (default, or 0: one per core); the output is the same for any number.
    #[arg(long, value_parser = threads)]
    pub threads: Option<usize>,
    /// Follow a live JSON Lines stream: evaluate a case once it has had no line among this many
    /// lines (a later line begins the case's next part, marked in its report). 0 (the default):
    /// every case waits for the end of the input, and the report is exactly that of the whole input.
    #[arg(long, default_value_t = 0, value_name = "LINES")]
    pub window: u64,
    /// The most memory the open cases of JSON Lines may take (`512MiB`, `2GiB`, `1.5GB`, bytes);
    /// past it they go to temporary files (with `--window`: the idlest are evaluated early).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = memory_size)]
    pub memory: u64,
    /// Where temporary files go (default: `TMPDIR`, else the system's temporary folder). They
    /// have no name there and are freed however the command ends.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
    /// The format of standard input (`-`); default: guessed from its first lines.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub stdin_format: Option<InputFormat>,
}

/// Formats of standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// One case, a list of cases, or several `---` documents.
    Yaml,
    /// One case or a list of cases.
    Json,
    /// One event per line, each naming its case.
    Jsonl,
}

impl From<InputFormat> for CaseFormat {
    fn from(format: InputFormat) -> CaseFormat {
        match format {
            InputFormat::Yaml => CaseFormat::Yaml,
            InputFormat::Json => CaseFormat::Json,
            InputFormat::Jsonl => CaseFormat::Jsonl,
        }
    }
}

/// Reads `--memory`: a number (a fraction allowed) and a unit: none or `B` (bytes), `K`, `KiB`,
/// `M`, `MiB`, `G`, `GiB`, `T`, `TiB` (powers of 1024), `KB`, `MB`, `GB`, `TB` (of 1000); at
/// least one byte.
pub fn memory_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let scale: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => {
            return Err(format!(
                "`{text}` is not a size: write a number and a unit, such as 512MiB or 2GiB"
            ))
        }
    };
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a size: write a number and a unit, such as 512MiB or 2GiB")
    })?;
    let bytes = (value * scale).floor();
    if !(1.0..=1e18).contains(&bytes) {
        return Err(format!("`{text}` is not a size between 1 byte and 1 EB"));
    }
    Ok(bytes as u64)
}

/// Reads `--threads`: a number from 0 (one per core) to [`MAX_THREADS`].
fn threads(text: &str) -> Result<usize, String> {
    let count: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of threads"))?;
    if count > MAX_THREADS {
        return Err(format!(
            "{count} is more than {MAX_THREADS}, the most threads `eval` starts; one per core (the default) is fastest"
        ));
    }
    Ok(count)
}

/// Output formats of `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A readable per-case summary.
    Human,
    /// One pretty-printed JSON document.
    Json,
    /// One case object per line, then one summary line.
    Jsonl,
    /// One YAML document.
    Yaml,
    /// One self-contained HTML page: summary, objective charts, a table of the cases and their timelines.
    Html,
}

/// What makes `eval` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any breach.
    Breach,
    /// Any breach or warning.
    Warning,
    /// Nothing: exit 0 whenever the command ran.
    Never,
}

/// The evaluation instant when `--at` is not given: now, to the whole second, so reports do not
/// carry the clock's nanoseconds.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now)
}

/// Reads the evaluation instant: RFC 3339, or a local date-time in `tz`.
pub fn parse_instant(text: &str, policy: &Policy) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return crate::time::readable(text, t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| {
            format!("`{text}` is not an RFC 3339 instant (e.g. 2026-06-19T15:00:00+08:00)")
        })?;
    let tz = policy
        .timezone()
        .ok_or_else(|| format!("`{text}` has no offset and the policy declares no timezone"))?;
    local_to_instant(tz, naive.date(), naive.time()).map_err(|e| e.to_string())
}

/// Every case file under `path` (recursively, sorted; see [`walk`]), or `path` itself. A special
/// file found in a folder (a named pipe, a device) is refused: reading it could wait forever.
pub fn case_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path == Path::new("-") || !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let files = walk::files(path, &|file| CaseFormat::from_path(file).is_some())?;
    for file in &files {
        crate::check::load::regular_file(file)
            .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    }
    Ok(files)
}

/// A case source: a file, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A case file.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

/// What makes two names one file: its device and inode (on Unix), else its canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

#[cfg(unix)]
fn identity_of(metadata: &std::fs::Metadata, _path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    Some(Identity::Inode(metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity_of(_metadata: &std::fs::Metadata, path: &Path) -> Option<Identity> {
    std::fs::canonicalize(path).ok().map(Identity::Path)
}

/// The identity of a file named `path` (links followed), when it can be found.
fn identity(path: &Path) -> Option<Identity> {
    let metadata = std::fs::metadata(path).ok()?;
    identity_of(&metadata, path)
}

/// The identity of what standard input reads from: a file redirected into it is the file.
#[cfg(unix)]
fn stdin_identity() -> Option<Identity> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let metadata = std::fs::File::from(fd).metadata().ok()?;
    identity_of(&metadata, Path::new("-"))
}

#[cfg(not(unix))]
fn stdin_identity() -> Option<Identity> {
    None
}

/// The sources named by `paths`, folders expanded ([`case_files`]), each file once: a file named
/// again (by the same path, through a folder, by a link or a hard link, or redirected into
/// standard input) is left out with a warning on standard error, and so is a second `-`.
pub fn sources(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut seen: std::collections::HashMap<Identity, String> = std::collections::HashMap::new();
    let mut stdin_named = false;
    let mut out = Vec::new();
    for path in paths {
        for file in case_files(path)? {
            let (source, id, name) = if file == Path::new("-") {
                if stdin_named {
                    super::warning("`-` is named twice: standard input is read once");
                    continue;
                }
                stdin_named = true;
                (Source::Stdin, stdin_identity(), "standard input".to_owned())
            } else {
                let id = identity(&file);
                let name = format!("`{}`", file.display());
                (Source::File(file), id, name)
            };
            if let Some(id) = id {
                if let Some(first) = seen.get(&id) {
                    super::warning(format!(
                        "{name} is the same file as {first}: it is read once"
                    ));
                    continue;
                }
                seen.insert(id, name);
            }
            out.push(source);
        }
    }
    Ok(out)
}

/// Reads every case source with the policy's timezone and ranks (each file once: [`sources`]).
pub fn read_cases(policy: &Policy, paths: &[PathBuf]) -> Result<CaseBatch, String> {
    let mut reader = CaseReader::new(ReadOptions::for_policy(policy));
    for source in sources(paths)? {
        let path = match &source {
            Source::File(path) => path.as_path(),
            Source::Stdin => Path::new("-"),
        };
        reader.add_path(path, None).map_err(|e| e.to_string())?;
    }
    Ok(reader.finish())
}

/// The exit code of a report under `--fail-on`.
pub fn exit_for(report: &Report, fail_on: FailOn) -> Exit {
    summary_exit(&report.summary, fail_on)
}

/// The exit code of a run with these counts under `--fail-on`: 3 when cases were rejected
/// (unless `--fail-on never`), else 1 when something fails under `--fail-on`, else 0.
pub fn summary_exit(s: &Summary, fail_on: FailOn) -> Exit {
    let failed = match fail_on {
        FailOn::Breach => s.breaches > 0,
        FailOn::Warning => s.breaches > 0 || s.warnings > 0,
        FailOn::Never => return Exit::Success,
    };
    if s.rejected > 0 {
        Exit::Rejected
    } else if failed {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// Says on standard error how many cases were rejected, if any.
pub fn warn_rejected(summary: &Summary, listed_under: &str) {
    if summary.rejected > 0 {
        super::warning(format!(
            "{} of {} cases rejected (listed under `{listed_under}`)",
            summary.rejected, summary.cases
        ));
    }
}

/// Loads the policy, its imports confined to `root` when given (else to its own folder),
/// printing its problems to stderr when it does not check.
pub fn load_policy(path: &Path, root: Option<&Path>) -> Result<Policy, Exit> {
    if let Err(message) = super::check::root_folder(root) {
        super::error(&message);
        return Err(Exit::Unusable);
    }
    let loaded = match root {
        Some(root) => Policy::load_within(path, root),
        None => Policy::load(path),
    };
    loaded.map_err(|error| {
        eprintln!("{error}");
        super::error(format!("the policy `{}` does not check", path.display()));
        Exit::Unusable
    })
}

/// `covenant eval --format html`: every case is read and evaluated, then the page is written
/// whole (its summary comes first). JSON Lines files are read whole too, not streamed.
fn run_html(args: &EvalArgs, evaluator: &Evaluator<'_>, as_of: DateTime<Utc>) -> Exit {
    let batch = match read_cases(evaluator.policy(), &args.cases) {
        Ok(batch) => batch,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Unusable;
        }
    };
    let report = crate::batch::evaluate_whole(evaluator, &batch, as_of);
    let page = match crate::report::html::report_page(evaluator, &batch.cases, &report, as_of) {
        Ok(page) => page,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Unusable;
        }
    };
    if super::write_stdout(&page).is_err() {
        return Exit::Unusable;
    }
    warn_rejected(&report.summary, "Rejected cases");
    exit_for(&report, args.fail_on)
}

/// Runs `covenant eval` on `--threads` worker threads.
pub fn run(args: &EvalArgs) -> Exit {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build();
    match pool {
        Ok(pool) => pool.install(|| run_here(args)),
        Err(error) => {
            super::error(format!("cannot start worker threads: {error}"));
            Exit::Unusable
        }
    }
}

fn run_here(args: &EvalArgs) -> Exit {
    let policy = match load_policy(&args.policy, args.root.as_deref()) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let as_of = match args.at.as_deref().map(|t| parse_instant(t, &policy)) {
        None => now(),
        Some(Ok(t)) => t,
        Some(Err(message)) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let evaluator = Evaluator::new(&policy);
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Html => return run_html(args, &evaluator, as_of),
    };
    let sources = match sources(&args.cases) {
        Ok(sources) => sources,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    // YAML and JSON sources are read whole, first; JSON Lines are streamed after them.
    let mut whole = CaseReader::new(ReadOptions::for_policy(&policy));
    let mut streams = Vec::new();
    for source in sources {
        match source {
            Source::Stdin => {
                let opened = crate::case::open_stdin(args.stdin_format.map(CaseFormat::from));
                let read = opened.and_then(|(format, reader)| {
                    if format == CaseFormat::Jsonl {
                        streams.push(JsonlInput::Reader {
                            name: "<stdin>".to_owned(),
                            reader: Box::new(reader),
                        });
                        Ok(())
                    } else {
                        whole.add_read("<stdin>", reader, format)
                    }
                });
                if let Err(error) = read {
                    super::error(format!("cannot read standard input: {error}"));
                    return Exit::Unusable;
                }
            }
            Source::File(path) if CaseFormat::from_path(&path) == Some(CaseFormat::Jsonl) => {
                streams.push(JsonlInput::File(path));
            }
            Source::File(path) => {
                if let Err(error) = whole.add_path(&path, None) {
                    super::error(&error);
                    return Exit::Unusable;
                }
            }
        }
    }
    let options = BatchOptions {
        window: args.window,
        memory: args.memory,
        temp_dir: args.temp_dir.clone(),
        ..BatchOptions::new(as_of)
    };
    super::stream::run(
        &evaluator,
        options,
        format,
        whole.finish(),
        streams,
        args.fail_on,
    )
}
