//! The `covenant` command line: argument types and one function per command.
//!
//! `src/main.rs` only parses [`Cli`] and calls [`run`]. A new command is one
//! [`Command`] variant, one arm in [`run`], and one module under `cli/`.

pub mod check;
pub mod emit;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod generate;
pub mod schema;
pub mod stream;
pub mod test;
pub mod walk;

use clap::{Parser, Subcommand};
use std::process::{ExitCode, Termination};

/// covenant: service standards, time-limit promises and escalation chains, checked against case timelines.
#[derive(Debug, Parser)]
#[command(name = "covenant", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policy files: every problem, each with file:line:col, a code and a help text.
    Check(check::CheckArgs),
    /// Evaluate cases against a policy: breaches, required actions with deadlines, warnings.
    Eval(eval::EvalArgs),
    /// Show one case as a timeline: clocks, pauses, deadlines and why each deadline is what it is.
    Explain(explain::ExplainArgs),
    /// Rewrite policy files in the canonical layout (`--check`: only list the files that would change).
    Fmt(fmt::FmtArgs),
    /// Write a realistic, interleaved JSONL event stream for a policy (deterministic for a seed).
    Generate(generate::GenerateArgs),
    /// Write the JSON Schema of a policy's case files (YAML, JSON and JSON Lines), for exporters and editors.
    Schema(schema::SchemaArgs),
    /// Test policies against their example cases: every `expect:` block checked, `N passed, N failed`.
    Test(test::TestArgs),
}

/// Writes a command's output to standard output and flushes it.
pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes `error: MESSAGE` to standard error, the message's control characters escaped
/// ([`crate::terminal`]): it may hold a path or a value from an untrusted file.
pub(crate) fn error(message: impl std::fmt::Display) {
    eprintln!("error: {}", crate::terminal::Escaped(&message.to_string()));
}

/// Writes `warning: MESSAGE` to standard error, the message's control characters escaped.
pub(crate) fn warning(message: impl std::fmt::Display) {
    eprintln!(
        "warning: {}",
        crate::terminal::Escaped(&message.to_string())
    );
}

/// How a command ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything is valid.
    Success,
    /// 1: problems were found (errors, or warnings with `--deny-warnings`).
    Failure,
    /// 2: the command could not run (bad arguments, unreadable path).
    Unusable,
    /// 3: `eval` ran, but cases were rejected: the report stands on part of the input.
    Rejected,
}

impl Exit {
    /// The numeric exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Unusable => 2,
            Exit::Rejected => 3,
        }
    }
}

impl Termination for Exit {
    fn report(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Test(args) => test::run(&args),
    }
}
