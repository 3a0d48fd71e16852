//! Syntax errors: a lexical pre-scan (strings, nesting) and pest failures turned into diagnostics.

use super::ast::{FileId, Span};
use super::codes;
use super::grammar::{display_name, Rule};
use crate::diag::Diagnostic;
use pest::error::{Error, ErrorVariant, InputLocation};

// The deepest nesting of `(` and `[` accepted; deeper text is refused before pest sees it.
use crate::limits::{MAX_NESTING, MAX_POLICY_BYTES, MAX_POLICY_LINE_BYTES};

/// The error for a file over [`MAX_POLICY_BYTES`] or with a line over [`MAX_POLICY_LINE_BYTES`]:
/// such text is refused before it is parsed.
pub(super) fn too_large(file: FileId, text: &str) -> Option<Diagnostic> {
    if text.len() > MAX_POLICY_BYTES {
        let span = Span {
            file,
            start: 0,
            end: 0,
        };
        return Some(
            Diagnostic::error(
                codes::FILE_TOO_LARGE,
                format!("policy file is too large ({} bytes)", text.len()),
                span,
            )
            .with_help(format!(
                "a policy file may have at most {MAX_POLICY_BYTES} bytes; split it into files joined with `use`"
            )),
        );
    }
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let length = line.trim_end_matches(['\n', '\r']).len();
        if length > MAX_POLICY_LINE_BYTES {
            let span = Span {
                file,
                start,
                end: start + line.chars().next().map_or(0, char::len_utf8),
            };
            return Some(
                Diagnostic::error(
                    codes::LINE_TOO_LONG,
                    format!("line is too long ({length} bytes)"),
                    span,
                )
                .with_help(format!(
                    "a line may have at most {MAX_POLICY_LINE_BYTES} bytes; break it between words, \
                     where line breaks are free"
                )),
            );
        }
        start += line.len();
    }
    None
}

/// Reports what pest would report poorly: strings not closed on their line, unknown escapes and absurd
/// nesting. Comments are skipped, so a `"` inside a comment is not a string.
pub(super) fn scan(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    let span = |start: usize, end: usize| Span { file, start, end };
    while let Some((at, ch)) = chars.next() {
        match ch {
            '#' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '(' | '[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    out.push(
                        Diagnostic::error(
                            codes::CONDITION_TOO_COMPLEX,
                            "condition is nested too deeply",
                            span(at, at + 1),
                        )
                        .with_help(format!(
                            "use at most {MAX_NESTING} levels of parentheses and brackets"
                        )),
                    );
                    return out;
                }
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '"' => {
                let mut closed = false;
                let mut end = at + 1;
                while let Some((i, c)) = chars.next_if(|&(_, c)| c != '\n' && c != '\r') {
                    end = i + c.len_utf8();
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next_if(|&(_, c)| c != '\n' && c != '\r') {
                            Some((_, '"' | '\\' | 'n' | 't')) => {}
                            Some((j, other)) => {
                                end = j + other.len_utf8();
                                out.push(Diagnostic::error(
                                    codes::UNKNOWN_ESCAPE,
                                    format!("unknown escape `\\{other}` in a string"),
                                    span(i, end),
                                ));
                            }
                            None => {}
                        },
                        _ => {}
                    }
                }
                if !closed {
                    out.push(Diagnostic::error(
                        codes::UNTERMINATED_STRING,
                        "unterminated string",
                        span(at, end),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// The byte offset a pest error points at, relative to the parsed chunk.
pub(super) fn error_offset(error: &Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(at) => at,
        InputLocation::Span((start, _)) => start,
    }
}

/// An `E0101` diagnostic for a pest failure in `chunk`, which starts at byte `base` of the file.
pub(super) fn from_pest(file: FileId, base: usize, chunk: &str, error: &Error<Rule>) -> Diagnostic {
    let at = error_offset(error);
    let found = token_at(chunk, at);
    let span = Span {
        file,
        start: base + at,
        end: base + at + found.len(),
    };
    let found_text = if found.is_empty() {
        "end of file".to_owned()
    } else {
        format!("`{found}`")
    };
    let mut positives: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // A file that fails at its first declaration reports the whole file; say what a file starts with.
    for rule in &mut positives {
        if *rule == Rule::file {
            *rule = Rule::item;
        }
    }
    // Say the likely thing: a duration is likelier than `N workdays`, and a declaration than the end.
    if positives.contains(&Rule::duration) {
        positives.retain(|r| *r != Rule::integer);
    }
    if positives.contains(&Rule::item) {
        positives.retain(|r| *r != Rule::EOI);
    }
    if let Some((what, help)) = positives.iter().find_map(|r| dangling(*r, found)) {
        return Diagnostic::error(
            codes::UNEXPECTED,
            format!("expected {what} after `{found}`"),
            span,
        )
        .with_help(help);
    }
    let mut expected: Vec<&'static str> = Vec::new();
    for rule in &positives {
        let name = display_name(*rule);
        if !expected.contains(&name) {
            expected.push(name);
        }
    }
    let message = if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {}, found {found_text}", join_or(&expected))
    };
    Diagnostic::error(codes::UNEXPECTED, message, span).with_help(help(&positives, found))
}

/// For a list separator that the grammar refused where it was written (`found`), because a
/// declaration or the end of the file follows it: what it needs after it, and the help.
fn dangling(rule: Rule, found: &str) -> Option<(&'static str, &'static str)> {
    match rule {
        Rule::rank_lt if found == "<" => Some((
            "a rank name",
            "name the next rank after `<`, or delete the `<`: `ranks agent < supervisor < manager`",
        )),
        Rule::list_comma if found == "," => Some((
            "a name",
            "write one more name after the `,`, or delete the `,`",
        )),
        _ => None,
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token starting at `at`: a word, a number-like run, a quoted string or one character. A word
/// runs on through the characters of times, dates, percentages, timezone names, paths and e-mail
/// addresses (`Asia/Shanghai`, `calendars.policy`, `quality@example.com`), so that a text written
/// without quotes is shown, and quoted in the help, whole.
fn token_at(chunk: &str, at: usize) -> &str {
    // `at` is where a pest error points, a character boundary of `chunk`.
    let rest = chunk.get(at..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "";
    };
    let end = if first == '"' {
        rest.char_indices()
            .skip(1)
            .find(|&(_, c)| c == '"' || c == '\n')
            .map_or(rest.len(), |(i, c)| if c == '"' { i + 1 } else { i })
    } else if first.is_alphanumeric() || first == '_' {
        rest.char_indices()
            .find(|&(_, c)| {
                !(c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '%' | '-' | '/' | '@' | '+'))
            })
            .map_or(rest.len(), |(i, _)| i)
    } else {
        first.len_utf8()
    };
    // `end` is a character boundary found in `rest`.
    rest.get(..end).unwrap_or("")
}

/// How weekdays are written.
const DAY_HINT: &str =
    "write weekdays as `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`, or a range like `mon-fri`";

/// How triggers are written.
const TRIGGER_HINT: &str =
    "a trigger is `trigger on EVENT`, `trigger on breach of PROMISE` or `trigger at 80% of PROMISE`";

/// What to do, chosen from the most specific expectation.
fn help(positives: &[Rule], found: &str) -> String {
    let found_word = found
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let expects = |rule: Rule| positives.contains(&rule);
    if let Some(ascii) = found.chars().next().and_then(ascii_twin) {
        if ascii == ' ' {
            return format!("`{found}` is a full-width space: replace it with an ordinary space");
        }
        if found.chars().count() > 1 {
            let written: String = found.chars().map(|c| ascii_twin(c).unwrap_or(c)).collect();
            return format!("`{found}` has full-width characters: write `{written}` instead");
        }
        return format!("`{found}` is a full-width character: write `{ascii}` instead");
    }
    if expects(Rule::colon) && expects(Rule::string) {
        return "write the name, a label in quotes if you want one, a colon and the type: `reason: text`, `tier \"等级\": one of [\"A\", \"B\"]`".to_owned();
    }
    if found_word && expects(Rule::value) {
        return format!("text values are written in double quotes: `\"{found}\"`");
    }
    if found_word && expects(Rule::string) {
        return format!("texts are written in double quotes: `\"{found}\"`");
    }
    if (expects(Rule::rank_name) || expects(Rule::list_name))
        && super::ITEM_KEYWORDS.contains(&found)
    {
        return format!(
            "`{found}` starts a declaration, so it cannot be a name in this list; write the names before it"
        );
    }
    if found_word && expects(Rule::day) {
        return DAY_HINT.to_owned();
    }
    if expects(Rule::rbrace) && (found.is_empty() || super::ITEM_KEYWORDS.contains(&found)) {
        return "a `}` is probably missing: close the block before this point".to_owned();
    }
    if expects(Rule::kw_workdays) {
        return "write a duration like `2h` or `1h30m` (no space), or working days like `2 workdays on office`".to_owned();
    }
    if expects(Rule::kw_on) && expects(Rule::kw_at) && positives.len() == 2 {
        return TRIGGER_HINT.to_owned();
    }
    // Specific expectations first, then the clause lists and the closing brace.
    let generic = |rule: &Rule| {
        matches!(
            rule,
            Rule::item
                | Rule::calendar_line
                | Rule::promise_clause
                | Rule::standard_clause
                | Rule::commitments_clause
                | Rule::escalation_clause
                | Rule::step_clause
                | Rule::objective_clause
                | Rule::header_line
                | Rule::rbrace
                | Rule::EOI
        )
    };
    positives
        .iter()
        .filter(|r| !generic(r))
        .chain(positives.iter().filter(|r| generic(r)))
        .find_map(|rule| hint(*rule))
        .unwrap_or(
            "check the spelling of this word; see docs/language.md for what may be written here",
        )
        .to_owned()
}

/// The ASCII character a full-width one (as typed by a Chinese input method) stands for: the
/// ideographic space, CJK punctuation, and the full-width forms of ASCII punctuation and digits.
/// Full-width letters are left alone: they are letters, and may be part of a name.
fn ascii_twin(c: char) -> Option<char> {
    Some(match c {
        '\u{3000}' => ' ',
        '、' => ',',
        '。' => '.',
        '【' => '[',
        '】' => ']',
        '“' | '”' => '"',
        // Between two times in Chinese text: `09:00～18:00`.
        '～' => '-',
        '\u{FF01}'..='\u{FF5E}' => {
            let ascii = char::from_u32(u32::from(c) - 0xFEE0)?;
            if ascii.is_ascii_alphabetic() {
                return None;
            }
            ascii
        }
        _ => return None,
    })
}

/// A short how-to for the expectations that deserve one.
fn hint(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::duration => "write a number followed by `s`, `m`, `h` or `d`, such as `30m` or `1h30m`",
        Rule::time => "write a time of day as `HH:MM`, such as `09:00` or `18:30`",
        Rule::date => "write a date as `YYYY-MM-DD`, such as `2026-10-01`",
        Rule::day | Rule::day_list | Rule::day_range => DAY_HINT,
        Rule::time_range | Rule::time_ranges => "write opening hours as `HH:MM-HH:MM`, such as `09:00-18:30`",
        Rule::percent => "write a percentage with `%`, such as `75%`",
        Rule::string => "write text in double quotes, such as `\"National Day\"`",
        Rule::ident | Rule::ident_list | Rule::rank_name | Rule::list_name | Rule::pattern | Rule::pattern_list => "names start with a letter or `_` and contain letters, digits or `_`",
        Rule::item => "a file is a list of declarations such as `calendar`, `promise` or `escalation`; check for a misspelled keyword or an extra `}`",
        Rule::calendar_line => "calendar lines start with `open`, `closed`, `hours` or `timezone`; close the calendar with `}`",
        Rule::promise_clause => "promise lines start with `applies`, `from`, `until`, `pause`, `restart`, `target` or `warn`; close the promise with `}`",
        Rule::standard_clause => "standard lines are `applies when …`, `at most N EVENT before EVENT`, `require EVENT before EVENT` or `require EVENT within DEADLINE after EVENT`",
        Rule::commitments_clause => "commitments lines are `require time`, `keep`, `grace DURATION`, `on CALENDAR`, `durations elapsed` or `durations on CALENDAR`, and `end on EVENT`",
        Rule::escalation_clause => "escalation lines start with `applies`, `trigger`, `step`, `restart` or `stop`; close the escalation with `}`",
        Rule::step_clause => "step lines are `after STEP`, `trigger …`, one action, a deadline (`within …`, `by …` or a term), and `keep appointment [grace D] [, moved at most N]`",
        Rule::objective_clause => "objective lines are `applies when …`, `at least P% of PROMISE met` or `at most P% of PROMISE breached`, and `per day|week|month`",
        Rule::header_line => "header lines are `version N`, `owner \"…\"` and `timezone \"Area/City\"`",
        Rule::deadline | Rule::literal_deadline | Rule::within_duration | Rule::within_workdays | Rule::cutoff => "a deadline is `within 2h [on CAL]`, `within 2 workdays on CAL`, `by 11:00 next day [if before 15:00]`, `within TERM` or a term that stands for a whole deadline",
        Rule::amount | Rule::duration_amount | Rule::workdays_amount => "a term stands for an amount (`10m`, `3 workdays on CAL`), a whole deadline (`by 17:00 same day`) or no time (`vague`)",
        Rule::cutoff_day => "after `by HH:MM` write `same day`, `same workday`, `next day`, `next workday` or `in N days`",
        Rule::on_calendar => "working days are counted on a calendar: add `on CALENDAR`",
        Rule::expr | Rule::comparison | Rule::presence | Rule::in_test | Rule::field => "a condition compares a field with a value, such as `kind == \"complaint\"` or `tier in [\"A\", \"vip\"]`",
        Rule::value => "a value is a text in double quotes, a number, `true` or `false`",
        Rule::compare_op => "compare with `==`, `!=`, `<`, `<=`, `>` or `>=`",
        Rule::constraint | Rule::constraint_list => "a staff constraint is `rank above current`, `rank >= RANK` or `not subject`",
        Rule::action => "a step's action is `change handler to …`, `change venue to …`, `appoint …`, `notify RANK` or `do EVENT`",
        Rule::trigger | Rule::trigger_event | Rule::trigger_breach | Rule::trigger_fraction => TRIGGER_HINT,
        Rule::privacy => "venues are `public` or `private`",
        Rule::value_type | Rule::one_of => "a type is `text`, `number`, `boolean` or `one of [\"A\", \"B\"]`",
        Rule::choice => "list the values as quoted texts or numbers: `one of [\"A\", \"B\"]`, `one of [1, 2, 3]`",
        Rule::field_decl | Rule::event_fields => "an event's fields are `NAME: TYPE`, separated by commas: `{ reason: text, queue: text }`",
        Rule::outcome => "an objective counts clock instances that were `met` or `breached`",
        Rule::period | Rule::period_unit => "group the objective `per day`, `per week` or `per month`",
        Rule::rbrace => "close the block with `}`",
        Rule::rparen => "close the parenthesis with `)`",
        Rule::rbracket => "close the list with `]`",
        Rule::integer => "write a whole number, such as `2`",
        Rule::EOI => "delete this, or start a new declaration with a keyword such as `promise`",
        Rule::kw_on => "`on` is needed here, as in `within 2 workdays on office`, `pause on EVENT` or `trigger on EVENT`",
        Rule::kw_current => "`rank above current` asks for a higher rank than the handler's; to name a rank, write `rank > manager` or `rank >= manager`",
        Rule::rank_lt => "list ranks lowest first, separated by `<`: `ranks agent < supervisor < manager`",
        Rule::colon => "write the class, a colon, then the names: `venues private: reception_room, office`",
        Rule::equals => "bind the word with `=`: `term 立即 = 5m`",
        _ => return None,
    })
}
