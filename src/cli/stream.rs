//! `covenant eval` over JSON Lines: the streaming batch engine with a progress bar.
//!
//! The cases read whole (YAML, JSON) are evaluated first, then the JSON Lines
//! sources (files and standard input) are streamed. When standard error is a
//! terminal, a progress bar shows bytes read, events per second and the cases
//! still open; otherwise nothing is drawn, so redirected output stays clean.

use super::eval::{summary_exit, warn_rejected, FailOn};
use super::Exit;
use crate::batch::{Batch, BatchOptions, Progress};
use crate::case::CaseBatch;
use crate::eval::Evaluator;
use crate::report::Format;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal};
use std::path::PathBuf;
use std::time::Instant;

/// A JSON Lines source.
pub enum JsonlInput {
    /// A file, opened when its turn comes.
    File(PathBuf),
    /// Lines read from `reader` (standard input), named `name` in locations.
    Reader {
        /// The name in locations (`<stdin>`).
        name: String,
        /// The lines.
        reader: Box<dyn BufRead>,
    },
}

/// Evaluates `whole` (cases read whole), then streams `inputs` through the batch engine, writing
/// the report to standard output.
pub fn run(
    evaluator: &Evaluator<'_>,
    options: BatchOptions,
    format: Format,
    whole: CaseBatch,
    inputs: Vec<JsonlInput>,
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
    if let Err(error) = batch.push_batch(whole) {
        super::error(&error);
        return Exit::Unusable;
    }
    let bar = progress_bar(&inputs);
    let started = Instant::now();
    let mut show = |progress: &Progress| {
        // `progress` counts over every source pushed so far.
        bar.set_position(progress.bytes);
        let seconds = started.elapsed().as_secs_f64().max(1e-6);
        let spilled = match progress.spills {
            0 => String::new(),
            n => format!(", written to temporary files {n} times"),
        };
        bar.set_message(format!(
            "{:.0} events/s, {} cases evaluated, {} open{spilled}",
            progress.lines as f64 / seconds,
            progress.evaluated,
            progress.open_cases
        ));
    };
    for input in inputs {
        let (name, pushed) = match input {
            JsonlInput::File(file) => {
                let name = file.display().to_string();
                let opened = std::fs::File::open(&file);
                let reader = match opened {
                    Ok(opened) => BufReader::with_capacity(1 << 17, opened),
                    Err(error) => {
                        bar.finish_and_clear();
                        super::error(format!("cannot read `{name}`: {error}"));
                        return Exit::Unusable;
                    }
                };
                let pushed = batch.push_reader(&name, reader, &mut show);
                (name, pushed)
            }
            JsonlInput::Reader { name, reader } => {
                let pushed = batch.push_reader(&name, reader, &mut show);
                (name, pushed)
            }
        };
        if let Err(error) = pushed {
            bar.finish_and_clear();
            super::error(format!("`{name}`: {error}"));
            return Exit::Unusable;
        }
    }
    bar.finish_and_clear();
    match batch.finish() {
        Ok((_, summary)) => {
            warn_rejected(&summary, "rejected");
            summary_exit(&summary, fail_on)
        }
        Err(error) => {
            super::error(&error);
            Exit::Unusable
        }
    }
}

/// A bar over the total size of the files among `inputs` on standard error (a spinner when
/// standard input is read too), or a hidden one when it is not a terminal.
fn progress_bar(inputs: &[JsonlInput]) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let mut total = Some(0);
    for input in inputs {
        total = match (total, input) {
            (Some(sum), JsonlInput::File(file)) => {
                std::fs::metadata(file).ok().map(|meta| sum + meta.len())
            }
            _ => None,
        };
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {msg}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {bytes} {binary_bytes_per_sec} {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
