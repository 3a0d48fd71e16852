//! Diagnostics as data: stable codes, severities, messages, labelled spans and help.
//!
//! Every stage (parser, checker, case readers) reports problems as
//! [`Diagnostic`] values over a [`SourceMap`]; rendering (human, json, github,
//! sarif) happens at the edge, in the binary.
//!
//! Message style: lowercase, no trailing period, user input in backticks.

mod code;

pub use code::Code;

use crate::syntax::ast::{FileId, Span};
use crate::terminal::Escaped;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Legal but likely wrong; fails `check` only with `--deny-warnings`.
    Warning,
    /// The policy cannot be used.
    Error,
}

/// A span with an optional note, shown under the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub message: Option<String>,
}

/// One problem found in a policy or case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0203`: a row of the one table of codes, so every code written has a
    /// title and a place in the docs.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One lowercase line; user input in backticks.
    pub message: String,
    /// The primary label first, then secondary ones.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`, with the code's help ([`Code::help`]) unless one is added.
    pub fn error(code: Code, message: impl Into<String>, span: Span) -> Self {
        Self::new(code, Severity::Error, message.into(), span)
    }
    /// A warning at `span`, with the code's help ([`Code::help`]) unless one is added.
    pub fn warning(code: Code, message: impl Into<String>, span: Span) -> Self {
        Self::new(code, Severity::Warning, message.into(), span)
    }
    fn new(code: Code, severity: Severity, message: String, span: Span) -> Self {
        Self {
            code,
            severity,
            message,
            labels: vec![Label {
                span,
                message: None,
            }],
            help: code.help().map(str::to_owned),
        }
    }
    /// Sets the help text (in place of the code's).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: Some(message.into()),
        });
        self
    }
    /// The primary span, if any.
    pub fn primary(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given by the user (relative paths stay relative, for stable output).
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// The text of a 1-based line, without its line break (empty past the end).
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches('\n')
            .trim_end_matches('\r')
    }
}

/// All source files of a run, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// A resolved position: 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.into(),
            text,
            line_starts,
        });
        id
    }
    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }
    /// The id of an already loaded file with this path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }
    /// All files in load order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }
    /// Line and column of a byte offset in a file (clamped to the text).
    pub fn line_col(&self, file: FileId, offset: usize) -> LineCol {
        let Some(f) = self.get(file) else {
            return LineCol { line: 1, column: 1 };
        };
        let offset = offset.min(f.text.len());
        let line = f.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = f.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = f
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        LineCol { line, column }
    }
}

impl Diagnostic {
    /// A plain, one-problem-per-block rendering: `path:line:col: error[E0101]: message`,
    /// then the labels' notes and `  = help: …`, control characters shown escaped
    /// ([`crate::terminal`]). Used by tests, error messages and non-terminal output.
    pub fn render_plain(&self, sources: &SourceMap) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = match self.primary() {
            Some(span) => {
                let path = sources
                    .get(span.file)
                    .map(|f| f.path.display().to_string())
                    .unwrap_or_default();
                let lc = sources.line_col(span.file, span.start);
                format!(
                    "{}:{}:{}: {severity}[{}]: {}\n",
                    Escaped(&path),
                    lc.line,
                    lc.column,
                    self.code,
                    Escaped(&self.message)
                )
            }
            None => format!("{severity}[{}]: {}\n", self.code, Escaped(&self.message)),
        };
        for label in self.labels.iter().skip(1) {
            if let Some(message) = &label.message {
                let lc = sources.line_col(label.span.file, label.span.start);
                out.push_str(&format!(
                    "  {}:{}: note: {}\n",
                    lc.line,
                    lc.column,
                    Escaped(message)
                ));
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {}\n", Escaped(help)));
        }
        out
    }
}
