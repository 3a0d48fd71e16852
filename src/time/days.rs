//! The compiled day model: each local date's open spans, from the weekly pattern and the exceptions.
//!
//! A date's spans are its `open_dates` hours when it has some, none when it is closed, and its
//! weekday's hours otherwise. Exceptions are kept sorted and disjoint, so every question here is
//! a binary search plus at most a few steps per closed range passed.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

use super::{CalendarSpec, Interval};

/// Minutes in a day.
pub(crate) const DAY: u32 = 1440;
/// Minutes in a week.
const WEEK: u32 = 7 * DAY;

/// One open span of a date, in local minutes after that date's midnight: `start < DAY`,
/// `start < end <= start + DAY`, so an overnight span ends on the next date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// Weekly hours plus sorted exceptions.
#[derive(Debug, Clone)]
pub(crate) struct Days {
    /// Spans per weekday, Monday first; sorted, disjoint and not touching.
    weekly: [Vec<Span>; 7],
    /// Closed date ranges, sorted, disjoint and not adjacent.
    closed: Vec<(NaiveDate, NaiveDate)>,
    /// Dates with their own hours, sorted by date, each with at least one span.
    open_dates: Vec<(NaiveDate, Vec<Span>)>,
    /// Open time of one week of the weekly pattern (overlaps across days counted once).
    pub(crate) week_open: TimeDelta,
    /// Open time of each weekday's local day under the weekly pattern, Monday first.
    day_open: [TimeDelta; 7],
    /// Number of weekdays with open hours.
    pub(crate) open_weekdays: u32,
}

fn span_of(interval: Interval) -> Option<Span> {
    let start = u32::from(interval.start);
    let end = u32::from(interval.end);
    if start >= DAY || end > DAY {
        return None;
    }
    let end = if end > start { end } else { end + DAY };
    Some(Span { start, end })
}

/// Sorts and merges overlapping or touching spans.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Sorts and merges overlapping or adjacent date ranges, dropping reversed ones.
fn merge_ranges(mut ranges: Vec<(NaiveDate, NaiveDate)>) -> Vec<(NaiveDate, NaiveDate)> {
    ranges.retain(|(first, last)| first <= last);
    ranges.sort();
    let mut merged: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match merged.last_mut() {
            Some(prev) if prev.1.succ_opt().map_or(true, |next| first <= next) => {
                prev.1 = prev.1.max(last);
            }
            _ => merged.push((first, last)),
        }
    }
    merged
}

/// The weekly pattern on the cyclic week, in minutes after Monday 00:00: merged, each minute once.
fn week_pieces(weekly: &[Vec<Span>; 7]) -> Vec<Span> {
    let mut pieces = Vec::new();
    for (day, spans) in (0u32..).zip(weekly.iter()) {
        for span in spans {
            let (start, end) = (day * DAY + span.start, day * DAY + span.end);
            if end <= WEEK {
                pieces.push(Span { start, end });
            } else {
                pieces.push(Span { start, end: WEEK });
                pieces.push(Span {
                    start: 0,
                    end: end - WEEK,
                });
            }
        }
    }
    merge(pieces)
}

/// Open minutes of each weekday's local day (Monday first), overnight hours from the day before included.
fn day_minutes(pieces: &[Span]) -> [u32; 7] {
    let mut minutes = [0u32; 7];
    for (day, total) in (0u32..).zip(minutes.iter_mut()) {
        let (first, last) = (day * DAY, day * DAY + DAY);
        *total = pieces
            .iter()
            .map(|span| span.end.min(last).saturating_sub(span.start.max(first)))
            .sum();
    }
    minutes
}

impl Days {
    pub(crate) fn compile(spec: &CalendarSpec) -> Days {
        let mut weekly: [Vec<Span>; 7] = Default::default();
        if spec.always {
            for spans in &mut weekly {
                spans.push(Span { start: 0, end: DAY });
            }
        } else {
            for (weekday, interval) in &spec.weekly {
                if let (Some(spans), Some(span)) = (
                    weekly.get_mut(weekday.num_days_from_monday() as usize),
                    span_of(*interval),
                ) {
                    spans.push(span);
                }
            }
            for spans in &mut weekly {
                *spans = merge(std::mem::take(spans));
            }
        }
        let mut closed = spec.closed.clone();
        let mut open_dates: Vec<(NaiveDate, Vec<Span>)> = Vec::new();
        let mut listed = spec.open_dates.clone();
        listed.sort_by_key(|(date, _)| *date);
        for (date, intervals) in listed {
            let spans = intervals.into_iter().filter_map(span_of);
            match open_dates.last_mut() {
                Some((last, existing)) if *last == date => existing.extend(spans),
                _ => open_dates.push((date, spans.collect())),
            }
        }
        for (date, spans) in &mut open_dates {
            *spans = merge(std::mem::take(spans));
            if spans.is_empty() {
                closed.push((*date, *date));
            }
        }
        open_dates.retain(|(_, spans)| !spans.is_empty());
        let open_weekdays = weekly.iter().filter(|spans| !spans.is_empty()).count() as u32;
        let pieces = week_pieces(&weekly);
        let week_minutes: u32 = pieces.iter().map(|span| span.end - span.start).sum();
        Days {
            week_open: TimeDelta::minutes(i64::from(week_minutes)),
            day_open: day_minutes(&pieces).map(|minutes| TimeDelta::minutes(i64::from(minutes))),
            weekly,
            closed: merge_ranges(closed),
            open_dates,
            open_weekdays,
        }
    }

    /// Whether business time always equals elapsed time.
    pub(crate) fn is_elapsed(&self) -> bool {
        self.week_open == TimeDelta::minutes(i64::from(WEEK))
            && self.closed.is_empty()
            && self.open_dates.is_empty()
    }

    /// Whether any date can have open hours.
    pub(crate) fn has_open_time(&self) -> bool {
        self.open_weekdays > 0 || !self.open_dates.is_empty()
    }

    /// Open time of each weekday's local day under the weekly pattern, Monday first.
    pub(crate) fn day_open_all(&self) -> [TimeDelta; 7] {
        self.day_open
    }

    /// Whether each weekday has hours, Monday first.
    pub(crate) fn open_weekdays_all(&self) -> [bool; 7] {
        self.weekly.each_ref().map(|spans| !spans.is_empty())
    }

    /// The closed ranges, sorted and disjoint.
    pub(crate) fn closed_ranges(&self) -> &[(NaiveDate, NaiveDate)] {
        &self.closed
    }

    /// Dates whose chunk the exceptions change: each open date and the day after it, and the first
    /// date of each closed range and the day after it.
    pub(crate) fn exception_edges(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        let open = self.open_dates.iter().map(|(date, _)| *date);
        let closed = self.closed.iter().flat_map(|(first, last)| [*first, *last]);
        open.chain(closed)
            .flat_map(|date| [Some(date), date.succ_opt()])
            .flatten()
    }

    fn weekday_spans(&self, weekday: Weekday) -> &[Span] {
        self.weekly
            .get(weekday.num_days_from_monday() as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The closed range containing `date`, if any.
    fn closed_range(&self, date: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let index = self.closed.partition_point(|range| range.1 < date);
        self.closed
            .get(index)
            .copied()
            .filter(|range| range.0 <= date)
    }

    /// The open spans starting on `date`.
    pub(crate) fn spans(&self, date: NaiveDate) -> &[Span] {
        if let Ok(index) = self.open_dates.binary_search_by_key(&date, |(day, _)| *day) {
            return self.open_dates.get(index).map_or(&[], |(_, spans)| spans);
        }
        if self.closed_range(date).is_some() {
            return &[];
        }
        self.weekday_spans(date.weekday())
    }

    /// The first date at or after `date` with open spans, or `None` when there is none.
    pub(crate) fn next_with_spans(&self, date: NaiveDate) -> Option<NaiveDate> {
        let index = self.open_dates.partition_point(|(day, _)| *day < date);
        let listed = self.open_dates.get(index).map(|(day, _)| *day);
        let weekly = if self.open_weekdays == 0 {
            None
        } else {
            self.next_weekly_open(date)
        };
        match (listed, weekly) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The first date at or after `date` that is not closed and whose weekday has hours.
    fn next_weekly_open(&self, mut date: NaiveDate) -> Option<NaiveDate> {
        loop {
            if let Some((_, last)) = self.closed_range(date) {
                date = last.succ_opt()?;
            }
            for _ in 0..7 {
                if !self.weekday_spans(date.weekday()).is_empty() {
                    break;
                }
                date = date.succ_opt()?;
            }
            if self.closed_range(date).is_none() {
                return Some(date);
            }
        }
    }

    /// The last date at or before `date` with open spans, or `None` when there is none.
    pub(crate) fn prev_with_spans(&self, date: NaiveDate) -> Option<NaiveDate> {
        let index = self.open_dates.partition_point(|(day, _)| *day <= date);
        let listed = index
            .checked_sub(1)
            .and_then(|index| self.open_dates.get(index))
            .map(|(day, _)| *day);
        let weekly = if self.open_weekdays == 0 {
            None
        } else {
            self.prev_weekly_open(date)
        };
        match (listed, weekly) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The last date at or before `date` that is not closed and whose weekday has hours.
    fn prev_weekly_open(&self, mut date: NaiveDate) -> Option<NaiveDate> {
        loop {
            if let Some((first, _)) = self.closed_range(date) {
                date = first.pred_opt()?;
            }
            for _ in 0..7 {
                if !self.weekday_spans(date.weekday()).is_empty() {
                    break;
                }
                date = date.pred_opt()?;
            }
            if self.closed_range(date).is_none() {
                return Some(date);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn spans_merge_when_overlapping_or_touching() {
        let merged = merge(vec![
            span(600, 720),
            span(540, 600),
            span(1320, 1800),
            span(700, 800),
        ]);
        assert_eq!(merged, vec![span(540, 800), span(1320, 1800)]);
    }

    #[test]
    fn crossing_and_end_of_day_intervals() {
        let span_of = |start, end| span_of(Interval { start, end });
        assert_eq!(span_of(1320, 360), Some(span(1320, 1800)));
        assert_eq!(span_of(540, 1440), Some(span(540, 1440)));
        assert_eq!(span_of(540, 540), Some(span(540, 1980)));
        assert_eq!(span_of(1440, 60), None);
        assert_eq!(span_of(60, 1441), None);
    }

    #[test]
    fn date_ranges_merge_when_adjacent_and_drop_reversed() {
        let merged = merge_ranges(vec![
            (date(2026, 5, 3), date(2026, 5, 5)),
            (date(2026, 5, 1), date(2026, 5, 2)),
            (date(2026, 6, 9), date(2026, 6, 1)),
            (date(2026, 5, 7), date(2026, 5, 7)),
        ]);
        assert_eq!(
            merged,
            vec![
                (date(2026, 5, 1), date(2026, 5, 5)),
                (date(2026, 5, 7), date(2026, 5, 7))
            ]
        );
    }

    #[test]
    fn week_and_day_open_time_count_overlaps_once() {
        let mut weekly: [Vec<Span>; 7] = Default::default();
        // Sunday 22:00-06:00 wraps to Monday; Monday 00:00-08:00 overlaps it.
        weekly[6].push(span(1320, 1800));
        weekly[0].push(span(0, 480));
        let pieces = week_pieces(&weekly);
        let total: u32 = pieces.iter().map(|s| s.end - s.start).sum();
        assert_eq!(total, 120 + 480);
        let days = day_minutes(&pieces);
        assert_eq!(days[0], 480);
        assert_eq!(days[6], 120);
    }
}
