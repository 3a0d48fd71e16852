//! Promises: each promise is a clock rule; its instances become report entries,
//! breaches, required actions and warnings.

use super::clock::{ClockRun, DueState, Judged, Outcome};
use super::Collector;
use crate::compile::{describe, ClockRule};
use crate::report::{
    Breach, ClockState, IsoDuration, PromiseReport, RequiredAction, Stretch, Supersession, Warning,
};
use chrono::{DateTime, Utc};

/// Reports the instances of one promise at `as_of`. Their details move into the report entries;
/// the rest of each outcome stays for the escalation triggers that read it.
pub(crate) fn report(
    rule: &ClockRule,
    outcomes: &mut [Outcome<'_>],
    as_of: DateTime<Utc>,
    out: &mut Collector,
) {
    for o in outcomes {
        let entry = entry(rule, o, out);
        out.report.promises.push(entry);
        let Judged::Due { due, state, .. } = o.judged else {
            continue;
        };
        match state {
            DueState::Breached { late_by } => breached(rule, o, due, late_by, out),
            DueState::Open { paused: false, .. } => {
                out.action(RequiredAction {
                    rule: rule.name.clone(),
                    action: describe::concat(&["do ", &rule.until_text]),
                    due: Some(out.at(due)),
                });
                if let Some(point) = o.warn_at.filter(|w| *w <= as_of) {
                    out.warning(Warning {
                        rule: rule.name.clone(),
                        kind: "approaching".to_string(),
                        due: out.at(due),
                        detail: format!(
                            "instance {} passed its warning point at {}",
                            o.number,
                            out.at(point)
                        ),
                    });
                }
            }
            DueState::Met | DueState::Superseded | DueState::Open { paused: true, .. } => {}
        }
    }
}

/// The report entry of one instance (its detail moves into it).
fn entry(rule: &ClockRule, o: &mut Outcome<'_>, out: &Collector) -> PromiseReport {
    PromiseReport {
        promise: rule.name.clone(),
        instance: o.number,
        state: o.state(),
        target: o.target().map(|t| t.deadline.text.clone()),
        started: Some(out.at(o.started)),
        due: o.due().map(|t| out.at(t)),
        stopped: o.stopped.map(|t| out.at(t)),
        elapsed: Some(IsoDuration(o.elapsed)),
        paused: Some(IsoDuration(o.paused)),
        late_by: o.late_by().map(IsoDuration),
        remaining: o.remaining().map(IsoDuration),
        pauses: o
            .pauses
            .iter()
            .map(|p| Stretch {
                from: out.at(p.from),
                to: p.to.map(|t| out.at(t)),
                // A stretch's reason is the position of one of the rule's clauses: always there.
                reason: rule
                    .pauses
                    .get(p.reason)
                    .map_or_else(String::new, |r| r.reason.clone()),
            })
            .collect(),
        detail: std::mem::take(&mut o.detail),
        superseded: o.superseded.as_ref().map(|s| Supersession {
            at: out.at(s.at),
            by: s.by.clone(),
        }),
    }
}

/// The breach of an instance due at `due` and late by `late_by`, and the action while it is open.
fn breached(
    rule: &ClockRule,
    o: &Outcome<'_>,
    due: DateTime<Utc>,
    late_by: chrono::TimeDelta,
    out: &mut Collector,
) {
    let mut detail = String::with_capacity(48);
    detail.push_str("instance ");
    describe::push_number(&mut detail, u64::from(o.number));
    match (&o.stopped, &o.superseded) {
        (Some(_), _) => detail.push_str(" stopped "),
        (None, Some(superseded)) => {
            detail.push_str(" ended by `");
            detail.push_str(&superseded.by);
            detail.push_str("` ");
        }
        (None, None) => detail.push_str(" still open "),
    }
    describe::write_duration(&mut detail, late_by);
    detail.push_str(" after its due time");
    out.breach(Breach {
        rule: rule.name.clone(),
        kind: "promise_breached".to_string(),
        due: Some(out.at(due)),
        at: out.at(due),
        detail,
    });
    if o.is_open() {
        out.action(RequiredAction {
            rule: rule.name.clone(),
            action: describe::concat(&["do ", &rule.until_text]),
            due: Some(out.at(due)),
        });
    }
}

/// A promise that never started is reported `pending` when it applies to the case state at `as_of`.
pub(crate) fn pending(
    rule: &ClockRule,
    run: &ClockRun<'_>,
    applies_now: bool,
    out: &mut Collector,
) {
    if run.instances.is_empty() && run.declined.is_none() && applies_now {
        out.report.promises.push(PromiseReport {
            promise: rule.name.clone(),
            instance: 1,
            state: ClockState::Pending,
            target: None,
            started: None,
            due: None,
            stopped: None,
            elapsed: None,
            paused: None,
            late_by: None,
            remaining: None,
            pauses: Vec::new(),
            detail: describe::concat(&["waiting for ", &rule.from_text]),
            superseded: None,
        });
    }
}
