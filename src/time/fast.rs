//! The fast path of business-time arithmetic: answers from the year tables.
//!
//! Each function here gives exactly what the reference computation in `time.rs` gives, or `None`
//! when it cannot answer from tables (a year without a table, a leap-second instant, a deadline
//! beyond the last table year); the caller then asks the reference computation. Instants are
//! handled as integer nanoseconds, so sub-second instants and durations are exact.
//!
//! The arguments for equality: a table holds the reference chunks, and sums that were checked
//! against them date by date; a chunk boundary or interval end is a whole second, so comparing an
//! instant with one needs only its whole seconds; and searching the monotone sums by partition
//! finds the same first date as the reference's bisection.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::years::{civil_year, Count, YearTable, LAST_YEAR};
use super::{Calendar, Instant, TimeError};

/// Nanoseconds in a second.
const NANOS: i128 = 1_000_000_000;
/// Seconds in a day.
const DAY_SECONDS: i64 = 86_400;
/// Most dates [`Calendar::locate`] steps from an instant's UTC date to its chunk's date (one
/// suffices for every zone; more means a table it cannot trust, and the reference answers).
const MAX_STEPS: usize = 4;

/// An instant as whole Unix seconds and as Unix nanoseconds.
#[derive(Debug, Clone, Copy)]
struct Point {
    secs: i64,
    nanos: i128,
}

impl Point {
    /// `t`, or `None` for a leap second (left to the reference computation).
    fn of(t: Instant) -> Option<Point> {
        let sub = t.timestamp_subsec_nanos();
        if i128::from(sub) >= NANOS {
            return None;
        }
        let secs = t.timestamp();
        Some(Point {
            secs,
            nanos: i128::from(secs) * NANOS + i128::from(sub),
        })
    }
}

/// `d` in nanoseconds.
fn nanos_of(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

/// `nanos` as a duration.
fn delta_of(nanos: i128) -> Option<TimeDelta> {
    TimeDelta::new(
        i64::try_from(nanos.div_euclid(NANOS)).ok()?,
        u32::try_from(nanos.rem_euclid(NANOS)).ok()?,
    )
}

/// The instant `nanos` after the Unix epoch.
fn instant_of(nanos: i128) -> Option<Instant> {
    DateTime::<Utc>::from_timestamp(
        i64::try_from(nanos.div_euclid(NANOS)).ok()?,
        u32::try_from(nanos.rem_euclid(NANOS)).ok()?,
    )
}

/// The instant `secs` whole seconds after the Unix epoch.
fn instant_at(secs: i64) -> Option<Instant> {
    DateTime::<Utc>::from_timestamp(secs, 0)
}

/// Seconds after a table's base, in nanoseconds after the Unix epoch.
fn absolute(table: &YearTable, offset: u32) -> i128 {
    (i128::from(table.base) + i128::from(offset)) * NANOS
}

/// The first year in `low..=LAST_YEAR` where the monotone `reached` holds, searched from `guess`
/// (in that range) by steps of doubling length, then by bisection; `None` when none is.
fn first_year(low: i32, guess: i32, reached: impl Fn(i32) -> Option<bool>) -> Option<i32> {
    // INVARIANT: no year before `low` is reached; `high` is.
    let (mut low, mut high) = (low, guess);
    let mut step = 1i32;
    if reached(guess)? {
        loop {
            let probe = high.saturating_sub(step);
            if probe < low {
                break;
            }
            if !reached(probe)? {
                low = probe + 1;
                break;
            }
            high = probe;
            step = step.saturating_mul(2);
        }
    } else {
        low = guess.checked_add(1)?;
        high = loop {
            if low > LAST_YEAR {
                return None;
            }
            let probe = low.saturating_add(step - 1).min(LAST_YEAR);
            if reached(probe)? {
                break probe;
            }
            low = probe.checked_add(1)?;
            step = step.saturating_mul(2);
        };
    }
    while low < high {
        let middle = low + (high - low) / 2;
        if reached(middle)? {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

impl Calendar {
    /// The table of `year`, built on first use; `None` without tables or for a year without one.
    fn table(&self, year: i32) -> Option<&YearTable> {
        if !self.tables {
            return None;
        }
        self.derived
            .years
            .get(year, || YearTable::build(self, year))
    }

    /// The table and date index of the chunk containing Unix second `secs` (what the reference
    /// `chunk_date` gives): from the UTC date, a step back or forward by the chunks' midnights.
    fn locate(&self, secs: i64) -> Option<(&YearTable, usize)> {
        let day = secs.div_euclid(DAY_SECONDS);
        let mut table = self.table(civil_year(day)?)?;
        let mut index = usize::try_from(day.checked_sub(table.first_day)?).ok()?;
        for _ in 0..MAX_STEPS {
            if secs < table.begin(index)? {
                match index.checked_sub(1) {
                    Some(before) => index = before,
                    None => {
                        table = self.table(table.year.checked_sub(1)?)?;
                        index = table.len().checked_sub(1)?;
                    }
                }
            } else if secs >= table.begin(index.checked_add(1)?)? {
                if index + 1 < table.len() {
                    index += 1;
                } else {
                    table = self.table(table.year.checked_add(1)?)?;
                    index = 0;
                }
            } else {
                return Some((table, index));
            }
        }
        None
    }

    /// The first date at or after date `from` of `table` (possibly in a later year) whose
    /// `count` before its end reaches `goal`: this year and the next from their tables, later
    /// years by the sums, so a date years away costs a few lookups more than one days away.
    fn first_reaching<'a>(
        &'a self,
        table: &'a YearTable,
        from: usize,
        count: Count,
        goal: i128,
    ) -> Option<(&'a YearTable, usize)> {
        if let Some(index) = table.first_reaching(count, from, goal) {
            return Some((table, index));
        }
        let next = self.table(table.year.checked_add(1)?)?;
        if let Some(index) = next.first_reaching(count, 0, goal) {
            return Some((next, index));
        }
        // Whether the chunks up to the end of `year` reach the goal.
        let reached = |year: i32| -> Option<bool> {
            let (seconds, days) =
                self.sums()
                    .before(NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?);
            let value = match count {
                Count::Seconds => seconds,
                Count::Days => days,
            };
            Some(i128::from(value) >= goal)
        };
        // Guess the year from the next year's total (years differ by a few holidays), then
        // bracket the first year reached by steps of doubling length from the guess.
        let (first, end) = (next.before(count, 0)?, next.before(count, next.len())?);
        let short = goal - i128::from(end);
        let years = match i128::from(end - first) {
            0 => 1,
            total => (short - 1).div_euclid(total) + 1,
        };
        let low = next.year.checked_add(1)?;
        let guess = i128::from(next.year)
            .saturating_add(years)
            .clamp(i128::from(low), i128::from(LAST_YEAR));
        let year = first_year(low, i32::try_from(guess).ok()?, reached)?;
        let table = self.table(year)?;
        Some((table, table.first_reaching(count, 0, goal)?))
    }

    /// [`Calendar::is_open`] from the tables.
    pub(super) fn fast_is_open(&self, t: Instant) -> Option<bool> {
        let point = Point::of(t)?;
        let (table, index) = self.locate(point.secs)?;
        let at = point.secs - table.base;
        Some(
            table
                .chunk(index)?
                .iter()
                .any(|&(s, e)| i64::from(s) <= at && at < i64::from(e)),
        )
    }

    /// [`Calendar::add`] from the tables, for `d > 0` on a calendar that is not elapsed time.
    pub(super) fn fast_add(
        &self,
        start: Instant,
        d: TimeDelta,
    ) -> Option<Result<Instant, TimeError>> {
        let point = Point::of(start)?;
        let (table, index) = self.locate(point.secs)?;
        let mut remaining = nanos_of(d);
        for &(s, e) in table.chunk(index)? {
            let (s, e) = (absolute(table, s).max(point.nanos), absolute(table, e));
            if e <= s {
                continue;
            }
            if e - s >= remaining {
                return instant_of(s + remaining).map(Ok);
            }
            remaining -= e - s;
        }
        // The first later chunk by whose end `remaining` has elapsed; the counts are whole
        // seconds, so "at least `before + remaining` nanoseconds" is at least its ceiling.
        let before = i128::from(table.before(Count::Seconds, index.checked_add(1)?)?) * NANOS;
        let goal = (before + remaining + NANOS - 1).div_euclid(NANOS);
        let (table, day) = self.first_reaching(table, index + 1, Count::Seconds, goal)?;
        remaining -= i128::from(table.before(Count::Seconds, day)?) * NANOS - before;
        for &(s, e) in table.chunk(day)? {
            let length = (i128::from(e) - i128::from(s)) * NANOS;
            if length >= remaining {
                return instant_of(absolute(table, s) + remaining).map(Ok);
            }
            remaining -= length;
        }
        Some(Err(TimeError::OutOfRange))
    }

    /// [`Calendar::between`] from the tables, for `a < b` on a calendar that is not elapsed time:
    /// the open time from the origin to `b` less that to `a`.
    pub(super) fn fast_between(&self, a: Instant, b: Instant) -> Option<TimeDelta> {
        let (a, b) = (self.open_until(a)?, self.open_until(b)?);
        delta_of(b - a)
    }

    /// Open nanoseconds of all chunks from the sums' origin to `t`.
    fn open_until(&self, t: Instant) -> Option<i128> {
        let point = Point::of(t)?;
        let (table, index) = self.locate(point.secs)?;
        let mut total = i128::from(table.before(Count::Seconds, index)?) * NANOS;
        for &(s, e) in table.chunk(index)? {
            let (s, e) = (absolute(table, s), absolute(table, e));
            if s >= point.nanos {
                break;
            }
            total += e.min(point.nanos) - s;
        }
        Some(total)
    }

    /// [`Calendar::next_open`] from the tables (this year and the next).
    pub(super) fn fast_next_open(&self, t: Instant) -> Option<Instant> {
        let point = Point::of(t)?;
        let (table, index) = self.locate(point.secs)?;
        let at = point.secs - table.base;
        // Every interval of a later chunk ends after `t`.
        let found = table
            .open_from(index)?
            .iter()
            .find(|&&(_, e)| i64::from(e) > at);
        match found {
            Some(&(s, _)) if i64::from(s) > at => instant_at(table.base + i64::from(s)),
            Some(_) => Some(t),
            None => {
                let next = self.table(table.year.checked_add(1)?)?;
                let (s, _) = next.first_open()?;
                instant_at(next.base + i64::from(s))
            }
        }
    }

    /// [`Calendar::last_open`] from the tables (this year and the one before).
    pub(super) fn fast_last_open(&self, t: Instant) -> Option<Instant> {
        let point = Point::of(t)?;
        let (table, index) = self.locate(point.secs)?;
        let at = point.secs - table.base;
        // Every interval of an earlier chunk starts before `t`.
        let found = table
            .open_through(index)?
            .iter()
            .rev()
            .find(|&&(s, _)| i64::from(s) <= at);
        match found {
            Some(&(_, e)) if i64::from(e) <= at => instant_at(table.base + i64::from(e)),
            Some(_) => Some(t),
            None => {
                let before = self.table(table.year.checked_sub(1)?)?;
                let (_, e) = before.last_open()?;
                instant_at(before.base + i64::from(e))
            }
        }
    }

    /// [`Calendar::add_workdays`] from the tables, given the local date of `start`.
    pub(super) fn fast_workdays(
        &self,
        date: NaiveDate,
        n: u32,
        start: Instant,
    ) -> Option<Result<Instant, TimeError>> {
        let table = self.table(date.year())?;
        let index = usize::try_from(date.ordinal0()).ok()?;
        let (table, day) = if n == 0 && table.close(index)?.is_some() {
            (table, index)
        } else {
            self.open_day_reached(table, index, n.max(1))?
        };
        match table.close(day)? {
            Some(close) => instant_at(close).map(Ok),
            None => Some(Err(TimeError::NeverOpen(start))),
        }
    }

    /// Whether `date` is an open day (some open interval starts on it), from the tables.
    pub(super) fn fast_is_open_day(&self, date: NaiveDate) -> Option<bool> {
        let table = self.table(date.year())?;
        let index = usize::try_from(date.ordinal0()).ok()?;
        Some(table.close(index)?.is_some())
    }

    /// The reference `open_day_after` from the tables: the `n`-th open day after `date`.
    pub(super) fn fast_open_day_after(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let table = self.table(date.year())?;
        let index = usize::try_from(date.ordinal0()).ok()?;
        let (table, day) = self.open_day_reached(table, index, n)?;
        table.date(day)
    }

    /// The `n`-th open day after date `index` of `table`.
    fn open_day_reached<'a>(
        &'a self,
        table: &'a YearTable,
        index: usize,
        n: u32,
    ) -> Option<(&'a YearTable, usize)> {
        let from = index.checked_add(1)?;
        let goal = i128::from(table.before(Count::Days, from)?) + i128::from(n);
        self.first_reaching(table, from, Count::Days, goal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::years::{FIRST_YEAR, TABLE_BYTES};
    use crate::time::{CalendarSpec, Interval};
    use chrono::Weekday;

    const ZONES: [&str; 6] = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "America/Sao_Paulo",
        "Pacific/Apia",
        "Asia/Shanghai",
    ];

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Weekdays 09:00-17:00, a Saturday night shift, Sunday 00:00-24:00, Christmas closed and a
    /// make-up Monday morning.
    fn office(zone: &str) -> Calendar {
        let mut weekly = Vec::new();
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            weekly.push((
                day,
                Interval {
                    start: 540,
                    end: 1020,
                },
            ));
        }
        weekly.push((
            Weekday::Sat,
            Interval {
                start: 1320,
                end: 360,
            },
        ));
        weekly.push((
            Weekday::Sun,
            Interval {
                start: 0,
                end: 1440,
            },
        ));
        Calendar::compile(&CalendarSpec {
            tz: zone.parse().unwrap(),
            always: false,
            weekly,
            closed: vec![(date(2026, 12, 24), date(2026, 12, 26))],
            open_dates: vec![(
                date(2026, 12, 28),
                vec![Interval {
                    start: 480,
                    end: 600,
                }],
            )],
        })
    }

    #[test]
    fn calendars_stay_cheap_to_share_between_threads() {
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Calendar>();
        let cal = office("Europe/Berlin");
        let t = DateTime::from_timestamp(1_766_000_000, 0).unwrap();
        assert!(cal.fast_is_open(t).is_some());
        // A clone shares the tables already built.
        let clone = cal.clone();
        assert!(std::sync::Arc::ptr_eq(&cal.derived, &clone.derived));
        let answers: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let cal = &clone;
                    scope.spawn(move || cal.between(t, t + TimeDelta::days(400 * i)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, answer) in (0..).zip(answers) {
            assert_eq!(
                answer,
                cal.without_tables()
                    .between(t, t + TimeDelta::days(400 * i))
            );
        }
    }

    #[test]
    fn first_year_finds_the_first_reached_year_from_any_guess() {
        for wanted in [3, 4, 10, 2026, 2027, 5000, LAST_YEAR] {
            for guess in [3, 4, 9, 2025, 2026, 2027, 2030, 4000, LAST_YEAR] {
                let reached = |year: i32| Some(year >= wanted);
                assert_eq!(
                    first_year(3, guess, reached),
                    Some(wanted),
                    "{wanted} {guess}"
                );
            }
        }
        assert_eq!(first_year(3, 100, |_| Some(false)), None);
        assert_eq!(first_year(3, 100, |_| None), None);
    }

    #[test]
    fn tables_pass_their_checks_in_every_era_and_zone() {
        for zone in ZONES {
            let cal = office(zone);
            for year in [
                2, 3, 1800, 1845, 1893, 1916, 1970, 2011, 2018, 2019, 2026, 2099, 2100, 2200, 5000,
                9998,
            ] {
                assert!(YearTable::build(&cal, year).is_some(), "{zone} {year}");
            }
            for year in [i32::MIN, 0, 1, 9999, 10_000] {
                assert!(YearTable::build(&cal, year).is_none(), "{zone} {year}");
            }
        }
    }

    #[test]
    fn the_fast_path_answers_inside_table_years_and_agrees() {
        for zone in ZONES {
            let cal = office(zone);
            let reference = cal.without_tables();
            let mut t = DateTime::from_timestamp(1_766_000_000, 250).unwrap();
            for _ in 0..400 {
                let date = t.with_timezone(&cal.tz).date_naive();
                let later = t + TimeDelta::days(400);
                assert_eq!(cal.fast_is_open(t), Some(reference.is_open(t)));
                assert_eq!(cal.fast_next_open(t).map(Ok), Some(reference.next_open(t)));
                assert_eq!(cal.fast_last_open(t).map(Ok), Some(reference.last_open(t)));
                assert_eq!(
                    cal.fast_between(t, later),
                    Some(reference.between(t, later))
                );
                for d in [
                    TimeDelta::minutes(1),
                    TimeDelta::hours(30),
                    TimeDelta::hours(20_000),
                ] {
                    assert_eq!(
                        cal.fast_add(t, d),
                        Some(reference.add(t, d)),
                        "{zone} {t} {d}"
                    );
                }
                for n in [0, 1, 3, 2_500] {
                    assert_eq!(
                        cal.fast_workdays(date, n, t),
                        Some(reference.add_workdays(t, n))
                    );
                }
                assert!(cal.fast_open_day_after(date, 1).is_some());
                t += TimeDelta::seconds(7_919);
            }
            // Without tables nothing is answered fast.
            assert_eq!(reference.fast_is_open(t), None);
            assert_eq!(reference.fast_between(t, t + TimeDelta::days(1)), None);
        }
    }

    #[test]
    fn leap_seconds_and_range_ends_are_left_to_the_reference() {
        let cal = office("Europe/Berlin");
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        assert_eq!(cal.fast_is_open(leap), None);
        assert_eq!(cal.fast_add(leap, TimeDelta::hours(1)), None);
        let first = DateTime::from_timestamp(-62_135_596_800, 0).unwrap();
        assert_eq!(cal.fast_between(first, first + TimeDelta::days(3)), None);
        let last = DateTime::from_timestamp(253_402_300_000, 0).unwrap();
        assert_eq!(cal.fast_next_open(last), None);
    }

    #[test]
    fn a_year_of_an_office_takes_about_ten_kilobytes() {
        let cal = office("Europe/Berlin");
        let bytes = cal.table(2026).unwrap().bytes();
        assert!((8_000..12_000).contains(&bytes), "{bytes}");
        assert_eq!(cal.derived.years.bytes(), bytes);
    }

    #[test]
    fn tables_stop_at_their_memory_budget_and_answers_stay_the_same() {
        let cal = office("UTC");
        let reference = cal.without_tables();
        let year = cal.table(FIRST_YEAR).unwrap().bytes();
        let mut built = 1;
        for year in FIRST_YEAR + 1.. {
            if cal.table(year).is_none() {
                break;
            }
            built += 1;
        }
        // Tables are built until they take the budget, and no further.
        let bytes = cal.derived.years.bytes();
        assert!(
            bytes >= TABLE_BYTES && bytes < TABLE_BYTES + 2 * year,
            "{bytes}"
        );
        assert!(built > 300, "{built}");
        let late = DateTime::from_timestamp(1_766_000_000, 0).unwrap();
        assert!(cal.fast_is_open(late).is_none());
        assert_eq!(
            cal.add(late, TimeDelta::hours(9)),
            reference.add(late, TimeDelta::hours(9))
        );
    }
}
