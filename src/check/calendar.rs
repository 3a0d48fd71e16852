//! Calendars: their lines' values and zones, `like` reuse, and the merged [`CalendarSpec`] of each.
//!
//! A derived calendar (`calendar b like a { … }`) is the base's lines followed
//! by its own; a later `timezone` line overrides an earlier one. `hours` lines replace the weekly
//! hours of the calendars below them: their weekly hours and `open 24x7` are dropped, their
//! closed dates kept, and each date they give hours of its own (a make-up working day) stays open
//! with the new hours (see [`makeup_hours`]). A calendar
//! without a `timezone` line takes the one of its file's header (for a derived
//! calendar: its base's file), else the policy's; one that needs a zone (any line but `open 24x7`) and has none is
//! an error in a policy, and is left to the importing policy in a library file. Overlapping hours, weekly
//! or of one date, are a warning (they are merged, but usually mean a typo).

use super::values::EndOfDay;
use super::{codes, Checker};
use crate::diag::Diagnostic;
use crate::limits::{MAX_CALENDAR_ENTRIES, MAX_LIKE_DEPTH};
use crate::syntax::ast::{self, CalendarLine, FileId, Span};
use crate::time::{CalendarSpec, DayMinute, Interval};
use chrono::{Datelike, Weekday};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const MINUTES_PER_DAY: u32 = 1440;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// One line of a merged calendar, whether it was written in the calendar itself (not inherited),
/// and whether `hours` written above it (in this calendar or one between) replace its hours.
#[derive(Clone, Copy)]
struct MergedLine<'a> {
    line: &'a CalendarLine,
    own: bool,
    replaced: bool,
}

/// How a calendar's `like` resolved: found once per calendar, from its base's.
#[derive(Clone, Copy)]
struct Resolved {
    /// The calendar it is `like`, if any.
    base: Option<usize>,
    /// The number of `like` steps down to the calendar the chain starts at.
    depth: usize,
    /// The file of the calendar the chain starts at (its own when it has no `like`).
    root_file: FileId,
    /// Whether its own lines and those of every calendar below it are valid.
    valid: bool,
    /// The entries of its merged lines (see [`own_entries`]).
    entries: u64,
}

/// A calendar on the path being walked: its position, file, whether its own lines are valid,
/// their entries, and the position of its base (`None` without `like` or for an unknown base).
struct OnPath {
    at: usize,
    file: FileId,
    valid: bool,
    entries: u64,
    base: Option<usize>,
}

/// Where the resolution of one calendar stands.
#[derive(Clone, Copy)]
enum State {
    /// Not reached yet.
    Unvisited,
    /// On the path being walked, at this position.
    OnPath(usize),
    /// Resolved: `None` when its `like` does not resolve (an unknown base, a cycle, a chain too
    /// long, or a base that does not resolve).
    Done(Option<Resolved>),
}

/// Every calendar's `like` resolved, and the problems found on the way.
struct Likes {
    /// By declaration index; `None` for a calendar that does not resolve or is not the first
    /// definition of its name.
    resolved: Vec<Option<Resolved>>,
    /// Each `like` cycle, its members in `like` order from the one declared first, by that one.
    cycles: BTreeMap<usize, Vec<usize>>,
    /// The calendars one `like` step past [`MAX_LIKE_DEPTH`].
    too_deep: BTreeSet<usize>,
}

/// The calendars and what a walk down their `like` chains reads.
struct Chains<'d, 'a> {
    decls: &'d [&'a ast::CalendarDecl],
    /// Whether each calendar's own lines are valid.
    valid: &'d [bool],
    /// The position of the first calendar of each name.
    index: &'d HashMap<&'a str, usize>,
}

impl Chains<'_, '_> {
    /// Walks down the chain from `start` to a calendar without `like`, one already resolved, an
    /// unknown base or a cycle (noted in `cycles`); returns the path walked and what its last
    /// calendar rests on: `None` for nothing (no `like`), `Some(resolution)` otherwise.
    fn walk(
        &self,
        start: usize,
        state: &mut [State],
        cycles: &mut BTreeMap<usize, Vec<usize>>,
    ) -> (Vec<OnPath>, Option<Option<Resolved>>) {
        let mut path: Vec<OnPath> = Vec::new();
        let mut current = start;
        let below = loop {
            match state.get(current).copied() {
                Some(State::Done(resolved)) => break Some(resolved),
                Some(State::OnPath(position)) => {
                    // The cycle: the path from where it first reached this calendar, listed
                    // from its member declared first.
                    let mut members: Vec<usize> =
                        path.iter().skip(position).map(|p| p.at).collect();
                    let first = members.iter().enumerate().min_by_key(|&(_, m)| *m);
                    if let Some((turn, &min)) = first {
                        members.rotate_left(turn);
                        cycles.insert(min, members);
                    }
                    break Some(None);
                }
                Some(State::Unvisited) => {}
                None => break Some(None),
            }
            if let Some(slot) = state.get_mut(current) {
                *slot = State::OnPath(path.len());
            }
            // `current` is a declaration's position: `start`, or a base found by name.
            let (Some(decl), Some(&own_valid)) = (self.decls.get(current), self.valid.get(current))
            else {
                break Some(None);
            };
            let base = decl
                .like
                .as_ref()
                .map(|b| self.index.get(b.name.as_str()).copied());
            path.push(OnPath {
                at: current,
                file: decl.span.file,
                valid: own_valid,
                entries: own_entries(decl),
                base: base.flatten(),
            });
            match base {
                None => break None,
                Some(Some(base_index)) => current = base_index,
                Some(None) => break Some(None),
            }
        };
        (path, below)
    }
}

/// Resolves a walked `path` from its end, each calendar from the one below it (`below`, see
/// [`Chains::walk`]); notes in `too_deep` a calendar one step past [`MAX_LIKE_DEPTH`].
fn resolve_path(
    path: &[OnPath],
    below: Option<Option<Resolved>>,
    state: &mut [State],
    too_deep: &mut BTreeSet<usize>,
) {
    let mut below = below;
    for step in path.iter().rev() {
        let resolved = match below {
            None => Some(Resolved {
                base: None,
                depth: 0,
                root_file: step.file,
                valid: step.valid,
                entries: step.entries,
            }),
            Some(None) => None,
            Some(Some(base)) if base.depth >= MAX_LIKE_DEPTH => {
                if base.depth == MAX_LIKE_DEPTH {
                    too_deep.insert(step.at);
                }
                None
            }
            Some(Some(base)) => Some(Resolved {
                base: step.base,
                depth: base.depth + 1,
                root_file: base.root_file,
                valid: step.valid && base.valid,
                entries: step.entries.saturating_add(base.entries),
            }),
        };
        if let Some(slot) = state.get_mut(step.at) {
            *slot = State::Done(resolved);
        }
        below = Some(resolved);
    }
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
        let likes = self.resolve_likes(&decls, &valid);
        let mut specs = Vec::new();
        let mut entries: u64 = 0;
        let mut too_large = false;
        for ((index, decl), resolved) in decls.iter().enumerate().zip(&likes.resolved) {
            if let Some(members) = likes.cycles.get(&index) {
                self.like_cycle(&decls, members);
            }
            if likes.too_deep.contains(&index) {
                self.like_too_deep(decl);
            }
            // A calendar whose `like` does not resolve (reported above or as `E0204`) has no spec.
            let Some(resolved) = *resolved else {
                continue;
            };
            if too_large {
                continue;
            }
            entries = entries.saturating_add(resolved.entries);
            if entries > MAX_CALENDAR_ENTRIES {
                too_large = true;
                self.calendars_too_large(decl);
                continue;
            }
            let chain = like_chain(&decls, &likes.resolved, index);
            // The lines of the calendars below the last one with `hours` have their hours replaced.
            let hours_from = chain
                .iter()
                .rposition(|(_, d)| {
                    d.lines
                        .iter()
                        .any(|l| matches!(l, CalendarLine::Hours { .. }))
                })
                .unwrap_or(0);
            let lines: Vec<MergedLine<'a>> = chain
                .into_iter()
                .enumerate()
                .flat_map(|(position, (i, d))| {
                    d.lines.iter().map(move |line| MergedLine {
                        line,
                        own: i == index,
                        replaced: position < hours_from,
                    })
                })
                .collect();
            if resolved.valid {
                self.calendar_warnings(decl, &lines);
            }
            if let Some(spec) = self.calendar_spec(decl, &lines, resolved.root_file) {
                if resolved.valid {
                    specs.push((decl.name.name.clone(), spec));
                }
            }
        }
        specs
    }

    /// Resolves the `like` of every calendar once, each from its base's resolution: a walk down
    /// each chain stops at the first calendar already resolved, so the whole takes time linear in
    /// the number of calendars, however deep the chains.
    fn resolve_likes(&self, decls: &[&'a ast::CalendarDecl], valid: &[bool]) -> Likes {
        let tables = &self.decls.tables.calendars;
        let first: Vec<bool> = decls
            .iter()
            .map(|d| {
                tables
                    .get(d.name.name.as_str())
                    .is_some_and(|first| std::ptr::eq(*first, *d))
            })
            .collect();
        let index: HashMap<&str, usize> = decls
            .iter()
            .zip(&first)
            .enumerate()
            .filter(|(_, (_, is_first))| **is_first)
            .map(|(i, (d, _))| (d.name.name.as_str(), i))
            .collect();
        let mut state = vec![State::Unvisited; decls.len()];
        let mut likes = Likes {
            resolved: Vec::new(),
            cycles: BTreeMap::new(),
            too_deep: BTreeSet::new(),
        };
        // Only the first definition of each name is resolved (a second one is `E0203`).
        let starts = first.iter().enumerate().filter(|(_, is_first)| **is_first);
        let chains = Chains {
            decls,
            valid,
            index: &index,
        };
        for (start, _) in starts {
            let (path, below) = chains.walk(start, &mut state, &mut likes.cycles);
            resolve_path(&path, below, &mut state, &mut likes.too_deep);
        }
        likes.resolved = state
            .into_iter()
            .map(|s| match s {
                State::Done(resolved) => resolved,
                State::Unvisited | State::OnPath(_) => None,
            })
            .collect();
        likes
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
        self.report(Diagnostic::error(
            codes::LIKE_CYCLE,
            format!(
                "calendars are based on each other: {}",
                names.join(" like ")
            ),
            span,
        ));
    }

    /// Reports a calendar one `like` step past [`MAX_LIKE_DEPTH`] (the calendars based on it are
    /// not reported again).
    fn like_too_deep(&mut self, decl: &ast::CalendarDecl) {
        let span = decl.like.as_ref().map_or(decl.name.span, |l| l.span);
        self.report(
            Diagnostic::error(
                codes::LIKE_TOO_DEEP,
                format!(
                    "calendar `{}` is more than {MAX_LIKE_DEPTH} `like` steps from the calendar its chain starts at",
                    decl.name.name
                ),
                span,
            )
            .with_help(format!(
                "base `{}` on a calendar nearer the start of the chain, or write its lines out",
                decl.name.name
            )),
        );
    }

    /// Reports the calendar that takes the calendars over [`MAX_CALENDAR_ENTRIES`]; the calendars
    /// after it are not built.
    fn calendars_too_large(&mut self, decl: &ast::CalendarDecl) {
        self.report(
            Diagnostic::error(
                codes::CALENDARS_TOO_LARGE,
                format!(
                    "calendars are too large: with `{}`, they hold more than {MAX_CALENDAR_ENTRIES} open intervals and dates",
                    decl.name.name
                ),
                decl.name.span,
            ),
        );
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
                            .with_label(first, "first set here"),
                        );
                    }
                    zone_line = Some(zone.span);
                    self.timezone(zone);
                }
                CalendarLine::Always(_) => {}
                CalendarLine::Weekly { intervals, .. } | CalendarLine::Hours { intervals, .. } => {
                    self.intervals(intervals)
                }
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

    /// Warnings about a merged calendar: no open time, overlapping weekly hours.
    fn calendar_warnings(&mut self, decl: &ast::CalendarDecl, lines: &[MergedLine<'a>]) {
        let has_weekly = lines.iter().any(|l| match l.line {
            CalendarLine::Always(_) => !l.replaced,
            CalendarLine::Weekly {
                days, intervals, ..
            }
            | CalendarLine::Hours {
                days, intervals, ..
            } => !l.replaced && !days.is_empty() && !intervals.is_empty(),
            _ => false,
        });
        // A date whose hours are replaced has the calendar's weekly hours, if any.
        let has_open_time = has_weekly
            || lines.iter().any(|l| {
                matches!(l.line, CalendarLine::OpenDate { intervals, .. } if !l.replaced && !intervals.is_empty())
            });
        if !has_open_time {
            self.report(Diagnostic::warning(
                codes::CALENDAR_NEVER_OPEN,
                format!("calendar `{}` is never open", decl.name.name),
                decl.name.span,
            ));
        }
        if lines
            .iter()
            .any(|l| !l.replaced && matches!(l.line, CalendarLine::Always(_)))
        {
            return;
        }
        self.overlaps(decl, lines);
    }

    /// Reports open intervals that overlap, once per pair, at the one written in this calendar:
    /// weekly hours (also across midnight and past Sunday), and the hours of dated `open` lines
    /// (within one line, and between lines for the same date).
    fn overlaps(&mut self, decl: &ast::CalendarDecl, lines: &[MergedLine<'a>]) {
        let mut weekly = Vec::new();
        let mut dated = Vec::new();
        // Lines whose hours `hours` replaced do not open anything with them.
        for (line_index, merged) in lines.iter().enumerate().filter(|(_, l)| !l.replaced) {
            match merged.line {
                CalendarLine::Weekly {
                    days, intervals, ..
                }
                | CalendarLine::Hours {
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
        let base = decl.like.as_ref().map(|b| b.name.as_str());
        self.report_overlaps(weekly, base, |minute| day_name(minute).to_string());
        // Dated segments start on the checked dates of `open` lines, which always have a name.
        self.report_overlaps(dated, base, |minute| {
            i32::try_from(minute.div_euclid(i64::from(MINUTES_PER_DAY)))
                .ok()
                .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
                .map_or_else(String::new, |d| d.to_string())
        });
    }

    /// Reports the segments that overlap, once per pair of intervals as written and only when one
    /// of them is written in this calendar; `day` names the day a segment's start minute is on,
    /// `base` the calendar this one is `like`.
    fn report_overlaps(
        &mut self,
        mut segments: Vec<Segment>,
        base: Option<&str>,
        day: impl Fn(i64) -> String,
    ) {
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
                    let mut warning = Diagnostic::warning(
                        codes::OVERLAPPING_HOURS,
                        format!("open hours overlap on `{}`", day(segment.start)),
                        primary.span,
                    );
                    warning = match (other.own, base) {
                        (false, Some(base)) => warning
                            .with_label(other.span, format!("overlaps these hours of `{base}`"))
                            .with_help(format!(
                                "`like {base}` adds these hours to those of `{base}`; to replace its weekly hours, write them with `hours` instead of `open` (`hours mon-fri 09:00-17:00`)"
                            )),
                        _ => warning.with_label(other.span, "overlaps this interval"),
                    };
                    self.report(warning);
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
            // A zone that does not parse is `E0304`: the calendar has no spec.
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
        // The dates given hours of their own below `hours` (make-up working days): they stay
        // open, with this calendar's hours.
        let mut makeup: BTreeSet<chrono::NaiveDate> = BTreeSet::new();
        // The dates closed by the lines whose hours are not replaced, which close such a date.
        let mut closed_here: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = Vec::new();
        for merged in lines {
            match merged.line {
                CalendarLine::Timezone(_) => {}
                CalendarLine::Always(_) => spec.always |= !merged.replaced,
                CalendarLine::Weekly {
                    days, intervals, ..
                }
                | CalendarLine::Hours {
                    days, intervals, ..
                } => {
                    if merged.replaced {
                        continue;
                    }
                    for day in days.iter().flat_map(weekdays) {
                        spec.weekly
                            .extend(intervals.iter().map(|i| (day, to_interval(i))));
                    }
                }
                CalendarLine::Closed { dates, .. } => {
                    let range = (to_date(&dates.first)?, to_date(&dates.last)?);
                    spec.closed.push(range);
                    if !merged.replaced {
                        closed_here.push(range);
                    }
                }
                CalendarLine::OpenDate {
                    dates, intervals, ..
                } => {
                    let hours: Vec<Interval> = intervals.iter().map(to_interval).collect();
                    let (first, last) = (to_date(&dates.first)?, to_date(&dates.last)?);
                    let days = first.iter_days().take_while(|d| *d <= last);
                    if merged.replaced {
                        makeup.extend(days);
                    } else {
                        spec.open_dates.extend(days.map(|d| (d, hours.clone())));
                    }
                }
            }
        }
        let own_dates: BTreeSet<chrono::NaiveDate> =
            spec.open_dates.iter().map(|(d, _)| *d).collect();
        let closed = Ranges::new(closed_here);
        for date in makeup {
            if own_dates.contains(&date) || closed.contains(date) {
                continue;
            }
            let hours = makeup_hours(&spec, date.weekday());
            spec.open_dates.push((date, hours));
        }
        Some(spec)
    }
}

/// Inclusive date ranges, merged and sorted, to ask of many dates whether one holds them.
struct Ranges(Vec<(chrono::NaiveDate, chrono::NaiveDate)>);

impl Ranges {
    fn new(mut ranges: Vec<(chrono::NaiveDate, chrono::NaiveDate)>) -> Ranges {
        ranges.retain(|(first, last)| first <= last);
        ranges.sort();
        let mut merged: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = Vec::new();
        for (first, last) in ranges {
            match merged.last_mut() {
                Some((_, end)) if first <= *end => *end = (*end).max(last),
                _ => merged.push((first, last)),
            }
        }
        Ranges(merged)
    }

    /// Whether a range holds `date`.
    fn contains(&self, date: chrono::NaiveDate) -> bool {
        let after = self.0.partition_point(|(first, _)| *first <= date);
        after
            .checked_sub(1)
            .and_then(|i| self.0.get(i))
            .is_some_and(|(_, last)| date <= *last)
    }
}

/// The hours of a make-up working day inherited below `hours`, on a weekday `weekday`: the weekly
/// hours of that weekday when it has any, else those of the first weekday (from Monday) that has
/// some, else none (the date is then closed); every hour of the day when the calendar is open
/// around the clock.
fn makeup_hours(spec: &CalendarSpec, weekday: Weekday) -> Vec<Interval> {
    if spec.always {
        return vec![Interval {
            start: 0,
            end: 1440,
        }];
    }
    let of = |day: Weekday| -> Vec<Interval> {
        spec.weekly
            .iter()
            .filter(|(d, _)| *d == day)
            .map(|(_, i)| *i)
            .collect()
    };
    let own = of(weekday);
    if !own.is_empty() {
        return own;
    }
    std::iter::successors(Some(Weekday::Mon), |d| Some(d.succ()))
        .take(7)
        .map(of)
        .find(|hours| !hours.is_empty())
        .unwrap_or_default()
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

/// The calendars whose lines make up calendar `index`, base first (at most
/// [`MAX_LIKE_DEPTH`]` + 1` of them), with their positions: the chain of bases `resolved` lists.
fn like_chain<'a>(
    decls: &[&'a ast::CalendarDecl],
    resolved: &[Option<Resolved>],
    index: usize,
) -> Vec<(usize, &'a ast::CalendarDecl)> {
    let mut chain = Vec::new();
    let mut current = Some(index);
    while let Some(at) = current {
        if let Some(decl) = decls.get(at) {
            chain.push((at, *decl));
        }
        // The chain ends at the calendar without `like`.
        current = resolved.get(at).copied().flatten().and_then(|r| r.base);
    }
    chain.reverse();
    chain
}

/// What a calendar's own lines add to the compiled calendars: one entry per line, one per weekday
/// and interval of a weekly line, one per date (and interval) of a dated `open` line.
fn own_entries(decl: &ast::CalendarDecl) -> u64 {
    decl.lines
        .iter()
        .map(|line| {
            let entries = match line {
                CalendarLine::Timezone(_)
                | CalendarLine::Always(_)
                | CalendarLine::Closed { .. } => 1,
                CalendarLine::Weekly {
                    days, intervals, ..
                }
                | CalendarLine::Hours {
                    days, intervals, ..
                } => {
                    let days: usize = days.iter().map(|d| weekdays(d).count()).sum();
                    u64::try_from(days.saturating_mul(intervals.len())).unwrap_or(u64::MAX)
                }
                CalendarLine::OpenDate {
                    dates, intervals, ..
                } => {
                    let days = match (to_date(&dates.first), to_date(&dates.last)) {
                        (Some(first), Some(last)) => (last - first).num_days().saturating_add(1),
                        _ => 0,
                    };
                    u64::try_from(days)
                        .unwrap_or(0)
                        .saturating_mul(u64::try_from(intervals.len().max(1)).unwrap_or(u64::MAX))
                }
            };
            entries.max(1)
        })
        .fold(0, u64::saturating_add)
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

/// The weekday of a minute of the week (Monday 00:00 is minute 0; weekly segments are cut at the
/// end of the week).
fn day_name(minute: i64) -> &'static str {
    match minute.div_euclid(i64::from(MINUTES_PER_DAY)).rem_euclid(7) {
        0 => "mon",
        1 => "tue",
        2 => "wed",
        3 => "thu",
        4 => "fri",
        5 => "sat",
        _ => "sun",
    }
}

/// A checked time range as local minutes; an end at `00:00` is the end of the day (`1440`).
fn to_interval(range: &ast::TimeRange) -> Interval {
    // At most 1440, which a `DayMinute` holds.
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
