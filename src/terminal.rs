//! Text bound for a terminal: control characters shown, never sent.
//!
//! Case ids, event types, venues, policy names, file names and source lines come from untrusted
//! files. Written raw, a newline in a case id forges a line of the report, and ESC, BEL, CR or a
//! C1 byte drives the terminal (moves the cursor, rewrites a line, sets the window title). Every
//! human format (`eval`, `explain`, `check`, `test`, `fmt`, and the messages on standard error)
//! writes such text through [`escape`] (or [`Escaped`]), one field at a time, so that the line
//! breaks of the output are its own and each entry stays on its line. JSON, JSON Lines, YAML and
//! SARIF escape by their own rules and do not use this.
//!
//! The style is Rust's: `\n`, `\r` and `\t` for those three, `\u{1b}` (lowercase hexadecimal, no
//! leading zeros) for every other control character (U+0000 to U+001F, U+007F, the C1 range
//! U+0080 to U+009F), the Unicode line and paragraph separators (U+2028, U+2029) and the
//! bidirectional formatting characters that reorder what a terminal shows (U+061C, U+200E,
//! U+200F, U+202A to U+202E, U+2066 to U+2069). Everything else, a backslash included, is shown
//! as it is.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` is shown escaped (see the module documentation).
pub fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every control character escaped; borrowed when there is none (the common case).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(Escaped(text).to_string())
}

/// Writes its text with every control character escaped, for use in `format!` and `write!`.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_escaped(c)) {
            f.write_str(rest.get(..at).unwrap_or_default())?;
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                other => write!(f, "\\u{{{:x}}}", u32::from(other))?,
            }
            rest = rest.get(at + c.len_utf8()..).unwrap_or_default();
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape("C-1"), Cow::Borrowed("C-1"));
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\r\t"), "\\r\\t");
        assert_eq!(escape("\u{1b}[2J\u{7}"), "\\u{1b}[2J\\u{7}");
        assert_eq!(escape("\u{0}\u{7f}\u{9b}"), "\\u{0}\\u{7f}\\u{9b}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("x\u{2028}y"), "x\\u{2028}y");
        assert_eq!(escape("投诉 \\ é"), "投诉 \\ é");
    }

    proptest! {
        /// Whatever the text, what is shown holds no character a terminal acts on, and text without
        /// one is shown unchanged.
        #[test]
        fn nothing_escaped_reaches_the_output(text in any::<String>()) {
            let shown = escape(&text);
            prop_assert!(!shown.chars().any(is_escaped), "{shown:?}");
            if !text.chars().any(is_escaped) {
                prop_assert_eq!(shown.as_ref(), text.as_str());
            }
        }
    }
}
