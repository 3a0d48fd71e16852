//! Name resolution, imports and semantic validation: AST files in, a validated [`Policy`] out.
//!
//! The checker reports every problem at once as [`Diagnostic`]s. A [`Policy`]
//! only exists when there are no errors; the evaluator reads nothing else.

use crate::diag::{Diagnostic, SourceMap};
use crate::syntax::ast;
use crate::time::Calendar;
use chrono::TimeDelta;
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// What a `term` word means once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A bound amount of elapsed time.
    Duration(TimeDelta),
    /// No time: a promise using this word is vague.
    Vague,
}

/// A validated policy: every name resolves, every time and date is valid, calendars are compiled.
///
/// Declarations from `use`d files are merged in. Rule declarations are the AST
/// nodes themselves; every name they mention is guaranteed to resolve in the
/// maps below.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The header's name (the first file's header).
    pub name: String,
    /// `version N`.
    pub version: Option<u64>,
    /// `owner "…"`.
    pub owner: Option<String>,
    /// Policy timezone: for calendars without their own, naive case timestamps and report offsets.
    pub timezone: Option<Tz>,
    /// Compiled calendars by name.
    pub calendars: BTreeMap<String, Calendar>,
    /// Ranks, lowest first (the index is the level).
    pub ranks: Vec<String>,
    /// Venues by name.
    pub venues: BTreeMap<String, ast::Privacy>,
    /// Term words by name.
    pub terms: BTreeMap<String, Term>,
    /// Promises in declaration order.
    pub promises: Vec<ast::Promise>,
    /// Standards in declaration order.
    pub standards: Vec<ast::Standard>,
    /// The commitments block, if any.
    pub commitments: Option<ast::Commitments>,
    /// Escalation chains in declaration order.
    pub escalations: Vec<ast::Escalation>,
    /// Objectives in declaration order.
    pub objectives: Vec<ast::Objective>,
    /// Warnings found while checking (errors prevent a `Policy`).
    pub warnings: Vec<Diagnostic>,
    /// The source files, for rendering diagnostics.
    pub sources: SourceMap,
}
