//! The one table of diagnostic codes: for each [`Code`], its stable text (`E0203`), a one-line
//! title, the help most diagnostics of the code give (where one text fits them all), and where
//! the docs explain it.
//!
//! `E01xx`: syntax. `E02xx`: names, references, imports and the header. `E03xx`: times, dates,
//! zones and numbers. `E09xx`: `covenant fmt` refusing to rewrite a file. `W01xx`: legal but
//! likely wrong. Codes are never reused. Every emitter (human, JSON, GitHub, SARIF) writes the
//! code's text and reads its title from here; `tests/it/check.rs` checks the table against the
//! docs both ways.

use serde::{Serialize, Serializer};
use std::fmt;

/// One row of the table.
struct Row {
    text: &'static str,
    title: &'static str,
    help: Option<&'static str>,
    doc: &'static str,
}

macro_rules! codes {
    ($($(#[$meta:meta])* $variant:ident = $text:literal, $title:literal, $help:expr, $doc:literal;)*) => {
        /// A stable diagnostic code; see the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$meta])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of their texts.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            fn row(self) -> Row {
                match self {
                    $(Code::$variant => Row {
                        text: $text,
                        title: $title,
                        help: $help,
                        doc: $doc,
                    },)*
                }
            }
        }
    };
}

codes! {
    /// A token that does not fit here: the message says what was expected.
    Unexpected = "E0101", "token that does not fit here", None, "language.md#syntax-errors";
    /// A string with no closing `"` on its line.
    UnterminatedString = "E0102", "string not closed on its line", Some("close the text with `\"` on the same line"), "language.md#syntax-errors";
    /// A backslash escape other than `\"`, `\\`, `\n`, `\t` in a string.
    UnknownEscape = "E0103", "unknown escape in a string", Some("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash"), "language.md#syntax-errors";
    /// A number, duration or percentage too large to represent.
    NumberTooLarge = "E0104", "number, duration or percentage too large", Some("write a smaller number"), "language.md#syntax-errors";
    /// A clause that may appear once is written twice (or a second rule/action/measure).
    DuplicateClause = "E0105", "clause written more than once", None, "language.md#syntax-errors";
    /// A required clause is missing (a promise without `from`, a step without an action, …).
    MissingClause = "E0106", "required clause missing", None, "language.md#syntax-errors";
    /// A condition nested too deeply or with too many parts.
    ConditionTooComplex = "E0107", "condition nested too deeply", None, "language.md#syntax-errors";
    /// A policy file larger than [`crate::limits::MAX_POLICY_BYTES`].
    FileTooLarge = "E0108", "policy file too large", None, "language.md#syntax-errors";
    /// A line longer than [`crate::limits::MAX_POLICY_LINE_BYTES`].
    LineTooLong = "E0109", "line too long", None, "language.md#syntax-errors";
    /// The parser disagrees with its own grammar: a bug in covenant, never in the policy.
    Internal = "E0199", "internal error of the parser", Some("this is a bug in covenant, not in the policy; please report it with this file"), "language.md#syntax-errors";
    /// An imported file cannot be found or read.
    ImportNotFound = "E0201", "imported file cannot be found or read", None, "diagnostics.md#e0201-imported-file-cannot-be-found-or-read";
    /// `use` statements form a cycle.
    ImportCycle = "E0202", "`use` statements form a cycle", Some("remove one of the `use` statements, or move the shared declarations into a file that imports nothing"), "diagnostics.md#e0202-use-statements-form-a-cycle";
    /// A name is declared twice for the same kind.
    DuplicateName = "E0203", "name declared twice for the same kind", None, "diagnostics.md#e0203-name-declared-twice-for-the-same-kind";
    /// A calendar reference does not resolve.
    UnknownCalendar = "E0204", "unknown calendar", None, "diagnostics.md#e0204-unknown-calendar";
    /// A rank reference does not resolve (or no `ranks` scale is declared).
    UnknownRank = "E0205", "unknown rank", None, "diagnostics.md#e0205-unknown-rank";
    /// A venue reference does not resolve.
    UnknownVenue = "E0206", "unknown venue", None, "diagnostics.md#e0206-unknown-venue";
    /// A promise reference does not resolve.
    UnknownPromise = "E0207", "unknown promise", None, "diagnostics.md#e0207-unknown-promise";
    /// A step named in `after` does not exist in its chain.
    UnknownStep = "E0208", "unknown step in `after`", None, "diagnostics.md#e0208-unknown-step-in-after";
    /// Calendars are based on each other in a cycle through `like`.
    LikeCycle = "E0209", "calendars based on each other through `like`", Some("a calendar can only be `like` a calendar that is not based on it; remove one `like`"), "diagnostics.md#e0209-calendars-based-on-each-other-through-like";
    /// A policy file has no `policy` header.
    MissingHeader = "E0210", "policy file without a `policy` header", Some("start the file with `policy \"Name\" { timezone \"Area/City\" }`"), "diagnostics.md#e0210-policy-file-without-a-policy-header";
    /// More than one `policy` header in a policy and its imports.
    DuplicateHeader = "E0211", "more than one `policy` header", Some("a file has one header: merge the two"), "diagnostics.md#e0211-more-than-one-policy-header";
    /// A step can never become due (its `after` preconditions wait on each other).
    StepNeverDue = "E0212", "escalation step can never become due", Some("their preconditions wait on each other; in a chain `in order`, a step without `after` waits for the step above it"), "diagnostics.md#e0212-escalation-step-can-never-become-due";
    /// The rank scale is declared by more than one `ranks` line.
    DuplicateRanks = "E0213", "rank scale declared more than once", Some("declare all ranks in one `ranks` line, lowest first"), "diagnostics.md#e0213-rank-scale-declared-more-than-once";
    /// More than one `commitments` block.
    DuplicateCommitments = "E0214", "more than one `commitments` block", Some("merge the rules into one `commitments` block"), "diagnostics.md#e0214-more-than-one-commitments-block";
    /// `keep appointment` on a step whose action is not `appoint`.
    KeepWithoutAppoint = "E0215", "`keep appointment` without an `appoint` action", Some("`keep appointment` belongs to a step whose action is `appoint …`"), "diagnostics.md#e0215-keep-appointment-without-an-appoint-action";
    /// A calendar body sets its timezone twice.
    DuplicateTimezone = "E0216", "calendar timezone set twice", Some("keep one `timezone` line"), "diagnostics.md#e0216-calendar-timezone-set-twice";
    /// A policy loads more than [`crate::limits::MAX_POLICY_FILES`] files.
    TooManyFiles = "E0217", "policy loads too many files", None, "diagnostics.md#e0217-policy-loads-too-many-files";
    /// A calendar is more than [`crate::limits::MAX_LIKE_DEPTH`] `like` steps from its chain's start.
    LikeTooDeep = "E0218", "chain of `like` calendars too long", None, "diagnostics.md#e0218-chain-of-like-calendars-too-long";
    /// The calendars hold more than [`crate::limits::MAX_CALENDAR_ENTRIES`] intervals and dates.
    CalendarsTooLarge = "E0219", "calendars hold too many intervals and dates", Some("write regular hours as weekly lines (`open mon-fri 09:00-18:00`) and keep dated `open` lines for a few exception days; base fewer calendars on a large one"), "diagnostics.md#e0219-calendars-hold-too-many-intervals-and-dates";
    /// An import leaves the folder of the policy checked (or the root named with `--root`).
    ImportOutsideTree = "E0220", "import outside the policy's folder", None, "diagnostics.md#e0220-import-outside-the-policys-folder";
    /// An imported file is not a regular file (a named pipe, a device, a folder).
    ImportNotRegular = "E0221", "imported file is not a regular file", None, "diagnostics.md#e0221-imported-file-is-not-a-regular-file";
    /// An import does not name a `.policy` file.
    ImportNotPolicy = "E0222", "import of a file that is not a `.policy` file", Some("`use` imports policy files only: name a file ending in `.policy`"), "diagnostics.md#e0222-import-of-a-file-that-is-not-a-policy-file";
    /// An event type named by a rule is not in the policy's vocabulary.
    UnknownEvent = "E0223", "unknown event type", None, "diagnostics.md#e0223-unknown-event-type";
    /// A condition reads a field or attribute that the vocabulary does not declare where it reads.
    UnknownField = "E0224", "unknown field or attribute", None, "diagnostics.md#e0224-unknown-field-or-attribute";
    /// A condition compares a field with a value of another type, or outside its `one of` list.
    ValueOutsideType = "E0225", "value that does not fit the field's type", None, "diagnostics.md#e0225-value-that-does-not-fit-the-fields-type";
    /// `change venue to private` (or `public`) with no venue of that class declared.
    EmptyVenueClass = "E0226", "`change venue to` a class with no venue", None, "diagnostics.md#e0226-change-venue-to-a-class-with-no-venue";
    /// A declared event field that every event has, or that the language reads by itself.
    BuiltInField = "E0227", "field that the language already defines", None, "diagnostics.md#e0227-field-that-the-language-already-defines";
    /// A policy's files hold more than [`crate::limits::MAX_POLICY_TOTAL_BYTES`] bytes in all.
    PolicyTooLarge = "E0228", "policy too large in all its files", None, "diagnostics.md#e0228-policy-too-large-in-all-its-files";
    /// A term used where a deadline goes is not declared.
    UnknownTerm = "E0230", "unknown term", None, "diagnostics.md#e0230-unknown-term";
    /// A term used where its kind does not fit: a vague word or an amount where a whole deadline
    /// goes, a whole deadline after `within`, two calendars for one amount.
    TermMisused = "E0231", "term used where its kind does not fit", None, "diagnostics.md#e0231-term-used-where-its-kind-does-not-fit";
    /// The checker passed a policy that cannot be compiled for evaluation: a bug in covenant,
    /// never in the policy.
    InternalCheck = "E0299", "internal error of the checker", None, "diagnostics.md#e0299-internal-error-of-the-checker";
    /// A time of day that does not exist (`25:00`, `09:60`, `24:00` as a start).
    InvalidTime = "E0301", "time of day that does not exist", None, "diagnostics.md#e0301-time-of-day-that-does-not-exist";
    /// A date that does not exist (`2026-02-30`).
    InvalidDate = "E0302", "date that does not exist", None, "diagnostics.md#e0302-date-that-does-not-exist";
    /// A date range whose end is before its start.
    DateRangeOrder = "E0303", "date range ends before it starts", Some("write the earlier date first: `FIRST..LAST`"), "diagnostics.md#e0303-date-range-ends-before-it-starts";
    /// A timezone name that is not in the IANA database.
    UnknownTimezone = "E0304", "unknown IANA timezone", None, "diagnostics.md#e0304-unknown-iana-timezone";
    /// A percentage outside `(0, 100]`.
    PercentRange = "E0305", "percentage outside (0, 100]", Some("write a percentage greater than `0%` and at most `100%`"), "diagnostics.md#e0305-percentage-outside-0-100";
    /// A duration of zero.
    ZeroDuration = "E0306", "duration of zero", Some("write a positive duration such as `30m`, or remove the clause"), "diagnostics.md#e0306-duration-of-zero";
    /// A duration longer than 100 years.
    DurationTooLong = "E0307", "duration longer than 100 years", Some("durations may be at most 100 years (`36525d`); check the unit"), "diagnostics.md#e0307-duration-longer-than-100-years";
    /// A day count outside `1..=36525`.
    CountRange = "E0308", "day count out of range", None, "diagnostics.md#e0308-day-count-out-of-range";
    /// Local times that need a timezone, with none declared.
    MissingTimezone = "E0309", "local times without a timezone", None, "diagnostics.md#e0309-local-times-without-a-timezone";
    /// Working days (`next workday`, `same workday`, working days through a term) without a calendar.
    WorkdayWithoutCalendar = "E0310", "working days without a calendar", Some("add `on CALENDAR` to say which days are working days"), "diagnostics.md#e0310-working-days-without-a-calendar";
    /// `covenant fmt` would change what a file means, or lose a comment: a bug in covenant.
    FormatChangesMeaning = "E0901", "formatting would change the file", None, "authoring.md#formatting";
    /// A `target` that an earlier target always pre-empts (a catch-all, or the same condition).
    UnreachableTarget = "W0101", "target that an earlier target always pre-empts", None, "diagnostics.md#w0101-target-that-an-earlier-target-always-pre-empts";
    /// A target whose condition can never hold (it contradicts itself, or `if before 00:00`).
    TargetNeverApplies = "W0102", "target that can never apply", Some("fix the condition, or remove the target"), "diagnostics.md#w0102-target-that-can-never-apply";
    /// A calendar has no open time at all.
    CalendarNeverOpen = "W0103", "calendar with no open time", Some("add open hours such as `open mon-fri 09:00-18:00`, or `open 24x7`"), "diagnostics.md#w0103-calendar-with-no-open-time";
    /// Weekly open intervals of one calendar overlap.
    OverlappingHours = "W0104", "overlapping weekly open hours", Some("overlapping hours are merged; write each open stretch once. A calendar built `like` another adds its `open` hours to the other's: to replace the other's weekly hours, write them with `hours` (`hours mon-fri 09:00-17:00`)"), "diagnostics.md#w0104-overlapping-weekly-open-hours";
    /// Terms are declared but neither a deadline nor a `commitments` block reads them.
    UnusedTerm = "W0105", "terms declared but never read", Some("terms give meaning to the wording of promises made during a case, and stand for deadlines (`target within 第一时间`); add `commitments { require time keep }`, use them in a deadline, or remove them"), "diagnostics.md#w0105-terms-declared-but-never-read";
    /// A file without a `policy` header declares rules, and no checked file imports it.
    RulesWithoutHeader = "W0106", "rules in a file without a `policy` header that nothing imports", None, "diagnostics.md#w0106-rules-in-a-file-without-a-policy-header-that-nothing-imports";
    /// A step can never become due: its trigger (or that of a step it waits for) stops the chain.
    StoppedBeforeDue = "W0107", "escalation step triggered by an event that stops its chain", None, "diagnostics.md#w0107-escalation-step-triggered-by-an-event-that-stops-its-chain";
    /// A condition that no values the vocabulary allows can make true.
    ConditionNeverHolds = "W0108", "condition that can never hold with the declared values", None, "diagnostics.md#w0108-condition-that-can-never-hold-with-the-declared-values";
    /// A `commitments` block with `on CAL` and no `durations` line: bare durations count open time
    /// of the calendar without the policy saying so.
    ImplicitDurations = "W0110", "`commitments` counts durations on its calendar without saying so", Some("say what a duration given in a case counts: `durations on CALENDAR` (open time, as now) or `durations elapsed`"), "diagnostics.md#w0110-commitments-counts-durations-on-its-calendar-without-saying-so";
}

impl Code {
    /// The code as written in every output: `E0203`.
    pub fn as_str(self) -> &'static str {
        self.row().text
    }

    /// What the code means whatever one diagnostic's message says (SARIF rules are described by it).
    pub fn title(self) -> &'static str {
        self.row().title
    }

    /// The help a diagnostic of this code gives unless it says something more precise.
    pub fn help(self) -> Option<&'static str> {
        self.row().help
    }

    /// Where the docs explain the code: a file of `docs/` and an anchor in it
    /// (`diagnostics.md#e0203-name-declared-twice-for-the-same-kind`).
    pub fn doc(self) -> &'static str {
        self.row().doc
    }

    /// The code whose text is `text`.
    pub fn from_text(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_unique_and_in_the_order_of_their_texts() {
        let texts: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert!(texts.windows(2).all(|w| w[0] < w[1]), "{texts:?}");
        let mut sorted = Code::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Code::ALL);
        for code in Code::ALL {
            assert_eq!(Code::from_text(code.as_str()), Some(*code));
            let text = code.as_str();
            assert!(text.starts_with('W') || text.starts_with('E'), "{code}");
        }
    }
}
