#![doc = include_str!("../README.md")]
//!
//! # Library
//!
//! The types most programs need are re-exported here:
//!
//! - [`Policy::load`] (a file and its imports) and [`Policy::parse`] (text) check a policy once;
//!   a [`CheckError`] carries every [`Diagnostic`].
//! - [`Case::from_yaml_str`] and [`Case::from_json_str`] read one case; [`case::read_path`],
//!   [`case::read_str`] and [`CaseReader`] read whole files (YAML, JSON, JSON Lines) into a
//!   [`CaseBatch`] of cases and [`Rejected`] ones.
//! - A [`Policy`] is opaque: it is read through its methods ([`Policy::name`],
//!   [`Policy::timezone`], [`Policy::warnings`], [`Policy::calendar`], the names of its rules, …)
//!   and holds the policy compiled for evaluation, so a change to how the language's rules are
//!   represented is not a change to this interface.
//! - [`Policy::evaluate`] evaluates one case into a [`CaseReport`]; an [`Evaluator`] evaluates
//!   many. [`batch::evaluate_whole`] turns a [`CaseBatch`] into one [`Report`] (with objectives),
//!   and [`Batch`] streams JSON Lines events of any size through evaluation to a writer with
//!   bounded memory. [`Policy::try_evaluate`] and [`Evaluator::try_evaluate`] return an
//!   [`InternalError`] (a bug, never caused by the input) instead of a report; the batch functions
//!   reject the case it happened on.
//!
//! Evaluation is pure and the types are thread-safe: one policy can serve any number of threads
//! (see `examples/service.rs`). The guarantees (no panics, determinism, nothing dropped) and the
//! limits on input are described in `docs/reliability.md` and [`limits`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable
    )
)]

pub mod batch;
pub mod case;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod compile;
pub mod diag;
pub mod eval;
pub mod expect;
pub mod fmt;
pub mod generate;
pub mod limits;
pub mod report;
pub mod schema;
pub mod syntax;
pub mod terminal;
pub mod time;
pub mod vocab;

pub use batch::{Batch, BatchOptions};
pub use case::{Case, CaseBatch, CaseFormat, CaseReader, ReadOptions, Rejected};
pub use check::{CheckError, Policy};
/// The instant types of the API, from `chrono`.
pub use chrono::{DateTime, Utc};
pub use diag::{Diagnostic, Severity};
pub use eval::{Evaluator, InternalError};
pub use report::{CaseReport, Report};
