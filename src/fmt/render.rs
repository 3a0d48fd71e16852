//! From layout and comments to text: indentation, blank lines, and each comment put back next to its statement.
//!
//! Placement rules, applied to the flat list of output lines (block heads,
//! statements and closing braces, each with the source range it came from):
//! - a comment with only whitespace between it and the end of the previous
//!   line's source, on the same source line, stays at the end of that line;
//! - every other comment goes on its own line just before the next line (inside
//!   the block when that line is a closing brace), or at the end of the file;
//! - a blank line is kept (one at most) where the source has one, except right
//!   after `{` and before `}`; top-level blocks are always separated by one.

use super::layout::{Block, Node};
use super::trivia::{blank_line_before, line_break_between, Comment};

/// Indentation of one block level.
const INDENT: &str = "  ";

/// What an output line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A block head ending in `{`.
    Open,
    /// A statement.
    Stmt,
    /// A closing `}`.
    Close,
}

/// One output line with the source range it came from.
#[derive(Debug)]
struct Line {
    depth: usize,
    text: String,
    start: usize,
    end: usize,
    role: Role,
    /// This line starts a top-level item that must be preceded by a blank line.
    separated: bool,
}

/// Where a comment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// On its own line before output line `n`.
    Before(usize),
    /// At the end of output line `n`.
    After(usize),
    /// On its own line at the end of the file.
    End,
}

/// The formatted text of `items`, whose source is `text`, with `comments` put back.
pub(crate) fn render(items: &[Node], comments: &[Comment], text: &str) -> String {
    let lines = flatten(items);
    // INVARIANT: `reach` is non-decreasing, so it can be searched by bisection.
    let reach: Vec<usize> = lines
        .iter()
        .scan(0, |furthest, line| {
            *furthest = line.end.max(*furthest);
            Some(*furthest)
        })
        .collect();
    let mut before = vec![Vec::new(); lines.len()];
    let mut after = vec![Vec::new(); lines.len()];
    let mut at_end = Vec::new();
    for comment in comments {
        let list = match slot(&lines, &reach, comment, text) {
            Slot::Before(index) => before.get_mut(index),
            Slot::After(index) => after.get_mut(index),
            Slot::End => None,
        };
        list.unwrap_or(&mut at_end).push(comment);
    }
    let mut out = Output::default();
    for ((line, before), after) in lines.iter().zip(&before).zip(&after) {
        let mut separated = line.separated;
        let comment_depth = match line.role {
            Role::Close => line.depth + 1,
            Role::Open | Role::Stmt => line.depth,
        };
        for comment in before {
            let blank = separated || blank_line_before(text, comment.start);
            out.line(comment_depth, comment.text(text), blank, false);
            separated = false;
        }
        let blank = line.role != Role::Close && (separated || blank_line_before(text, line.start));
        out.line(line.depth, &line.text, blank, line.role == Role::Open);
        for comment in after {
            out.trailing(comment.text(text));
        }
    }
    for comment in at_end {
        let blank = blank_line_before(text, comment.start);
        out.line(0, comment.text(text), blank, false);
    }
    out.text
}

/// Where `comment` goes among `lines`.
/// `reach[i]` is the furthest source end among `lines[..=i]`.
fn slot(lines: &[Line], reach: &[usize], comment: &Comment, text: &str) -> Slot {
    // The first line whose source ends after the comment starts.
    let next = reach.partition_point(|&end| end <= comment.start);
    let next_starts_after = lines
        .get(next)
        .map_or(true, |line| line.start >= comment.start);
    if let Some(previous) = next.checked_sub(1).and_then(|i| lines.get(i)) {
        if next_starts_after && !line_break_between(text, previous.end, comment.start) {
            return Slot::After(next - 1);
        }
    }
    if next < lines.len() {
        Slot::Before(next)
    } else {
        Slot::End
    }
}

/// The output lines of `items`, in order.
fn flatten(items: &[Node]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut previous_was_block = None;
    for item in items {
        let is_block = matches!(item, Node::Block(_));
        let first = lines.len();
        flatten_node(item, 0, &mut lines);
        if let (Some(previous), Some(line)) = (previous_was_block, lines.get_mut(first)) {
            line.separated = previous || is_block;
        }
        previous_was_block = Some(is_block);
    }
    lines
}

fn flatten_node(node: &Node, depth: usize, lines: &mut Vec<Line>) {
    match node {
        Node::Stmt(stmt) => lines.push(Line {
            depth,
            text: stmt.text.clone(),
            start: stmt.start,
            end: stmt.end,
            role: Role::Stmt,
            separated: false,
        }),
        Node::Block(block) => flatten_block(block, depth, lines),
    }
}

fn flatten_block(block: &Block, depth: usize, lines: &mut Vec<Line>) {
    lines.push(Line {
        depth,
        text: block.head.clone(),
        start: block.start,
        end: block.open_end,
        role: Role::Open,
        separated: false,
    });
    for child in &block.children {
        flatten_node(child, depth + 1, lines);
    }
    lines.push(Line {
        depth,
        text: "}".to_string(),
        start: block.close_start,
        end: block.end,
        role: Role::Close,
        separated: false,
    });
}

/// The text being built, and what its last line was.
#[derive(Default)]
struct Output {
    text: String,
    /// The last line written opened a block (no blank line may follow it).
    after_open: bool,
}

impl Output {
    /// Writes one line at `depth`, after a blank line when `blank` and the position allows one;
    /// `opens` when the line is a block head.
    fn line(&mut self, depth: usize, content: &str, blank: bool, opens: bool) {
        if blank && !self.text.is_empty() && !self.after_open {
            self.text.push('\n');
        }
        for _ in 0..depth {
            self.text.push_str(INDENT);
        }
        self.text.push_str(content);
        self.text.push('\n');
        self.after_open = opens;
    }

    /// Appends a comment to the last line written.
    fn trailing(&mut self, comment: &str) {
        if self.text.ends_with('\n') {
            self.text.pop();
        }
        self.text.push_str("  ");
        self.text.push_str(comment);
        self.text.push('\n');
    }
}
