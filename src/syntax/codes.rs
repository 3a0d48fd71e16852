//! The stable codes of syntax diagnostics (`E01xx`), listed in `docs/language.md`.

/// A token that does not fit here: the message says what was expected.
pub const UNEXPECTED: &str = "E0101";
/// A string with no closing `"` on its line.
pub const UNTERMINATED_STRING: &str = "E0102";
/// A backslash escape other than `\"`, `\\`, `\n`, `\t` in a string.
pub const UNKNOWN_ESCAPE: &str = "E0103";
/// A number, duration or percentage too large to represent.
pub const NUMBER_TOO_LARGE: &str = "E0104";
/// A clause that may appear once is written twice (or a second rule/action/measure).
pub const DUPLICATE_CLAUSE: &str = "E0105";
/// A required clause is missing (a promise without `from`, a step without an action, …).
pub const MISSING_CLAUSE: &str = "E0106";
/// A condition nested too deeply or with too many parts.
pub const CONDITION_TOO_COMPLEX: &str = "E0107";
/// A policy file larger than [`crate::limits::MAX_POLICY_BYTES`].
pub const FILE_TOO_LARGE: &str = "E0108";
/// A line longer than [`crate::limits::MAX_POLICY_LINE_BYTES`].
pub const LINE_TOO_LONG: &str = "E0109";
/// The parser disagrees with its own grammar: a bug in covenant, never in the policy.
pub const INTERNAL: &str = "E0199";
