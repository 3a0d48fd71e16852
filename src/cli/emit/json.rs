//! `--format json`: a JSON array with one object per diagnostic.

use super::{Located, Place};
use crate::diag::Code;
use serde::Serialize;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    code: Code,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: Option<&'a str>,
}

/// Renders the diagnostics as a pretty-printed JSON array, with a final line break.
pub fn render(diagnostics: &[Located]) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|d| {
            let place: Option<&Place> = d.place.as_ref();
            JsonDiagnostic {
                file: place.map(|p| p.file.as_str()),
                line: place.map(|p| p.line),
                column: place.map(|p| p.column),
                end_line: place.map(|p| p.end_line),
                end_column: place.map(|p| p.end_column),
                code: d.code,
                severity: d.severity_word(),
                message: &d.message,
                help: d.help.as_deref(),
                labels: d
                    .notes
                    .iter()
                    .map(|n| JsonLabel {
                        file: &n.place.file,
                        line: n.place.line,
                        column: n.place.column,
                        end_line: n.place.end_line,
                        end_column: n.place.end_column,
                        message: n.message.as_deref(),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}
