//! `explain`: one case as a timeline: its events in order, each clock's running
//! and paused stretches, each deadline with the reason it is what it is, and
//! the breaches.
//!
//! Every text that comes from the case or the policy is written through [`Escaped`] (see
//! [`crate::terminal`]): each entry stays on its line, no control character reaches the terminal.

use super::{CaseReport, Instant, PromiseReport};
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
    let end = p.stopped.unwrap_or(as_of);
    let mut cursor = started;
    for pause in &p.pauses {
        if pause.from > cursor {
            let _ = writeln!(out, "    running {cursor} .. {}", pause.from);
        }
        match pause.to {
            Some(to) => {
                let _ = writeln!(out, "    paused  {} .. {to}", pause.from);
                cursor = to;
            }
            None => {
                let _ = writeln!(out, "    paused  {} .. (still paused)", pause.from);
                cursor = end;
            }
        }
    }
    if end > cursor {
        let until = if p.stopped.is_some() {
            "stopped"
        } else {
            "now"
        };
        let _ = writeln!(out, "    running {cursor} .. {end} ({until})");
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
            let _ = writeln!(
                out,
                "  {} {}{at}{due}: {}",
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
        let _ = writeln!(
            out,
            "\nescalation {} {}: {}",
            Escaped(&e.escalation),
            word(&e.state),
            Escaped(&e.detail)
        );
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
                let _ = writeln!(
                    out,
                    "    appointment with {} at {}: {}",
                    Escaped(&a.with),
                    a.time,
                    word(&a.state)
                );
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
