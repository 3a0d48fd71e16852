//! The canonical layout of policy files (`covenant fmt`): text in, formatted text out.
//!
//! Formatting parses the file, prints every statement from the AST on its own
//! line in the order written, and puts back the comments, which the parser
//! drops, next to the statement they were on or before. Literal values are kept
//! as written (only redundant zeros go). A file that does not parse is never
//! rewritten: its diagnostics are returned instead.
//!
//! INVARIANT: the output parses to the same AST as the input (spans aside) and
//! holds the same comments in the same order; [`format_source`] checks both and
//! reports an error rather than return text that breaks them.

mod layout;
mod literal;
mod render;
mod trivia;

use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::{File, FileId, Span};
use serde_json::Value as Json;

/// The canonical layout of the policy `text`, or the parse diagnostics when it does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let ast = crate::syntax::parse(file, text)?;
    let comments = trivia::comments(text);
    let formatted = render::render(&layout::layout(&ast, text, &comments), &comments, text);
    let whole_file = Span {
        file,
        start: 0,
        end: 0,
    };
    let reparsed = crate::syntax::parse(file, &formatted).map_err(|_| {
        vec![lost_meaning(
            whole_file,
            "the formatted text of this file does not parse",
        )]
    })?;
    if without_spans(&reparsed) != without_spans(&ast) {
        return Err(vec![lost_meaning(
            whole_file,
            "formatting would change the meaning of this file",
        )]);
    }
    let comment_texts = |source: &str| -> Vec<String> {
        trivia::comments(source)
            .iter()
            .map(|c| c.text(source).to_string())
            .collect()
    };
    if comment_texts(&formatted) != comment_texts(text) {
        return Err(vec![lost_meaning(
            whole_file,
            "formatting would lose or reorder comments of this file",
        )]);
    }
    Ok(formatted)
}

/// The AST as JSON without any position: every span (`span` keys, and `file`/`start`/`end` of spans) is dropped,
/// so two parses of differently laid out text compare equal when they mean the same.
pub fn without_spans(file: &File) -> Json {
    let mut json = serde_json::to_value(file).unwrap_or(Json::Null);
    strip_positions(&mut json);
    json
}

/// Removes position keys from `json`, recursively. Only [`Span`] has a `file` field, so an object with
/// one is a span (on its own, or flattened next to an enum tag) and loses `file`, `start` and `end`.
fn strip_positions(json: &mut Json) {
    match json {
        Json::Object(map) => {
            map.remove("span");
            if map.remove("file").is_some() {
                map.remove("start");
                map.remove("end");
            }
            map.values_mut().for_each(strip_positions);
        }
        Json::Array(values) => values.iter_mut().for_each(strip_positions),
        _ => {}
    }
}

/// The error for a formatting that would not keep the file's meaning or comments.
fn lost_meaning(span: Span, message: &str) -> Diagnostic {
    Diagnostic::error(Code::FormatChangesMeaning, message, span).with_help(
        "the file was left unchanged; please report this file as a formatter bug, \
         and keep its layout by hand meanwhile",
    )
}
