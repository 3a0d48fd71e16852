//! Comments and whitespace of policy text, found by a small scan that knows only strings and `#`.
//!
//! The parser drops comments, so the formatter finds them again here, with their
//! byte offsets. A `#` starts a comment only outside a double-quoted string; a
//! string ends at the first `"` that is not escaped by `\`. A comment ends at a
//! line break, `\r` included.

/// The characters that end a comment, as in the grammar.
const LINE_END: [char; 2] = ['\r', '\n'];

/// One `#` comment: its byte range in the source, trailing whitespace excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Offset of the `#`.
    pub start: usize,
    /// One past the last non-blank byte of the comment.
    pub end: usize,
}

impl Comment {
    /// The comment as written, from `#` to its last non-blank character.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.start..self.end).unwrap_or("#")
    }
}

/// Every comment of `text`, in source order.
pub(crate) fn comments(text: &str) -> Vec<Comment> {
    let mut found = Vec::new();
    let mut chars = text.char_indices();
    let mut in_string = false;
    while let Some((offset, c)) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => {
                let line_end = text
                    .get(offset..)
                    .and_then(|rest| rest.find(LINE_END))
                    .map_or(text.len(), |n| offset + n);
                let body = text.get(offset..line_end).unwrap_or("#");
                found.push(Comment {
                    start: offset,
                    end: offset + body.trim_end().len(),
                });
                // Resume at the newline, which is outside the comment.
                while chars.as_str().len() > text.len() - line_end {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    found
}

/// The offset of the first byte at or after `from` that is neither whitespace nor part of a comment.
pub(crate) fn skip_trivia(text: &str, from: usize) -> usize {
    let mut offset = from.min(text.len());
    loop {
        let Some(rest) = text.get(offset..) else {
            return offset;
        };
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        if !trimmed.starts_with('#') {
            return offset;
        }
        offset += trimmed.find(LINE_END).unwrap_or(trimmed.len());
    }
}

/// The end of the source range `[start, end)` once trailing whitespace and `comments` (in source order)
/// are dropped
/// (the parser's spans may run over the whitespace and comments that follow a statement).
pub(crate) fn trim_end(text: &str, comments: &[Comment], start: usize, end: usize) -> usize {
    let mut end = end.min(text.len());
    loop {
        let Some(before) = text.get(start..end) else {
            return end;
        };
        end = start + before.trim_end().len();
        // Comments are in source order: the only one that can end at `end` is the last to start before it.
        let last_before = comments.partition_point(|c| c.start < end).checked_sub(1);
        match last_before.and_then(|i| comments.get(i)) {
            Some(comment) if comment.start >= start && end <= comment.end => end = comment.start,
            _ => return end,
        }
    }
}

/// Whether a blank line separates `offset` from the previous non-blank character.
pub(crate) fn blank_line_before(text: &str, offset: usize) -> bool {
    let Some(before) = text.get(..offset.min(text.len())) else {
        return false;
    };
    before
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .filter(|&c| c == '\n')
        .count()
        >= 2
}

/// Whether the source between `from` and `to` contains a line break.
pub(crate) fn line_break_between(text: &str, from: usize, to: usize) -> bool {
    from < to
        && text
            .get(from..to)
            .map_or(true, |between| between.contains('\n'))
}

/// The offset just after the first `{` at or after `from` that is outside strings and comments.
pub(crate) fn after_open_brace(text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut chars = rest.char_indices();
    let mut in_string = false;
    while let Some((offset, c)) = chars.next() {
        match (in_string, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') | (false, '"') => in_string = !in_string,
            (false, '#') => {
                let skip = rest.get(offset..)?.find(LINE_END)?;
                let stop = offset + skip;
                while chars.as_str().len() > rest.len() - stop {
                    chars.next();
                }
            }
            (false, '{') => return Some(from + offset + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_end_at_a_carriage_return() {
        let text = "# a\rkeep # b\r\n";
        let found: Vec<_> = comments(text).iter().map(|c| c.text(text)).collect();
        assert_eq!(found, ["# a", "# b"]);
        assert_eq!(skip_trivia(text, 0), text.find('k').unwrap());
    }

    #[test]
    fn comments_outside_strings_only() {
        let text = "a \"x # not\" # yes\n# own \"line\"\nb \"\\\"#\" #end";
        let found: Vec<_> = comments(text).iter().map(|c| c.text(text)).collect();
        assert_eq!(found, ["# yes", "# own \"line\"", "#end"]);
    }

    #[test]
    fn trivia_and_braces() {
        let text = "x # c {\n  \n y { z }";
        assert_eq!(skip_trivia(text, 1), text.find('\n').unwrap() + 5);
        assert_eq!(
            after_open_brace(text, 0),
            Some(text.rfind('{').unwrap() + 1)
        );
        assert!(blank_line_before(text, text.find('y').unwrap()));
        assert!(!blank_line_before(text, text.find('z').unwrap()));
    }
}
