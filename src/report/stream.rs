//! Writing a report while its cases are still being evaluated.
//!
//! [`ReportWriter`] writes the same bytes as [`Report::emit`] would for the
//! whole report, one case at a time: the header first, each case as it comes,
//! then the objectives, the rejected cases and the counts. YAML is the one
//! format not written as it goes (its cases are held until the end).

use super::{
    compact, human, CaseReport, EmitError, Format, Instant, ObjectiveReport, PolicyRef,
    RejectedCase, Report, Summary, SummaryLine,
};
use serde::Serialize;
use serde_json::ser::Formatter;
use std::cell::RefCell;
use std::io::{self, Write};

/// Writes a report in a [`Format`], case by case.
#[derive(Debug)]
pub struct ReportWriter<W: Write> {
    format: Format,
    out: W,
    as_of: Instant,
    policy: PolicyRef,
    /// Cases written so far.
    written: usize,
    /// YAML only: the cases, written at the end.
    held: Vec<CaseReport>,
}

/// The `--format json` layout of serde_json's pretty printer (two spaces a level), for a value
/// that starts `depth` levels into the report: the same bytes `serde_json::to_string_pretty`
/// writes for that value inside the whole report.
struct Nested {
    /// The current level.
    depth: usize,
    /// Whether the array or object being written has a value yet.
    has_value: bool,
}

impl Nested {
    /// Ends a line and indents the next one to the current level.
    fn newline<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"\n")?;
        for _ in 0..self.depth {
            out.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Opens an array or object with `bracket`.
    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    /// Closes an array or object with `bracket`, on its own line unless it is empty.
    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.newline(out)?;
        }
        out.write_all(bracket)
    }

    /// Starts an item of an array or an entry of an object on a line of its own.
    fn item<W: ?Sized + Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.newline(out)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` pretty-printed as it stands `depth` levels into the report: its first line
/// where the writer is, every other line indented by `depth` levels.
fn write_nested<W: Write, T: Serialize + ?Sized>(
    out: W,
    value: &T,
    depth: usize,
) -> Result<(), EmitError> {
    let formatter = Nested {
        depth,
        has_value: false,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))?;
    Ok(())
}

/// A case rendered in a format, ready for [`ReportWriter::place`].
#[derive(Debug)]
pub struct RenderedCase(Rendered);

#[derive(Debug)]
enum Rendered {
    /// The case's text (JSON: without the separator before it).
    Text(Vec<u8>),
    /// YAML: the case itself, written with the whole report at the end.
    Held(Box<CaseReport>),
}

impl RenderedCase {
    /// The case's text, or the case back when the format holds cases until the end (YAML).
    pub(crate) fn into_text(self) -> Result<Vec<u8>, RenderedCase> {
        match self.0 {
            Rendered::Text(text) => Ok(text),
            held => Err(RenderedCase(held)),
        }
    }

    /// A case's text as [`RenderedCase::into_text`] gave it.
    pub(crate) fn from_text(text: Vec<u8>) -> RenderedCase {
        RenderedCase(Rendered::Text(text))
    }
}

/// Rejected cases read one at a time as they are serialized (a list of unknown length); the
/// first error reading them stops the serialization and is kept.
struct Streamed<'r> {
    items: RefCell<&'r mut dyn Iterator<Item = io::Result<RejectedCase>>>,
    error: RefCell<Option<io::Error>>,
}

impl Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut items = self.items.borrow_mut();
        let mut list = serializer.serialize_seq(None)?;
        for item in &mut **items {
            match item {
                Ok(rejected) => list.serialize_element(&rejected)?,
                Err(error) => {
                    let message = error.to_string();
                    *self.error.borrow_mut() = Some(error);
                    return Err(S::Error::custom(message));
                }
            }
        }
        list.end()
    }
}

impl Streamed<'_> {
    /// The error of reading the rejected cases, if one stopped `result`, else `result`'s.
    fn outcome(&self, result: Result<(), EmitError>) -> Result<(), EmitError> {
        match self.error.borrow_mut().take() {
            Some(error) => Err(EmitError::Io(error)),
            None => result,
        }
    }
}

/// Renders one case in `format`. It needs no writer, so many cases can be rendered at once (on
/// several threads) and then placed in order.
pub fn render_case(format: Format, case: CaseReport) -> Result<RenderedCase, EmitError> {
    let rendered = match format {
        Format::Json => {
            let mut text = b"    ".to_vec();
            write_nested(&mut text, &case, 2)?;
            Rendered::Text(text)
        }
        Format::Jsonl => Rendered::Text(jsonl_line(&case)?),
        Format::Human => {
            let mut text = String::new();
            human::case(&mut text, &case);
            Rendered::Text(text.into_bytes())
        }
        Format::Yaml => Rendered::Held(Box::new(case)),
    };
    Ok(RenderedCase(rendered))
}

/// The compact JSON text of `case`: the bytes `serde_json::to_string(case)` gives, written by the
/// JSON Lines emitter's serializer, faster (for callers that hand reports on one at a time, such
/// as the Python package).
pub fn case_json(case: &CaseReport) -> String {
    let mut text = Vec::with_capacity(4096);
    if compact::write(&mut text, case).is_err() {
        // A report's Serialize never fails; serde_json's own writer says the same if it did.
        return serde_json::to_string(case).unwrap_or_default();
    }
    // The writer writes UTF-8 only: the lossy path is never taken.
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

thread_local! {
    /// The buffer each thread writes a JSONL case into; it keeps the size of the largest case.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The JSONL line of `case`, newline included, in a buffer of its size: it is written into the
/// thread's scratch buffer, then copied, so neither grows while it is written and a case waiting
/// to be placed holds no spare room.
fn jsonl_line(case: &CaseReport) -> Result<Vec<u8>, EmitError> {
    let write = |text: &mut Vec<u8>| -> Result<(), EmitError> {
        compact::write(text, case)?;
        text.push(b'\n');
        Ok(())
    };
    let copied = SCRATCH.try_with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        scratch.clear();
        Some(write(&mut scratch).map(|()| scratch.to_vec()))
    });
    copied.ok().flatten().unwrap_or_else(|| {
        // The scratch buffer is gone (the thread is ending) or in use.
        let mut text = Vec::with_capacity(4096);
        write(&mut text).map(|()| text)
    })
}

impl<W: Write> ReportWriter<W> {
    /// Starts a report of the run at `as_of` under `policy`, writing its header to `out`.
    pub fn new(
        format: Format,
        as_of: Instant,
        policy: PolicyRef,
        mut out: W,
    ) -> Result<Self, EmitError> {
        match format {
            Format::Json => {
                out.write_all(b"{\n  \"as_of\": ")?;
                serde_json::to_writer(&mut out, &as_of)?;
                out.write_all(b",\n  \"policy\": ")?;
                write_nested(&mut out, &policy, 1)?;
                out.write_all(b",\n  \"cases\": [")?;
            }
            Format::Human => {
                let mut text = String::new();
                human::header(&mut text, &policy, &as_of);
                out.write_all(text.as_bytes())?;
            }
            Format::Jsonl | Format::Yaml => {}
        }
        Ok(ReportWriter {
            format,
            out,
            as_of,
            policy,
            written: 0,
            held: Vec::new(),
        })
    }

    /// Writes one case.
    pub fn case(&mut self, case: CaseReport) -> Result<(), EmitError> {
        let rendered = render_case(self.format, case)?;
        self.place(rendered)
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes a case rendered by [`render_case`] in this writer's format.
    pub fn place(&mut self, rendered: RenderedCase) -> Result<(), EmitError> {
        match rendered.0 {
            Rendered::Text(text) => {
                if self.format == Format::Json {
                    let separator = if self.written == 0 { "\n" } else { ",\n" };
                    self.out.write_all(separator.as_bytes())?;
                }
                self.out.write_all(&text)?;
            }
            Rendered::Held(case) => self.held.push(*case),
        }
        self.written += 1;
        Ok(())
    }

    /// Writes the end of the report and returns the output.
    pub fn finish(
        self,
        objectives: Vec<ObjectiveReport>,
        rejected: Vec<RejectedCase>,
        summary: Summary,
    ) -> Result<W, EmitError> {
        self.finish_streaming(objectives, &mut rejected.into_iter().map(Ok), summary)
    }

    /// [`ReportWriter::finish`] with the rejected cases read one at a time from `rejected`, so
    /// that they are never all held (except for YAML, written whole); an error reading them
    /// stops the writing.
    pub fn finish_streaming(
        mut self,
        objectives: Vec<ObjectiveReport>,
        rejected: &mut dyn Iterator<Item = io::Result<RejectedCase>>,
        summary: Summary,
    ) -> Result<W, EmitError> {
        let streamed = Streamed {
            items: RefCell::new(rejected),
            error: RefCell::new(None),
        };
        match self.format {
            Format::Json => {
                let close: &[u8] = if self.written == 0 { b"]" } else { b"\n  ]" };
                self.out.write_all(close)?;
                self.out.write_all(b",\n  \"objectives\": ")?;
                write_nested(&mut self.out, &objectives, 1)?;
                self.out.write_all(b",\n  \"rejected\": ")?;
                let written = write_nested(&mut self.out, &streamed, 1);
                streamed.outcome(written)?;
                self.out.write_all(b",\n  \"summary\": ")?;
                write_nested(&mut self.out, &summary, 1)?;
                self.out.write_all(b"\n}\n")?;
            }
            Format::Jsonl => {
                let written = serde_json::to_writer(
                    &mut self.out,
                    &SummaryLine {
                        as_of: &self.as_of,
                        policy: &self.policy,
                        objectives: &objectives,
                        rejected: &streamed,
                        summary: &summary,
                    },
                );
                streamed.outcome(written.map_err(EmitError::from))?;
                self.out.write_all(b"\n")?;
            }
            Format::Human => {
                let mut text = String::new();
                human::objective_table(&mut text, &objectives);
                for rejected in streamed.items.into_inner() {
                    human::rejected_line(&mut text, &rejected?);
                    if text.len() >= 1 << 16 {
                        self.out.write_all(text.as_bytes())?;
                        text.clear();
                    }
                }
                human::counts(&mut text, &summary);
                self.out.write_all(text.as_bytes())?;
            }
            Format::Yaml => {
                let rejected = streamed
                    .items
                    .into_inner()
                    .collect::<io::Result<Vec<RejectedCase>>>()?;
                let report = Report {
                    as_of: self.as_of,
                    policy: self.policy.clone(),
                    cases: std::mem::take(&mut self.held),
                    objectives,
                    rejected,
                    summary,
                };
                self.out
                    .write_all(serde_yaml::to_string(&report)?.as_bytes())?;
            }
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
