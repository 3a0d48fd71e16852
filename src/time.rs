//! Calendars and business-time arithmetic on exact instants.
//!
//! This module owns every deadline computation in covenant: the compiled
//! [`Calendar`] (timezone, weekly open hours, holidays, make-up working days),
//! business-time addition and measurement, working-day deadlines, cut-offs,
//! and [`local_to_instant`], the one place where a local civil time becomes an
//! instant (with a documented rule for DST gaps and folds).
//!
//! Each question is answered from the calendar's year tables when they can
//! (`years.rs`, `fast.rs`: every chunk of a year computed once), else by the
//! reference computation below, which converts local times chunk by chunk and is
//! the oracle the tables are tested against: both give identical answers.
//!
//! INVARIANT: nothing here steps minute by minute or day by day through long
//! spans; see `docs/time.md` for the rules and their worked examples.
//!
//! Two kinds of `None` are not failures here. A year table answers `None` when it cannot answer
//! (a year out of its range, a chunk it does not hold): the reference computation then does. And
//! tables are read with `get` (indexing is not allowed in library code) at positions the same
//! tables give: a weekday number, a `partition_point`, an entry of a year's own index; the default
//! after such a `get` is never taken.
//!
//! The supported instants end with the year 9999 in UTC ([`in_range`]): every instant this module
//! returns is in range, a deadline that would fall later is [`TimeError::OutOfRange`] ("no due
//! time"), and [`shown_offset`] says in which offset an instant can be written in RFC 3339.

mod days;
mod fast;
mod sums;
mod years;
mod zone;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use days::{Days, DAY};
use sums::Sums;
use years::Years;
pub(crate) use zone::OffsetChanges;

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
///
/// Cloning is cheap, and clones share what is built on first use (the sums and the year tables).
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    days: Days,
    changes: OffsetChanges,
    /// What is built on first use, shared by clones.
    derived: Arc<Derived>,
    /// Whether the year tables answer what they can (else the reference computation answers all).
    tables: bool,
    /// Open around the clock with no exceptions: business time is elapsed time.
    elapsed: bool,
}

/// The parts of a calendar built on first use.
#[derive(Debug)]
struct Derived {
    /// Open time and open days summed over runs of dates.
    sums: OnceLock<Sums>,
    /// Every chunk of each year used, for the fast path.
    years: Years,
}

/// Why a calendar computation has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The calendar has no open time at all after the given instant.
    #[error("calendar has no open time after {0}")]
    NeverOpen(DateTime<Utc>),
    /// The result would fall outside the supported range: local dates in years 1..=9999, instants
    /// up to the end of 9999 in UTC ([`in_range`]).
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
///
/// The working-day forms count from the start's *working day*: the start date when it is an open
/// day of the calendar, else the next open day (a start on a day that is not open is read as made
/// when that next open day begins, so it also counts as before the `if before` time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffDay {
    /// The start date itself (a calendar date, open or not).
    SameDay,
    /// The next calendar date.
    NextDay,
    /// The start date plus N calendar dates.
    InDays(u32),
    /// The start's working day.
    SameWorkday,
    /// The next open day after the start's working day.
    NextWorkday,
}

impl CutoffDay {
    /// Whether the day is counted in open days of the calendar (`same workday`, `next workday`).
    pub fn counts_workdays(self) -> bool {
        matches!(self, CutoffDay::SameWorkday | CutoffDay::NextWorkday)
    }
}

/// Converts a local civil date and time in `tz` to an instant: the one helper for this in covenant.
///
/// Rule: a time inside a spring-forward gap (it does not exist) maps to the instant
/// the gap ends (the first valid local time after it); an ambiguous time in an
/// autumn fold maps to the *earlier* of its two instants. Dates outside years
/// 1..=9999 give [`TimeError::OutOfRange`].
pub fn local_to_instant(
    tz: Tz,
    date: NaiveDate,
    time: NaiveTime,
) -> Result<DateTime<Utc>, TimeError> {
    zone::to_instant(tz, date.and_time(time)).and_then(in_range)
}

/// `t` when it is a supported instant: in the years 0 to 9999 in UTC ([`crate::limits::MAX_YEAR`]).
/// A later instant has no RFC 3339 text (its year has five digits) and could not be read back, so
/// a deadline that would fall after it is [`TimeError::OutOfRange`]: no due time.
pub fn in_range(t: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
    if (0..=zone::MAX_YEAR).contains(&t.year()) {
        Ok(t)
    } else {
        Err(TimeError::OutOfRange)
    }
}

/// `t`, read from the text `written`, when it is a supported instant ([`in_range`]); else why
/// not, for the readers of cases, evaluation instants and expectations. `9999-12-31T23:00:00-05:00`
/// is a valid RFC 3339 text whose instant falls in the year 10000 in UTC.
pub fn readable(written: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match in_range(t) {
        Ok(t) => Ok(t),
        Err(_) if t.year() > 0 => Err(format!(
            "`{written}` falls after 9999-12-31T23:59:59Z, the last instant covenant handles"
        )),
        Err(_) => Err(format!(
            "`{written}` falls before 0000-01-01T00:00:00Z, the first instant covenant handles"
        )),
    }
}

/// `t + d` of elapsed time, or [`TimeError::OutOfRange`] when it would fall after the supported
/// instants ([`in_range`]).
pub fn add_elapsed(t: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, TimeError> {
    t.checked_add_signed(d)
        .ok_or(TimeError::OutOfRange)
        .and_then(in_range)
}

/// The offset in which `t` is written for `tz`: the zone's, rounded to the nearest minute (half a
/// minute away from zero), unless the local date there falls outside the years 0 to 9999 (which
/// RFC 3339 can write) or outside chrono's range; then UTC. So `9999-12-31T23:59:00Z` is written
/// so in `Asia/Shanghai`, not as `+10000-01-01T07:59:00+08:00`.
///
/// RFC 3339 offsets have no seconds, and the local mean time that zones keep before their first
/// standard offset (`America/New_York` until 1883: -04:56:02) has them. Written with the rounded
/// offset, the local time is that of the rounded offset, so the text reads back as the same
/// instant: `1800-01-01T12:00:00Z` in New York is `1800-01-01T07:04:00-04:56`.
pub fn shown_offset(tz: Tz, t: DateTime<Utc>) -> chrono::FixedOffset {
    use chrono::{Offset, TimeZone};
    let exact = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    let rounded = i32::try_from(whole_minutes(i64::from(exact.local_minus_utc())));
    let offset = rounded
        .ok()
        .and_then(chrono::FixedOffset::east_opt)
        .unwrap_or(exact);
    match t.naive_utc().checked_add_offset(offset) {
        Some(local) if (0..=zone::MAX_YEAR).contains(&local.year()) => offset,
        _ => Utc.fix(),
    }
}

/// An offset of `seconds` east of UTC rounded to the nearest whole minute, half a minute away from
/// zero: the offset an instant is written with ([`shown_offset`]).
pub fn whole_minutes(seconds: i64) -> i64 {
    (seconds + 30 * seconds.signum()) / 60 * 60
}

type Instant = DateTime<Utc>;

/// An open interval of instants, `[start, end)`.
type Open = (Instant, Instant);

/// How local times near one date become instants.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// The zone's offset is constant for days around: this many seconds east of UTC.
    Fixed(i64),
    /// One offset change is near, and no other.
    Change(zone::Change),
    /// Several changes are near: each local time is converted with the zone.
    Zone,
}

fn zone_midnight(date: NaiveDate) -> chrono::NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

/// `t` in `tz`, or [`TimeError::OutOfRange`] at the very ends of chrono's range, where the local
/// time of `t` has no date (reading it would panic).
fn local(tz: Tz, t: Instant) -> Result<DateTime<Tz>, TimeError> {
    use chrono::{Offset, TimeZone};
    let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    t.naive_utc()
        .checked_add_offset(offset)
        .ok_or(TimeError::OutOfRange)?;
    Ok(t.with_timezone(&tz))
}

fn next_date(date: NaiveDate) -> Result<NaiveDate, TimeError> {
    date.succ_opt().ok_or(TimeError::OutOfRange)
}

fn prev_date(date: NaiveDate) -> Result<NaiveDate, TimeError> {
    date.pred_opt().ok_or(TimeError::OutOfRange)
}

fn plus_days(date: NaiveDate, days: u64) -> Result<NaiveDate, TimeError> {
    date.checked_add_days(chrono::Days::new(days))
        .ok_or(TimeError::OutOfRange)
}

fn plus(at: Instant, d: TimeDelta) -> Result<Instant, TimeError> {
    at.checked_add_signed(d).ok_or(TimeError::OutOfRange)
}

impl Calendar {
    /// Compiles a spec. Intervals must be valid minutes; overlapping intervals are merged.
    ///
    /// Intervals with minutes out of range and reversed date ranges are ignored (the checker
    /// reports them); an open date listed with no interval is closed.
    pub fn compile(spec: &CalendarSpec) -> Calendar {
        let days = Days::compile(spec);
        Calendar {
            tz: spec.tz,
            elapsed: days.is_elapsed(),
            derived: Arc::new(Derived {
                sums: OnceLock::new(),
                years: Years::new(),
            }),
            tables: true,
            days,
            changes: OffsetChanges::of(spec.tz),
        }
    }

    /// The same calendar answering every question with the reference computation, never with
    /// the year tables: the same answers, more slowly. For tests and benchmarks that compare the two.
    pub fn without_tables(&self) -> Calendar {
        Calendar {
            tables: false,
            ..self.clone()
        }
    }

    /// The sums, built on first use: one exact chunk per date whose chunk may differ from the
    /// weekly pattern (exceptions and offset changes), so that a policy check pays nothing for them.
    fn sums(&self) -> &Sums {
        self.derived.sums.get_or_init(|| {
            let (day_open, open_weekdays) =
                (self.days.day_open_all(), self.days.open_weekdays_all());
            let mut singles: BTreeSet<NaiveDate> = self.days.exception_edges().collect();
            for change in self.changes.all() {
                if let Some(at) = DateTime::from_timestamp(change.at, 0) {
                    let date = at.date_naive();
                    for offset in -3..=3 {
                        if let Some(near) = date.checked_add_signed(TimeDelta::days(offset)) {
                            singles.insert(near);
                        }
                    }
                }
            }
            Sums::build(
                day_open,
                open_weekdays,
                singles,
                self.days.closed_ranges(),
                |date| self.exact(date),
            )
        })
    }

    /// The 24x7 calendar in UTC: business time equals elapsed time.
    pub fn always() -> Calendar {
        Calendar::compile(&CalendarSpec {
            tz: Tz::UTC,
            always: true,
            weekly: Vec::new(),
            closed: Vec::new(),
            open_dates: Vec::new(),
        })
    }

    /// The calendar's zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Whether the calendar is open at instant `t` (opening instant open, closing instant not).
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        if self.elapsed {
            return true;
        }
        if let Some(open) = self.fast_is_open(t) {
            return open;
        }
        // Outside the supported dates, nothing is open.
        let Ok(date) = self.chunk_date(t) else {
            return false;
        };
        self.chunk(date)
            .map(|(_, open)| open.iter().any(|&(s, e)| s <= t && t < e))
            .unwrap_or(false)
    }

    /// Whether the calendar has any open time at all.
    pub fn has_open_time(&self) -> bool {
        self.days.has_open_time()
    }

    /// The instant at which `d` of open time has elapsed after `start`.
    ///
    /// `add(start, 0)` is `start` itself, even when the calendar is closed then; a negative `d`
    /// counts as zero. A deadline that uses up an interval exactly is that interval's closing
    /// instant, not the next opening.
    pub fn add(&self, start: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, TimeError> {
        self.add_unchecked(start, d).and_then(in_range)
    }

    /// [`Calendar::add`], before the result is checked to be in range.
    fn add_unchecked(&self, start: Instant, d: TimeDelta) -> Result<Instant, TimeError> {
        if d <= TimeDelta::zero() {
            return Ok(start);
        }
        if self.elapsed {
            return plus(start, d);
        }
        if let Some(due) = self.fast_add(start, d) {
            return due;
        }
        let date = self.chunk_date(start)?;
        let (_, open) = self.chunk(date)?;
        let mut remaining = d;
        for (s, e) in open {
            let s = s.max(start);
            if e <= s {
                continue;
            }
            if e - s >= remaining {
                return plus(s, remaining);
            }
            remaining -= e - s;
        }
        // The deadline is in the first later chunk by whose end `remaining` has elapsed.
        let first = next_date(date)?;
        let base = self.open_before(first);
        let reached = |day: NaiveDate| match day.succ_opt() {
            Some(next) => self.open_before(next) - base >= remaining,
            None => true,
        };
        let last = last_chunk_date()?;
        if first > last || !reached(last) {
            return Err(self.exhausted(start));
        }
        let day = first_date_where(first, last, reached);
        remaining -= self.open_before(day) - base;
        let (_, open) = self.chunk(day)?;
        for (s, e) in open {
            if e - s >= remaining {
                return plus(s, remaining);
            }
            remaining -= e - s;
        }
        Err(TimeError::OutOfRange)
    }

    /// Open time in `[a, b)`; zero when `b <= a`.
    ///
    /// Open time outside the supported dates (before 0001-01-02, from 9999-12-31 on) is not counted.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        if b <= a {
            return TimeDelta::zero();
        }
        if self.elapsed {
            return b - a;
        }
        if let Some(open) = self.fast_between(a, b) {
            return open;
        }
        // Only open time within the supported dates counts (see above).
        self.measure(a, b).unwrap_or_default()
    }

    fn measure(&self, a: Instant, b: Instant) -> Result<TimeDelta, TimeError> {
        let (first, last) = (first_chunk_date()?, last_chunk_date()?);
        let a = a.max(self.midnight(first)?);
        let b = b.min(self.midnight(next_date(last)?)?);
        if b <= a {
            return Ok(TimeDelta::zero());
        }
        let (x, y) = (self.chunk_date(a)?, self.chunk_date(b)?);
        let clipped = |date: NaiveDate| -> Result<TimeDelta, TimeError> {
            let (_, open) = self.chunk(date)?;
            Ok(open
                .into_iter()
                .map(|(s, e)| (s.max(a), e.min(b)))
                .filter(|(s, e)| s < e)
                .map(|(s, e)| e - s)
                .sum())
        };
        if x == y {
            return clipped(x);
        }
        let x_next = next_date(x)?;
        let whole = self.open_before(y) - self.open_before(x_next);
        Ok(clipped(x)? + whole + clipped(y)?)
    }

    /// The first open instant at or after `t`.
    pub fn next_open(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
        if self.elapsed {
            return Ok(t);
        }
        if let Some(next) = self.fast_next_open(t) {
            return Ok(next);
        }
        let mut date = self.chunk_date(t)?;
        let mut first = true;
        loop {
            if !first {
                date = self.skip_empty(date).ok_or(TimeError::NeverOpen(t))?;
            }
            first = false;
            let (_, open) = self.chunk(date)?;
            if let Some(&(s, _)) = open.iter().find(|&&(_, e)| e > t) {
                return in_range(s.max(t));
            }
            date = next_date(date)?;
        }
    }

    /// The open stretches within `[a, b)`, in order, each `[start, end)` clipped to the span, and
    /// stretches that meet (at a midnight, say) joined into one; the rest of the span is closed.
    /// Empty when `b <= a`; `[(a, b)]` for a calendar open around the clock.
    ///
    /// This is what a picture of a timeline shades. Unlike the other questions it is answered
    /// chunk by chunk (skipping dates on which the calendar never opens), so its cost grows with
    /// the local dates in the span: callers ask about the days of a case, not about centuries.
    pub fn open_stretches(
        &self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out: Vec<Open> = Vec::new();
        if b <= a {
            return out;
        }
        if self.elapsed {
            out.push((a, b));
            return out;
        }
        let Ok(mut date) = self.chunk_date(a) else {
            return out;
        };
        loop {
            let Ok((end, open)) = self.chunk(date) else {
                return out;
            };
            for (s, e) in open {
                let (s, e) = (s.max(a), e.min(b));
                if s >= e {
                    continue;
                }
                match out.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => out.push((s, e)),
                }
            }
            if end >= b {
                return out;
            }
            match next_date(date).ok().and_then(|next| self.skip_empty(next)) {
                Some(next) => date = next,
                None => return out,
            }
        }
    }

    /// The end of the open time most recently at or before `t`: `t` itself when the calendar is
    /// open at `t` or closes exactly at `t`, else the closing instant of the last interval before it.
    pub fn last_open(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
        if self.elapsed {
            return Ok(t);
        }
        if let Some(last) = self.fast_last_open(t) {
            return Ok(last);
        }
        let mut date = self.chunk_date(t)?;
        let mut first = true;
        loop {
            if !first && self.days.spans(date).is_empty() {
                let before = prev_date(date)?;
                if self.days.spans(before).is_empty() {
                    let found = self
                        .days
                        .prev_with_spans(before)
                        .ok_or(TimeError::NeverOpen(t))?;
                    date = next_date(found)?;
                }
            }
            first = false;
            let (_, open) = self.chunk(date)?;
            if let Some(&(_, e)) = open.iter().rev().find(|&&(s, _)| s <= t) {
                return Ok(e.min(t));
            }
            date = prev_date(date)?;
        }
    }

    /// The close of the N-th open day after the local date of `start` (language.md's working-day rule).
    ///
    /// An open day is a local date on which some open interval starts; its close is the end of the
    /// last interval starting on it (next morning for an overnight shift). The start's own date is
    /// never counted, whether or not the clock starts within its open hours. `n = 0` gives the close
    /// of the start's date when it is an open day, else the close of the next open day.
    pub fn add_workdays(&self, start: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, TimeError> {
        let date = local(self.tz, start)?.date_naive();
        if let Some(due) = self.fast_workdays(date, n, start) {
            return due;
        }
        let day = if n == 0 && self.close_of(date)?.is_some() {
            date
        } else {
            self.open_day_after(date, n.max(1), start)?
        };
        self.close_of(day)?
            .ok_or(TimeError::NeverOpen(start))
            .and_then(in_range)
    }

    fn open_day_after(
        &self,
        date: NaiveDate,
        n: u32,
        start: Instant,
    ) -> Result<NaiveDate, TimeError> {
        let first = next_date(date)?;
        let base = self.open_days_before(first);
        let wanted = i64::from(n);
        let reached = |day: NaiveDate| match day.succ_opt() {
            Some(next) => self.open_days_before(next) - base >= wanted,
            None => true,
        };
        let last = last_chunk_date()?;
        if first > last || !reached(last) {
            return Err(self.exhausted(start));
        }
        Ok(first_date_where(first, last, reached))
    }

    /// The deadline of a cut-off rule for a clock started at `start`, or `None` when `if_before` excludes it.
    ///
    /// `if_before` is compared, strictly, with the local time of `start` in the calendar's zone; the
    /// deadline is `by` on the chosen local date, converted with [`local_to_instant`]. For the
    /// working-day forms ([`CutoffDay::counts_workdays`]) a start on a date that is not an open day
    /// counts as before the cut-off, and the days are counted from its working day (the start's
    /// date when it is an open day, else the next open day).
    pub fn cutoff(
        &self,
        start: DateTime<Utc>,
        rule: &Cutoff,
    ) -> Result<Option<DateTime<Utc>>, TimeError> {
        let local = local(self.tz, start)?;
        let date = local.date_naive();
        let working = if rule.day.counts_workdays() {
            Some(self.working_day(date, start)?)
        } else {
            None
        };
        // A start on a day that is not open is read as made when its working day begins.
        let on_open_day = working.map_or(true, |day| day == date);
        if let Some(limit) = rule.if_before {
            if on_open_day && local.time() >= limit {
                return Ok(None);
            }
        }
        let day = match (rule.day, working) {
            (CutoffDay::SameDay, _) => date,
            (CutoffDay::NextDay, _) => next_date(date)?,
            (CutoffDay::InDays(n), _) => plus_days(date, u64::from(n))?,
            (CutoffDay::SameWorkday, Some(day)) => day,
            (CutoffDay::NextWorkday, Some(day)) => match self.fast_open_day_after(day, 1) {
                Some(next) => next,
                None => self.open_day_after(day, 1, start)?,
            },
            // The working day is found above for both working-day forms.
            (CutoffDay::SameWorkday | CutoffDay::NextWorkday, None) => date,
        };
        local_to_instant(self.tz, day, rule.by).map(Some)
    }

    /// The working day of a start at `start`, whose local date is `date`: `date` itself when it is
    /// an open day (some open interval starts on it), else the next open day.
    pub(crate) fn working_day(
        &self,
        date: NaiveDate,
        start: DateTime<Utc>,
    ) -> Result<NaiveDate, TimeError> {
        if let Some(open) = self.fast_is_open_day(date) {
            if open {
                return Ok(date);
            }
            if let Some(next) = self.fast_open_day_after(date, 1) {
                return Ok(next);
            }
        } else if self.close_of(date)?.is_some() {
            return Ok(date);
        }
        self.open_day_after(date, 1, start)
    }

    /// The instant of local minute `minute` (may exceed a day) after the midnight of `date`.
    fn at(&self, date: NaiveDate, minute: u32) -> Result<Instant, TimeError> {
        self.at_on(self.clock(date), date, minute)
    }

    /// The instant of the local midnight starting `date`: where `date`'s chunk begins.
    fn midnight(&self, date: NaiveDate) -> Result<Instant, TimeError> {
        self.at(date, 0)
    }

    /// How local times from the midnight before `date` to two midnights after it become instants.
    /// Every rule gives exactly what [`local_to_instant`] gives; the first two only save its search.
    fn clock(&self, date: NaiveDate) -> Clock {
        const DAY_SECONDS: i64 = 86_400;
        let local = zone_midnight(date).and_utc().timestamp();
        // Offsets are within a day of UTC, so the instants concerned are in this range.
        let (offset, changes) = self
            .changes
            .at_and_within(local - 2 * DAY_SECONDS, local + 3 * DAY_SECONDS);
        match changes {
            // No change in the window: the offset two days before holds at `local` too.
            [] => Clock::Fixed(offset),
            [change] => Clock::Change(*change),
            _ => Clock::Zone,
        }
    }

    /// [`Calendar::at`] under `clock`.
    fn at_on(&self, clock: Clock, date: NaiveDate, minute: u32) -> Result<Instant, TimeError> {
        let date = plus_days(date, u64::from(minute / DAY))?;
        let seconds = minute % DAY * 60;
        if !(zone::MIN_YEAR..=zone::MAX_YEAR).contains(&date.year()) {
            return Err(TimeError::OutOfRange);
        }
        let local = zone_midnight(date).and_utc().timestamp() + i64::from(seconds);
        let unix = match clock {
            Clock::Fixed(offset) => local - offset,
            Clock::Change(change) => change.to_instant(local),
            Clock::Zone => {
                let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
                    .ok_or(TimeError::OutOfRange)?;
                return zone::to_instant(self.tz, date.and_time(time));
            }
        };
        DateTime::from_timestamp(unix, 0).ok_or(TimeError::OutOfRange)
    }

    /// The non-empty open intervals starting on `date`, in order.
    fn day_intervals(
        &self,
        clock: Clock,
        date: NaiveDate,
        out: &mut Vec<Open>,
    ) -> Result<(), TimeError> {
        for span in self.days.spans(date) {
            let s = self.at_on(clock, date, span.start)?;
            let e = self.at_on(clock, date, span.end)?;
            if s < e {
                out.push((s, e));
            }
        }
        Ok(())
    }

    /// The close of open day `date`, or `None` when no open time starts on it.
    fn close_of(&self, date: NaiveDate) -> Result<Option<Instant>, TimeError> {
        let clock = self.clock(date);
        let mut open = Vec::new();
        self.day_intervals(clock, date, &mut open)?;
        Ok(open.iter().map(|&(_, e)| e).max())
    }

    /// The chunk of `date`: the instants from its local midnight to the next one. Returns the chunk's
    /// end and its open intervals (from spans starting on `date` or overnight from the day before),
    /// clipped to the chunk, merged and in order.
    fn chunk(&self, date: NaiveDate) -> Result<(Instant, Vec<Open>), TimeError> {
        let clock = self.clock(date);
        let begin = self.at_on(clock, date, 0)?;
        let end = self.at_on(clock, next_date(date)?, 0)?;
        let mut raw = Vec::new();
        self.day_intervals(clock, prev_date(date)?, &mut raw)?;
        self.day_intervals(clock, date, &mut raw)?;
        // INVARIANT: starts are in order: the day before's spans start before `begin`, and
        // local-to-instant conversion never goes backwards.
        let mut open: Vec<Open> = Vec::with_capacity(raw.len());
        for (s, e) in raw {
            let (s, e) = (s.max(begin), e.min(end));
            if s >= e {
                continue;
            }
            match open.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => open.push((s, e)),
            }
        }
        Ok((end, open))
    }

    /// The local date whose chunk contains `t`.
    fn chunk_date(&self, t: Instant) -> Result<NaiveDate, TimeError> {
        // A first guess from the zone's offset changes (cheaper than the zone's own lookup); the
        // loops below settle the date by the chunks' midnights whatever the guess.
        let unix = t.timestamp();
        let mut date =
            match DateTime::from_timestamp(unix.saturating_add(self.changes.offset_at(unix)), 0) {
                Some(guess) => guess.date_naive(),
                None => local(self.tz, t)?.date_naive(),
            };
        // Mostly the guess is right; one clock gives both of its midnights (as in `chunk`).
        let clock = self.clock(date);
        if self.at_on(clock, date, 0)? <= t && self.at_on(clock, next_date(date)?, 0)? > t {
            return Ok(date);
        }
        while self.midnight(date)? > t {
            date = prev_date(date)?;
        }
        loop {
            let next = next_date(date)?;
            if self.midnight(next)? > t {
                return Ok(date);
            }
            date = next;
        }
    }

    /// `date` when its chunk may have open time, else the first later date whose chunk may;
    /// `None` when no open time starts on or after `date`.
    fn skip_empty(&self, date: NaiveDate) -> Option<NaiveDate> {
        let before = date.pred_opt()?;
        if !self.days.spans(before).is_empty() || !self.days.spans(date).is_empty() {
            return Some(date);
        }
        self.days.next_with_spans(date)
    }

    /// Why open time ran out: the supported range ended while the calendar still opens
    /// ([`TimeError::OutOfRange`]), or it never opens again ([`TimeError::NeverOpen`]).
    fn exhausted(&self, start: Instant) -> TimeError {
        let still_open = last_chunk_date().ok().and_then(|last| {
            let tail = last.checked_sub_signed(TimeDelta::days(7))?;
            self.days.next_with_spans(tail).filter(|date| *date <= last)
        });
        match still_open {
            Some(_) => TimeError::OutOfRange,
            None => TimeError::NeverOpen(start),
        }
    }

    /// Open time of the chunks from the origin to `date` (exclusive).
    fn open_before(&self, date: NaiveDate) -> TimeDelta {
        TimeDelta::seconds(self.sums().before(date).0)
    }

    /// Open days from the origin to `date` (exclusive).
    fn open_days_before(&self, date: NaiveDate) -> i64 {
        self.sums().before(date).1
    }

    /// One chunk computed exactly, for the sums: its open seconds and whether `date` is an open day.
    fn exact(&self, date: NaiveDate) -> Option<(i64, bool)> {
        let (_, open) = self.chunk(date).ok()?;
        let seconds = open.iter().map(|&(s, e)| (e - s).num_seconds()).sum();
        Some((seconds, self.close_of(date).ok()?.is_some()))
    }
}

/// The first date whose chunk can be computed (its day before is in range).
fn first_chunk_date() -> Result<NaiveDate, TimeError> {
    NaiveDate::from_ymd_opt(zone::MIN_YEAR, 1, 2).ok_or(TimeError::OutOfRange)
}

/// The last date whose chunk can be computed (its next midnight is in range).
fn last_chunk_date() -> Result<NaiveDate, TimeError> {
    NaiveDate::from_ymd_opt(zone::MAX_YEAR, 12, 30).ok_or(TimeError::OutOfRange)
}

/// The first date in `[first, last]` where the monotone `reached` holds, given that it holds at `last`.
///
/// The date sought is mostly days after `first`, not centuries: steps of doubling length from
/// `first` bracket it, then bisection finds it.
fn first_date_where(
    first: NaiveDate,
    last: NaiveDate,
    reached: impl Fn(NaiveDate) -> bool,
) -> NaiveDate {
    let mut low = first;
    let mut step = 1;
    let mut high = last;
    while low < last {
        let probe = low
            .checked_add_signed(TimeDelta::days(step - 1))
            .map_or(last, |probe| probe.min(last));
        if reached(probe) {
            high = probe;
            break;
        }
        match probe.succ_opt() {
            Some(next) if probe < last => low = next,
            _ => break,
        }
        step = step.saturating_mul(2);
    }
    while low < high {
        let middle = low + TimeDelta::days((high - low).num_days() / 2);
        if reached(middle) {
            high = middle;
        } else {
            // `middle` is before `high`, so it has a next date.
            low = middle.succ_opt().unwrap_or(high);
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_date_where_finds_the_first_reached_date_near_or_far() {
        let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let last = last_chunk_date().unwrap();
        for days in [
            0,
            1,
            2,
            3,
            5,
            8,
            31,
            365,
            1000,
            2_000_000,
            (last - first).num_days(),
        ] {
            let wanted = first + TimeDelta::days(days);
            assert_eq!(first_date_where(first, last, |d| d >= wanted), wanted);
        }
        assert_eq!(first_date_where(last, last, |_| true), last);
    }
}
