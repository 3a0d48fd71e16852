//! One case as a picture: a time axis with the closed time of the calendars shaded, and one lane
//! per clock instance, standard, commitment, escalation chain and step, each with its stretches
//! and marks. [`Timeline::build`] lays it out from the case, its report and the policy;
//! [`Timeline::svg`] draws it through the `timeline.svg` template.
//!
//! Every horizontal position is computed from an exact instant ([`Scale::x`]); closed time comes
//! from the policy's calendars through [`Calendar::open_stretches`]. Every mark carries a tooltip
//! with its instant and the rule text it stands for, and [`Timeline::rows`] lists the same marks
//! as text, for the page's text alternative.

use super::rules::{self, PromiseClauses, RuleText};
use super::HtmlError;
use crate::case::Case;
use crate::eval::Evaluator;
use crate::report::explain::{event_fields, word};
use crate::report::{
    AppointmentState, Breach, CaseReport, ChainState, ClockState, CommitmentReport,
    CommitmentState, EscalationReport, Instant, PausedSpan, PromiseReport, StandardReport,
    StandardState, StepReport, StepState,
};
use crate::time::{local_to_instant, Calendar};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// The width of a timeline, in SVG units (pixels at 100%).
pub const WIDTH: f64 = 960.0;
/// The left column holding the lanes' names.
const GUTTER: f64 = 212.0;
/// The room kept right of the plot.
const RIGHT: f64 = 28.0;
/// The height of one lane.
const LANE: f64 = 26.0;
/// The vertical middle of a lane, from its top.
const MIDDLE: f64 = 13.0;
/// Where the first lane starts: below the heading, the tick labels and the calendar strip.
const TOP: f64 = 60.0;
/// The height of the legend below the lanes of a standalone picture.
const LEGEND: f64 = 46.0;
/// The longest span whose closed time is shaded: beyond it nights are narrower than a pixel and
/// the calendar would be walked for too many dates.
const MAX_SHADED_DAYS: i64 = 400;

/// How a lane or a stretch is doing, for its colour (and, in the text, its word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Met, kept, done in time, held.
    Good,
    /// Breached, violated, missed, late, broken.
    Bad,
    /// Still going: running, paused, open, due, waiting.
    Open,
    /// Nothing to judge: pending, not promised, skipped, guarded.
    Neutral,
}

/// The kind of a mark: each is drawn with its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// An event of the case.
    Event,
    /// An event after the evaluation instant: shown, not counted.
    Later,
    /// A clock started, a commitment was made, a chain was activated, a step became due.
    Start,
    /// A clock's warning point.
    Warn,
    /// A due time or a step's deadline.
    Due,
    /// A clock stopped or a chain was stopped.
    Stop,
    /// Something done in time: a rule held, a commitment kept, a step done, an appointment met.
    Done,
    /// A breach.
    Breach,
    /// An appointment's agreed time.
    Appointment,
}

/// The kind of a stretch of a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarKind {
    /// A clock running before its due time.
    Running,
    /// A clock paused.
    Paused,
    /// A clock running after its due time, or work still not done after its deadline.
    Overdue,
    /// The time allowed: from a commitment made to its due time, from a step due to its deadline.
    Window,
    /// An escalation chain from its activation to its stop.
    Active,
}

/// A stretch of a lane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// What it is.
    pub kind: BarKind,
    /// Left edge.
    pub x: f64,
    /// Width.
    pub width: f64,
    /// A label drawn inside it when it fits (a pause's reason).
    pub label: Option<String>,
    /// Whether the label fits inside.
    pub label_fits: bool,
    /// Whether it runs on past the right end of the axis.
    pub continues: bool,
    /// Its tooltip: from, to, what, and the rule text.
    pub tip: String,
}

/// A mark on a lane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    /// What it is.
    pub kind: MarkKind,
    /// Its position.
    pub x: f64,
    /// Its shape, as SVG path data around `x` and the lane's middle.
    pub path: String,
    /// Its tooltip: the instant, what happened, and the rule text.
    pub tip: String,
}

/// A shaded stretch of closed time (`x .. x + width`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Left edge.
    pub x: f64,
    /// Width.
    pub width: f64,
}

/// One lane: a clock instance, a standard, a commitment, a chain, a step, or the case's events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lane {
    /// `events`, `clock`, `standard`, `commitment`, `chain`, `step` or `other`.
    pub group: &'static str,
    /// The first line of its name: the rule and instance (`first_response #1`).
    pub title: String,
    /// The second line: its label and state (`首次答复 · met`).
    pub subtitle: String,
    /// The first line as drawn: cut with `…` when too long for the names' column.
    pub shown_title: String,
    /// The second line as drawn.
    pub shown_subtitle: String,
    /// The state's tone.
    pub tone: Tone,
    /// Its top.
    pub y: f64,
    /// The rule as declared, for the lane's tooltip.
    pub rule: String,
    /// The calendar whose open time it counts, when that is not elapsed time.
    pub calendar: Option<String>,
    /// The closed time of that calendar.
    pub closed: Vec<Band>,
    /// Its stretches.
    pub bars: Vec<Bar>,
    /// Its marks.
    pub marks: Vec<Mark>,
}

/// A tick of the time axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// Position.
    pub x: f64,
    /// Local time (`10:00`) or date (`06-22`).
    pub label: String,
    /// The first tick of a date (its label carries the date).
    pub major: bool,
}

/// One line of the text alternative: a mark or stretch, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The lane's name.
    pub lane: String,
    /// When (an instant, or `from .. to`).
    pub at: String,
    /// What it is.
    pub what: String,
    /// The rule text it stands for.
    pub rule: String,
}

impl Lane {
    /// The lane's stretches, then its marks, in words: each tooltip's first line is `when · what`,
    /// the rest the rule text (as the report page's script reads them from the picture).
    fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        let tips = self
            .bars
            .iter()
            .map(|b| &b.tip)
            .chain(self.marks.iter().map(|m| &m.tip));
        tips.map(|tip| {
            let (head, rule) = tip.split_once('\n').unwrap_or((tip, ""));
            let (at, what) = head.split_once(" · ").unwrap_or(("", head));
            Row {
                lane: self.title.clone(),
                at: at.to_string(),
                what: what.to_string(),
                rule: rule.to_string(),
            }
        })
    }
}

/// The picture of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The case id.
    pub case: String,
    /// The evaluation instant.
    pub as_of: String,
    /// The policy's name.
    pub policy: String,
    /// Width of the picture.
    pub width: f64,
    /// Height of the picture.
    pub height: f64,
    /// Where the plot starts and ends.
    pub plot: (f64, f64),
    /// The axis's first and last instants.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// Ticks of the axis.
    pub ticks: Vec<Tick>,
    /// The calendar shaded on the axis strip: the first one a lane counts on.
    pub calendar: Option<String>,
    /// Its closed time.
    pub closed: Vec<Band>,
    /// Why closed time is not shaded, when it is not.
    pub unshaded: Option<String>,
    /// The lanes, top to bottom.
    pub lanes: Vec<Lane>,
    /// Where the evaluation instant is, when it is on the axis.
    pub now: Option<f64>,
    /// A one-line summary: the picture's description for assistive technology.
    pub summary: String,
    /// The text alternative: every mark and stretch in words.
    pub rows: Vec<Row>,
}

/// Exact instants to positions: `[start, end]` onto `[x0, x1]`.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    x0: f64,
    x1: f64,
}

impl Scale {
    /// A scale of `[start, end]` (a span of at least one second) onto `[x0, x1]`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, x0: f64, x1: f64) -> Scale {
        let end = end.max(start + TimeDelta::seconds(1));
        Scale { start, end, x0, x1 }
    }

    /// The position of `t`, clamped to the axis, to a tenth of a unit. The offset from the start
    /// is taken in whole milliseconds of the exact instants, then scaled.
    pub fn x(&self, t: DateTime<Utc>) -> f64 {
        let span = (self.end - self.start).num_milliseconds() as f64;
        let offset = (t - self.start).num_milliseconds() as f64;
        let x = self.x0 + (offset / span).clamp(0.0, 1.0) * (self.x1 - self.x0);
        (x * 10.0).round() / 10.0
    }

    /// Whether `t` lies after the end of the axis.
    fn beyond(&self, t: DateTime<Utc>) -> bool {
        t > self.end
    }
}

/// A length in tenths, as positions are.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The path of a mark of `kind` at `x` on a lane whose middle is at `MIDDLE`.
fn shape(kind: MarkKind, x: f64) -> String {
    let y = MIDDLE;
    match kind {
        MarkKind::Event | MarkKind::Later => format!("M{x} {}v14", y - 7.0),
        MarkKind::Start => format!("M{} {y}a4 4 0 1 0 8 0a4 4 0 1 0-8 0", tenth(x - 4.0)),
        MarkKind::Warn => format!("M{x} {}l6 11h-12z", y - 6.0),
        MarkKind::Due => format!("M{x} {}l6 6-6 6-6-6z", y - 6.0),
        MarkKind::Stop => format!("M{} {}h8v8h-8z", tenth(x - 4.0), y - 4.0),
        MarkKind::Done => format!("M{} {y}l3.5 4.5 6.5-9", tenth(x - 5.0)),
        MarkKind::Breach => format!("M{} {}l10 10m0-10l-10 10", tenth(x - 5.0), y - 5.0),
        MarkKind::Appointment => {
            format!("M{} {}h10v9h-10zm0 3h10", tenth(x - 5.0), y - 4.0)
        }
    }
}

/// The estimated width of `text` at the size lane names are drawn (11 units): wide (CJK)
/// characters take a full em, others a little over half.
fn text_width(text: &str) -> f64 {
    text.width() as f64 * 5.9
}

/// `text`, cut with `…` to fit in `room` units.
fn fit(text: &str, room: f64) -> String {
    if text_width(text) <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out) + text_width(&c.to_string()) + 6.0 > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The tone of each state.
fn clock_tone(state: ClockState) -> Tone {
    match state {
        ClockState::Met => Tone::Good,
        ClockState::Breached => Tone::Bad,
        ClockState::Running | ClockState::Paused => Tone::Open,
        ClockState::Pending | ClockState::NotPromised | ClockState::Superseded => Tone::Neutral,
    }
}

fn standard_tone(state: StandardState) -> Tone {
    match state {
        StandardState::Ok | StandardState::Met => Tone::Good,
        StandardState::Violated | StandardState::Breached => Tone::Bad,
        StandardState::Running => Tone::Open,
        StandardState::Pending | StandardState::Superseded => Tone::Neutral,
    }
}

fn commitment_tone(state: CommitmentState) -> Tone {
    match state {
        CommitmentState::Kept => Tone::Good,
        CommitmentState::Late | CommitmentState::Broken | CommitmentState::Vague => Tone::Bad,
        CommitmentState::Open => Tone::Open,
    }
}

fn chain_tone(state: ChainState) -> Tone {
    match state {
        ChainState::Active => Tone::Open,
        ChainState::Stopped | ChainState::Guarded => Tone::Neutral,
    }
}

fn step_tone(state: StepState) -> Tone {
    match state {
        StepState::Done => Tone::Good,
        StepState::Late | StepState::Missed | StepState::OutOfOrder => Tone::Bad,
        StepState::Due | StepState::Waiting => Tone::Open,
        StepState::Skipped => Tone::Neutral,
    }
}

/// `label · state`, or the state alone.
fn subtitle(label: Option<&str>, state: &str) -> String {
    match label {
        Some(label) => format!("{label} · {state}"),
        None => state.to_string(),
    }
}

/// A tooltip: the instant and what happened on the first line, then the rule text.
fn tip(at: &str, what: &str, rule: &[&str]) -> String {
    let mut text = format!("{at} · {what}");
    for line in rule.iter().filter(|l| !l.is_empty()) {
        text.push('\n');
        text.push_str(line);
    }
    text
}

/// What a paused span says: its label (the reasons that held in it, joined by ` + `), what it
/// was (`paused: REASON`, or each reason with its own stretch when several held), and the
/// clauses of those reasons as written.
fn paused_texts(
    span: &PausedSpan<'_>,
    clauses: &PromiseClauses<'_>,
    tz: Option<Tz>,
) -> (String, String, Vec<String>) {
    let mut reasons: Vec<&str> = Vec::new();
    for stretch in &span.reasons {
        if !reasons.contains(&stretch.reason.as_str()) {
            reasons.push(&stretch.reason);
        }
    }
    let label = reasons.join(" + ");
    let what = match span.reasons.as_slice() {
        [_] => format!("paused: {label}"),
        several => {
            let each: Vec<String> = several
                .iter()
                .map(|stretch| {
                    let to = stretch.to.map_or_else(
                        || "…".to_string(),
                        |to| Instant::new(to.utc(), tz).to_string(),
                    );
                    let from = Instant::new(stretch.from.utc(), tz);
                    format!("{} {from} .. {to}", stretch.reason)
                })
                .collect();
            format!("paused: {}", each.join("; "))
        }
    };
    let quoted = reasons
        .iter()
        .filter_map(|reason| {
            clauses
                .pauses
                .iter()
                .find(|(known, _)| known == reason)
                .map(|(_, clause)| (*clause).to_string())
        })
        .collect();
    (label, what, quoted)
}

/// Builds the lanes of one case.
struct Builder<'a, 'p> {
    evaluator: &'a Evaluator<'p>,
    case: &'a Case,
    report: &'a CaseReport,
    as_of: DateTime<Utc>,
    tz: Option<Tz>,
    scale: Scale,
    lanes: Vec<Lane>,
    /// Which breaches have been placed on a lane.
    placed: Vec<bool>,
    /// While the lanes of one instance of a chain that has several are drawn: the stretch of
    /// that instance, whose breaches are the ones at instants inside it.
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl<'a, 'p> Builder<'a, 'p> {
    fn text(&self, t: DateTime<Utc>) -> String {
        Instant::new(t, self.tz).to_string()
    }

    fn policy(&self) -> &'p crate::check::Policy {
        self.evaluator.policy()
    }

    /// A new lane, below the others.
    fn lane(
        &mut self,
        group: &'static str,
        title: String,
        subtitle: String,
        tone: Tone,
        rule: String,
    ) {
        let y = TOP + LANE * self.lanes.len() as f64;
        self.lanes.push(Lane {
            group,
            shown_title: fit(&title, GUTTER - 14.0),
            shown_subtitle: fit(&subtitle, (GUTTER - 14.0) / 0.9),
            title,
            subtitle,
            tone,
            y,
            rule,
            calendar: None,
            closed: Vec::new(),
            bars: Vec::new(),
            marks: Vec::new(),
        });
    }

    /// Shades the closed time of `calendar` on the last lane.
    fn shade(&mut self, name: &str, calendar: &Calendar) {
        let bands = closed_bands(calendar, &self.scale);
        if let Some(lane) = self.lanes.last_mut() {
            lane.calendar = Some(name.to_string());
            lane.closed = bands;
        }
    }

    /// Adds a mark at `t` to the last lane.
    fn mark(&mut self, kind: MarkKind, t: DateTime<Utc>, what: &str, rule: &[&str]) {
        let at = self.text(t);
        let x = self.scale.x(t);
        let Some(lane) = self.lanes.last_mut() else {
            return;
        };
        lane.marks.push(Mark {
            kind,
            x,
            path: shape(kind, x),
            tip: tip(&at, what, rule),
        });
    }

    /// Adds a stretch `[from, to)` to the last lane.
    fn bar(
        &mut self,
        kind: BarKind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        what: &str,
        label: Option<&str>,
        rule: &[&str],
    ) {
        if to < from {
            return;
        }
        let (x0, x1) = (self.scale.x(from), self.scale.x(to));
        let at = format!("{} .. {}", self.text(from), self.text(to));
        let continues = self.scale.beyond(to);
        let Some(lane) = self.lanes.last_mut() else {
            return;
        };
        let width = tenth((x1 - x0).max(1.0));
        lane.bars.push(Bar {
            kind,
            x: x0,
            width,
            label: label.map(str::to_string),
            label_fits: label.is_some_and(|l| text_width(l) * 0.85 + 6.0 <= width),
            continues,
            tip: tip(&at, what, rule),
        });
    }

    /// Marks the breaches of `rule` not yet placed on the last lane; with `due` given (a clock
    /// instance's due time, when the instances of a promise share the rule), only the breaches of
    /// that due time, unless the instance has none.
    fn breaches(&mut self, rule: &str, due: Option<Option<Instant>>, text: &str) {
        self.breaches_where(
            rule,
            |b| due.map_or(true, |due| due.is_none() || b.due == due),
            text,
        );
    }

    /// Marks the breaches of `rule` that `fits` accepts and no other lane has taken.
    fn breaches_where(&mut self, rule: &str, fits: impl Fn(&Breach) -> bool, text: &str) {
        let found: Vec<(usize, Breach)> = self
            .report
            .breaches
            .iter()
            .enumerate()
            .filter(|(i, b)| {
                b.rule == rule
                    && !self.placed.get(*i).copied().unwrap_or(true)
                    && fits(b)
                    && self
                        .window
                        .map_or(true, |(from, to)| from <= b.at.utc() && b.at.utc() <= to)
            })
            .map(|(i, b)| (i, b.clone()))
            .collect();
        for (i, b) in found {
            if let Some(placed) = self.placed.get_mut(i) {
                *placed = true;
            }
            let what = format!("breach: {} ({})", b.kind, b.detail);
            self.mark(MarkKind::Breach, b.at.utc(), &what, &[text]);
        }
    }

    fn events(&mut self) {
        let count = self.case.events.len();
        let noun = if count == 1 { "event" } else { "events" };
        self.lane(
            "events",
            "events".to_string(),
            format!("{count} {noun}"),
            Tone::Neutral,
            String::new(),
        );
        let (tz, as_of) = (self.tz, self.as_of);
        for e in &self.case.events {
            let fields = event_fields(e, tz);
            let mut what = e.kind.clone();
            if !fields.is_empty() {
                what.push_str(" (");
                what.push_str(&fields.join(", "));
                what.push(')');
            }
            let kind = if e.at > as_of {
                what.push_str(": after the evaluation instant, not counted");
                MarkKind::Later
            } else {
                MarkKind::Event
            };
            self.mark(kind, e.at, &what, &[]);
        }
    }

    fn clock(&mut self, p: &PromiseReport) {
        let policy = self.policy();
        let RuleText { declaration, label } = rules::promise(policy, &p.promise);
        let clauses = rules::promise_clauses(policy, &p.promise);
        let state = word(&p.state);
        self.lane(
            "clock",
            format!("{} #{}", p.promise, p.instance),
            subtitle(label, &state),
            clock_tone(p.state),
            declaration.unwrap_or_default(),
        );
        if let Some(name) = self.evaluator.counted_calendar(p) {
            if let Some(calendar) = rules::calendar(policy, name) {
                self.shade(name, calendar);
            }
        }
        let Some(started) = p.started.map(|s| s.utc()) else {
            return;
        };
        let end = p
            .stopped
            .or_else(|| p.superseded.as_ref().map(|s| s.at))
            .map_or(self.as_of, |s| s.utc());
        let due = p.due.map(|d| d.utc());
        let target = p.target.as_deref().map(|t| format!("target {t}"));
        let target = target.as_deref().unwrap_or("no target applies");
        // Running and paused stretches (paused while any reason held), the running ones split at
        // the due time.
        let mut cursor = started;
        for span in p.paused_spans() {
            let from = span.from.utc();
            self.running(cursor, from.min(end), due, target);
            let to = span.to.map_or(end, |t| t.utc());
            let (label, what, clauses) = paused_texts(&span, &clauses, self.tz);
            let clauses: Vec<&str> = clauses.iter().map(String::as_str).collect();
            self.bar(BarKind::Paused, from, to, &what, Some(&label), &clauses);
            cursor = cursor.max(to);
        }
        self.running(cursor, end, due, target);
        self.mark(
            MarkKind::Start,
            started,
            "started",
            &[clauses.from.as_deref().unwrap_or_default()],
        );
        if let Some(point) = self.evaluator.warning_point(p, self.as_of) {
            let superseded = p.superseded.as_ref().map(|s| s.at);
            let what = match (p.stopped, superseded) {
                (Some(stopped), _) if stopped.utc() < point => {
                    "warning point (not reached: the clock stopped before it)"
                }
                (None, Some(at)) if at.utc() < point => {
                    "warning point (not reached: a restart ended the clock before it)"
                }
                _ if point <= self.as_of => "warning point (passed)",
                _ => "warning point",
            };
            self.mark(
                MarkKind::Warn,
                point,
                what,
                &[clauses.warn.as_deref().unwrap_or_default()],
            );
        }
        if let Some(due) = due {
            self.mark(MarkKind::Due, due, "due", &[target, &p.detail]);
        }
        if let Some(stopped) = p.stopped {
            self.mark(
                MarkKind::Stop,
                stopped.utc(),
                "stopped",
                &[clauses.until.as_deref().unwrap_or_default()],
            );
        }
        if let Some(superseded) = &p.superseded {
            let what = format!("superseded: {} started a new instance", superseded.by);
            self.mark(
                MarkKind::Stop,
                superseded.at.utc(),
                &what,
                &[clauses.restart.as_deref().unwrap_or_default()],
            );
        }
        self.breaches(&p.promise, Some(p.due), target);
    }

    /// The running stretch `[from, to)` of a clock due at `due`: overdue past it.
    fn running(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        target: &str,
    ) {
        if to <= from {
            return;
        }
        match due {
            Some(due) if due < to => {
                if from < due {
                    self.bar(BarKind::Running, from, due, "running", None, &[target]);
                }
                self.bar(
                    BarKind::Overdue,
                    from.max(due),
                    to,
                    "running past its due time",
                    None,
                    &[target],
                );
            }
            _ => self.bar(BarKind::Running, from, to, "running", None, &[target]),
        }
    }

    fn standard(&mut self, s: &StandardReport) {
        let policy = self.policy();
        let RuleText { declaration, label } = rules::standard(policy, &s.standard);
        let declaration = declaration.unwrap_or_default();
        let title = match s.instance {
            Some(number) => format!("{} #{number}", s.standard),
            None => s.standard.clone(),
        };
        self.lane(
            "standard",
            title,
            subtitle(label, &word(&s.state)),
            standard_tone(s.state),
            declaration.clone(),
        );
        if let Some((name, calendar)) = rules::standard_calendar(policy, &s.standard) {
            self.shade(name, calendar);
        }
        let rule = rules::standard_rule(policy, &s.standard).unwrap_or_default();
        if let Some(due) = s.due {
            self.mark(MarkKind::Due, due.utc(), "due", &[&s.detail, rule]);
        }
        if let Some(at) = s.at {
            if matches!(s.state, StandardState::Ok | StandardState::Met) {
                let what = format!("{}: {}", word(&s.state), s.detail);
                self.mark(MarkKind::Done, at.utc(), &what, &[rule]);
            }
        }
        if let Some(superseded) = &s.superseded {
            let what = format!("superseded: {} started a new instance", superseded.by);
            self.mark(MarkKind::Stop, superseded.at.utc(), &what, &[rule]);
        }
        // An instance's breach is at the instant it was decided (a restarted standard has several).
        self.breaches_where(&s.standard, |b| s.at.map_or(true, |at| b.at == at), rule);
    }

    fn commitment(&mut self, c: &CommitmentReport) {
        let policy = self.policy();
        let declaration = rules::commitments(policy).declaration.unwrap_or_default();
        self.lane(
            "commitment",
            format!("commitment {}", c.commitment),
            word(&c.state),
            commitment_tone(c.state),
            declaration.clone(),
        );
        // A commitment whose time counts open time or open days of a calendar shows its hours.
        if let Some(name) = &c.calendar {
            if let Some(calendar) = rules::calendar(policy, name) {
                self.shade(name, calendar);
            }
        }
        let made = c.made.utc();
        if let Some(due) = c.due {
            // A commitment is judged when it is fulfilled, or when the case ends it.
            let end = c
                .fulfilled
                .or(c.ended)
                .map(|f| f.utc())
                .unwrap_or(self.as_of);
            self.bar(
                BarKind::Window,
                made,
                due.utc(),
                "the time promised",
                None,
                &[&c.detail],
            );
            if end > due.utc() && c.state != CommitmentState::Kept {
                self.bar(
                    BarKind::Overdue,
                    due.utc(),
                    end,
                    "not kept by its due time",
                    None,
                    &[&c.detail],
                );
            }
        }
        self.mark(MarkKind::Start, made, "made", &[&c.detail]);
        if let Some(due) = c.due {
            self.mark(MarkKind::Due, due.utc(), "due", &[&c.detail]);
        }
        if let Some(fulfilled) = c.fulfilled {
            let kind = if c.state == CommitmentState::Kept {
                MarkKind::Done
            } else {
                MarkKind::Stop
            };
            self.mark(kind, fulfilled.utc(), "fulfilled", &[&c.detail]);
        }
        if let Some(ended) = c.ended {
            let what = "ended with the case, not fulfilled";
            self.mark(MarkKind::Stop, ended.utc(), what, &[&c.detail]);
        }
        let rule = format!("commitments.{}", c.commitment);
        self.breaches(&rule, None, &declaration);
    }

    fn escalation(&mut self, e: &EscalationReport) {
        let policy = self.policy();
        let RuleText { declaration, label } = rules::escalation(policy, &e.escalation);
        // A chain with several instances names each (`late_resolution #2`), and each instance's
        // lanes take the breaches of its own stretch.
        let several = self.report.chain_has_instances(&e.escalation);
        let number = if several {
            format!(" #{}", e.instance)
        } else {
            String::new()
        };
        self.window = match (several, e.activated) {
            (true, Some(activated)) => {
                Some((activated.utc(), e.stopped.map_or(self.as_of, |s| s.utc())))
            }
            _ => None,
        };
        self.lane(
            "chain",
            format!("{}{number}", e.escalation),
            subtitle(label, &word(&e.state)),
            chain_tone(e.state),
            declaration.unwrap_or_default(),
        );
        if let Some(activated) = e.activated {
            let end = e.stopped.map_or(self.as_of, |s| s.utc());
            self.bar(
                BarKind::Active,
                activated.utc(),
                end,
                "active",
                None,
                &[&e.detail],
            );
            self.mark(MarkKind::Start, activated.utc(), "activated", &[&e.detail]);
        }
        if let Some(stopped) = e.stopped {
            self.mark(MarkKind::Stop, stopped.utc(), "stopped", &[&e.detail]);
        }
        for step in &e.steps {
            self.step(&e.escalation, &number, step, e.stopped.map(|s| s.utc()));
        }
        self.window = None;
    }

    /// A step of `chain` (its instance `number`, ` #2`, or empty), which stopped at `stopped`
    /// (work past its deadline is owed until then).
    fn step(&mut self, chain: &str, number: &str, s: &StepReport, stopped: Option<DateTime<Utc>>) {
        let policy = self.policy();
        let RuleText { declaration, label } = rules::step(policy, chain, &s.step);
        let declaration = declaration.unwrap_or_default();
        self.lane(
            "step",
            format!("{chain}.{}{number}", s.step),
            subtitle(label, &word(&s.state)),
            step_tone(s.state),
            declaration.clone(),
        );
        if let Some((name, calendar)) = rules::step_calendar(policy, chain, &s.step) {
            self.shade(name, calendar);
        }
        let rule = rules::step_rule(policy, chain, &s.step).unwrap_or_default();
        let rule = rule.as_str();
        if let (Some(from), Some(deadline)) = (s.became_due, s.deadline) {
            self.bar(
                BarKind::Window,
                from.utc(),
                deadline.utc(),
                "the time allowed",
                None,
                &[rule],
            );
            let owed = stopped.map_or(self.as_of, |stopped| stopped.min(self.as_of));
            let end = s.done.map_or(owed, |d| d.utc());
            if matches!(s.state, StepState::Late | StepState::Missed) && end > deadline.utc() {
                self.bar(
                    BarKind::Overdue,
                    deadline.utc(),
                    end,
                    "not done by its deadline",
                    None,
                    &[rule],
                );
            }
        }
        if let Some(from) = s.became_due {
            self.mark(
                MarkKind::Start,
                from.utc(),
                "became due",
                &[&s.detail, rule],
            );
        }
        if let Some(deadline) = s.deadline {
            self.mark(MarkKind::Due, deadline.utc(), "deadline", &[rule]);
        }
        if let Some(done) = s.done {
            let kind = if s.state == StepState::Done {
                MarkKind::Done
            } else {
                MarkKind::Stop
            };
            let what = match s.state {
                StepState::Done => "done".to_string(),
                state => format!("done ({})", word(&state)),
            };
            self.mark(kind, done.utc(), &what, &[&s.detail, rule]);
        }
        if let Some(a) = &s.appointment {
            if let Some(first) = a.moves.first() {
                let what = format!("appointment with {} first agreed (moved)", a.with);
                self.mark(MarkKind::Appointment, first.from.utc(), &what, &[rule]);
            }
            for m in &a.moves {
                let what = format!("appointment moved from {} to {}", m.from, m.to);
                self.mark(MarkKind::Event, m.at.utc(), &what, &[rule]);
            }
            let what = format!("appointment with {} ({})", a.with, word(&a.state));
            self.mark(MarkKind::Appointment, a.time.utc(), &what, &[rule]);
            if let Some(met) = a.met {
                let kind = if a.state == AppointmentState::Kept {
                    MarkKind::Done
                } else {
                    MarkKind::Stop
                };
                let what = format!("met {}", a.with);
                self.mark(kind, met.utc(), &what, &[rule]);
            }
        }
        self.breaches(&format!("{chain}.{}", s.step), None, rule);
    }

    /// Breaches no lane took: on a lane of their own.
    fn other_breaches(&mut self) {
        let rest: Vec<Breach> = self
            .report
            .breaches
            .iter()
            .zip(&self.placed)
            .filter(|(_, placed)| !**placed)
            .map(|(b, _)| b.clone())
            .collect();
        if rest.is_empty() {
            return;
        }
        self.lane(
            "other",
            "other breaches".to_string(),
            String::new(),
            Tone::Bad,
            String::new(),
        );
        for b in rest {
            let what = format!("breach of {}: {} ({})", b.rule, b.kind, b.detail);
            self.mark(MarkKind::Breach, b.at.utc(), &what, &[]);
        }
    }
}

/// The closed time of `calendar` on the axis of `scale`, as bands; none when the axis spans
/// more than [`MAX_SHADED_DAYS`].
fn closed_bands(calendar: &Calendar, scale: &Scale) -> Vec<Band> {
    if scale.end - scale.start > TimeDelta::days(MAX_SHADED_DAYS) {
        return Vec::new();
    }
    let mut bands = Vec::new();
    let mut cursor = scale.start;
    let mut push = |from: DateTime<Utc>, to: DateTime<Utc>| {
        if to > from {
            let (x0, x1) = (scale.x(from), scale.x(to));
            if x1 > x0 {
                bands.push(Band {
                    x: x0,
                    width: tenth(x1 - x0),
                });
            }
        }
    };
    for (open_from, open_to) in calendar.open_stretches(scale.start, scale.end) {
        push(cursor, open_from);
        cursor = open_to;
    }
    push(cursor, scale.end);
    bands
}

/// Every instant of a case and its report but the evaluation instant: what the axis must show.
fn instants(case: &Case, report: &CaseReport) -> Vec<DateTime<Utc>> {
    let mut all: Vec<DateTime<Utc>> = case.events.iter().map(|e| e.at).collect();
    let mut add = |t: Option<Instant>| {
        if let Some(t) = t {
            all.push(t.utc());
        }
    };
    for p in &report.promises {
        add(p.started);
        add(p.due);
        add(p.stopped);
        add(p.superseded.as_ref().map(|s| s.at));
        for pause in &p.pauses {
            add(Some(pause.from));
            add(pause.to);
        }
    }
    for s in &report.standards {
        add(s.at);
        add(s.due);
        add(s.superseded.as_ref().map(|s| s.at));
    }
    for c in &report.commitments {
        add(Some(c.made));
        add(c.due);
        add(c.fulfilled);
    }
    for e in &report.escalations {
        add(e.activated);
        add(e.stopped);
        for s in &e.steps {
            add(s.became_due);
            add(s.deadline);
            add(s.done);
            if let Some(a) = &s.appointment {
                add(Some(a.time));
                add(a.met);
                for m in &a.moves {
                    add(Some(m.at));
                    add(Some(m.from));
                }
            }
        }
    }
    for b in &report.breaches {
        add(Some(b.at));
    }
    all
}

/// The axis of a case: from its first instant to its last, taking in the evaluation instant
/// when that at most doubles the span, with a little room either side.
fn window(
    case: &Case,
    report: &CaseReport,
    as_of: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let all = instants(case, report);
    let (mut first, mut last) = match (all.iter().min(), all.iter().max()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => (as_of, as_of),
    };
    let span = last - first;
    if as_of > last && as_of - last <= span.max(TimeDelta::hours(1)) {
        last = as_of;
    }
    if as_of < first && first - as_of <= span.max(TimeDelta::hours(1)) {
        first = as_of;
    }
    // At least half an hour, around the middle of a shorter span.
    let short = TimeDelta::minutes(30) - (last - first);
    if short > TimeDelta::zero() {
        first = first.checked_sub_signed(short / 2).unwrap_or(first);
        last = last.checked_add_signed(short / 2).unwrap_or(last);
    }
    let pad = TimeDelta::seconds(((last - first) / 40).num_seconds().max(1));
    let first = first.checked_sub_signed(pad).unwrap_or(first);
    let last = last.checked_add_signed(pad).unwrap_or(last);
    (first, last)
}

/// Steps between ticks: sub-day steps in seconds (each divides a day), then days, months, years.
#[derive(Debug, Clone, Copy)]
enum Step {
    Seconds(u32),
    Days(u32),
    Months(u32),
    Years(u32),
}

impl Step {
    /// The step's rough length in seconds, to choose one.
    fn seconds(self) -> i64 {
        match self {
            Step::Seconds(s) => i64::from(s),
            Step::Days(d) => i64::from(d) * 86_400,
            Step::Months(m) => i64::from(m) * 2_629_746,
            Step::Years(y) => i64::from(y) * 31_556_952,
        }
    }
}

/// The most ticks an axis carries.
const MAX_TICKS: i64 = 8;

/// The ticks of an axis of `scale`: local times of the policy's zone at a round step.
fn ticks(scale: &Scale, tz: Tz) -> Vec<Tick> {
    let span = (scale.end - scale.start).num_seconds().max(1);
    let steps = [
        Step::Seconds(60),
        Step::Seconds(120),
        Step::Seconds(300),
        Step::Seconds(600),
        Step::Seconds(900),
        Step::Seconds(1800),
        Step::Seconds(3600),
        Step::Seconds(7200),
        Step::Seconds(10_800),
        Step::Seconds(21_600),
        Step::Seconds(43_200),
        Step::Days(1),
        Step::Days(2),
        Step::Days(7),
        Step::Months(1),
        Step::Months(3),
        Step::Years(1),
    ];
    let years = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].map(Step::Years);
    let step = steps
        .into_iter()
        .chain(years)
        .find(|s| span / s.seconds() < MAX_TICKS)
        .unwrap_or(Step::Years(10_000));
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).naive_local();
    let (first, last) = (local(scale.start), local(scale.end));
    let mut out: Vec<(DateTime<Utc>, bool)> = Vec::new();
    let at = |date: NaiveDate, time: NaiveTime| local_to_instant(tz, date, time).ok();
    match step {
        Step::Seconds(seconds) => {
            // From the last round local time at or before the start, to the end.
            let mut date = first.date();
            let mut second = first.time().num_seconds_from_midnight() / seconds * seconds;
            while out.len() <= MAX_TICKS as usize + 2 {
                if second >= 86_400 {
                    match date.succ_opt() {
                        Some(next) => (date, second) = (next, 0),
                        None => break,
                    }
                }
                let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(second, 0)
                    .and_then(|time| at(date, time))
                else {
                    break;
                };
                if t > scale.end {
                    break;
                }
                out.push((t, second == 0));
                second += seconds;
            }
        }
        Step::Days(days) => {
            let mut date = first.date();
            if days == 7 {
                // Weeks start on Monday.
                let back = date.weekday().num_days_from_monday();
                date -= TimeDelta::days(i64::from(back));
            }
            while date <= last.date() {
                if let Some(t) = at(date, NaiveTime::MIN) {
                    out.push((t, true));
                }
                match date.checked_add_signed(TimeDelta::days(i64::from(days))) {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
        Step::Months(months) => {
            let mut date = first.date().with_day(1).unwrap_or(first.date());
            while date <= last.date() {
                if let Some(t) = at(date, NaiveTime::MIN) {
                    out.push((t, true));
                }
                match date.checked_add_months(Months::new(months.max(1))) {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
        Step::Years(years) => {
            let years = i32::try_from(years).unwrap_or(i32::MAX);
            let year = first.year() - first.year().rem_euclid(years);
            let mut date = NaiveDate::from_ymd_opt(year, 1, 1);
            while let Some(d) = date.filter(|d| *d <= last.date()) {
                if let Some(t) = at(d, NaiveTime::MIN) {
                    out.push((t, true));
                }
                date = d.year().checked_add(years).and_then(|y| d.with_year(y));
            }
        }
    }
    out.dedup_by_key(|(t, _)| *t);
    out.retain(|(t, _)| *t >= scale.start && *t <= scale.end);
    // The first tick names its date.
    if let Some((_, major)) = out.first_mut() {
        *major = true;
    }
    out.into_iter()
        .map(|(t, major)| {
            let time = t.with_timezone(&tz);
            let label = match step {
                Step::Seconds(_) if !major => format!("{:02}:{:02}", time.hour(), time.minute()),
                Step::Seconds(_) => format!(
                    "{:02}-{:02} {:02}:{:02}",
                    time.month(),
                    time.day(),
                    time.hour(),
                    time.minute()
                ),
                Step::Days(_) => {
                    format!("{:02}-{:02}", time.month(), time.day())
                }
                Step::Months(_) => format!("{}-{:02}", time.year(), time.month()),
                Step::Years(_) => format!("{}", time.year()),
            };
            Tick {
                x: scale.x(t),
                label,
                major,
            }
        })
        .collect()
}

impl Timeline {
    /// Lays out the timeline of `case`, whose report `report` was made by `evaluator` at `as_of`.
    pub fn build(
        evaluator: &Evaluator<'_>,
        case: &Case,
        report: &CaseReport,
        as_of: DateTime<Utc>,
    ) -> Timeline {
        let policy = evaluator.policy();
        let tz = rules::zone(policy);
        let (start, end) = window(case, report, as_of);
        let scale = Scale::new(start, end, GUTTER, WIDTH - RIGHT);
        let mut b = Builder {
            evaluator,
            case,
            report,
            as_of,
            tz,
            scale,
            lanes: Vec::new(),
            placed: vec![false; report.breaches.len()],
            window: None,
        };
        b.events();
        for p in &report.promises {
            b.clock(p);
        }
        for s in &report.standards {
            b.standard(s);
        }
        for c in &report.commitments {
            b.commitment(c);
        }
        for e in &report.escalations {
            b.escalation(e);
        }
        b.other_breaches();
        let Builder { lanes, .. } = b;
        let calendar = lanes.iter().find_map(|l| l.calendar.clone());
        let closed = calendar
            .as_deref()
            .and_then(|name| rules::calendar(policy, name))
            .map(|c| closed_bands(c, &scale))
            .unwrap_or_default();
        let unshaded =
            (calendar.is_some() && end - start > TimeDelta::days(MAX_SHADED_DAYS)).then(|| {
                format!("closed time not shaded: the axis spans more than {MAX_SHADED_DAYS} days")
            });
        let height = TOP + LANE * lanes.len() as f64 + 8.0;
        let rows = lanes.iter().flat_map(Lane::rows).collect();
        let now = (as_of >= start && as_of <= end).then(|| scale.x(as_of));
        let breaches = report.breaches.len();
        let summary = format!(
            "Case {} as of {}: {} clock{}, {} standard{}, {} commitment{}, {} escalation{}; {} breach{}, {} required action{}.",
            case.id,
            Instant::new(as_of, tz),
            report.promises.len(),
            plural(report.promises.len()),
            report.standards.len(),
            plural(report.standards.len()),
            report.commitments.len(),
            plural(report.commitments.len()),
            report.escalations.len(),
            plural(report.escalations.len()),
            breaches,
            if breaches == 1 { "" } else { "es" },
            report.actions.len(),
            plural(report.actions.len()),
        );
        Timeline {
            case: case.id.clone(),
            as_of: Instant::new(as_of, tz).to_string(),
            policy: rules::header(policy).0.to_string(),
            width: WIDTH,
            height,
            plot: (GUTTER, WIDTH - RIGHT),
            from: Instant::new(start, tz).to_string(),
            to: Instant::new(end, tz).to_string(),
            ticks: ticks(&scale, tz.unwrap_or(Tz::UTC)),
            calendar,
            closed,
            unshaded,
            lanes,
            now,
            summary,
            rows,
        }
    }

    /// The picture as SVG: `standalone` for a file of its own (with its styles, patterns and a
    /// legend), else for a page that holds them once; `id` makes its element ids unique there.
    pub fn svg(&self, standalone: bool, id: &str) -> Result<String, HtmlError> {
        let height = if standalone {
            self.height + LEGEND
        } else {
            self.height
        };
        super::render(
            "timeline.svg",
            minijinja::context! {
                t => minijinja::value::Serde(self),
                standalone => standalone,
                id => id,
                height => height,
                legend_y => self.height + 4.0,
                legend => minijinja::value::Serde(legend_items(false)),
                css => minijinja::Value::from_safe_string(super::SVG_CSS.to_string()),
            },
        )
    }
}

/// One entry of the legend of a standalone picture.
#[derive(Debug, Clone, Serialize)]
pub(super) struct LegendItem {
    x: f64,
    y: f64,
    /// A stretch (a bar) rather than a mark.
    bar: bool,
    class: &'static str,
    path: String,
    label: &'static str,
}

/// The legend: the marks on one row, the stretches on the next; for `icons`, each drawn in a
/// box of its own (20 units wide), as the pages list them.
pub(super) fn legend_items(icons: bool) -> Vec<LegendItem> {
    let marks = [
        (MarkKind::Start, "started, made"),
        (MarkKind::Warn, "warning point"),
        (MarkKind::Due, "due, deadline"),
        (MarkKind::Stop, "stopped"),
        (MarkKind::Done, "done, held, kept"),
        (MarkKind::Breach, "breach"),
        (MarkKind::Appointment, "appointment"),
        (MarkKind::Event, "event"),
    ];
    let bars = [
        ("bar running", "running"),
        ("bar paused", "paused"),
        ("bar overdue", "past due"),
        ("bar window", "time allowed"),
        ("bar active", "chain active"),
        ("closed", "closed: not counted"),
    ];
    let column = (WIDTH - 16.0) / 8.0;
    let mut items: Vec<LegendItem> = marks
        .into_iter()
        .enumerate()
        .map(|(i, (kind, label))| {
            let x = if icons {
                0.0
            } else {
                tenth(8.0 + column * i as f64)
            };
            LegendItem {
                x,
                y: 0.0,
                bar: false,
                class: match kind {
                    MarkKind::Start => "start",
                    MarkKind::Warn => "warn",
                    MarkKind::Due => "due",
                    MarkKind::Stop => "stop",
                    MarkKind::Done => "done",
                    MarkKind::Breach => "breach",
                    MarkKind::Appointment => "appointment",
                    MarkKind::Event | MarkKind::Later => "event",
                },
                path: shape(kind, if icons { 10.0 } else { x + 8.0 }),
                label,
            }
        })
        .collect();
    items.extend(
        bars.into_iter()
            .enumerate()
            .map(|(i, (class, label))| LegendItem {
                x: if icons {
                    0.0
                } else {
                    tenth(8.0 + column * i as f64)
                },
                y: if icons { 0.0 } else { 20.0 },
                bar: true,
                class,
                path: String::new(),
                label,
            }),
    );
    items
}

/// `s` for plurals.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
