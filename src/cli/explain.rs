//! `covenant explain --policy PATH CASE [--at INSTANT]`: one case as a timeline
//! in the terminal (every case of the file, one after the other; cases that
//! cannot be read are listed after them). Exit code 0, or 2 when the policy
//! does not check or no case can be read.

use super::eval::{load_policy, parse_instant, read_cases};
use super::{write_stdout, Exit};
use crate::eval::Evaluator;
use crate::report::{explain, Instant};
use crate::terminal::Escaped;
use clap::Args;
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
    let evaluator = Evaluator::new(&policy);
    let mut text = String::new();
    let mut failed = Vec::new();
    for case in &batch.cases {
        let report = match evaluator.try_evaluate(case, as_of) {
            Ok(report) => report,
            Err(error) => {
                failed.push(error.reject(case));
                continue;
            }
        };
        text.push_str(&explain::timeline(
            case,
            &report,
            policy.timezone(),
            Instant::new(as_of, policy.timezone()),
        ));
        text.push('\n');
    }
    for rejected in batch.rejected.iter().chain(&failed) {
        text.push_str(&format!(
            "rejected {}: {}\n",
            Escaped(&rejected.source),
            Escaped(&rejected.error)
        ));
    }
    if batch.cases.is_empty() {
        super::error(format!(
            "`{}` holds no case that can be read",
            args.case.display()
        ));
        eprint!("{text}");
        return Exit::Unusable;
    }
    if write_stdout(&text).is_err() {
        return Exit::Unusable;
    }
    Exit::Success
}
