//! `covenant eval` over JSONL files: the streaming batch engine with a progress bar.
//!
//! Reports go to standard output as cases complete. When standard error is a
//! terminal, a progress bar shows bytes read, events per second and the cases
//! still open; otherwise nothing is drawn, so redirected output stays clean.

use super::eval::{summary_exit, FailOn};
use super::Exit;
use crate::batch::{Batch, BatchOptions, Progress};
use crate::eval::Evaluator;
use crate::report::Format;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufReader, BufWriter, IsTerminal};
use std::path::PathBuf;
use std::time::Instant;

/// Streams `files` through the batch engine, writing the report to standard output.
pub fn run(
    evaluator: &Evaluator<'_>,
    options: BatchOptions,
    format: Format,
    files: &[PathBuf],
    fail_on: FailOn,
) -> Exit {
    let stdout = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut batch = match Batch::writing(evaluator, options, format, stdout) {
        Ok(batch) => batch,
        Err(error) => {
            super::error(&error);
            return Exit::Unusable;
        }
    };
    let bar = progress_bar(files);
    let started = Instant::now();
    for file in files {
        let opened = std::fs::File::open(file);
        let reader = match opened {
            Ok(opened) => BufReader::with_capacity(1 << 17, opened),
            Err(error) => {
                bar.finish_and_clear();
                super::error(format!("cannot read `{}`: {error}", file.display()));
                return Exit::Unusable;
            }
        };
        let source = file.display().to_string();
        let mut show = |progress: &Progress| {
            // `progress` counts over every file pushed so far.
            bar.set_position(progress.bytes);
            let seconds = started.elapsed().as_secs_f64().max(1e-6);
            bar.set_message(format!(
                "{:.0} events/s, {} cases evaluated, {} open",
                progress.lines as f64 / seconds,
                progress.evaluated,
                progress.open_cases
            ));
        };
        if let Err(error) = batch.push_reader(&source, reader, &mut show) {
            bar.finish_and_clear();
            super::error(format!("`{}`: {error}", file.display()));
            return Exit::Unusable;
        }
    }
    bar.finish_and_clear();
    match batch.finish() {
        Ok((_, summary)) => summary_exit(&summary, fail_on),
        Err(error) => {
            super::error(&error);
            Exit::Unusable
        }
    }
}

/// A bar over the total size of `files` on standard error, or a hidden one when it is not a terminal.
fn progress_bar(files: &[PathBuf]) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total = files
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|meta| meta.len())
        .sum();
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}
