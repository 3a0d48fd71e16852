//! Policy fragments written back as policy text, for reports (`within 2h on office`), and the
//! lengths of time and numbers reports write.

use crate::syntax::ast::{
    Action, Amount, ClockTime, CutoffDayAst, Deadline, EventPattern, Expr, Privacy,
    StaffConstraint, Trigger, Value, VenueTarget,
};
use chrono::TimeDelta;

/// A length of time in policy notation: `1h30m`, `2d`, `45s`, `0s`.
pub(crate) fn duration(delta: TimeDelta) -> String {
    let mut text = String::with_capacity(12);
    write_duration(&mut text, delta);
    text
}

/// Writes [`duration`]'s text to `out` (reports write many of them).
pub(crate) fn write_duration(out: &mut String, delta: TimeDelta) {
    let total = delta.num_seconds().max(0);
    if total == 0 {
        out.push_str("0s");
        return;
    }
    let parts = [
        (total / 86_400, 'd'),
        (total % 86_400 / 3600, 'h'),
        (total % 3600 / 60, 'm'),
        (total % 60, 's'),
    ];
    for (n, unit) in parts {
        if n > 0 {
            push_number(out, n.unsigned_abs());
            out.push(unit);
        }
    }
}

/// Texts one after the other, in a string of their length.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// Writes the decimal digits of `n`.
pub(crate) fn push_number(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        if let Some(digit) = digits.get_mut(at) {
            *digit = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || at == 0 {
            break;
        }
    }
    for &digit in digits.iter().skip(at) {
        out.push(char::from(digit));
    }
}

fn seconds(amount: u64) -> String {
    duration(super::seconds(amount))
}

fn clock(t: &ClockTime) -> String {
    format!("{:02}:{:02}", t.hour, t.minute)
}

/// A deadline rule as written: `within 2h on office`, `by 11:00 next day if before 15:00`,
/// `within 第一时间`, `今天`.
pub(crate) fn deadline(rule: &Deadline) -> String {
    match rule {
        Deadline::Within { amount, on, .. } => match on {
            Some(cal) => format!("within {} on {}", seconds(amount.seconds), cal.name),
            None => format!("within {}", seconds(amount.seconds)),
        },
        Deadline::Workdays { count, on, .. } => {
            format!("within {} on {}", workdays(count.value), on.name)
        }
        Deadline::Cutoff {
            by,
            day,
            if_before,
            on,
            ..
        } => {
            let day = match day {
                CutoffDayAst::SameDay => "same day".to_string(),
                CutoffDayAst::NextDay => "next day".to_string(),
                CutoffDayAst::InDays(n) => format!("in {} days", n.value),
                CutoffDayAst::SameWorkday => "same workday".to_string(),
                CutoffDayAst::NextWorkday => "next workday".to_string(),
            };
            let mut text = format!("by {} {day}", clock(by));
            if let Some(before) = if_before {
                text.push_str(&format!(" if before {}", clock(before)));
            }
            if let Some(cal) = on {
                text.push_str(&format!(" on {}", cal.name));
            }
            text
        }
        Deadline::WithinTerm { term, on, .. } => match on {
            Some(cal) => format!("within {} on {}", term.name, cal.name),
            None => format!("within {}", term.name),
        },
        Deadline::Term { term, .. } => term.name.clone(),
    }
}

/// An amount as written: `10m`, `10m on office`, `3 workdays on cn_office`.
pub(crate) fn amount(amount: &Amount) -> String {
    let (text, on) = match amount {
        Amount::Duration { amount, on, .. } => (seconds(amount.seconds), on),
        Amount::Workdays { count, on, .. } => (workdays(count.value), on),
    };
    match on {
        Some(cal) => format!("{text} on {}", cal.name),
        None => text,
    }
}

/// `N workday` or `N workdays`.
fn workdays(count: u32) -> String {
    let unit = if count == 1 { "workday" } else { "workdays" };
    format!("{count} {unit}")
}

/// An event pattern as written: `transferred where reason == "unknown"`.
pub(crate) fn pattern(p: &EventPattern) -> String {
    match &p.filter {
        Some(filter) => format!("{} where {}", p.event.name, expr(filter)),
        None => p.event.name.clone(),
    }
}

/// Event patterns joined by ` or `: `responded or closed`.
pub(crate) fn patterns(list: &[EventPattern]) -> String {
    list.iter().map(pattern).collect::<Vec<_>>().join(" or ")
}

fn constraints(list: &[StaffConstraint]) -> String {
    list.iter()
        .map(|c| match c {
            StaffConstraint::RankAboveCurrent(_) => "rank above current".to_string(),
            StaffConstraint::Rank { op: o, rank, .. } => format!("rank {} {}", o.text(), rank.name),
            StaffConstraint::NotSubject(_) => "not subject".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{:?}", s.value),
        Value::Number(n) => n.value.to_string(),
        Value::Bool(b) => b.value.to_string(),
    }
}

/// A condition as written (with parentheses where `and`/`or` nest): `tier in ["A", "vip"]`.
///
/// Written from a work list, not by recursion: the depth of a condition costs no stack.
pub(crate) fn expr(e: &Expr) -> String {
    /// What is left to write: a condition, one nested in another (parenthesized when it is an
    /// `and` or an `or`), or text.
    enum Part<'e> {
        Whole(&'e Expr),
        Nested(&'e Expr),
        Text(&'static str),
    }
    let mut out = String::new();
    let mut parts = vec![Part::Whole(e)];
    while let Some(part) = parts.pop() {
        let e = match part {
            Part::Text(text) => {
                out.push_str(text);
                continue;
            }
            Part::Nested(e @ (Expr::And { .. } | Expr::Or { .. })) => {
                parts.extend([Part::Text(")"), Part::Whole(e), Part::Text("(")]);
                continue;
            }
            Part::Whole(e) | Part::Nested(e) => e,
        };
        match e {
            Expr::And { left, right, .. } => {
                parts.extend([Part::Nested(right), Part::Text(" and "), Part::Nested(left)]);
            }
            Expr::Or { left, right, .. } => {
                parts.extend([Part::Nested(right), Part::Text(" or "), Part::Nested(left)]);
            }
            Expr::Not { operand, .. } => parts.extend([Part::Nested(operand), Part::Text("not ")]),
            Expr::Compare {
                field,
                op: o,
                value: v,
                ..
            } => out.push_str(&format!("{} {} {}", field.name, o.text(), value(v))),
            Expr::In {
                field,
                negated,
                values,
                ..
            } => out.push_str(&format!(
                "{} {}in [{}]",
                field.name,
                if *negated { "not " } else { "" },
                values.iter().map(value).collect::<Vec<_>>().join(", ")
            )),
            Expr::Present { field, .. } => out.push_str(&field.name),
        }
    }
    out
}

/// A trigger as reported: `` `dissatisfied` ``, ``breach of `resolution` ``, ``80% of `resolution` ``.
pub(crate) fn trigger(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Event { pattern, .. } => {
            format!("`{}`", patterns(std::slice::from_ref(pattern)))
        }
        Trigger::Breach { promise, .. } => format!("breach of `{}`", promise.name),
        Trigger::Fraction {
            percent, promise, ..
        } => format!("{}% of `{}`", percent.value, promise.name),
    }
}

/// A step action as written: `change venue to private`, `notify manager`.
pub(crate) fn action(action: &Action) -> String {
    match action {
        Action::ChangeHandler { constraints: c, .. } => {
            format!("change handler to {}", constraints(c))
        }
        Action::ChangeVenue { to, .. } => match to {
            VenueTarget::Class(Privacy::Private, _) => "change venue to private".to_string(),
            VenueTarget::Class(Privacy::Public, _) => "change venue to public".to_string(),
            VenueTarget::Named(name) => format!("change venue to {}", name.name),
        },
        Action::Appoint { constraints: c, .. } => format!("appoint {}", constraints(c)),
        Action::Notify { rank, .. } => format!("notify {}", rank.name),
        Action::Do { pattern, .. } => format!("do {}", patterns(std::slice::from_ref(pattern))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_policy_text() {
        assert_eq!(duration(TimeDelta::seconds(5400)), "1h30m");
        assert_eq!(duration(TimeDelta::seconds(0)), "0s");
        assert_eq!(duration(TimeDelta::seconds(2 * 86_400 + 5)), "2d5s");
        assert_eq!(duration(TimeDelta::seconds(-5)), "0s");
        assert_eq!(
            duration(TimeDelta::seconds(36_525 * 86_400 + 3600 + 60 + 1)),
            "36525d1h1m1s"
        );
        assert_eq!(duration(TimeDelta::MAX), "106751991167d7h12m55s");
    }

    /// The conditions of the example policies and fixtures read back as they were written
    /// (parentheses only where `and`/`or` nest), whatever their shape.
    #[test]
    fn conditions_are_written_back_with_their_nesting() {
        let text = "policy \"P\" { timezone \"UTC\" }\n\
            promise p { from a where (x == 1 or not y) and not (z in [\"v\", 2] or w) \
            until b target within 1h }\n";
        let file = crate::syntax::parse(crate::syntax::ast::FileId(0), text).unwrap();
        let Some(crate::syntax::ast::Item::Promise(p)) = file.items.get(1) else {
            panic!("no promise");
        };
        let filter = p.from[0].filter.as_ref().unwrap();
        assert_eq!(
            expr(filter),
            "(x == 1 or not y) and not (z in [\"v\", 2] or w)"
        );
    }
}
