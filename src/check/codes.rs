//! The names of the checker codes (`E02xx`, `E03xx`, `W01xx`) used by the checker: each is a
//! [`Code`] of the one table in [`crate::diag::Code`], which holds its text, title, help and
//! place in the docs (`docs/diagnostics.md`).

use crate::diag::Code;

/// An imported file cannot be found or read.
pub const IMPORT_NOT_FOUND: Code = Code::ImportNotFound;

/// `use` statements form a cycle.
pub const IMPORT_CYCLE: Code = Code::ImportCycle;

/// A name is declared twice for the same kind.
pub const DUPLICATE_NAME: Code = Code::DuplicateName;

/// A calendar reference does not resolve.
pub const UNKNOWN_CALENDAR: Code = Code::UnknownCalendar;

/// A rank reference does not resolve (or no `ranks` scale is declared).
pub const UNKNOWN_RANK: Code = Code::UnknownRank;

/// A venue reference does not resolve.
pub const UNKNOWN_VENUE: Code = Code::UnknownVenue;

/// A promise reference does not resolve.
pub const UNKNOWN_PROMISE: Code = Code::UnknownPromise;

/// A step named in `after` does not exist in its chain.
pub const UNKNOWN_STEP: Code = Code::UnknownStep;

/// Calendars are based on each other in a cycle through `like`.
pub const LIKE_CYCLE: Code = Code::LikeCycle;

/// A policy file has no `policy` header.
pub const MISSING_HEADER: Code = Code::MissingHeader;

/// More than one `policy` header in a policy and its imports.
pub const DUPLICATE_HEADER: Code = Code::DuplicateHeader;

/// A step can never become due (its `after` preconditions wait on each other).
pub const STEP_NEVER_DUE: Code = Code::StepNeverDue;

/// The rank scale is declared by more than one `ranks` line.
pub const DUPLICATE_RANKS: Code = Code::DuplicateRanks;

/// More than one `commitments` block.
pub const DUPLICATE_COMMITMENTS: Code = Code::DuplicateCommitments;

/// `keep appointment` on a step whose action is not `appoint`.
pub const KEEP_WITHOUT_APPOINT: Code = Code::KeepWithoutAppoint;

/// A calendar body sets its timezone twice.
pub const DUPLICATE_TIMEZONE: Code = Code::DuplicateTimezone;

/// A policy loads more than [`crate::limits::MAX_POLICY_FILES`] files.
pub const TOO_MANY_FILES: Code = Code::TooManyFiles;

/// A calendar is more than [`crate::limits::MAX_LIKE_DEPTH`] `like` steps from its chain's start.
pub const LIKE_TOO_DEEP: Code = Code::LikeTooDeep;

/// The calendars hold more than [`crate::limits::MAX_CALENDAR_ENTRIES`] intervals and dates.
pub const CALENDARS_TOO_LARGE: Code = Code::CalendarsTooLarge;

/// An import leaves the folder of the policy checked (or the root named with `--root`).
pub const IMPORT_OUTSIDE_TREE: Code = Code::ImportOutsideTree;

/// An imported file is not a regular file (a named pipe, a device, a folder).
pub const IMPORT_NOT_REGULAR: Code = Code::ImportNotRegular;

/// An import does not name a `.policy` file.
pub const IMPORT_NOT_POLICY: Code = Code::ImportNotPolicy;

/// An event type named by a rule is not in the policy's vocabulary.
pub const UNKNOWN_EVENT: Code = Code::UnknownEvent;

/// A condition reads a field or attribute that the vocabulary does not declare where it reads.
pub const UNKNOWN_FIELD: Code = Code::UnknownField;

/// A condition compares a field with a value of another type, or outside its `one of` list.
pub const VALUE_OUTSIDE_TYPE: Code = Code::ValueOutsideType;

/// `change venue to private` (or `public`) with no venue of that class declared.
pub const EMPTY_VENUE_CLASS: Code = Code::EmptyVenueClass;

/// A declared event field that every event has, or that the language reads by itself.
pub const BUILT_IN_FIELD: Code = Code::BuiltInField;
/// A term used where a deadline goes is not declared.
pub const UNKNOWN_TERM: Code = Code::UnknownTerm;

/// A term used where its kind does not fit.
pub const TERM_MISUSED: Code = Code::TermMisused;

/// A policy's files hold more than [`crate::limits::MAX_POLICY_TOTAL_BYTES`] bytes in all.
pub const POLICY_TOO_LARGE: Code = Code::PolicyTooLarge;

/// The checker passed a policy that cannot be compiled for evaluation: a bug in covenant, never in
/// the policy.
pub const INTERNAL: Code = Code::InternalCheck;

/// A time of day that does not exist (`25:00`, `09:60`, `24:00` as a start).
pub const INVALID_TIME: Code = Code::InvalidTime;

/// A date that does not exist (`2026-02-30`).
pub const INVALID_DATE: Code = Code::InvalidDate;

/// A date range whose end is before its start.
pub const DATE_RANGE_ORDER: Code = Code::DateRangeOrder;

/// A timezone name that is not in the IANA database.
pub const UNKNOWN_TIMEZONE: Code = Code::UnknownTimezone;

/// A percentage outside `(0, 100]`.
pub const PERCENT_RANGE: Code = Code::PercentRange;

/// A duration of zero.
pub const ZERO_DURATION: Code = Code::ZeroDuration;

/// A duration longer than 100 years.
pub const DURATION_TOO_LONG: Code = Code::DurationTooLong;

/// A day count outside `1..=36525`.
pub const COUNT_RANGE: Code = Code::CountRange;

/// Local times that need a timezone, with none declared.
pub const MISSING_TIMEZONE: Code = Code::MissingTimezone;

/// Working days (`next workday`, `same workday`, a term of working days) without a calendar.
pub const WORKDAY_WITHOUT_CALENDAR: Code = Code::WorkdayWithoutCalendar;

/// A `target` that an earlier target always pre-empts (a catch-all, or the same condition).
pub const UNREACHABLE_TARGET: Code = Code::UnreachableTarget;

/// A target whose condition can never hold (it contradicts itself, or `if before 00:00`).
pub const TARGET_NEVER_APPLIES: Code = Code::TargetNeverApplies;

/// A calendar has no open time at all.
pub const CALENDAR_NEVER_OPEN: Code = Code::CalendarNeverOpen;

/// Weekly open intervals of one calendar overlap.
pub const OVERLAPPING_HOURS: Code = Code::OverlappingHours;

/// Terms are declared but neither a deadline nor a `commitments` block reads them.
pub const UNUSED_TERM: Code = Code::UnusedTerm;

/// A file without a `policy` header declares rules, and no checked file imports it.
pub const RULES_WITHOUT_HEADER: Code = Code::RulesWithoutHeader;

/// A step can never become due: its trigger (or that of a step it waits for) stops the chain.
pub const STOPPED_BEFORE_DUE: Code = Code::StoppedBeforeDue;

/// A condition that no values the vocabulary allows can make true.
pub const CONDITION_NEVER_HOLDS: Code = Code::ConditionNeverHolds;
/// A `commitments` block with `on CAL` and no `durations` line.
pub const IMPLICIT_DURATIONS: Code = Code::ImplicitDurations;
