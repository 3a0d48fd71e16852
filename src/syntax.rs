//! Policy text to AST: the pest grammar in `grammar/policy.pest` and the pairs-to-AST conversion.
//!
//! [`parse`] never panics: syntax problems, numbers too large to hold and grammar/AST mismatches all come
//! back as diagnostics with stable `E01xx` codes (see [`codes`]).

pub mod ast;
pub mod codes;
mod error;
mod grammar;
mod parse;

use crate::diag::Diagnostic;
use ast::FileId;
use grammar::{PolicyParser, Rule};
use pest::Parser;

use crate::limits::MAX_SYNTAX_ERRORS as MAX_ERRORS;

/// The words that start a top-level declaration; after a syntax error, parsing resumes at the next line
/// that starts with one of them.
pub(crate) const ITEM_KEYWORDS: [&str; 11] = [
    "policy",
    "use",
    "calendar",
    "ranks",
    "venues",
    "term",
    "promise",
    "standard",
    "commitments",
    "escalation",
    "objective",
];

/// Parses one policy file. Spans are byte offsets in `text`, tagged with `file`.
///
/// On failure, every diagnostic found is returned: the first is always precise; after a syntax error the
/// parser skips to the next line that starts a declaration and goes on, so one broken item does not hide
/// the problems of the next ones.
pub fn parse(file: FileId, text: &str) -> Result<ast::File, Vec<Diagnostic>> {
    if let Some(too_large) = error::too_large(file, text) {
        return Err(vec![too_large]);
    }
    let mut diagnostics = error::scan(file, text);
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    // One declaration at a time: pest's parse tree takes tens of bytes per byte of text, so only
    // the tree of the declaration being converted is held, never the whole file's.
    let mut items = Vec::new();
    let mut offset = 0;
    // Where the declaration before `offset` starts (since the last error): a problem right after
    // a declaration is reported from there, so the error also names what could have continued it.
    let mut previous = None;
    while let Some(chunk) = text.get(offset..) {
        if only_trivia(chunk) {
            break;
        }
        let next = PolicyParser::parse(Rule::next_item, chunk)
            .ok()
            .and_then(|mut pairs| pairs.next());
        if let Some(pair) = next {
            let end = pair.as_span().end();
            let mut builder = parse::Builder::new(file, offset);
            items.extend(builder.parse_next_item(pair));
            diagnostics.extend(builder.diagnostics);
            previous = Some(offset);
            offset += end.max(1);
            continue;
        }
        // The error the rest of the file gives, as a whole, from the declaration before: it names
        // what may come here (`<` after `ranks a`, say, as well as a declaration).
        let from = previous.take().unwrap_or(offset);
        let rest = text.get(from..).unwrap_or(chunk);
        let failed_at = match PolicyParser::parse(Rule::file, rest) {
            Err(pest_error) => {
                diagnostics.push(error::from_pest(file, from, rest, &pest_error));
                (from + error::error_offset(&pest_error)).max(offset)
            }
            Ok(_) => {
                let span = ast::Span {
                    file,
                    start: offset,
                    end: offset,
                };
                diagnostics.push(Diagnostic::error(
                    codes::INTERNAL,
                    "internal parser error (a declaration that only parses with the rest of the file)",
                    span,
                ));
                offset
            }
        };
        match next_item_start(text, offset, failed_at) {
            Some(next) if diagnostics.len() < MAX_ERRORS => offset = next,
            _ => break,
        }
    }
    if diagnostics.is_empty() {
        Ok(ast::File { id: file, items })
    } else {
        Err(diagnostics)
    }
}

/// Whether `text` holds nothing but what the grammar skips between tokens: white space (`WHITESPACE`)
/// and comments (`COMMENT`). (Asking pest would cost a scan of the whole text for its error.)
fn only_trivia(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{FEFF}']);
        match rest.strip_prefix('#') {
            Some(comment) => {
                rest = comment
                    .find(['\r', '\n'])
                    .and_then(|end| comment.get(end..))
                    .unwrap_or("");
            }
            None => return rest.is_empty(),
        }
    }
}

/// The start of the first line at or after `failed_at` (and after `offset`) whose first word is a
/// top-level keyword.
fn next_item_start(text: &str, offset: usize, failed_at: usize) -> Option<usize> {
    let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
    line_starts.into_iter().find_map(|line_start| {
        let line = text.get(line_start..)?;
        let word_start = line_start + (line.len() - line.trim_start_matches([' ', '\t']).len());
        if word_start <= offset || word_start < failed_at {
            return None;
        }
        let rest = text.get(word_start..)?;
        ITEM_KEYWORDS
            .iter()
            .any(|kw| {
                rest.strip_prefix(kw).is_some_and(|after| {
                    !after
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
            .then_some(word_start)
    })
}
