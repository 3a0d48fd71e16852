//! The stable diagnostic codes of the checker, each with a one-line summary.
//!
//! `E02xx`: names, references, imports and the header. `E03xx`: times, dates,
//! zones and numbers. `W01xx`: legal but likely wrong. Every code is listed
//! with an example in `docs/diagnostics.md`; codes are never reused.

/// An imported file cannot be found or read.
pub const IMPORT_NOT_FOUND: &str = "E0201";
/// `use` statements form a cycle.
pub const IMPORT_CYCLE: &str = "E0202";
/// A name is declared twice for the same kind.
pub const DUPLICATE_NAME: &str = "E0203";
/// A calendar reference does not resolve.
pub const UNKNOWN_CALENDAR: &str = "E0204";
/// A rank reference does not resolve (or no `ranks` scale is declared).
pub const UNKNOWN_RANK: &str = "E0205";
/// A venue reference does not resolve.
pub const UNKNOWN_VENUE: &str = "E0206";
/// A promise reference does not resolve.
pub const UNKNOWN_PROMISE: &str = "E0207";
/// A step named in `after` does not exist in its chain.
pub const UNKNOWN_STEP: &str = "E0208";
/// Calendars are based on each other in a cycle through `like`.
pub const LIKE_CYCLE: &str = "E0209";
/// A policy file has no `policy` header.
pub const MISSING_HEADER: &str = "E0210";
/// More than one `policy` header in a policy and its imports.
pub const DUPLICATE_HEADER: &str = "E0211";
/// A step can never become due (its `after` preconditions wait on each other).
pub const STEP_NEVER_DUE: &str = "E0212";
/// The rank scale is declared by more than one `ranks` line.
pub const DUPLICATE_RANKS: &str = "E0213";
/// More than one `commitments` block.
pub const DUPLICATE_COMMITMENTS: &str = "E0214";
/// `keep appointment` on a step whose action is not `appoint`.
pub const KEEP_WITHOUT_APPOINT: &str = "E0215";
/// A calendar body sets its timezone twice.
pub const DUPLICATE_TIMEZONE: &str = "E0216";
/// A policy loads more than [`crate::limits::MAX_POLICY_FILES`] files.
pub const TOO_MANY_FILES: &str = "E0217";
/// A calendar is more than [`crate::limits::MAX_LIKE_DEPTH`] `like` steps from its chain's start.
pub const LIKE_TOO_DEEP: &str = "E0218";
/// The calendars hold more than [`crate::limits::MAX_CALENDAR_ENTRIES`] intervals and dates.
pub const CALENDARS_TOO_LARGE: &str = "E0219";
/// An import leaves the folder of the policy checked (or the root named with `--root`).
pub const IMPORT_OUTSIDE_TREE: &str = "E0220";
/// An imported file is not a regular file (a named pipe, a device, a folder).
pub const IMPORT_NOT_REGULAR: &str = "E0221";
/// An import does not name a `.policy` file.
pub const IMPORT_NOT_POLICY: &str = "E0222";
/// The checker passed a policy that cannot be compiled for evaluation: a bug in covenant, never in
/// the policy.
pub const INTERNAL: &str = "E0299";

/// A time of day that does not exist (`25:00`, `09:60`, `24:00` as a start).
pub const INVALID_TIME: &str = "E0301";
/// A date that does not exist (`2026-02-30`).
pub const INVALID_DATE: &str = "E0302";
/// A date range whose end is before its start.
pub const DATE_RANGE_ORDER: &str = "E0303";
/// A timezone name that is not in the IANA database.
pub const UNKNOWN_TIMEZONE: &str = "E0304";
/// A percentage outside `(0, 100]`.
pub const PERCENT_RANGE: &str = "E0305";
/// A duration of zero.
pub const ZERO_DURATION: &str = "E0306";
/// A duration longer than 100 years.
pub const DURATION_TOO_LONG: &str = "E0307";
/// A day count outside `1..=36525`.
pub const COUNT_RANGE: &str = "E0308";
/// Local times that need a timezone, with none declared.
pub const MISSING_TIMEZONE: &str = "E0309";
/// `next workday` without `on CAL`.
pub const WORKDAY_WITHOUT_CALENDAR: &str = "E0310";

/// A `target` that an earlier target always pre-empts (a catch-all, or the same condition).
pub const UNREACHABLE_TARGET: &str = "W0101";
/// A target whose condition can never hold (it contradicts itself, or `if before 00:00`).
pub const TARGET_NEVER_APPLIES: &str = "W0102";
/// A calendar has no open time at all.
pub const CALENDAR_NEVER_OPEN: &str = "W0103";
/// Weekly open intervals of one calendar overlap.
pub const OVERLAPPING_HOURS: &str = "W0104";
/// Terms are declared but no `commitments` block reads them.
pub const UNUSED_TERM: &str = "W0105";
/// A file without a `policy` header declares rules, and no checked file imports it.
pub const RULES_WITHOUT_HEADER: &str = "W0106";
/// A step can never become due: its trigger (or that of a step it waits for) stops the chain.
pub const STOPPED_BEFORE_DUE: &str = "W0107";

/// Every checker code with its one-line summary, in code order.
pub const ALL: &[(&str, &str)] = &[
    (IMPORT_NOT_FOUND, "imported file cannot be found or read"),
    (IMPORT_CYCLE, "`use` statements form a cycle"),
    (DUPLICATE_NAME, "name declared twice for the same kind"),
    (UNKNOWN_CALENDAR, "unknown calendar"),
    (UNKNOWN_RANK, "unknown rank"),
    (UNKNOWN_VENUE, "unknown venue"),
    (UNKNOWN_PROMISE, "unknown promise"),
    (UNKNOWN_STEP, "unknown step in `after`"),
    (LIKE_CYCLE, "calendars based on each other through `like`"),
    (MISSING_HEADER, "policy file without a `policy` header"),
    (DUPLICATE_HEADER, "more than one `policy` header"),
    (STEP_NEVER_DUE, "escalation step can never become due"),
    (DUPLICATE_RANKS, "rank scale declared more than once"),
    (DUPLICATE_COMMITMENTS, "more than one `commitments` block"),
    (
        KEEP_WITHOUT_APPOINT,
        "`keep appointment` without an `appoint` action",
    ),
    (DUPLICATE_TIMEZONE, "calendar timezone set twice"),
    (TOO_MANY_FILES, "policy loads too many files"),
    (LIKE_TOO_DEEP, "chain of `like` calendars too long"),
    (
        CALENDARS_TOO_LARGE,
        "calendars hold too many intervals and dates",
    ),
    (IMPORT_OUTSIDE_TREE, "import outside the policy's folder"),
    (IMPORT_NOT_REGULAR, "imported file is not a regular file"),
    (
        IMPORT_NOT_POLICY,
        "import of a file that is not a `.policy` file",
    ),
    (INTERNAL, "internal error of the checker"),
    (INVALID_TIME, "time of day that does not exist"),
    (INVALID_DATE, "date that does not exist"),
    (DATE_RANGE_ORDER, "date range ends before it starts"),
    (UNKNOWN_TIMEZONE, "unknown IANA timezone"),
    (PERCENT_RANGE, "percentage outside (0, 100]"),
    (ZERO_DURATION, "duration of zero"),
    (DURATION_TOO_LONG, "duration longer than 100 years"),
    (COUNT_RANGE, "day count out of range"),
    (MISSING_TIMEZONE, "local times without a timezone"),
    (
        WORKDAY_WITHOUT_CALENDAR,
        "`next workday` without a calendar",
    ),
    (
        UNREACHABLE_TARGET,
        "target that an earlier target always pre-empts",
    ),
    (TARGET_NEVER_APPLIES, "target that can never apply"),
    (CALENDAR_NEVER_OPEN, "calendar with no open time"),
    (OVERLAPPING_HOURS, "overlapping weekly open hours"),
    (UNUSED_TERM, "terms declared but never read"),
    (
        RULES_WITHOUT_HEADER,
        "rules in a file without a `policy` header that nothing imports",
    ),
    (
        STOPPED_BEFORE_DUE,
        "escalation step triggered by an event that stops its chain",
    ),
];

/// The one-line summary of a checker code.
pub fn summary(code: &str) -> Option<&'static str> {
    ALL.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::ALL;

    /// Every code constant of this file is in [`ALL`], once.
    #[test]
    fn every_code_has_a_summary() {
        let constants = include_str!("codes.rs")
            .lines()
            .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \""))
            .count();
        assert_eq!(constants, ALL.len());
        let mut codes: Vec<&str> = ALL.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }
}
