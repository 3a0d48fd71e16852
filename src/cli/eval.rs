//! `covenant eval --policy PATH [CASES...]`: evaluates cases against a policy and
//! reports breaches, required actions and warnings.
//!
//! CASES are files (`.yaml`, `.yml`, `.json`, `.jsonl`), folders (every case
//! file inside, recursively, in sorted order) or `-` for standard input.
//! Malformed cases are listed under `rejected` and the rest goes on. The
//! evaluation instant is `--at`, or the current time: the only clock read.
//!
//! When every case file is JSONL, the files are streamed through
//! [`crate::batch`]: reports are written as cases complete (`--window`), on
//! `--threads` threads, with a progress bar on a terminal's standard error.
//!
//! Exit codes: 0 when nothing fails under `--fail-on`, 1 when something does
//! (a breach; or a breach or warning with `--fail-on warning`), 2 when the
//! command could not run. Rejected cases are listed in the report and counted
//! on standard error; they do not change the exit code.

use super::{walk, Exit};
use crate::batch::{Batch, BatchOptions};
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
    /// JSONL input: a case is complete after this many lines without one of its own; 0 holds every case to the end.
    #[arg(long, default_value_t = crate::batch::DEFAULT_WINDOW)]
    pub window: u64,
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

/// Reads every case source with the policy's timezone and ranks.
pub fn read_cases(policy: &Policy, paths: &[PathBuf]) -> Result<CaseBatch, String> {
    let mut reader = CaseReader::new(ReadOptions::for_policy(policy));
    for path in paths {
        for file in case_files(path)? {
            reader.add_path(&file, None).map_err(|e| e.to_string())?;
        }
    }
    Ok(reader.finish())
}

/// The case files named by `paths` when every one is a JSONL file (they are then streamed).
fn streamable(paths: &[PathBuf]) -> Result<Option<Vec<PathBuf>>, String> {
    let mut files = Vec::new();
    for path in paths {
        for file in case_files(path)? {
            if file == Path::new("-") || CaseFormat::from_path(&file) != Some(CaseFormat::Jsonl) {
                return Ok(None);
            }
            files.push(file);
        }
    }
    Ok(Some(files))
}

/// The exit code of a report under `--fail-on`.
pub fn exit_for(report: &Report, fail_on: FailOn) -> Exit {
    summary_exit(&report.summary, fail_on)
}

/// The exit code of a run with these counts under `--fail-on`.
pub fn summary_exit(s: &Summary, fail_on: FailOn) -> Exit {
    let failed = match fail_on {
        FailOn::Breach => s.breaches > 0,
        FailOn::Warning => s.breaches > 0 || s.warnings > 0,
        FailOn::Never => false,
    };
    if failed {
        Exit::Failure
    } else {
        Exit::Success
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
    if report.summary.rejected > 0 {
        eprintln!(
            "warning: {} of {} cases rejected (listed under `Rejected cases`)",
            report.summary.rejected, report.summary.cases
        );
    }
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
    match streamable(&args.cases) {
        Ok(Some(files)) => {
            let options = BatchOptions {
                as_of,
                window: args.window,
                chunk_lines: 0,
            };
            return super::stream::run(&evaluator, options, format, &files, args.fail_on);
        }
        Ok(None) => {}
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    }
    let batch = match read_cases(&policy, &args.cases) {
        Ok(batch) => batch,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    // Cases are independent: evaluate them on all cores a chunk at a time, keeping their order,
    // and write each report as it is done, so that the reports of a large file are never all held.
    let options = BatchOptions {
        as_of,
        window: 0,
        chunk_lines: 0,
    };
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = Batch::writing(&evaluator, options, format, stdout)
        .and_then(|mut run| run.push_batch(batch).map(|()| run))
        .and_then(Batch::finish)
        .and_then(|(mut out, summary)| {
            std::io::Write::flush(&mut out)?;
            Ok(summary)
        });
    let summary = match written {
        Ok(summary) => summary,
        Err(error) => {
            super::error(&error);
            return Exit::Unusable;
        }
    };
    if summary.rejected > 0 {
        eprintln!(
            "warning: {} of {} cases rejected (listed under `rejected`)",
            summary.rejected, summary.cases
        );
    }
    summary_exit(&summary, args.fail_on)
}
