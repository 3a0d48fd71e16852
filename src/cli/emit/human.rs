//! `--format human`: the source line with the span underlined, secondary labels, help, and a summary.
//!
//! Messages, help texts, file names and source lines are written through
//! [`crate::terminal`]: their control characters are shown escaped, never sent to the terminal.

use super::{Located, Place};
use crate::diag::Severity;
use crate::terminal::{escape, Escaped};
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// Terminal styles; all empty when color is off.
struct Style {
    error: &'static str,
    warning: &'static str,
    accent: &'static str,
    bold: &'static str,
    reset: &'static str,
}

impl Style {
    fn new(color: bool) -> Self {
        if color {
            Style {
                error: "\x1b[1;31m",
                warning: "\x1b[1;33m",
                accent: "\x1b[1;34m",
                bold: "\x1b[1m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                error: "",
                warning: "",
                accent: "",
                bold: "",
                reset: "",
            }
        }
    }
}

/// Renders every diagnostic, each followed by an empty line.
pub fn render(diagnostics: &[Located], color: bool) -> String {
    let style = Style::new(color);
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, diagnostic, &style);
        out.push('\n');
    }
    out
}

/// The closing line: `checked N files: N errors, N warnings`.
pub fn summary(files: usize, diagnostics: &[Located]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    format!(
        "checked {files} {}: {errors} {}, {warnings} {}\n",
        plural(files, "file", "files"),
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
    )
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn render_one(out: &mut String, diagnostic: &Located, style: &Style) {
    let (color, marker) = match diagnostic.severity {
        Severity::Error => (style.error, '^'),
        Severity::Warning => (style.warning, '^'),
    };
    let _ = writeln!(
        out,
        "{color}{}[{}]{}{}: {}{}",
        diagnostic.severity_word(),
        diagnostic.code,
        style.reset,
        style.bold,
        Escaped(&diagnostic.message),
        style.reset
    );
    let Some(place) = &diagnostic.place else {
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "  = help: {}", Escaped(help));
        }
        return;
    };
    let gutter = std::iter::once(place.line)
        .chain(diagnostic.notes.iter().map(|n| n.place.line))
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let pad = " ".repeat(gutter);
    let accent = style.accent;
    let reset = style.reset;
    let _ = writeln!(
        out,
        "{pad}{accent}-->{reset} {}:{}:{}",
        Escaped(&place.file),
        place.line,
        place.column
    );
    let _ = writeln!(out, "{pad} {accent}|{reset}");
    snippet(out, place, gutter, marker, None, color, style);
    for note in &diagnostic.notes {
        let _ = writeln!(out, "{pad} {accent}|{reset}");
        let _ = writeln!(
            out,
            "{pad}{accent}:::{reset} {}:{}:{}",
            Escaped(&note.place.file),
            note.place.line,
            note.place.column
        );
        snippet(
            out,
            &note.place,
            gutter,
            '-',
            note.message.as_deref(),
            accent,
            style,
        );
    }
    let _ = writeln!(out, "{pad} {accent}|{reset}");
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(
            out,
            "{pad} {accent}={reset} {}help{}: {}",
            style.bold,
            reset,
            Escaped(help)
        );
    }
}

/// The most characters of a source line a snippet shows; a longer line is cut around the span,
/// with `…` where text is left out.
const MAX_SNIPPET_CHARS: usize = 120;

/// How many characters a cut line shows before the span, when the span is not near its start.
const CONTEXT_BEFORE: usize = 40;

/// One source line with the span underlined by `marker`, and an optional note after the marks.
/// A line longer than [`MAX_SNIPPET_CHARS`] is shown cut around the span. A tab is shown as a
/// space, a control character escaped (the marks stay under the span).
fn snippet(
    out: &mut String,
    place: &Place,
    gutter: usize,
    marker: char,
    note: Option<&str>,
    color: &str,
    style: &Style,
) {
    let chars: Vec<String> = place
        .line_text
        .chars()
        .map(|c| match c {
            '\t' => " ".to_owned(),
            c => escape(c.encode_utf8(&mut [0; 4])).into_owned(),
        })
        .collect();
    let column = place.column.saturating_sub(1).min(chars.len());
    let span_chars = if place.end_line == place.line {
        place.end_column.saturating_sub(place.column)
    } else {
        chars.len().saturating_sub(column)
    };
    let (first, last) = if chars.len() <= MAX_SNIPPET_CHARS {
        (0, chars.len())
    } else {
        let first = if column + CONTEXT_BEFORE < MAX_SNIPPET_CHARS {
            0
        } else {
            column.saturating_sub(CONTEXT_BEFORE)
        };
        (first, (first + MAX_SNIPPET_CHARS).min(chars.len()))
    };
    let cut_before = if first > 0 { "…" } else { "" };
    let cut_after = if last < chars.len() { "…" } else { "" };
    let shown: String = chars.get(first..last).unwrap_or_default().concat();
    let text = format!("{cut_before}{shown}{cut_after}");
    let before: String = chars.get(first..column).unwrap_or_default().concat();
    let underlined: String = chars
        .get(column..column.saturating_add(span_chars).min(last).max(column))
        .unwrap_or_default()
        .concat();
    let offset = " ".repeat(cut_before.width() + before.width());
    let marks = marker.to_string().repeat(underlined.width().max(1));
    let note = note.map(|n| format!(" {}", Escaped(n))).unwrap_or_default();
    let (accent, reset) = (style.accent, style.reset);
    let _ = writeln!(out, "{accent}{:>gutter$} |{reset} {text}", place.line);
    let _ = writeln!(
        out,
        "{} {accent}|{reset} {offset}{color}{marks}{note}{reset}",
        " ".repeat(gutter)
    );
}
