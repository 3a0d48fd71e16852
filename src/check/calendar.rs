//! Calendars: their lines' values and zones, `like` reuse, and the merged [`CalendarSpec`] of each.
//!
//! A derived calendar (`calendar b like a { … }`) is the base's lines followed
//! by its own; a later `timezone` line overrides an earlier one. A calendar
//! without a `timezone` line takes the one of its file's header (for a derived
//! calendar: its base's file), else the policy's; one that needs a zone (any line but `open 24x7`) and has none is
//! an error in a policy, and is left to the importing policy in a library file. Overlapping hours, weekly
//! or of one date, are a warning (they are merged, but usually mean a typo).

use super::values::EndOfDay;
use super::{codes, Checker};
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, CalendarLine, Span};
use crate::time::{CalendarSpec, DayMinute, Interval};
use chrono::{Datelike, Weekday};
use std::collections::BTreeSet;

const MINUTES_PER_DAY: u32 = 1440;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// One line of a merged calendar, and whether it was written in the calendar itself (not inherited).
#[derive(Clone, Copy)]
struct MergedLine<'a> {
    line: &'a CalendarLine,
    own: bool,
}

impl<'a> Checker<'a> {
    /// Checks every calendar; returns the spec of each valid one by name, in declaration order.
    pub(super) fn calendars(&mut self) -> Vec<(String, CalendarSpec)> {
        let decls = self.decls.calendars.clone();
        let valid: Vec<bool> = decls.iter().map(|decl| self.calendar_lines(decl)).collect();
        for decl in &decls {
            if let Some(base) = &decl.like {
                self.calendar_ref(base);
            }
        }
        let mut specs = Vec::new();
        for (index, decl) in decls.iter().enumerate() {
            let is_first_definition = self
                .decls
                .tables
                .calendars
                .get(decl.name.name.as_str())
                .is_some_and(|first| std::ptr::eq(*first, *decl));
            if !is_first_definition {
                continue;
            }
            let Some(chain) = self.like_chain(&decls, index) else {
                continue;
            };
            let lines: Vec<MergedLine<'a>> = chain
                .iter()
                .filter_map(|&i| decls.get(i).map(|d| (i, *d)))
                .flat_map(|(i, d)| {
                    d.lines.iter().map(move |line| MergedLine {
                        line,
                        own: i == index,
                    })
                })
                .collect();
            let chain_valid = chain
                .iter()
                .all(|&i| valid.get(i).copied().unwrap_or(false));
            if chain_valid {
                self.calendar_warnings(decl, &lines);
            }
            let base_file = chain
                .first()
                .and_then(|&i| decls.get(i))
                .map_or(decl.span.file, |base| base.span.file);
            if let Some(spec) = self.calendar_spec(decl, &lines, base_file) {
                if chain_valid {
                    specs.push((decl.name.name.clone(), spec));
                }
            }
        }
        specs
    }

    /// Checks the values of a calendar's own lines; returns whether they are all valid.
    fn calendar_lines(&mut self, decl: &ast::CalendarDecl) -> bool {
        let before = self.diagnostics.len();
        let mut zone_line: Option<Span> = None;
        for line in &decl.lines {
            match line {
                CalendarLine::Timezone(zone) => {
                    if let Some(first) = zone_line {
                        self.report(
                            Diagnostic::error(
                                codes::DUPLICATE_TIMEZONE,
                                format!("calendar `{}` sets its timezone twice", decl.name.name),
                                zone.span,
                            )
                            .with_label(first, "first set here")
                            .with_help("keep one `timezone` line"),
                        );
                    }
                    zone_line = Some(zone.span);
                    self.timezone(zone);
                }
                CalendarLine::Always(_) => {}
                CalendarLine::Weekly { intervals, .. } => self.intervals(intervals),
                CalendarLine::Closed { dates, .. } => {
                    self.date_range(dates);
                }
                CalendarLine::OpenDate {
                    dates, intervals, ..
                } => {
                    self.date_range(dates);
                    self.intervals(intervals);
                }
            }
        }
        self.diagnostics.len() == before
    }

    fn intervals(&mut self, intervals: &[ast::TimeRange]) {
        for interval in intervals {
            self.time_of_day(&interval.start, EndOfDay::Forbidden);
            self.time_of_day(&interval.end, EndOfDay::Allowed);
        }
    }

    /// The calendars whose lines make up `decls[index]`, base first; `None` when `like` does not resolve.
    fn like_chain(&mut self, decls: &[&'a ast::CalendarDecl], index: usize) -> Option<Vec<usize>> {
        let mut chain = vec![index];
        let mut current = *decls.get(index)?;
        while let Some(base) = &current.like {
            let base_decl = *self.decls.tables.calendars.get(base.name.as_str())?;
            let base_index = decls.iter().position(|d| std::ptr::eq(*d, base_decl))?;
            if let Some(position) = chain.iter().position(|&i| i == base_index) {
                let members: Vec<usize> = chain.iter().skip(position).copied().collect();
                if position == 0 && members.iter().min() == Some(&index) {
                    self.like_cycle(decls, &members);
                }
                return None;
            }
            chain.push(base_index);
            current = base_decl;
        }
        chain.reverse();
        Some(chain)
    }

    fn like_cycle(&mut self, decls: &[&'a ast::CalendarDecl], members: &[usize]) {
        let names: Vec<String> = members
            .iter()
            .chain(members.first())
            .filter_map(|&i| decls.get(i))
            .map(|d| format!("`{}`", d.name.name))
            .collect();
        let Some(first) = members.first().and_then(|&i| decls.get(i)) else {
            return;
        };
        let span = first.like.as_ref().map_or(first.name.span, |l| l.span);
        self.report(
            Diagnostic::error(
                codes::LIKE_CYCLE,
                format!("calendars are based on each other: {}", names.join(" like ")),
                span,
            )
            .with_help("a calendar can only be `like` a calendar that is not based on it; remove one `like`"),
        );
    }

    /// Warnings about a merged calendar: no open time, overlapping weekly hours.
    fn calendar_warnings(&mut self, decl: &ast::CalendarDecl, lines: &[MergedLine<'a>]) {
        let has_open_time = lines.iter().any(|l| match l.line {
            CalendarLine::Always(_) => true,
            CalendarLine::Weekly {
                days, intervals, ..
            } => !days.is_empty() && !intervals.is_empty(),
            CalendarLine::OpenDate { intervals, .. } => !intervals.is_empty(),
            CalendarLine::Timezone(_) | CalendarLine::Closed { .. } => false,
        });
        if !has_open_time {
            self.report(
                Diagnostic::warning(
                    codes::CALENDAR_NEVER_OPEN,
                    format!("calendar `{}` is never open", decl.name.name),
                    decl.name.span,
                )
                .with_help("add open hours such as `open mon-fri 09:00-18:00`, or `open 24x7`"),
            );
        }
        if lines
            .iter()
            .any(|l| matches!(l.line, CalendarLine::Always(_)))
        {
            return;
        }
        self.overlaps(lines);
    }

    /// Reports open intervals that overlap, once per pair, at the one written in this calendar:
    /// weekly hours (also across midnight and past Sunday), and the hours of dated `open` lines
    /// (within one line, and between lines for the same date).
    fn overlaps(&mut self, lines: &[MergedLine<'a>]) {
        let mut weekly = Vec::new();
        let mut dated = Vec::new();
        for (line_index, merged) in lines.iter().enumerate() {
            match merged.line {
                CalendarLine::Weekly {
                    days, intervals, ..
                } => {
                    for (interval_index, range) in intervals.iter().enumerate() {
                        let interval = to_interval(range);
                        for day in days.iter().flat_map(weekdays) {
                            let day_start = i64::from(day.num_days_from_monday() * MINUTES_PER_DAY);
                            let (start, end) = minutes(day_start, interval);
                            let week = i64::from(MINUTES_PER_WEEK);
                            let pieces = if end > week {
                                vec![(start, week), (0, end - week)]
                            } else {
                                vec![(start, end)]
                            };
                            for (start, end) in pieces {
                                weekly.push(Segment {
                                    start,
                                    end,
                                    origin: (line_index, interval_index),
                                    own: merged.own,
                                    span: range.span,
                                });
                            }
                        }
                    }
                }
                CalendarLine::OpenDate {
                    dates, intervals, ..
                } => {
                    let (Some(first), Some(last)) = (to_date(&dates.first), to_date(&dates.last))
                    else {
                        continue;
                    };
                    for date in first.iter_days().take_while(|d| *d <= last) {
                        let day_start =
                            i64::from(date.num_days_from_ce()) * i64::from(MINUTES_PER_DAY);
                        for (interval_index, range) in intervals.iter().enumerate() {
                            let (start, end) = minutes(day_start, to_interval(range));
                            dated.push(Segment {
                                start,
                                end,
                                origin: (line_index, interval_index),
                                own: merged.own,
                                span: range.span,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        self.report_overlaps(weekly, |minute| {
            day_name(u32::try_from(minute / i64::from(MINUTES_PER_DAY)).unwrap_or(0)).to_string()
        });
        self.report_overlaps(dated, |minute| {
            i32::try_from(minute.div_euclid(i64::from(MINUTES_PER_DAY)))
                .ok()
                .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
                .map_or_else(String::new, |d| d.to_string())
        });
    }

    /// Reports the segments that overlap, once per pair of intervals as written and only when one
    /// of them is written in this calendar; `day` names the day a segment's start minute is on.
    fn report_overlaps(&mut self, mut segments: Vec<Segment>, day: impl Fn(i64) -> String) {
        segments.sort_by_key(|s| (s.start, s.end));
        let mut reported = BTreeSet::new();
        let mut widest: Option<&Segment> = None;
        for segment in &segments {
            if let Some(active) = widest {
                let pair = (
                    active.origin.min(segment.origin),
                    active.origin.max(segment.origin),
                );
                if segment.start < active.end
                    && active.origin != segment.origin
                    && (segment.own || active.own)
                    && reported.insert(pair)
                {
                    let (primary, other) = if segment.own {
                        (segment, active)
                    } else {
                        (active, segment)
                    };
                    self.report(
                        Diagnostic::warning(
                            codes::OVERLAPPING_HOURS,
                            format!("open hours overlap on `{}`", day(segment.start)),
                            primary.span,
                        )
                        .with_label(other.span, "overlaps this interval")
                        .with_help("overlapping hours are merged; write each open stretch once"),
                    );
                }
                if segment.end > active.end {
                    widest = Some(segment);
                }
            } else {
                widest = Some(segment);
            }
        }
    }

    /// The spec of a merged calendar, or `None` when it has no zone (reported in a policy).
    ///
    /// The zone is the last `timezone` line of the merged lines, else the default zone of the file
    /// the base-most calendar is written in (so a derived calendar keeps its base's zone).
    fn calendar_spec(
        &mut self,
        decl: &ast::CalendarDecl,
        lines: &[MergedLine<'a>],
        base_file: ast::FileId,
    ) -> Option<CalendarSpec> {
        let written_zone = lines.iter().rev().find_map(|l| match l.line {
            CalendarLine::Timezone(zone) => Some(zone),
            _ => None,
        });
        let needs_zone = |l: &MergedLine<'_>| {
            !matches!(l.line, CalendarLine::Always(_) | CalendarLine::Timezone(_))
        };
        let tz = match (written_zone, self.default_zone(base_file)) {
            (Some(zone), _) => zone.value.parse().ok()?,
            (None, Some(default)) => default?,
            (None, None) if !lines.iter().any(needs_zone) => chrono_tz::UTC,
            (None, None) => {
                if self.zone_required() && lines.iter().filter(|l| l.own).any(needs_zone) {
                    self.report(
                        Diagnostic::error(
                            codes::MISSING_TIMEZONE,
                            format!("calendar `{}` has open hours but no timezone", decl.name.name),
                            decl.name.span,
                        )
                        .with_help("add `timezone \"Area/City\"` to the calendar or to the `policy` header"),
                    );
                }
                return None;
            }
        };
        let mut spec = CalendarSpec {
            tz,
            always: false,
            weekly: Vec::new(),
            closed: Vec::new(),
            open_dates: Vec::new(),
        };
        for merged in lines {
            match merged.line {
                CalendarLine::Timezone(_) => {}
                CalendarLine::Always(_) => spec.always = true,
                CalendarLine::Weekly {
                    days, intervals, ..
                } => {
                    for day in days.iter().flat_map(weekdays) {
                        spec.weekly
                            .extend(intervals.iter().map(|i| (day, to_interval(i))));
                    }
                }
                CalendarLine::Closed { dates, .. } => {
                    spec.closed
                        .push((to_date(&dates.first)?, to_date(&dates.last)?));
                }
                CalendarLine::OpenDate {
                    dates, intervals, ..
                } => {
                    let hours: Vec<Interval> = intervals.iter().map(to_interval).collect();
                    let (first, last) = (to_date(&dates.first)?, to_date(&dates.last)?);
                    spec.open_dates.extend(
                        first
                            .iter_days()
                            .take_while(|d| *d <= last)
                            .map(|d| (d, hours.clone())),
                    );
                }
            }
        }
        Some(spec)
    }
}

/// One open interval placed on a timeline of minutes, with the interval it was written as.
struct Segment {
    /// The first minute.
    start: i64,
    /// One past the last minute.
    end: i64,
    /// The line (in the merged calendar) and the interval within it.
    origin: (usize, usize),
    /// Whether the line is written in this calendar, not inherited through `like`.
    own: bool,
    /// Where the interval is written.
    span: Span,
}

/// An interval's minutes on a timeline where its day starts at `day_start`; one that ends at or
/// before its start crosses midnight and ends the next day.
fn minutes(day_start: i64, interval: Interval) -> (i64, i64) {
    let start = day_start + i64::from(interval.start);
    let mut end = day_start + i64::from(interval.end);
    if interval.end <= interval.start {
        end += i64::from(MINUTES_PER_DAY);
    }
    (start, end)
}

/// The weekdays of a day range, wrapping past Sunday (`fri-mon`).
fn weekdays(range: &ast::DayRange) -> impl Iterator<Item = Weekday> {
    let first = to_weekday(range.first);
    let count =
        (to_weekday(range.last).num_days_from_monday() + 7 - first.num_days_from_monday()) % 7 + 1;
    std::iter::successors(Some(first), |d| Some(d.succ())).take(count as usize)
}

fn to_weekday(day: ast::Day) -> Weekday {
    match day {
        ast::Day::Mon => Weekday::Mon,
        ast::Day::Tue => Weekday::Tue,
        ast::Day::Wed => Weekday::Wed,
        ast::Day::Thu => Weekday::Thu,
        ast::Day::Fri => Weekday::Fri,
        ast::Day::Sat => Weekday::Sat,
        ast::Day::Sun => Weekday::Sun,
    }
}

fn day_name(index: u32) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .get(index as usize)
        .copied()
        .unwrap_or("sun")
}

/// A checked time range as local minutes; an end at `00:00` is the end of the day (`1440`).
fn to_interval(range: &ast::TimeRange) -> Interval {
    let minute = |t: &ast::ClockTime| -> DayMinute {
        DayMinute::try_from(
            t.hour
                .saturating_mul(60)
                .saturating_add(t.minute)
                .min(MINUTES_PER_DAY),
        )
        .unwrap_or(0)
    };
    let end = match minute(&range.end) {
        0 => 1440,
        end => end,
    };
    Interval {
        start: minute(&range.start),
        end,
    }
}

fn to_date(date: &ast::DateLit) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
}
