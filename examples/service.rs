//! A service-style use of the library: the policy is loaded and compiled once at start-up, then
//! cases arriving on a queue are evaluated by several worker threads sharing it.
//!
//! Run with `cargo run --example service`. Here the "queue" is the example cases of
//! `policies/logistics`, each submitted many times; a real service would read them from its
//! database or a message broker.

use covenant::case::{read_path, ReadOptions};
use covenant::{Case, CaseReport, DateTime, Evaluator, Policy, Utc};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Worker threads evaluating cases.
const WORKERS: usize = 4;
/// How many times each example case is submitted.
const ROUNDS: usize = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Start-up: load and check the policy once; a broken policy stops the service with every
    // diagnostic, never a half-working policy.
    let policy = Policy::load_within("policies/logistics/complaints.policy", "policies")?;
    let options = ReadOptions::for_policy(&policy);
    let as_of: DateTime<Utc> = "2026-06-30T18:00:00+08:00".parse()?;

    // The incoming cases; a case that cannot be read is reported, not dropped.
    let mut cases: Vec<Case> = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(Path::new("policies/logistics/cases"))?
        .flatten()
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        let batch = read_path(&path, &options)?;
        for rejected in &batch.rejected {
            eprintln!("rejected {rejected}");
        }
        cases.extend(batch.cases);
    }

    // The queue: a channel of cases, drained by workers that share one compiled evaluator.
    let (sender, receiver) = mpsc::channel::<Case>();
    let receiver = Arc::new(Mutex::new(receiver));
    let evaluator = Evaluator::new(&policy);
    let reports: Vec<CaseReport> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                let evaluator = &evaluator;
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let next = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => break,
                        };
                        let Ok(case) = next else { break };
                        done.push(evaluator.evaluate(&case, as_of));
                    }
                    done
                })
            })
            .collect();
        for _ in 0..ROUNDS {
            for case in &cases {
                if sender.send(case.clone()).is_err() {
                    break;
                }
            }
        }
        drop(sender);
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    });

    // Evaluation is pure, so every copy of a case got the same report, whichever thread ran it.
    for case in &cases {
        let expected = evaluator.evaluate(case, as_of);
        let copies = reports.iter().filter(|r| r.case == case.id);
        assert!(copies.clone().all(|r| *r == expected));
        println!(
            "{}: {} evaluations, {} breaches, {} actions, {} warnings",
            case.id,
            copies.count(),
            expected.breaches.len(),
            expected.actions.len(),
            expected.warnings.len()
        );
    }
    println!("{} reports from {WORKERS} threads", reports.len());
    Ok(())
}
