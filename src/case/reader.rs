//! Reading case files (YAML, JSON, JSONL, standard input) into a [`CaseBatch`].
//!
//! [`CaseReader`] accumulates any number of sources: YAML and JSON cases are
//! complete as soon as they are read, JSONL events are grouped across all
//! sources and completed by [`CaseReader::finish`].

use super::build::{self, Problem};
use super::node::{
    json_message, KeyLines, LineCounter, Lines, Node, NodeKind, NodeSeed, Root, RootSeed,
};
use super::{Case, CaseBatch, CaseFormat, JsonlGrouper, Location, ReadOptions, Rejected, Value};
use crate::limits::{MAX_CASE_FILE_BYTES, MAX_CASE_NESTING};
use serde::de::DeserializeSeed;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A case built from its node, with the line the node starts on; or why it could not be.
type Built = (Option<usize>, Result<Case, (Option<String>, Problem)>);

/// Why a case source could not be read at all (as opposed to a rejected case).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file or standard input could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path as given (`-` for standard input).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's extension names no case format.
    #[error("cannot tell the case format of `{path}` (use .yaml, .yml, .json or .jsonl)")]
    UnknownFormat {
        /// The path as given.
        path: PathBuf,
    },
}

/// The line where `[` and `{` in `text` first nest deeper than [`MAX_CASE_NESTING`], if they do.
///
/// The YAML parser's time grows with the square of the nesting, so a bomb of brackets is refused
/// before it is parsed. Brackets in comments and quoted texts do not count; a quote starts a text
/// only where a value can start, so the `'` of `don't` is not one.
fn yaml_nested_too_deeply(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut previous = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let value_can_start = matches!(
            previous,
            '\n' | ' ' | '\t' | ':' | '-' | '[' | '{' | ',' | '?'
        );
        match c {
            '\n' => line += 1,
            '#' if matches!(previous, '\n' | ' ' | '\t') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
                previous = '\n';
                continue;
            }
            '"' | '\'' if value_can_start => {
                let mut escaped = false;
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        line += 1;
                    }
                    if c == '"' && inner == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if inner == c && !escaped {
                        break;
                    }
                    escaped = false;
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_CASE_NESTING {
                    return Some(line);
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

/// Whether `text` holds nothing but white space: such a source is reported, not read as no cases
/// unseen. (A file of comments alone, or an empty list, is written so on purpose: no cases.)
fn holds_nothing(text: &str) -> bool {
    text.trim().is_empty()
}

/// The items of a JSON text that is a list, as (start, end, line of the start): found by their
/// brackets, commas and strings alone, so that each can be parsed on its own. `None` when `text`
/// is not a list whose brackets match with nothing after it (it is then parsed whole, for its
/// error), or when an item is empty (`[1,,2]`, a trailing comma).
fn json_list_items(text: &str) -> Option<Vec<(usize, usize, usize)>> {
    let bytes = text.as_bytes();
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes.get(first) != Some(&b'[') {
        return None;
    }
    let mut items = Vec::new();
    let mut open: Vec<u8> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut line = 1 + bytes.iter().take(first).filter(|b| **b == b'\n').count();
    let (mut start, mut start_line) = (first + 1, line);
    let mut end = None;
    for (at, &byte) in bytes.iter().enumerate().skip(first + 1) {
        if byte == b'\n' {
            line += 1;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => open.push(byte),
            b']' | b'}' => {
                let Some(opened) = open.pop() else {
                    if byte != b']' {
                        return None;
                    }
                    items.push((start, at, start_line));
                    end = Some(at);
                    break;
                };
                if (opened, byte) != (b'[', b']') && (opened, byte) != (b'{', b'}') {
                    return None;
                }
            }
            b',' if open.is_empty() => {
                items.push((start, at, start_line));
                (start, start_line) = (at + 1, line);
            }
            _ => {}
        }
    }
    let end = end?;
    if !bytes.get(end + 1..)?.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let blank = |&(start, end, _): &(usize, usize, usize)| {
        bytes
            .get(start..end)
            .map_or(true, |item| item.iter().all(u8::is_ascii_whitespace))
    };
    match items.as_slice() {
        [only] if blank(only) => Some(Vec::new()),
        _ if items.iter().any(blank) => None,
        _ => Some(items),
    }
}

/// A YAML error message about a text that started `before` lines into the file, with its lines
/// (`at line 3 column 1`) counted from the start of the file.
fn shift_lines(message: &str, before: usize) -> String {
    if before == 0 {
        return message.to_owned();
    }
    let mut shifted = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let (head, tail) = rest.split_at(at + "line ".len());
        shifted.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = tail.split_at(digits);
        match number.parse::<usize>() {
            Ok(line) => shifted.push_str(&(line + before).to_string()),
            Err(_) => shifted.push_str(number),
        }
        rest = after;
    }
    shifted.push_str(rest);
    shifted
}

/// The start of the first line after `start` (the start of a line, `before` lines into `text`),
/// and at or after line `line`, that begins a YAML document (`---`), with the number of lines
/// before it.
fn next_document(text: &str, start: usize, before: usize, line: usize) -> Option<(usize, usize)> {
    let mut offset = start;
    for (index, text_line) in text.get(start..)?.split_inclusive('\n').enumerate() {
        let (here, number) = (offset, before + index + 1);
        offset += text_line.len();
        if here == start || number < line {
            continue;
        }
        let Some(marker) = text_line.strip_prefix("---") else {
            continue;
        };
        if marker.is_empty() || marker.starts_with([' ', '\t', '\r', '\n']) {
            return Some((here, number - 1));
        }
    }
    None
}

/// `Ok` when `path` (links followed) may be read whole as a YAML or JSON source: a regular file,
/// or a device (read up to [`MAX_CASE_FILE_BYTES`]); the reason otherwise (a named pipe, a
/// folder, a link that leads nowhere), found from its metadata alone.
fn readable_whole(path: &Path) -> std::io::Result<()> {
    let device = std::fs::metadata(path).is_ok_and(|m| is_device(&m.file_type()));
    if device {
        return Ok(());
    }
    crate::check::load::regular_file(path)
}

/// Whether `file_type` is a character or block device.
#[cfg(unix)]
fn is_device(file_type: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    file_type.is_char_device() || file_type.is_block_device()
}

/// Whether `file_type` is a device: never known here.
#[cfg(not(unix))]
fn is_device(_file_type: &std::fs::FileType) -> bool {
    false
}

/// The rejection of a YAML or JSON case file over [`MAX_CASE_FILE_BYTES`]: `size` bytes, or more
/// than the limit when its size is not known before it is read (standard input, a device).
fn file_too_large(size: Option<u64>) -> String {
    let size = match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {MAX_CASE_FILE_BYTES} bytes"),
    };
    format!(
        "case file is too large ({size}; a YAML or JSON case file may have at most \
         {MAX_CASE_FILE_BYTES}): split it, or write the cases as JSON Lines, which are read line by line"
    )
}

/// The first lines of standard input looked at to guess its format: at most this many bytes…
const SNIFF_BYTES: usize = 64 * 1024;
/// … and this many lines.
const SNIFF_LINES: usize = 100;

/// Standard input, and its format: `format` when given, else guessed from its first lines
/// ([`CaseFormat::sniff`]), which are read ahead and handed back at the start of the reader.
/// Nothing else is read: JSON Lines can then be read line by line, as a file is.
pub fn open_stdin(
    format: Option<CaseFormat>,
) -> std::io::Result<(CaseFormat, impl std::io::BufRead)> {
    let mut stdin = std::io::stdin();
    let mut prefix = Vec::new();
    if format.is_none() {
        let mut chunk = [0u8; 8192];
        while prefix.len() < SNIFF_BYTES
            && prefix.iter().filter(|&&b| b == b'\n').count() < SNIFF_LINES
        {
            match stdin.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => prefix.extend_from_slice(chunk.get(..read).unwrap_or_default()),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
    let format = format.unwrap_or_else(|| CaseFormat::sniff(&String::from_utf8_lossy(&prefix)));
    let reader =
        std::io::BufReader::with_capacity(1 << 17, std::io::Cursor::new(prefix).chain(stdin));
    Ok((format, reader))
}

/// Reads cases from text; `source` is the display name used in `file:line` locations.
pub fn read_str(source: &str, text: &str, format: CaseFormat, opts: &ReadOptions) -> CaseBatch {
    let mut reader = CaseReader::new(opts.clone());
    reader.add_str(source, text, format);
    reader.finish()
}

/// Reads one case file, its format taken from its extension; `-` reads standard input
/// and guesses the format ([`CaseFormat::sniff`]).
pub fn read_path(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<CaseBatch, ReadError> {
    let mut reader = CaseReader::new(opts.clone());
    reader.add_path(path.as_ref(), None)?;
    Ok(reader.finish())
}

/// Reads many case sources into one batch.
///
/// Output order: YAML and JSON cases in the order read, then JSONL cases in the
/// order their ids were first seen. A case id read twice from YAML or JSON rejects
/// the later case; a JSONL case whose id was already read from YAML or JSON is
/// rejected too.
#[derive(Debug, Default)]
pub struct CaseReader {
    opts: ReadOptions,
    cases: Vec<Case>,
    rejected: Vec<Rejected>,
    /// Case id → where it was first read (YAML and JSON).
    seen: HashMap<String, Location>,
    jsonl: JsonlGrouper,
}

impl CaseReader {
    /// A reader interpreting times and ranks with `opts`.
    pub fn new(opts: ReadOptions) -> Self {
        CaseReader {
            jsonl: JsonlGrouper::new(opts.clone()),
            opts,
            ..CaseReader::default()
        }
    }

    /// Reads a file (or `-` for standard input); `format` overrides the extension or the guess.
    /// A YAML or JSON file is read up to [`MAX_CASE_FILE_BYTES`] and rejected whole past it (a
    /// regular file unread, from its size); JSON Lines are read line by line.
    pub fn add_path(&mut self, path: &Path, format: Option<CaseFormat>) -> Result<(), ReadError> {
        let io_error = |source| ReadError::Io {
            path: path.to_owned(),
            source,
        };
        if path == Path::new("-") {
            let (format, reader) = open_stdin(format).map_err(io_error)?;
            if format == CaseFormat::Jsonl {
                return self.jsonl.push_reader("<stdin>", reader).map_err(io_error);
            }
            return self.add_read("<stdin>", reader, format).map_err(io_error);
        }
        let Some(format) = format.or_else(|| CaseFormat::from_path(path)) else {
            return Err(ReadError::UnknownFormat {
                path: path.to_owned(),
            });
        };
        let source = path.display().to_string();
        if format != CaseFormat::Jsonl {
            // A named pipe is refused without being opened (reading one whole would wait for a
            // writer); so is a link that leads nowhere, saying so. A device is read up to the
            // limit below, as standard input is.
            readable_whole(path).map_err(io_error)?;
        }
        let file = std::fs::File::open(path).map_err(io_error)?;
        if format == CaseFormat::Jsonl {
            return self
                .jsonl
                .push_reader(&source, std::io::BufReader::new(file))
                .map_err(io_error);
        }
        let metadata = file.metadata().map_err(io_error)?;
        let size = metadata.len();
        if metadata.is_file()
            && usize::try_from(size).map_or(true, |size| size > MAX_CASE_FILE_BYTES)
        {
            self.reject_file(&source, 1, file_too_large(Some(size)));
            return Ok(());
        }
        self.add_read(&source, file, format).map_err(io_error)
    }

    /// Reads YAML or JSON cases from `reader` (named `source` in locations), at most
    /// [`MAX_CASE_FILE_BYTES`] of it: past that, the source is rejected whole and the rest is not
    /// read. Text that is not UTF-8 is an error.
    pub fn add_read(
        &mut self,
        source: &str,
        reader: impl Read,
        format: CaseFormat,
    ) -> std::io::Result<()> {
        let limit = u64::try_from(MAX_CASE_FILE_BYTES).unwrap_or(u64::MAX);
        let mut bytes = Vec::new();
        reader
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() > MAX_CASE_FILE_BYTES {
            self.reject_file(source, 1, file_too_large(None));
            return Ok(());
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )
        })?;
        self.add_str(source, &text, format);
        Ok(())
    }

    /// Reads text in `format`; `source` names it in locations. A leading byte-order mark is skipped.
    /// YAML and JSON text longer than [`MAX_CASE_FILE_BYTES`] is rejected whole.
    pub fn add_str(&mut self, source: &str, text: &str, format: CaseFormat) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if format != CaseFormat::Jsonl && holds_nothing(text) {
            let what = if text.is_empty() { "empty" } else { "blank" };
            self.reject_file(source, 1, format!("no case: the text is {what}"));
            return;
        }
        if format != CaseFormat::Jsonl && text.len() > MAX_CASE_FILE_BYTES {
            let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
            self.reject_file(source, 1, file_too_large(Some(size)));
            return;
        }
        match format {
            CaseFormat::Jsonl => self.jsonl.push_text(source, text),
            CaseFormat::Json => {
                // A list is read one case at a time, so that a case that cannot be read (a
                // number out of range, a value nested too deeply, a syntax error inside it) is
                // rejected alone and the others are read.
                if let Some(items) = json_list_items(text) {
                    for (start, end, line) in items {
                        let item = text.get(start..end).unwrap_or_default();
                        self.add_json_case(source, item, line);
                    }
                    return;
                }
                // Read through `io::Read`, counting the line breaks read (the reader over a `&str`
                // would count the lines from the start of the text for every position asked).
                let line = std::cell::Cell::new(1);
                let counter = LineCounter {
                    text: text.as_bytes(),
                    line: &line,
                };
                let mut deserializer = serde_json::Deserializer::from_reader(counter);
                let mut built = Vec::new();
                let seed = NodeSeed {
                    lines: Lines::Counted(&line),
                    keys: KeyLines::Case,
                    budget: None,
                };
                let parsed = RootSeed {
                    seed,
                    each: &mut |node| built.push(self.build(node)),
                }
                .deserialize(&mut deserializer)
                .and_then(|root| deserializer.end().map(|()| root));
                match parsed {
                    Ok(root) => self.add_root(source, root, built),
                    Err(error) => {
                        let message = format!("invalid json: {}", json_message(&error));
                        self.reject_file(source, error.line(), message);
                    }
                }
            }
            CaseFormat::Yaml => {
                if let Some(line) = yaml_nested_too_deeply(text) {
                    self.reject_file(
                        source,
                        line,
                        format!("invalid yaml: brackets nested more than {MAX_CASE_NESTING} deep"),
                    );
                    return;
                }
                // A file without aliases has fewer values than bytes; aliases may repeat values up
                // to that many in all, so that a small file cannot expand without bound.
                let budget = std::cell::Cell::new(text.len().saturating_add(1));
                // After a document that does not parse, reading starts again at the next `---`
                // line: the later documents are read (and counted) all the same.
                let mut from = Some((0, 0));
                while let Some((start, before)) = from.take() {
                    let seed = NodeSeed {
                        lines: Lines::Probed(before),
                        keys: KeyLines::Case,
                        budget: Some(&budget),
                    };
                    let rest = text.get(start..).unwrap_or_default();
                    for document in serde_yaml::Deserializer::from_str(rest) {
                        let mut built = Vec::new();
                        let parsed = RootSeed {
                            seed,
                            each: &mut |node| built.push(self.build(node)),
                        }
                        .deserialize(document);
                        match parsed {
                            Ok(root) => self.add_root(source, root, built),
                            Err(error) => {
                                let line =
                                    before + error.location().map_or(1, |place| place.line());
                                let message = shift_lines(&error.to_string(), before);
                                self.reject_file(source, line, format!("invalid yaml: {message}"));
                                if budget.get() > 0 {
                                    from = next_document(text, start, before, line);
                                }
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads `text`, one case of a JSON list that starts on line `line`.
    fn add_json_case(&mut self, source: &str, text: &str, line: usize) {
        let counted = std::cell::Cell::new(line);
        let counter = LineCounter {
            text: text.as_bytes(),
            line: &counted,
        };
        let mut deserializer = serde_json::Deserializer::from_reader(counter);
        let seed = NodeSeed {
            lines: Lines::Counted(&counted),
            keys: KeyLines::Case,
            budget: None,
        };
        let parsed = seed
            .deserialize(&mut deserializer)
            .and_then(|node| deserializer.end().map(|()| node));
        match parsed {
            Ok(node) => {
                let case = self.build(node);
                self.add_case(source, case);
            }
            Err(error) => {
                let message = format!("invalid json: {}", json_message(&error));
                self.reject_file(source, line + error.line().saturating_sub(1), message);
            }
        }
    }

    /// Returns everything read, with the JSONL cases grouped.
    pub fn finish(self) -> CaseBatch {
        let mut batch = CaseBatch {
            cases: self.cases,
            rejected: self.rejected,
        };
        // JSON Lines: the lines that name no case, then each case in first-seen order, rejected
        // when it cannot be read or when its id was read from YAML or JSON.
        let (lines, cases) = self.jsonl.finish_numbered();
        batch.rejected.extend(lines);
        for numbered in cases {
            match numbered.case() {
                Err(rejected) => batch.rejected.push(rejected),
                // A JSON Lines case always has its first line.
                Ok(case) => match (self.seen.get(&case.id), &case.source) {
                    (Some(first), Some(source)) => batch.rejected.push(Rejected {
                        source: source.clone(),
                        error: format!("duplicate case id `{}` (first read at {first})", case.id),
                        case: Some(case.id),
                    }),
                    _ => batch.cases.push(case),
                },
            }
        }
        batch
    }

    fn reject_file(&mut self, source: &str, line: usize, error: String) {
        self.rejected.push(Rejected {
            source: Location::new(source, line.max(1)),
            case: None,
            error,
        });
    }

    /// Builds a case from its node as soon as the node is read, so that the node can go.
    fn build(&self, node: Node) -> Built {
        let line = node.line;
        (line, build::case(node, &self.opts))
    }

    /// Adds a document that was read whole: one case, the cases built from a list (`built`), or
    /// nothing (an empty document).
    fn add_root(&mut self, source: &str, root: Root, built: Vec<Built>) {
        let root = match root {
            Root::Listed => {
                for case in built {
                    self.add_case(source, case);
                }
                return;
            }
            Root::One(root) => root,
        };
        match root.kind {
            NodeKind::Map(_) => {
                let case = self.build(root);
                self.add_case(source, case);
            }
            NodeKind::List(_) | NodeKind::Scalar(Value::Null) => {}
            NodeKind::Scalar(_) | NodeKind::Unreadable(_) => {
                let problem = Problem::new(root.line, "expected a case or a list of cases");
                self.reject(source, None, None, problem);
            }
        }
    }

    fn add_case(&mut self, source: &str, (case_line, built): Built) {
        match built {
            Ok(mut case) => {
                let place = Location::new(source, case_line.unwrap_or(1));
                if let Some(first) = self.seen.get(&case.id) {
                    let problem = Problem::new(
                        case_line,
                        format!("duplicate case id `{}` (first read at {first})", case.id),
                    );
                    self.reject(source, case_line, Some(case.id), problem);
                    return;
                }
                self.seen.insert(case.id.clone(), place.clone());
                case.source = Some(place);
                self.cases.push(case);
            }
            Err((id, problem)) => self.reject(source, case_line, id, problem),
        }
    }

    fn reject(
        &mut self,
        source: &str,
        case_line: Option<usize>,
        case: Option<String>,
        problem: Problem,
    ) {
        let line = problem.line.or(case_line).unwrap_or(1);
        self.rejected.push(Rejected {
            source: Location::new(source, line),
            case,
            error: problem.message,
        });
    }
}
