//! Checking a large policy, evaluating one case, and batch throughput over a generated stream.

#![allow(clippy::unwrap_used, reason = "benchmark setup fails loudly")]

use std::hint::black_box;

use chrono::{DateTime, Utc};
use covenant::batch::{Batch, BatchOptions};
use covenant::case::{JsonlGrouper, ReadOptions};
use covenant::check::Policy;
use covenant::eval::Evaluator;
use covenant::generate::{generate, GenerateOptions, CONTACT_CENTRE_POLICY};
use covenant::report::Format;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn stream(policy: &Policy, cases: u64) -> String {
    let options = GenerateOptions {
        cases,
        seed: 1,
        start: instant("2026-06-01T08:00:00Z"),
        ..GenerateOptions::default()
    };
    let mut out = Vec::new();
    generate(policy, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Parse and check of the largest example policy (with its shared calendars file).
fn check(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/logistics/complaints.policy"
    );
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
    c.bench_function("check/logistics_complaints", |b| {
        b.iter(|| Policy::load_within(black_box(path), black_box(root)).unwrap())
    });
}

/// One case of a generated stream with many events, evaluated alone.
fn single_case(c: &mut Criterion) {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let text = stream(&policy, 200);
    let mut grouper = JsonlGrouper::new(ReadOptions::for_policy(&policy));
    grouper.push_text("bench.jsonl", &text);
    let batch = grouper.finish();
    let case = batch
        .cases
        .iter()
        .max_by_key(|case| case.events.len())
        .unwrap();
    let evaluator = Evaluator::new(&policy);
    let as_of = instant("2026-06-20T00:00:00Z");
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(case.events.len() as u64));
    group.bench_function("one_case", |b| {
        b.iter(|| evaluator.evaluate(black_box(case), as_of))
    });
    group.finish();
}

/// Lines in, JSONL reports out (to nowhere), on all cores.
fn batch(c: &mut Criterion) {
    let policy = Policy::parse(CONTACT_CENTRE_POLICY).unwrap();
    let text = stream(&policy, 5_000);
    let evaluator = Evaluator::new(&policy);
    let options = BatchOptions::new(instant("2026-06-20T00:00:00Z"));
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(text.lines().count() as u64));
    group.bench_function("generated_5000_cases", |b| {
        b.iter(|| {
            let mut run =
                Batch::writing(&evaluator, options.clone(), Format::Jsonl, std::io::sink())
                    .unwrap();
            run.push_text("bench.jsonl", black_box(&text)).unwrap();
            run.finish().unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, check, single_case, batch);
criterion_main!(benches);
