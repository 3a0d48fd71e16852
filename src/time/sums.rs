//! Open time and open days summed over any run of dates in O(log n).
//!
//! Most dates are *regular*: their chunk (local midnight to local midnight) has exactly the weekly
//! pattern's open time for their weekday, and they are open days exactly when their weekday has
//! hours. The others are kept as sorted blocks with their correction to that pattern: single dates
//! (exceptions, the day after one, dates around a UTC offset change), computed exactly on the
//! calendar's first use, and runs inside closed ranges, which have no open time at all. Sums from
//! a fixed origin are then a closed formula plus a prefix sum over the blocks before a date.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeDelta};

/// Open time (seconds) and whether it is an open day, for one chunk computed exactly.
pub(crate) type Exact = (i64, bool);

#[derive(Debug, Clone)]
struct Block {
    first: NaiveDate,
    last: NaiveDate,
    /// Correction to the pattern's open seconds over the whole block.
    seconds: i64,
    /// Correction to the pattern's open-day count over the whole block.
    days: i64,
    /// A run inside a closed range: nothing is open on any of its dates.
    closed: bool,
}

/// Cumulative open time and open days from the origin (0001-01-01, a Monday) to any date.
#[derive(Debug, Clone)]
pub(crate) struct Sums {
    /// Pattern open seconds of the chunks of weekdays before the i-th (Monday first); `[7]` is a week.
    day_seconds: [i64; 8],
    /// Pattern open days among the weekdays before the i-th; `[7]` is a week.
    open_days: [i64; 8],
    blocks: Vec<Block>,
    /// Corrections (seconds, days) of `blocks[..i]`.
    prefix: Vec<(i64, i64)>,
}

/// Days from the origin to `date`.
fn index(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 1
}

impl Sums {
    /// Builds the sums: `day_open` and `open_weekday` give the weekly pattern (Monday first),
    /// `singles` the irregular dates, `closed` the closed ranges, and `exact` computes one chunk.
    pub(crate) fn build(
        day_open: [TimeDelta; 7],
        open_weekday: [bool; 7],
        singles: BTreeSet<NaiveDate>,
        closed: &[(NaiveDate, NaiveDate)],
        mut exact: impl FnMut(NaiveDate) -> Option<Exact>,
    ) -> Sums {
        // Running sums over the week: entry `w` is the pattern of the weekdays before `w`.
        let mut day_seconds = [0i64; 8];
        let mut open_days = [0i64; 8];
        let (mut seconds, mut days) = (0, 0);
        let slots = day_seconds.iter_mut().zip(open_days.iter_mut()).skip(1);
        for ((seconds_slot, days_slot), (open, is_open)) in
            slots.zip(day_open.iter().zip(open_weekday))
        {
            seconds += open.num_seconds();
            days += i64::from(is_open);
            *seconds_slot = seconds;
            *days_slot = days;
        }
        let mut sums = Sums {
            day_seconds,
            open_days,
            blocks: Vec::new(),
            prefix: Vec::new(),
        };
        let mut blocks = Vec::new();
        for &date in &singles {
            let Some((seconds, open)) = exact(date) else {
                continue;
            };
            let (pattern_seconds, pattern_days) = sums.pattern_between(date, date);
            let correction = (seconds - pattern_seconds, i64::from(open) - pattern_days);
            if correction != (0, 0) {
                blocks.push(Block {
                    first: date,
                    last: date,
                    seconds: correction.0,
                    days: correction.1,
                    closed: false,
                });
            }
        }
        for &(first, last) in closed {
            // The first closed date still gets the overnight hours of the day before: a single.
            let Some(mut start) = first.succ_opt() else {
                continue;
            };
            if start > last {
                continue;
            }
            let inside: Vec<NaiveDate> = singles.range(start..=last).copied().collect();
            for single in inside {
                if single > start {
                    sums.push_closed(&mut blocks, start, single.pred_opt());
                }
                match single.succ_opt() {
                    Some(next) => start = next,
                    None => break,
                }
            }
            if start <= last {
                sums.push_closed(&mut blocks, start, Some(last));
            }
        }
        blocks.sort_by_key(|block| block.first);
        let mut total = (0, 0);
        let mut prefix = Vec::with_capacity(blocks.len());
        for block in &blocks {
            prefix.push(total);
            total = (total.0 + block.seconds, total.1 + block.days);
        }
        prefix.push(total);
        sums.blocks = blocks;
        sums.prefix = prefix;
        sums
    }

    fn push_closed(&self, blocks: &mut Vec<Block>, first: NaiveDate, last: Option<NaiveDate>) {
        let Some(last) = last.filter(|last| *last >= first) else {
            return;
        };
        let (seconds, days) = self.pattern_between(first, last);
        blocks.push(Block {
            first,
            last,
            seconds: -seconds,
            days: -days,
            closed: true,
        });
    }

    /// Pattern open seconds and open days of the chunks `[origin, date)`.
    fn pattern_before(&self, date: NaiveDate) -> (i64, i64) {
        self.pattern_until(index(date))
    }

    /// Pattern open seconds and open days of the first `days` chunks from the origin.
    fn pattern_until(&self, days: i64) -> (i64, i64) {
        let (weeks, rest) = (days.div_euclid(7), days.rem_euclid(7) as usize);
        let week = (self.day_seconds[7], self.open_days[7]);
        // `rest` is a weekday, 0 to 6, and the tables have 8 entries.
        (
            weeks * week.0 + self.day_seconds.get(rest).copied().unwrap_or(0),
            weeks * week.1 + self.open_days.get(rest).copied().unwrap_or(0),
        )
    }

    /// Pattern open seconds and open days of the chunks `[first, last]`.
    fn pattern_between(&self, first: NaiveDate, last: NaiveDate) -> (i64, i64) {
        let start = self.pattern_before(first);
        let end = self.pattern_until(index(last) + 1);
        (end.0 - start.0, end.1 - start.1)
    }

    /// Open seconds and open days of the chunks `[origin, date)`.
    pub(crate) fn before(&self, date: NaiveDate) -> (i64, i64) {
        let (seconds, days) = self.pattern_before(date);
        let index = self.blocks.partition_point(|block| block.last < date);
        // `prefix` has one entry more than `blocks`: one for each `index` there can be.
        let (mut fix_seconds, mut fix_days) = self.prefix.get(index).copied().unwrap_or((0, 0));
        if let Some(block) = self
            .blocks
            .get(index)
            .filter(|b| b.closed && b.first < date)
        {
            // Part of a closed run lies before `date`: none of its pattern time is open.
            let (lost_seconds, lost_days) =
                self.pattern_between(block.first, date.pred_opt().unwrap_or(date));
            fix_seconds -= lost_seconds;
            fix_days -= lost_days;
        }
        (seconds + fix_seconds, days + fix_days)
    }
}
