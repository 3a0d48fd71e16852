//! The stable codes of syntax diagnostics (`E01xx`), each with a one-line summary, listed in
//! `docs/language.md`.

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

/// Every syntax code with its one-line summary, in code order: what a code means whatever the
/// message of one diagnostic says (SARIF rules are described by it).
pub const ALL: &[(&str, &str)] = &[
    (UNEXPECTED, "token that does not fit here"),
    (UNTERMINATED_STRING, "string not closed on its line"),
    (UNKNOWN_ESCAPE, "unknown escape in a string"),
    (NUMBER_TOO_LARGE, "number, duration or percentage too large"),
    (DUPLICATE_CLAUSE, "clause written more than once"),
    (MISSING_CLAUSE, "required clause missing"),
    (CONDITION_TOO_COMPLEX, "condition nested too deeply"),
    (FILE_TOO_LARGE, "policy file too large"),
    (LINE_TOO_LONG, "line too long"),
    (INTERNAL, "internal error of the parser"),
];

/// The one-line summary of a syntax code.
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
            .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \"E"))
            .count();
        assert_eq!(constants, ALL.len());
        let mut codes: Vec<&str> = ALL.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
    }
}
