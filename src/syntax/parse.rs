//! Pest pairs to AST: one `parse_<rule>` function per grammar rule.
//!
//! The grammar guarantees the shape of every pair, so a mismatch here is a bug in the parser, never in the
//! policy: it becomes an `E0199` internal-error diagnostic instead of a panic. Problems the grammar cannot
//! express (a clause written twice, a missing `from`, a number too large) are reported here as well.

use super::ast::{
    Action, Amount, CalendarDecl, CalendarLine, ClockTime, Commitments, CompareOp, CutoffDayAst,
    DateLit, DateRange, Day, DayRange, Deadline, Duration, Durations, Escalation, EventDecl,
    EventPattern, Expr, FieldDecl, FileId, Header, Ident, Item, KeepAppointment, Measure,
    Objective, Outcome, Pause, Percent, Period, PeriodUnit, Privacy, Promise, PromiseTime, Ranks,
    Span, Spanned, StaffConstraint, Standard, StandardRule, Step, Str, Target, TermDecl,
    TermMeaning, TimeRange, Trigger, Use, Value, ValueType, VenueTarget, Venues, Warn,
};
use super::codes;
use super::grammar::{is_noise, Rule};
use crate::diag::Diagnostic;
use std::iter::Peekable;

/// A node of the pest parse tree.
type Pair<'i> = pest::iterators::Pair<'i, Rule>;
/// The children of a node of the pest parse tree.
type Pairs<'i> = pest::iterators::Pairs<'i, Rule>;

// How deep a condition may nest: deeper trees are refused rather than risk exhausting the stack
// when they are walked.
use crate::limits::MAX_CONDITION_DEPTH;

/// A conversion result: the error is either a user-facing diagnostic or an internal mismatch.
type Parsed<T> = Result<T, Diagnostic>;

/// Converts the pairs of one parsed chunk of a file into AST nodes.
pub(super) struct Builder {
    file: FileId,
    /// Byte offset of the parsed chunk in the whole file.
    base: usize,
    /// Non-fatal problems found while converting.
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// The significant children of a pair, keywords and punctuation skipped.
struct Cursor<'i> {
    pairs: Peekable<Pairs<'i>>,
    parent: Span,
}

impl<'i> Cursor<'i> {
    fn skip_noise(&mut self) {
        while self.pairs.peek().is_some_and(|p| is_noise(p.as_rule())) {
            self.pairs.next();
        }
    }

    /// The next significant child if it is a `rule`.
    fn optional(&mut self, rule: Rule) -> Option<Pair<'i>> {
        self.skip_noise();
        if self.pairs.peek().is_some_and(|p| p.as_rule() == rule) {
            self.pairs.next()
        } else {
            None
        }
    }

    /// The next significant child, which must be a `rule`.
    fn required(&mut self, rule: Rule) -> Parsed<Pair<'i>> {
        self.optional(rule)
            .ok_or_else(|| internal(self.parent, &format!("missing {rule:?}")))
    }

    /// The next significant child, whatever it is.
    fn next_any(&mut self) -> Parsed<Pair<'i>> {
        self.skip_noise();
        self.pairs
            .next()
            .ok_or_else(|| internal(self.parent, "missing child"))
    }

    /// All remaining significant children.
    fn rest(self) -> impl Iterator<Item = Pair<'i>> {
        self.pairs.filter(|p| !is_noise(p.as_rule()))
    }
}

/// An `E0107` diagnostic: the condition at `span` nests deeper than [`MAX_CONDITION_DEPTH`].
fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::CONDITION_TOO_COMPLEX,
        "condition is nested too deeply",
        span,
    )
    .with_help(format!(
        "a condition may nest at most {MAX_CONDITION_DEPTH} levels of `not`, `and` and `or` (a \
         chain `a or b or …` is as deep as it has parts); split it into simpler conditions"
    ))
}

/// A condition being built, with its depth: the number of nodes on the longest path from it down
/// to a comparison.
type Deep = (Expr, usize);

/// An `E0199` diagnostic: the grammar and this converter disagree.
fn internal(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("internal parser error ({what})"),
        span,
    )
}

/// A clause that may be written once: its value and where it was first written.
type Once<T> = Option<(T, Span)>;

/// Keeps the first value of a clause that may be written once; reports the second.
fn set_once<T>(slot: &mut Once<T>, value: T, what: &str, span: Span, out: &mut Vec<Diagnostic>) {
    match slot {
        Some((_, first)) => out.push(
            Diagnostic::error(
                codes::DUPLICATE_CLAUSE,
                format!("`{what}` is written more than once here"),
                span,
            )
            .with_label(*first, "first written here")
            .with_help(format!("keep one `{what}` clause and delete the others")),
        ),
        None => *slot = Some((value, span)),
    }
}

/// The value of a clause written once, without its position.
fn value<T>(slot: Once<T>) -> Option<T> {
    slot.map(|(value, _)| value)
}

fn missing(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::MISSING_CLAUSE, message, span).with_help(help)
}

/// A decimal number of the grammar (`DIGITS` or `DIGITS.DIGITS`) without leading zeros in its
/// integer part and trailing zeros in its fraction: `007.50` → `7.5`, `3.0` → `3`, `0.0` → `0`.
fn canonical_decimal(number: &str) -> String {
    let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    match fraction.trim_end_matches('0') {
        "" => integer.to_owned(),
        fraction => format!("{integer}.{fraction}"),
    }
}

fn too_large(span: Span, text: &str, what: &str) -> Diagnostic {
    let shown: String = if text.chars().count() > 24 {
        text.chars().take(20).chain("…".chars()).collect()
    } else {
        text.to_owned()
    };
    Diagnostic::error(
        codes::NUMBER_TOO_LARGE,
        format!("{what} `{shown}` is too large"),
        span,
    )
}

impl Builder {
    /// A builder for a chunk that starts at byte `base` of file `file`.
    pub(super) fn new(file: FileId, base: usize) -> Self {
        Self {
            file,
            base,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, pair: &Pair<'_>) -> Span {
        let s = pair.as_span();
        Span {
            file: self.file,
            start: self.base + s.start(),
            end: self.base + s.end(),
        }
    }

    fn cover(&self, first: Span, last: Span) -> Span {
        Span {
            file: self.file,
            start: first.start,
            end: last.end,
        }
    }

    /// The significant children of `pair`, which must be a `rule`.
    fn cursor<'i>(&self, pair: Pair<'i>, rule: Rule) -> Parsed<Cursor<'i>> {
        let parent = self.span(&pair);
        if pair.as_rule() != rule {
            return Err(internal(
                parent,
                &format!("expected {rule:?}, got {:?}", pair.as_rule()),
            ));
        }
        Ok(Cursor {
            pairs: pair.into_inner().peekable(),
            parent,
        })
    }

    fn unexpected(&self, pair: &Pair<'_>) -> Diagnostic {
        internal(self.span(pair), &format!("unexpected {:?}", pair.as_rule()))
    }

    // ------------------------------------------------------------------ file

    /// `next_item`: the declaration, or nothing when it does not convert (its problem goes to
    /// `diagnostics`).
    pub(super) fn parse_next_item(&mut self, pair: Pair<'_>) -> Option<Item> {
        let converted = self
            .cursor(pair, Rule::next_item)
            .and_then(|mut c| c.required(Rule::item))
            .and_then(|item| self.parse_item(item));
        match converted {
            Ok(item) => Some(item),
            Err(diagnostic) => {
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    fn parse_item(&mut self, pair: Pair<'_>) -> Parsed<Item> {
        let inner = self.cursor(pair, Rule::item)?.next_any()?;
        Ok(match inner.as_rule() {
            Rule::header => Item::Header(self.parse_header(inner)?),
            Rule::use_decl => Item::Use(self.parse_use_decl(inner)?),
            Rule::calendar => Item::Calendar(self.parse_calendar(inner)?),
            Rule::ranks => Item::Ranks(self.parse_ranks(inner)?),
            Rule::venues => Item::Venues(self.parse_venues(inner)?),
            Rule::term => Item::Term(self.parse_term(inner)?),
            Rule::event_decl => Item::Event(self.parse_event_decl(inner)?),
            Rule::attribute_decl => Item::Attribute(self.parse_attribute_decl(inner)?),
            Rule::promise => Item::Promise(self.parse_promise(inner)?),
            Rule::standard => Item::Standard(self.parse_standard(inner)?),
            Rule::commitments => Item::Commitments(self.parse_commitments(inner)?),
            Rule::escalation => Item::Escalation(self.parse_escalation(inner)?),
            Rule::objective => Item::Objective(self.parse_objective(inner)?),
            _ => return Err(self.unexpected(&inner)),
        })
    }

    // ------------------------------------------------------------------ header and imports

    fn parse_header(&mut self, pair: Pair<'_>) -> Parsed<Header> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::header)?;
        let name = self.parse_string(c.required(Rule::string)?)?;
        let (mut version, mut owner, mut timezone) = (None, None, None);
        for line in c.rest() {
            let inner = self.cursor(line, Rule::header_line)?.next_any()?;
            let line_span = self.span(&inner);
            match inner.as_rule() {
                Rule::header_version => {
                    let n = self.parse_header_version(inner)?;
                    set_once(&mut version, n, "version", line_span, &mut self.diagnostics);
                }
                Rule::header_owner => {
                    let s = self.parse_header_owner(inner)?;
                    set_once(&mut owner, s, "owner", line_span, &mut self.diagnostics);
                }
                Rule::header_timezone => {
                    let s = self.parse_header_timezone(inner)?;
                    set_once(
                        &mut timezone,
                        s,
                        "timezone",
                        line_span,
                        &mut self.diagnostics,
                    );
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        Ok(Header {
            name,
            version: value(version),
            owner: value(owner),
            timezone: value(timezone),
            span,
        })
    }

    fn parse_header_version(&mut self, pair: Pair<'_>) -> Parsed<Spanned<u64>> {
        let mut c = self.cursor(pair, Rule::header_version)?;
        self.parse_integer(c.required(Rule::integer)?)
    }

    fn parse_header_owner(&mut self, pair: Pair<'_>) -> Parsed<Str> {
        let mut c = self.cursor(pair, Rule::header_owner)?;
        self.parse_string(c.required(Rule::string)?)
    }

    fn parse_header_timezone(&mut self, pair: Pair<'_>) -> Parsed<Str> {
        let mut c = self.cursor(pair, Rule::header_timezone)?;
        self.parse_string(c.required(Rule::string)?)
    }

    fn parse_use_decl(&mut self, pair: Pair<'_>) -> Parsed<super::ast::Use> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::use_decl)?;
        let path = self.parse_string(c.required(Rule::string)?)?;
        Ok(Use { path, span })
    }

    // ------------------------------------------------------------------ calendars

    fn parse_calendar(&mut self, pair: Pair<'_>) -> Parsed<CalendarDecl> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::calendar)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let like = match c.optional(Rule::calendar_like) {
            Some(p) => Some(self.parse_calendar_like(p)?),
            None => None,
        };
        let lines = c
            .rest()
            .map(|line| self.parse_calendar_line(line))
            .collect::<Parsed<_>>()?;
        Ok(CalendarDecl {
            name,
            like,
            lines,
            span,
        })
    }

    fn parse_calendar_like(&mut self, pair: Pair<'_>) -> Parsed<Ident> {
        let mut c = self.cursor(pair, Rule::calendar_like)?;
        self.parse_ident(c.required(Rule::ident)?)
    }

    fn parse_calendar_line(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let inner = self.cursor(pair, Rule::calendar_line)?.next_any()?;
        match inner.as_rule() {
            Rule::calendar_timezone => self.parse_calendar_timezone(inner),
            Rule::open_always => self.parse_open_always(inner),
            Rule::open_weekly => self.parse_open_weekly(inner),
            Rule::open_date => self.parse_open_date(inner),
            Rule::closed_date => self.parse_closed_date(inner),
            Rule::hours_weekly => self.parse_hours_weekly(inner),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_calendar_timezone(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let mut c = self.cursor(pair, Rule::calendar_timezone)?;
        Ok(CalendarLine::Timezone(
            self.parse_string(c.required(Rule::string)?)?,
        ))
    }

    fn parse_open_always(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let span = self.span(&pair);
        self.cursor(pair, Rule::open_always)?;
        Ok(CalendarLine::Always(span))
    }

    fn parse_open_weekly(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::open_weekly)?;
        let days = self.parse_day_list(c.required(Rule::day_list)?)?;
        let intervals = self.parse_time_ranges(c.required(Rule::time_ranges)?)?;
        Ok(CalendarLine::Weekly {
            days,
            intervals,
            span,
        })
    }

    fn parse_hours_weekly(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::hours_weekly)?;
        let days = self.parse_day_list(c.required(Rule::day_list)?)?;
        let intervals = self.parse_time_ranges(c.required(Rule::time_ranges)?)?;
        Ok(CalendarLine::Hours {
            days,
            intervals,
            span,
        })
    }

    fn parse_open_date(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::open_date)?;
        let dates = self.parse_date_range(c.required(Rule::date_range)?)?;
        let intervals = self.parse_time_ranges(c.required(Rule::time_ranges)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        Ok(CalendarLine::OpenDate {
            dates,
            intervals,
            label,
            span,
        })
    }

    fn parse_closed_date(&mut self, pair: Pair<'_>) -> Parsed<CalendarLine> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::closed_date)?;
        let dates = self.parse_date_range(c.required(Rule::date_range)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        Ok(CalendarLine::Closed { dates, label, span })
    }

    fn parse_day_list(&mut self, pair: Pair<'_>) -> Parsed<Vec<DayRange>> {
        let c = self.cursor(pair, Rule::day_list)?;
        c.rest().map(|p| self.parse_day_range(p)).collect()
    }

    fn parse_day_range(&mut self, pair: Pair<'_>) -> Parsed<DayRange> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::day_range)?;
        let first = self.parse_day(c.required(Rule::day)?)?;
        let last = match c.optional(Rule::day) {
            Some(p) => self.parse_day(p)?,
            None => first,
        };
        Ok(DayRange { first, last, span })
    }

    fn parse_day(&mut self, pair: Pair<'_>) -> Parsed<Day> {
        Ok(match pair.as_str() {
            "mon" => Day::Mon,
            "tue" => Day::Tue,
            "wed" => Day::Wed,
            "thu" => Day::Thu,
            "fri" => Day::Fri,
            "sat" => Day::Sat,
            "sun" => Day::Sun,
            _ => return Err(self.unexpected(&pair)),
        })
    }

    fn parse_time_ranges(&mut self, pair: Pair<'_>) -> Parsed<Vec<TimeRange>> {
        let c = self.cursor(pair, Rule::time_ranges)?;
        c.rest().map(|p| self.parse_time_range(p)).collect()
    }

    fn parse_time_range(&mut self, pair: Pair<'_>) -> Parsed<TimeRange> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::time_range)?;
        let start = self.parse_time(c.required(Rule::time)?)?;
        let end = self.parse_time(c.required(Rule::time)?)?;
        Ok(TimeRange { start, end, span })
    }

    fn parse_time(&mut self, pair: Pair<'_>) -> Parsed<ClockTime> {
        let span = self.span(&pair);
        let mut parts = pair.as_str().split(':').map(str::parse::<u32>);
        match (parts.next(), parts.next()) {
            (Some(Ok(hour)), Some(Ok(minute))) => Ok(ClockTime { hour, minute, span }),
            _ => Err(self.unexpected(&pair)),
        }
    }

    fn parse_date_range(&mut self, pair: Pair<'_>) -> Parsed<DateRange> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::date_range)?;
        let first = self.parse_date(c.required(Rule::date)?)?;
        let last = match c.optional(Rule::date) {
            Some(p) => self.parse_date(p)?,
            None => first,
        };
        Ok(DateRange { first, last, span })
    }

    fn parse_date(&mut self, pair: Pair<'_>) -> Parsed<DateLit> {
        let span = self.span(&pair);
        let mut parts = pair.as_str().split('-');
        let year = parts.next().and_then(|s| s.parse::<i32>().ok());
        let month = parts.next().and_then(|s| s.parse::<u32>().ok());
        let day = parts.next().and_then(|s| s.parse::<u32>().ok());
        match (year, month, day) {
            (Some(year), Some(month), Some(day)) => Ok(DateLit {
                year,
                month,
                day,
                span,
            }),
            _ => Err(self.unexpected(&pair)),
        }
    }

    // ------------------------------------------------------------------ ranks, venues, terms

    fn parse_ranks(&mut self, pair: Pair<'_>) -> Parsed<Ranks> {
        let span = self.span(&pair);
        let c = self.cursor(pair, Rule::ranks)?;
        let ranks = c
            .rest()
            .map(|p| self.parse_ident(p))
            .collect::<Parsed<_>>()?;
        Ok(Ranks { ranks, span })
    }

    fn parse_venues(&mut self, pair: Pair<'_>) -> Parsed<Venues> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::venues)?;
        let privacy = self.parse_privacy(c.required(Rule::privacy)?)?.0;
        let names = self.parse_ident_list(c.required(Rule::ident_list)?)?;
        Ok(Venues {
            privacy,
            names,
            span,
        })
    }

    fn parse_privacy(&mut self, pair: Pair<'_>) -> Parsed<(Privacy, Span)> {
        let span = self.span(&pair);
        let word = self.cursor(pair, Rule::privacy)?.pairs.next();
        match word.map(|p| p.as_rule()) {
            Some(Rule::kw_public) => Ok((Privacy::Public, span)),
            Some(Rule::kw_private) => Ok((Privacy::Private, span)),
            _ => Err(internal(span, "privacy")),
        }
    }

    fn parse_term(&mut self, pair: Pair<'_>) -> Parsed<TermDecl> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::term)?;
        let word = self.parse_ident(c.required(Rule::ident)?)?;
        let meaning = c.pairs.find(|p| {
            matches!(
                p.as_rule(),
                Rule::kw_vague | Rule::amount | Rule::literal_deadline
            )
        });
        let meaning = match meaning {
            Some(p) if p.as_rule() == Rule::kw_vague => TermMeaning::Vague(self.span(&p)),
            Some(p) if p.as_rule() == Rule::amount => TermMeaning::Amount(self.parse_amount(p)?),
            Some(p) => TermMeaning::Deadline(self.parse_literal_deadline(p)?),
            None => return Err(internal(span, "term meaning")),
        };
        Ok(TermDecl {
            word,
            meaning,
            span,
        })
    }

    /// `amount`: `10m [on CAL]` or `3 workdays [on CAL]`.
    fn parse_amount(&mut self, pair: Pair<'_>) -> Parsed<Amount> {
        let inner = self.cursor(pair, Rule::amount)?.next_any()?;
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::workdays_amount => {
                let mut c = self.cursor(inner, Rule::workdays_amount)?;
                let count = self.parse_integer(c.required(Rule::integer)?)?;
                let on = match c.optional(Rule::on_calendar) {
                    Some(p) => Some(self.parse_on_calendar(p)?),
                    None => None,
                };
                Ok(Amount::Workdays { count, on, span })
            }
            Rule::duration_amount => {
                let mut c = self.cursor(inner, Rule::duration_amount)?;
                let amount = self.parse_duration(c.required(Rule::duration)?)?;
                let on = match c.optional(Rule::on_calendar) {
                    Some(p) => Some(self.parse_on_calendar(p)?),
                    None => None,
                };
                Ok(Amount::Duration { amount, on, span })
            }
            _ => Err(self.unexpected(&inner)),
        }
    }

    /// `literal_deadline`: a deadline written out.
    fn parse_literal_deadline(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let inner = self.cursor(pair, Rule::literal_deadline)?.next_any()?;
        self.parse_deadline_form(inner)
    }

    /// `promise_time`: the whole text of a case's `within:`.
    pub(super) fn parse_promise_time(&mut self, pair: Pair<'_>) -> Parsed<PromiseTime> {
        let inner = self.cursor(pair, Rule::promise_time)?.next_any()?;
        match inner.as_rule() {
            Rule::amount => Ok(PromiseTime::Amount(self.parse_amount(inner)?)),
            Rule::cutoff => Ok(PromiseTime::Cutoff(self.parse_cutoff(inner)?)),
            Rule::ident => Ok(PromiseTime::Word(self.parse_ident(inner)?)),
            _ => Err(self.unexpected(&inner)),
        }
    }

    // ------------------------------------------------------------------ vocabulary

    fn parse_event_decl(&mut self, pair: Pair<'_>) -> Parsed<EventDecl> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::event_decl)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let fields = match c.optional(Rule::event_fields) {
            Some(p) => self
                .cursor(p, Rule::event_fields)?
                .rest()
                .map(|field| self.parse_field_decl(field, Rule::field_decl))
                .collect::<Parsed<_>>()?,
            None => Vec::new(),
        };
        Ok(EventDecl {
            name,
            label,
            fields,
            span,
        })
    }

    fn parse_attribute_decl(&mut self, pair: Pair<'_>) -> Parsed<FieldDecl> {
        self.parse_field_decl(pair, Rule::attribute_decl)
    }

    /// `NAME ["label"]: TYPE`, the body of a `field_decl` or an `attribute_decl`.
    fn parse_field_decl(&mut self, pair: Pair<'_>, rule: Rule) -> Parsed<FieldDecl> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, rule)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let kind = self.parse_value_type(c.required(Rule::value_type)?)?;
        Ok(FieldDecl {
            name,
            label,
            kind,
            span,
        })
    }

    fn parse_value_type(&mut self, pair: Pair<'_>) -> Parsed<ValueType> {
        let span = self.span(&pair);
        let inner = self
            .cursor(pair, Rule::value_type)?
            .pairs
            .next()
            .ok_or_else(|| internal(span, "value type"))?;
        match inner.as_rule() {
            Rule::kw_text => Ok(ValueType::Text { span }),
            Rule::kw_number => Ok(ValueType::Number { span }),
            Rule::kw_boolean => Ok(ValueType::Boolean { span }),
            Rule::one_of => {
                let values = self
                    .cursor(inner, Rule::one_of)?
                    .rest()
                    .map(|choice| self.parse_choice(choice))
                    .collect::<Parsed<_>>()?;
                Ok(ValueType::OneOf { values, span })
            }
            _ => Err(self.unexpected(&inner)),
        }
    }

    /// `choice`: a text or a number of a `one of` list.
    fn parse_choice(&mut self, pair: Pair<'_>) -> Parsed<Value> {
        let inner = self.cursor(pair, Rule::choice)?.next_any()?;
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::string => Ok(Value::Str(self.parse_string(inner)?)),
            Rule::number => self.parse_number(inner, span),
            _ => Err(self.unexpected(&inner)),
        }
    }

    // ------------------------------------------------------------------ promises

    fn parse_promise(&mut self, pair: Pair<'_>) -> Parsed<Promise> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::promise)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let (mut applies, mut from, mut until, mut restart, mut warn) =
            (None, None, None, None, None);
        let mut pauses = Vec::new();
        let mut targets = Vec::new();
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::promise_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::applies => {
                    let e = self.parse_applies(inner)?;
                    set_once(&mut applies, e, "applies", at, &mut self.diagnostics);
                }
                Rule::from_clause => {
                    let p = self.parse_from_clause(inner)?;
                    set_once(&mut from, p, "from", at, &mut self.diagnostics);
                }
                Rule::until_clause => {
                    let p = self.parse_until_clause(inner)?;
                    set_once(&mut until, p, "until", at, &mut self.diagnostics);
                }
                Rule::pause_clause => pauses.push(self.parse_pause_clause(inner)?),
                Rule::restart_clause => {
                    let p = self.parse_restart_clause(inner)?;
                    set_once(&mut restart, p, "restart", at, &mut self.diagnostics);
                }
                Rule::target => targets.push(self.parse_target(inner)?),
                Rule::warn => {
                    let w = self.parse_warn(inner)?;
                    set_once(&mut warn, w, "warn", at, &mut self.diagnostics);
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        let what = &name.name;
        if from.is_none() {
            self.diagnostics.push(missing(
                name.span,
                format!("promise `{what}` has no `from` clause"),
                "add `from EVENT` to say which event starts the clock",
            ));
        }
        if until.is_none() {
            self.diagnostics.push(missing(
                name.span,
                format!("promise `{what}` has no `until` clause"),
                "add `until EVENT` to say which event stops the clock",
            ));
        }
        if targets.is_empty() {
            self.diagnostics.push(missing(
                name.span,
                format!("promise `{what}` has no `target`"),
                "add a line such as `target within 2h` to say how long the clock may run",
            ));
        }
        // A missing `from` or `until` is reported above: the file does not check.
        let (from, from_each) = value(from).unwrap_or_default();
        Ok(Promise {
            name,
            label,
            applies: value(applies),
            from,
            from_each,
            until: value(until).unwrap_or_default(),
            pauses,
            // No `restart on`: the clock never restarts.
            restart: value(restart).unwrap_or_default(),
            targets,
            warn: value(warn),
            span,
        })
    }

    fn parse_applies(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let mut c = self.cursor(pair, Rule::applies)?;
        self.parse_expr(c.required(Rule::expr)?)
    }

    /// `from [each] PATTERN, …`: the patterns, and where `each` was written.
    fn parse_from_clause(&mut self, pair: Pair<'_>) -> Parsed<(Vec<EventPattern>, Option<Span>)> {
        let mut c = self.cursor(pair, Rule::from_clause)?;
        let each = c.optional(Rule::from_each).map(|p| self.span(&p));
        let patterns = self.parse_pattern_list(c.required(Rule::pattern_list)?)?;
        Ok((patterns, each))
    }

    fn parse_until_clause(&mut self, pair: Pair<'_>) -> Parsed<Vec<EventPattern>> {
        let mut c = self.cursor(pair, Rule::until_clause)?;
        self.parse_pattern_list(c.required(Rule::pattern_list)?)
    }

    fn parse_pause_clause(&mut self, pair: Pair<'_>) -> Parsed<Pause> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::pause_clause)?;
        let on = self.parse_pattern_list(c.required(Rule::pattern_list)?)?;
        let resume = self.parse_pattern_list(c.required(Rule::pattern_list)?)?;
        Ok(Pause { on, resume, span })
    }

    fn parse_restart_clause(&mut self, pair: Pair<'_>) -> Parsed<Vec<EventPattern>> {
        let mut c = self.cursor(pair, Rule::restart_clause)?;
        self.parse_pattern_list(c.required(Rule::pattern_list)?)
    }

    fn parse_target(&mut self, pair: Pair<'_>) -> Parsed<Target> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::target)?;
        let when = match c.optional(Rule::target_when) {
            Some(p) => Some(self.parse_target_when(p)?),
            None => None,
        };
        let deadline = self.parse_deadline(c.required(Rule::deadline)?)?;
        Ok(Target {
            when,
            deadline,
            span,
        })
    }

    fn parse_target_when(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let mut c = self.cursor(pair, Rule::target_when)?;
        self.parse_expr(c.required(Rule::expr)?)
    }

    fn parse_warn(&mut self, pair: Pair<'_>) -> Parsed<Warn> {
        let inner = self.cursor(pair, Rule::warn)?.next_any()?;
        match inner.as_rule() {
            Rule::warn_at => self.parse_warn_at(inner),
            Rule::warn_before => self.parse_warn_before(inner),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_warn_at(&mut self, pair: Pair<'_>) -> Parsed<Warn> {
        let mut c = self.cursor(pair, Rule::warn_at)?;
        Ok(Warn::At(self.parse_percent(c.required(Rule::percent)?)?))
    }

    fn parse_warn_before(&mut self, pair: Pair<'_>) -> Parsed<Warn> {
        let mut c = self.cursor(pair, Rule::warn_before)?;
        Ok(Warn::Before(
            self.parse_duration(c.required(Rule::duration)?)?,
        ))
    }

    // ------------------------------------------------------------------ deadlines

    fn parse_deadline(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let inner = self.cursor(pair, Rule::deadline)?.next_any()?;
        self.parse_deadline_form(inner)
    }

    /// One form of a deadline (the child of `deadline` or `literal_deadline`).
    fn parse_deadline_form(&mut self, inner: Pair<'_>) -> Parsed<Deadline> {
        match inner.as_rule() {
            Rule::within_workdays => self.parse_within_workdays(inner),
            Rule::within_duration => self.parse_within_duration(inner),
            Rule::within_term => self.parse_within_term(inner),
            Rule::cutoff => self.parse_cutoff(inner),
            Rule::term_deadline => self.parse_term_deadline(inner),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_within_term(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::within_term)?;
        let term = self.parse_ident(c.required(Rule::term_word)?)?;
        let on = match c.optional(Rule::on_calendar) {
            Some(p) => Some(self.parse_on_calendar(p)?),
            None => None,
        };
        Ok(Deadline::WithinTerm { term, on, span })
    }

    fn parse_term_deadline(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let mut c = self.cursor(pair, Rule::term_deadline)?;
        let term = self.parse_ident(c.required(Rule::bare_term)?)?;
        let span = term.span;
        Ok(Deadline::Term { term, span })
    }

    fn parse_within_workdays(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::within_workdays)?;
        let count = self.parse_integer(c.required(Rule::integer)?)?;
        let on = self.parse_on_calendar(c.required(Rule::on_calendar)?)?;
        Ok(Deadline::Workdays { count, on, span })
    }

    fn parse_within_duration(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::within_duration)?;
        let amount = self.parse_duration(c.required(Rule::duration)?)?;
        let on = match c.optional(Rule::on_calendar) {
            Some(p) => Some(self.parse_on_calendar(p)?),
            None => None,
        };
        Ok(Deadline::Within { amount, on, span })
    }

    fn parse_cutoff(&mut self, pair: Pair<'_>) -> Parsed<Deadline> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::cutoff)?;
        let by = self.parse_time(c.required(Rule::time)?)?;
        let day = self.parse_cutoff_day(c.required(Rule::cutoff_day)?)?;
        let if_before = match c.optional(Rule::cutoff_if) {
            Some(p) => Some(self.parse_cutoff_if(p)?),
            None => None,
        };
        let on = match c.optional(Rule::on_calendar) {
            Some(p) => Some(self.parse_on_calendar(p)?),
            None => None,
        };
        Ok(Deadline::Cutoff {
            by,
            day,
            if_before,
            on,
            span,
        })
    }

    fn parse_cutoff_day(&mut self, pair: Pair<'_>) -> Parsed<CutoffDayAst> {
        let inner = self.cursor(pair, Rule::cutoff_day)?.next_any()?;
        match inner.as_rule() {
            Rule::same_day => Ok(CutoffDayAst::SameDay),
            Rule::same_workday => Ok(CutoffDayAst::SameWorkday),
            Rule::next_day => Ok(CutoffDayAst::NextDay),
            Rule::next_workday => Ok(CutoffDayAst::NextWorkday),
            Rule::in_days => self.parse_in_days(inner),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_in_days(&mut self, pair: Pair<'_>) -> Parsed<CutoffDayAst> {
        let mut c = self.cursor(pair, Rule::in_days)?;
        Ok(CutoffDayAst::InDays(
            self.parse_integer(c.required(Rule::integer)?)?,
        ))
    }

    fn parse_cutoff_if(&mut self, pair: Pair<'_>) -> Parsed<ClockTime> {
        let mut c = self.cursor(pair, Rule::cutoff_if)?;
        self.parse_time(c.required(Rule::time)?)
    }

    fn parse_on_calendar(&mut self, pair: Pair<'_>) -> Parsed<Ident> {
        let mut c = self.cursor(pair, Rule::on_calendar)?;
        self.parse_ident(c.required(Rule::ident)?)
    }

    // ------------------------------------------------------------------ patterns and conditions

    fn parse_pattern_list(&mut self, pair: Pair<'_>) -> Parsed<Vec<EventPattern>> {
        let c = self.cursor(pair, Rule::pattern_list)?;
        c.rest().map(|p| self.parse_pattern(p)).collect()
    }

    fn parse_pattern(&mut self, pair: Pair<'_>) -> Parsed<EventPattern> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::pattern)?;
        let event = self.parse_ident(c.required(Rule::ident)?)?;
        let filter = match c.optional(Rule::pattern_where) {
            Some(p) => Some(self.parse_pattern_where(p)?),
            None => None,
        };
        Ok(EventPattern {
            event,
            filter,
            span,
        })
    }

    fn parse_pattern_where(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let mut c = self.cursor(pair, Rule::pattern_where)?;
        self.parse_expr(c.required(Rule::expr)?)
    }

    /// `expr`: `not` binds tightest, then `and`, then `or`; both are left-associative.
    fn parse_expr(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        self.parse_condition(pair).map(|(expr, _)| expr)
    }

    /// [`Self::parse_expr`], with the depth of the condition. The condition is folded as it is
    /// read, and no node deeper than [`MAX_CONDITION_DEPTH`] is ever built: a longer chain of
    /// `not`, `and` or `or` is refused at the operator that goes past the limit, so the syntax
    /// tree of any text is shallow enough for every recursive walk over it (its derived `Drop`,
    /// `Clone`, `Debug` and `PartialEq` included).
    fn parse_condition(&mut self, pair: Pair<'_>) -> Parsed<Deep> {
        let span = self.span(&pair);
        let pairs = self.cursor(pair, Rule::expr)?.pairs;
        let mut alternatives: Option<Deep> = None;
        let mut conjuncts: Option<Deep> = None;
        let mut negations: Vec<Span> = Vec::new();
        for p in pairs {
            match p.as_rule() {
                Rule::kw_not => {
                    // With the comparison under it, this `not` is one level deeper than the
                    // number of `not`s so far.
                    if negations.len() >= MAX_CONDITION_DEPTH {
                        return Err(too_deep(span));
                    }
                    negations.push(self.span(&p));
                }
                Rule::kw_and => {}
                Rule::kw_or => {
                    let conjunction = conjuncts
                        .take()
                        .ok_or_else(|| internal(span, "`or` without a left operand"))?;
                    alternatives = Some(self.join(alternatives, conjunction, false, span)?);
                }
                _ => {
                    let (mut operand, depth) = self.parse_primary(p)?;
                    let depth = depth + negations.len();
                    if depth > MAX_CONDITION_DEPTH {
                        return Err(too_deep(span));
                    }
                    while let Some(not) = negations.pop() {
                        let span = self.cover(not, operand.span());
                        operand = Expr::Not {
                            operand: Box::new(operand),
                            span,
                        };
                    }
                    conjuncts = Some(self.join(conjuncts, (operand, depth), true, span)?);
                }
            }
        }
        let conjunction = conjuncts.ok_or_else(|| internal(span, "empty condition"))?;
        self.join(alternatives, conjunction, false, span)
    }

    /// `left and right` (or `left or right`), or `right` alone when there is no `left`; `E0107`
    /// when that would be deeper than [`MAX_CONDITION_DEPTH`].
    fn join(&self, left: Option<Deep>, right: Deep, and: bool, whole: Span) -> Parsed<Deep> {
        let Some((left, left_depth)) = left else {
            return Ok(right);
        };
        let (right, right_depth) = right;
        let depth = 1 + left_depth.max(right_depth);
        if depth > MAX_CONDITION_DEPTH {
            return Err(too_deep(whole));
        }
        let span = self.cover(left.span(), right.span());
        let (left, right) = (Box::new(left), Box::new(right));
        let expr = if and {
            Expr::And { left, right, span }
        } else {
            Expr::Or { left, right, span }
        };
        Ok((expr, depth))
    }

    /// A comparison, list or presence test (one level deep), or a parenthesised condition (as
    /// deep as the condition: parentheses are not nodes).
    fn parse_primary(&mut self, pair: Pair<'_>) -> Parsed<Deep> {
        match pair.as_rule() {
            Rule::paren => self.parse_paren(pair),
            Rule::in_test => Ok((self.parse_in_test(pair)?, 1)),
            Rule::comparison => Ok((self.parse_comparison(pair)?, 1)),
            Rule::presence => Ok((self.parse_presence(pair)?, 1)),
            _ => Err(self.unexpected(&pair)),
        }
    }

    fn parse_paren(&mut self, pair: Pair<'_>) -> Parsed<Deep> {
        let mut c = self.cursor(pair, Rule::paren)?;
        self.parse_condition(c.required(Rule::expr)?)
    }

    fn parse_in_test(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::in_test)?;
        let field = self.parse_field(c.required(Rule::field)?)?;
        let negated = c.optional(Rule::not_in).is_some();
        let values = c
            .rest()
            .map(|p| self.parse_value(p))
            .collect::<Parsed<_>>()?;
        Ok(Expr::In {
            field,
            negated,
            values,
            span,
        })
    }

    fn parse_comparison(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::comparison)?;
        let field = self.parse_field(c.required(Rule::field)?)?;
        let op = self.parse_compare_op(c.required(Rule::compare_op)?)?;
        let value = self.parse_value(c.required(Rule::value)?)?;
        Ok(Expr::Compare {
            field,
            op,
            value,
            span,
        })
    }

    fn parse_presence(&mut self, pair: Pair<'_>) -> Parsed<Expr> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::presence)?;
        let field = self.parse_field(c.required(Rule::field)?)?;
        Ok(Expr::Present { field, span })
    }

    fn parse_field(&mut self, pair: Pair<'_>) -> Parsed<Ident> {
        if pair.as_rule() != Rule::field {
            return Err(self.unexpected(&pair));
        }
        Ok(Ident {
            name: pair.as_str().to_owned(),
            span: self.span(&pair),
        })
    }

    /// `number` as a literal value; one too large for an `f64` is an `E0104` diagnostic.
    fn parse_number(&mut self, pair: Pair<'_>, span: Span) -> Parsed<Value> {
        let text = pair.as_str();
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Value::Number(Spanned { value, span })),
            _ => Err(too_large(span, text, "number")),
        }
    }

    fn parse_compare_op(&mut self, pair: Pair<'_>) -> Parsed<CompareOp> {
        Ok(match pair.as_str() {
            "==" => CompareOp::Eq,
            "!=" => CompareOp::Ne,
            "<" => CompareOp::Lt,
            "<=" => CompareOp::Le,
            ">" => CompareOp::Gt,
            ">=" => CompareOp::Ge,
            _ => return Err(self.unexpected(&pair)),
        })
    }

    fn parse_value(&mut self, pair: Pair<'_>) -> Parsed<Value> {
        let inner = self.cursor(pair, Rule::value)?.next_any()?;
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::string => Ok(Value::Str(self.parse_string(inner)?)),
            Rule::number => self.parse_number(inner, span),
            Rule::boolean => Ok(Value::Bool(Spanned {
                value: inner.as_str() == "true",
                span,
            })),
            _ => Err(self.unexpected(&inner)),
        }
    }

    // ------------------------------------------------------------------ standards and commitments

    fn parse_standard(&mut self, pair: Pair<'_>) -> Parsed<Standard> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::standard)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let (mut applies, mut restart) = (None, None);
        let mut rule = None;
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::standard_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::applies => {
                    let e = self.parse_applies(inner)?;
                    set_once(&mut applies, e, "applies", at, &mut self.diagnostics);
                }
                Rule::restart_clause => {
                    let p = self.parse_restart_clause(inner)?;
                    set_once(&mut restart, p, "restart", at, &mut self.diagnostics);
                }
                Rule::at_most | Rule::require_before | Rule::require_within => {
                    let r = self.parse_standard_rule(inner)?;
                    if let Some((_, first)) = rule {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE_CLAUSE,
                                format!("standard `{}` has more than one rule", name.name),
                                at,
                            )
                            .with_label(first, "first rule")
                            .with_help("write one rule per standard; declare another standard for this one"),
                        );
                    } else {
                        rule = Some((r, at));
                    }
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        let Some(rule) = value(rule) else {
            return Err(missing(
                name.span,
                format!("standard `{}` has no rule", name.name),
                "add a rule such as `require recorded before resolved` or `at most 1 transferred before responded`",
            ));
        };
        Ok(Standard {
            name,
            label,
            applies: value(applies),
            rule,
            // No `restart on`: the rule has one instance.
            restart: value(restart).unwrap_or_default(),
            span,
        })
    }

    fn parse_standard_rule(&mut self, pair: Pair<'_>) -> Parsed<StandardRule> {
        match pair.as_rule() {
            Rule::at_most => self.parse_at_most(pair),
            Rule::require_before => self.parse_require_before(pair),
            Rule::require_within => self.parse_require_within(pair),
            _ => Err(self.unexpected(&pair)),
        }
    }

    fn parse_at_most(&mut self, pair: Pair<'_>) -> Parsed<StandardRule> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::at_most)?;
        let count = self.parse_integer(c.required(Rule::integer)?)?;
        let event = self.parse_pattern(c.required(Rule::pattern)?)?;
        let before = self.parse_pattern(c.required(Rule::pattern)?)?;
        Ok(StandardRule::AtMost {
            count,
            event,
            before,
            span,
        })
    }

    fn parse_require_before(&mut self, pair: Pair<'_>) -> Parsed<StandardRule> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::require_before)?;
        let event = self.parse_pattern(c.required(Rule::pattern)?)?;
        let before = self.parse_pattern(c.required(Rule::pattern)?)?;
        Ok(StandardRule::RequireBefore {
            event,
            before,
            span,
        })
    }

    fn parse_require_within(&mut self, pair: Pair<'_>) -> Parsed<StandardRule> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::require_within)?;
        let event = self.parse_pattern(c.required(Rule::pattern)?)?;
        let deadline = self.parse_deadline(c.required(Rule::deadline)?)?;
        let after = self.parse_pattern(c.required(Rule::pattern)?)?;
        Ok(StandardRule::RequireWithin {
            event,
            deadline,
            after,
            span,
        })
    }

    fn parse_commitments(&mut self, pair: Pair<'_>) -> Parsed<Commitments> {
        let span = self.span(&pair);
        let c = self.cursor(pair, Rule::commitments)?;
        let (mut require_time, mut keep, mut grace, mut on) = (None, None, None, None);
        let (mut durations, mut end) = (None, None);
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::commitments_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::require_time => {
                    set_once(
                        &mut require_time,
                        at,
                        "require time",
                        at,
                        &mut self.diagnostics,
                    );
                }
                Rule::keep => set_once(&mut keep, at, "keep", at, &mut self.diagnostics),
                Rule::grace => {
                    let d = self.parse_grace(inner)?;
                    set_once(&mut grace, d, "grace", at, &mut self.diagnostics);
                }
                Rule::on_calendar => {
                    let cal = self.parse_on_calendar(inner)?;
                    set_once(&mut on, cal, "on", at, &mut self.diagnostics);
                }
                Rule::durations => {
                    let mut c = self.cursor(inner, Rule::durations)?;
                    let on = match c.optional(Rule::on_calendar) {
                        Some(p) => Some(self.parse_on_calendar(p)?),
                        None => None,
                    };
                    let line = Durations { on, span: at };
                    set_once(&mut durations, line, "durations", at, &mut self.diagnostics);
                }
                Rule::end_on => {
                    let mut c = self.cursor(inner, Rule::end_on)?;
                    let events = self.parse_pattern_list(c.required(Rule::pattern_list)?)?;
                    set_once(&mut end, (events, at), "end on", at, &mut self.diagnostics);
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        Ok(Commitments {
            require_time: value(require_time),
            keep: value(keep),
            grace: value(grace),
            on: value(on),
            durations: value(durations),
            end: value(end),
            span,
        })
    }

    fn parse_grace(&mut self, pair: Pair<'_>) -> Parsed<Duration> {
        let mut c = self.cursor(pair, Rule::grace)?;
        self.parse_duration(c.required(Rule::duration)?)
    }

    // ------------------------------------------------------------------ escalations

    fn parse_escalation(&mut self, pair: Pair<'_>) -> Parsed<Escalation> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::escalation)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let in_order = c.optional(Rule::in_order).map(|p| self.span(&p));
        let (mut applies, mut stop, mut restart) = (None, None, None);
        let (mut triggers, mut steps) = (Vec::new(), Vec::new());
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::escalation_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::applies => {
                    let e = self.parse_applies(inner)?;
                    set_once(&mut applies, e, "applies", at, &mut self.diagnostics);
                }
                Rule::trigger => triggers.push(self.parse_trigger(inner)?),
                Rule::step => steps.push(self.parse_step(inner)?),
                Rule::restart_clause => {
                    let p = self.parse_restart_clause(inner)?;
                    set_once(&mut restart, p, "restart", at, &mut self.diagnostics);
                }
                Rule::stop => {
                    let s = self.parse_stop(inner)?;
                    set_once(&mut stop, s, "stop", at, &mut self.diagnostics);
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        if triggers.is_empty() {
            self.diagnostics.push(missing(
                name.span,
                format!("escalation `{}` has no `trigger`", name.name),
                "add `trigger on EVENT`, `trigger on breach of PROMISE` or `trigger at 80% of PROMISE`",
            ));
        }
        if steps.is_empty() {
            self.diagnostics.push(missing(
                name.span,
                format!("escalation `{}` has no `step`", name.name),
                "add a step such as `step tell_manager { notify manager within 30m }`",
            ));
        }
        Ok(Escalation {
            name,
            label,
            in_order,
            applies: value(applies),
            triggers,
            steps,
            // No `restart on`: the chain has one instance.
            restart: value(restart).unwrap_or_default(),
            // No `stop on`: the chain never stops.
            stop: value(stop).unwrap_or_default(),
            span,
        })
    }

    fn parse_trigger(&mut self, pair: Pair<'_>) -> Parsed<Trigger> {
        let span = self.span(&pair);
        let inner = self.cursor(pair, Rule::trigger)?.next_any()?;
        match inner.as_rule() {
            Rule::trigger_breach => self.parse_trigger_breach(inner, span),
            Rule::trigger_event => self.parse_trigger_event(inner, span),
            Rule::trigger_fraction => self.parse_trigger_fraction(inner, span),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_trigger_breach(&mut self, pair: Pair<'_>, span: Span) -> Parsed<Trigger> {
        let mut c = self.cursor(pair, Rule::trigger_breach)?;
        let promise = self.parse_ident(c.required(Rule::ident)?)?;
        Ok(Trigger::Breach { promise, span })
    }

    fn parse_trigger_event(&mut self, pair: Pair<'_>, span: Span) -> Parsed<Trigger> {
        let mut c = self.cursor(pair, Rule::trigger_event)?;
        let pattern = self.parse_pattern(c.required(Rule::pattern)?)?;
        Ok(Trigger::Event { pattern, span })
    }

    fn parse_trigger_fraction(&mut self, pair: Pair<'_>, span: Span) -> Parsed<Trigger> {
        let mut c = self.cursor(pair, Rule::trigger_fraction)?;
        let percent = self.parse_percent(c.required(Rule::percent)?)?;
        let promise = self.parse_ident(c.required(Rule::ident)?)?;
        Ok(Trigger::Fraction {
            percent,
            promise,
            span,
        })
    }

    fn parse_stop(&mut self, pair: Pair<'_>) -> Parsed<Vec<EventPattern>> {
        let mut c = self.cursor(pair, Rule::stop)?;
        self.parse_pattern_list(c.required(Rule::pattern_list)?)
    }

    fn parse_step(&mut self, pair: Pair<'_>) -> Parsed<Step> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::step)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let (mut after, mut trigger, mut action, mut within, mut keep_appointment) =
            (None, None, None, None, None);
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::step_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::step_after => {
                    let names = self.parse_step_after(inner)?;
                    set_once(&mut after, names, "after", at, &mut self.diagnostics);
                }
                Rule::trigger => {
                    let t = self.parse_trigger(inner)?;
                    set_once(&mut trigger, t, "trigger", at, &mut self.diagnostics);
                }
                Rule::action => {
                    let a = self.parse_action(inner)?;
                    if let Some((_, first)) = action {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE_CLAUSE,
                                format!("step `{}` has more than one action", name.name),
                                at,
                            )
                            .with_label(first, "first action")
                            .with_help(
                                "give each step one action; split the others into their own steps",
                            ),
                        );
                    } else {
                        action = Some((a, at));
                    }
                }
                Rule::deadline => {
                    let d = self.parse_deadline(inner)?;
                    set_once(&mut within, d, "within", at, &mut self.diagnostics);
                }
                Rule::keep_appointment => {
                    let k = self.parse_keep_appointment(inner)?;
                    set_once(
                        &mut keep_appointment,
                        k,
                        "keep appointment",
                        at,
                        &mut self.diagnostics,
                    );
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        let Some(action) = value(action) else {
            return Err(missing(
                name.span,
                format!("step `{}` has no action", name.name),
                "add what must be done: `change handler to …`, `change venue to …`, `appoint …`, `notify RANK` or `do EVENT`",
            ));
        };
        Ok(Step {
            name,
            label,
            after: value(after),
            trigger: value(trigger),
            action,
            within: value(within),
            keep_appointment: value(keep_appointment),
            span,
        })
    }

    fn parse_step_after(&mut self, pair: Pair<'_>) -> Parsed<Vec<Ident>> {
        let mut c = self.cursor(pair, Rule::step_after)?;
        self.parse_ident_list(c.required(Rule::ident_list)?)
    }

    fn parse_action(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let inner = self.cursor(pair, Rule::action)?.next_any()?;
        match inner.as_rule() {
            Rule::change_handler => self.parse_change_handler(inner),
            Rule::change_venue => self.parse_change_venue(inner),
            Rule::appoint => self.parse_appoint(inner),
            Rule::notify => self.parse_notify(inner),
            Rule::do_event => self.parse_do_event(inner),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_change_handler(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::change_handler)?;
        let constraints = self.parse_constraint_list(c.required(Rule::constraint_list)?)?;
        Ok(Action::ChangeHandler { constraints, span })
    }

    fn parse_change_venue(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::change_venue)?;
        let to = match c.optional(Rule::privacy) {
            Some(p) => {
                let (privacy, at) = self.parse_privacy(p)?;
                VenueTarget::Class(privacy, at)
            }
            None => VenueTarget::Named(self.parse_ident(c.required(Rule::ident)?)?),
        };
        Ok(Action::ChangeVenue { to, span })
    }

    fn parse_appoint(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::appoint)?;
        let constraints = self.parse_constraint_list(c.required(Rule::constraint_list)?)?;
        Ok(Action::Appoint { constraints, span })
    }

    fn parse_notify(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::notify)?;
        let rank = self.parse_ident(c.required(Rule::ident)?)?;
        Ok(Action::Notify { rank, span })
    }

    fn parse_do_event(&mut self, pair: Pair<'_>) -> Parsed<Action> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::do_event)?;
        let pattern = self.parse_pattern(c.required(Rule::pattern)?)?;
        Ok(Action::Do { pattern, span })
    }

    fn parse_constraint_list(&mut self, pair: Pair<'_>) -> Parsed<Vec<StaffConstraint>> {
        let c = self.cursor(pair, Rule::constraint_list)?;
        c.rest().map(|p| self.parse_constraint(p)).collect()
    }

    fn parse_constraint(&mut self, pair: Pair<'_>) -> Parsed<StaffConstraint> {
        let inner = self.cursor(pair, Rule::constraint)?.next_any()?;
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::rank_above => Ok(StaffConstraint::RankAboveCurrent(span)),
            Rule::rank_compare => self.parse_rank_compare(inner),
            Rule::not_subject => Ok(StaffConstraint::NotSubject(span)),
            _ => Err(self.unexpected(&inner)),
        }
    }

    fn parse_rank_compare(&mut self, pair: Pair<'_>) -> Parsed<StaffConstraint> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::rank_compare)?;
        let op = self.parse_compare_op(c.required(Rule::compare_op)?)?;
        let rank = self.parse_ident(c.required(Rule::ident)?)?;
        Ok(StaffConstraint::Rank { op, rank, span })
    }

    fn parse_keep_appointment(&mut self, pair: Pair<'_>) -> Parsed<KeepAppointment> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::keep_appointment)?;
        let grace = match c.optional(Rule::grace) {
            Some(p) => Some(self.parse_grace(p)?),
            None => None,
        };
        let moves = match c.optional(Rule::move_limit) {
            Some(p) => {
                let mut limit = self.cursor(p, Rule::move_limit)?;
                Some(self.parse_integer(limit.required(Rule::integer)?)?)
            }
            None => None,
        };
        Ok(KeepAppointment { grace, moves, span })
    }

    // ------------------------------------------------------------------ objectives

    fn parse_objective(&mut self, pair: Pair<'_>) -> Parsed<Objective> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::objective)?;
        let name = self.parse_ident(c.required(Rule::ident)?)?;
        let label = match c.optional(Rule::string) {
            Some(p) => Some(self.parse_string(p)?),
            None => None,
        };
        let (mut applies, mut measure, mut period) = (None, None, None);
        for clause in c.rest() {
            let inner = self.cursor(clause, Rule::objective_clause)?.next_any()?;
            let at = self.span(&inner);
            match inner.as_rule() {
                Rule::applies => {
                    let e = self.parse_applies(inner)?;
                    set_once(&mut applies, e, "applies", at, &mut self.diagnostics);
                }
                Rule::measure => {
                    let m = self.parse_measure(inner)?;
                    set_once(
                        &mut measure,
                        m,
                        "at least/at most",
                        at,
                        &mut self.diagnostics,
                    );
                }
                Rule::period => {
                    let p = self.parse_period(inner)?;
                    set_once(&mut period, p, "per", at, &mut self.diagnostics);
                }
                _ => return Err(self.unexpected(&inner)),
            }
        }
        let Some(measure) = value(measure) else {
            return Err(missing(
                name.span,
                format!("objective `{}` has no measure", name.name),
                "add a line such as `at least 90% of first_response met`",
            ));
        };
        let Some(period) = value(period) else {
            return Err(missing(
                name.span,
                format!("objective `{}` has no period", name.name),
                "add `per day`, `per week` or `per month`",
            ));
        };
        Ok(Objective {
            name,
            label,
            applies: value(applies),
            measure,
            period,
            span,
        })
    }

    fn parse_measure(&mut self, pair: Pair<'_>) -> Parsed<Measure> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::measure)?;
        let at_least = self.parse_measure_bound(c.required(Rule::measure_bound)?)?;
        let percent = self.parse_percent(c.required(Rule::percent)?)?;
        let promise = self.parse_ident(c.required(Rule::ident)?)?;
        let outcome = self.parse_outcome(c.required(Rule::outcome)?)?;
        let within = match c.optional(Rule::deadline) {
            Some(p) => Some(self.parse_deadline(p)?),
            None => None,
        };
        Ok(Measure {
            at_least,
            percent,
            promise,
            outcome,
            within,
            span,
        })
    }

    /// `true` for `at least`, `false` for `at most`.
    fn parse_measure_bound(&mut self, pair: Pair<'_>) -> Parsed<bool> {
        let span = self.span(&pair);
        let c = self.cursor(pair, Rule::measure_bound)?;
        let mut words = c.pairs.map(|p| p.as_rule());
        match words.find(|r| matches!(r, Rule::kw_least | Rule::kw_most)) {
            Some(Rule::kw_least) => Ok(true),
            Some(Rule::kw_most) => Ok(false),
            _ => Err(internal(span, "measure bound")),
        }
    }

    fn parse_outcome(&mut self, pair: Pair<'_>) -> Parsed<Outcome> {
        let span = self.span(&pair);
        let word = self.cursor(pair, Rule::outcome)?.pairs.next();
        match word.map(|p| p.as_rule()) {
            Some(Rule::kw_met) => Ok(Outcome::Met),
            Some(Rule::kw_breached) => Ok(Outcome::Breached),
            _ => Err(internal(span, "outcome")),
        }
    }

    fn parse_period(&mut self, pair: Pair<'_>) -> Parsed<Period> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair, Rule::period)?;
        let unit = self.parse_period_unit(c.required(Rule::period_unit)?)?;
        let on = match c.optional(Rule::on_calendar) {
            Some(p) => Some(self.parse_on_calendar(p)?),
            None => None,
        };
        Ok(Period { unit, on, span })
    }

    fn parse_period_unit(&mut self, pair: Pair<'_>) -> Parsed<PeriodUnit> {
        let span = self.span(&pair);
        let word = self.cursor(pair, Rule::period_unit)?.pairs.next();
        match word.map(|p| p.as_rule()) {
            Some(Rule::kw_day) => Ok(PeriodUnit::Day),
            Some(Rule::kw_week) => Ok(PeriodUnit::Week),
            Some(Rule::kw_month) => Ok(PeriodUnit::Month),
            _ => Err(internal(span, "period unit")),
        }
    }

    // ------------------------------------------------------------------ shared lists and tokens

    fn parse_ident_list(&mut self, pair: Pair<'_>) -> Parsed<Vec<Ident>> {
        let c = self.cursor(pair, Rule::ident_list)?;
        c.rest().map(|p| self.parse_ident(p)).collect()
    }

    /// A name: `ident`, or one of the names of a list or a term where a deadline goes, which the
    /// grammar keeps apart from keywords.
    fn parse_ident(&mut self, pair: Pair<'_>) -> Parsed<Ident> {
        if !matches!(
            pair.as_rule(),
            Rule::ident | Rule::rank_name | Rule::list_name | Rule::term_word | Rule::bare_term
        ) {
            return Err(self.unexpected(&pair));
        }
        Ok(Ident {
            name: pair.as_str().to_owned(),
            span: self.span(&pair),
        })
    }

    /// `string`: the text between the quotes with escapes resolved. Unknown escapes were already
    /// reported by the lexical scan; here they keep the escaped character.
    fn parse_string(&mut self, pair: Pair<'_>) -> Parsed<Str> {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::string {
            return Err(self.unexpected(&pair));
        }
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .ok_or_else(|| internal(span, "string quotes"))?;
        let mut value = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(ch) = chars.next() {
            if ch == '\\' {
                match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(other) => value.push(other),
                    None => {}
                }
            } else {
                value.push(ch);
            }
        }
        Ok(Str { value, span })
    }

    /// `integer` as any unsigned type; a value that does not fit is an `E0104` diagnostic.
    fn parse_integer<T: TryFrom<u64>>(&mut self, pair: Pair<'_>) -> Parsed<Spanned<T>> {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::integer {
            return Err(self.unexpected(&pair));
        }
        let text = pair.as_str();
        text.parse::<u64>()
            .ok()
            .and_then(|n| T::try_from(n).ok())
            .map(|value| Spanned { value, span })
            .ok_or_else(|| too_large(span, text, "number"))
    }

    /// `duration`: `1h30m` is 5400 seconds.
    fn parse_duration(&mut self, pair: Pair<'_>) -> Parsed<Duration> {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::duration {
            return Err(self.unexpected(&pair));
        }
        let text = pair.as_str();
        let mut seconds: u64 = 0;
        let mut amount: u64 = 0;
        for ch in text.chars() {
            let step = match ch {
                '0'..='9' => {
                    amount = amount
                        .checked_mul(10)
                        .and_then(|a| a.checked_add(u64::from(ch) - u64::from('0')))
                        .ok_or_else(|| too_large(span, text, "duration"))?;
                    continue;
                }
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(self.unexpected(&pair)),
            };
            seconds = amount
                .checked_mul(step)
                .and_then(|s| seconds.checked_add(s))
                .ok_or_else(|| too_large(span, text, "duration"))?;
            amount = 0;
        }
        Ok(Duration { seconds, span })
    }

    /// `percent`: `80.5%` is 80.5.
    fn parse_percent(&mut self, pair: Pair<'_>) -> Parsed<Percent> {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::percent {
            return Err(self.unexpected(&pair));
        }
        let text = pair.as_str();
        let number = text.trim_end_matches('%');
        match number.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Percent {
                value,
                digits: canonical_decimal(number),
                span,
            }),
            _ => Err(too_large(span, text, "percentage")),
        }
    }
}
