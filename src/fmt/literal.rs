//! Canonical spellings of literals, derived from the text as written.
//!
//! Each function takes the literal's source text and returns its canonical
//! spelling, or the text unchanged when it is not in a shape the function
//! knows. Canonical forms only drop redundant characters (leading and trailing
//! zeros, zero duration parts) and never convert between units, so the values
//! the author chose stay visible and the parsed value is unchanged.

use crate::syntax::ast::{ClockTime, DateLit};

/// A decimal number without leading zeros in its integer part and without trailing zeros in its fraction:
/// `007` → `7`, `80.50` → `80.5`, `3.0` → `3`.
pub(crate) fn number(written: &str) -> String {
    let (sign, unsigned) = match written.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", written),
    };
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if integer.is_empty() || !all_digits(integer) || !all_digits(fraction) {
        return written.to_string();
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return written.to_string();
    }
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{integer}")
    } else {
        format!("{sign}{integer}.{fraction}")
    }
}

/// A percentage such as `75%`: the number in canonical form followed by `%`.
pub(crate) fn percent(written: &str) -> String {
    match written.strip_suffix('%') {
        Some(value) if value.trim_end() == value => format!("{}%", number(value)),
        _ => written.to_string(),
    }
}

/// The duration units, largest first, with their length in seconds.
const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// A duration such as `1h30m`: parts ordered `d`, `h`, `m`, `s`, repeated units added up, zero parts
/// dropped (`0m` stays when every part is zero), numbers without leading zeros. Amounts are never carried
/// into larger units: `90m` stays `90m`. When the result would not add up to `seconds`, the text is kept.
pub(crate) fn duration(written: &str, seconds: u64) -> String {
    let Some(parts) = duration_parts(written) else {
        return written.to_string();
    };
    let mut amounts = [0u64; 4];
    for (amount, unit) in &parts {
        let slot = UNITS.iter().position(|(u, _)| u == unit);
        let Some(slot) = slot.and_then(|i| amounts.get_mut(i)) else {
            return written.to_string();
        };
        let Some(total) = slot.checked_add(*amount) else {
            return written.to_string();
        };
        *slot = total;
    }
    let total = UNITS
        .iter()
        .zip(amounts)
        .try_fold(0u64, |sum, ((_, length), amount)| {
            amount.checked_mul(*length)?.checked_add(sum)
        });
    if total != Some(seconds) {
        return written.to_string();
    }
    let canonical: String = UNITS
        .iter()
        .zip(amounts)
        .filter(|(_, amount)| *amount > 0)
        .map(|((unit, _), amount)| format!("{amount}{unit}"))
        .collect();
    if canonical.is_empty() {
        let first_unit = parts.first().map_or('s', |(_, unit)| *unit);
        format!("0{first_unit}")
    } else {
        canonical
    }
}

/// `1h30m` as `[(1, 'h'), (30, 'm')]`; `None` unless the text is only digit runs each followed by a unit.
fn duration_parts(written: &str) -> Option<Vec<(u64, char)>> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    for c in written.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if UNITS.iter().any(|(unit, _)| *unit == c) && !digits.is_empty() {
            parts.push((digits.parse().ok()?, c));
            digits.clear();
        } else {
            return None;
        }
    }
    (digits.is_empty() && !parts.is_empty()).then_some(parts)
}

/// A time of day as `HH:MM`, zero-padded, with the values as written (`25:00` stays `25:00`).
pub(crate) fn clock(time: &ClockTime, written: &str) -> String {
    let plain = written
        .split_once(':')
        .is_some_and(|(h, m)| is_short_number(h) && is_short_number(m));
    if plain && time.hour < 100 && time.minute < 100 {
        format!("{:02}:{:02}", time.hour, time.minute)
    } else {
        written.to_string()
    }
}

/// A date as `YYYY-MM-DD`, zero-padded, with the values as written.
pub(crate) fn date(date: &DateLit, written: &str) -> String {
    let plain = written.split('-').count() == 3
        && written
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if plain && (0..10_000).contains(&date.year) && date.month < 100 && date.day < 100 {
        format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
    } else {
        written.to_string()
    }
}

/// One or two ASCII digits.
fn is_short_number(text: &str) -> bool {
    (1..=2).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("007"), "7");
        assert_eq!(number("0"), "0");
        assert_eq!(number("80.50"), "80.5");
        assert_eq!(number("3.0"), "3");
        assert_eq!(number("-01.10"), "-1.1");
        assert_eq!(number("1e5"), "1e5");
        assert_eq!(percent("075.0%"), "75%");
    }

    #[test]
    fn durations_keep_units() {
        assert_eq!(duration("90m", 5400), "90m");
        assert_eq!(duration("30m1h", 5400), "1h30m");
        assert_eq!(duration("1h0m", 3600), "1h");
        assert_eq!(duration("00m", 0), "0m");
        assert_eq!(duration("05m", 300), "5m");
        assert_eq!(duration("1h", 7), "1h");
        assert_eq!(duration("1.5h", 5400), "1.5h");
        assert_eq!(
            duration("99999999999999999999d", u64::MAX),
            "99999999999999999999d"
        );
    }
}
