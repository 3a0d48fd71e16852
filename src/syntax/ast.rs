//! The abstract syntax tree of one policy file, with owned spans.
//!
//! Produced by the parser from pest pairs; no pest type appears here. Every
//! node that a diagnostic may point at carries a [`Span`]. The checker reads
//! these nodes, resolves names across files, and the evaluator reads the
//! validated result.

use serde::Serialize;

/// Identifies a source file inside a [`crate::diag::SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct FileId(pub u32);

/// A byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A name written in the policy (Unicode letters allowed), with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A double-quoted string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Str {
    /// The text without quotes, escapes resolved.
    pub value: String,
    /// Where it was written (including the quotes).
    pub span: Span,
}

/// One parsed policy file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct File {
    /// The file's identity in the source map.
    pub id: FileId,
    /// The top-level items in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "a file holds a few dozen items; boxing would only add noise to every match"
)]
pub enum Item {
    /// `policy "Name" { version 3 owner "…" timezone "…" }`
    Header(Header),
    /// `use "path"`
    Use(Use),
    /// `calendar NAME [like BASE] { … }`
    Calendar(CalendarDecl),
    /// `ranks a < b < c`
    Ranks(Ranks),
    /// `venues public: a, b` / `venues private: c`
    Venues(Venues),
    /// `term WORD = 5m` / `term WORD = vague`
    Term(TermDecl),
    /// `event NAME ["label"] [{ FIELD: TYPE, … }]`
    Event(EventDecl),
    /// `attribute NAME ["label"]: TYPE`
    Attribute(FieldDecl),
    /// `promise NAME ["label"] { … }`
    Promise(Promise),
    /// `standard NAME ["label"] { … }`
    Standard(Standard),
    /// `commitments { … }`
    Commitments(Commitments),
    /// `escalation NAME ["label"] { … }`
    Escalation(Escalation),
    /// `objective NAME ["label"] { … }`
    Objective(Objective),
}

/// The policy header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// The policy's display name.
    pub name: Str,
    /// `version N`.
    pub version: Option<Spanned<u64>>,
    /// `owner "…"`.
    pub owner: Option<Str>,
    /// `timezone "Area/City"`: default zone for calendars and naive case timestamps.
    pub timezone: Option<Str>,
    /// The whole header.
    pub span: Span,
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// `use "path"`: import the declarations of another file, relative to this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Use {
    /// The path as written.
    pub path: Str,
    /// The whole statement.
    pub span: Span,
}

/// A calendar declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarDecl {
    /// The calendar's name.
    pub name: Ident,
    /// `like BASE`: start from a copy of another calendar.
    pub like: Option<Ident>,
    /// The lines of the body in source order.
    pub lines: Vec<CalendarLine>,
    /// The whole declaration.
    pub span: Span,
}

/// One line of a calendar body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum CalendarLine {
    /// `timezone "Area/City"`.
    Timezone(Str),
    /// `open 24x7`.
    Always(Span),
    /// `open mon-fri 09:00-12:00, 13:00-18:30`.
    Weekly {
        /// The days the intervals start on.
        days: Vec<DayRange>,
        /// The open intervals.
        intervals: Vec<TimeRange>,
        /// The whole line.
        span: Span,
    },
    /// `closed 2026-10-01..2026-10-08 "National Day"`.
    Closed {
        /// The dates (a single date is a one-day range).
        dates: DateRange,
        /// Optional label.
        label: Option<Str>,
        /// The whole line.
        span: Span,
    },
    /// `hours mon-fri 09:00-17:00`: weekly hours that replace those of the calendar it is `like`.
    Hours {
        /// The days the intervals start on.
        days: Vec<DayRange>,
        /// The open intervals.
        intervals: Vec<TimeRange>,
        /// The whole line.
        span: Span,
    },
    /// `open 2026-10-11 09:00-18:30 "make-up working day"`.
    OpenDate {
        /// The dates with their own hours.
        dates: DateRange,
        /// The open intervals on those dates.
        intervals: Vec<TimeRange>,
        /// Optional label.
        label: Option<Str>,
        /// The whole line.
        span: Span,
    },
}

/// A weekday, `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// `mon-fri` (inclusive, may wrap: `fri-mon`) or a single day `sat`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRange {
    /// First day.
    pub first: Day,
    /// Last day (equal to `first` for a single day).
    pub last: Day,
    /// Where it was written.
    pub span: Span,
}

/// A local time of day as written, `HH:MM` (`24:00` allowed as an end).
/// Values are kept as written so the checker can report `25:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockTime {
    /// Hours as written.
    pub hour: u32,
    /// Minutes as written.
    pub minute: u32,
    /// Where it was written.
    pub span: Span,
}

/// `09:00-18:30`; `end <= start` crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// Opening time.
    pub start: ClockTime,
    /// Closing time.
    pub end: ClockTime,
    /// Where it was written.
    pub span: Span,
}

/// A calendar date as written, `YYYY-MM-DD`; kept raw so the checker can report `2026-02-30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateLit {
    /// Year as written.
    pub year: i32,
    /// Month as written.
    pub month: u32,
    /// Day as written.
    pub day: u32,
    /// Where it was written.
    pub span: Span,
}

/// `2026-10-01..2026-10-08` or a single date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    /// First date.
    pub first: DateLit,
    /// Last date, inclusive (equal to `first` for a single date).
    pub last: DateLit,
    /// Where it was written.
    pub span: Span,
}

/// `ranks agent < supervisor < manager`: an ordered scale, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranks {
    /// The ranks, lowest first.
    pub ranks: Vec<Ident>,
    /// The whole statement.
    pub span: Span,
}

/// Whether venues are public or private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Shop floor, counter, hall: other customers are present.
    Public,
    /// Reception room, office.
    Private,
}

/// `venues private: reception_room, office`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Venues {
    /// The class of the listed venues.
    pub privacy: Privacy,
    /// The venues.
    pub names: Vec<Ident>,
    /// The whole statement.
    pub span: Span,
}

/// `term 立即 = 5m`, `term 三个工作日 = 3 workdays on cn_office`, `term 今天 = by 17:00 same day` or
/// `term 您稍等 = vague`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermDecl {
    /// The word.
    pub word: Ident,
    /// What it is bound to.
    pub meaning: TermMeaning,
    /// The whole statement.
    pub span: Span,
}

/// What a term word means.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermMeaning {
    /// An amount of time (`10m`, `3 workdays on cn_office`): used after `within`.
    Amount(Amount),
    /// A whole deadline (`by 17:00 same day`, `within 2h on office`): used where a deadline goes.
    Deadline(Deadline),
    /// No time: a promise using this word is vague.
    Vague(Span),
}

impl TermMeaning {
    /// What kind of term this is, as messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            TermMeaning::Amount(_) => "an amount of time",
            TermMeaning::Deadline(_) => "a whole deadline",
            TermMeaning::Vague(_) => "a vague word",
        }
    }
}

/// An amount of time, as it follows `within`: a duration or a number of working days, with the
/// calendar it counts on when it names one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Amount {
    /// `10m [on CAL]`: elapsed time, or open time of `CAL`.
    Duration {
        /// The duration.
        amount: Duration,
        /// The calendar whose open time it counts.
        on: Option<Ident>,
        /// The whole amount.
        span: Span,
    },
    /// `3 workdays [on CAL]`: open days of `CAL` (the calendar may be given where it is used).
    Workdays {
        /// N.
        count: Spanned<u32>,
        /// The calendar whose open days it counts.
        on: Option<Ident>,
        /// The whole amount.
        span: Span,
    },
}

impl Amount {
    /// The calendar the amount names, if any.
    pub fn on(&self) -> Option<&Ident> {
        match self {
            Amount::Duration { on, .. } | Amount::Workdays { on, .. } => on.as_ref(),
        }
    }
    /// Where the amount is written.
    pub fn span(&self) -> Span {
        match self {
            Amount::Duration { span, .. } | Amount::Workdays { span, .. } => *span,
        }
    }
}

/// The time a case gives a staff promise (the `within:` of a `promised` event), as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "time", rename_all = "snake_case")]
pub enum PromiseTime {
    /// `24h`, `24h on office`, `3 workdays`, `3 workdays on office`.
    Amount(Amount),
    /// `by 17:00 same day [on CAL]` (a [`Deadline::Cutoff`]).
    Cutoff(Deadline),
    /// A term word of the policy.
    Word(Ident),
}

/// `event transferred "转办" { reason: one of ["unknown", "wrong_desk"] }`: an event type of the
/// policy's vocabulary and the fields it carries besides the fields every event has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDecl {
    /// The event type.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// The fields, in the order written.
    pub fields: Vec<FieldDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// `NAME ["label"]: TYPE`: a field of an event type, or (after `attribute`) an attribute of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDecl {
    /// The field's or attribute's name.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// The values it may hold.
    pub kind: ValueType,
    /// The whole declaration.
    pub span: Span,
}

/// The values a declared field or attribute may hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueType {
    /// `text`.
    Text {
        /// Where it was written.
        span: Span,
    },
    /// `number`.
    Number {
        /// Where it was written.
        span: Span,
    },
    /// `boolean`.
    Boolean {
        /// Where it was written.
        span: Span,
    },
    /// `one of ["A", "B"]`: texts and numbers (never booleans).
    OneOf {
        /// The values, as written.
        values: Vec<Value>,
        /// Where it was written.
        span: Span,
    },
}

/// An elapsed-time duration such as `1h30m`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Duration {
    /// Total seconds (saturating; the checker rejects absurd values).
    pub seconds: u64,
    /// Where it was written.
    pub span: Span,
}

/// A percentage such as `75%` or `80.5%`, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percent {
    /// The number before `%`, as the nearest 64-bit float.
    pub value: f64,
    /// The number before `%` exactly, as decimal digits in canonical form (no leading zeros in
    /// its integer part, no trailing zeros in its fraction, no `.` without a fraction): what its
    /// range is checked on, so that `100.00000000000000001%` is over 100 although its float is
    /// 100.
    #[serde(skip)]
    pub digits: String,
    /// Where it was written.
    pub span: Span,
}

/// A promise (time-limit promise): a clock with targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promise {
    /// The promise's name.
    pub name: Ident,
    /// Display label, e.g. `"首次答复"`.
    pub label: Option<Str>,
    /// `applies when EXPR`, tested on the case state when the clock starts.
    pub applies: Option<Expr>,
    /// `from PATTERN, …`: events that start the clock.
    pub from: Vec<EventPattern>,
    /// `from each …`: where `each` was written. A `from` event then starts a new instance
    /// whenever none is open, and changes nothing while one is.
    pub from_each: Option<Span>,
    /// `until PATTERN, …`: events that stop it.
    pub until: Vec<EventPattern>,
    /// `pause on PATTERN resume on PATTERN` pairs.
    pub pauses: Vec<Pause>,
    /// `restart on PATTERN, …`: events that start a new instance.
    pub restart: Vec<EventPattern>,
    /// `target [when EXPR] …` in order; the first whose condition holds applies.
    pub targets: Vec<Target>,
    /// `warn at P%` / `warn D before`.
    pub warn: Option<Warn>,
    /// The whole declaration.
    pub span: Span,
}

/// `pause on A resume on B`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pause {
    /// Events that pause the clock.
    pub on: Vec<EventPattern>,
    /// Events that resume it.
    pub resume: Vec<EventPattern>,
    /// The whole clause.
    pub span: Span,
}

/// One `target` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// `when EXPR`: the condition; `None` is a catch-all.
    pub when: Option<Expr>,
    /// The deadline rule.
    pub deadline: Deadline,
    /// The whole line.
    pub span: Span,
}

/// A deadline rule, shared by promise targets, standards, escalation steps and commitments.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Deadline {
    /// `within 2h [on CAL]`: elapsed time, or open time of `CAL`.
    Within {
        /// The amount.
        amount: Duration,
        /// Business-time calendar.
        on: Option<Ident>,
        /// The whole rule.
        span: Span,
    },
    /// `within 2 workdays on CAL`: close of the N-th open day after the start day.
    Workdays {
        /// N.
        count: Spanned<u32>,
        /// The calendar (required).
        on: Ident,
        /// The whole rule.
        span: Span,
    },
    /// `by 11:00 next day [if before 15:00] [on CAL]` and the other cut-off shapes.
    Cutoff {
        /// The deadline's local time.
        by: ClockTime,
        /// Which day.
        day: CutoffDayAst,
        /// `if before HH:MM`.
        if_before: Option<ClockTime>,
        /// Calendar for the zone (and for `next workday`); the policy zone otherwise.
        on: Option<Ident>,
        /// The whole rule.
        span: Span,
    },
    /// `within 第一时间 [on CAL]`: the amount a term stands for.
    WithinTerm {
        /// The term.
        term: Ident,
        /// The calendar, when the term names none.
        on: Option<Ident>,
        /// The whole rule.
        span: Span,
    },
    /// `今天`: the whole deadline a term stands for.
    Term {
        /// The term.
        term: Ident,
        /// The whole rule.
        span: Span,
    },
}

impl Deadline {
    /// Where the whole rule is written.
    pub fn span(&self) -> Span {
        match self {
            Deadline::Within { span, .. }
            | Deadline::Workdays { span, .. }
            | Deadline::Cutoff { span, .. }
            | Deadline::WithinTerm { span, .. }
            | Deadline::Term { span, .. } => *span,
        }
    }
}

/// The day part of a cut-off, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoffDayAst {
    /// `same day`.
    SameDay,
    /// `next day`.
    NextDay,
    /// `in N days`.
    InDays(Spanned<u32>),
    /// `same workday`.
    SameWorkday,
    /// `next workday`.
    NextWorkday,
}

/// `warn at 75%` or `warn 30m before`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warn {
    /// A fraction of the target.
    At(Percent),
    /// A duration before the due time.
    Before(Duration),
}

/// An event pattern: an event type and an optional filter, `transferred where reason == "unknown"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPattern {
    /// The event type.
    pub event: Ident,
    /// `where EXPR`, evaluated on the event's fields first, then the case state.
    pub filter: Option<Expr>,
    /// The whole pattern.
    pub span: Span,
}

/// A condition expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "expr", rename_all = "snake_case")]
pub enum Expr {
    /// `a and b`.
    And {
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a or b`.
    Or {
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `not a`.
    Not {
        /// The operand.
        operand: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `field OP value`.
    Compare {
        /// The attribute or event field read.
        field: Ident,
        /// The operator.
        op: CompareOp,
        /// The value compared against.
        value: Value,
        /// The whole comparison.
        span: Span,
    },
    /// `field in [v, …]` / `field not in [v, …]`.
    In {
        /// The attribute or event field read.
        field: Ident,
        /// `not in`.
        negated: bool,
        /// The list.
        values: Vec<Value>,
        /// The whole test.
        span: Span,
    },
    /// `field` alone, or `has field`: true when the field is present and not `false`/empty.
    Present {
        /// The field.
        field: Ident,
        /// The whole test.
        span: Span,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CompareOp {
    /// The operator as written: `==`, `!=`, `<`, `<=`, `>`, `>=`.
    pub fn text(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// Whether a comparison holds when its two sides compare as `ordering` (`None`: they cannot
    /// be compared, a text with a number that is not one, or no value at all): only `!=` holds
    /// then. The evaluator and the checker's reading of declared values both decide by it.
    #[inline]
    pub fn holds(self, ordering: Option<std::cmp::Ordering>) -> bool {
        use std::cmp::Ordering;
        match (self, ordering) {
            (CompareOp::Ne, Some(o)) => o != Ordering::Equal,
            (CompareOp::Ne, None) => true,
            (_, None) => false,
            (CompareOp::Eq, Some(o)) => o == Ordering::Equal,
            (CompareOp::Lt, Some(o)) => o == Ordering::Less,
            (CompareOp::Le, Some(o)) => o != Ordering::Greater,
            (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
            (CompareOp::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// `"text"`.
    Str(Str),
    /// `42`, `3.5`.
    Number(Spanned<f64>),
    /// `true` / `false`.
    Bool(Spanned<bool>),
}

/// A service standard: a rule on the order and count of events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standard {
    /// The standard's name.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// `applies when EXPR` (tested on the case state at the case's first event).
    pub applies: Option<Expr>,
    /// The rule.
    pub rule: StandardRule,
    /// `restart on PATTERN, …`: events that end the current instance of the rule and start a new
    /// one (empty: the rule has one instance).
    pub restart: Vec<EventPattern>,
    /// The whole declaration.
    pub span: Span,
}

/// The rule of a standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum StandardRule {
    /// `at most N A before B`.
    AtMost {
        /// N.
        count: Spanned<u32>,
        /// The counted events.
        event: EventPattern,
        /// The closing event.
        before: EventPattern,
        /// The whole rule.
        span: Span,
    },
    /// `require A before B`.
    RequireBefore {
        /// The required event.
        event: EventPattern,
        /// The event it must precede.
        before: EventPattern,
        /// The whole rule.
        span: Span,
    },
    /// `require A within D after B` (the same meaning as a promise from B until A).
    RequireWithin {
        /// The required event.
        event: EventPattern,
        /// The time allowed.
        deadline: Deadline,
        /// The starting event.
        after: EventPattern,
        /// The whole rule.
        span: Span,
    },
}

/// `commitments { require time  keep  grace D  on CAL  durations …  end on … }`: rules for promises
/// made by staff during a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitments {
    /// `require time`: a promise without a time, or with a vague term, is a breach when made.
    pub require_time: Option<Span>,
    /// `keep`: each promise must be fulfilled by its due time.
    pub keep: Option<Span>,
    /// `grace D`: tolerated lateness for `keep`.
    pub grace: Option<Duration>,
    /// `on CAL`: the calendar of promises: working days and cut-offs count its days (and, without
    /// a `durations` line, bare durations count its open time).
    pub on: Option<Ident>,
    /// `durations elapsed` / `durations on CAL`: what a bare duration given in a case counts.
    pub durations: Option<Durations>,
    /// `end on EVENTS`: the events that end the open commitments, with where the clause is written.
    pub end: Option<(Vec<EventPattern>, Span)>,
    /// The whole block.
    pub span: Span,
}

/// What a bare duration given in a case (`within: 24h`) counts: `durations elapsed` or
/// `durations on CAL`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Durations {
    /// The calendar whose open time they count; `None` for elapsed time.
    pub on: Option<Ident>,
    /// The whole line.
    pub span: Span,
}

/// An escalation chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    /// The chain's name.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// `in order` after the name: each step without `after` waits for the step above it. Without
    /// it, a step without `after` waits for no other step.
    pub in_order: Option<Span>,
    /// `applies when EXPR`: the guard, tested when the trigger fires.
    pub applies: Option<Expr>,
    /// `trigger …`: what activates the chain (any of several).
    pub triggers: Vec<Trigger>,
    /// The steps, in the order written.
    pub steps: Vec<Step>,
    /// `restart on PATTERN, …`: each matching event starts a new instance of the chain.
    pub restart: Vec<EventPattern>,
    /// `stop on PATTERN, …`.
    pub stop: Vec<EventPattern>,
    /// The whole declaration.
    pub span: Span,
}

impl Escalation {
    /// The steps that step `index` waits for, by name: its `after` names; without `after`, the
    /// step above it when the chain is `in order`, else none.
    pub fn waits_for(&self, index: usize) -> Vec<&Ident> {
        let Some(step) = self.steps.get(index) else {
            return Vec::new();
        };
        match &step.after {
            Some(names) => names.iter().collect(),
            None if self.in_order.is_some() => index
                .checked_sub(1)
                .and_then(|above| self.steps.get(above))
                .map(|above| &above.name)
                .into_iter()
                .collect(),
            None => Vec::new(),
        }
    }
}

/// What activates a chain or a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum Trigger {
    /// `trigger on PATTERN`.
    Event {
        /// The event.
        pattern: EventPattern,
        /// The whole clause.
        span: Span,
    },
    /// `trigger on breach of PROMISE`.
    Breach {
        /// The promise.
        promise: Ident,
        /// The whole clause.
        span: Span,
    },
    /// `trigger at 80% of PROMISE`.
    Fraction {
        /// The fraction of the target.
        percent: Percent,
        /// The promise.
        promise: Ident,
        /// The whole clause.
        span: Span,
    },
}

/// One step of a chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The step's name.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// `after a, b`: preconditions; `None`: the step above in a chain `in order`, else none.
    pub after: Option<Vec<Ident>>,
    /// `trigger …`: the step's own trigger, which must fire after its preconditions.
    pub trigger: Option<Trigger>,
    /// What must be done.
    pub action: Action,
    /// `within …`: deadline counted from when the step became due.
    pub within: Option<Deadline>,
    /// `keep appointment [grace D]`.
    pub keep_appointment: Option<KeepAppointment>,
    /// The whole step.
    pub span: Span,
}

/// `keep appointment [grace 10m] [, moved at most N]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeepAppointment {
    /// Tolerated lateness.
    pub grace: Option<Duration>,
    /// `moved at most N`: how often the agreed time may be moved (any number without it).
    pub moves: Option<Spanned<u32>>,
    /// The whole clause.
    pub span: Span,
}

/// The action of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// `change handler to CONSTRAINT, …`.
    ChangeHandler {
        /// All must hold for the new handler.
        constraints: Vec<StaffConstraint>,
        /// The whole action.
        span: Span,
    },
    /// `change venue to private|public|NAME`.
    ChangeVenue {
        /// Where to.
        to: VenueTarget,
        /// The whole action.
        span: Span,
    },
    /// `appoint CONSTRAINT, …`: an `appointment` event with a staff member satisfying them.
    Appoint {
        /// Constraints on the staff member (`with`).
        constraints: Vec<StaffConstraint>,
        /// The whole action.
        span: Span,
    },
    /// `notify RANK`: a `notified` event whose target has that rank (or higher).
    Notify {
        /// The rank notified.
        rank: Ident,
        /// The whole action.
        span: Span,
    },
    /// `do EVENT`: any named event.
    Do {
        /// The event that completes the step.
        pattern: EventPattern,
        /// The whole action.
        span: Span,
    },
}

/// Where `change venue to` must move the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueTarget {
    /// Any venue of this class.
    Class(Privacy, Span),
    /// One named venue.
    Named(Ident),
}

/// A constraint on a staff member.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "constraint", rename_all = "snake_case")]
pub enum StaffConstraint {
    /// `rank above current` / `rank above handler`: strictly higher than the case's handler
    /// at the moment the step became due.
    RankAboveCurrent(Span),
    /// `rank >= X`, `rank > X`, `rank == X`, … against a named rank.
    Rank {
        /// The comparison.
        op: CompareOp,
        /// The rank.
        rank: Ident,
        /// The whole constraint.
        span: Span,
    },
    /// `not subject`: not a staff member the complaint is about.
    NotSubject(Span),
}

/// An objective: a rate over many cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// The objective's name.
    pub name: Ident,
    /// Display label.
    pub label: Option<Str>,
    /// `applies when EXPR`: which cases count.
    pub applies: Option<Expr>,
    /// The measure.
    pub measure: Measure,
    /// `per day|week|month [on CAL]`.
    pub period: Period,
    /// The whole declaration.
    pub span: Span,
}

/// `at least 90% of P met [within D]` / `at most 5% of P breached`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// `at least` (true) or `at most` (false).
    pub at_least: bool,
    /// The threshold.
    pub percent: Percent,
    /// The promise measured.
    pub promise: Ident,
    /// The outcome counted.
    pub outcome: Outcome,
    /// `within D`: met and stopped within this elapsed/business time of its start.
    pub within: Option<Deadline>,
    /// The whole clause.
    pub span: Span,
}

/// The outcome an objective counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Clock instances that ended `met`.
    Met,
    /// Clock instances that ended `breached`.
    Breached,
}

/// The grouping period of an objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// Day, week or month.
    pub unit: PeriodUnit,
    /// The calendar whose zone defines the period boundaries.
    pub on: Option<Ident>,
    /// The whole clause.
    pub span: Span,
}

/// Day, week (ISO, Monday first) or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    /// A calendar day.
    Day,
    /// An ISO week.
    Week,
    /// A calendar month.
    Month,
}

impl Expr {
    /// Where the whole expression was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::And { span, .. }
            | Expr::Or { span, .. }
            | Expr::Not { span, .. }
            | Expr::Compare { span, .. }
            | Expr::In { span, .. }
            | Expr::Present { span, .. } => *span,
        }
    }
}
