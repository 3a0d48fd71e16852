//! The streaming batch engine: JSONL event streams in, reports out, exactly as whole-input
//! evaluation gives them, in a memory budget.
//!
//! Lines are read in chunks; each chunk is looked at on all cores, then its lines are grouped by
//! case in input order, each line kept in its case as text. A stream has no end-of-case marker,
//! so by default every case stays open to the end of the input; then the cases are evaluated on
//! all cores and written in the order their ids were first seen, so the output is the one of
//! whole-input evaluation, byte for byte, and does not depend on the number of threads. When the
//! open cases take more than the run's memory budget ([`BatchOptions::memory`]), they are all
//! written to temporary files by a hash of their id, and read back, evaluated and merged in
//! first-seen order at the end (`batch::spill`): the same output, in bounded memory.
//!
//! An idle window ([`BatchOptions::window`], for following a live stream) evaluates a case once
//! none of its lines has come among the last `window` lines, or earlier, idlest first, when the
//! open cases exceed the budget. A later line of such a case begins its next part, evaluated on
//! its own when it is complete, and its report says so ([`crate::report::CasePart`]); the counts
//! count the case once. Rejected lines and cases go to a temporary file past the first thousand,
//! so that no input makes them fill the memory. The rules and the figures are documented in
//! `docs/performance.md`.

mod spill;

use crate::case::{
    Case, CaseBatch, JsonlGrouper, Location, NumberedCase, ParsedLine, ReadOptions, Rejected,
};
use crate::eval::{Evaluator, ObjectivePlan, Tally};
use crate::report::{
    render_case, CasePart, CaseReport, EmitError, Instant, PolicyRef, RejectedCase, RenderedCase,
    Report, ReportWriter, Summary,
};
use chrono::{DateTime, Utc};
#[cfg(feature = "parallel")]
use rayon::{join, prelude::*};
#[cfg(not(feature = "parallel"))]
use sequential::{join, IntoParIter as _, ParIter as _};
use spill::{Partition, Record, Rejections, Run, RunWriter, Spill};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// The memory budget used when none is given: 1 GiB for the open cases of a run.
pub const DEFAULT_MEMORY: u64 = 1 << 30;

/// Lines of a chunk: complete cases, and the memory the open cases take, are looked at after each
/// chunk. A chunk is read in parts of [`PART_LINES`].
pub const CHUNK_LINES: usize = 16_384;

/// Lines read, looked at and grouped at a time within a chunk: few enough that their text, about
/// 180 KB, is still in the processor's cache when it is grouped (see `docs/performance.md`).
pub const PART_LINES: usize = 2048;

/// Complete cases evaluated at a time, before the reports that are ready are written: few enough
/// that the memory of their events and reports, written and freed, is reused while it is still in
/// the processor's cache (see `docs/performance.md`).
pub const EVALUATED_CASES: usize = 64;

/// Cases of a batch read whole ([`Batch::push_batch`]) evaluated at a time.
pub const CHUNK_CASES: usize = 4096;

/// A case rendered for output, with its counts and objective counts.
type Done = (Result<RenderedCase, EmitError>, Summary, Tally);

/// A case rendered for output with its counts and objective counts, or why it was rejected.
type Evaluated = Result<Done, Rejected>;

/// How a batch run reads and evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// The evaluation instant.
    pub as_of: DateTime<Utc>,
    /// 0 (the default): every case stays open to the end of the input, and the report is the one
    /// of whole-input evaluation. Otherwise a case is evaluated once it has had no line among this
    /// many lines, and a later line of it begins its next part.
    pub window: u64,
    /// Lines of a chunk (0: [`CHUNK_LINES`]); complete cases are looked for after each chunk, which is read in parts of at most [`PART_LINES`].
    pub chunk_lines: usize,
    /// The most memory, in bytes, the open cases may take (0: [`DEFAULT_MEMORY`]). Past it, without
    /// a window, the open cases are written to temporary files and evaluated from them at the end;
    /// with a window, the cases idle longest are evaluated early.
    pub memory: u64,
    /// Where temporary files are made (`None`: the system's temporary folder, `TMPDIR`).
    pub temp_dir: Option<PathBuf>,
}

impl BatchOptions {
    /// Whole-input evaluation at `as_of`, in the default memory budget.
    pub fn new(as_of: DateTime<Utc>) -> BatchOptions {
        BatchOptions {
            as_of,
            window: 0,
            chunk_lines: 0,
            memory: 0,
            temp_dir: None,
        }
    }
}

/// How far a run has got, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Cases evaluated so far.
    pub evaluated: u64,
    /// Cases seen but not complete yet.
    pub open_cases: usize,
    /// Times the open cases were written to temporary files.
    pub spills: u64,
}

/// A case evaluated and rendered, or rejected, waiting for an earlier case to be written.
enum Outcome {
    Report(RenderedCase),
    Rejected(Rejected),
}

/// One streaming run: push sources, then [`Batch::finish`].
pub struct Batch<'e, 'p, W: Write> {
    evaluator: &'e Evaluator<'p>,
    objectives: ObjectivePlan<'p>,
    options: BatchOptions,
    grouper: JsonlGrouper,
    writer: ReportWriter<W>,
    /// Cases evaluated that wait for an earlier case to be written.
    waiting: BTreeMap<u64, Outcome>,
    /// The first-seen number of the next case to write.
    next_out: u64,
    /// The open cases written to temporary files, once they took more than the budget.
    spill: Option<Spill>,
    /// The rejections of batches read whole ([`Batch::push_batch`]), listed first, each batch's
    /// cases that could not be read followed by those the evaluator failed on.
    read_rejections: Vec<Rejected>,
    /// Lines that name no case, in input order (listed after those of batches).
    line_rejections: Rejections,
    /// Cases of JSON Lines rejected, in first-seen order (listed last).
    case_rejections: Rejections,
    /// Where each case of the batches read whole was read: a JSON Lines case with one of their
    /// ids is rejected as a duplicate.
    batch_ids: HashMap<String, Location>,
    tally: Tally,
    summary: Summary,
    progress: Progress,
}

impl<'e, 'p, W: Write> Batch<'e, 'p, W> {
    /// Starts a run evaluating with `evaluator` and writing reports to `writer`.
    pub fn new(
        evaluator: &'e Evaluator<'p>,
        options: BatchOptions,
        writer: ReportWriter<W>,
    ) -> Self {
        let policy = evaluator.policy();
        let dir = options.temp_dir.clone();
        Batch {
            evaluator,
            objectives: ObjectivePlan::new(policy),
            options,
            grouper: JsonlGrouper::new(ReadOptions::for_policy(policy)),
            writer,
            waiting: BTreeMap::new(),
            next_out: 0,
            spill: None,
            read_rejections: Vec::new(),
            line_rejections: Rejections::new(dir.as_deref()),
            case_rejections: Rejections::new(dir.as_deref()),
            batch_ids: HashMap::new(),
            tally: Tally::default(),
            summary: Summary::default(),
            progress: Progress::default(),
        }
    }

    /// Starts a run writing `format` to `out`, with the header of `evaluator`'s policy at `options.as_of`.
    pub fn writing(
        evaluator: &'e Evaluator<'p>,
        options: BatchOptions,
        format: crate::report::Format,
        out: W,
    ) -> Result<Self, EmitError> {
        let (as_of, policy) = header(evaluator, options.as_of);
        let writer = ReportWriter::new(format, as_of, policy, out)?;
        Ok(Batch::new(evaluator, options, writer))
    }

    /// The memory budget of the open cases, in bytes.
    fn budget(&self) -> usize {
        let memory = match self.options.memory {
            0 => DEFAULT_MEMORY,
            n => n,
        };
        usize::try_from(memory).unwrap_or(usize::MAX)
    }

    /// Reads every line of `reader` (named `source` in locations), calling `progress` after each chunk.
    ///
    /// Parts go through in a pipeline: while the lines of one part are grouped by case, on this
    /// thread and in order, the next part, already read, is looked at on the other worker threads.
    pub fn push_reader(
        &mut self,
        source: &str,
        mut reader: impl BufRead,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EmitError> {
        let chunk_lines = match self.options.chunk_lines {
            0 => CHUNK_LINES,
            n => n,
        };
        // For the worker threads, while the grouper (which holds the same) is busy grouping.
        let opts = self.grouper.options().clone();
        let mut parts = Parts {
            chunk_lines,
            read_in_chunk: 0,
            lines: 0,
        };
        let (mut a, mut b) = (Part::default(), Part::default());
        let mut this = parts.read(&mut reader, &mut a)?;
        if this.lines == 0 {
            return Ok(());
        }
        let mut looked_a = look(&opts, &a);
        loop {
            // `a` holds the part to group, `b` takes the next one; then the other way round.
            let next = parts.read_after(&this, &mut reader, &mut b)?;
            if next.lines == 0 {
                self.group(source, &this, looked_a, &a);
                return self.end_chunk(progress);
            }
            let looked_b = self.group_while_looking(source, &this, looked_a, &a, &opts, &b);
            if this.ends_chunk {
                self.end_chunk(progress)?;
            }
            let after = parts.read_after(&next, &mut reader, &mut a)?;
            if after.lines == 0 {
                self.group(source, &next, looked_b, &b);
                return self.end_chunk(progress);
            }
            looked_a = self.group_while_looking(source, &next, looked_b, &b, &opts, &a);
            if next.ends_chunk {
                self.end_chunk(progress)?;
            }
            this = after;
        }
    }

    /// Groups the lines `looked` of `part` in order (`read` says where it is), and counts them.
    fn group(&mut self, source: &str, read: &PartRead, looked: Vec<ParsedLine<'_>>, part: &Part) {
        group_lines(&mut self.grouper, source, read.before, looked);
        self.count_part(part);
    }

    /// [`Batch::group`], while the lines of `next` are looked at on the other worker threads;
    /// returns them looked at.
    fn group_while_looking<'n>(
        &mut self,
        source: &str,
        read: &PartRead,
        looked: Vec<ParsedLine<'_>>,
        part: &Part,
        opts: &ReadOptions,
        next: &'n Part,
    ) -> Vec<ParsedLine<'n>> {
        let grouper = &mut self.grouper;
        let ((), next) = join(
            || group_lines(grouper, source, read.before, looked),
            || look(opts, next),
        );
        self.count_part(part);
        next
    }

    fn count_part(&mut self, part: &Part) {
        self.progress.lines += part.spans.len() as u64;
        self.progress.bytes += part.bytes.len() as u64;
    }

    /// After a chunk: keeps its rejected lines, evaluates the cases it completed (with a window)
    /// or writes the open cases to temporary files (without one, past the budget), and reports
    /// progress.
    fn end_chunk(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<(), EmitError> {
        for rejected in self.grouper.take_rejected() {
            self.line_rejections.push(rejected)?;
        }
        let budget = self.budget();
        if self.options.window > 0 {
            let complete = self.grouper.take_idle(self.options.window);
            self.evaluate(complete)?;
            if self.grouper.memory() > budget {
                // Down to three quarters, so that a stream at the budget is not cut every chunk.
                let early = self.grouper.take_oldest(budget / 4 * 3);
                self.evaluate(early)?;
            }
        } else if self.grouper.memory() > budget {
            let dir = self.options.temp_dir.clone();
            let spill = self
                .spill
                .get_or_insert_with(|| Spill::new(dir.as_deref(), 0));
            spill.take_from(&mut self.grouper)?;
            self.progress.spills += 1;
        }
        self.progress.open_cases = self.grouper.open_cases();
        progress(&self.progress);
        Ok(())
    }

    /// Reads every line of `text` (named `source` in locations).
    pub fn push_text(&mut self, source: &str, text: &str) -> Result<(), EmitError> {
        self.push_reader(source, text.as_bytes(), &mut |_| {})
    }

    /// Evaluates cases already read whole (YAML and JSON files, [`crate::CaseReader`]), in their
    /// order, writing each report as soon as its chunk of [`CHUNK_CASES`] cases is done, and
    /// dropping each case once evaluated: the reports of a large batch are never all held. Its
    /// rejections are listed first in the report, in their order. The output is the one of
    /// [`evaluate_whole`] and [`Report::emit`] when nothing else is pushed; push batches before
    /// any JSON Lines, whose cases are written after them (and are rejected as duplicates when
    /// their id is one of a batch's cases).
    pub fn push_batch(&mut self, batch: CaseBatch) -> Result<(), EmitError> {
        self.read_rejections.extend(batch.rejected);
        let (evaluator, as_of) = (self.evaluator, self.options.as_of);
        let format = self.writer.format();
        let mut cases = batch.cases.into_iter();
        loop {
            let chunk: Vec<Case> = cases.by_ref().take(CHUNK_CASES).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            for case in &chunk {
                if let Some(source) = &case.source {
                    self.batch_ids
                        .entry(case.id.clone())
                        .or_insert_with(|| source.clone());
                }
            }
            let objectives = &self.objectives;
            let done: Vec<Evaluated> = chunk
                .into_par_iter()
                .map(|case| evaluate_one(evaluator, objectives, format, as_of, &case, None))
                .collect();
            for one in done {
                match one {
                    Ok(one) => {
                        let rendered = self.count(one, false)?;
                        self.writer.place(rendered)?;
                    }
                    Err(rejected) => self.read_rejections.push(rejected),
                }
            }
        }
    }

    /// Evaluates the cases still open (and those written to temporary files), writes the end of
    /// the report and returns the output and the counts.
    pub fn finish(mut self) -> Result<(W, Summary), EmitError> {
        let mut grouper = std::mem::take(&mut self.grouper);
        for rejected in grouper.take_rejected() {
            self.line_rejections.push(rejected)?;
        }
        match self.spill.take() {
            Some(mut spill) => {
                spill.take_from(&mut grouper)?;
                drop(grouper);
                self.evaluate_spilled(spill)?;
            }
            None => {
                let (_, rest) = grouper.finish_numbered();
                self.evaluate(rest)?;
            }
        }
        let mut summary = self.summary;
        summary.rejected = self.read_rejections.len()
            + self.line_rejections.count()
            + self.case_rejections.count();
        summary.cases = (summary.evaluated + summary.rejected).saturating_sub(summary.cut);
        let objectives = self.objectives.report(&self.tally);
        let as_rejected_case = |r: Rejected| RejectedCase {
            source: r.source,
            error: r.error,
        };
        let read = std::mem::take(&mut self.read_rejections)
            .into_iter()
            .map(|r| Ok(as_rejected_case(r)));
        let lines = std::mem::take(&mut self.line_rejections).read_back()?;
        let cases = std::mem::take(&mut self.case_rejections).read_back()?;
        let mut rejected = read
            .chain(lines.map(|r| r.map(as_rejected_case)))
            .chain(cases.map(|r| r.map(as_rejected_case)));
        let out = self
            .writer
            .finish_streaming(objectives, &mut rejected, summary)?;
        Ok((out, summary))
    }

    /// Evaluates and renders complete cases on all cores, then writes those whose turn has come.
    fn evaluate(&mut self, complete: Vec<NumberedCase>) -> Result<(), EmitError> {
        let mut complete = complete.into_iter();
        loop {
            let part: Vec<NumberedCase> = complete.by_ref().take(EVALUATED_CASES).collect();
            if part.is_empty() {
                return Ok(());
            }
            for (seq, outcome) in self.evaluate_part(part)? {
                self.waiting.insert(seq, outcome);
            }
            while let Some(ready) = self.waiting.remove(&self.next_out) {
                match ready {
                    Outcome::Report(rendered) => self.writer.place(rendered)?,
                    Outcome::Rejected(rejected) => self.case_rejections.push(rejected)?,
                }
                self.next_out += 1;
            }
        }
    }

    /// Evaluates `part` on all worker threads; returns each case's outcome with its number, the
    /// counts added to the run's.
    fn evaluate_part(&mut self, part: Vec<NumberedCase>) -> Result<Vec<(u64, Outcome)>, EmitError> {
        let (evaluator, objectives, as_of) = (self.evaluator, &self.objectives, self.options.as_of);
        let format = self.writer.format();
        let batch_ids = &self.batch_ids;
        let done: Vec<(u64, bool, Evaluated)> = part
            .into_par_iter()
            .map(|numbered| {
                let seq = numbered.seq;
                let marker = match (numbered.part(), numbered.first_line()) {
                    (number, Some(starts)) if number > 1 => Some(CasePart { number, starts }),
                    _ => None,
                };
                let later = marker.is_some();
                let result = numbered
                    .case()
                    .and_then(|case| duplicate(batch_ids, case))
                    .and_then(|case| {
                        evaluate_one(evaluator, objectives, format, as_of, &case, marker)
                    });
                (seq, later, result)
            })
            .collect();
        let mut outcomes = Vec::with_capacity(done.len());
        for (seq, later, result) in done {
            let outcome = match result {
                Ok(one) => Outcome::Report(self.count(one, later)?),
                Err(rejected) => {
                    self.summary.cut += usize::from(later);
                    Outcome::Rejected(rejected)
                }
            };
            outcomes.push((seq, outcome));
        }
        Ok(outcomes)
    }

    /// Evaluates the cases written to temporary files: each file on its own (split again when
    /// it would not fit the budget), its reports and rejections written to a run in first-seen
    /// order, then the runs merged in that order (see `batch::spill`).
    fn evaluate_spilled(&mut self, spill: Spill) -> Result<(), EmitError> {
        let mut runs = Vec::new();
        let mut held = HashMap::new();
        for partition in spill.finish()? {
            runs.push(self.run_of(partition, 1, &mut held)?);
        }
        spill::merge::<EmitError>(runs, &mut |seq, record| {
            match record {
                Record::Report(text) => self.writer.place(RenderedCase::from_text(text))?,
                Record::Held => {
                    if let Some(rendered) = held.remove(&seq) {
                        self.writer.place(rendered)?;
                    }
                }
                Record::Rejected(rejected) => self.case_rejections.push(rejected)?,
            }
            Ok(())
        })
    }

    /// The run of the cases of `partition`: evaluated in memory when they fit half the budget (or
    /// cannot be split, one case), else split by the hash of `level` and the runs of the parts
    /// merged. Reports held whole (YAML) are kept in `held`.
    fn run_of(
        &mut self,
        partition: Partition,
        level: u32,
        held: &mut HashMap<u64, RenderedCase>,
    ) -> Result<Run, EmitError> {
        let dir = self.options.temp_dir.clone();
        let partition = if partition.bytes.saturating_mul(2) > self.budget() as u64 {
            match partition.split(dir.as_deref(), level)? {
                Ok(parts) => {
                    let mut runs = Vec::with_capacity(parts.len());
                    for part in parts {
                        runs.push(self.run_of(part, level + 1, held)?);
                    }
                    return Ok(spill::merge_into_run(runs, dir.as_deref())?);
                }
                Err(whole) => whole,
            }
        } else {
            partition
        };
        let mut grouper = JsonlGrouper::new(self.grouper.options().clone());
        partition.each_block(&mut |block| grouper.restore_block(block))?;
        let (_, cases) = grouper.finish_numbered();
        let mut run = RunWriter::new(dir.as_deref())?;
        let mut cases = cases.into_iter();
        loop {
            let part: Vec<NumberedCase> = cases.by_ref().take(EVALUATED_CASES).collect();
            if part.is_empty() {
                break;
            }
            for (seq, outcome) in self.evaluate_part(part)? {
                let record = match outcome {
                    Outcome::Report(rendered) => match rendered.into_text() {
                        Ok(text) => Record::Report(text),
                        Err(rendered) => {
                            held.insert(seq, rendered);
                            Record::Held
                        }
                    },
                    Outcome::Rejected(rejected) => Record::Rejected(rejected),
                };
                run.write(seq, &record)?;
            }
        }
        Ok(run.finish()?)
    }
}

impl<W: Write> Batch<'_, '_, W> {
    /// Adds an evaluated case's counts to the run's; returns its rendering. A later part of a
    /// case (`later`) is counted as cut.
    fn count(
        &mut self,
        (rendered, counts, tally): Done,
        later: bool,
    ) -> Result<RenderedCase, EmitError> {
        self.tally.merge(tally);
        self.summary.cases += counts.cases;
        self.summary.evaluated += counts.evaluated;
        self.summary.breaches += counts.breaches;
        self.summary.actions += counts.actions;
        self.summary.warnings += counts.warnings;
        self.summary.cut += usize::from(later);
        self.progress.evaluated += 1;
        rendered
    }
}

/// `case`, or its rejection as a duplicate when a batch read whole had a case of its id.
fn duplicate(batch_ids: &HashMap<String, Location>, case: Case) -> Result<Case, Rejected> {
    match (batch_ids.get(&case.id), &case.source) {
        (Some(first), Some(source)) => Err(Rejected {
            source: source.clone(),
            error: format!("duplicate case id `{}` (first read at {first})", case.id),
            case: Some(case.id),
        }),
        _ => Ok(case),
    }
}

/// Evaluates one case and renders its report in `format`, with its counts and objective counts;
/// a case the evaluator fails on (a bug) is rejected. `part` marks a later part of a case.
fn evaluate_one(
    evaluator: &Evaluator<'_>,
    objectives: &ObjectivePlan<'_>,
    format: crate::report::Format,
    as_of: DateTime<Utc>,
    case: &Case,
    part: Option<CasePart>,
) -> Evaluated {
    let (mut report, tally) = evaluator
        .evaluate_counted(case, as_of, objectives)
        .map_err(|error| error.reject(case))?;
    report.part = part;
    let mut counts = Summary::default();
    counts.add(&report);
    Ok((render_case(format, report), counts, tally))
}

/// The instant and policy a report of `evaluator` at `as_of` starts with.
fn header(evaluator: &Evaluator<'_>, as_of: DateTime<Utc>) -> (Instant, PolicyRef) {
    let policy = evaluator.policy();
    (
        Instant::new(as_of, policy.timezone()),
        PolicyRef {
            name: policy.name().to_owned(),
            version: policy.version(),
        },
    )
}

/// Whole-input evaluation of cases already read: every case on all cores, in order, with
/// objectives. The batch's rejected cases are listed, then any case the evaluator failed on.
pub fn evaluate_whole(
    evaluator: &Evaluator<'_>,
    batch: &CaseBatch,
    as_of: DateTime<Utc>,
) -> Report {
    let objectives = ObjectivePlan::new(evaluator.policy());
    let evaluated: Vec<Result<(CaseReport, Tally), Rejected>> = batch
        .cases
        .par_iter()
        .map(|case| {
            evaluator
                .evaluate_counted(case, as_of, &objectives)
                .map_err(|error| error.reject(case))
        })
        .collect();
    let mut tally = Tally::default();
    let mut cases = Vec::with_capacity(evaluated.len());
    let mut rejected = batch.rejected.clone();
    for one in evaluated {
        match one {
            Ok((report, counts)) => {
                tally.merge(counts);
                cases.push(report);
            }
            Err(failed) => rejected.push(failed),
        }
    }
    let mut report = evaluator.report(cases, &rejected, as_of);
    report.objectives = objectives.report(&tally);
    report
}

/// The lines of a part of a chunk, as read: their bytes one after the other (their UTF-8 is checked
/// when they are looked at), and each line's place in them, or why it cannot be an event line.
#[derive(Default)]
struct Part {
    bytes: Vec<u8>,
    spans: Vec<Result<std::ops::Range<usize>, String>>,
}

/// Where a part read lies in its source and its chunk.
struct PartRead {
    /// The number of the line before the part.
    before: usize,
    /// Lines read.
    lines: usize,
    /// Whether as many lines were read as asked (the input may go on).
    full: bool,
    /// Whether the part is the last of its chunk.
    ends_chunk: bool,
}

/// Cuts a source into chunks of `chunk_lines` lines, read in parts of at most [`PART_LINES`].
struct Parts {
    chunk_lines: usize,
    read_in_chunk: usize,
    /// Lines read so far.
    lines: usize,
}

impl Parts {
    /// Reads the next part of `reader` into `part`.
    fn read(&mut self, reader: &mut impl BufRead, part: &mut Part) -> Result<PartRead, EmitError> {
        let size = (self.chunk_lines - self.read_in_chunk).min(PART_LINES);
        part.bytes.clear();
        part.spans.clear();
        while part.spans.len() < size {
            let Some(read) = JsonlGrouper::read_line_onto(reader, &mut part.bytes)? else {
                break;
            };
            part.spans.push(read);
        }
        let lines = part.spans.len();
        let read = PartRead {
            before: self.lines,
            lines,
            full: lines == size,
            ends_chunk: self.read_in_chunk + lines == self.chunk_lines,
        };
        self.lines += lines;
        self.read_in_chunk = if read.ends_chunk {
            0
        } else {
            self.read_in_chunk + lines
        };
        Ok(read)
    }

    /// Reads the part after `last` into `part`: none (no lines) when `last` ended the input.
    fn read_after(
        &mut self,
        last: &PartRead,
        reader: &mut impl BufRead,
        part: &mut Part,
    ) -> Result<PartRead, EmitError> {
        if last.full {
            return self.read(reader, part);
        }
        Ok(PartRead {
            before: self.lines,
            lines: 0,
            full: false,
            ends_chunk: true,
        })
    }
}

/// Looks at the lines of `part` on all worker threads (see [`JsonlGrouper::parse`]).
fn look<'p>(opts: &ReadOptions, part: &'p Part) -> Vec<ParsedLine<'p>> {
    part.spans
        .par_iter()
        .map(|span| match span {
            // Each span is where its line was read into this part's bytes.
            Ok(span) => {
                JsonlGrouper::parse_bytes(opts, part.bytes.get(span.clone()).unwrap_or(&[]))
            }
            Err(error) => ParsedLine::unreadable(error.clone()),
        })
        .collect()
}

/// Groups `looked`, the lines after line `before` of `source`, in order.
fn group_lines(
    grouper: &mut JsonlGrouper,
    source: &str,
    before: usize,
    looked: Vec<ParsedLine<'_>>,
) {
    for (number, parsed) in (before + 1..).zip(looked) {
        grouper.push_parsed(source, number, parsed);
    }
}

/// Without the `parallel` feature: rayon's `par_iter`, `into_par_iter` and `join`, on the calling
/// thread.
#[cfg(not(feature = "parallel"))]
mod sequential {
    pub(super) trait ParIter<T> {
        fn par_iter(&self) -> std::slice::Iter<'_, T>;
    }
    impl<T> ParIter<T> for [T] {
        fn par_iter(&self) -> std::slice::Iter<'_, T> {
            self.iter()
        }
    }
    pub(super) trait IntoParIter<T> {
        fn into_par_iter(self) -> std::vec::IntoIter<T>;
    }
    impl<T> IntoParIter<T> for Vec<T> {
        fn into_par_iter(self) -> std::vec::IntoIter<T> {
            self.into_iter()
        }
    }
    pub(super) fn join<RA, RB>(a: impl FnOnce() -> RA, b: impl FnOnce() -> RB) -> (RA, RB) {
        (a(), b())
    }
}
