//! `covenant._native`: the extension module under the Python package `covenant`.
//!
//! It owns the crossing between Python and the `covenant` crate, and nothing else: a checked
//! policy compiled once for evaluation ([`Policy`]), the diagnostics of a policy that does not
//! check as plain tuples, and evaluation of cases given as JSON text, one case, a JSON Lines
//! stream, or groups of event lines (one group per case, for Apache Spark). Reports cross as
//! the JSON text of the report contract (`docs/semantics.md`), which the Python side reads
//! with `json.loads`: the values are exactly those `covenant eval --format json` writes.
//!
//! The Python package (`python/covenant/`) turns dicts and datetimes into that text and the
//! tuples into exceptions; its documentation is the user's. No panic crosses into Python: each
//! entry point catches one and raises `RuntimeError`, and the interpreter lock is released
//! while cases are evaluated.

use chrono::{DateTime, NaiveDateTime, Utc};
use covenant::batch::{Batch, BatchOptions};
use covenant::case::{read_str, CaseFormat, JsonlGrouper, ReadOptions, Rejected};
use covenant::check::{check_text, Role};
use covenant::diag::SourceMap;
use covenant::eval::{ObjectivePlan, Tally};
use covenant::report::{case_json, Format};
use covenant::time::{local_to_instant, readable};
use covenant::{CheckError, Diagnostic, Evaluator, Severity};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// The allocator of the command (`covenant`'s `main.rs`): a third less time than the system's
/// on evaluation, which allocates many small values. Only Rust's allocations go through it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A diagnostic as Python receives it: code, severity, message, file, line, column, help, the
/// notes `(file, line, column, message)` of its other labels, and the plain rendering.
type DiagnosticTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<usize>,
    Option<usize>,
    Option<String>,
    Vec<(String, usize, usize, Option<String>)>,
    String,
);

/// A rejected case or line: its location (`source:line`), its case id when known, the error.
type RejectedTuple = (String, Option<String>, String);

/// One objective count of a case: objective index (declaration order), name, period, met, total.
type CountTuple = (usize, String, String, u64, u64);

/// A policy and what it compiles to for evaluation, built once.
struct Plans<'p> {
    evaluator: Evaluator<'p>,
    objectives: ObjectivePlan<'p>,
    read: ReadOptions,
}

self_cell::self_cell!(
    /// A checked policy and its evaluation plans, which borrow it.
    struct Compiled {
        owner: covenant::Policy,
        #[not_covariant]
        dependent: Plans,
    }
);

/// A checked policy, compiled for evaluation. Immutable: share it between threads freely.
#[pyclass(module = "covenant._native", frozen)]
struct Policy {
    compiled: Compiled,
}

/// Runs `f`, turning a panic into `RuntimeError` (the library does not panic on any input; if
/// it ever did, Python gets an exception, not an aborted interpreter).
fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_owned());
            Err(PyRuntimeError::new_err(format!(
                "covenant: internal error ({message}); please report it with the input that caused it"
            )))
        }
    }
}

/// The tuple of one diagnostic, its positions resolved in `sources`.
fn diagnostic_tuple(diagnostic: &Diagnostic, sources: &SourceMap) -> DiagnosticTuple {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let file_of = |span: covenant::syntax::ast::Span| {
        sources
            .get(span.file)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    };
    let (file, line, column) = match diagnostic.primary() {
        Some(span) => {
            let at = sources.line_col(span.file, span.start);
            (Some(file_of(span)), Some(at.line), Some(at.column))
        }
        None => (None, None, None),
    };
    let notes = diagnostic
        .labels
        .iter()
        .skip(1)
        .map(|label| {
            let at = sources.line_col(label.span.file, label.span.start);
            (
                file_of(label.span),
                at.line,
                at.column,
                label.message.clone(),
            )
        })
        .collect();
    (
        diagnostic.code.to_string(),
        severity.to_owned(),
        diagnostic.message.clone(),
        file,
        line,
        column,
        diagnostic.help.clone(),
        notes,
        diagnostic.render_plain(sources).trim_end().to_owned(),
    )
}

/// The result of a check: the policy, or `None` and every diagnostic.
fn checked(result: Result<covenant::Policy, CheckError>) -> (Option<Policy>, Vec<DiagnosticTuple>) {
    match result {
        Ok(policy) => {
            let compiled = Compiled::new(policy, |policy| Plans {
                evaluator: Evaluator::new(policy),
                objectives: ObjectivePlan::new(policy),
                read: ReadOptions::for_policy(policy),
            });
            (Some(Policy { compiled }), Vec::new())
        }
        Err(error) => {
            let diagnostics = error
                .diagnostics
                .iter()
                .map(|d| diagnostic_tuple(d, &error.sources))
                .collect();
            (None, diagnostics)
        }
    }
}

/// Loads and checks the policy file at `path` and the files it imports, which must lie inside
/// `root` (default: the policy file's own folder).
#[pyfunction]
#[pyo3(signature = (path, root=None))]
fn load(
    py: Python<'_>,
    path: PathBuf,
    root: Option<PathBuf>,
) -> PyResult<(Option<Policy>, Vec<DiagnosticTuple>)> {
    py.detach(|| {
        guarded(|| {
            Ok(checked(match &root {
                Some(root) => covenant::Policy::load_within(&path, root),
                None => covenant::Policy::load(&path),
            }))
        })
    })
}

/// Checks policy text, named `name` in diagnostics (it cannot import other files).
#[pyfunction]
fn parse(
    py: Python<'_>,
    text: &str,
    name: &str,
) -> PyResult<(Option<Policy>, Vec<DiagnosticTuple>)> {
    py.detach(|| {
        guarded(|| {
            let checked_text = check_text(name, text, Role::Policy);
            let result = match checked_text.policy {
                Some(policy) => Ok(policy),
                None => Err(CheckError {
                    diagnostics: checked_text.diagnostics,
                    sources: checked_text.sources,
                }),
            };
            Ok(checked(result))
        })
    })
}

fn rejected_tuple(rejected: Rejected) -> RejectedTuple {
    (rejected.source.to_string(), rejected.case, rejected.error)
}

impl Policy {
    /// Reads an evaluation instant: RFC 3339 with an offset, or a local date and time
    /// (`2026-06-19T15:00`, seconds and their fractions optional) in the policy's timezone,
    /// as `covenant eval --at` reads it.
    fn instant(&self, text: &str) -> PyResult<DateTime<Utc>> {
        let policy = self.compiled.borrow_owner();
        let read = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            readable(text, t.with_timezone(&Utc))
        } else {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
                .map_err(|_| {
                    format!("`{text}` is not an RFC 3339 instant (e.g. 2026-06-19T15:00:00+08:00)")
                })
                .and_then(|naive| {
                    let tz = policy.timezone().ok_or_else(|| {
                        format!("`{text}` has no offset and the policy declares no timezone")
                    })?;
                    local_to_instant(tz, naive.date(), naive.time()).map_err(|e| e.to_string())
                })
        };
        read.map_err(PyValueError::new_err)
    }
}

#[pymethods]
impl Policy {
    /// The name in the policy's header.
    #[getter]
    fn name(&self) -> String {
        self.compiled.borrow_owner().name().to_owned()
    }

    /// `version N` of the header, if declared.
    #[getter]
    fn version(&self) -> Option<u64> {
        self.compiled.borrow_owner().version()
    }

    /// The header's timezone (an IANA name), if declared.
    #[getter]
    fn timezone(&self) -> Option<String> {
        self.compiled
            .borrow_owner()
            .timezone()
            .map(|tz| tz.name().to_owned())
    }

    /// The warnings found while checking, as diagnostic tuples.
    #[getter]
    fn warnings(&self) -> Vec<DiagnosticTuple> {
        let policy = self.compiled.borrow_owner();
        policy
            .warnings()
            .iter()
            .map(|d| diagnostic_tuple(d, policy.sources()))
            .collect()
    }

    /// The evaluation instant `text` in RFC 3339, in UTC (see [`Policy::instant`]).
    fn read_instant(&self, text: &str) -> PyResult<String> {
        guarded(|| {
            Ok(self
                .instant(text)?
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        })
    }

    /// Evaluates one case given as JSON text (the shape of `docs/cases.md`) as of `as_of`:
    /// the JSON text of its report, or the rejection of the case.
    fn evaluate_case(
        &self,
        py: Python<'_>,
        text: &str,
        as_of: &str,
    ) -> PyResult<(Option<String>, Option<RejectedTuple>)> {
        py.detach(|| {
            guarded(|| {
                let as_of = self.instant(as_of)?;
                self.compiled.with_dependent(|_, plans| {
                    let mut batch = read_str("<case>", text, CaseFormat::Json, &plans.read);
                    if let Some(rejected) = batch.rejected.drain(..).next() {
                        return Ok((None, Some(rejected_tuple(rejected))));
                    }
                    let mut cases = batch.cases.into_iter();
                    match (cases.next(), cases.next()) {
                        (Some(case), None) => {
                            let report = plans.evaluator.evaluate(&case, as_of);
                            Ok((Some(case_json(&report)), None))
                        }
                        (first, second) => {
                            let found = usize::from(first.is_some())
                                + usize::from(second.is_some())
                                + cases.count();
                            Ok((
                                None,
                                Some((
                                    "<case>:1".to_owned(),
                                    None,
                                    format!("expected one case, found {found}"),
                                )),
                            ))
                        }
                    }
                })
            })
        })
    }

    /// Evaluates a JSON Lines event stream given as its lines (line N of `source` is
    /// `lines[N-1]`), every case held to the end of the stream: the report as `covenant eval
    /// --format jsonl --window 0` writes it, by the same writer (one line per case, then the
    /// summary line).
    fn evaluate_lines(
        &self,
        py: Python<'_>,
        lines: Vec<String>,
        source: &str,
        as_of: &str,
    ) -> PyResult<String> {
        py.detach(|| {
            guarded(|| {
                let as_of = self.instant(as_of)?;
                self.compiled.with_dependent(|_, plans| {
                    let mut grouper = JsonlGrouper::new(plans.read.clone());
                    for (number, line) in (1..).zip(&lines) {
                        grouper.push_line(source, number, line);
                    }
                    drop(lines);
                    let options = BatchOptions {
                        as_of,
                        window: 0,
                        chunk_lines: 0,
                        ..BatchOptions::new(as_of)
                    };
                    let written =
                        Batch::writing(&plans.evaluator, options, Format::Jsonl, Vec::new())
                            .and_then(|mut run| run.push_batch(grouper.finish()).map(|()| run))
                            .and_then(Batch::finish)
                            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
                    String::from_utf8(written.0).map_err(|e| PyRuntimeError::new_err(e.to_string()))
                })
            })
        })
    }

    /// Evaluates groups of JSON Lines event lines, each group on its own (Spark's groups by
    /// case): group `g` is `lines[offsets[g]..offsets[g + 1]]`, in order, line `i` numbered
    /// `numbers[i]` in `source`. Returns one row per case evaluated or rejected, and per line
    /// rejected, as columns: case id, report (compact JSON, as `covenant eval --format jsonl`
    /// writes a case), breaches, actions, warnings, rejection location, rejection error, and
    /// the case's objective counts.
    #[allow(
        clippy::type_complexity,
        reason = "the columns of a table, as Python builds it"
    )]
    fn evaluate_groups(
        &self,
        py: Python<'_>,
        lines: Vec<String>,
        numbers: Vec<u64>,
        offsets: Vec<usize>,
        source: &str,
        as_of: &str,
    ) -> PyResult<(
        Vec<Option<String>>,
        Vec<Option<String>>,
        Vec<Option<usize>>,
        Vec<Option<usize>>,
        Vec<Option<usize>>,
        Vec<Option<String>>,
        Vec<Option<String>>,
        Vec<Vec<CountTuple>>,
    )> {
        if numbers.len() != lines.len() {
            return Err(PyValueError::new_err(
                "`numbers` must number every line of `lines`",
            ));
        }
        py.detach(|| {
            guarded(|| {
                let as_of = self.instant(as_of)?;
                self.compiled.with_dependent(|_, plans| {
                    let mut out = Groups::default();
                    for bounds in offsets.windows(2) {
                        let (Some(&from), Some(&to)) = (bounds.first(), bounds.get(1)) else {
                            continue;
                        };
                        let (Some(group), Some(group_numbers)) =
                            (lines.get(from..to), numbers.get(from..to))
                        else {
                            return Err(PyValueError::new_err(format!(
                                "group offsets {from}..{to} are not within the {} lines",
                                lines.len()
                            )));
                        };
                        let mut grouper = JsonlGrouper::new(plans.read.clone());
                        for (line, &number) in group.iter().zip(group_numbers) {
                            let number = usize::try_from(number).unwrap_or(usize::MAX);
                            grouper.push_line(source, number, line);
                        }
                        let batch = grouper.finish();
                        for rejected in batch.rejected {
                            out.rejected(rejected);
                        }
                        for case in &batch.cases {
                            // A broken invariant of the evaluator rejects its case, as the
                            // command does; the rest go on.
                            match plans
                                .evaluator
                                .evaluate_counted(case, as_of, &plans.objectives)
                            {
                                Ok((report, tally)) => out.case(
                                    case.id.clone(),
                                    &report,
                                    counts(&plans.objectives, &tally),
                                ),
                                Err(error) => out.rejected(error.reject(case)),
                            }
                        }
                    }
                    Ok((
                        out.case,
                        out.report,
                        out.breaches,
                        out.actions,
                        out.warnings,
                        out.source,
                        out.error,
                        out.counts,
                    ))
                })
            })
        })
    }

    /// The objective line of the `index`-th objective (declaration order) for `period` with
    /// `met` of `total` counted: its name, rate and state, computed as `covenant eval` does.
    fn objective_line(
        &self,
        index: usize,
        period: String,
        met: u64,
        total: u64,
    ) -> PyResult<(String, f64, String)> {
        guarded(|| {
            self.compiled.with_dependent(|_, plans| {
                let line = plans
                    .objectives
                    .line(index, period, met, total)
                    .ok_or_else(|| {
                        PyValueError::new_err(format!("the policy has no objective {index}"))
                    })?;
                Ok((line.objective, line.rate, line.state))
            })
        })
    }
}

/// The objective counts of one case, with each objective's name.
fn counts(plan: &ObjectivePlan<'_>, tally: &Tally) -> Vec<CountTuple> {
    tally
        .counts()
        .filter_map(|(index, period, met, total)| {
            let name = plan.line(index, String::new(), 0, 0)?.objective;
            Some((index, name, period, met, total))
        })
        .collect()
}

/// The columns [`Policy::evaluate_groups`] returns.
#[derive(Default)]
struct Groups {
    case: Vec<Option<String>>,
    report: Vec<Option<String>>,
    breaches: Vec<Option<usize>>,
    actions: Vec<Option<usize>>,
    warnings: Vec<Option<usize>>,
    source: Vec<Option<String>>,
    error: Vec<Option<String>>,
    counts: Vec<Vec<CountTuple>>,
}

impl Groups {
    fn case(&mut self, id: String, report: &covenant::CaseReport, counts: Vec<CountTuple>) {
        self.case.push(Some(id));
        self.report.push(Some(case_json(report)));
        self.breaches.push(Some(report.breaches.len()));
        self.actions.push(Some(report.actions.len()));
        self.warnings.push(Some(report.warnings.len()));
        self.source.push(None);
        self.error.push(None);
        self.counts.push(counts);
    }

    fn rejected(&mut self, rejected: Rejected) {
        self.case.push(rejected.case);
        self.report.push(None);
        self.breaches.push(None);
        self.actions.push(None);
        self.warnings.push(None);
        self.source.push(Some(rejected.source.to_string()));
        self.error.push(Some(rejected.error));
        self.counts.push(Vec::new());
    }
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Policy>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    Ok(())
}
