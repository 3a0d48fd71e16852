//! `explain`: one case as a timeline: its events in order, each clock's running
//! and paused stretches, each deadline with the reason it is what it is, and
//! the breaches.
//!
//! Every text that comes from the case or the policy is written through [`Escaped`] (see
//! [`crate::terminal`]): each entry stays on its line, no control character reaches the terminal.

use super::{CaseReport, ClockState, Instant, PromiseReport};
use crate::case::{Case, Event, Staff, Value};
use crate::terminal::Escaped;
use chrono_tz::Tz;
use serde::Serialize;
use std::fmt::Write;

pub(crate) fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn staff(s: &Staff) -> String {
    match &s.rank {
        Some(rank) => format!("{} ({})", Escaped(&s.id), Escaped(rank)),
        None => Escaped(&s.id).to_string(),
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("\"{}\"", Escaped(s)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
    }
}

fn clock(out: &mut String, p: &PromiseReport, as_of: Instant) {
    let _ = writeln!(
        out,
        "  promise {} #{}: {}",
        Escaped(&p.promise),
        p.instance,
        word(&p.state)
    );
    let _ = writeln!(out, "    {}", Escaped(&p.detail));
    let Some(started) = p.started else { return };
    let end = p
        .stopped
        .or_else(|| p.superseded.as_ref().map(|s| s.at))
        .unwrap_or(as_of);
    let mut cursor = started;
    // Paused while any reason held; each reason's own stretch under the span it is part of.
    for span in p.paused_spans() {
        if span.from > cursor {
            let _ = writeln!(out, "    running {cursor} .. {}", span.from);
        }
        let to = match span.to {
            Some(to) => to.to_string(),
            None => "(still paused)".to_string(),
        };
        match span.reasons.as_slice() {
            [only] => {
                let _ = writeln!(
                    out,
                    "    paused  {} .. {to}: {}",
                    span.from,
                    Escaped(&only.reason)
                );
            }
            reasons => {
                let _ = writeln!(out, "    paused  {} .. {to}", span.from);
                for reason in reasons {
                    let to = match reason.to {
                        Some(to) => to.to_string(),
                        None => "(still holds)".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "      {} .. {to}: {}",
                        reason.from,
                        Escaped(&reason.reason)
                    );
                }
            }
        }
        cursor = span.to.unwrap_or(end);
    }
    if end > cursor {
        let until = match (&p.stopped, &p.superseded) {
            (Some(_), _) => "stopped".to_string(),
            (None, Some(superseded)) => {
                let how = if p.state == ClockState::Superseded {
                    "superseded"
                } else {
                    "ended"
                };
                format!("{how} by {}", Escaped(&superseded.by))
            }
            (None, None) => "now".to_string(),
        };
        let _ = writeln!(out, "    running {cursor} .. {end} ({until})");
    } else if let (None, Some(superseded)) = (&p.stopped, &p.superseded) {
        let _ = writeln!(
            out,
            "    ended {} by {}",
            superseded.at,
            Escaped(&superseded.by)
        );
    }
    let mut line = String::from("   ");
    if let Some(due) = p.due {
        let _ = write!(line, " due {due}");
    }
    if let Some(elapsed) = p.elapsed {
        let _ = write!(line, ", counted {elapsed}");
    }
    if let Some(paused) = p.paused {
        let _ = write!(line, ", paused {paused}");
    }
    if let Some(late) = p.late_by {
        let _ = write!(line, ", late by {late}");
    }
    if let Some(left) = p.remaining {
        let _ = write!(line, ", {left} left");
    }
    let _ = writeln!(out, "{line}");
}

/// The fields of an event after its type, as `explain` lists them: `handler S1 (agent), venue
/// dispatch_floor, …`.
pub(crate) fn event_fields(e: &Event, tz: Option<Tz>) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(s) = &e.handler {
        parts.push(format!("handler {}", staff(s)));
    }
    if let Some(s) = &e.to {
        parts.push(format!("to {}", staff(s)));
    }
    if let Some(s) = &e.with {
        parts.push(format!("with {}", staff(s)));
    }
    if let Some(v) = &e.venue {
        parts.push(format!("venue {}", Escaped(v)));
    }
    if !e.subject.is_empty() {
        parts.push(format!("subject {}", Escaped(&e.subject.join(", "))));
    }
    if let Some(t) = e.time {
        parts.push(format!("time {}", Instant::new(t, tz)));
    }
    if let Some(t) = e.due {
        parts.push(format!("due {}", Instant::new(t, tz)));
    }
    if let Some(w) = &e.within {
        parts.push(format!("within {}", Escaped(w)));
    }
    if let Some(id) = &e.id {
        parts.push(format!("id {}", Escaped(id)));
    }
    if let Some(r) = &e.reference {
        parts.push(format!("ref {}", Escaped(r)));
    }
    for (k, v) in &e.fields {
        parts.push(format!("{} {}", Escaped(k), value(v)));
    }
    for (k, v) in &e.set {
        parts.push(format!("set {} = {}", Escaped(k), value(v)));
    }
    parts
}

/// Renders one evaluated case as a timeline.
pub fn timeline(case: &Case, report: &CaseReport, tz: Option<Tz>, as_of: Instant) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "case {} as of {as_of}", Escaped(&case.id));
    if !case.attributes.is_empty() {
        let attrs: Vec<String> = case
            .attributes
            .iter()
            .map(|(k, v)| format!("{}: {}", Escaped(k), value(v)))
            .collect();
        let _ = writeln!(out, "attributes {{{}}}", attrs.join(", "));
    }
    let _ = writeln!(out, "\nevents");
    let mut events: Vec<_> = case.events.iter().enumerate().collect();
    events.sort_by_key(|(i, e)| (e.at, *i));
    for (_, e) in events {
        let parts = event_fields(e, tz);
        let ignored = if Instant::new(e.at, tz) > as_of {
            "  (after the evaluation instant: not counted)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {}  {}{}{}{ignored}",
            Instant::new(e.at, tz),
            Escaped(&e.kind),
            if parts.is_empty() { "" } else { "  " },
            parts.join(", ")
        );
    }
    if !report.promises.is_empty() {
        let _ = writeln!(out, "\nclocks");
        for p in &report.promises {
            clock(&mut out, p, as_of);
        }
    }
    if !report.standards.is_empty() {
        let _ = writeln!(out, "\nstandards");
        for s in &report.standards {
            let at = s.at.map(|a| format!(" at {a}")).unwrap_or_default();
            let due = s.due.map(|d| format!(", due {d}")).unwrap_or_default();
            let number = s.instance.map(|n| format!(" #{n}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{number} {}{at}{due}: {}",
                Escaped(&s.standard),
                word(&s.state),
                Escaped(&s.detail)
            );
        }
    }
    if !report.commitments.is_empty() {
        let _ = writeln!(out, "\ncommitments");
        for c in &report.commitments {
            let mut due = c.due.map(|d| format!(", due {d}")).unwrap_or_default();
            if let Some(ended) = c.ended {
                let _ = write!(due, ", ended with the case {ended}");
            }
            let _ = writeln!(
                out,
                "  {} {}: made {}{due}: {}",
                Escaped(&c.commitment),
                word(&c.state),
                c.made,
                Escaped(&c.detail)
            );
        }
    }
    for e in &report.escalations {
        // The instance number, when the chain has more than one.
        let several = report.chain_has_instances(&e.escalation);
        let number = if several {
            format!(" #{}", e.instance)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\nescalation {}{number} {}: {}",
            Escaped(&e.escalation),
            word(&e.state),
            Escaped(&e.detail)
        );
        if let Some(activated) = e.activated {
            let until = match e.stopped {
                Some(stopped) => format!("{stopped} (stopped)"),
                None => format!("{as_of} (now)"),
            };
            let _ = writeln!(out, "  active {activated} .. {until}");
        }
        for s in &e.steps {
            let mut line = format!("  step {} {}", Escaped(&s.step), word(&s.state));
            if let Some(t) = s.became_due {
                let _ = write!(line, ", due since {t}");
            }
            if let Some(t) = s.deadline {
                let _ = write!(line, ", deadline {t}");
            }
            if let Some(t) = s.done {
                let _ = write!(line, ", done {t}");
            }
            let _ = writeln!(out, "{line}\n    {}", Escaped(&s.detail));
            if let Some(a) = &s.appointment {
                let met = a.met.map(|m| format!(", met {m}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    appointment with {} at {}: {}{met}",
                    Escaped(&a.with),
                    a.time,
                    word(&a.state)
                );
                if !a.moves.is_empty() {
                    let _ = writeln!(out, "      booked {} for {}", a.booked, a.first_time);
                    for m in &a.moves {
                        let _ = writeln!(out, "      moved {} from {} to {}", m.at, m.from, m.to);
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "\nbreaches");
    if report.breaches.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for b in &report.breaches {
        let _ = writeln!(
            out,
            "  {} {} [{}]: {}",
            b.at,
            Escaped(&b.rule),
            Escaped(&b.kind),
            Escaped(&b.detail)
        );
    }
    if !report.actions.is_empty() {
        let _ = writeln!(out, "\nrequired actions");
        for a in &report.actions {
            let due = a
                .due
                .map(|d| format!("by {d}"))
                .unwrap_or_else(|| "no deadline".to_string());
            let _ = writeln!(out, "  {} {due}: {}", Escaped(&a.rule), Escaped(&a.action));
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings");
        for w in &report.warnings {
            let _ = writeln!(
                out,
                "  {} due {}: {}",
                Escaped(&w.rule),
                w.due,
                Escaped(&w.detail)
            );
        }
    }
    out
}
