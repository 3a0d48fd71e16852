//! `covenant explain --policy PATH CASE [--at INSTANT] [--format text|svg|html] [--case ID]`:
//! one case as a timeline: in the terminal as text (every case of the file, one after the other;
//! cases that cannot be read are listed after them), or drawn, as an SVG picture of one case or
//! an HTML page of every case ([`crate::report::html`]). Exit code 0, or 2 when the policy does
//! not check, no case can be read, `--case` names none of them, or an SVG would need one case of
//! several.

use super::eval::{load_policy, parse_instant, read_cases};
use super::{write_stdout, Exit};
use crate::case::Case;
use crate::case::Rejected;
use crate::eval::Evaluator;
use crate::report::{explain, html, Instant};
use crate::terminal::Escaped;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Arguments of `covenant explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The policy file.
    #[arg(long)]
    pub policy: PathBuf,
    /// The folder the policy's imports may come from (default: the policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The case file (`-` reads standard input).
    pub case: PathBuf,
    /// Evaluation instant in RFC 3339 (without an offset: the policy's timezone); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Only the case with this id.
    #[arg(long = "case", id = "case_id", value_name = "ID")]
    pub case_id: Option<String>,
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// The events, each clock's stretches and every deadline with its reason, as text.
    Text,
    /// The timeline of one case as an SVG picture.
    Svg,
    /// The timelines of the cases on one self-contained HTML page.
    Html,
}

/// Runs `covenant explain`.
pub fn run(args: &ExplainArgs) -> Exit {
    let policy = match load_policy(&args.policy, args.root.as_deref()) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let as_of = match args.at.as_deref().map(|t| parse_instant(t, &policy)) {
        None => super::eval::now(),
        Some(Ok(t)) => t,
        Some(Err(message)) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let batch = match read_cases(&policy, std::slice::from_ref(&args.case)) {
        Ok(batch) => batch,
        Err(message) => {
            super::error(&message);
            return Exit::Unusable;
        }
    };
    let cases: Vec<_> = batch
        .cases
        .iter()
        .filter(|case| args.case_id.as_ref().map_or(true, |id| &case.id == id))
        .collect();
    if let (Some(id), true) = (&args.case_id, cases.is_empty()) {
        super::error(format!(
            "`{}` holds no case `{}` (it holds {})",
            args.case.display(),
            Escaped(id),
            ids(&batch.cases)
        ));
        return Exit::Unusable;
    }
    if batch.cases.is_empty() {
        super::error(format!(
            "`{}` holds no case that can be read",
            args.case.display()
        ));
        eprint!("{}", rejected_lines(&batch.rejected));
        return Exit::Unusable;
    }
    let evaluator = Evaluator::new(&policy);
    let mut evaluated = Vec::new();
    let mut rejected = batch.rejected.clone();
    for case in cases {
        match evaluator.try_evaluate(case, as_of) {
            Ok(report) => evaluated.push((case, report)),
            Err(error) => rejected.push(error.reject(case)),
        }
    }
    let text = match args.format {
        ExplainFormat::Text => {
            let mut text = String::new();
            for (case, report) in &evaluated {
                text.push_str(&explain::timeline(
                    case,
                    report,
                    policy.timezone(),
                    Instant::new(as_of, policy.timezone()),
                ));
                text.push('\n');
            }
            text.push_str(&rejected_lines(&rejected));
            text
        }
        ExplainFormat::Svg => {
            let [(case, report)] = evaluated.as_slice() else {
                super::error(format!(
                    "an SVG picture shows one case, and `{}` holds {}: choose one with `--case ID` (or use `--format html`)",
                    args.case.display(),
                    ids(&batch.cases)
                ));
                return Exit::Unusable;
            };
            match html::case_svg(&evaluator, case, report, as_of) {
                Ok(svg) => svg,
                Err(error) => {
                    super::error(error.to_string());
                    return Exit::Unusable;
                }
            }
        }
        ExplainFormat::Html => match html::explain_page(&evaluator, &evaluated, as_of) {
            Ok(page) => page,
            Err(error) => {
                super::error(error.to_string());
                return Exit::Unusable;
            }
        },
    };
    if args.format != ExplainFormat::Text {
        eprint!("{}", rejected_lines(&rejected));
    }
    if write_stdout(&text).is_err() {
        return Exit::Unusable;
    }
    Exit::Success
}

/// The ids of `cases`, for messages: `A, B and C`, or the count and the first few.
fn ids(cases: &[Case]) -> String {
    let shown: Vec<String> = cases
        .iter()
        .take(5)
        .map(|c| format!("`{}`", Escaped(&c.id)))
        .collect();
    match cases.len() {
        0 => "no case".to_string(),
        1..=5 => shown.join(", "),
        n => format!("{n} cases: {}, …", shown.join(", ")),
    }
}

/// One line per rejected case, its place and reason shown escaped: `rejected SOURCE: REASON`.
fn rejected_lines(rejected: &[Rejected]) -> String {
    rejected
        .iter()
        .map(|r| {
            format!(
                "rejected {}: {}\n",
                Escaped(&r.source.to_string()),
                Escaped(&r.error)
            )
        })
        .collect()
}
