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
pub(crate) const ITEM_KEYWORDS: [&str; 13] = [
    "policy",
    "use",
    "calendar",
    "ranks",
    "venues",
    "term",
    "event",
    "attribute",
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

/// Reads the time a case gives a staff promise (the `within:` of a `promised` event): an amount
/// (`24h`, `90m`, `3 workdays`, either followed by `on CALENDAR`), a cut-off (`by 17:00 same day`,
/// `by 12:00 next workday on office`, without `if before`) or a word, which the policy's terms give
/// a meaning. Spans are offsets in `text`.
///
/// The error is a lowercase message with the text in backticks, saying what to write instead: an
/// unknown unit (`10min`), a number and its unit apart (`10 m`), a cut-off that is not one, a time
/// or count out of range.
pub fn parse_promise_time(text: &str) -> Result<ast::PromiseTime, String> {
    let parsed =
        PolicyParser::parse(Rule::promise_time, text).map_err(|_| promise_time_error(text))?;
    let mut builder = parse::Builder::new(FileId(0), 0);
    let time = parsed
        .into_iter()
        .next()
        .ok_or_else(|| promise_time_error(text))
        .and_then(|pair| {
            builder
                .parse_promise_time(pair)
                .map_err(|diagnostic| format!("`{text}`: {}", diagnostic.message))
        })?;
    check_promise_time(text, &time)?;
    Ok(time)
}

/// Why `text` does not read as a promise's time.
fn promise_time_error(text: &str) -> String {
    const FORMS: &str =
        "write a duration (`24h`, `1h30m`), working days (`3 workdays`), a cut-off \
                         (`by 17:00 same day`) or a term of the policy";
    let trimmed = text.trim();
    let digits = trimmed.len()
        - trimmed
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if digits > 0 {
        let (number, rest) = trimmed.split_at(digits);
        let unit: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect();
        if rest.starts_with(char::is_whitespace) && ["s", "m", "h", "d"].contains(&unit.as_str()) {
            return format!(
                "`{text}` is not a time: write the number and its unit together (`{number}{unit}`)"
            );
        }
        if !unit.is_empty() && !["s", "m", "h", "d", "workday", "workdays"].contains(&unit.as_str())
        {
            return format!(
                "`{text}` has an unknown unit `{unit}`: durations are written with `s`, `m`, `h` or `d` (`{number}m`, `1h30m`), working days as `{number} workdays`"
            );
        }
    }
    if trimmed.starts_with("by") {
        return format!(
            "`{text}` is not a cut-off: write `by HH:MM` and then `same day`, `same workday`, `next day`, `next workday` or `in N days`, optionally followed by `on CALENDAR`"
        );
    }
    format!("`{text}` is not a time: {FORMS}")
}

/// The values of a promise's time that the grammar cannot check: amounts and counts in range,
/// times of day that exist, no `if before`.
fn check_promise_time(text: &str, time: &ast::PromiseTime) -> Result<(), String> {
    use crate::limits::{MAX_DAY_COUNT, MAX_DURATION_SECONDS};
    let count = |n: u32, what: &str| {
        if n == 0 || n > MAX_DAY_COUNT {
            Err(format!(
                "`{text}`: the number of {what} is out of range (write 1 to {MAX_DAY_COUNT})"
            ))
        } else {
            Ok(())
        }
    };
    match time {
        ast::PromiseTime::Amount(ast::Amount::Duration { amount, .. }) => {
            if amount.seconds == 0 {
                return Err(format!(
                    "`{text}` is no time at all: write the time promised, such as `10m`"
                ));
            }
            if amount.seconds > MAX_DURATION_SECONDS {
                return Err(format!(
                    "`{text}` is longer than 100 years (`36525d`): check the unit"
                ));
            }
            Ok(())
        }
        ast::PromiseTime::Amount(ast::Amount::Workdays { count: n, .. }) => {
            count(n.value, "workdays")
        }
        ast::PromiseTime::Cutoff(ast::Deadline::Cutoff {
            by, day, if_before, ..
        }) => {
            if if_before.is_some() {
                return Err(format!(
                    "`{text}`: a promise made in a case is made at a known time, so its cut-off has no `if before`; write `by HH:MM …` alone"
                ));
            }
            if by.hour > 23 || by.minute > 59 {
                return Err(format!(
                    "`{text}`: `{:02}:{:02}` is not a time of day",
                    by.hour, by.minute
                ));
            }
            match day {
                ast::CutoffDayAst::InDays(n) => count(n.value, "days"),
                _ => Ok(()),
            }
        }
        ast::PromiseTime::Cutoff(_) | ast::PromiseTime::Word(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promise_times_read_as_written() {
        for text in [
            "24h",
            "1h30m",
            "3 workdays",
            "1 workday on office",
            "2h on office",
            "by 17:00 same day",
            "by 12:00 next workday on office",
            "第一时间",
            "  10m ",
        ] {
            assert!(parse_promise_time(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn promise_times_that_are_not_say_what_to_write() {
        let cases = [
            ("10min", "unknown unit `min`"),
            ("3 days", "unknown unit `days`"),
            ("10 m", "together (`10m`)"),
            ("by 17:00 today", "is not a cut-off"),
            ("by 25:00 same day", "is not a time of day"),
            ("by 17:00 same day if before 15:00", "no `if before`"),
            ("0m", "no time at all"),
            ("0 workdays", "out of range"),
            ("99999999999999999999d", "too large"),
            ("soon please", "is not a time"),
            ("", "is not a time"),
        ];
        for (text, says) in cases {
            let error = parse_promise_time(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
