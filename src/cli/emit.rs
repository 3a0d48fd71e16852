//! Diagnostic emitters: one module per `--format` (human, json, github, sarif).
//!
//! Every emitter reads the same [`Located`] diagnostics: a [`Diagnostic`]
//! resolved against its [`SourceMap`] into file, line and column, so runs that
//! used different source maps can be merged, de-duplicated and sorted first.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diag::{Code, Diagnostic, Severity, SourceMap};
use crate::syntax::ast::Span;

/// A position range in a file, resolved for display.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The file's path as the user gave it.
    pub file: String,
    /// 1-based first line.
    pub line: usize,
    /// 1-based first column, in characters.
    pub column: usize,
    /// 1-based last line.
    pub end_line: usize,
    /// 1-based column one past the end, in characters.
    pub end_column: usize,
    /// The text of the first line, without its line break.
    pub line_text: String,
}

impl Place {
    /// Resolves a span, without whitespace at its end; `None` when its file is not in the map.
    pub fn resolve(span: Span, sources: &SourceMap) -> Option<Place> {
        let file = sources.get(span.file)?;
        let start = sources.line_col(span.file, span.start);
        let written = file
            .text
            .get(span.start..span.end.max(span.start))
            .unwrap_or_default();
        let end = sources.line_col(span.file, span.start + written.trim_end().len());
        let line_text = file.line_text(start.line).to_string();
        Some(Place {
            file: file.path.display().to_string(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            line_text,
        })
    }
}

/// A secondary label, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where.
    pub place: Place,
    /// What to say there.
    pub message: Option<String>,
}

/// A diagnostic with its positions resolved, ready for any emitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The one-line message.
    pub message: String,
    /// The primary position, when the diagnostic has one.
    pub place: Option<Place>,
    /// Secondary labels.
    pub notes: Vec<Note>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Located {
    /// Resolves a diagnostic against the sources it was found in.
    pub fn new(diagnostic: &Diagnostic, sources: &SourceMap) -> Self {
        let place = diagnostic
            .primary()
            .and_then(|span| Place::resolve(span, sources));
        let notes = diagnostic
            .labels
            .iter()
            .skip(1)
            .filter_map(|label| {
                Some(Note {
                    place: Place::resolve(label.span, sources)?,
                    message: label.message.clone(),
                })
            })
            .collect();
        Located {
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: diagnostic.message.clone(),
            place,
            notes,
            help: diagnostic.help.clone(),
        }
    }

    /// The word for the severity, as every format writes it.
    pub fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Sorts by file and position and drops exact repeats (a library imported by several checked files).
pub fn sort_and_dedup(diagnostics: &mut Vec<Located>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Located| d.place.as_ref().map(|p| (p.file.clone(), p.line, p.column));
        key(a).cmp(&key(b)).then_with(|| a.code.cmp(&b.code))
    });
    diagnostics.dedup_by(|a, b| a == b);
}
