//! Promises: each promise is a clock rule; its instances become report entries,
//! breaches, required actions and warnings.

use super::clock::{ClockRule, ClockRun, Outcome};
use super::describe;
use super::Collector;
use crate::report::{
    Breach, ClockState, IsoDuration, PromiseReport, RequiredAction, Stretch, Warning,
};
use chrono::{DateTime, Utc};

/// Reports the instances of one promise at `as_of`. Their texts move into the report entries; the
/// rest of each outcome stays for the escalation triggers that read it.
pub(crate) fn report(
    rule: &ClockRule<'_>,
    outcomes: &mut [Outcome],
    as_of: DateTime<Utc>,
    out: &mut Collector,
) {
    for o in outcomes {
        let entry = PromiseReport {
            promise: rule.name.to_string(),
            instance: o.number,
            state: o.state,
            target: o.target.take(),
            started: Some(out.at(o.started)),
            due: o.due.map(|t| out.at(t)),
            stopped: o.stopped.map(|t| out.at(t)),
            elapsed: Some(IsoDuration(o.elapsed)),
            paused: Some(IsoDuration(o.paused)),
            late_by: o.late_by.map(IsoDuration),
            remaining: o.remaining.map(IsoDuration),
            pauses: o
                .pauses
                .iter()
                .map(|&(from, to)| Stretch {
                    from: out.at(from),
                    to: to.map(|t| out.at(t)),
                })
                .collect(),
            detail: std::mem::take(&mut o.detail),
        };
        out.report.promises.push(entry);
        let Some(due) = o.due else { continue };
        match o.state {
            ClockState::Breached => {
                let mut detail = String::with_capacity(48);
                detail.push_str("instance ");
                describe::push_number(&mut detail, u64::from(o.number));
                let late = match (o.stopped, o.late_by) {
                    (Some(_), Some(late)) => {
                        detail.push_str(" stopped ");
                        late
                    }
                    (_, late) => {
                        detail.push_str(" still open ");
                        late.unwrap_or_default()
                    }
                };
                describe::write_duration(&mut detail, late);
                detail.push_str(" after its due time");
                out.breach(Breach {
                    rule: rule.name.to_string(),
                    kind: "promise_breached".to_string(),
                    due: Some(out.at(due)),
                    at: out.at(due),
                    detail,
                });
                if o.stopped.is_none() {
                    out.action(RequiredAction {
                        rule: rule.name.to_string(),
                        action: describe::concat(&["do ", &rule.until_text]),
                        due: Some(out.at(due)),
                    });
                }
            }
            ClockState::Running => {
                out.action(RequiredAction {
                    rule: rule.name.to_string(),
                    action: describe::concat(&["do ", &rule.until_text]),
                    due: Some(out.at(due)),
                });
                if let Some(point) = o.warn_at.filter(|w| *w <= as_of) {
                    out.warning(Warning {
                        rule: rule.name.to_string(),
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
            _ => {}
        }
    }
}

/// A promise that never started is reported `pending` when it applies to the case state at `as_of`.
pub(crate) fn pending(
    rule: &ClockRule<'_>,
    run: &ClockRun<'_, '_>,
    applies_now: bool,
    out: &mut Collector,
) {
    if run.instances.is_empty() && run.declined.is_none() && applies_now {
        out.report.promises.push(PromiseReport {
            promise: rule.name.to_string(),
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
        });
    }
}
