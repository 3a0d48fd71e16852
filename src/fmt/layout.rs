//! From AST to layout: each statement becomes one line of canonical text, each block a nested node,
//! and every line keeps the byte range of the source it came from so comments can be put back.
//!
//! Statements inside a block are laid out in the order they were written (the AST
//! groups some of them by kind), so comments and blank lines stay next to their
//! statement. Literals keep the values as written; see [`super::literal`].

use super::literal;
use super::trivia::{after_open_brace, skip_trivia, trim_end, Comment};
use crate::syntax::ast::*;
use std::fmt::Display;
use std::str::FromStr;

/// A statement on one line, or a block with its own statements.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// One statement.
    Stmt(Stmt),
    /// `head {` … `}`.
    Block(Block),
}

/// One statement: its canonical text and the source range it covers.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    /// Canonical text, without indentation.
    pub text: String,
    /// First source byte of the statement.
    pub start: usize,
    /// One past its last source byte.
    pub end: usize,
}

/// A block: the head line up to `{`, the statements inside, the closing `}`.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Canonical head text, ending with ` {`.
    pub head: String,
    /// First source byte of the block.
    pub start: usize,
    /// One past the opening `{` in the source.
    pub open_end: usize,
    /// The statements and nested blocks, in source order.
    pub children: Vec<Node>,
    /// Offset of the closing `}` in the source.
    pub close_start: usize,
    /// One past the closing `}`.
    pub end: usize,
}

impl Node {
    /// First source byte.
    pub fn start(&self) -> usize {
        match self {
            Node::Stmt(stmt) => stmt.start,
            Node::Block(block) => block.start,
        }
    }
    /// One past the last source byte.
    pub fn end(&self) -> usize {
        match self {
            Node::Stmt(stmt) => stmt.end,
            Node::Block(block) => block.end,
        }
    }
}

/// The layout of every top-level item of `file`, whose source is `text`.
pub(crate) fn layout(file: &File, text: &str, comments: &[Comment]) -> Vec<Node> {
    let printer = Printer { text, comments };
    file.items.iter().map(|item| printer.item(item)).collect()
}

/// A part of a block before its position is settled: a statement line, or a nested block.
enum Part {
    /// A statement whose text starts at or before `first` and ends at `end`.
    Line {
        text: String,
        first: usize,
        end: usize,
    },
    /// A nested block.
    Nested(Node),
}

impl Part {
    fn line(text: String, span: Span) -> Part {
        Part::Line {
            text,
            first: span.start,
            end: span.end,
        }
    }
    fn key(&self) -> usize {
        match self {
            Part::Line { first, .. } => *first,
            Part::Nested(node) => node.start(),
        }
    }
}

/// The span from the first to the last of `spans`, if any.
fn cover(spans: impl IntoIterator<Item = Span>) -> Option<Span> {
    spans.into_iter().reduce(|a, b| Span {
        file: a.file,
        start: a.start.min(b.start),
        end: a.end.max(b.end),
    })
}

struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
}

impl Printer<'_> {
    /// The source text of `span`, or `""` when the span does not fit the text.
    fn src(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn item(&self, item: &Item) -> Node {
        match item {
            Item::Header(header) => self.header(header),
            Item::Use(import) => {
                self.stmt(format!("use {}", self.string(&import.path)), import.span)
            }
            Item::Calendar(calendar) => self.calendar(calendar),
            Item::Ranks(ranks) => self.stmt(
                format!("ranks {}", join(ranks.ranks.iter().map(|r| &r.name), " < ")),
                ranks.span,
            ),
            Item::Venues(venues) => self.stmt(
                format!(
                    "venues {}: {}",
                    privacy(venues.privacy),
                    join(venues.names.iter().map(|n| &n.name), ", ")
                ),
                venues.span,
            ),
            Item::Term(term) => {
                let meaning = match &term.meaning {
                    TermMeaning::Amount(amount) => self.amount(amount),
                    TermMeaning::Deadline(deadline) => self.deadline(deadline),
                    TermMeaning::Vague(_) => "vague".to_string(),
                };
                self.stmt(format!("term {} = {meaning}", term.word.name), term.span)
            }
            Item::Event(event) => self.event(event),
            Item::Attribute(attribute) => self.stmt(
                format!("attribute {}", self.field(attribute)),
                attribute.span,
            ),
            Item::Promise(promise) => self.promise(promise),
            Item::Standard(standard) => self.standard(standard),
            Item::Commitments(commitments) => self.commitments(commitments),
            Item::Escalation(escalation) => self.escalation(escalation),
            Item::Objective(objective) => self.objective(objective),
        }
    }

    /// A top-level statement: its span is the whole statement.
    fn stmt(&self, text: String, span: Span) -> Node {
        Node::Stmt(Stmt {
            text,
            start: span.start,
            end: trim_end(self.text, self.comments, span.start, span.end),
        })
    }

    /// A block from its head text, its whole span and its parts in any order.
    fn block(&self, head: String, span: Span, mut parts: Vec<Part>) -> Node {
        let open_end = after_open_brace(self.text, span.start)
            .filter(|&end| end <= span.end)
            .unwrap_or(span.start);
        let close_start = if span.end > open_end && self.src(span).ends_with('}') {
            span.end - 1
        } else {
            span.end
        };
        parts.sort_by_key(Part::key);
        let mut previous_end = open_end;
        let mut children = Vec::with_capacity(parts.len());
        for part in parts {
            let node = match part {
                Part::Line { text, first, end } => {
                    let start = skip_trivia(self.text, previous_end).min(first);
                    let end = trim_end(self.text, self.comments, first, end);
                    let end = self.after_closing_parens(end);
                    Node::Stmt(Stmt {
                        text,
                        start,
                        end: end.max(start),
                    })
                }
                Part::Nested(node) => node,
            };
            previous_end = previous_end.max(node.end());
            children.push(node);
        }
        Node::Block(Block {
            head: format!("{head} {{"),
            start: span.start,
            open_end,
            children,
            close_start,
            end: span.end,
        })
    }

    fn header(&self, header: &Header) -> Node {
        let mut parts = Vec::new();
        if let Some(version) = &header.version {
            let text = format!("version {}", self.integer(version.value, version.span));
            parts.push(Part::line(text, version.span));
        }
        if let Some(owner) = &header.owner {
            parts.push(Part::line(
                format!("owner {}", self.string(owner)),
                owner.span,
            ));
        }
        if let Some(zone) = &header.timezone {
            parts.push(Part::line(
                format!("timezone {}", self.string(zone)),
                zone.span,
            ));
        }
        let head = format!("policy {}", self.string(&header.name));
        self.block(head, header.span, parts)
    }

    fn calendar(&self, calendar: &CalendarDecl) -> Node {
        let mut head = format!("calendar {}", calendar.name.name);
        if let Some(base) = &calendar.like {
            head.push_str(&format!(" like {}", base.name));
        }
        let parts = calendar
            .lines
            .iter()
            .map(|line| match line {
                CalendarLine::Timezone(zone) => {
                    Part::line(format!("timezone {}", self.string(zone)), zone.span)
                }
                CalendarLine::Always(span) => Part::line("open 24x7".to_string(), *span),
                CalendarLine::Weekly {
                    days,
                    intervals,
                    span,
                } => {
                    let days = join(days.iter().map(day_range), ", ");
                    let text = format!("open {days} {}", self.time_ranges(intervals));
                    Part::line(text, *span)
                }
                CalendarLine::Hours {
                    days,
                    intervals,
                    span,
                } => {
                    let days = join(days.iter().map(day_range), ", ");
                    let text = format!("hours {days} {}", self.time_ranges(intervals));
                    Part::line(text, *span)
                }
                CalendarLine::Closed { dates, label, span } => {
                    let text = format!("closed {}{}", self.date_range(dates), self.label(label));
                    Part::line(text, *span)
                }
                CalendarLine::OpenDate {
                    dates,
                    intervals,
                    label,
                    span,
                } => {
                    let text = format!(
                        "open {} {}{}",
                        self.date_range(dates),
                        self.time_ranges(intervals),
                        self.label(label)
                    );
                    Part::line(text, *span)
                }
            })
            .collect();
        self.block(head, calendar.span, parts)
    }

    /// `event NAME ["label"]` alone, or with a block of its fields, one a line.
    fn event(&self, event: &EventDecl) -> Node {
        let head = format!("event {}{}", event.name.name, self.label(&event.label));
        if event.fields.is_empty() {
            return self.stmt(head, event.span);
        }
        // A field's line runs to the comma after it, so that a comment after the comma stays on it.
        let parts = event
            .fields
            .iter()
            .map(|field| Part::Line {
                text: self.field(field),
                first: field.span.start,
                end: self.after_word(field.span.end, ","),
            })
            .collect();
        self.block(head, event.span, parts)
    }

    /// `NAME ["label"]: TYPE`.
    fn field(&self, field: &FieldDecl) -> String {
        let kind = match &field.kind {
            ValueType::Text { .. } => "text".to_string(),
            ValueType::Number { .. } => "number".to_string(),
            ValueType::Boolean { .. } => "boolean".to_string(),
            ValueType::OneOf { values, .. } => format!(
                "one of [{}]",
                join(values.iter().map(|v| self.value(v)), ", ")
            ),
        };
        format!("{}{}: {kind}", field.name.name, self.label(&field.label))
    }

    fn promise(&self, promise: &Promise) -> Node {
        let mut parts = Vec::new();
        self.applies(&mut parts, &promise.applies);
        let from = cover(promise.from.iter().map(|p| p.span));
        let until = cover(promise.until.iter().map(|p| p.span));
        let from_keyword = match promise.from_each {
            Some(_) => "from each",
            None => "from",
        };
        for pause in &promise.pauses {
            let text = format!(
                "pause on {} resume on {}",
                self.patterns(&pause.on),
                self.patterns(&pause.resume)
            );
            parts.push(Part::line(text, pause.span));
        }
        self.patterns_line(&mut parts, "restart on", &promise.restart);
        for target in &promise.targets {
            let condition = match &target.when {
                Some(when) => format!(" when {}", self.expr(when)),
                None => String::new(),
            };
            let text = format!("target{condition} {}", self.deadline(&target.deadline));
            parts.push(Part::line(text, target.span));
        }
        match &promise.warn {
            Some(Warn::At(percent)) => {
                let text = format!("warn at {}", self.percent(percent));
                parts.push(Part::line(text, percent.span));
            }
            Some(Warn::Before(amount)) => {
                let text = format!("warn {} before", self.duration(amount));
                let end = self.after_word(amount.span.end, "before");
                parts.push(Part::Line {
                    text,
                    first: amount.span.start,
                    end,
                });
            }
            None => {}
        }
        // `from A until B` stays one line when nothing is written between the two clauses.
        match (from, until) {
            (Some(from), Some(until))
                if from.start < until.start
                    && !parts
                        .iter()
                        .any(|p| (from.start..until.start).contains(&p.key())) =>
            {
                let text = format!(
                    "{from_keyword} {} until {}",
                    self.patterns(&promise.from),
                    self.patterns(&promise.until)
                );
                parts.push(Part::Line {
                    text,
                    first: from.start,
                    end: until.end,
                });
            }
            _ => {
                self.patterns_line(&mut parts, from_keyword, &promise.from);
                self.patterns_line(&mut parts, "until", &promise.until);
            }
        }
        let head = format!(
            "promise {}{}",
            promise.name.name,
            self.label(&promise.label)
        );
        self.block(head, promise.span, parts)
    }

    fn standard(&self, standard: &Standard) -> Node {
        let mut parts = Vec::new();
        self.applies(&mut parts, &standard.applies);
        let (text, span) = match &standard.rule {
            StandardRule::AtMost {
                count,
                event,
                before,
                span,
            } => (
                format!(
                    "at most {} {} before {}",
                    self.integer(count.value, count.span),
                    self.pattern(event),
                    self.pattern(before)
                ),
                span,
            ),
            StandardRule::RequireBefore {
                event,
                before,
                span,
            } => (
                format!(
                    "require {} before {}",
                    self.pattern(event),
                    self.pattern(before)
                ),
                span,
            ),
            StandardRule::RequireWithin {
                event,
                deadline,
                after,
                span,
            } => (
                format!(
                    "require {} {} after {}",
                    self.pattern(event),
                    self.deadline(deadline),
                    self.pattern(after)
                ),
                span,
            ),
        };
        parts.push(Part::line(text, *span));
        self.patterns_line(&mut parts, "restart on", &standard.restart);
        let head = format!(
            "standard {}{}",
            standard.name.name,
            self.label(&standard.label)
        );
        self.block(head, standard.span, parts)
    }

    fn commitments(&self, commitments: &Commitments) -> Node {
        let mut parts = Vec::new();
        if let Some(span) = commitments.require_time {
            parts.push(Part::line("require time".to_string(), span));
        }
        if let Some(span) = commitments.keep {
            parts.push(Part::line("keep".to_string(), span));
        }
        if let Some(grace) = &commitments.grace {
            parts.push(Part::line(
                format!("grace {}", self.duration(grace)),
                grace.span,
            ));
        }
        if let Some(calendar) = &commitments.on {
            parts.push(Part::line(format!("on {}", calendar.name), calendar.span));
        }
        if let Some(durations) = &commitments.durations {
            let text = match &durations.on {
                Some(calendar) => format!("durations on {}", calendar.name),
                None => "durations elapsed".to_string(),
            };
            parts.push(Part::line(text, durations.span));
        }
        if let Some((events, span)) = &commitments.end {
            parts.push(Part::line(
                format!("end on {}", self.patterns(events)),
                *span,
            ));
        }
        self.block("commitments".to_string(), commitments.span, parts)
    }

    fn escalation(&self, escalation: &Escalation) -> Node {
        let mut parts = Vec::new();
        self.applies(&mut parts, &escalation.applies);
        for trigger in &escalation.triggers {
            parts.push(Part::line(self.trigger(trigger), trigger_span(trigger)));
        }
        for step in &escalation.steps {
            parts.push(Part::Nested(self.step(step)));
        }
        self.patterns_line(&mut parts, "restart on", &escalation.restart);
        self.patterns_line(&mut parts, "stop on", &escalation.stop);
        let head = format!(
            "escalation {}{}{}",
            escalation.name.name,
            self.label(&escalation.label),
            if escalation.in_order.is_some() {
                " in order"
            } else {
                ""
            }
        );
        self.block(head, escalation.span, parts)
    }

    fn step(&self, step: &Step) -> Node {
        let mut parts = Vec::new();
        if let Some(after) = &step.after {
            if let Some(span) = cover(after.iter().map(|a| a.span)) {
                let text = format!("after {}", join(after.iter().map(|a| &a.name), ", "));
                parts.push(Part::line(text, span));
            }
        }
        if let Some(trigger) = &step.trigger {
            parts.push(Part::line(self.trigger(trigger), trigger_span(trigger)));
        }
        let (action, span) = match &step.action {
            Action::ChangeHandler { constraints, span } => (
                format!("change handler to {}", self.constraints(constraints)),
                span,
            ),
            Action::ChangeVenue { to, span } => {
                let to = match to {
                    VenueTarget::Class(class, _) => privacy(*class).to_string(),
                    VenueTarget::Named(name) => name.name.clone(),
                };
                (format!("change venue to {to}"), span)
            }
            Action::Appoint { constraints, span } => {
                (format!("appoint {}", self.constraints(constraints)), span)
            }
            Action::Notify { rank, span } => (format!("notify {}", rank.name), span),
            Action::Do { pattern, span } => (format!("do {}", self.pattern(pattern)), span),
        };
        parts.push(Part::line(action, *span));
        if let Some(within) = &step.within {
            parts.push(Part::line(self.deadline(within), deadline_span(within)));
        }
        if let Some(keep) = &step.keep_appointment {
            let grace = match &keep.grace {
                Some(grace) => format!(" grace {}", self.duration(grace)),
                None => String::new(),
            };
            let moves = match &keep.moves {
                Some(moves) => format!(", moved at most {}", moves.value),
                None => String::new(),
            };
            parts.push(Part::line(
                format!("keep appointment{grace}{moves}"),
                keep.span,
            ));
        }
        let head = format!("step {}{}", step.name.name, self.label(&step.label));
        self.block(head, step.span, parts)
    }

    fn objective(&self, objective: &Objective) -> Node {
        let mut parts = Vec::new();
        self.applies(&mut parts, &objective.applies);
        let measure = &objective.measure;
        let within = match &measure.within {
            Some(within) => format!(" {}", self.deadline(within)),
            None => String::new(),
        };
        let text = format!(
            "at {} {} of {} {}{within}",
            if measure.at_least { "least" } else { "most" },
            self.percent(&measure.percent),
            measure.promise.name,
            match measure.outcome {
                Outcome::Met => "met",
                Outcome::Breached => "breached",
            }
        );
        parts.push(Part::line(text, measure.span));
        let period = &objective.period;
        let unit = match period.unit {
            PeriodUnit::Day => "day",
            PeriodUnit::Week => "week",
            PeriodUnit::Month => "month",
        };
        parts.push(Part::line(
            format!("per {unit}{}", self.on(&period.on)),
            period.span,
        ));
        let head = format!(
            "objective {}{}",
            objective.name.name,
            self.label(&objective.label)
        );
        self.block(head, objective.span, parts)
    }

    fn applies(&self, parts: &mut Vec<Part>, applies: &Option<Expr>) {
        if let Some(condition) = applies {
            let text = format!("applies when {}", self.expr(condition));
            parts.push(Part::line(text, expr_span(condition)));
        }
    }

    /// `keyword a, b` for a non-empty pattern list.
    fn patterns_line(&self, parts: &mut Vec<Part>, keyword: &str, patterns: &[EventPattern]) {
        if let Some(span) = cover(patterns.iter().map(|p| p.span)) {
            parts.push(Part::line(
                format!("{keyword} {}", self.patterns(patterns)),
                span,
            ));
        }
    }

    /// The offset after the `)` that directly follow `from` (a condition's span stops inside them).
    fn after_closing_parens(&self, from: usize) -> usize {
        let mut end = from;
        loop {
            let next = skip_trivia(self.text, end);
            match self.text.get(next..) {
                Some(rest) if rest.starts_with(')') => end = next + 1,
                _ => return end,
            }
        }
    }

    /// The offset after `word` when it is the next token after `from`, else `from`.
    fn after_word(&self, from: usize, word: &str) -> usize {
        let next = skip_trivia(self.text, from);
        match self.text.get(next..) {
            Some(rest) if rest.starts_with(word) => next + word.len(),
            _ => from,
        }
    }

    fn trigger(&self, trigger: &Trigger) -> String {
        match trigger {
            Trigger::Event { pattern, .. } => format!("trigger on {}", self.pattern(pattern)),
            Trigger::Breach { promise, .. } => format!("trigger on breach of {}", promise.name),
            Trigger::Fraction {
                percent, promise, ..
            } => format!("trigger at {} of {}", self.percent(percent), promise.name),
        }
    }

    fn constraints(&self, constraints: &[StaffConstraint]) -> String {
        join(
            constraints.iter().map(|constraint| match constraint {
                StaffConstraint::RankAboveCurrent(_) => "rank above current".to_string(),
                StaffConstraint::Rank { op, rank, .. } => {
                    format!("rank {} {}", op.text(), rank.name)
                }
                StaffConstraint::NotSubject(_) => "not subject".to_string(),
            }),
            ", ",
        )
    }

    fn deadline(&self, deadline: &Deadline) -> String {
        match deadline {
            Deadline::Within { amount, on, .. } => {
                format!("within {}{}", self.duration(amount), self.on(on))
            }
            Deadline::Workdays { count, on, .. } => {
                format!("within {} on {}", self.workdays(count), on.name)
            }
            Deadline::WithinTerm { term, on, .. } => {
                format!("within {}{}", term.name, self.on(on))
            }
            Deadline::Term { term, .. } => term.name.clone(),
            Deadline::Cutoff {
                by,
                day,
                if_before,
                on,
                ..
            } => {
                let day = match day {
                    CutoffDayAst::SameDay => "same day".to_string(),
                    CutoffDayAst::NextDay => "next day".to_string(),
                    CutoffDayAst::InDays(days) => {
                        let unit = if days.value == 1 { "day" } else { "days" };
                        format!("in {} {unit}", self.integer(days.value, days.span))
                    }
                    CutoffDayAst::SameWorkday => "same workday".to_string(),
                    CutoffDayAst::NextWorkday => "next workday".to_string(),
                };
                let condition = match if_before {
                    Some(time) => format!(" if before {}", self.clock(time)),
                    None => String::new(),
                };
                format!("by {} {day}{condition}{}", self.clock(by), self.on(on))
            }
        }
    }

    /// `N workday` or `N workdays`, the unit following the number.
    fn workdays(&self, count: &Spanned<u32>) -> String {
        let unit = if count.value == 1 {
            "workday"
        } else {
            "workdays"
        };
        format!("{} {unit}", self.integer(count.value, count.span))
    }

    /// An amount as written in a term: `10m [on CAL]`, `3 workdays [on CAL]`.
    fn amount(&self, amount: &Amount) -> String {
        match amount {
            Amount::Duration { amount, on, .. } => {
                format!("{}{}", self.duration(amount), self.on(on))
            }
            Amount::Workdays { count, on, .. } => {
                format!("{}{}", self.workdays(count), self.on(on))
            }
        }
    }

    fn on(&self, calendar: &Option<Ident>) -> String {
        match calendar {
            Some(calendar) => format!(" on {}", calendar.name),
            None => String::new(),
        }
    }

    fn patterns(&self, patterns: &[EventPattern]) -> String {
        join(patterns.iter().map(|p| self.pattern(p)), ", ")
    }

    fn pattern(&self, pattern: &EventPattern) -> String {
        match &pattern.filter {
            Some(filter) => format!("{} where {}", pattern.event.name, self.expr(filter)),
            None => pattern.event.name.clone(),
        }
    }

    fn expr(&self, expr: &Expr) -> String {
        self.expr_at(expr, Precedence::Or)
    }

    /// `expr`, in parentheses when it binds less tightly than `context` requires.
    ///
    /// Two more cases get parentheses, for the reader's sake: an `and` inside an `or`
    /// (`a or (b and c)`), and a comparison or list test under `not` (`not (tier == "A")`).
    fn expr_at(&self, expr: &Expr, context: Precedence) -> String {
        let text = match expr {
            Expr::Or { left, right, .. } => format!(
                "{} or {}",
                self.or_operand_left(left),
                self.or_operand(right)
            ),
            Expr::And { left, right, .. } => format!(
                "{} and {}",
                self.expr_at(left, Precedence::And),
                self.expr_at(right, Precedence::Not)
            ),
            Expr::Not { operand, .. } => {
                let operand = match operand.as_ref() {
                    Expr::Present { field, .. } => field.name.clone(),
                    Expr::Not { .. } => self.expr_at(operand, Precedence::Not),
                    _ => format!("({})", self.expr(operand)),
                };
                format!("not {operand}")
            }
            Expr::Compare {
                field, op, value, ..
            } => format!("{} {} {}", field.name, op.text(), self.value(value)),
            Expr::In {
                field,
                negated,
                values,
                ..
            } => format!(
                "{} {}in [{}]",
                field.name,
                if *negated { "not " } else { "" },
                join(values.iter().map(|v| self.value(v)), ", ")
            ),
            Expr::Present { field, .. } => field.name.clone(),
        };
        if precedence(expr) < context {
            format!("({text})")
        } else {
            text
        }
    }

    /// An operand of `or`: an `or` on the left needs no parentheses (`or` groups from the left),
    /// anything else that is not a single test gets them.
    fn or_operand_left(&self, operand: &Expr) -> String {
        match operand {
            Expr::Or { .. } => self.expr_at(operand, Precedence::Or),
            _ => self.or_operand(operand),
        }
    }

    /// An operand of `or` on the right, or a non-`or` operand on the left.
    fn or_operand(&self, operand: &Expr) -> String {
        self.expr_at(operand, Precedence::Not)
    }

    fn value(&self, value: &Value) -> String {
        match value {
            Value::Str(text) => self.string(text),
            Value::Number(number) => {
                let written = self.src(number.span);
                let canonical = literal::number(written);
                if canonical.parse::<f64>().ok() == Some(number.value) {
                    canonical
                } else if written.is_empty() {
                    number.value.to_string()
                } else {
                    written.to_string()
                }
            }
            Value::Bool(flag) => flag.value.to_string(),
        }
    }

    /// A string literal exactly as written (escapes included).
    fn string(&self, text: &Str) -> String {
        let written = self.src(text.span);
        if written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
            written.to_string()
        } else {
            let escaped = text.value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\"")
        }
    }

    fn label(&self, label: &Option<Str>) -> String {
        match label {
            Some(label) => format!(" {}", self.string(label)),
            None => String::new(),
        }
    }

    /// An integer in canonical form when that reads back as the same value, else as written.
    fn integer<T: Display + FromStr + PartialEq + Copy>(&self, value: T, span: Span) -> String {
        let written = self.src(span);
        let canonical = literal::number(written);
        if canonical.parse::<T>().ok() == Some(value) {
            canonical
        } else if written.is_empty() {
            value.to_string()
        } else {
            written.to_string()
        }
    }

    fn percent(&self, percent: &Percent) -> String {
        let written = self.src(percent.span);
        if written.is_empty() {
            return format!("{}%", percent.value);
        }
        let canonical = literal::percent(written);
        let reads_back = canonical
            .strip_suffix('%')
            .and_then(|number| number.parse::<f64>().ok());
        if reads_back == Some(percent.value) {
            canonical
        } else {
            written.to_string()
        }
    }

    fn duration(&self, duration: &Duration) -> String {
        let written = self.src(duration.span);
        if written.is_empty() {
            return format!("{}s", duration.seconds);
        }
        literal::duration(written, duration.seconds)
    }

    fn clock(&self, time: &ClockTime) -> String {
        literal::clock(time, self.src(time.span))
    }

    fn time_ranges(&self, ranges: &[TimeRange]) -> String {
        join(
            ranges
                .iter()
                .map(|r| format!("{}-{}", self.clock(&r.start), self.clock(&r.end))),
            ", ",
        )
    }

    fn date_range(&self, range: &DateRange) -> String {
        let first = literal::date(&range.first, self.src(range.first.span));
        if same_date(&range.first, &range.last) {
            first
        } else {
            let last = literal::date(&range.last, self.src(range.last.span));
            format!("{first}..{last}")
        }
    }
}

/// Operator binding strength, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Not,
    Atom,
}

fn precedence(expr: &Expr) -> Precedence {
    match expr {
        Expr::Or { .. } => Precedence::Or,
        Expr::And { .. } => Precedence::And,
        Expr::Not { .. } => Precedence::Not,
        Expr::Compare { .. } | Expr::In { .. } | Expr::Present { .. } => Precedence::Atom,
    }
}

fn expr_span(expr: &Expr) -> Span {
    match expr {
        Expr::And { span, .. }
        | Expr::Or { span, .. }
        | Expr::Not { span, .. }
        | Expr::Compare { span, .. }
        | Expr::In { span, .. }
        | Expr::Present { span, .. } => *span,
    }
}

fn trigger_span(trigger: &Trigger) -> Span {
    match trigger {
        Trigger::Event { span, .. }
        | Trigger::Breach { span, .. }
        | Trigger::Fraction { span, .. } => *span,
    }
}

fn deadline_span(deadline: &Deadline) -> Span {
    deadline.span()
}

fn same_date(a: &DateLit, b: &DateLit) -> bool {
    (a.year, a.month, a.day) == (b.year, b.month, b.day)
}

fn privacy(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Public => "public",
        Privacy::Private => "private",
    }
}

fn day_range(range: &DayRange) -> String {
    if range.first == range.last {
        day(range.first).to_string()
    } else {
        format!("{}-{}", day(range.first), day(range.last))
    }
}

fn day(day: Day) -> &'static str {
    match day {
        Day::Mon => "mon",
        Day::Tue => "tue",
        Day::Wed => "wed",
        Day::Thu => "thu",
        Day::Fri => "fri",
        Day::Sat => "sat",
        Day::Sun => "sun",
    }
}

fn join<T: AsRef<str>>(parts: impl Iterator<Item = T>, separator: &str) -> String {
    let parts: Vec<String> = parts.map(|part| part.as_ref().to_string()).collect();
    parts.join(separator)
}
