//! The `human` emitter: per case, breaches first, then required actions with
//! their deadlines, then warnings, then the rest compactly.
//!
//! Every text that comes from a case or a policy (ids, names, details, sources) is written
//! through [`Escaped`]: each entry stays on its line, and no control character reaches the
//! terminal.

use super::{
    CaseReport, Instant, IsoDuration, ObjectiveReport, PolicyRef, RejectedCase, Report, Summary,
};
use crate::terminal::Escaped;
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

/// Renders one case, followed by a blank line.
pub(super) fn case(out: &mut String, c: &CaseReport) {
    let _ = writeln!(out, "case {}", Escaped(&c.case));
    if let Some(part) = &c.part {
        let _ = writeln!(
            out,
            "  PART {} from {}: the window evaluated the case's earlier events on their own",
            part.number,
            Escaped(&part.starts.to_string())
        );
    }
    if c.breaches.is_empty() && c.actions.is_empty() && c.warnings.is_empty() {
        let _ = writeln!(out, "  nothing breached, nothing due");
    }
    for b in &c.breaches {
        let due = b.due.map(|d| format!(" (due {d})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  BREACH  {} [{}] at {}{due}: {}",
            Escaped(&b.rule),
            Escaped(&b.kind),
            b.at,
            Escaped(&b.detail)
        );
    }
    for a in &c.actions {
        let due = a
            .due
            .map(|d| format!("by {d}"))
            .unwrap_or_else(|| "no deadline".to_string());
        let _ = writeln!(
            out,
            "  ACTION  {} {due}: {}",
            Escaped(&a.rule),
            Escaped(&a.action)
        );
    }
    for w in &c.warnings {
        let _ = writeln!(
            out,
            "  WARN    {} due {}: {}",
            Escaped(&w.rule),
            w.due,
            Escaped(&w.detail)
        );
    }
    for p in &c.promises {
        let mut line = format!(
            "  promise {}#{} {}",
            Escaped(&p.promise),
            p.instance,
            word(&p.state)
        );
        if let Some(target) = &p.target {
            let _ = write!(line, " ({})", Escaped(target));
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
        if let Some(superseded) = &p.superseded {
            let _ = write!(
                line,
                " ended {} by {}",
                superseded.at,
                Escaped(&superseded.by)
            );
        }
        let _ = writeln!(out, "{line}");
    }
    for s in &c.standards {
        let number = s.instance.map(|n| format!("#{n}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  standard {}{number} {}: {}",
            Escaped(&s.standard),
            word(&s.state),
            Escaped(&s.detail)
        );
    }
    for m in &c.commitments {
        let mut due = m.due.map(|d| format!(" due {d}")).unwrap_or_default();
        if let Some(ended) = m.ended {
            let _ = write!(due, ", ended with the case {ended}");
        }
        let _ = writeln!(
            out,
            "  commitment {} {}{due}: {}",
            Escaped(&m.commitment),
            word(&m.state),
            Escaped(&m.detail)
        );
    }
    for e in &c.escalations {
        let steps: Vec<String> = e
            .steps
            .iter()
            .map(|s| format!("{} {}", Escaped(&s.step), word(&s.state)))
            .collect();
        // The instance, when `restart on` gave the chain several.
        let several = c.chain_has_instances(&e.escalation);
        let _ = writeln!(
            out,
            "  escalation {}{} {}{}",
            Escaped(&e.escalation),
            if several {
                format!("#{}", e.instance)
            } else {
                String::new()
            },
            word(&e.state),
            if steps.is_empty() {
                String::new()
            } else {
                format!(": {}", steps.join(", "))
            }
        );
    }
    out.push('\n');
}

/// Renders the whole report for a terminal.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, &report.policy, &report.as_of);
    for c in &report.cases {
        case(&mut out, c);
    }
    objective_table(&mut out, &report.objectives);
    for r in &report.rejected {
        rejected_line(&mut out, r);
    }
    counts(&mut out, &report.summary);
    out
}

/// The first line: the policy and the evaluation instant.
pub(super) fn header(out: &mut String, policy: &PolicyRef, as_of: &Instant) {
    let version = policy
        .version
        .map(|v| format!(" version {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "policy \"{}\"{version}, as of {as_of}\n",
        Escaped(&policy.name)
    );
}

/// The line of a rejected case.
pub(super) fn rejected_line(out: &mut String, r: &RejectedCase) {
    let _ = writeln!(
        out,
        "REJECTED {}: {}",
        Escaped(&r.source.to_string()),
        Escaped(&r.error)
    );
}

/// The counts, last in the trailer.
pub(super) fn counts(out: &mut String, s: &Summary) {
    let cut = match s.cut {
        0 => String::new(),
        n => format!(" ({n} later parts of cases cut by the window)"),
    };
    let _ = writeln!(
        out,
        "{}, {} evaluated, {} rejected{cut}; {}, {}, {}",
        plural(s.cases, "case", "cases"),
        s.evaluated,
        s.rejected,
        plural(s.breaches, "breach", "breaches"),
        plural(s.actions, "action", "actions"),
        plural(s.warnings, "warning", "warnings"),
    );
}

/// One row per objective and period, columns aligned.
pub(super) fn objective_table(out: &mut String, objectives: &[ObjectiveReport]) {
    if objectives.is_empty() {
        return;
    }
    let header = [
        "objective".to_owned(),
        "period".to_owned(),
        "met".to_owned(),
        "total".to_owned(),
        "rate".to_owned(),
        "state".to_owned(),
    ];
    let rows: Vec<[String; 6]> = std::iter::once(header)
        .chain(objectives.iter().map(|o| {
            [
                Escaped(&o.objective).to_string(),
                Escaped(&o.period).to_string(),
                o.met.to_string(),
                o.total.to_string(),
                format!("{:.1}%", o.rate * 100.0),
                Escaped(&o.state).to_string(),
            ]
        }))
        .collect();
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(unicode_width(cell));
        }
    }
    out.push_str("objectives\n");
    for row in &rows {
        let mut line = String::from(" ");
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            let pad = width - unicode_width(cell);
            // Names and periods are left-aligned, numbers right-aligned.
            if index < 2 || index == 5 {
                let _ = write!(line, " {cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(line, " {}{cell}", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

/// Display width, counting every character as one column (names are mostly ASCII).
fn unicode_width(text: &str) -> usize {
    text.chars().count()
}
