//! Calendars and business-time arithmetic on exact instants.
//!
//! This module owns every deadline computation in covenant: the compiled
//! [`Calendar`] (timezone, weekly open hours, holidays, make-up working days),
//! business-time addition and measurement, working-day deadlines, cut-offs,
//! and [`local_to_instant`], the one place where a local civil time becomes an
//! instant (with a documented rule for DST gaps and folds).
//!
//! INVARIANT: nothing here steps minute by minute or day by day through long
//! spans; see `docs/time.md` for the rules and their worked examples.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

/// A time of day in minutes after local midnight, `0..=1440` (`1440` is `24:00`, the end of the day).
pub type DayMinute = u16;

/// One open interval within a day, `[start, end)` in local minutes.
///
/// `end <= start` means the interval crosses midnight: it runs from `start` to
/// the end of the day and continues on the next day from `00:00` to `end`.
/// `start == 0 && end == 1440` is the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Opening minute of the day, `0..1440`.
    pub start: DayMinute,
    /// Closing minute, `1..=1440`; at or before `start` when the interval crosses midnight.
    pub end: DayMinute,
}

/// The declarative description of a calendar, as written in a policy, before compilation.
///
/// The checker builds this from the policy text (resolving `like` reuse by
/// copying the base spec and appending the derived calendar's lines); [`Calendar::compile`] turns it into the
/// fast form.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSpec {
    /// The calendar's zone: open hours are local times in it.
    pub tz: Tz,
    /// Open around the clock (`open 24x7`); weekly intervals are then ignored.
    pub always: bool,
    /// Weekly open hours: for each weekday, its intervals (a crossing interval starts on that weekday).
    pub weekly: Vec<(Weekday, Interval)>,
    /// Closed dates, inclusive ranges `first..=last` (holidays). A closed date has no open time
    /// that *starts* on it (an overnight interval from the previous day still runs into it).
    pub closed: Vec<(NaiveDate, NaiveDate)>,
    /// Exception dates that are open with their own hours (make-up working days), replacing the weekly
    /// hours of that date and overriding `closed`.
    pub open_dates: Vec<(NaiveDate, Vec<Interval>)>,
}

/// A compiled calendar: precomputed weekly pattern plus sorted exceptions.
#[derive(Debug, Clone)]
pub struct Calendar {
    // private fields chosen by the implementation
}

/// Why a calendar computation has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The calendar has no open time at all after the given instant.
    #[error("calendar has no open time after {0}")]
    NeverOpen(DateTime<Utc>),
    /// The result would fall outside the supported range of dates (years 1..=9999 or chrono's range).
    #[error("date out of range")]
    OutOfRange,
}

/// A cut-off rule: `by HH:MM <day> [if before HH:MM]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoff {
    /// The local time of day the deadline falls at.
    pub by: NaiveTime,
    /// Which day the deadline falls on.
    pub day: CutoffDay,
    /// The rule applies only when the clock starts strictly before this local time on its start day.
    pub if_before: Option<NaiveTime>,
}

/// The day a [`Cutoff`] deadline falls on, counted from the local start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffDay {
    /// The start date itself.
    SameDay,
    /// The next calendar date.
    NextDay,
    /// The start date plus N calendar dates.
    InDays(u32),
    /// The next open day of the calendar after the start date.
    NextWorkday,
}

/// Converts a local civil date and time in `tz` to an instant: the one helper for this in covenant.
///
/// Rule: a time inside a spring-forward gap (it does not exist) maps to the instant
/// the gap ends (the first valid local time after it); an ambiguous time in an
/// autumn fold maps to the *earlier* of its two instants.
pub fn local_to_instant(
    tz: Tz,
    date: NaiveDate,
    time: NaiveTime,
) -> Result<DateTime<Utc>, TimeError> {
    let _ = (tz, date, time);
    unimplemented!()
}

impl Calendar {
    /// Compiles a spec. Intervals must be valid minutes; overlapping intervals are merged.
    pub fn compile(spec: &CalendarSpec) -> Calendar {
        let _ = spec;
        todo!()
    }
    /// The 24x7 calendar in UTC: business time equals elapsed time.
    pub fn always() -> Calendar {
        todo!()
    }
    /// The calendar's zone.
    pub fn tz(&self) -> Tz {
        todo!()
    }
    /// Whether the calendar is open at instant `t` (opening instant open, closing instant not).
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        let _ = t;
        todo!()
    }
    /// Whether the calendar has any open time at all.
    pub fn has_open_time(&self) -> bool {
        todo!()
    }
    /// The instant at which `d` of open time has elapsed after `start`.
    pub fn add(&self, start: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, TimeError> {
        let _ = (start, d);
        todo!()
    }
    /// Open time in `[a, b)`; zero when `b <= a`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let _ = (a, b);
        todo!()
    }
    /// The first open instant at or after `t`.
    pub fn next_open(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
        let _ = t;
        todo!()
    }
    /// The close of the N-th open day after the local date of `start` (language.md's working-day rule).
    pub fn add_workdays(&self, start: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, TimeError> {
        let _ = (start, n);
        todo!()
    }
    /// The deadline of a cut-off rule for a clock started at `start`, or `None` when `if_before` excludes it.
    pub fn cutoff(
        &self,
        start: DateTime<Utc>,
        rule: &Cutoff,
    ) -> Result<Option<DateTime<Utc>>, TimeError> {
        let _ = (start, rule);
        todo!()
    }
}
