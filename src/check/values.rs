//! Checks of literal values: times of day, dates, durations, percentages, counts and timezone names.

use super::{codes, suggest, Checker};
use crate::diag::Diagnostic;
use crate::syntax::ast;
use chrono::NaiveDate;
use chrono_tz::Tz;

pub use crate::limits::{MAX_DAY_COUNT, MAX_DURATION_SECONDS};

/// Whether `24:00` is allowed where a time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOfDay {
    /// The end of an open interval: `24:00` means midnight at the end of the day.
    Allowed,
    /// Anywhere else.
    Forbidden,
}

impl Checker<'_> {
    /// Reports a time of day that does not exist; returns whether it is valid.
    pub(super) fn time_of_day(&mut self, time: &ast::ClockTime, end_of_day: EndOfDay) -> bool {
        let is_midnight_end = time.hour == 24 && time.minute == 0;
        if is_midnight_end && end_of_day == EndOfDay::Allowed {
            return true;
        }
        if time.hour < 24 && time.minute < 60 {
            return true;
        }
        let written = format!("{:02}:{:02}", time.hour, time.minute);
        let help = if is_midnight_end {
            "`24:00` may only end an open interval; write `00:00` for the start of a day"
                .to_string()
        } else if time.minute >= 60 {
            "minutes go from `00` to `59`".to_string()
        } else {
            "hours go from `00` to `23` (`24:00` may end an open interval)".to_string()
        };
        self.report(
            Diagnostic::error(
                codes::INVALID_TIME,
                format!("`{written}` is not a time of day"),
                time.span,
            )
            .with_help(help),
        );
        false
    }

    /// Reports a date that does not exist; returns it when valid.
    pub(super) fn date(&mut self, date: &ast::DateLit) -> Option<NaiveDate> {
        let valid = (1..=9999)
            .contains(&date.year)
            .then(|| NaiveDate::from_ymd_opt(date.year, date.month, date.day))
            .flatten();
        if valid.is_none() {
            let written = format!("{:04}-{:02}-{:02}", date.year, date.month, date.day);
            // The year first: chrono knows year 0 (1 BC), which a policy date cannot be.
            let help = if !(1..=9999).contains(&date.year) {
                "years go from `0001` to `9999`".to_string()
            } else if let Some(days) = days_in_month(date.year, date.month) {
                format!(
                    "`{:04}-{:02}` has {days} days; write a date that exists",
                    date.year, date.month
                )
            } else {
                "months go from `01` to `12`".to_string()
            };
            self.report(
                Diagnostic::error(
                    codes::INVALID_DATE,
                    format!("`{written}` is not a date"),
                    date.span,
                )
                .with_help(help),
            );
        }
        valid
    }

    /// Reports invalid dates and an end before the start; returns the range when valid.
    pub(super) fn date_range(&mut self, range: &ast::DateRange) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.date(&range.first);
        let last = if range.last.span == range.first.span {
            first
        } else {
            self.date(&range.last)
        };
        let (first, last) = (first?, last?);
        if last < first {
            self.report(Diagnostic::error(
                codes::DATE_RANGE_ORDER,
                format!("date range ends on `{last}`, before it starts on `{first}`"),
                range.span,
            ));
            return None;
        }
        Some((first, last))
    }

    /// Reports a zero or absurdly long duration; returns whether it is valid.
    pub(super) fn duration(&mut self, duration: &ast::Duration) -> bool {
        if duration.seconds == 0 {
            self.report(Diagnostic::error(
                codes::ZERO_DURATION,
                "duration is zero",
                duration.span,
            ));
            return false;
        }
        if duration.seconds > MAX_DURATION_SECONDS {
            self.report(Diagnostic::error(
                codes::DURATION_TOO_LONG,
                "duration is longer than 100 years",
                duration.span,
            ));
            return false;
        }
        true
    }

    /// Reports a percentage outside `(0, 100]`, compared exactly on its decimal digits (not on
    /// its float, which rounds `100.00000000000000001` to 100), or one so small that its float is
    /// zero.
    pub(super) fn percent(&mut self, percent: &ast::Percent) {
        let digits = percent.digits.as_str();
        let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let over_100 =
            integer.len() > 3 || (integer.len() == 3 && (integer, fraction) > ("100", ""));
        let shown: String = if digits.chars().count() > 24 {
            digits.chars().take(20).chain("…".chars()).collect()
        } else {
            digits.to_owned()
        };
        if digits == "0" || over_100 {
            self.report(Diagnostic::error(
                codes::PERCENT_RANGE,
                format!("`{shown}%` is not a percentage between 0 and 100"),
                percent.span,
            ));
        } else if percent.value <= 0.0 {
            self.report(
                Diagnostic::error(
                    codes::PERCENT_RANGE,
                    format!("`{shown}%` is too small a percentage to hold"),
                    percent.span,
                )
                .with_help("write a larger percentage: this one is zero as a 64-bit float"),
            );
        }
    }

    /// Reports a day count outside `1..=36525`.
    pub(super) fn day_count(&mut self, count: &ast::Spanned<u32>, what: &str) {
        if count.value == 0 || count.value > MAX_DAY_COUNT {
            self.report(
                Diagnostic::error(
                    codes::COUNT_RANGE,
                    format!("`{}` {what} is out of range", count.value),
                    count.span,
                )
                .with_help(format!(
                    "write a number of {what} from 1 to {MAX_DAY_COUNT}"
                )),
            );
        }
    }

    /// Parses an IANA timezone name, reporting an unknown one with the closest known name.
    pub(super) fn timezone(&mut self, name: &ast::Str) -> Option<Tz> {
        match name.value.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
                let close = if self.may_suggest() {
                    suggest::closest(&name.value, names)
                } else {
                    None
                };
                let help = match close {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => {
                        "write an IANA timezone name such as `Asia/Shanghai` or `Europe/Berlin`"
                            .into()
                    }
                };
                self.report(
                    Diagnostic::error(
                        codes::UNKNOWN_TIMEZONE,
                        format!("unknown timezone `{}`", name.value),
                        name.span,
                    )
                    .with_help(help),
                );
                None
            }
        }
    }
}

/// The number of days of a month, when the year and month are valid.
fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    u32::try_from(next.signed_duration_since(first).num_days()).ok()
}
