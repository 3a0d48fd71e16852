//! The floor for `covenant eval` on a JSONL file: the time to merely parse every line with serde_json.
//!
//! `cargo run --release --example parse_floor -- FILE [value|ignore]` reads FILE line by line, as
//! `eval` does, and parses each line into a `serde_json::Value` (the default) or skips it with
//! `IgnoredAny` (a syntax check only). It prints the lines, the seconds and the lines per second;
//! `docs/performance.md` compares this with `eval` on the same file.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_floor FILE [value|ignore]");
        return ExitCode::from(2);
    };
    let mode = args.next().unwrap_or_else(|| "value".to_owned());
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: cannot read `{path}`: {error}");
            return ExitCode::from(2);
        }
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let started = Instant::now();
    let (mut lines, mut bad) = (0u64, 0u64);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                eprintln!("error: cannot read `{path}`: {error}");
                return ExitCode::from(2);
            }
        }
        lines += 1;
        let ok = if mode == "ignore" {
            serde_json::from_str::<serde::de::IgnoredAny>(&line).is_ok()
        } else {
            serde_json::from_str::<serde_json::Value>(&line).is_ok()
        };
        bad += u64::from(!ok);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{lines} lines ({bad} unparsable) in {seconds:.2} s: {:.0} lines/s ({mode})",
        lines as f64 / seconds
    );
    ExitCode::SUCCESS
}
