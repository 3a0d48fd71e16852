//! `covenant generate --cases N --seed S [--policy P]`: writes a realistic,
//! interleaved JSONL event stream to standard output (see [`crate::generate`]).

use super::eval::load_policy;
use super::Exit;
use crate::check::Policy;
use crate::generate::{generate, GenerateOptions, CONTACT_CENTRE_POLICY};
use chrono::{DateTime, Utc};
use clap::Args;
use std::io::BufWriter;
use std::path::PathBuf;

/// Arguments of `covenant generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of cases.
    #[arg(long, default_value_t = 1000)]
    pub cases: u64,
    /// Seed: the same seed (with the same policy) gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The policy whose events to generate; default: a built-in contact-centre policy.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The folder the policy's imports may come from (default: the policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// When the first case opens (RFC 3339).
    #[arg(long, default_value = "2026-06-01T08:00:00Z")]
    pub start: DateTime<Utc>,
}

/// Runs `covenant generate`.
pub fn run(args: &GenerateArgs) -> Exit {
    let policy = match &args.policy {
        Some(path) => match load_policy(path, args.root.as_deref()) {
            Ok(policy) => policy,
            Err(exit) => return exit,
        },
        None => match Policy::parse(CONTACT_CENTRE_POLICY) {
            Ok(policy) => policy,
            Err(error) => {
                super::error(format!("the built-in policy does not check: {error}"));
                return Exit::Unusable;
            }
        },
    };
    let options = GenerateOptions {
        cases: args.cases,
        seed: args.seed,
        start: args.start,
    };
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match generate(&policy, &options, &mut out) {
        Ok(_) => Exit::Success,
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
            super::error(&error);
            Exit::Unusable
        }
        Err(error) => {
            super::error(format!("cannot write: {error}"));
            Exit::Unusable
        }
    }
}
