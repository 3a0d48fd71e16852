//! `covenant generate --cases N --seed S [--policy P] [--days D] [--long-share F --long-span T]`:
//! writes a realistic, interleaved JSONL event stream, in time order across all cases, to
//! standard output (see [`crate::generate`]).

use super::eval::load_policy;
use super::Exit;
use crate::check::Policy;
use crate::generate::{generate, GenerateOptions, CONTACT_CENTRE_POLICY};
use chrono::{DateTime, TimeDelta, Utc};
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
    /// Spread the cases' openings over this many days, at random times at an even rate (default:
    /// one case every 1 to 7 seconds).
    #[arg(long, value_name = "DAYS")]
    pub days: Option<u32>,
    /// The share of cases (0 to 1) that last weeks: their steps are spread over `--long-span` to
    /// 1.5 times it, as a complaint passed between departments is.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub long_share: f64,
    /// How long a long case lasts at least: a number and `w`, `d`, `h`, `m` or `s` (`14d`, `3w`).
    #[arg(long, value_name = "SPAN", default_value = "14d", value_parser = span)]
    pub long_span: TimeDelta,
}

/// Reads `--long-span`: a whole number and a unit, `w` (weeks), `d`, `h`, `m` or `s`.
fn span(text: &str) -> Result<TimeDelta, String> {
    let refuse =
        || format!("`{text}` is not a span: write a number and w, d, h, m or s, such as 14d");
    let unit = text.chars().last().ok_or_else(refuse)?;
    let number: i64 = text
        .get(..text.len() - unit.len_utf8())
        .and_then(|n| n.parse().ok())
        .ok_or_else(refuse)?;
    let seconds = match unit {
        'w' => 7 * 86_400,
        'd' => 86_400,
        'h' => 3600,
        'm' => 60,
        's' => 1,
        _ => return Err(refuse()),
    };
    number
        .checked_mul(seconds)
        .and_then(TimeDelta::try_seconds)
        .filter(|span| *span > TimeDelta::zero() && *span <= TimeDelta::days(36_525))
        .ok_or_else(|| format!("`{text}` is not a span from 1 second to 100 years"))
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
        days: args.days,
        long_share: args.long_share,
        long_span: args.long_span,
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
