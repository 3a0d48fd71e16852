#![doc = include_str!("../README.md")]
//!
//! # Library
//!
//! The types most programs need are re-exported here: load or parse a [`Policy`] once, read
//! [`Case`]s, and evaluate them with [`Policy::evaluate`] (or an [`Evaluator`] kept for many cases)
//! into [`CaseReport`]s; [`Evaluator::evaluate_all`] turns a batch of cases into one [`Report`].
//! Everything is pure and thread-safe: one policy can serve any number of threads. The guarantees
//! (no panics, determinism, nothing dropped) and the input limits are described in
//! `docs/reliability.md`.
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
pub mod diag;
pub mod eval;
pub mod expect;
pub mod fmt;
pub mod generate;
pub mod limits;
pub mod report;
pub mod syntax;
pub mod time;

pub use case::{Case, CaseBatch, CaseFormat, CaseReader, ReadOptions, Rejected};
pub use check::{CheckError, Policy};
/// The instant types of the API, from `chrono`.
pub use chrono::{DateTime, Utc};
pub use diag::{Diagnostic, Severity};
pub use eval::Evaluator;
pub use report::{CaseReport, Report};
