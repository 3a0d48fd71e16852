//! covenant: service standards, time-limit promises and escalation chains, checked against case timelines.

pub mod batch;
pub mod case;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod generate;
pub mod report;
pub mod syntax;
pub mod time;
