//! Writing a report while its cases are still being evaluated.
//!
//! [`ReportWriter`] writes the same bytes as [`Report::emit`] would for the
//! whole report, one case at a time: the header first, each case as it comes,
//! then the objectives, the rejected cases and the counts. YAML is the one
//! format not written as it goes (its cases are held until the end).

use super::{
    human, json, CaseReport, EmitError, Format, Instant, ObjectiveReport, PolicyRef, RejectedCase,
    Report, Summary, SummaryLine,
};
use serde::Serialize;
use std::cell::RefCell;
use std::io::Write;

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

/// A JSON value pretty-printed at nesting depth 1 (every line after the first indented by two spaces).
fn nested<T: Serialize + ?Sized>(value: &T) -> Result<String, EmitError> {
    Ok(serde_json::to_string_pretty(value)?.replace('\n', "\n  "))
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

/// Renders one case in `format`. It needs no writer, so many cases can be rendered at once (on
/// several threads) and then placed in order.
pub fn render_case(format: Format, case: CaseReport) -> Result<RenderedCase, EmitError> {
    let rendered = match format {
        Format::Json => {
            let pretty = serde_json::to_string_pretty(&case)?;
            let mut text = String::with_capacity(pretty.len() + pretty.len() / 8);
            for (index, line) in pretty.lines().enumerate() {
                if index > 0 {
                    text.push('\n');
                }
                text.push_str("    ");
                text.push_str(line);
            }
            Rendered::Text(text.into_bytes())
        }
        Format::Jsonl => Rendered::Text(jsonl_line(&case)),
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
/// JSON Lines emitter's own writer, several times faster (for callers that hand reports on one at
/// a time, such as the Python package).
pub fn case_json(case: &CaseReport) -> String {
    let mut text = Vec::with_capacity(4096);
    json::write_case(&mut text, case);
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
fn jsonl_line(case: &CaseReport) -> Vec<u8> {
    let copied = SCRATCH.try_with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        scratch.clear();
        json::write_case(&mut scratch, case);
        scratch.push(b'\n');
        Some(scratch.to_vec())
    });
    copied.ok().flatten().unwrap_or_else(|| {
        // The scratch buffer is gone (the thread is ending) or in use.
        let mut text = Vec::with_capacity(4096);
        json::write_case(&mut text, case);
        text.push(b'\n');
        text
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
            Format::Json => write!(
                out,
                "{{\n  \"as_of\": {},\n  \"policy\": {},\n  \"cases\": [",
                serde_json::to_string(&as_of)?,
                nested(&policy)?
            )?,
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
        mut self,
        objectives: Vec<ObjectiveReport>,
        rejected: Vec<RejectedCase>,
        summary: Summary,
    ) -> Result<W, EmitError> {
        match self.format {
            Format::Json => {
                let close = if self.written == 0 { "]" } else { "\n  ]" };
                write!(
                    self.out,
                    "{close},\n  \"objectives\": {},\n  \"rejected\": {},\n  \"summary\": {}\n}}\n",
                    nested(&objectives)?,
                    nested(&rejected)?,
                    nested(&summary)?
                )?;
            }
            Format::Jsonl => {
                serde_json::to_writer(
                    &mut self.out,
                    &SummaryLine {
                        as_of: &self.as_of,
                        policy: &self.policy,
                        objectives: &objectives,
                        rejected: &rejected,
                        summary: &summary,
                    },
                )?;
                self.out.write_all(b"\n")?;
            }
            Format::Human => {
                let mut text = String::new();
                human::trailer(&mut text, &objectives, &rejected, &summary);
                self.out.write_all(text.as_bytes())?;
            }
            Format::Yaml => {
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
