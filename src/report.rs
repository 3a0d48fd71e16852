//! The evaluation report: what is breached, what must happen next and by when.
//!
//! This module owns the report model (the JSON contract of
//! `docs/semantics.md` and the architecture notes) and its emitters: `json`
//! (pretty), `jsonl` (one case per line, then the summary), `yaml` and
//! `human`. Instants are written in RFC 3339 with the offset of the policy's
//! timezone (UTC when it has none); durations in ISO 8601 (see [`IsoDuration`]).

mod compact;
pub mod explain;
#[cfg(feature = "html")]
pub mod html;
mod human;
mod stream;

pub use stream::{case_json, render_case, RenderedCase, ReportWriter};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};
use std::fmt;

/// An exact instant shown with the offset of the policy's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub DateTime<FixedOffset>);

impl Instant {
    /// The instant `t` as seen in `tz` (UTC when `None`), or in UTC when its local date there
    /// would fall after the year 9999 (or before the year 0), which RFC 3339 cannot write
    /// ([`crate::time::shown_offset`]).
    pub fn new(t: DateTime<Utc>, tz: Option<Tz>) -> Self {
        match tz {
            Some(tz) => Instant(t.with_timezone(&crate::time::shown_offset(tz, t))),
            None => Instant(t.fixed_offset()),
        }
    }
    /// The same instant in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }
}

/// The RFC 3339 text of an instant of the common shape, built without the formatting machinery.
struct PlainText {
    /// The text, then zeros.
    bytes: [u8; 25],
    /// The length of the text.
    len: usize,
}

impl PlainText {
    /// The text, or `None` for instants not of the common shape (see [`LocalParts`]).
    fn of(instant: &Instant) -> Option<PlainText> {
        let parts = LocalParts::of(instant)?;
        let (zone, zone_len) = parts.zone_text();
        let mut text = PlainText {
            bytes: [0; 25],
            len: 19 + zone_len,
        };
        put(&mut text.bytes, 0, &parts.date_text());
        put(&mut text.bytes, 10, &parts.time_text());
        put(&mut text.bytes, 19, &zone);
        Some(text)
    }

    /// The text's bytes (all ASCII).
    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The text.
    fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// Copies `piece` into `bytes` at `at` (when it fits, as it does where it is called).
fn put(bytes: &mut [u8], at: usize, piece: &[u8]) {
    if let Some(slot) = bytes.get_mut(at..at + piece.len()) {
        slot.copy_from_slice(piece);
    }
}

/// An instant of the common shape — a local time with whole seconds in the years 0 to 9999, and
/// an offset of whole minutes — in the parts of its text: `date_text`, `time_text`, `zone_text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LocalParts {
    /// The local date.
    date: NaiveDate,
    /// The local second of the day.
    second: u32,
    /// The offset from UTC in seconds.
    offset: i32,
}

impl LocalParts {
    /// The parts, or `None` for instants not of the common shape.
    #[inline]
    fn of(instant: &Instant) -> Option<LocalParts> {
        let offset = instant.0.offset().local_minus_utc();
        let utc = instant.0.naive_utc();
        if utc.nanosecond() != 0 || offset % 60 != 0 {
            return None;
        }
        // The offset is less than a day, so the local date is the UTC date or one next to it.
        let local = utc.num_seconds_from_midnight() as i32 + offset;
        let (date, second) = match local {
            ..=-1 => (utc.date().pred_opt()?, local + 86_400),
            0..=86_399 => (utc.date(), local),
            _ => (utc.date().succ_opt()?, local - 86_400),
        };
        if !(0..=9999).contains(&date.year()) {
            return None;
        }
        Some(LocalParts {
            date,
            second: second.unsigned_abs(),
            offset,
        })
    }

    /// `YYYY-MM-DD`.
    fn date_text(&self) -> [u8; 10] {
        let year = self.date.year().unsigned_abs();
        let [y1, y2] = two_digits(year / 100);
        let [y3, y4] = two_digits(year % 100);
        let [m1, m2] = two_digits(self.date.month());
        let [d1, d2] = two_digits(self.date.day());
        [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]
    }

    /// `THH:MM:SS`.
    fn time_text(&self) -> [u8; 9] {
        let [h1, h2] = two_digits(self.second / 3600);
        let [m1, m2] = two_digits(self.second / 60 % 60);
        let [s1, s2] = two_digits(self.second % 60);
        [b'T', h1, h2, b':', m1, m2, b':', s1, s2]
    }

    /// `Z` or `+HH:MM` / `-HH:MM`, and its length; the bytes after a `Z` are `"`.
    fn zone_text(&self) -> ([u8; 6], usize) {
        if self.offset == 0 {
            return (*b"Z\"\"\"\"\"", 1);
        }
        let minutes = self.offset.unsigned_abs() / 60;
        let [h1, h2] = two_digits(minutes / 60);
        let [m1, m2] = two_digits(minutes % 60);
        let sign = if self.offset < 0 { b'-' } else { b'+' };
        ([sign, h1, h2, b':', m1, m2], 6)
    }
}

/// The two decimal digits of `value` (below 100).
fn two_digits(value: u32) -> [u8; 2] {
    let at = value as usize * 2;
    match DIGIT_PAIRS.get(at..at + 2) {
        Some(&[tens, ones]) => [tens, ones],
        _ => *b"00",
    }
}

/// `00` to `99`, one after the other.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = PlainText::of(self) {
            return f.write_str(text.as_str());
        }
        let offset = *self.0.offset();
        let text = match self.0.naive_utc().checked_add_offset(offset) {
            Some(_) => self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            // At the very ends of the supported range the local time has no date: write UTC.
            None => self.utc().to_rfc3339_opts(SecondsFormat::AutoSi, true),
        };
        f.write_str(&text)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match PlainText::of(self) {
            Some(text) => serializer.serialize_str(text.as_str()),
            None => serializer.collect_str(self),
        }
    }
}

/// A length of time written in ISO 8601: `PT0S`, `PT20M`, `PT1H30M`, `P1DT2H`, `PT1.5S`.
///
/// A day (`D`) is exactly 24 hours of the measured time, never a calendar day;
/// negative lengths are written with a leading `-` (`-PT5M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDuration(pub TimeDelta);

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DurationText::of(self).as_str())
    }
}

/// The ISO 8601 text of a duration, built without the formatting machinery.
struct DurationText {
    /// Room for the longest: `-P106751991167DT23H59M59.999S` (29 bytes).
    bytes: [u8; 32],
    /// The length of the text.
    len: usize,
}

impl DurationText {
    /// The text of `duration`.
    #[inline]
    fn of(duration: &IsoDuration) -> DurationText {
        let mut text = DurationText {
            bytes: [0; 32],
            len: 0,
        };
        let delta = duration.0;
        if delta < TimeDelta::zero() {
            text.push(b'-');
        }
        let total_ms = delta.num_milliseconds().unsigned_abs();
        let (secs, millis) = (total_ms / 1000, total_ms % 1000);
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (hours, minutes, seconds) = (rest / 3600, rest % 3600 / 60, rest % 60);
        text.push(b'P');
        if days > 0 {
            text.number(days);
            text.push(b'D');
        }
        if rest == 0 && millis == 0 {
            if days == 0 {
                text.extend(b"T0S");
            }
            return text;
        }
        text.push(b'T');
        if hours > 0 {
            text.number(hours);
            text.push(b'H');
        }
        if minutes > 0 {
            text.number(minutes);
            text.push(b'M');
        }
        if millis > 0 {
            text.number(seconds);
            text.push(b'.');
            // Three digits without the trailing zeros.
            let digits = [millis / 100, millis / 10 % 10, millis % 10];
            let kept = if millis % 10 != 0 {
                3
            } else if millis % 100 != 0 {
                2
            } else {
                1
            };
            for digit in digits.iter().take(kept) {
                text.push(b'0' + *digit as u8);
            }
            text.push(b'S');
        } else if seconds > 0 {
            text.number(seconds);
            text.push(b'S');
        }
        text
    }

    /// Appends one byte.
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Appends bytes.
    fn extend(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.push(*byte);
        }
    }

    /// Writes `value` in decimal.
    fn number(&mut self, value: u64) {
        match value {
            0..=9 => self.push(b'0' + value as u8),
            10..=99 => self.extend(&two_digits(value as u32)),
            _ => self.extend(Decimal::of(value).as_bytes()),
        }
    }

    /// The text's bytes (all ASCII).
    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The text.
    fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// The decimal digits of an unsigned number.
struct Decimal {
    /// The digits, right-aligned.
    bytes: [u8; 20],
    /// Where the digits start in `bytes`.
    start: usize,
}

impl Decimal {
    /// The digits of `value`.
    fn of(mut value: u64) -> Decimal {
        let mut decimal = Decimal {
            bytes: [b'0'; 20],
            start: 20,
        };
        loop {
            decimal.start -= 1;
            if let Some(slot) = decimal.bytes.get_mut(decimal.start) {
                *slot = b'0' + (value % 10) as u8;
            }
            value /= 10;
            if value == 0 || decimal.start == 0 {
                return decimal;
            }
        }
    }

    /// The digits.
    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(DurationText::of(self).as_str())
    }
}

/// The report of one run: every case read is either evaluated or rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The evaluation instant.
    pub as_of: Instant,
    /// Which policy was applied.
    pub policy: PolicyRef,
    /// One entry per evaluated case, in input order.
    pub cases: Vec<CaseReport>,
    /// Rates over many cases (empty until objectives are evaluated).
    pub objectives: Vec<ObjectiveReport>,
    /// Cases that could not be read.
    pub rejected: Vec<RejectedCase>,
    /// Counts over the whole run.
    pub summary: Summary,
}

/// The policy's name and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// The header's name.
    pub name: String,
    /// `version N`, if declared.
    pub version: Option<u64>,
}

/// Everything found for one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseReport {
    /// The case id.
    pub case: String,
    /// Set when the report stands on a later part of the case's events only: with an idle window
    /// (`eval --window N`), a case that had no line among the last N lines was evaluated, and a
    /// later line of it began this part. Absent from the output otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<CasePart>,
    /// Clock instances of the policy's promises.
    pub promises: Vec<PromiseReport>,
    /// The standards that apply to the case.
    pub standards: Vec<StandardReport>,
    /// Promises made by staff during the case.
    pub commitments: Vec<CommitmentReport>,
    /// Escalation chains whose trigger fired.
    pub escalations: Vec<EscalationReport>,
    /// Every breach, in time order.
    pub breaches: Vec<Breach>,
    /// Required actions for open work, earliest deadline first.
    pub actions: Vec<RequiredAction>,
    /// Clocks approaching their due time.
    pub warnings: Vec<Warning>,
}

impl CaseReport {
    /// Whether the chain `escalation` has more than one instance in this case (a chain with
    /// `restart on`): reports then number its entries.
    pub fn chain_has_instances(&self, escalation: &str) -> bool {
        self.escalations
            .iter()
            .filter(|other| other.escalation == escalation)
            .nth(1)
            .is_some()
    }
}

/// Which part of a case a report stands on, when a window cut the case (see [`CaseReport::part`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CasePart {
    /// 2 for the part after the first cut, 3 after the second, …
    pub number: u32,
    /// Where the part begins: its first line, `file:line`.
    pub starts: crate::case::Location,
}

/// State of a clock instance (promise) or of a `require … within … after …` standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Not started.
    Pending,
    /// Started, not stopped, not past due.
    Running,
    /// Started, currently paused, not past due.
    Paused,
    /// Stopped at or before its due time.
    Met,
    /// Stopped after its due time, or still open after it.
    Breached,
    /// Started, but no target applies to the case.
    NotPromised,
    /// Ended by a `restart on` event before its stop event and before its due time: a new
    /// instance took its place. Neither met nor breached.
    Superseded,
}

/// One instance of a promise's clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromiseReport {
    /// The promise's name.
    pub promise: String,
    /// 1 for the first clock, 2 after the first `restart on`, …
    pub instance: u32,
    /// The state at the evaluation instant.
    pub state: ClockState,
    /// The deadline rule of the target that applies, as written.
    pub target: Option<String>,
    /// When the clock started.
    pub started: Option<Instant>,
    /// When it is or was due.
    pub due: Option<Instant>,
    /// When it stopped.
    pub stopped: Option<Instant>,
    /// Time counted (in the promise's measure: open time of its calendar, or elapsed time).
    pub elapsed: Option<IsoDuration>,
    /// Paused time (same measure).
    pub paused: Option<IsoDuration>,
    /// For a breach: wall-clock time from due to stop (or to the evaluation instant).
    pub late_by: Option<IsoDuration>,
    /// For an open clock: wall-clock time left until due.
    pub remaining: Option<IsoDuration>,
    /// Each reason's paused stretches, in the order they began (the stretches of two reasons
    /// overlap when both held at once; see [`PromiseReport::paused_spans`] for when the clock was
    /// paused).
    pub pauses: Vec<Stretch>,
    /// Why the due time is what it is.
    pub detail: String,
    /// When a `restart on` event ended the instance before its stop event, and which (written
    /// only for such an instance; its state is `superseded`, or `breached` when it was already
    /// past its due time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded: Option<Supersession>,
}

impl PromiseReport {
    /// The stretches in which the clock was paused — while any of its reasons held — in order,
    /// each with the reasons' stretches it is made of. The last may still be open.
    pub fn paused_spans(&self) -> Vec<PausedSpan<'_>> {
        let mut spans: Vec<PausedSpan<'_>> = Vec::new();
        let mut sorted: Vec<&Stretch> = self.pauses.iter().collect();
        sorted.sort_by_key(|s| s.from);
        for stretch in sorted {
            match spans.last_mut() {
                // Open, or reaching this one's start: one span.
                Some(last) if last.to.map_or(true, |to| stretch.from <= to) => {
                    last.to = match (last.to, stretch.to) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    last.reasons.push(stretch);
                }
                _ => spans.push(PausedSpan {
                    from: stretch.from,
                    to: stretch.to,
                    reasons: vec![stretch],
                }),
            }
        }
        spans
    }
}

/// A stretch in which a clock was paused, and the reasons' stretches it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PausedSpan<'a> {
    /// Start.
    pub from: Instant,
    /// End, if it ended.
    pub to: Option<Instant>,
    /// The stretches of the reasons that held in it, in the order they began.
    pub reasons: Vec<&'a Stretch>,
}

/// A reason's paused stretch `[from, to)`; `to` is `None` while it is still going on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stretch {
    /// Start.
    pub from: Instant,
    /// End, if it ended.
    pub to: Option<Instant>,
    /// Why the clock was paused: the `pause on` events of the clause (`waiting_customer`), with
    /// ` #N` after them when two clauses of the promise have the same events (N: the clause's
    /// place among the promise's `pause` clauses).
    pub reason: String,
}

/// How a `restart on` event ended an instance: when, and the type of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supersession {
    /// The instant of the restart.
    pub at: Instant,
    /// The restarting event's type.
    pub by: String,
}

/// The state of a standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardState {
    /// The closing event happened and the rule held.
    Ok,
    /// The rule was broken.
    Violated,
    /// The closing event has not happened and the rule is not broken yet.
    Pending,
    /// `require … within`: started, within its time.
    Running,
    /// `require … within`: the required event came in time.
    Met,
    /// `require … within`: late or still missing after the time allowed.
    Breached,
    /// Ended by a `restart on` event before it was decided (before its closing event, or, for
    /// `require … within`, before its due time). Neither kept nor broken.
    Superseded,
}

/// One standard applied to a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardReport {
    /// The standard's name.
    pub standard: String,
    /// Its state.
    pub state: StandardState,
    /// When it was decided (violation, closing event, or the required event).
    pub at: Option<Instant>,
    /// For `require … within`: the due time.
    pub due: Option<Instant>,
    /// What happened.
    pub detail: String,
    /// 1 for the first instance, 2 after the first `restart on`, … (written only for standards
    /// with `restart on`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// When a `restart on` event ended the instance before its closing event (or, for `require …
    /// within`, its required event), and which (written only for such an instance; its state is
    /// `superseded` unless the rule was already broken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded: Option<Supersession>,
}

/// The state of a commitment made during a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentState {
    /// Made without a usable time while the policy says `require time`.
    Vague,
    /// Not fulfilled yet, not past due.
    Open,
    /// Fulfilled in time.
    Kept,
    /// Fulfilled after its due time (and grace).
    Late,
    /// Not fulfilled, past its due time (and grace), or when the case ended (`end on`).
    Broken,
}

/// One promise made by staff (`promised` event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitmentReport {
    /// The promise's id (`id` of the event, or `#N` for the N-th promise without one).
    pub commitment: String,
    /// Its state.
    pub state: CommitmentState,
    /// When it was made.
    pub made: Instant,
    /// When it is due.
    pub due: Option<Instant>,
    /// When it was fulfilled.
    pub fulfilled: Option<Instant>,
    /// When the case ended it (an `end on` event) while it was still open: it was judged then.
    pub ended: Option<Instant>,
    /// The calendar whose open time or open days its due time counts (a duration on a calendar,
    /// working days); none for elapsed time, cut-offs and a `due` instant.
    pub calendar: Option<String>,
    /// What was promised and how its due time was read.
    pub detail: String,
}

/// Whether a chain was activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainState {
    /// Activated and not stopped.
    Active,
    /// Activated, then stopped by `stop on`.
    Stopped,
    /// The trigger fired but the guard (`applies when`) did not hold: not escalated.
    Guarded,
}

/// One instance of an escalation chain whose trigger fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationReport {
    /// The chain's name.
    pub escalation: String,
    /// 1 for the first instance whose trigger fired, 2 for the next one (after a `restart on`), …
    pub instance: u32,
    /// Active, stopped or guarded.
    pub state: ChainState,
    /// When it was activated.
    pub activated: Option<Instant>,
    /// When it stopped (by `stop on`, or by the `restart on` event that began the next instance).
    pub stopped: Option<Instant>,
    /// Its steps in declaration order (empty when guarded).
    pub steps: Vec<StepReport>,
    /// What activated it, or why it was not.
    pub detail: String,
}

/// The state of an escalation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not yet due.
    Waiting,
    /// Due and not done: a required action.
    Due,
    /// Done in time.
    Done,
    /// Done after its deadline.
    Late,
    /// Not done, past its deadline.
    Missed,
    /// Its action happened before its preconditions were complete.
    OutOfOrder,
    /// The chain stopped before the step had to be done.
    Skipped,
}

/// One step of an escalation chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// The step's name.
    pub step: String,
    /// Its state.
    pub state: StepState,
    /// When it became due.
    pub became_due: Option<Instant>,
    /// Its deadline.
    pub deadline: Option<Instant>,
    /// When its action was done.
    pub done: Option<Instant>,
    /// For `appoint` steps: the appointment booked.
    pub appointment: Option<AppointmentReport>,
    /// What happened.
    pub detail: String,
}

/// The state of a booked appointment under `keep appointment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentState {
    /// Booked, its time (plus grace) not yet passed.
    Scheduled,
    /// A `met` event with the staff member came in time.
    Kept,
    /// No `met` event in time.
    Missed,
    /// Booked, without `keep appointment`.
    Booked,
}

/// An appointment booked by an `appoint` step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppointmentReport {
    /// The agreed time (the latest, when it was moved).
    pub time: Instant,
    /// The staff member.
    pub with: String,
    /// Its state.
    pub state: AppointmentState,
    /// When the `met` event came.
    pub met: Option<Instant>,
    /// When it was booked (the `appointment` event that did the step).
    pub booked: Instant,
    /// The time first agreed (the same as `time` when it was never moved).
    pub first_time: Instant,
    /// Each move of the agreed time, in order.
    pub moves: Vec<AppointmentMove>,
}

/// A later `appointment` event that moved the agreed time of a booked appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AppointmentMove {
    /// When it was moved.
    pub at: Instant,
    /// The time agreed before.
    pub from: Instant,
    /// The time agreed from then on.
    pub to: Instant,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    /// The rule: a promise, standard, `commitments.ID` or `CHAIN.STEP`.
    pub rule: String,
    /// What kind of breach (see `docs/semantics.md`).
    pub kind: String,
    /// The deadline that was missed, if the rule has one.
    pub due: Option<Instant>,
    /// When the rule was broken.
    pub at: Instant,
    /// What happened.
    pub detail: String,
}

/// Something that must happen, and by when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredAction {
    /// The rule asking for it.
    pub rule: String,
    /// What to do.
    pub action: String,
    /// The deadline, if the rule has one.
    pub due: Option<Instant>,
}

/// A clock approaching its due time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The promise or standard.
    pub rule: String,
    /// `approaching`.
    pub kind: String,
    /// Its due time.
    pub due: Instant,
    /// Which warning point was passed.
    pub detail: String,
}

/// A rate over many cases for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveReport {
    /// The objective's name.
    pub objective: String,
    /// The period, e.g. `2026-06-19`, `2026-W25`, `2026-06`.
    pub period: String,
    /// Cases counted as meeting the measure.
    pub met: u64,
    /// Cases counted.
    pub total: u64,
    /// `met / total`.
    pub rate: f64,
    /// `met` or `missed`.
    pub state: String,
}

/// A case that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedCase {
    /// Where, written `file:line`.
    pub source: crate::case::Location,
    /// What is wrong.
    pub error: String,
}

/// Counts over the run: `cases + cut == evaluated + rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Cases read.
    pub cases: usize,
    /// Cases evaluated.
    pub evaluated: usize,
    /// Cases rejected.
    pub rejected: usize,
    /// Breaches over all cases.
    pub breaches: usize,
    /// Required actions over all cases.
    pub actions: usize,
    /// Warnings over all cases.
    pub warnings: usize,
    /// Later parts of cases cut by an idle window (`eval --window N`): each is an entry under
    /// `cases` or `rejected`, of a case counted once in `cases`. Absent from the output when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub cut: usize,
}

/// Whether a count is 0 (left out of the output).
fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Summary {
    /// Counts one more evaluated case.
    pub fn add(&mut self, case: &CaseReport) {
        self.cases += 1;
        self.evaluated += 1;
        self.breaches += case.breaches.len();
        self.actions += case.actions.len();
        self.warnings += case.warnings.len();
    }

    /// The counts of these evaluated and rejected cases.
    pub fn of(cases: &[CaseReport], rejected: usize) -> Self {
        Summary {
            cases: cases.len() + rejected,
            evaluated: cases.len(),
            rejected,
            breaches: cases.iter().map(|c| c.breaches.len()).sum(),
            actions: cases.iter().map(|c| c.actions.len()).sum(),
            warnings: cases.iter().map(|c| c.warnings.len()).sum(),
            cut: 0,
        }
    }
}

/// The output formats of `covenant eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A readable per-case summary.
    Human,
    /// One pretty-printed JSON document.
    Json,
    /// One case object per line, then one summary line.
    Jsonl,
    /// One YAML document.
    Yaml,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// JSON serialization failed.
    #[error("cannot write json: {0}")]
    Json(#[from] serde_json::Error),
    /// YAML serialization failed.
    #[error("cannot write yaml: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// Writing the output failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
}

/// The `jsonl` summary line: the run's header fields and counts.
#[derive(Serialize)]
struct SummaryLine<'a, R: Serialize + ?Sized = [RejectedCase]> {
    as_of: &'a Instant,
    policy: &'a PolicyRef,
    objectives: &'a [ObjectiveReport],
    rejected: &'a R,
    summary: &'a Summary,
}

impl Report {
    /// Builds a report, computing the summary from the cases and rejections.
    pub fn new(
        as_of: Instant,
        policy: PolicyRef,
        cases: Vec<CaseReport>,
        rejected: Vec<RejectedCase>,
    ) -> Self {
        let summary = Summary::of(&cases, rejected.len());
        Report {
            as_of,
            policy,
            cases,
            objectives: Vec::new(),
            rejected,
            summary,
        }
    }

    /// Writes the report in `format`; the text always ends with a newline.
    pub fn emit(&self, format: Format) -> Result<String, EmitError> {
        Ok(match format {
            Format::Human => human::render(self),
            Format::Json => serde_json::to_string_pretty(self)? + "\n",
            Format::Jsonl => {
                let mut out = String::new();
                for case in &self.cases {
                    out.push_str(&serde_json::to_string(case)?);
                    out.push('\n');
                }
                out.push_str(&serde_json::to_string(&SummaryLine {
                    as_of: &self.as_of,
                    policy: &self.policy,
                    objectives: &self.objectives,
                    rejected: &self.rejected,
                    summary: &self.summary,
                })?);
                out.push('\n');
                out
            }
            Format::Yaml => serde_yaml::to_string(self)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    #[test]
    fn instants_are_written_as_chrono_writes_them() {
        let zones = [
            None,
            Some(Tz::UTC),
            Some(Tz::Europe__London),
            Some(Tz::America__St_Johns),
            Some(Tz::Asia__Kolkata),
            Some(Tz::Pacific__Chatham),
        ];
        let mut unix = -62_135_596_800_i64;
        while unix < 253_402_300_800 {
            for nanos in [0, 5_000_000] {
                let Some(t) = DateTime::from_timestamp(unix, nanos) else {
                    continue;
                };
                for tz in zones {
                    let instant = Instant::new(t, tz);
                    let expected = instant.0.to_rfc3339_opts(SecondsFormat::AutoSi, true);
                    assert_eq!(instant.to_string(), expected);
                    assert_eq!(
                        serde_json::to_string(&instant).unwrap(),
                        format!("\"{expected}\"")
                    );
                }
            }
            unix += 86_400 * 37 + 3_601 * 7 + 13;
        }
    }

    fn iso(seconds: i64, millis: i64) -> String {
        IsoDuration(TimeDelta::seconds(seconds) + TimeDelta::milliseconds(millis)).to_string()
    }

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso(0, 0), "PT0S");
        assert_eq!(iso(20 * 60, 0), "PT20M");
        assert_eq!(iso(5400, 0), "PT1H30M");
        assert_eq!(iso(86_400, 0), "P1D");
        assert_eq!(iso(93_600, 0), "P1DT2H");
        assert_eq!(iso(1, 500), "PT1.5S");
        assert_eq!(iso(-300, 0), "-PT5M");
        assert_eq!(iso(3601, 0), "PT1H1S");
    }

    /// The text of a duration as `Display` wrote it with the formatting machinery before
    /// [`DurationText`].
    fn formatted(delta: TimeDelta) -> String {
        let mut text = String::new();
        if delta < TimeDelta::zero() {
            text.push('-');
        }
        let total_ms = delta.num_milliseconds().unsigned_abs();
        let (secs, millis) = (total_ms / 1000, total_ms % 1000);
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (hours, minutes, seconds) = (rest / 3600, rest % 3600 / 60, rest % 60);
        text.push('P');
        if days > 0 {
            text += &format!("{days}D");
        }
        if rest == 0 && millis == 0 {
            if days == 0 {
                text.push_str("T0S");
            }
            return text;
        }
        text.push('T');
        if hours > 0 {
            text += &format!("{hours}H");
        }
        if minutes > 0 {
            text += &format!("{minutes}M");
        }
        if millis > 0 {
            let fraction = format!("{millis:03}");
            text += &format!("{seconds}.{}S", fraction.trim_end_matches('0'));
        } else if seconds > 0 {
            text += &format!("{seconds}S");
        }
        text
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 5000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn durations_are_written_as_the_formatting_machinery_wrote_them(
            ms in proptest::prop_oneof![
                proptest::prelude::any::<i64>(),
                -400_000_000i64..400_000_000,
                (-3i64..3, 0i64..86_400, 0i64..1000)
                    .prop_map(|(days, seconds, ms)| (days * 86_400 + seconds) * 1000 + ms),
            ],
        ) {
            if let Some(delta) = TimeDelta::try_milliseconds(ms) {
                proptest::prop_assert_eq!(IsoDuration(delta).to_string(), formatted(delta));
            }
        }
    }

    #[test]
    fn instants_use_the_policy_offset() {
        let t = DateTime::parse_from_rfc3339("2026-06-19T06:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Instant::new(t, Some(chrono_tz::Asia::Shanghai)).to_string(),
            "2026-06-19T14:30:00+08:00"
        );
        assert_eq!(Instant::new(t, None).to_string(), "2026-06-19T06:30:00Z");
        let end = Instant::new(DateTime::<Utc>::MAX_UTC, Some(chrono_tz::Asia::Shanghai));
        assert!(end.to_string().ends_with('Z'));
    }
}
