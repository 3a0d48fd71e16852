//! The `human` emitter: per case, breaches first, then required actions with
//! their deadlines, then warnings, then the rest compactly.

use super::{CaseReport, IsoDuration, Report};
use serde::Serialize;
use std::fmt::Write;

/// A state word as written in the JSON report.
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn case(out: &mut String, c: &CaseReport) {
    let _ = writeln!(out, "case {}", c.case);
    if c.breaches.is_empty() && c.actions.is_empty() && c.warnings.is_empty() {
        let _ = writeln!(out, "  nothing breached, nothing due");
    }
    for b in &c.breaches {
        let due = b.due.map(|d| format!(" (due {d})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  BREACH  {} [{}] at {}{due}: {}",
            b.rule, b.kind, b.at, b.detail
        );
    }
    for a in &c.actions {
        let due = a
            .due
            .map(|d| format!("by {d}"))
            .unwrap_or_else(|| "no deadline".to_string());
        let _ = writeln!(out, "  ACTION  {} {due}: {}", a.rule, a.action);
    }
    for w in &c.warnings {
        let _ = writeln!(out, "  WARN    {} due {}: {}", w.rule, w.due, w.detail);
    }
    for p in &c.promises {
        let mut line = format!("  promise {}#{} {}", p.promise, p.instance, word(&p.state));
        if let Some(target) = &p.target {
            let _ = write!(line, " ({target})");
        }
        if let Some(due) = p.due {
            let _ = write!(line, " due {due}");
        }
        if let Some(late) = p.late_by {
            let _ = write!(line, " late by {late}");
        }
        if let Some(left) = p.remaining {
            let _ = write!(line, " {left} left");
        }
        if p.paused
            .is_some_and(|d| d != IsoDuration(chrono::TimeDelta::zero()))
        {
            let _ = write!(
                line,
                " paused {}",
                p.paused.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        let _ = writeln!(out, "{line}");
    }
    for s in &c.standards {
        let _ = writeln!(
            out,
            "  standard {} {}: {}",
            s.standard,
            word(&s.state),
            s.detail
        );
    }
    for m in &c.commitments {
        let due = m.due.map(|d| format!(" due {d}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  commitment {} {}{due}: {}",
            m.commitment,
            word(&m.state),
            m.detail
        );
    }
    for e in &c.escalations {
        let steps: Vec<String> = e
            .steps
            .iter()
            .map(|s| format!("{} {}", s.step, word(&s.state)))
            .collect();
        let _ = writeln!(
            out,
            "  escalation {} {}{}",
            e.escalation,
            word(&e.state),
            if steps.is_empty() {
                String::new()
            } else {
                format!(": {}", steps.join(", "))
            }
        );
    }
}

/// Renders the whole report for a terminal.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let version = report
        .policy
        .version
        .map(|v| format!(" version {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "policy \"{}\"{version}, as of {}\n",
        report.policy.name, report.as_of
    );
    for c in &report.cases {
        case(&mut out, c);
        out.push('\n');
    }
    for r in &report.rejected {
        let _ = writeln!(out, "REJECTED {}: {}", r.source, r.error);
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{}, {} evaluated, {} rejected; {}, {}, {}",
        plural(s.cases, "case", "cases"),
        s.evaluated,
        s.rejected,
        plural(s.breaches, "breach", "breaches"),
        plural(s.actions, "action", "actions"),
        plural(s.warnings, "warning", "warnings"),
    );
    out
}
