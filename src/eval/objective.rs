//! Objectives: rates over many cases, per day, week or month.
//!
//! Each case adds its clock instances to a [`Tally`]; the tally of a run is the
//! sum of the tallies of its cases, so cases can be counted in any order (and on
//! any thread) with the same result. The rules, as documented in
//! `docs/semantics.md`:
//!
//! - a case counts when the objective's `applies when` holds on the case state
//!   at the evaluation instant (after every event seen);
//! - only decided clock instances of the promise count (`met` or `breached`);
//!   running, paused, pending and unpromised instances are not counted yet;
//! - an instance belongs to the period (day, ISO week, month) in which its clock
//!   started, in the zone of the objective's calendar (or the policy's zone);
//! - `met within D`: the instance ended `met` and stopped no later than D after
//!   its start, counted as D's rule counts (pauses do not extend D);
//! - the state is `met` when the rate is at least (`at least`) or at most
//!   (`at most`) the percentage, `missed` otherwise.

use super::clock::budget;
use super::state::{holds, CaseState, Scope};
use crate::case::Case;
use crate::check::Policy;
use crate::compile::deadline::Deadline;
use crate::compile::{Objective, PeriodUnit};
use crate::report::{CaseReport, ClockState, ObjectiveReport};
use crate::time::OffsetChanges;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use std::collections::BTreeMap;

/// The objectives of a policy, compiled once for many cases.
#[derive(Debug, Clone, Copy)]
pub struct ObjectivePlan<'p> {
    objectives: &'p [Objective],
}

/// Counts per objective and period: `(met, total)`. Add tallies with [`Tally::merge`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    counts: BTreeMap<(usize, Period), (u64, u64)>,
}

/// A day, ISO week or month, ordered in time (as its text is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Period {
    /// A calendar date.
    Day(NaiveDate),
    /// An ISO week: its year and number.
    Week(i32, u32),
    /// A month: its year and number.
    Month(i32, u32),
}

impl std::fmt::Display for Period {
    /// `2026-06-19`, `2026-W25` or `2026-06`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Day(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            Period::Week(year, week) => write!(f, "{year}-W{week:02}"),
            // The year as `%Y` writes it: four digits, signed outside 0 to 9999.
            Period::Month(year, month) if (0..10_000).contains(year) => {
                write!(f, "{year:04}-{month:02}")
            }
            Period::Month(year, month) => write!(f, "{year:+05}-{month:02}"),
        }
    }
}

impl<'p> ObjectivePlan<'p> {
    /// The objectives of `policy`.
    pub fn new(policy: &'p Policy) -> Self {
        ObjectivePlan {
            objectives: &policy.program().objectives,
        }
    }

    /// Whether the policy has any objective (when not, counting can be skipped).
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty()
    }

    /// The counts one case contributes, from the case and its report at `as_of`.
    pub fn count(&self, case: &Case, report: &CaseReport, as_of: DateTime<Utc>) -> Tally {
        if self.objectives.is_empty() {
            return Tally::default();
        }
        self.count_in(&final_state(case, as_of), report)
    }

    /// The counts of a case whose state after every event seen is `state`.
    pub(crate) fn count_in(&self, state: &CaseState<'_>, report: &CaseReport) -> Tally {
        let mut tally = Tally::default();
        for (index, objective) in self.objectives.iter().enumerate() {
            if !holds(&objective.applies, Scope { event: None, state }) {
                continue;
            }
            for instance in report
                .promises
                .iter()
                .filter(|p| p.promise == objective.promise)
            {
                let decided = matches!(instance.state, ClockState::Met | ClockState::Breached);
                // Only decided instances count, by the period they started in.
                let Some(started) = instance.started.filter(|_| decided) else {
                    continue;
                };
                let started = started.utc();
                let counted = if objective.counts_met {
                    instance.state == ClockState::Met
                        && objective.within.as_ref().map_or(true, |within| {
                            stopped_within(within, started, instance.stopped.map(|s| s.utc()))
                        })
                } else {
                    instance.state == ClockState::Breached
                };
                let period = period_of(started, &objective.zone, objective.unit);
                let entry = tally.counts.entry((index, period)).or_default();
                entry.0 += u64::from(counted);
                entry.1 += 1;
            }
        }
        tally
    }

    /// The report lines of a tally: objectives in declaration order, periods in time order.
    pub fn report(&self, tally: &Tally) -> Vec<ObjectiveReport> {
        tally
            .counts()
            .filter_map(|(index, period, met, total)| self.line(index, period, met, total))
            .collect()
    }

    /// The report line of the `index`-th objective (in declaration order) for `period` with
    /// `met` of `total` counted: its rate and state. For counts added up elsewhere, such as the
    /// sums of [`Tally::counts`] over many machines; [`ObjectivePlan::report`] writes each line
    /// of a tally with it. `None` when the policy has no such objective.
    pub fn line(
        &self,
        index: usize,
        period: String,
        met: u64,
        total: u64,
    ) -> Option<ObjectiveReport> {
        let objective = self.objectives.get(index)?;
        let rate = if total == 0 {
            0.0
        } else {
            met as f64 / total as f64
        };
        let ok = if objective.at_least {
            rate >= objective.threshold
        } else {
            rate <= objective.threshold
        };
        Some(ObjectiveReport {
            objective: objective.name.clone(),
            period,
            met,
            total,
            rate,
            state: if ok { "met" } else { "missed" }.to_owned(),
        })
    }
}

impl Tally {
    /// The counts, objectives in declaration order and periods in time order: the objective's
    /// index (in declaration order), the period's text (`2026-06-19`, `2026-W25`, `2026-06`),
    /// `met` and `total`. Adding up the counts of the same objective and period from many
    /// tallies, then taking [`ObjectivePlan::line`] of the sums, gives the lines
    /// [`ObjectivePlan::report`] writes for the merged tally.
    pub fn counts(&self) -> impl Iterator<Item = (usize, String, u64, u64)> + '_ {
        self.counts
            .iter()
            .map(|((index, period), &(met, total))| (*index, period.to_string(), met, total))
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: Tally) {
        for (key, (met, total)) in other.counts {
            let entry = self.counts.entry(key).or_default();
            entry.0 += met;
            entry.1 += total;
        }
    }
}

/// The case state after every event at or before `as_of`, in time order.
fn final_state(case: &Case, as_of: DateTime<Utc>) -> CaseState<'_> {
    let mut state = CaseState::new(case);
    let seen = case.events.iter().filter(|e| e.at <= as_of);
    let events = &case.events;
    if events
        .iter()
        .zip(events.iter().skip(1))
        .all(|(a, b)| a.at <= b.at)
    {
        seen.for_each(|event| state.apply(event));
    } else {
        let mut sorted: Vec<_> = seen.collect();
        sorted.sort_by_key(|e| e.at);
        sorted.into_iter().for_each(|event| state.apply(event));
    }
    state
}

/// Whether a clock started at `started` stopped no later than `within`'s deadline from its start.
fn stopped_within(
    within: &Deadline,
    started: DateTime<Utc>,
    stopped: Option<DateTime<Utc>>,
) -> bool {
    let Some(stopped) = stopped else {
        return false;
    };
    match budget(within, started) {
        Ok(Some(budget)) => stopped <= budget.plain_due,
        // A cut-off whose `if before` excludes this start, or a deadline out of range: not within.
        Ok(None) | Err(_) => false,
    }
}

/// The period containing `t` in the zone of `zone`'s changes: the day, ISO week or month of its
/// local date.
fn period_of(t: DateTime<Utc>, zone: &OffsetChanges, unit: PeriodUnit) -> Period {
    // Where the local date falls after the year 9999 (or has none, at the very ends of chrono's
    // range), count the UTC date, as reports write such instants in UTC.
    // The offset rounded to whole minutes, as reports write it (`crate::time::shown_offset`).
    let local = i32::try_from(crate::time::whole_minutes(zone.offset_at(t.timestamp())))
        .ok()
        .and_then(FixedOffset::east_opt)
        .and_then(|offset| t.naive_utc().checked_add_offset(offset))
        .map(|local| local.date())
        .filter(|date| (0..=crate::limits::MAX_YEAR).contains(&date.year()))
        .unwrap_or_else(|| t.date_naive());
    match unit {
        PeriodUnit::Day => Period::Day(local),
        PeriodUnit::Week => {
            let week = local.iso_week();
            Period::Week(week.year(), week.week())
        }
        PeriodUnit::Month => Period::Month(local.year(), local.month()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The local date of a period is the date reports write the instant with.
    #[test]
    fn periods_fall_on_the_dates_reports_write() {
        for tz in [
            chrono_tz::Europe::London,
            chrono_tz::Asia::Shanghai,
            chrono_tz::America::St_Johns,
            chrono_tz::Pacific::Apia,
        ] {
            let zone = OffsetChanges::of(tz);
            let mut probes: Vec<i64> = zone.all().iter().flat_map(|c| [c.at - 1, c.at]).collect();
            probes.extend((-100..=100).map(|i| i * 2_500_000_007));
            probes.extend((-30..=30).map(|i| 253_402_300_800 + i * 1800));
            for unix in probes {
                let Some(t) = DateTime::from_timestamp(unix, 0) else {
                    continue;
                };
                let written = crate::report::Instant::new(t, Some(tz)).0.date_naive();
                assert_eq!(
                    period_of(t, &zone, PeriodUnit::Day),
                    Period::Day(written),
                    "{tz} at {t}"
                );
            }
        }
    }

    #[test]
    fn periods_are_days_iso_weeks_and_months_in_the_zone() {
        let t = DateTime::parse_from_rfc3339("2026-12-31T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let shanghai = chrono_tz::Asia::Shanghai;
        assert_eq!(
            period_of(t, &OffsetChanges::of(shanghai), PeriodUnit::Day).to_string(),
            "2027-01-01"
        );
        assert_eq!(
            period_of(t, &OffsetChanges::of(chrono_tz::UTC), PeriodUnit::Day).to_string(),
            "2026-12-31"
        );
        assert_eq!(
            period_of(t, &OffsetChanges::of(shanghai), PeriodUnit::Week).to_string(),
            "2026-W53"
        );
        assert_eq!(
            period_of(t, &OffsetChanges::of(shanghai), PeriodUnit::Month).to_string(),
            "2027-01"
        );
    }

    /// A month is written as dates write its year: four digits, with a sign outside 0 to 9999.
    #[test]
    fn months_are_written_as_dates_write_them() {
        for year in [-10_000, -5, 0, 5, 999, 2026, 9999, 10_000, 12_345] {
            let first = NaiveDate::from_ymd_opt(year, 3, 1).unwrap();
            assert_eq!(
                Period::Month(year, 3).to_string(),
                first.format("%Y-%m").to_string()
            );
        }
    }
}
