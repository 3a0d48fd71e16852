//! Local civil time to instants, and where a zone's UTC offset changes.
//!
//! Owns the one local→instant rule of covenant (gap → the instant the gap
//! ends, fold → the earlier instant) and a per-zone table of the windows in
//! which the zone's offset changes, which lets business-time arithmetic skip
//! whole weeks that are known to have a constant offset.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

use super::TimeError;

/// First year of the supported date range.
pub(crate) const MIN_YEAR: i32 = 1;
/// Last year of the supported date range.
pub(crate) const MAX_YEAR: i32 = crate::limits::MAX_YEAR;

/// Converts a local date-time in `tz` to an instant (gap → gap end, fold → earlier instant).
pub(crate) fn to_instant(tz: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, TimeError> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&local.year()) {
        return Err(TimeError::OutOfRange);
    }
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => {
            Ok(first.with_timezone(&Utc).min(second.with_timezone(&Utc)))
        }
        LocalResult::None => GapInfo::new(&local, &tz)
            .and_then(|gap| gap.end)
            .map(|end| end.with_timezone(&Utc))
            .ok_or(TimeError::OutOfRange),
    }
}

/// Seconds between probes of a zone's offset. Every zone of the bundled tz database keeps each
/// offset for at least three days, so two probes this far apart see at most one change, which a
/// binary search then pins to the second.
const PROBE_STEP: i64 = 2 * 86_400;
/// Probed range (Unix seconds): 1800-01-01 to 2200-01-01. The bundled database lists changes from
/// 1845 to 2099 only and keeps the first and last offsets beyond them, so offsets outside this range
/// are constant.
const PROBE_FIRST: i64 = -5_364_662_400;
const PROBE_LAST: i64 = 7_258_118_400;

/// One change of a zone's UTC offset: from `at` (Unix seconds) on, the offset is `after` instead
/// of `before` (seconds east of UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) at: i64,
    pub(crate) before: i64,
    pub(crate) after: i64,
}

impl Change {
    /// The instant of local time `local` (Unix seconds of the local wall clock) near this change
    /// only: the same rule as [`to_instant`] (gap → the change, fold → the earlier instant).
    pub(crate) fn to_instant(self, local: i64) -> i64 {
        let early = local - self.before;
        let late = local - self.after;
        if early < self.at {
            early
        } else if late >= self.at {
            late
        } else {
            self.at
        }
    }
}

/// Every change of a zone's UTC offset, in order.
#[derive(Debug, Clone)]
pub(crate) struct OffsetChanges {
    changes: Arc<[Change]>,
    /// The offset before the first change (the zone's only offset when it never changes).
    initial: i64,
}

impl OffsetChanges {
    /// The table for `tz`, computed once per zone and process.
    pub(crate) fn of(tz: Tz) -> OffsetChanges {
        static CACHE: OnceLock<Mutex<HashMap<Tz, Arc<[Change]>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let mut cache = cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let changes = cache.entry(tz).or_insert_with(|| probe(tz)).clone();
        OffsetChanges {
            changes,
            initial: i64::from(offset_at(tz, PROBE_FIRST)),
        }
    }

    /// Every change, in order.
    pub(crate) fn all(&self) -> &[Change] {
        &self.changes
    }

    /// The offset at instant `from` and the changes in `(from, to]`, found with one search.
    pub(crate) fn at_and_within(&self, from: i64, to: i64) -> (i64, &[Change]) {
        let first = self.changes.partition_point(|change| change.at <= from);
        let offset = first
            .checked_sub(1)
            .and_then(|last| self.changes.get(last))
            .map_or(self.initial, |change| change.after);
        let rest = self.changes.get(first..).unwrap_or(&[]);
        let count = rest.iter().take_while(|change| change.at <= to).count();
        (offset, rest.get(..count).unwrap_or(&[]))
    }

    /// The offset at instant `at` (seconds east of UTC), and the stretch of instants `[from, to)`
    /// around `at` that have it (from the change before `at` to the change after it).
    pub(crate) fn offset_stretch(&self, at: i64) -> (i64, i64, i64) {
        let index = self.changes.partition_point(|change| change.at <= at);
        let before = index.checked_sub(1).and_then(|last| self.changes.get(last));
        let offset = before.map_or(self.initial, |change| change.after);
        let from = before.map_or(i64::MIN, |change| change.at);
        let to = self.changes.get(index).map_or(i64::MAX, |change| change.at);
        (offset, from, to)
    }

    /// The offset at instant `at`, in seconds east of UTC.
    pub(crate) fn offset_at(&self, at: i64) -> i64 {
        let index = self.changes.partition_point(|change| change.at <= at);
        index
            .checked_sub(1)
            .and_then(|last| self.changes.get(last))
            .map_or(self.initial, |change| change.after)
    }
}

fn offset_at(tz: Tz, unix: i64) -> i32 {
    DateTime::from_timestamp(unix, 0)
        .map(|at| {
            tz.offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc()
        })
        .unwrap_or(0)
}

fn probe(tz: Tz) -> Arc<[Change]> {
    let mut changes = Vec::new();
    let mut at = PROBE_FIRST;
    let mut offset = offset_at(tz, at);
    while at < PROBE_LAST {
        let next = at + PROBE_STEP;
        let next_offset = offset_at(tz, next);
        if next_offset != offset {
            // The one change in (at, next]: the first second with the new offset.
            let (mut low, mut high) = (at, next);
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if offset_at(tz, middle) == offset {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            changes.push(Change {
                at: high,
                before: i64::from(offset),
                after: i64::from(next_offset),
            });
        }
        at = next;
        offset = next_offset;
    }
    changes.into()
}
