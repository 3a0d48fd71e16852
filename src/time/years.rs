//! Year tables: every chunk of one year of a calendar, computed once, so that the common questions
//! are answered by a few lookups instead of converting local times.
//!
//! A [`YearTable`] holds, for each local date of one year, exactly what the reference computation
//! (`Calendar::chunk`, `Calendar::close_of` and the sums) gives for it: where its chunk begins, its
//! merged open intervals, the open time and open days of all chunks before it, and its close as an
//! open day. All instants are whole Unix seconds stored as offsets from the year's first midnight.
//! A table is built only after checking that its chunks tile the year and agree with the sums; a
//! year that fails a check (or lies at the ends of the supported range) has no table, and the
//! reference computation answers for it. [`Years`] keeps the tables of one calendar, built on first
//! use, until they take [`TABLE_BYTES`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};

use super::{zone, Calendar};

/// Memory one calendar (with its clones) spends on year tables: once they take this much, no
/// more are built and other years are answered by the reference computation. A year of an
/// office calendar takes about 10 KB, so this is some 400 years of it.
pub(crate) const TABLE_BYTES: usize = 4 << 20;
/// The first year with a table: year 1 starts with a date whose chunk cannot be computed.
pub(crate) const FIRST_YEAR: i32 = zone::MIN_YEAR + 1;
/// The last year with a table: year 9999 ends with a date whose chunk cannot be computed.
pub(crate) const LAST_YEAR: i32 = zone::MAX_YEAR - 1;
/// `Day::close` of a date that is not an open day.
const NOT_OPEN: u32 = u32::MAX;

/// One local date of a year table; instants are seconds after the table's `base`.
#[derive(Debug, Clone, Copy)]
struct Day {
    /// Where the date's chunk begins (its local midnight).
    begin: u32,
    /// Open seconds of the year's chunks before this date.
    open: u32,
    /// Index of the chunk's first open interval in the table's `open`.
    first: u32,
    /// The date's close as an open day, or [`NOT_OPEN`].
    close: u32,
    /// Open days of the year before this date.
    days: u16,
}

/// What a search for a deadline counts: open seconds or open days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    /// Open time of chunks, in seconds.
    Seconds,
    /// Open days.
    Days,
}

/// Every chunk of one year, as the reference computation gives them.
#[derive(Debug)]
pub(crate) struct YearTable {
    /// The year.
    pub(crate) year: i32,
    /// Days from the Unix epoch to January 1 of the year.
    pub(crate) first_day: i64,
    /// Unix seconds of the year's first midnight: every instant in the table counts from it.
    pub(crate) base: i64,
    /// Open seconds of all chunks from the sums' origin to January 1.
    open_base: i64,
    /// Open days from the sums' origin to January 1.
    days_base: i64,
    /// One entry per date, then one for January 1 of the next year (its midnight and the totals).
    days: Box<[Day]>,
    /// The open intervals of all chunks of the year, in order: `[start, end)` after `base`.
    open: Box<[(u32, u32)]>,
}

impl YearTable {
    /// Computes the table of `year` with the reference computation of `cal`, or `None` when a
    /// check fails (chunks that do not tile the year, open time the sums count differently,
    /// instants that are not whole seconds or do not fit) or the year has no table.
    pub(crate) fn build(cal: &Calendar, year: i32) -> Option<YearTable> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return None;
        }
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let next_jan1 = NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?;
        let len = usize::try_from((next_jan1 - jan1).num_days()).ok()?;
        let base = whole_seconds(cal.midnight(jan1).ok()?)?;
        let offset = |unix: i64| u32::try_from(unix.checked_sub(base)?).ok();
        let sums = cal.sums();
        let (open_base, days_base) = sums.before(jan1);
        let mut days = Vec::with_capacity(len + 1);
        let mut open = Vec::new();
        let (mut date, mut begin) = (jan1, base);
        let (mut open_before, mut days_before) = (open_base, days_base);
        for _ in 0..len {
            let next = date.succ_opt()?;
            let (end, chunk) = cal.chunk(date).ok()?;
            let end = whole_seconds(end)?;
            // The chunk ends where the next one begins, never before it starts.
            if end != whole_seconds(cal.midnight(next).ok()?)? || end < begin {
                return None;
            }
            let first = u32::try_from(open.len()).ok()?;
            let (mut seconds, mut reach) = (0i64, begin);
            for (s, e) in chunk {
                let (s, e) = (whole_seconds(s)?, whole_seconds(e)?);
                if s < reach || e <= s || e > end {
                    return None;
                }
                seconds += e - s;
                reach = e;
                open.push((offset(s)?, offset(e)?));
            }
            let close = cal.close_of(date).ok()?;
            let close = match close {
                Some(at) => {
                    let close = offset(whole_seconds(at)?)?;
                    if close == NOT_OPEN {
                        return None;
                    }
                    close
                }
                None => NOT_OPEN,
            };
            // The sums count exactly this chunk.
            let (open_after, days_after) = sums.before(next);
            if open_after - open_before != seconds
                || days_after - days_before != i64::from(close != NOT_OPEN)
            {
                return None;
            }
            days.push(Day {
                begin: offset(begin)?,
                open: u32::try_from(open_before - open_base).ok()?,
                first,
                close,
                days: u16::try_from(days_before - days_base).ok()?,
            });
            (open_before, days_before) = (open_after, days_after);
            (date, begin) = (next, end);
        }
        days.push(Day {
            begin: offset(begin)?,
            open: u32::try_from(open_before - open_base).ok()?,
            first: u32::try_from(open.len()).ok()?,
            close: NOT_OPEN,
            days: u16::try_from(days_before - days_base).ok()?,
        });
        Some(YearTable {
            year,
            first_day: (jan1 - unix_epoch_date()?).num_days(),
            base,
            open_base,
            days_base,
            days: days.into_boxed_slice(),
            open: open.into_boxed_slice(),
        })
    }

    /// Memory the table takes, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        std::mem::size_of::<YearTable>()
            + std::mem::size_of_val::<[Day]>(&self.days)
            + std::mem::size_of_val::<[(u32, u32)]>(&self.open)
    }

    /// Number of dates in the year.
    pub(crate) fn len(&self) -> usize {
        self.days.len().saturating_sub(1)
    }

    /// Unix seconds where the chunk of date `index` begins (`len()`: January 1 of the next year).
    pub(crate) fn begin(&self, index: usize) -> Option<i64> {
        self.days
            .get(index)
            .map(|day| self.base + i64::from(day.begin))
    }

    /// The open intervals of the chunk of date `index`, after `base`.
    pub(crate) fn chunk(&self, index: usize) -> Option<&[(u32, u32)]> {
        let first = usize::try_from(self.days.get(index)?.first).ok()?;
        let end = usize::try_from(self.days.get(index.checked_add(1)?)?.first).ok()?;
        self.open.get(first..end)
    }

    /// The open intervals of the year from the chunk of date `index` on.
    pub(crate) fn open_from(&self, index: usize) -> Option<&[(u32, u32)]> {
        let first = usize::try_from(self.days.get(index)?.first).ok()?;
        self.open.get(first..)
    }

    /// The open intervals of the year up to the chunk of date `index`, inclusive.
    pub(crate) fn open_through(&self, index: usize) -> Option<&[(u32, u32)]> {
        let end = usize::try_from(self.days.get(index.checked_add(1)?)?.first).ok()?;
        self.open.get(..end)
    }

    /// The first open interval of the year.
    pub(crate) fn first_open(&self) -> Option<(u32, u32)> {
        self.open.first().copied()
    }

    /// The last open interval of the year.
    pub(crate) fn last_open(&self) -> Option<(u32, u32)> {
        self.open.last().copied()
    }

    /// Open seconds or open days of all chunks from the sums' origin to date `index` (exclusive).
    pub(crate) fn before(&self, count: Count, index: usize) -> Option<i64> {
        let day = self.days.get(index)?;
        Some(match count {
            Count::Seconds => self.open_base + i64::from(day.open),
            Count::Days => self.days_base + i64::from(day.days),
        })
    }

    /// The close of date `index` as an open day (Unix seconds), `None` inside when it is not one.
    pub(crate) fn close(&self, index: usize) -> Option<Option<i64>> {
        let day = self.days.get(index)?;
        Some((day.close != NOT_OPEN).then(|| self.base + i64::from(day.close)))
    }

    /// The first date at or after `from` whose count up to its end (`before(count, date + 1)`)
    /// reaches `goal`, when the year has one.
    pub(crate) fn first_reaching(&self, count: Count, from: usize, goal: i128) -> Option<usize> {
        let ends = self.days.get(from.checked_add(1)?..)?;
        let below = ends.partition_point(|day| {
            let value = match count {
                Count::Seconds => self.open_base + i64::from(day.open),
                Count::Days => self.days_base + i64::from(day.days),
            };
            i128::from(value) < goal
        });
        (below < ends.len()).then_some(from + below)
    }

    /// The local date of index `index`.
    pub(crate) fn date(&self, index: usize) -> Option<NaiveDate> {
        NaiveDate::from_yo_opt(self.year, u32::try_from(index).ok()?.checked_add(1)?)
    }
}

/// 1970-01-01.
fn unix_epoch_date() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)
}

/// The Unix seconds of `at` when it is a whole second.
fn whole_seconds(at: DateTime<Utc>) -> Option<i64> {
    (at.timestamp_subsec_nanos() == 0).then(|| at.timestamp())
}

/// The proleptic Gregorian year of the date `day` days after 1970-01-01.
///
/// The civil-from-days algorithm (Howard Hinnant): the year as of March 1, corrected for January
/// and February.
pub(crate) fn civil_year(day: i64) -> Option<i32> {
    let z = day.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Days from March 1: 306 and later are January and February of the next year.
    let year = era
        .checked_mul(400)?
        .checked_add(year_of_era + i64::from(day_of_year >= 306))?;
    i32::try_from(year).ok()
}

/// One century of year slots.
struct Century([OnceLock<Option<Box<YearTable>>>; 100]);

/// The year tables of one calendar, built on first use and shared by its clones.
pub(crate) struct Years {
    centuries: [OnceLock<Box<Century>>; 100],
    /// Memory taken by the tables built so far, in bytes.
    bytes: AtomicUsize,
}

impl std::fmt::Debug for Years {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Years").finish_non_exhaustive()
    }
}

impl Years {
    /// Memory taken by the tables built so far, in bytes.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// No tables yet.
    pub(crate) fn new() -> Years {
        Years {
            centuries: std::array::from_fn(|_| OnceLock::new()),
            bytes: AtomicUsize::new(0),
        }
    }

    /// The table of `year`, built with `build` on first use; `None` for a year without one.
    ///
    /// Once the tables take [`TABLE_BYTES`], later years get none (threads building at the same
    /// moment may each add one more table).
    pub(crate) fn get(
        &self,
        year: i32,
        build: impl FnOnce() -> Option<YearTable>,
    ) -> Option<&YearTable> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return None;
        }
        let (century, slot) = (
            usize::try_from(year / 100).ok()?,
            usize::try_from(year % 100).ok()?,
        );
        let century = self
            .centuries
            .get(century)?
            .get_or_init(|| Box::new(Century(std::array::from_fn(|_| OnceLock::new()))));
        century
            .0
            .get(slot)?
            .get_or_init(|| {
                if self.bytes.load(Ordering::Relaxed) >= TABLE_BYTES {
                    return None;
                }
                let table = build()?;
                self.bytes.fetch_add(table.bytes(), Ordering::Relaxed);
                Some(Box::new(table))
            })
            .as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn civil_year_matches_chrono() {
        let epoch = unix_epoch_date().unwrap();
        let first = NaiveDate::from_ymd_opt(-400, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(10_400, 12, 31).unwrap();
        let (mut date, mut day) = (first, (first - epoch).num_days());
        while date <= last {
            assert_eq!(civil_year(day), Some(date.year()), "{date}");
            date = date.succ_opt().unwrap();
            day += 1;
        }
    }
}
