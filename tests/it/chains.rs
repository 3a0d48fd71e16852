//! Laws of escalation chains over random timelines: `in order` means exactly "each step without
//! `after` waits for the step above it", a `restart on` event that never happens changes nothing,
//! and a step that waits for nothing is due when its chain instance is activated.
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use chrono::{DateTime, TimeDelta, Utc};
use covenant::case::{Case, Event, Staff};
use covenant::check::Policy;
use covenant::eval::Evaluator;
use covenant::report::CaseReport;
use proptest::prelude::*;

const HEADER: &str = r#"policy "Chain laws" { timezone "Asia/Shanghai" }
ranks agent < supervisor < manager
venues public: counter
venues private: reception_room
promise resolution { from opened until resolved restart on reopened target within 2h }
"#;

/// The three changes and a step on the resolution clock, `in order` or not, with the `after`
/// clauses of `change_venue` and `told` (or nothing) and the chain's `extra` clauses.
fn policy(in_order: bool, after_venue: &str, after_told: &str, extra: &str) -> Policy {
    let order = if in_order { " in order" } else { "" };
    let text = format!(
        "{HEADER}
escalation three_changes{order} {{
  trigger on dissatisfied
  step change_handler {{ change handler to rank above current, not subject  within 15m }}
  step change_venue {{ {after_venue} change venue to private  within 30m }}
  step change_time {{
    after change_handler, change_venue
    trigger on dissatisfied
    appoint rank above handler
    within 1h
    keep appointment grace 10m, moved at most 1
  }}
  step told {{ {after_told} trigger at 50% of resolution  notify manager  within 20m }}
  {extra}
  stop on resolved
}}
"
    );
    Policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn staff(id: &str, rank: &str) -> Option<Staff> {
    Some(Staff {
        id: id.to_owned(),
        rank: Some(rank.to_owned()),
    })
}

/// One event of a small vocabulary, `minutes` after the previous one.
fn event(kind: u8, at: DateTime<Utc>) -> Event {
    let mut e = Event {
        at,
        ..Event::default()
    };
    let (name, apply): (&str, fn(&mut Event)) = match kind % 9 {
        0 => ("opened", |e| {
            e.handler = staff("S1", "agent");
            e.venue = Some("counter".to_owned());
        }),
        1 => ("dissatisfied", |e| e.subject = vec!["S1".to_owned()]),
        2 => ("assigned", |e| e.handler = staff("M1", "supervisor")),
        3 => ("moved", |e| e.venue = Some("reception_room".to_owned())),
        4 => ("appointment", |e| {
            e.with = staff("D1", "manager");
            e.time = Some(e.at + TimeDelta::hours(2));
        }),
        5 => ("met", |e| e.with = staff("D1", "manager")),
        6 => ("resolved", |_| {}),
        7 => ("reopened", |_| {}),
        _ => ("notified", |e| e.with = staff("D1", "manager")),
    };
    e.kind = name.to_owned();
    apply(&mut e);
    e
}

fn case(events: &[(u8, u32)]) -> Case {
    let mut at = DateTime::parse_from_rfc3339("2026-06-22T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let events = events
        .iter()
        .map(|&(kind, minutes)| {
            at += TimeDelta::minutes(i64::from(minutes));
            event(kind, at)
        })
        .collect();
    Case {
        id: "law".to_owned(),
        events,
        ..Case::default()
    }
}

fn report(policy: &Policy, case: &Case, hours: i64) -> CaseReport {
    let last = case.events.last().map_or(DateTime::UNIX_EPOCH, |e| e.at);
    Evaluator::new(policy).evaluate(case, last + TimeDelta::hours(hours))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// `in order` is the same as writing `after` the step above on each step without `after`.
    #[test]
    fn in_order_is_after_the_step_above(
        events in prop::collection::vec((0u8..9, 0u32..40), 0..14),
        hours in 0i64..30,
    ) {
        let case = case(&events);
        // `told` has no `after`: in order, it waits for `change_time`.
        let written = policy(false, "after change_handler", "", "");
        let told_after = policy(false, "after change_handler", "after change_time", "");
        let ordered = policy(true, "", "", "");
        prop_assert_eq!(report(&told_after, &case, hours), report(&ordered, &case, hours));
        // Without `in order`, `told` waits for nothing: the two differ only through it.
        let unordered = report(&written, &case, hours);
        for e in &unordered.escalations {
            if let (Some(activated), Some(told)) = (e.activated, e.steps.iter().find(|s| s.step == "told")) {
                if let Some(due) = told.became_due {
                    prop_assert!(due >= activated);
                }
            }
        }
    }

    /// A `restart on` event that never happens changes nothing.
    #[test]
    fn a_restart_that_never_happens_changes_nothing(
        events in prop::collection::vec((0u8..7, 0u32..40), 0..14),
        hours in 0i64..30,
    ) {
        let case = case(&events);
        let plain = policy(false, "", "", "");
        let restart = policy(false, "", "", "restart on never_happens");
        prop_assert_eq!(report(&plain, &case, hours), report(&restart, &case, hours));
    }

    /// In every instance, a step that waits for nothing and has no trigger of its own is due
    /// when the instance is activated; instances are numbered 1, 2, … and do not overlap.
    #[test]
    fn steps_without_after_are_due_at_the_activation(
        events in prop::collection::vec((0u8..9, 0u32..40), 0..16),
        hours in 0i64..30,
    ) {
        let case = case(&events);
        let policy = policy(false, "", "", "restart on reopened");
        let report = report(&policy, &case, hours);
        let mut previous_end = None;
        for (index, e) in report.escalations.iter().enumerate() {
            prop_assert_eq!(e.instance as usize, index + 1);
            let Some(activated) = e.activated else { continue };
            if let Some(end) = previous_end {
                prop_assert!(activated >= end);
            }
            previous_end = e.stopped;
            for step in e.steps.iter().filter(|s| s.step == "change_handler" || s.step == "change_venue") {
                prop_assert_eq!(step.became_due, Some(activated));
            }
        }
    }
}
