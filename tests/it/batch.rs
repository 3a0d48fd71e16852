//! The streaming batch engine: streaming and whole-input evaluation give the same bytes, in
//! memory or through temporary files, one and many threads give the same bytes, a case cut by an
//! idle window is reported in marked parts and counted once, objectives count per period, and the
//! workload generator is deterministic.

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use chrono::{DateTime, Utc};
use covenant::batch::{evaluate_whole, Batch, BatchOptions, Progress};
use covenant::case::{JsonlGrouper, ReadOptions};
use covenant::check::Policy;
use covenant::eval::{Evaluator, ObjectivePlan};
use covenant::generate::{generate, GenerateOptions, CONTACT_CENTRE_POLICY};
use covenant::report::{Format, Summary};

const FORMATS: [Format; 4] = [Format::Json, Format::Jsonl, Format::Human, Format::Yaml];

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A generated stream of `cases` cases for the built-in policy.
fn generated(policy: &Policy, cases: u64, seed: u64) -> String {
    let options = GenerateOptions {
        cases,
        seed,
        start: instant("2026-06-01T08:00:00Z"),
        ..GenerateOptions::default()
    };
    let mut out = Vec::new();
    generate(policy, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Streams `text` in chunks of `chunk` lines; returns the output, the counts and the most cases open at once.
fn stream(
    policy: &Policy,
    text: &str,
    format: Format,
    window: u64,
    chunk: usize,
) -> (String, Summary, usize) {
    let (out, summary, progress) = stream_in(policy, text, format, window, chunk, 0);
    (out, summary, progress.open_cases)
}

/// Streams `text` in chunks of `chunk` lines, the open cases in `memory` bytes (0: the default);
/// returns the output, the counts, and the progress at its highest (open cases) and last (spills).
fn stream_in(
    policy: &Policy,
    text: &str,
    format: Format,
    window: u64,
    chunk: usize,
    memory: u64,
) -> (String, Summary, Progress) {
    let evaluator = Evaluator::new(policy);
    let options = BatchOptions {
        window,
        chunk_lines: chunk,
        memory,
        ..BatchOptions::new(instant("2026-06-20T00:00:00Z"))
    };
    let mut batch = Batch::writing(&evaluator, options, format, Vec::new()).unwrap();
    let mut seen = Progress::default();
    let mut track = |progress: &Progress| {
        seen.open_cases = seen.open_cases.max(progress.open_cases);
        seen.spills = progress.spills;
    };
    batch
        .push_reader("input.jsonl", text.as_bytes(), &mut track)
        .unwrap();
    let (out, summary) = batch.finish().unwrap();
    (String::from_utf8(out).unwrap(), summary, seen)
}

/// Reads all of `text`, then evaluates every case.
fn whole(policy: &Policy, text: &str, format: Format) -> String {
    let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(policy));
    grouper.push_text("input.jsonl", text);
    let batch = grouper.finish();
    let report = evaluate_whole(
        &Evaluator::new(policy),
        &batch,
        instant("2026-06-20T00:00:00Z"),
    );
    report.emit(format).unwrap()
}

/// Cases read whole (YAML and JSON, as `covenant eval` reads them) and pushed to the engine, which
/// writes each report as its chunk is done: the same bytes as whole-input evaluation, in every
/// format, rejections included, over more cases than one chunk.
#[test]
fn cases_read_whole_stream_through_the_engine_with_the_same_bytes() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(&policy));
    let count = covenant::batch::CHUNK_CASES as u64 + 100;
    grouper.push_text("input.jsonl", &generated(&policy, count, 7));
    grouper.push_text(
        "bad.jsonl",
        "{\"case\": \"X\", \"at\": \"never\", \"type\": \"opened\"}\nnot json\n",
    );
    let read = grouper.finish();
    assert!(read.cases.len() > covenant::batch::CHUNK_CASES);
    assert_eq!(read.rejected.len(), 2);
    let as_of = instant("2026-06-20T00:00:00Z");
    let evaluator = Evaluator::new(&policy);
    for format in FORMATS {
        let expected = evaluate_whole(&evaluator, &read, as_of)
            .emit(format)
            .unwrap();
        let options = BatchOptions::new(as_of);
        let mut batch = Batch::writing(&evaluator, options, format, Vec::new()).unwrap();
        batch.push_batch(read.clone()).unwrap();
        let (out, summary) = batch.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected, "{format:?}");
        assert_eq!(summary.rejected, 2);
        assert_eq!(summary.evaluated, read.cases.len());
    }
}

/// The most lines between two consecutive lines of one case (1 when each case's lines are together).
fn widest_gap(text: &str) -> u64 {
    let mut last_seen = std::collections::HashMap::new();
    let mut widest = 1;
    for (index, line) in text.lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = value["case"].as_str().unwrap().to_owned();
        if let Some(before) = last_seen.insert(id, index as u64) {
            widest = widest.max(index as u64 - before);
        }
    }
    widest
}

/// The same lines, each case's lines together (cases in first-seen order, lines in their order).
fn grouped_by_case(text: &str) -> String {
    let mut order: Vec<String> = Vec::new();
    let mut lines: std::collections::HashMap<String, Vec<&str>> = Default::default();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = value["case"].as_str().unwrap().to_owned();
        if !lines.contains_key(&id) {
            order.push(id.clone());
        }
        lines.entry(id).or_default().push(line);
    }
    order
        .iter()
        .flat_map(|id| lines[id].iter().map(|line| format!("{line}\n")))
        .collect()
}

#[test]
fn streaming_and_whole_input_evaluation_give_the_same_bytes() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let interleaved = generated(&policy, 300, 7);
    let grouped = grouped_by_case(&interleaved);
    let gap = widest_gap(&interleaved);
    assert!(gap > 1, "the generated cases are interleaved");
    assert_eq!(widest_gap(&grouped), 1);
    // A window just wide enough for the interleaved stream, a wide one, the whole input, and a
    // window of one line for the stream grouped by case (where at most two cases are ever open);
    // chunks of more lines than are read at a time (`PART_LINES`) too.
    const { assert!(3_000 > covenant::batch::PART_LINES) };
    assert!(interleaved.lines().count() > covenant::batch::PART_LINES);
    let runs = [
        (&interleaved, gap, 200),
        (&interleaved, gap, 3_000),
        (&interleaved, gap * 3, 1_000),
        (&interleaved, 0, 300),
        (&grouped, 1, 100),
    ];
    for format in FORMATS {
        let expected = whole(&policy, &interleaved, format);
        for (text, window, chunk) in runs {
            let (out, summary, most_open) = stream(&policy, text, format, window, chunk);
            assert_eq!((summary.evaluated, summary.rejected), (300, 0));
            if window == 1 {
                assert!(most_open <= 2, "{most_open} cases open at once");
            }
            assert!(
                out == expected,
                "{format:?} with window {window} differs from whole-input evaluation"
            );
        }
    }
}

#[test]
fn one_and_many_threads_give_the_same_bytes() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let text = generated(&policy, 300, 11);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            // Whole input, through temporary files, and with a window that cuts cases.
            [(0, 0), (0, 3_000), (1_500, 0)].map(|(window, memory)| {
                stream_in(&policy, &text, Format::Json, window, 128, memory).0
            })
        })
    };
    let one = run(1);
    assert!(one[0].contains("\"evaluated\": 300"));
    assert_eq!(one[0], one[1]);
    assert!(one[2].contains("\"cut\": "));
    assert_eq!(one, run(4));
}

#[test]
fn the_command_gives_the_same_bytes_on_one_and_two_threads_and_draws_nothing_when_redirected() {
    let dir = std::env::temp_dir().join(format!("covenant-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let generated = std::process::Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(["generate", "--cases", "200", "--seed", "3"])
        .output()
        .unwrap();
    assert!(generated.status.success());
    std::fs::write(&events, &generated.stdout).unwrap();
    let run = |threads: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_covenant"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["eval", "--policy", "src/generate/contact-centre.policy"])
            .arg(&events)
            .args(["--at", "2026-06-20T00:00:00Z", "--format", "jsonl"])
            .args(["--fail-on", "never", "--threads", threads])
            .output()
            .unwrap()
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(0));
    assert!(
        one.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&one.stdout).lines().count(), 201);
    assert_eq!(one.stdout, two.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With an idle window, a line after its case was evaluated begins the case's next part: the part
/// is evaluated on its own, its report says which part it is and where it begins, and the case
/// is counted once (`cases + cut == evaluated + rejected`). Before, each such line was rejected on
/// its own and counted as a case.
#[test]
fn a_case_cut_by_the_window_is_reported_in_marked_parts_and_counted_once() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let text = [
        r#"{"case": "A", "at": "2026-06-01T09:00:00Z", "type": "opened"}"#,
        r#"{"case": "B", "at": "2026-06-01T09:01:00Z", "type": "opened"}"#,
        r#"{"case": "B", "at": "2026-06-01T09:02:00Z", "type": "answered"}"#,
        r#"{"case": "B", "at": "2026-06-01T09:03:00Z", "type": "responded"}"#,
        r#"{"case": "A", "at": "2026-06-01T09:04:00Z", "type": "answered"}"#,
        r#"{"case": "A", "at": "2026-06-01T09:05:00Z", "type": "responded"}"#,
    ]
    .join("\n");
    let (out, summary, _) = stream(&policy, &text, Format::Json, 2, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cases: Vec<(&str, Option<&serde_json::Value>)> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| (case["case"].as_str().unwrap(), case.get("part")))
        .collect();
    assert_eq!(cases.len(), 3, "{out}");
    assert_eq!(cases[0], ("A", None));
    assert_eq!(cases[1], ("B", None));
    assert_eq!(cases[2].0, "A");
    assert_eq!(
        cases[2].1.unwrap(),
        &serde_json::json!({"number": 2, "starts": "input.jsonl:5"})
    );
    assert_eq!(report["rejected"], serde_json::json!([]));
    assert_eq!(
        (
            summary.cases,
            summary.evaluated,
            summary.rejected,
            summary.cut
        ),
        (2, 3, 0, 1)
    );
    assert_eq!(report["summary"]["cut"], 1);
    let human = stream(&policy, &text, Format::Human, 2, 1).0;
    assert!(
        human.contains("case A\n  PART 2 from input.jsonl:5: "),
        "{human}"
    );
    assert!(
        human.contains(
            "2 cases, 3 evaluated, 0 rejected (1 later parts of cases cut by the window)"
        ),
        "{human}"
    );
    // Without a window the same input is read whole: one report a case, nothing cut, and no
    // `cut` in the counts.
    let (exact, summary, _) = stream(&policy, &text, Format::Json, 0, 1);
    assert_eq!(exact, whole(&policy, &text, Format::Json));
    assert_eq!((summary.cases, summary.cut), (2, 0));
    assert!(!exact.contains("\"cut\""), "{exact}");
    assert!(!exact.contains("\"part\""), "{exact}");
}

/// Open cases past the memory budget go to temporary files and are evaluated from them at the
/// end: the same bytes as whole-input evaluation in every format, however small the budget (a
/// file split again when it would not fit), rejected lines and cases included, on one thread
/// and on four.
#[test]
fn open_cases_written_to_temporary_files_give_the_bytes_of_whole_input_evaluation() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let mut text = generated(&policy, 400, 9);
    text.push_str("not json\n");
    text.push_str("{\"case\": \"C0000007\", \"at\": \"never\", \"type\": \"noted\"}\n");
    text.push_str("{\"case\": \"late\", \"at\": \"2026-06-01T09:00:00Z\", \"type\": \"opened\"}\n");
    for format in FORMATS {
        let expected = whole(&policy, &text, format);
        // One byte: every chunk is written out, and every file is split as far as it goes; a few
        // kilobytes: some files split; 64 KiB: written out a few times, no file split.
        for (memory, chunk) in [(1, 700), (6_000, 500), (65_536, 2_000), (0, 0)] {
            let (out, summary, progress) = stream_in(&policy, &text, format, 0, chunk, memory);
            assert_eq!(summary.rejected, 2, "{format:?}, {memory} bytes");
            assert!(
                out == expected,
                "{format:?} in {memory} bytes differs from whole-input evaluation"
            );
            assert_eq!(progress.spills > 0, memory > 0, "{memory} bytes");
        }
    }
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| stream_in(&policy, &text, Format::Jsonl, 0, 300, 2_000).0)
    };
    assert_eq!(run(1), run(4));
}

/// A time-ordered stream over 60 days in which a tenth of the cases last more than two weeks:
/// every case is reported once, whole, as whole-input evaluation reports it; the old default
/// window of 100,000 lines would have cut most long cases (here, with the stream scaled down, a
/// window of 2,000 lines cuts them).
#[test]
fn a_time_ordered_stream_of_cases_lasting_weeks_is_reported_whole() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let options = GenerateOptions {
        cases: 3_000,
        seed: 4,
        start: instant("2026-04-01T00:00:00Z"),
        days: Some(60),
        long_share: 0.1,
        long_span: chrono::TimeDelta::days(14),
    };
    let mut bytes = Vec::new();
    generate(&policy, &options, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (out, summary, progress) = stream_in(&policy, &text, Format::Jsonl, 0, 0, 100_000);
    assert!(progress.spills > 0);
    assert_eq!(
        (summary.cases, summary.evaluated, summary.rejected),
        (3_000, 3_000, 0)
    );
    assert!(out == whole(&policy, &text, Format::Jsonl));
    // A window of 500 lines, about a day of this stream's traffic.
    let (_, cut, _) = stream_in(&policy, &text, Format::Jsonl, 500, 100, 0);
    assert_eq!(cut.cases, 3_000);
    assert!(cut.cut > 500, "{} later parts", cut.cut);
}

/// The generator's long cases: about the share asked for last from the span to 1.5 times it,
/// lines stay in time order across all cases, the openings fall within the days asked for, and a
/// stream without long cases is the same bytes as before these options.
#[test]
fn the_generator_spreads_cases_over_days_and_makes_some_last_weeks() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let options = GenerateOptions {
        cases: 2_000,
        seed: 8,
        start: instant("2026-04-01T00:00:00Z"),
        days: Some(60),
        long_share: 0.1,
        long_span: chrono::TimeDelta::days(14),
    };
    let mut bytes = Vec::new();
    generate(&policy, &options, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut spans: std::collections::HashMap<String, (DateTime<Utc>, DateTime<Utc>)> =
        Default::default();
    let mut last = instant("2026-04-01T00:00:00Z");
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = instant(value["at"].as_str().unwrap());
        assert!(at >= last, "{line} is out of time order");
        last = at;
        let span = spans
            .entry(value["case"].as_str().unwrap().to_owned())
            .or_insert((at, at));
        span.1 = at;
    }
    let long = spans
        .values()
        .filter(|(from, to)| *to - *from > chrono::TimeDelta::days(14))
        .count();
    assert!(
        (150..250).contains(&long),
        "{long} of 2,000 cases last over 14 days"
    );
    assert!(spans
        .values()
        .all(|(from, to)| *to - *from < chrono::TimeDelta::days(22)));
    let last_opened = spans.values().map(|(from, _)| *from).max().unwrap();
    assert!(
        last_opened < instant("2026-05-31T00:00:00Z"),
        "{last_opened}"
    );
    assert!(
        last_opened > instant("2026-05-30T00:00:00Z"),
        "{last_opened}"
    );
    // Without the new options, the bytes of before.
    let plain = generated(&policy, 50, 42);
    let digest = plain.len() + plain.lines().count();
    assert_eq!(digest, 52_193 + 581, "the default stream changed");
}

#[test]
fn objectives_count_decided_clock_instances_per_period() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/batch");
    let policy = Policy::load(format!("{root}/rates.policy")).unwrap();
    let text = std::fs::read_to_string(format!("{root}/rates.jsonl")).unwrap();
    let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(&policy));
    grouper.push_text("rates.jsonl", &text);
    let batch = grouper.finish();
    // c4 rang 10 seconds ago: still running, not counted. c5 was never answered: breached.
    let at = instant("2026-06-02T09:00:10Z");
    let report = evaluate_whole(&Evaluator::new(&policy), &batch, at);
    let rows: Vec<(&str, &str, u64, u64, &str)> = report
        .objectives
        .iter()
        .map(|o| {
            (
                o.objective.as_str(),
                o.period.as_str(),
                o.met,
                o.total,
                o.state.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // c1 and c2 met, c3 (started on the 1st, answered after midnight) breached.
            ("answer_rate", "2026-06-01", 2, 3, "met"),
            ("answer_rate", "2026-06-02", 0, 1, "missed"),
            // Only c1 was answered within 10 seconds.
            ("fast", "2026-W23", 1, 4, "missed"),
            ("late", "2026-06", 2, 4, "missed"),
        ]
    );
    insta::assert_snapshot!(report.emit(Format::Human).unwrap());
}

/// Objectives combined elsewhere (over many machines): the per-case counts of
/// `Tally::counts`, summed per objective and period in any order, then `ObjectivePlan::line` of
/// each sum, are the objectives of whole-input evaluation, rates and states included.
#[test]
fn summed_per_case_counts_give_the_objectives_of_one_run() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(&policy));
    grouper.push_text("input.jsonl", &generated(&policy, 400, 5));
    let batch = grouper.finish();
    let at = instant("2026-07-01T00:00:00Z");
    let evaluator = Evaluator::new(&policy);
    let plan = ObjectivePlan::new(&policy);
    let mut sums: std::collections::BTreeMap<(usize, String), (u64, u64)> = Default::default();
    // Backwards, as another machine might add them up.
    for case in batch.cases.iter().rev() {
        let (_, tally) = evaluator.evaluate_counted(case, at, &plan).unwrap();
        for (index, period, met, total) in tally.counts() {
            let sum = sums.entry((index, period)).or_default();
            sum.0 += met;
            sum.1 += total;
        }
    }
    let combined: Vec<_> = sums
        .into_iter()
        .map(|((index, period), (met, total))| plan.line(index, period, met, total).unwrap())
        .collect();
    let report = evaluate_whole(&evaluator, &batch, at);
    assert_eq!(report.objectives.len(), 3, "each objective counts cases");
    assert_eq!(combined, report.objectives);
    assert!(plan
        .line(report.objectives.len() + 99, "2026-06".into(), 1, 2)
        .is_none());
}

#[test]
fn the_generator_is_deterministic_and_interleaves_cases() {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let first = generated(&policy, 50, 42);
    assert_eq!(first, generated(&policy, 50, 42));
    assert_ne!(first, generated(&policy, 50, 43));
    let ids: Vec<String> = first
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["case"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 50);
    // Interleaved: some case has another case's line between two of its own.
    let switches = ids.windows(2).filter(|pair| pair[0] != pair[1]).count();
    assert!(switches > distinct.len(), "{switches} switches");
    // Every line reads as an event of the policy.
    let batch = {
        let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(&policy));
        grouper.push_text("generated.jsonl", &first);
        grouper.finish()
    };
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
}
