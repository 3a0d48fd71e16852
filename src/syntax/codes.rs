//! The names of the syntax codes (`E01xx`) used by the parser: each is a [`Code`] of the one
//! table in [`crate::diag::Code`], which holds its text, title, help and place in the docs.

use crate::diag::Code;

/// A token that does not fit here: the message says what was expected.
pub const UNEXPECTED: Code = Code::Unexpected;

/// A string with no closing `"` on its line.
pub const UNTERMINATED_STRING: Code = Code::UnterminatedString;

/// A backslash escape other than `\"`, `\\`, `\n`, `\t` in a string.
pub const UNKNOWN_ESCAPE: Code = Code::UnknownEscape;

/// A number, duration or percentage too large to represent.
pub const NUMBER_TOO_LARGE: Code = Code::NumberTooLarge;

/// A clause that may appear once is written twice (or a second rule/action/measure).
pub const DUPLICATE_CLAUSE: Code = Code::DuplicateClause;

/// A required clause is missing (a promise without `from`, a step without an action, …).
pub const MISSING_CLAUSE: Code = Code::MissingClause;

/// A condition nested too deeply or with too many parts.
pub const CONDITION_TOO_COMPLEX: Code = Code::ConditionTooComplex;

/// A policy file larger than [`crate::limits::MAX_POLICY_BYTES`].
pub const FILE_TOO_LARGE: Code = Code::FileTooLarge;

/// A line longer than [`crate::limits::MAX_POLICY_LINE_BYTES`].
pub const LINE_TOO_LONG: Code = Code::LineTooLong;

/// The parser disagrees with its own grammar: a bug in covenant, never in the policy.
pub const INTERNAL: Code = Code::Internal;
