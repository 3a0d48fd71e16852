//! `covenant test [PATH...]`: evaluates each policy's example cases and checks their
//! `expect:` blocks.
//!
//! The convention: a policy folder holds its policy file(s) and a `cases/` folder of case
//! files (`policies/<name>/<name>.policy`, `policies/<name>/cases/*.yaml`). Each case is
//! evaluated at its `as_of` and every expectation it lists is checked (see
//! `crate::expect`). Every mismatch is shown as expected vs got with the file and line of
//! the expectation; the output ends with `N passed, N failed`.
//!
//! Exit codes: 0 when every case passes, 1 when a case fails (a mismatch, an `expect`
//! error, an unreadable case, a policy that does not check), 2 when the command could not
//! run (unreadable path, no example cases found).

use super::eval::case_files;
use super::{walk, write_stdout, Exit};
use crate::case::{CaseReader, Location, ReadOptions};
use crate::check::Policy;
use crate::eval::Evaluator;
use crate::expect::{ExpectError, Expectations, Mismatch};
use crate::terminal::Escaped;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `covenant test`.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// Policy files or folders (searched recursively for policy folders with a `cases/` folder); default: `policies/`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// The folder the policies' imports may come from (default: the folder named on the command
    /// line, or the policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Output formats of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per case, a diff under each failing one, then `N passed, N failed`.
    Human,
    /// One JSON document, for tools.
    Json,
}

/// The outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every expectation holds.
    Passed,
    /// Some expectation does not hold.
    Failed,
    /// The case could not be tested: bad `expect`, unreadable case, policy that does not check.
    Error,
}

/// One tested case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The case id, when it could be read.
    pub case: Option<String>,
    /// The case file.
    pub file: String,
    /// The line where the case starts.
    pub line: Option<usize>,
    /// Passed, failed or error.
    pub outcome: Outcome,
    /// The evaluation instants used (one per `expect` block), when the case ran.
    pub as_of: Vec<String>,
    /// Expectations that do not hold.
    pub mismatches: Vec<Mismatch>,
    /// Why the case could not be tested.
    pub errors: Vec<ExpectError>,
}

/// The cases of one policy.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyResult {
    /// The policy file.
    pub policy: String,
    /// The policy's problems when it does not check (its cases are then not run).
    pub error: Option<String>,
    /// Its cases, in file order.
    pub cases: Vec<CaseResult>,
}

/// Counts over the run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TestSummary {
    /// Cases whose expectations all hold.
    pub passed: usize,
    /// Cases that failed or could not be tested, plus policies that do not check.
    pub failed: usize,
}

/// Everything `covenant test` found.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    /// One entry per policy folder.
    pub policies: Vec<PolicyResult>,
    /// Counts.
    pub summary: TestSummary,
}

/// A policy file and the folder of its example cases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Suite {
    policy: PathBuf,
    cases: PathBuf,
    /// The folder the policy's imports must stay in: the folder named on the command line that
    /// the suite was found in, or `None` (the policy's own folder).
    root: Option<PathBuf>,
}

/// The policy of a folder that has a `cases/` folder: its only `.policy` file, or the one
/// named after the folder.
fn suite_in(folder: &Path) -> Result<Option<Suite>, String> {
    let cases = folder.join("cases");
    if !cases.is_dir() {
        return Ok(None);
    }
    let mut policies: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| format!("cannot read `{}`: {e}", folder.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.exists() && !p.is_dir() && p.extension().is_some_and(|e| e == "policy"))
        .collect();
    policies.sort();
    let named = folder
        .file_name()
        .map(|name| folder.join(format!("{}.policy", name.to_string_lossy())));
    let policy = match policies.as_slice() {
        [] => return Ok(None),
        [one] => one.clone(),
        _ => match named.filter(|n| policies.contains(n)) {
            Some(named) => named,
            None => {
                return Err(format!(
                    "`{}` holds several policy files: name the one its cases test `{}.policy`",
                    folder.display(),
                    folder
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ))
            }
        },
    };
    if !super::walk::stays_inside(&policy, folder) {
        return Err(format!(
            "`{}` is a symbolic link to a file outside `{}`: not read",
            policy.display(),
            folder.display()
        ));
    }
    Ok(Some(Suite {
        policy,
        cases,
        root: None,
    }))
}

/// Every policy with example cases under `path` (a policy file, or a folder searched recursively).
fn find_suites(path: &Path) -> Result<Vec<Suite>, String> {
    if path.is_file() && !path.extension().is_some_and(|e| e == "policy") {
        return Err(format!(
            "`{}` is not a policy file or folder (give the policy's folder, e.g. `policies/restaurant`)",
            path.display()
        ));
    }
    if path.is_file() {
        let folder = path.parent().unwrap_or(Path::new("."));
        let cases = folder.join("cases");
        if !cases.is_dir() {
            return Err(format!(
                "`{}` has no example cases: put them in `{}`",
                path.display(),
                cases.display()
            ));
        }
        return Ok(vec![Suite {
            policy: path.to_path_buf(),
            cases,
            root: None,
        }]);
    }
    if !path.is_dir() {
        return Err(format!(
            "cannot read `{}`: no such file or folder",
            path.display()
        ));
    }
    let not_cases = |folder: &Path| folder.file_name().is_some_and(|n| n != "cases");
    let mut suites = Vec::new();
    for folder in walk::walk(path, &not_cases, &|_| false)?.folders {
        if let Some(suite) = suite_in(&folder)? {
            suites.push(Suite {
                root: Some(path.to_path_buf()),
                ..suite
            });
        }
    }
    Ok(suites)
}

/// Runs the example cases of one policy.
fn run_suite(suite: &Suite, root: Option<&Path>) -> Result<PolicyResult, String> {
    let mut result = PolicyResult {
        policy: suite.policy.display().to_string(),
        error: None,
        cases: Vec::new(),
    };
    let loaded = match root.or(suite.root.as_deref()) {
        Some(root) => Policy::load_within(&suite.policy, root),
        None => Policy::load(&suite.policy),
    };
    let policy = match loaded {
        Ok(policy) => policy,
        Err(error) => {
            result.error = Some(error.to_string());
            return Ok(result);
        }
    };
    let evaluator = Evaluator::new(&policy);
    let mut reader = CaseReader::new(ReadOptions::for_policy(&policy));
    for file in case_files(&suite.cases)? {
        reader.add_path(&file, None).map_err(|e| e.to_string())?;
    }
    let batch = reader.finish();
    for case in &batch.cases {
        result.cases.push(test_case(&policy, &evaluator, case));
    }
    for rejected in &batch.rejected {
        let (file, line) = split_source(Some(&rejected.source));
        result.cases.push(CaseResult {
            case: rejected.case.clone(),
            file,
            line,
            outcome: Outcome::Error,
            as_of: Vec::new(),
            mismatches: Vec::new(),
            errors: vec![ExpectError {
                line,
                message: format!("the case cannot be read: {}", rejected.error),
            }],
        });
    }
    Ok(result)
}

/// Tests one case of `policy` against its `expect:` blocks.
fn test_case(policy: &Policy, evaluator: &Evaluator<'_>, case: &crate::case::Case) -> CaseResult {
    let (file, line) = split_source(case.source.as_ref());
    let mut tested = CaseResult {
        case: Some(case.id.clone()),
        file,
        line,
        outcome: Outcome::Passed,
        as_of: Vec::new(),
        mismatches: Vec::new(),
        errors: Vec::new(),
    };
    match Expectations::read(policy, case) {
        Ok(blocks) => {
            let mut instants = Vec::new();
            for expectations in blocks {
                let report = match evaluator.try_evaluate(case, expectations.as_of) {
                    Ok(report) => report,
                    Err(error) => {
                        tested.errors.push(ExpectError {
                            line,
                            message: error.to_string(),
                        });
                        continue;
                    }
                };
                instants.push(
                    crate::report::Instant::new(expectations.as_of, policy.timezone()).to_string(),
                );
                tested
                    .mismatches
                    .extend(expectations.compare(&report, policy));
                if expectations.checks_objectives() {
                    let plan = crate::eval::ObjectivePlan::new(policy);
                    let tally = plan.count(case, &report, expectations.as_of);
                    tested
                        .mismatches
                        .extend(expectations.compare_objectives(&plan.report(&tally), policy));
                    tested.mismatches.sort_by_key(|m| m.line);
                }
            }
            tested.as_of = instants;
            if !tested.errors.is_empty() {
                tested.outcome = Outcome::Error;
            } else if !tested.mismatches.is_empty() {
                tested.outcome = Outcome::Failed;
            }
        }
        Err(mut errors) => {
            for error in &mut errors {
                error.line = error.line.or(line);
            }
            tested.errors = errors;
            tested.outcome = Outcome::Error;
        }
    }
    tested
}

/// The file and line of a location, when there is one.
fn split_source(source: Option<&Location>) -> (String, Option<usize>) {
    match source {
        Some(location) => (location.file.to_string(), Some(location.line)),
        None => (String::new(), None),
    }
}

/// Tests every policy with example cases under `paths`, imports confined to the folder named in
/// `paths` that each was found in (see [`test_paths_within`]).
pub fn test_paths(paths: &[PathBuf]) -> Result<TestRun, String> {
    test_paths_within(paths, None)
}

/// Tests every policy with example cases under `paths`, imports confined to `root` when given.
pub fn test_paths_within(paths: &[PathBuf], root: Option<&Path>) -> Result<TestRun, String> {
    let mut suites = Vec::new();
    for path in paths {
        suites.extend(find_suites(path)?);
    }
    suites.sort();
    suites.dedup_by(|a, b| a.policy == b.policy && a.cases == b.cases);
    let mut run = TestRun {
        policies: Vec::new(),
        summary: TestSummary::default(),
    };
    for suite in &suites {
        let result = run_suite(suite, root)?;
        if result.error.is_some() {
            run.summary.failed += 1;
        }
        for case in &result.cases {
            if case.outcome == Outcome::Passed {
                run.summary.passed += 1;
            } else {
                run.summary.failed += 1;
            }
        }
        run.policies.push(result);
    }
    if run.summary.passed + run.summary.failed == 0 {
        let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        return Err(format!(
            "no example cases found under {} (a policy's cases go in `cases/` beside its `.policy` file)",
            shown.join(", ")
        ));
    }
    Ok(run)
}

/// Where an expectation was written, control characters escaped.
fn place(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", Escaped(file)),
        None => Escaped(file).to_string(),
    }
}

/// The readable report: one line per case, the differences under each failing case. Ids, paths
/// and values are written with their control characters escaped ([`crate::terminal`]).
pub fn render_human(run: &TestRun) -> String {
    let mut out = String::new();
    for policy in &run.policies {
        let _ = writeln!(out, "{}", Escaped(&policy.policy));
        if let Some(error) = &policy.error {
            let _ = writeln!(
                out,
                "  error: the policy does not check; its cases were not run"
            );
            // Rendered with each diagnostic's parts escaped: its line breaks are its own.
            for line in error.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        for case in &policy.cases {
            let label = match case.outcome {
                Outcome::Passed => "ok   ",
                Outcome::Failed => "FAIL ",
                Outcome::Error => "ERROR",
            };
            let id = case.case.as_deref().unwrap_or("?");
            let _ = writeln!(
                out,
                "  {label} {}  {}",
                Escaped(id),
                place(&case.file, case.line)
            );
            for error in &case.errors {
                let _ = writeln!(
                    out,
                    "        {}: error: {}",
                    place(&case.file, error.line),
                    Escaped(&error.message)
                );
            }
            for mismatch in &case.mismatches {
                let _ = writeln!(
                    out,
                    "        {}: {}",
                    place(&case.file, mismatch.line),
                    Escaped(&mismatch.subject)
                );
                let _ = writeln!(out, "          expected: {}", Escaped(&mismatch.expected));
                let _ = writeln!(out, "          got:      {}", Escaped(&mismatch.got));
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed",
        run.summary.passed, run.summary.failed
    );
    out
}

/// Runs `covenant test`.
pub fn run(args: &TestArgs) -> Exit {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        args.paths.clone()
    };
    if let Err(message) = super::check::root_folder(args.root.as_deref()) {
        super::error(&message);
        return Exit::Unusable;
    }
    let run = match test_paths_within(&paths, args.root.as_deref()) {
        Ok(run) => run,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let text = match args.format {
        TestFormat::Human => render_human(&run),
        TestFormat::Json => match serde_json::to_string_pretty(&run) {
            Ok(json) => json + "\n",
            Err(error) => {
                super::error(format!("cannot write json: {error}"));
                return Exit::Unusable;
            }
        },
    };
    if write_stdout(&text).is_err() {
        return Exit::Unusable;
    }
    if run.summary.failed > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}
