//! Temporary files for runs larger than their memory budget: open cases, results and rejections.
//!
//! Without an idle window no case is complete before the end of the input, so a stream's open
//! cases are held to its end. When they take more than the run's budget (`eval --memory`), every
//! open case is written to one of [`PARTITIONS`] files, chosen by a hash of its id
//! ([`Spill`]), and the grouper starts again empty; a case seen again is written again later, to
//! the same file. At the end each file is read back on its own ([`Partition`]): its cases are all
//! of their lines, since a case's lines always go to the same file, and their numbers are their
//! first-seen order. A file whose cases would not fit the budget is split again by another hash
//! ([`Partition::split`]). Each file's reports and rejections are written, in first-seen order, to
//! a run ([`RunWriter`]); the runs are merged by first-seen number ([`merge`]), which gives the
//! order of whole-input evaluation.
//!
//! Every temporary file is made by [`tempfile::tempfile_in`], which removes its name at once (or
//! never gives it one): the files take no name in the folder, and the system frees them when the
//! process ends, however it ends (an error, a broken pipe, Ctrl-C, a kill).

use crate::case::{block_id, JsonlGrouper, Location, Rejected};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The files open cases are spread over by a hash of their id.
pub const PARTITIONS: usize = 64;

/// How many times a file of open cases too large for the budget is split again.
const MAX_SPLITS: u32 = 3;

/// Buffer of each temporary file written or read.
const BUFFER: usize = 1 << 16;

/// Rejections held in memory before the rest go to a temporary file.
const KEPT_REJECTIONS: usize = 1024;

/// A temporary file in `dir` (the system's when `None`), removed by the system however the
/// process ends.
fn temporary(dir: Option<&Path>) -> io::Result<File> {
    let dir: PathBuf = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    tempfile::tempfile_in(&dir).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "cannot make a temporary file in `{}`: {error}",
                dir.display()
            ),
        )
    })
}

/// The error for bytes of a temporary file that do not read back.
fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a temporary file of the run does not read back",
    )
}

/// The partition of case `id` among `count` at split `level`: a 64-bit FNV-1a hash of the id,
/// seeded by the level, its bits mixed (so that every level spreads the ids anew).
fn partition_of(id: &[u8], level: u32, count: usize) -> usize {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ u64::from(level).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &byte in id {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    (hash % count as u64) as usize
}

/// Writes `value` as the grouper's blocks do (LEB128).
fn write_varint(out: &mut impl Write, mut value: u64) -> io::Result<()> {
    let mut bytes = [0u8; 10];
    let mut length = 0;
    for byte in &mut bytes {
        length += 1;
        if value < 0x80 {
            *byte = value as u8;
            break;
        }
        *byte = (value as u8 & 0x7f) | 0x80;
        value >>= 7;
    }
    out.write_all(bytes.get(..length).unwrap_or_default())
}

/// Reads a number written by [`write_varint`]; `None` at the end of the input.
fn read_varint(input: &mut impl BufRead) -> io::Result<Option<u64>> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8];
        match input.read_exact(&mut byte) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof && shift == 0 => {
                return Ok(None)
            }
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Err(damaged()),
            Err(error) => return Err(error),
        }
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(damaged())
}

/// Reads `length` bytes into `buffer` (a length larger than the file is an error, not an
/// allocation).
fn read_exactly(input: &mut impl Read, length: u64, buffer: &mut Vec<u8>) -> io::Result<()> {
    buffer.clear();
    let read = input.take(length).read_to_end(buffer)?;
    if read as u64 != length {
        return Err(damaged());
    }
    Ok(())
}

/// Writes `bytes` after their length.
fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    write_varint(out, bytes.len() as u64)?;
    out.write_all(bytes)
}

/// Reads bytes written by [`write_bytes`] into `buffer`.
fn read_bytes(input: &mut impl BufRead, buffer: &mut Vec<u8>) -> io::Result<()> {
    let length = read_varint(input)?.ok_or_else(damaged)?;
    read_exactly(input, length, buffer)
}

/// Open cases written to [`PARTITIONS`] temporary files by a hash of their id, each file made
/// when its first case comes.
#[derive(Debug)]
pub struct Spill {
    dir: Option<PathBuf>,
    level: u32,
    files: Vec<Option<(BufWriter<File>, u64)>>,
}

impl Spill {
    /// No files yet; they will be made in `dir` (the system's temporary folder when `None`), the
    /// cases spread by the hash of split `level`.
    pub fn new(dir: Option<&Path>, level: u32) -> Spill {
        Spill {
            dir: dir.map(Path::to_path_buf),
            level,
            files: (0..PARTITIONS).map(|_| None).collect(),
        }
    }

    /// Writes the block of case `id` to its file.
    pub fn add(&mut self, id: &[u8], block: &[u8]) -> io::Result<()> {
        let index = partition_of(id, self.level, PARTITIONS);
        let slot = self.files.get_mut(index).ok_or_else(damaged)?;
        let (out, bytes) = match slot {
            Some(file) => file,
            None => slot.insert((
                BufWriter::with_capacity(BUFFER, temporary(self.dir.as_deref())?),
                0,
            )),
        };
        write_bytes(out, block)?;
        *bytes += block.len() as u64 + 10;
        Ok(())
    }

    /// Writes every open case of `grouper` to the files, leaving it empty.
    pub fn take_from(&mut self, grouper: &mut JsonlGrouper) -> io::Result<()> {
        grouper.drain_blocks(|id, block| self.add(id, block))
    }

    /// The files written, each ready to be read from its start.
    pub fn finish(self) -> io::Result<Vec<Partition>> {
        let mut partitions = Vec::new();
        for (out, bytes) in self.files.into_iter().flatten() {
            let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.rewind()?;
            partitions.push(Partition { file, bytes });
        }
        Ok(partitions)
    }
}

/// A file of open cases, written by [`Spill`], to be read from its start.
#[derive(Debug)]
pub struct Partition {
    file: File,
    /// About the bytes written (the blocks, with their lengths).
    pub bytes: u64,
}

impl Partition {
    /// Reads each block in the order written.
    pub fn each_block(self, each: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut input = BufReader::with_capacity(BUFFER, self.file);
        let mut block = Vec::new();
        while let Some(length) = read_varint(&mut input)? {
            read_exactly(&mut input, length, &mut block)?;
            each(&block)?;
        }
        Ok(())
    }

    /// Spreads the cases of this file over new files by the hash of split `level` (in `dir`).
    /// Returns `Err(self)`'s cases in one file when they would all go to the same one (one case,
    /// or ids the hash does not tell apart), or when `level` is past [`MAX_SPLITS`].
    pub fn split(
        self,
        dir: Option<&Path>,
        level: u32,
    ) -> io::Result<Result<Vec<Partition>, Partition>> {
        if level > MAX_SPLITS {
            return Ok(Err(self));
        }
        let mut spill = Spill::new(dir, level);
        self.each_block(&mut |block| spill.add(block_id(block).ok_or_else(damaged)?, block))?;
        let mut parts = spill.finish()?;
        if parts.len() == 1 {
            if let Some(one) = parts.pop() {
                return Ok(Err(one));
            }
        }
        Ok(Ok(parts))
    }
}

/// What a run holds for a case, by its first-seen number.
#[derive(Debug)]
pub enum Record {
    /// The case's report as text in the run's format.
    Report(Vec<u8>),
    /// The case's report is held in memory under its number (YAML).
    Held,
    /// The case was rejected.
    Rejected(Rejected),
}

/// Writes a run: records in increasing first-seen number.
#[derive(Debug)]
pub struct RunWriter {
    out: BufWriter<File>,
}

/// The kinds of [`Record`], as written.
const REPORT: u8 = 0;
const HELD: u8 = 1;
const REJECTED: u8 = 2;

impl RunWriter {
    /// A new run, in a temporary file in `dir`.
    pub fn new(dir: Option<&Path>) -> io::Result<RunWriter> {
        Ok(RunWriter {
            out: BufWriter::with_capacity(BUFFER, temporary(dir)?),
        })
    }

    /// Writes the record of case `seq`.
    pub fn write(&mut self, seq: u64, record: &Record) -> io::Result<()> {
        write_varint(&mut self.out, seq)?;
        match record {
            Record::Report(text) => {
                self.out.write_all(&[REPORT])?;
                write_bytes(&mut self.out, text)
            }
            Record::Held => self.out.write_all(&[HELD]),
            Record::Rejected(rejected) => {
                self.out.write_all(&[REJECTED])?;
                write_rejected(&mut self.out, rejected)
            }
        }
    }

    /// The run, to be read from its start.
    pub fn finish(self) -> io::Result<Run> {
        let mut file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        Ok(Run {
            input: BufReader::with_capacity(BUFFER, file),
        })
    }
}

/// Writes a rejection: its place, its case id if any, and its message.
fn write_rejected(out: &mut impl Write, rejected: &Rejected) -> io::Result<()> {
    write_bytes(out, rejected.source.file.as_bytes())?;
    write_varint(out, rejected.source.line as u64)?;
    match &rejected.case {
        Some(id) => {
            out.write_all(&[1])?;
            write_bytes(out, id.as_bytes())?;
        }
        None => out.write_all(&[0])?,
    }
    write_bytes(out, rejected.error.as_bytes())
}

/// Reads a rejection written by [`write_rejected`].
fn read_rejected(input: &mut impl BufRead) -> io::Result<Rejected> {
    let mut buffer = Vec::new();
    let text =
        |buffer: &mut Vec<u8>| String::from_utf8(std::mem::take(buffer)).map_err(|_| damaged());
    read_bytes(input, &mut buffer)?;
    let file = text(&mut buffer)?;
    let line = read_varint(input)?.ok_or_else(damaged)?;
    let mut has_case = [0u8];
    input.read_exact(&mut has_case)?;
    let case = match has_case[0] {
        0 => None,
        _ => {
            read_bytes(input, &mut buffer)?;
            Some(text(&mut buffer)?)
        }
    };
    read_bytes(input, &mut buffer)?;
    let error = text(&mut buffer)?;
    Ok(Rejected {
        source: Location::new(file, usize::try_from(line).map_err(|_| damaged())?),
        case,
        error,
    })
}

/// A run being read.
#[derive(Debug)]
pub struct Run {
    input: BufReader<File>,
}

impl Run {
    /// The next record and its case's number; `None` at the end.
    fn next(&mut self) -> io::Result<Option<(u64, Record)>> {
        let Some(seq) = read_varint(&mut self.input)? else {
            return Ok(None);
        };
        let mut kind = [0u8];
        self.input.read_exact(&mut kind)?;
        let record = match kind[0] {
            REPORT => {
                let mut text = Vec::new();
                read_bytes(&mut self.input, &mut text)?;
                Record::Report(text)
            }
            HELD => Record::Held,
            REJECTED => Record::Rejected(read_rejected(&mut self.input)?),
            _ => return Err(damaged()),
        };
        Ok(Some((seq, record)))
    }
}

/// Merges runs, each in increasing first-seen number, passing every record to `each` in
/// increasing number. `E` is the error of `each`, which a temporary file's error becomes.
pub fn merge<E: From<io::Error>>(
    mut runs: Vec<Run>,
    each: &mut dyn FnMut(u64, Record) -> Result<(), E>,
) -> Result<(), E> {
    let mut heads = BinaryHeap::new();
    let mut records: Vec<Option<Record>> = Vec::with_capacity(runs.len());
    for (index, run) in runs.iter_mut().enumerate() {
        match run.next()? {
            Some((seq, record)) => {
                heads.push(std::cmp::Reverse((seq, index)));
                records.push(Some(record));
            }
            None => records.push(None),
        }
    }
    while let Some(std::cmp::Reverse((seq, index))) = heads.pop() {
        let record = records
            .get_mut(index)
            .and_then(Option::take)
            .ok_or_else(damaged)?;
        each(seq, record)?;
        if let Some(run) = runs.get_mut(index) {
            if let Some((next, record)) = run.next()? {
                heads.push(std::cmp::Reverse((next, index)));
                if let Some(slot) = records.get_mut(index) {
                    *slot = Some(record);
                }
            }
        }
    }
    Ok(())
}

/// Merges runs into one run (in `dir`).
pub fn merge_into_run(runs: Vec<Run>, dir: Option<&Path>) -> io::Result<Run> {
    let mut out = RunWriter::new(dir)?;
    merge::<io::Error>(runs, &mut |seq, record| out.write(seq, &record))?;
    out.finish()
}

/// Rejections in the order they come: the first [`KEPT_REJECTIONS`] in memory, the rest in a
/// temporary file, so that millions of rejected lines take no more memory than a few.
#[derive(Debug, Default)]
pub struct Rejections {
    dir: Option<PathBuf>,
    kept: Vec<Rejected>,
    file: Option<BufWriter<File>>,
    count: usize,
}

impl Rejections {
    /// None yet; a temporary file, when needed, is made in `dir`.
    pub fn new(dir: Option<&Path>) -> Rejections {
        Rejections {
            dir: dir.map(Path::to_path_buf),
            ..Rejections::default()
        }
    }

    /// Adds one.
    pub fn push(&mut self, rejected: Rejected) -> io::Result<()> {
        self.count += 1;
        if self.file.is_none() && self.kept.len() < KEPT_REJECTIONS {
            self.kept.push(rejected);
            return Ok(());
        }
        let out = match &mut self.file {
            Some(out) => out,
            None => self.file.insert(BufWriter::with_capacity(
                BUFFER,
                temporary(self.dir.as_deref())?,
            )),
        };
        write_rejected(out, &rejected)
    }

    /// How many were added.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Every rejection added, in order.
    pub fn read_back(self) -> io::Result<impl Iterator<Item = io::Result<Rejected>>> {
        let mut input = match self.file {
            Some(out) => {
                let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.rewind()?;
                Some(BufReader::with_capacity(BUFFER, file))
            }
            None => None,
        };
        let mut left = self.count.saturating_sub(self.kept.len());
        let from_file = std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            input.as_mut().map(read_rejected)
        });
        Ok(self.kept.into_iter().map(Ok).chain(from_file))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    fn rejected(line: usize) -> Rejected {
        Rejected {
            source: Location::new("x.jsonl", line),
            case: (line % 3 == 0).then(|| format!("C{line}")),
            error: format!("problem {line} é"),
        }
    }

    /// Past the first [`KEPT_REJECTIONS`], rejections wait in a temporary file, not in memory,
    /// and all come back in order.
    #[test]
    fn rejections_past_the_first_thousand_wait_in_a_file() {
        let mut log = Rejections::new(None);
        for line in 1..=5_000 {
            log.push(rejected(line)).unwrap();
        }
        assert_eq!(log.kept.len(), KEPT_REJECTIONS);
        assert!(log.file.is_some());
        assert_eq!(log.count(), 5_000);
        let back: Vec<Rejected> = log.read_back().unwrap().map(Result::unwrap).collect();
        let expected: Vec<Rejected> = (1..=5_000).map(rejected).collect();
        assert_eq!(back, expected);
    }

    /// Runs merged give their records in first-seen order, whichever run holds them.
    #[test]
    fn runs_merge_in_first_seen_order() {
        let mut runs = Vec::new();
        for start in 0..3u64 {
            let mut run = RunWriter::new(None).unwrap();
            for seq in (start..30).step_by(3) {
                let record = match seq % 4 {
                    0 => Record::Rejected(rejected(seq as usize)),
                    1 => Record::Held,
                    _ => Record::Report(format!("case {seq}\n").into_bytes()),
                };
                run.write(seq, &record).unwrap();
            }
            runs.push(run.finish().unwrap());
        }
        let merged = merge_into_run(runs, None).unwrap();
        let mut seen = Vec::new();
        merge::<io::Error>(vec![merged], &mut |seq, record| {
            let ok = match (seq % 4, record) {
                (0, Record::Rejected(r)) => r == rejected(seq as usize),
                (1, Record::Held) => true,
                (_, Record::Report(text)) => text == format!("case {seq}\n").into_bytes(),
                _ => false,
            };
            assert!(ok, "record {seq}");
            seen.push(seq);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..30).collect::<Vec<u64>>());
    }

    /// Every level spreads ids over every partition, and differently from the level before.
    #[test]
    fn each_level_spreads_ids_anew() {
        let ids: Vec<String> = (0..6_400).map(|n| format!("C{n:07}")).collect();
        for level in 0..3 {
            let mut counts = [0usize; PARTITIONS];
            for id in &ids {
                counts[partition_of(id.as_bytes(), level, PARTITIONS)] += 1;
            }
            assert!(counts.iter().all(|&n| (50..150).contains(&n)), "{counts:?}");
        }
        // The ids of one partition at level 0 are spread again at level 1.
        let first: Vec<&String> = ids
            .iter()
            .filter(|id| partition_of(id.as_bytes(), 0, PARTITIONS) == 0)
            .collect();
        let mut again = std::collections::HashSet::new();
        for id in first {
            again.insert(partition_of(id.as_bytes(), 1, PARTITIONS));
        }
        assert!(again.len() > 30, "{}", again.len());
    }
}
