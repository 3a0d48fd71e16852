//! Calendars and business-time arithmetic: hand-worked tables in five zones, and the laws.

#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use covenant::time::{
    local_to_instant, Calendar, CalendarSpec, Cutoff, CutoffDay, Interval, TimeError,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers: a tiny notation for calendars, instants and durations.

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("bad instant {text}: {e}"))
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn hm(text: &str) -> NaiveTime {
    NaiveTime::parse_from_str(text, "%H:%M").unwrap()
}

fn minute(text: &str) -> u16 {
    let (h, m) = text.split_once(':').unwrap();
    h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
}

/// `"09:00-18:30"`, `"22:00-06:00"`, `"00:00-24:00"`.
fn interval(text: &str) -> Interval {
    let (start, end) = text.split_once('-').unwrap();
    Interval {
        start: minute(start),
        end: minute(end),
    }
}

fn weekday(text: &str) -> Weekday {
    text.parse().unwrap()
}

/// `"mon-fri"`, `"sat"`, `"fri-mon"` (wrapping).
fn weekdays(text: &str) -> Vec<Weekday> {
    let (first, last) = text.split_once('-').unwrap_or((text, text));
    let (mut day, last) = (weekday(first), weekday(last));
    let mut days = vec![day];
    while day != last {
        day = day.succ();
        days.push(day);
    }
    days
}

/// Weekly lines `"mon-fri 09:00-12:00 13:00-18:00"`, closed `"2026-10-01..2026-10-08"` or one
/// date, open dates `"2026-10-11 09:00-18:30"`.
fn spec(tz: &str, weekly: &[&str], closed: &[&str], open: &[&str]) -> CalendarSpec {
    let mut spec = CalendarSpec {
        tz: tz.parse().unwrap(),
        always: false,
        weekly: Vec::new(),
        closed: Vec::new(),
        open_dates: Vec::new(),
    };
    for line in weekly {
        let mut words = line.split_whitespace();
        let days = words.next().unwrap();
        if days == "24x7" {
            spec.always = true;
            continue;
        }
        for text in words {
            for day in weekdays(days) {
                spec.weekly.push((day, interval(text)));
            }
        }
    }
    for range in closed {
        let (first, last) = range.split_once("..").unwrap_or((range, range));
        spec.closed.push((date(first), date(last)));
    }
    for line in open {
        let mut words = line.split_whitespace();
        let day = date(words.next().unwrap());
        spec.open_dates.push((day, words.map(interval).collect()));
    }
    spec
}

fn cal(tz: &str, weekly: &[&str], closed: &[&str], open: &[&str]) -> Calendar {
    Calendar::compile(&spec(tz, weekly, closed, open))
}

/// `"2h"`, `"1h30m"`, `"45m"`, `"3d"`.
fn dur(text: &str) -> TimeDelta {
    let mut total = TimeDelta::zero();
    let mut number = 0i64;
    for c in text.chars() {
        match c {
            '0'..='9' => number = number * 10 + i64::from(c.to_digit(10).unwrap()),
            'd' => total += TimeDelta::days(number),
            'h' => total += TimeDelta::hours(number),
            'm' => total += TimeDelta::minutes(number),
            's' => total += TimeDelta::seconds(number),
            _ => panic!("bad duration {text}"),
        }
        if !c.is_ascii_digit() {
            number = 0;
        }
    }
    total
}

fn check_add(cal: &Calendar, rows: &[(&str, &str, &str)]) {
    for (start, d, expected) in rows {
        let got = cal.add(t(start), dur(d)).unwrap();
        assert_eq!(got, t(expected), "add({start}, {d})");
        // The same deadline measured back.
        assert_eq!(
            cal.between(t(start), got),
            dur(d),
            "between({start}, {expected})"
        );
    }
}

fn check_between(cal: &Calendar, rows: &[(&str, &str, &str)]) {
    for (a, b, expected) in rows {
        assert_eq!(cal.between(t(a), t(b)), dur(expected), "between({a}, {b})");
    }
}

fn check_workdays(cal: &Calendar, rows: &[(&str, u32, &str)]) {
    for (start, n, expected) in rows {
        let got = cal.add_workdays(t(start), *n).unwrap();
        assert_eq!(got, t(expected), "add_workdays({start}, {n})");
    }
}

fn check_open(cal: &Calendar, rows: &[(&str, bool)]) {
    for (at, expected) in rows {
        assert_eq!(cal.is_open(t(at)), *expected, "is_open({at})");
    }
}

fn check_next_open(cal: &Calendar, rows: &[(&str, &str)]) {
    for (at, expected) in rows {
        assert_eq!(
            cal.next_open(t(at)).unwrap(),
            t(expected),
            "next_open({at})"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The conversion rule.

#[test]
fn local_to_instant_gap_goes_to_gap_end_and_fold_to_earlier() {
    let rows: &[(&str, &str, &str, &str)] = &[
        // Plain times.
        (
            "Asia/Shanghai",
            "2026-10-09",
            "09:00",
            "2026-10-09T01:00:00Z",
        ),
        (
            "America/New_York",
            "2026-03-08",
            "01:59",
            "2026-03-08T06:59:00Z",
        ),
        // New York spring forward: 02:00-03:00 does not exist; it ends at 03:00 EDT = 07:00Z.
        (
            "America/New_York",
            "2026-03-08",
            "02:00",
            "2026-03-08T07:00:00Z",
        ),
        (
            "America/New_York",
            "2026-03-08",
            "02:30",
            "2026-03-08T07:00:00Z",
        ),
        (
            "America/New_York",
            "2026-03-08",
            "03:00",
            "2026-03-08T07:00:00Z",
        ),
        // New York fall back: 01:00-02:00 happens twice; the earlier is EDT (-04:00).
        (
            "America/New_York",
            "2026-11-01",
            "01:30",
            "2026-11-01T05:30:00Z",
        ),
        (
            "America/New_York",
            "2026-11-01",
            "02:00",
            "2026-11-01T07:00:00Z",
        ),
        // Berlin: gap 02:00-03:00 on 03-29, fold 02:00-03:00 on 10-25 (earlier = CEST, +02:00).
        (
            "Europe/Berlin",
            "2026-03-29",
            "02:15",
            "2026-03-29T01:00:00Z",
        ),
        (
            "Europe/Berlin",
            "2026-10-25",
            "02:15",
            "2026-10-25T00:15:00Z",
        ),
        // Sydney (southern hemisphere): fold 02:00-03:00 on 04-05 (earlier = AEDT, +11:00),
        // gap 02:00-03:00 on 10-04 (ends at 03:00 AEDT = 16:00Z the day before).
        (
            "Australia/Sydney",
            "2026-04-05",
            "02:30",
            "2026-04-04T15:30:00Z",
        ),
        (
            "Australia/Sydney",
            "2026-10-04",
            "02:30",
            "2026-10-03T16:00:00Z",
        ),
        // Sao Paulo 2018: the clock jumped from 00:00 to 01:00 (-02:00) on 11-04.
        (
            "America/Sao_Paulo",
            "2018-11-04",
            "00:00",
            "2018-11-04T03:00:00Z",
        ),
        (
            "America/Sao_Paulo",
            "2018-11-04",
            "00:30",
            "2018-11-04T03:00:00Z",
        ),
        // 2019-02-16 23:00-24:00 happened twice; the earlier is -02:00.
        (
            "America/Sao_Paulo",
            "2019-02-16",
            "23:30",
            "2019-02-17T01:30:00Z",
        ),
        // Brazil dropped DST in 2019: the old rule's date is an ordinary -03:00 midnight.
        (
            "America/Sao_Paulo",
            "2019-11-03",
            "00:00",
            "2019-11-03T03:00:00Z",
        ),
        (
            "America/Sao_Paulo",
            "2026-11-01",
            "00:30",
            "2026-11-01T03:30:00Z",
        ),
    ];
    for (tz, day, time, expected) in rows {
        let tz: Tz = tz.parse().unwrap();
        let got = local_to_instant(tz, date(day), hm(time)).unwrap();
        assert_eq!(got, t(expected), "{tz} {day} {time}");
    }
}

#[test]
fn local_to_instant_out_of_range_is_an_error() {
    let far = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
    assert_eq!(
        local_to_instant(Tz::UTC, far, hm("00:00")),
        Err(TimeError::OutOfRange)
    );
}

#[test]
fn offsets_after_2099_stay_at_the_last_listed_change() {
    use chrono::{Offset, TimeZone};
    // chrono-tz's bundled tables list each zone's changes up to 2099; past the last one its
    // offset holds for good: standard time in New York and Berlin (last change in autumn 2099),
    // summer time in Sydney (last change in October 2099).
    let offset = |tz: Tz, at: &str| {
        tz.offset_from_utc_datetime(&t(at).naive_utc())
            .fix()
            .local_minus_utc()
    };
    assert_eq!(
        offset(chrono_tz::America::New_York, "2098-07-01T16:00:00Z"),
        -4 * 3600
    );
    assert_eq!(
        offset(chrono_tz::America::New_York, "2150-07-01T17:00:00Z"),
        -5 * 3600
    );
    assert_eq!(
        offset(chrono_tz::Australia::Sydney, "2098-07-01T02:00:00Z"),
        10 * 3600
    );
    assert_eq!(
        offset(chrono_tz::Australia::Sydney, "2150-07-01T01:00:00Z"),
        11 * 3600
    );
    let rows: &[(&str, &str, &str, &str)] = &[
        // New York: EDT in July 2098, EST in July 2150.
        (
            "America/New_York",
            "2098-07-01",
            "12:00",
            "2098-07-01T16:00:00Z",
        ),
        (
            "America/New_York",
            "2150-07-01",
            "12:00",
            "2150-07-01T17:00:00Z",
        ),
        // The last listed change, 2099-11-01, still folds 01:00-02:00 (the earlier is EDT).
        (
            "America/New_York",
            "2099-11-01",
            "01:30",
            "2099-11-01T05:30:00Z",
        ),
        // 2100-03-14, a second Sunday of March: no gap, 02:30 EST exists.
        (
            "America/New_York",
            "2100-03-14",
            "02:30",
            "2100-03-14T07:30:00Z",
        ),
        // Berlin: CEST in July 2098, CET in July 2150.
        (
            "Europe/Berlin",
            "2098-07-01",
            "12:00",
            "2098-07-01T10:00:00Z",
        ),
        (
            "Europe/Berlin",
            "2150-07-01",
            "12:00",
            "2150-07-01T11:00:00Z",
        ),
        // Sydney: AEST in July 2098, AEDT (+11) in July 2150.
        (
            "Australia/Sydney",
            "2098-07-01",
            "12:00",
            "2098-07-01T02:00:00Z",
        ),
        (
            "Australia/Sydney",
            "2150-07-01",
            "12:00",
            "2150-07-01T01:00:00Z",
        ),
        // 2100-04-04, a first Sunday of April: no fold, 02:30 is AEDT only.
        (
            "Australia/Sydney",
            "2100-04-04",
            "02:30",
            "2100-04-03T15:30:00Z",
        ),
        // São Paulo: -03 since 2019, before and after 2099 alike.
        (
            "America/Sao_Paulo",
            "2098-07-01",
            "12:00",
            "2098-07-01T15:00:00Z",
        ),
        (
            "America/Sao_Paulo",
            "2150-07-01",
            "12:00",
            "2150-07-01T15:00:00Z",
        ),
    ];
    for (tz, day, time, expected) in rows {
        let tz: Tz = tz.parse().unwrap();
        assert_eq!(
            local_to_instant(tz, date(day), hm(time)).unwrap(),
            t(expected),
            "{tz} {day} {time}"
        );
    }
    // Business time follows: the last short and long days are in 2099, later days have 24h.
    let always = cal("America/New_York", &["24x7"], &[], &[]);
    check_between(
        &always,
        &[
            (
                "2098-03-08T12:00:00-05:00",
                "2098-03-09T12:00:00-04:00",
                "23h",
            ),
            (
                "2099-10-31T12:00:00-04:00",
                "2099-11-01T12:00:00-05:00",
                "25h",
            ),
            (
                "2100-03-13T12:00:00-05:00",
                "2100-03-14T12:00:00-05:00",
                "24h",
            ),
            (
                "2150-03-07T12:00:00-05:00",
                "2150-03-08T12:00:00-05:00",
                "24h",
            ),
        ],
    );
    let always = cal("Australia/Sydney", &["24x7"], &[], &[]);
    check_between(
        &always,
        &[
            (
                "2099-10-03T12:00:00+10:00",
                "2099-10-04T12:00:00+11:00",
                "23h",
            ),
            (
                "2100-04-03T12:00:00+11:00",
                "2100-04-04T12:00:00+11:00",
                "24h",
            ),
        ],
    );
    // Office hours are read in that offset: New York 09:00 in July 2150 is 14:00Z, Sydney 09:00
    // is 22:00Z the day before.
    let office = cal("America/New_York", &["mon-fri 09:00-17:00"], &[], &[]);
    check_add(
        &office,
        &[(
            "2150-07-01T16:00:00-05:00",
            "2h",
            "2150-07-02T10:00:00-05:00",
        )],
    );
    check_open(
        &office,
        &[
            ("2150-07-01T14:00:00Z", true),
            ("2150-07-01T13:59:59Z", false),
        ],
    );
    let office = cal("Australia/Sydney", &["mon-fri 09:00-17:00"], &[], &[]);
    check_open(
        &office,
        &[
            ("2150-06-30T22:00:00Z", true),
            ("2150-06-30T21:59:59Z", false),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Asia/Shanghai: no DST, a week of National Day holidays and a make-up Sunday.

fn shanghai_office() -> Calendar {
    cal(
        "Asia/Shanghai",
        &["mon-fri 09:00-18:30", "sat 09:00-12:00"],
        &["2026-10-01..2026-10-08"],
        &["2026-10-11 09:00-18:30"],
    )
}

#[test]
fn shanghai_office_add_and_between() {
    let office = shanghai_office();
    check_add(
        &office,
        &[
            // Inside hours, same day.
            (
                "2026-09-25T10:00:00+08:00",
                "2h",
                "2026-09-25T12:00:00+08:00",
            ),
            // 1h30m on Friday, 30m on Saturday morning.
            (
                "2026-09-25T17:00:00+08:00",
                "2h",
                "2026-09-26T09:30:00+08:00",
            ),
            // Lands exactly on closing: the closing instant, not Saturday's opening.
            (
                "2026-09-25T17:00:00+08:00",
                "1h30m",
                "2026-09-25T18:30:00+08:00",
            ),
            // Start before opening counts from the opening.
            (
                "2026-09-28T07:00:00+08:00",
                "1h",
                "2026-09-28T10:00:00+08:00",
            ),
            // Start on Sunday (closed) counts from Monday.
            (
                "2026-09-27T12:00:00+08:00",
                "30m",
                "2026-09-28T09:30:00+08:00",
            ),
            // 30m before the holiday week, 30m after it (Friday 10-09).
            (
                "2026-09-30T18:00:00+08:00",
                "1h",
                "2026-10-09T09:30:00+08:00",
            ),
            // Start on a holiday.
            (
                "2026-10-03T15:00:00+08:00",
                "2h",
                "2026-10-09T11:00:00+08:00",
            ),
            // Friday 30m, Saturday 3h, make-up Sunday 30m.
            (
                "2026-10-09T18:00:00+08:00",
                "4h",
                "2026-10-11T09:30:00+08:00",
            ),
            // Start on the make-up day: its own hours, to its closing exactly.
            (
                "2026-10-11T17:00:00+08:00",
                "1h30m",
                "2026-10-11T18:30:00+08:00",
            ),
            // One ordinary week has 5 x 9h30m + 3h = 50h30m.
            (
                "2026-09-14T09:00:00+08:00",
                "50h30m",
                "2026-09-19T12:00:00+08:00",
            ),
            (
                "2026-09-14T09:00:00+08:00",
                "50h31m",
                "2026-09-21T09:01:00+08:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            (
                "2026-09-25T17:00:00+08:00",
                "2026-09-28T10:00:00+08:00",
                "5h30m",
            ),
            // The holiday week counts nothing; the make-up Sunday counts fully.
            (
                "2026-10-01T00:00:00+08:00",
                "2026-10-12T00:00:00+08:00",
                "22h",
            ),
            // b before a: zero.
            (
                "2026-09-28T10:00:00+08:00",
                "2026-09-25T17:00:00+08:00",
                "0m",
            ),
            (
                "2026-09-28T10:00:00+08:00",
                "2026-09-28T10:00:00+08:00",
                "0m",
            ),
        ],
    );
}

#[test]
fn shanghai_office_workdays() {
    let office = shanghai_office();
    check_workdays(
        &office,
        &[
            // Wednesday: the 1st open day after it is Thursday, the 2nd Friday.
            ("2026-09-23T10:00:00+08:00", 1, "2026-09-24T18:30:00+08:00"),
            ("2026-09-23T10:00:00+08:00", 2, "2026-09-25T18:30:00+08:00"),
            // Friday: Saturday's short hours count as an open day.
            ("2026-09-25T10:00:00+08:00", 1, "2026-09-26T12:00:00+08:00"),
            ("2026-09-25T10:00:00+08:00", 2, "2026-09-28T18:30:00+08:00"),
            // Start after closing: the start date still is day 0.
            ("2026-09-25T20:00:00+08:00", 1, "2026-09-26T12:00:00+08:00"),
            // Start before opening: the same.
            ("2026-09-25T06:00:00+08:00", 1, "2026-09-26T12:00:00+08:00"),
            // Across the holidays: Fri 10-09, Sat 10-10, make-up Sun 10-11.
            ("2026-09-30T10:00:00+08:00", 1, "2026-10-09T18:30:00+08:00"),
            ("2026-09-30T10:00:00+08:00", 2, "2026-10-10T12:00:00+08:00"),
            ("2026-09-30T10:00:00+08:00", 3, "2026-10-11T18:30:00+08:00"),
            // Start on a holiday.
            ("2026-10-03T10:00:00+08:00", 1, "2026-10-09T18:30:00+08:00"),
            // n = 0: the close of the start date when it is open, else of the next open day.
            ("2026-09-25T10:00:00+08:00", 0, "2026-09-25T18:30:00+08:00"),
            ("2026-09-25T20:00:00+08:00", 0, "2026-09-25T18:30:00+08:00"),
            ("2026-09-27T10:00:00+08:00", 0, "2026-09-28T18:30:00+08:00"),
            // 12 open days per two weeks.
            ("2026-09-13T10:00:00+08:00", 12, "2026-09-26T12:00:00+08:00"),
        ],
    );
}

#[test]
fn shanghai_open_next_open_and_cutoffs() {
    let office = shanghai_office();
    check_open(
        &office,
        &[
            ("2026-09-25T09:00:00+08:00", true),
            ("2026-09-25T18:29:59+08:00", true),
            ("2026-09-25T18:30:00+08:00", false),
            ("2026-10-05T10:00:00+08:00", false),
            ("2026-10-11T10:00:00+08:00", true),
        ],
    );
    check_next_open(
        &office,
        &[
            ("2026-09-25T10:00:00+08:00", "2026-09-25T10:00:00+08:00"),
            ("2026-09-25T18:30:00+08:00", "2026-09-26T09:00:00+08:00"),
            ("2026-09-30T19:00:00+08:00", "2026-10-09T09:00:00+08:00"),
        ],
    );
    assert_eq!(
        office.last_open(t("2026-10-05T10:00:00+08:00")).unwrap(),
        t("2026-09-30T18:30:00+08:00")
    );
    assert_eq!(
        office.last_open(t("2026-10-09T10:00:00+08:00")).unwrap(),
        t("2026-10-09T10:00:00+08:00")
    );
    let next_day = Cutoff {
        by: hm("11:00"),
        day: CutoffDay::NextDay,
        if_before: Some(hm("15:00")),
    };
    let rows: &[(&Cutoff, &str, Option<&str>)] = &[
        (
            &next_day,
            "2026-09-30T14:59:00+08:00",
            Some("2026-10-01T11:00:00+08:00"),
        ),
        (&next_day, "2026-09-30T15:00:00+08:00", None),
        // The start's local date is the Shanghai date, not the UTC one.
        (
            &next_day,
            "2026-09-30T17:00:00Z",
            Some("2026-10-02T11:00:00+08:00"),
        ),
    ];
    let same_day = Cutoff {
        by: hm("18:00"),
        day: CutoffDay::SameDay,
        if_before: Some(hm("12:00")),
    };
    let in_days = Cutoff {
        by: hm("17:00"),
        day: CutoffDay::InDays(3),
        if_before: None,
    };
    let next_workday = Cutoff {
        by: hm("12:00"),
        day: CutoffDay::NextWorkday,
        if_before: None,
    };
    let more: &[(&Cutoff, &str, Option<&str>)] = &[
        (
            &same_day,
            "2026-09-30T11:00:00+08:00",
            Some("2026-09-30T18:00:00+08:00"),
        ),
        (&same_day, "2026-09-30T12:00:00+08:00", None),
        (
            &in_days,
            "2026-09-30T20:00:00+08:00",
            Some("2026-10-03T17:00:00+08:00"),
        ),
        // The next open day after Wednesday 09-30 is Friday 10-09.
        (
            &next_workday,
            "2026-09-30T08:00:00+08:00",
            Some("2026-10-09T12:00:00+08:00"),
        ),
        (
            &next_workday,
            "2026-10-10T08:00:00+08:00",
            Some("2026-10-11T12:00:00+08:00"),
        ),
    ];
    for (rule, start, expected) in rows.iter().chain(more) {
        let got = office.cutoff(t(start), rule).unwrap();
        assert_eq!(got, expected.map(t), "{rule:?} from {start}");
    }
}

/// `same workday` and `next workday` (docs/time.md, section 6): the start's working day is its
/// date when that is an open day, else the next open day; a start on a day that is not open counts
/// as before the cut-off.
#[test]
fn shanghai_workday_cutoffs() {
    let office = shanghai_office();
    let same = Cutoff {
        by: hm("18:00"),
        day: CutoffDay::SameWorkday,
        if_before: Some(hm("15:00")),
    };
    let next = Cutoff {
        by: hm("12:00"),
        day: CutoffDay::NextWorkday,
        if_before: Some(hm("15:00")),
    };
    let rows: &[(&Cutoff, &str, Option<&str>)] = &[
        // An open day, before the cut-off (before opening too) and at it.
        (
            &same,
            "2026-09-30T14:00:00+08:00",
            Some("2026-09-30T18:00:00+08:00"),
        ),
        (
            &same,
            "2026-09-30T07:00:00+08:00",
            Some("2026-09-30T18:00:00+08:00"),
        ),
        (&same, "2026-09-30T15:00:00+08:00", None),
        // Saturday is an open day (09:00-12:00): its date, though 18:00 is after its close.
        (
            &same,
            "2026-09-26T14:00:00+08:00",
            Some("2026-09-26T18:00:00+08:00"),
        ),
        // A Sunday without hours, and a holiday Saturday after the cut-off time: the next open day.
        (
            &same,
            "2026-09-27T16:00:00+08:00",
            Some("2026-09-28T18:00:00+08:00"),
        ),
        (
            &same,
            "2026-10-03T16:00:00+08:00",
            Some("2026-10-09T18:00:00+08:00"),
        ),
        // The make-up Sunday is an open day.
        (
            &same,
            "2026-10-11T10:00:00+08:00",
            Some("2026-10-11T18:00:00+08:00"),
        ),
        (&same, "2026-10-11T16:00:00+08:00", None),
        // `next workday`: the open day after the working day.
        (
            &next,
            "2026-09-30T14:00:00+08:00",
            Some("2026-10-09T12:00:00+08:00"),
        ),
        (&next, "2026-10-09T16:00:00+08:00", None),
        (
            &next,
            "2026-10-03T16:00:00+08:00",
            Some("2026-10-10T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-09-27T10:00:00+08:00",
            Some("2026-09-29T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-10-10T10:00:00+08:00",
            Some("2026-10-11T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-09-26T14:00:00+08:00",
            Some("2026-09-28T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-09-27T16:00:00+08:00",
            Some("2026-09-29T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-10-11T10:00:00+08:00",
            Some("2026-10-12T12:00:00+08:00"),
        ),
        (
            &next,
            "2026-09-30T07:00:00+08:00",
            Some("2026-10-09T12:00:00+08:00"),
        ),
    ];
    for (rule, start, expected) in rows {
        let got = office.cutoff(t(start), rule).unwrap();
        assert_eq!(got, expected.map(t), "{rule:?} from {start}");
        let reference = office.without_tables().cutoff(t(start), rule).unwrap();
        assert_eq!(reference, got, "{rule:?} from {start}, reference");
    }
    // `same day` keeps the calendar date, open or not.
    let same_day = Cutoff {
        by: hm("18:00"),
        day: CutoffDay::SameDay,
        if_before: Some(hm("15:00")),
    };
    assert_eq!(
        office
            .cutoff(t("2026-10-04T10:00:00+08:00"), &same_day)
            .unwrap(),
        Some(t("2026-10-04T18:00:00+08:00"))
    );
    assert_eq!(
        office
            .cutoff(t("2026-10-04T16:00:00+08:00"), &same_day)
            .unwrap(),
        None
    );
}

#[test]
fn shanghai_night_desk_crosses_midnight() {
    let desk = cal(
        "Asia/Shanghai",
        &["mon-sun 22:00-06:00"],
        &["2026-10-01"],
        &[],
    );
    check_add(
        &desk,
        &[
            // Inside the shift: 7h to 06:00, then 1h of the next night.
            (
                "2026-09-22T23:00:00+08:00",
                "8h",
                "2026-09-23T23:00:00+08:00",
            ),
            // Exactly to the morning close.
            (
                "2026-09-23T03:00:00+08:00",
                "3h",
                "2026-09-23T06:00:00+08:00",
            ),
            // Start during the day.
            (
                "2026-09-23T12:00:00+08:00",
                "1h",
                "2026-09-23T23:00:00+08:00",
            ),
            // 10-01 is closed: the shift starting on 09-30 still runs into it, the one starting on
            // 10-01 does not.
            (
                "2026-09-30T22:00:00+08:00",
                "9h",
                "2026-10-02T23:00:00+08:00",
            ),
        ],
    );
    check_open(
        &desk,
        &[
            ("2026-09-23T06:00:00+08:00", false),
            ("2026-09-23T05:59:59+08:00", true),
            ("2026-09-23T22:00:00+08:00", true),
            ("2026-10-01T03:00:00+08:00", true),
            ("2026-10-01T23:00:00+08:00", false),
        ],
    );
    check_workdays(
        &desk,
        &[
            // The open day 09-23's close is 06:00 on 09-24.
            ("2026-09-22T23:00:00+08:00", 1, "2026-09-24T06:00:00+08:00"),
            // 10-01 is not an open day.
            ("2026-09-30T10:00:00+08:00", 1, "2026-10-03T06:00:00+08:00"),
        ],
    );
}

#[test]
fn shanghai_evening_desk_ends_at_24_00() {
    // `20:00-24:00` ends at the next midnight and does not cross it; `20:00-00:00` crosses
    // midnight and ends at the same instant: the two are one interval.
    for hours in ["mon-fri 20:00-24:00", "mon-fri 20:00-00:00"] {
        let late = cal("Asia/Shanghai", &[hours], &[], &[]);
        check_add(
            &late,
            &[
                // Monday's hour to 24:00: the closing instant, written as Tuesday 00:00.
                (
                    "2026-09-21T23:00:00+08:00",
                    "1h",
                    "2026-09-22T00:00:00+08:00",
                ),
                // 1h to Monday's 24:00, 30m from Tuesday 20:00.
                (
                    "2026-09-21T23:00:00+08:00",
                    "1h30m",
                    "2026-09-22T20:30:00+08:00",
                ),
                // Friday 1h to 24:00, no weekend hours, Monday 1h.
                (
                    "2026-09-25T23:00:00+08:00",
                    "2h",
                    "2026-09-28T21:00:00+08:00",
                ),
                // Started at Tuesday 10:00: all of Tuesday 20:00-24:00.
                (
                    "2026-09-22T10:00:00+08:00",
                    "4h",
                    "2026-09-23T00:00:00+08:00",
                ),
            ],
        );
        check_between(
            &late,
            &[
                // Five evenings of 4h.
                (
                    "2026-09-21T00:00:00+08:00",
                    "2026-09-28T00:00:00+08:00",
                    "20h",
                ),
            ],
        );
        check_open(
            &late,
            &[
                ("2026-09-21T23:59:59+08:00", true),
                // 24:00 is the closing instant: closed.
                ("2026-09-22T00:00:00+08:00", false),
                ("2026-09-26T00:00:00+08:00", false),
            ],
        );
        check_next_open(
            &late,
            &[("2026-09-22T00:00:00+08:00", "2026-09-22T20:00:00+08:00")],
        );
        assert_eq!(
            late.last_open(t("2026-09-22T10:00:00+08:00")).unwrap(),
            t("2026-09-22T00:00:00+08:00")
        );
        check_workdays(
            &late,
            &[
                // The open day Tuesday 09-22 closes at its 24:00, Wednesday 00:00.
                ("2026-09-21T10:00:00+08:00", 1, "2026-09-23T00:00:00+08:00"),
                // The open day after Friday is Monday 09-28; it closes at Tuesday 00:00.
                ("2026-09-25T10:00:00+08:00", 1, "2026-09-29T00:00:00+08:00"),
                // n = 0: Monday's own close.
                ("2026-09-21T10:00:00+08:00", 0, "2026-09-22T00:00:00+08:00"),
            ],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST.

#[test]
fn new_york_office_across_both_transitions() {
    let office = cal(
        "America/New_York",
        &["mon-fri 09:00-17:00"],
        &["2026-11-26"],
        &[],
    );
    check_add(
        &office,
        &[
            // Friday 1h EST, Monday 1h EDT.
            (
                "2026-03-06T16:00:00-05:00",
                "2h",
                "2026-03-09T10:00:00-04:00",
            ),
            // Friday 1h EDT, Monday 1h EST.
            (
                "2026-10-30T16:00:00-04:00",
                "2h",
                "2026-11-02T10:00:00-05:00",
            ),
            // Thanksgiving closed.
            (
                "2026-11-25T16:00:00-05:00",
                "2h",
                "2026-11-27T10:00:00-05:00",
            ),
            // Started on Sunday 03-08 during the gap hour's aftermath.
            (
                "2026-03-08T03:30:00-04:00",
                "8h",
                "2026-03-09T17:00:00-04:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            (
                "2026-03-06T09:00:00-05:00",
                "2026-03-09T17:00:00-04:00",
                "16h",
            ),
            (
                "2026-10-30T09:00:00-04:00",
                "2026-11-02T17:00:00-05:00",
                "16h",
            ),
        ],
    );
    check_workdays(
        &office,
        &[
            ("2026-03-06T12:00:00-05:00", 1, "2026-03-09T17:00:00-04:00"),
            ("2026-10-30T12:00:00-04:00", 1, "2026-11-02T17:00:00-05:00"),
            ("2026-11-25T12:00:00-05:00", 1, "2026-11-27T17:00:00-05:00"),
        ],
    );
}

#[test]
fn new_york_shift_in_gap_and_fold() {
    // 01:00-05:00 contains the 02:00 change on both nights.
    let early = cal("America/New_York", &["sun 01:00-05:00"], &[], &[]);
    check_between(
        &early,
        &[
            // Spring forward: 01:00 EST (06:00Z) to 05:00 EDT (09:00Z) is 3h.
            (
                "2026-03-08T00:00:00-05:00",
                "2026-03-09T00:00:00-04:00",
                "3h",
            ),
            // Fall back: 01:00 EDT (05:00Z) to 05:00 EST (10:00Z) is 5h.
            (
                "2026-11-01T00:00:00-04:00",
                "2026-11-02T00:00:00-05:00",
                "5h",
            ),
            // An ordinary Sunday.
            (
                "2026-03-15T00:00:00-04:00",
                "2026-03-16T00:00:00-04:00",
                "4h",
            ),
        ],
    );
    check_add(
        &early,
        &[
            (
                "2026-03-08T00:00:00-05:00",
                "1h",
                "2026-03-08T03:00:00-04:00",
            ),
            (
                "2026-03-08T00:00:00-05:00",
                "3h",
                "2026-03-08T05:00:00-04:00",
            ),
            (
                "2026-11-01T00:00:00-04:00",
                "1h30m",
                "2026-11-01T01:30:00-05:00",
            ),
            (
                "2026-11-01T00:00:00-04:00",
                "5h",
                "2026-11-01T05:00:00-05:00",
            ),
        ],
    );
    check_open(
        &early,
        &[
            ("2026-11-01T01:30:00-04:00", true),
            ("2026-11-01T01:30:00-05:00", true),
            ("2026-03-08T01:59:59-05:00", true),
        ],
    );
    // Hours entirely inside the gap have no open time that night.
    let lost = cal("America/New_York", &["sun 02:00-02:30"], &[], &[]);
    check_between(
        &lost,
        &[
            (
                "2026-03-08T00:00:00-05:00",
                "2026-03-09T00:00:00-04:00",
                "0m",
            ),
            (
                "2026-03-15T00:00:00-04:00",
                "2026-03-16T00:00:00-04:00",
                "30m",
            ),
        ],
    );
    check_next_open(
        &lost,
        &[("2026-03-08T00:00:00-05:00", "2026-03-15T02:00:00-04:00")],
    );
    check_workdays(
        &lost,
        &[("2026-03-07T12:00:00-05:00", 1, "2026-03-15T02:30:00-04:00")],
    );
    // The night shift runs 7h into spring forward and 9h into fall back.
    let night = cal("America/New_York", &["mon-sun 22:00-06:00"], &[], &[]);
    check_between(
        &night,
        &[
            (
                "2026-03-07T12:00:00-05:00",
                "2026-03-08T12:00:00-04:00",
                "7h",
            ),
            (
                "2026-10-31T12:00:00-04:00",
                "2026-11-01T12:00:00-05:00",
                "9h",
            ),
        ],
    );
    // A cut-off whose time does not exist that day falls at the end of the gap.
    let cutoff = Cutoff {
        by: hm("02:30"),
        day: CutoffDay::NextDay,
        if_before: None,
    };
    assert_eq!(
        night
            .cutoff(t("2026-03-07T20:00:00-05:00"), &cutoff)
            .unwrap(),
        Some(t("2026-03-08T03:00:00-04:00"))
    );
    // Elapsed calendars count the short and the long day as they are.
    let always = cal("America/New_York", &["24x7"], &["2026-12-25"], &[]);
    check_between(
        &always,
        &[
            (
                "2026-03-07T12:00:00-05:00",
                "2026-03-08T12:00:00-04:00",
                "23h",
            ),
            (
                "2026-10-31T12:00:00-04:00",
                "2026-11-01T12:00:00-05:00",
                "25h",
            ),
            (
                "2026-12-24T12:00:00-05:00",
                "2026-12-26T12:00:00-05:00",
                "24h",
            ),
        ],
    );
}

#[test]
fn new_york_make_up_days() {
    // Thanksgiving Thursday and Friday closed, made up on Saturday 11-28 10:00-14:00; a make-up
    // Sunday 11-01 09:00-13:00 on the day DST ends (EDT until 02:00, then EST).
    let office = cal(
        "America/New_York",
        &["mon-fri 09:00-17:00"],
        &["2026-11-26..2026-11-27"],
        &["2026-11-28 10:00-14:00", "2026-11-01 09:00-13:00"],
    );
    check_add(
        &office,
        &[
            // Wednesday 1h, Thursday and Friday closed, Saturday 10:00 + 2h.
            (
                "2026-11-25T16:00:00-05:00",
                "3h",
                "2026-11-28T12:00:00-05:00",
            ),
            // 1h + all 4h of the make-up day: its closing instant.
            (
                "2026-11-25T16:00:00-05:00",
                "5h",
                "2026-11-28T14:00:00-05:00",
            ),
            // One minute more: Monday 09:01.
            (
                "2026-11-25T16:00:00-05:00",
                "5h1m",
                "2026-11-30T09:01:00-05:00",
            ),
            // Started on the make-up day before it opens: from 10:00.
            (
                "2026-11-28T08:00:00-05:00",
                "1h",
                "2026-11-28T11:00:00-05:00",
            ),
            // Friday 1h EDT, then the make-up Sunday from 09:00 EST: 2h.
            (
                "2026-10-30T16:00:00-04:00",
                "3h",
                "2026-11-01T11:00:00-05:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            // Monday to Wednesday 3 x 8h, Saturday 4h.
            (
                "2026-11-23T00:00:00-05:00",
                "2026-11-30T00:00:00-05:00",
                "28h",
            ),
            // The 25-hour Sunday 11-01 counts its make-up hours, 4h.
            (
                "2026-11-01T00:00:00-04:00",
                "2026-11-02T00:00:00-05:00",
                "4h",
            ),
        ],
    );
    check_workdays(
        &office,
        &[
            // The make-up Saturday is the first open day after Wednesday.
            ("2026-11-25T10:00:00-05:00", 1, "2026-11-28T14:00:00-05:00"),
            // After Friday 10-30: the make-up Sunday, then Monday.
            ("2026-10-30T10:00:00-04:00", 1, "2026-11-01T13:00:00-05:00"),
            ("2026-10-30T10:00:00-04:00", 2, "2026-11-02T17:00:00-05:00"),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET.

#[test]
fn berlin_split_day_with_holidays() {
    let office = cal(
        "Europe/Berlin",
        &["mon-fri 08:00-12:00 13:00-17:00"],
        &["2026-04-03", "2026-04-06", "2026-12-24..2026-12-26"],
        &[],
    );
    check_add(
        &office,
        &[
            // Start in the lunch break.
            (
                "2026-03-23T12:30:00+01:00",
                "30m",
                "2026-03-23T13:30:00+01:00",
            ),
            // Morning ends exactly at 12:00.
            (
                "2026-03-23T11:00:00+01:00",
                "1h",
                "2026-03-23T12:00:00+01:00",
            ),
            (
                "2026-03-23T11:00:00+01:00",
                "3h",
                "2026-03-23T15:00:00+01:00",
            ),
            // Across spring forward.
            (
                "2026-03-27T16:00:00+01:00",
                "2h",
                "2026-03-30T09:00:00+02:00",
            ),
            // Across Easter: Friday and Monday closed.
            (
                "2026-04-02T16:00:00+02:00",
                "2h",
                "2026-04-07T09:00:00+02:00",
            ),
            // Across fall back.
            (
                "2026-10-23T16:30:00+02:00",
                "1h",
                "2026-10-26T08:30:00+01:00",
            ),
            // Christmas: 12-24 to 12-26 closed, 12-27 Sunday.
            (
                "2026-12-23T16:00:00+01:00",
                "2h",
                "2026-12-28T09:00:00+01:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            (
                "2026-03-23T11:00:00+01:00",
                "2026-03-23T14:00:00+01:00",
                "2h",
            ),
            // Easter week: Mon-Thu 4 x 8h.
            (
                "2026-03-30T00:00:00+02:00",
                "2026-04-06T00:00:00+02:00",
                "32h",
            ),
        ],
    );
    check_workdays(
        &office,
        &[
            ("2026-04-02T10:00:00+02:00", 1, "2026-04-07T17:00:00+02:00"),
            ("2026-03-27T10:00:00+01:00", 1, "2026-03-30T17:00:00+02:00"),
        ],
    );
    let sunday_night = cal("Europe/Berlin", &["sun 00:00-04:00"], &[], &[]);
    check_between(
        &sunday_night,
        &[
            (
                "2026-03-28T12:00:00+01:00",
                "2026-03-30T00:00:00+02:00",
                "3h",
            ),
            (
                "2026-10-24T12:00:00+02:00",
                "2026-10-26T00:00:00+01:00",
                "5h",
            ),
        ],
    );
    let always = cal("Europe/Berlin", &["24x7"], &[], &[]);
    check_between(
        &always,
        &[(
            "2026-10-24T12:00:00+02:00",
            "2026-10-25T12:00:00+01:00",
            "25h",
        )],
    );
}

#[test]
fn berlin_night_shift_across_both_changes() {
    let night = cal("Europe/Berlin", &["mon-sun 22:00-06:00"], &[], &[]);
    check_add(
        &night,
        &[
            // An ordinary night (CET): 7h left at 23:00.
            (
                "2026-03-10T23:00:00+01:00",
                "5h",
                "2026-03-11T04:00:00+01:00",
            ),
            // 2h to the 06:00 close, 1h of the next night.
            (
                "2026-03-11T04:00:00+01:00",
                "3h",
                "2026-03-11T23:00:00+01:00",
            ),
            // Spring forward: 22:00 CET (21:00Z) + 4h = 01:00Z, which is 03:00 CEST (02:00-03:00
            // does not exist).
            (
                "2026-03-28T22:00:00+01:00",
                "4h",
                "2026-03-29T03:00:00+02:00",
            ),
            // The short night has 7h (21:00Z to 04:00Z): exactly to its close.
            (
                "2026-03-28T22:00:00+01:00",
                "7h",
                "2026-03-29T06:00:00+02:00",
            ),
            // 7h, then 30m of Sunday night.
            (
                "2026-03-28T22:00:00+01:00",
                "7h30m",
                "2026-03-29T22:30:00+02:00",
            ),
            // Fall back: 22:00 CEST (20:00Z) + 4h30m = 00:30Z, the first 02:30 (CEST).
            (
                "2026-10-24T22:00:00+02:00",
                "4h30m",
                "2026-10-25T02:30:00+02:00",
            ),
            // + 5h30m = 01:30Z, the second 02:30 (CET).
            (
                "2026-10-24T22:00:00+02:00",
                "5h30m",
                "2026-10-25T02:30:00+01:00",
            ),
            // The long night has 9h (20:00Z to 05:00Z).
            (
                "2026-10-24T22:00:00+02:00",
                "9h",
                "2026-10-25T06:00:00+01:00",
            ),
            // Started at Saturday noon: the 9h night, then 1h from Sunday 22:00 CET.
            (
                "2026-10-24T12:00:00+02:00",
                "10h",
                "2026-10-25T23:00:00+01:00",
            ),
        ],
    );
    check_between(
        &night,
        &[
            (
                "2026-03-28T12:00:00+01:00",
                "2026-03-29T12:00:00+02:00",
                "7h",
            ),
            (
                "2026-10-24T12:00:00+02:00",
                "2026-10-25T12:00:00+01:00",
                "9h",
            ),
        ],
    );
    check_open(
        &night,
        &[
            ("2026-10-25T02:30:00+01:00", true),
            ("2026-03-29T06:00:00+02:00", false),
        ],
    );
    check_workdays(
        &night,
        &[
            // The open day Saturday 03-28 closes at 06:00 CEST on Sunday.
            ("2026-03-27T10:00:00+01:00", 1, "2026-03-29T06:00:00+02:00"),
        ],
    );
}

#[test]
fn berlin_make_up_saturday_after_ascension() {
    // Ascension Thursday 05-14 and the bridge Friday 05-15 closed, made up on Saturday 05-16
    // with its own split hours.
    let office = cal(
        "Europe/Berlin",
        &["mon-fri 08:00-12:00 13:00-17:00"],
        &["2026-05-14..2026-05-15"],
        &["2026-05-16 09:00-11:00 12:00-14:00"],
    );
    check_add(
        &office,
        &[
            // Wednesday 1h, Saturday 09:00-11:00: the end of the make-up day's first interval.
            (
                "2026-05-13T16:00:00+02:00",
                "3h",
                "2026-05-16T11:00:00+02:00",
            ),
            // 1h + 2h + 30m after the break.
            (
                "2026-05-13T16:00:00+02:00",
                "3h30m",
                "2026-05-16T12:30:00+02:00",
            ),
            // 1h + all 4h of the make-up day: its closing instant.
            (
                "2026-05-13T16:00:00+02:00",
                "5h",
                "2026-05-16T14:00:00+02:00",
            ),
            // 30m more: Monday 08:30.
            (
                "2026-05-13T16:00:00+02:00",
                "5h30m",
                "2026-05-18T08:30:00+02:00",
            ),
            // Started in the make-up day's break: from 12:00.
            (
                "2026-05-16T11:30:00+02:00",
                "1h",
                "2026-05-16T13:00:00+02:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            // Monday to Wednesday 3 x 8h, Saturday 4h.
            (
                "2026-05-11T00:00:00+02:00",
                "2026-05-18T00:00:00+02:00",
                "28h",
            ),
        ],
    );
    check_workdays(
        &office,
        &[
            ("2026-05-13T10:00:00+02:00", 1, "2026-05-16T14:00:00+02:00"),
            ("2026-05-13T10:00:00+02:00", 2, "2026-05-18T17:00:00+02:00"),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Australia/Sydney: 2026-04-05 03:00 AEDT -> 02:00 AEST, 2026-10-04 02:00 AEST -> 03:00 AEDT.

#[test]
fn sydney_southern_hemisphere() {
    let office = cal(
        "Australia/Sydney",
        &["mon-fri 09:00-17:00"],
        &["2026-04-03", "2026-04-06", "2026-10-05"],
        &["2026-10-10 10:00-14:00"],
    );
    check_add(
        &office,
        &[
            // DST ends over Easter: Thursday AEDT, Tuesday AEST.
            (
                "2026-04-02T16:00:00+11:00",
                "2h",
                "2026-04-07T10:00:00+10:00",
            ),
            // DST starts; Monday 10-05 is Labour Day.
            (
                "2026-10-02T16:00:00+10:00",
                "2h",
                "2026-10-06T10:00:00+11:00",
            ),
            // The make-up Saturday to its closing exactly.
            (
                "2026-10-09T16:00:00+11:00",
                "5h",
                "2026-10-10T14:00:00+11:00",
            ),
            (
                "2026-10-09T16:00:00+11:00",
                "5h1m",
                "2026-10-12T09:01:00+11:00",
            ),
        ],
    );
    check_workdays(
        &office,
        &[
            ("2026-10-02T10:00:00+10:00", 1, "2026-10-06T17:00:00+11:00"),
            ("2026-10-09T10:00:00+11:00", 1, "2026-10-10T14:00:00+11:00"),
            ("2026-10-09T10:00:00+11:00", 2, "2026-10-12T17:00:00+11:00"),
        ],
    );
    check_open(
        &office,
        &[
            ("2026-10-10T14:00:00+11:00", false),
            ("2026-10-10T13:59:00+11:00", true),
        ],
    );
    let always = cal("Australia/Sydney", &["24x7"], &[], &[]);
    check_between(
        &always,
        &[
            (
                "2026-04-04T12:00:00+11:00",
                "2026-04-05T12:00:00+10:00",
                "25h",
            ),
            (
                "2026-10-03T12:00:00+10:00",
                "2026-10-04T12:00:00+11:00",
                "23h",
            ),
        ],
    );
}

#[test]
fn sydney_night_shift_across_both_changes() {
    let night = cal("Australia/Sydney", &["mon-sun 22:00-06:00"], &[], &[]);
    check_add(
        &night,
        &[
            // An ordinary winter night (AEST): 1h to 06:00, 1h from 22:00.
            (
                "2026-06-10T05:00:00+10:00",
                "2h",
                "2026-06-10T23:00:00+10:00",
            ),
            // DST ends: 22:00 AEDT (11:00Z) + 4h30m = 15:30Z, the first 02:30 (AEDT).
            (
                "2026-04-04T22:00:00+11:00",
                "4h30m",
                "2026-04-05T02:30:00+11:00",
            ),
            // + 5h30m = 16:30Z, the second 02:30 (AEST).
            (
                "2026-04-04T22:00:00+11:00",
                "5h30m",
                "2026-04-05T02:30:00+10:00",
            ),
            // The long night has 9h (11:00Z to 20:00Z).
            (
                "2026-04-04T22:00:00+11:00",
                "9h",
                "2026-04-05T06:00:00+10:00",
            ),
            // DST starts: 22:00 AEST (12:00Z) + 4h = 16:00Z, which is 03:00 AEDT.
            (
                "2026-10-03T22:00:00+10:00",
                "4h",
                "2026-10-04T03:00:00+11:00",
            ),
            // 23:00 AEST (13:00Z) to 06:00 AEDT (19:00Z) is 6h; 2h from Sunday 22:00 AEDT end at
            // Monday 00:00.
            (
                "2026-10-03T23:00:00+10:00",
                "8h",
                "2026-10-05T00:00:00+11:00",
            ),
        ],
    );
    check_between(
        &night,
        &[
            (
                "2026-04-04T12:00:00+11:00",
                "2026-04-05T12:00:00+10:00",
                "9h",
            ),
            (
                "2026-10-03T12:00:00+10:00",
                "2026-10-04T12:00:00+11:00",
                "7h",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// America/Sao_Paulo: DST until 2019 (midnight transitions), none since.

#[test]
fn sao_paulo_before_and_after_dropping_dst() {
    let office = cal("America/Sao_Paulo", &["mon-fri 08:00-18:00"], &[], &[]);
    check_add(
        &office,
        &[
            // 2018: DST started on Sunday 11-04; Monday is -02:00.
            (
                "2018-11-02T17:00:00-03:00",
                "2h",
                "2018-11-05T09:00:00-02:00",
            ),
            // 2026: no change.
            (
                "2026-11-06T17:00:00-03:00",
                "2h",
                "2026-11-09T09:00:00-03:00",
            ),
        ],
    );
    let weekend = cal("America/Sao_Paulo", &["sat-sun 00:00-24:00"], &[], &[]);
    check_between(
        &weekend,
        &[
            // Sunday 2018-11-04 began at 01:00: 23h.
            ("2018-11-04T03:00:00Z", "2018-11-05T03:00:00Z", "23h"),
            // Saturday 2019-02-16 had 23:00-24:00 twice: 25h.
            (
                "2019-02-16T00:00:00-02:00",
                "2019-02-17T00:00:00-03:00",
                "25h",
            ),
            // The same weekend under the current rules: 48h.
            (
                "2026-11-07T00:00:00-03:00",
                "2026-11-09T00:00:00-03:00",
                "48h",
            ),
        ],
    );
    check_workdays(
        &office,
        &[("2018-11-02T10:00:00-03:00", 1, "2018-11-05T18:00:00-02:00")],
    );
}

#[test]
fn sao_paulo_night_shift_in_2018_2019_and_2020() {
    let night = cal("America/Sao_Paulo", &["mon-sun 22:00-06:00"], &[], &[]);
    check_add(
        &night,
        &[
            // DST started at Sunday 2018-11-04 00:00, which did not exist: 22:00 -03 (01:00Z)
            // + 2h = 03:00Z, which is 01:00 -02.
            (
                "2018-11-03T22:00:00-03:00",
                "2h",
                "2018-11-04T01:00:00-02:00",
            ),
            // That night had 7h (01:00Z to 08:00Z): exactly to its close.
            (
                "2018-11-03T22:00:00-03:00",
                "7h",
                "2018-11-04T06:00:00-02:00",
            ),
            // 5h30m to the close, 30m of Sunday night.
            (
                "2018-11-03T23:30:00-03:00",
                "6h",
                "2018-11-04T22:30:00-02:00",
            ),
            // DST ended at 2019-02-17 00:00 -02, back to 23:00 -03: 22:00 -02 (00:00Z) to 06:00
            // -03 (09:00Z) is 9h.
            (
                "2019-02-16T22:00:00-02:00",
                "9h",
                "2019-02-17T06:00:00-03:00",
            ),
            // 2020, no DST: the same night of the year has its midnight and 8h.
            (
                "2020-11-07T22:00:00-03:00",
                "2h",
                "2020-11-08T00:00:00-03:00",
            ),
            (
                "2020-11-07T22:00:00-03:00",
                "8h",
                "2020-11-08T06:00:00-03:00",
            ),
        ],
    );
    check_between(
        &night,
        &[
            (
                "2018-11-03T12:00:00-03:00",
                "2018-11-04T12:00:00-02:00",
                "7h",
            ),
            (
                "2019-02-16T12:00:00-02:00",
                "2019-02-17T12:00:00-03:00",
                "9h",
            ),
            (
                "2020-11-07T12:00:00-03:00",
                "2020-11-08T12:00:00-03:00",
                "8h",
            ),
        ],
    );
    // `24:00` is the next midnight, converted like any local time: 2018-11-04 00:00 did not
    // exist (the gap ends at 01:00 -02, 03:00Z), and 2019-02-17 00:00 came after 23:00-24:00
    // had run twice (03:00Z).
    let evening = cal("America/Sao_Paulo", &["sat 20:00-24:00"], &[], &[]);
    check_add(
        &evening,
        &[
            // 23:00 -03 (02:00Z) + 1h = 03:00Z, the close.
            (
                "2018-11-03T23:00:00-03:00",
                "1h",
                "2018-11-04T01:00:00-02:00",
            ),
            // 20:00 -02 (22:00Z) + 5h = 03:00Z, the close of the long evening.
            (
                "2019-02-16T20:00:00-02:00",
                "5h",
                "2019-02-17T00:00:00-03:00",
            ),
        ],
    );
    check_between(
        &evening,
        &[
            // 20:00 -03 (23:00Z) to 03:00Z.
            (
                "2018-11-03T12:00:00-03:00",
                "2018-11-04T12:00:00-02:00",
                "4h",
            ),
            // 20:00 -02 (22:00Z) to 03:00Z.
            (
                "2019-02-16T12:00:00-02:00",
                "2019-02-17T12:00:00-03:00",
                "5h",
            ),
            (
                "2020-11-07T12:00:00-03:00",
                "2020-11-08T12:00:00-03:00",
                "4h",
            ),
        ],
    );
}

#[test]
fn sao_paulo_holidays_and_make_up_saturdays() {
    // Finados (11-02) both years; in 2018 the Proclamation of the Republic (Thursday 11-15)
    // and the bridge Friday, made up on Saturday 11-17; in 2020 Black Consciousness Day
    // (Friday 11-20), made up on Saturday 11-21.
    let office = cal(
        "America/Sao_Paulo",
        &["mon-fri 08:00-18:00"],
        &[
            "2018-11-02",
            "2018-11-15..2018-11-16",
            "2020-11-02",
            "2020-11-20",
        ],
        &["2018-11-17 08:00-12:00", "2020-11-21 08:00-12:00"],
    );
    check_add(
        &office,
        &[
            // 2018, DST from Sunday 11-04: Thursday 1h (-03), Friday Finados closed, Monday
            // 08:00-18:00 (-02) 10h: lands exactly on Monday's close, which is the answer.
            (
                "2018-11-01T17:00:00-03:00",
                "11h",
                "2018-11-05T18:00:00-02:00",
            ),
            // Wednesday 2h, Thursday and Friday closed, the make-up Saturday 2h.
            (
                "2018-11-14T16:00:00-02:00",
                "4h",
                "2018-11-17T10:00:00-02:00",
            ),
            // 2h + all 4h of the make-up day: its closing instant.
            (
                "2018-11-14T16:00:00-02:00",
                "6h",
                "2018-11-17T12:00:00-02:00",
            ),
            (
                "2018-11-14T16:00:00-02:00",
                "6h1m",
                "2018-11-19T08:01:00-02:00",
            ),
            // 2020, no DST (Sunday 11-01 changes nothing): Friday 1h, Monday Finados closed,
            // Tuesday 1h.
            (
                "2020-10-30T17:00:00-03:00",
                "2h",
                "2020-11-03T09:00:00-03:00",
            ),
            // Lands exactly on Thursday's close: 18:00, not the make-up Saturday's 08:00.
            (
                "2020-11-19T16:00:00-03:00",
                "2h",
                "2020-11-19T18:00:00-03:00",
            ),
            // Thursday 2h, Friday closed, the make-up Saturday 1h.
            (
                "2020-11-19T16:00:00-03:00",
                "3h",
                "2020-11-21T09:00:00-03:00",
            ),
            // 2h + 4h, then Monday 1m.
            (
                "2020-11-19T16:00:00-03:00",
                "6h1m",
                "2020-11-23T08:01:00-03:00",
            ),
        ],
    );
    check_between(
        &office,
        &[
            // Monday to Wednesday 3 x 10h, Saturday 4h.
            (
                "2018-11-12T00:00:00-02:00",
                "2018-11-19T00:00:00-02:00",
                "34h",
            ),
            // Monday to Thursday 4 x 10h, Saturday 4h.
            (
                "2020-11-16T00:00:00-03:00",
                "2020-11-23T00:00:00-03:00",
                "44h",
            ),
        ],
    );
    check_open(
        &office,
        &[
            ("2018-11-17T11:59:59-02:00", true),
            ("2020-11-19T18:00:00-03:00", false),
        ],
    );
    check_workdays(
        &office,
        &[
            ("2018-11-14T10:00:00-02:00", 1, "2018-11-17T12:00:00-02:00"),
            ("2018-11-14T10:00:00-02:00", 2, "2018-11-19T18:00:00-02:00"),
            ("2020-10-30T10:00:00-03:00", 1, "2020-11-03T18:00:00-03:00"),
            ("2020-11-19T10:00:00-03:00", 1, "2020-11-21T12:00:00-03:00"),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Calendars built `like` another: the base's lines plus the derived calendar's, read as one.

#[test]
fn like_adds_lines_and_cannot_shorten_a_make_up_day() {
    let text = r#"
policy "P" { timezone "Asia/Shanghai" }
calendar office {
  open mon-fri 09:00-18:30
  open sat 09:00-12:00
  closed 2026-10-01..2026-10-08 "National Day"
  open 2026-10-11 09:00-18:30 "make-up working day"
}
calendar short_office like office {
  open mon-fri 09:00-12:00
  open 2026-10-11 09:00-12:00
  closed 2026-10-11
  open 2026-10-10 09:00-10:00
  closed 2026-09-25
  open 2026-10-05 10:00-16:00
}
calendar round_the_clock like office {
  open 24x7
}
"#;
    let policy = covenant::check::Policy::parse(text).unwrap();
    let warnings: Vec<(&str, &str)> = policy
        .warnings()
        .iter()
        .map(|w| (w.code.as_str(), w.message.as_str()))
        .collect();
    // The overlaps are warned about; the `closed` date that closes nothing is not.
    assert_eq!(
        warnings,
        [
            ("W0104", "open hours overlap on `mon`"),
            ("W0104", "open hours overlap on `2026-10-11`"),
        ]
    );
    let calendar = |name: &str| policy.calendar(name).unwrap();
    let (office, short, round) = (
        calendar("office"),
        calendar("short_office"),
        calendar("round_the_clock"),
    );
    let midnight = |day: &str| t(&format!("{day}T00:00:00+08:00"));
    // (date, next date, office, short_office, round_the_clock)
    let rows: &[(&str, &str, &str, &str, &str)] = &[
        // Weekly hours are a union: Monday keeps 09:00-18:30.
        ("2026-09-28", "2026-09-29", "9h30m", "9h30m", "24h"),
        // `closed` closes a weekday date.
        ("2026-09-25", "2026-09-26", "9h30m", "0m", "24h"),
        // A dated line replaces the weekly hours of its date: Saturday 3h becomes 1h.
        ("2026-10-10", "2026-10-11", "3h", "1h", "24h"),
        // A dated line reopens a date of the base's closed range; 24x7 does not.
        ("2026-10-05", "2026-10-06", "0m", "6h", "0m"),
        // The make-up day keeps all its hours: the dated hours of one date are a union, and
        // `closed` does not close a dated date. Its hours replace 24x7's on that date too.
        ("2026-10-11", "2026-10-12", "9h30m", "9h30m", "9h30m"),
    ];
    for (first, next, in_office, in_short, in_round) in rows {
        let (a, b) = (midnight(first), midnight(next));
        assert_eq!(office.between(a, b), dur(in_office), "office {first}");
        assert_eq!(short.between(a, b), dur(in_short), "short_office {first}");
        assert_eq!(
            round.between(a, b),
            dur(in_round),
            "round_the_clock {first}"
        );
    }
    // 1h to 12:00 on the make-up day, then 1h more: 13:00 the same day (a make-up day of
    // 09:00-12:00 would give Monday 10:00).
    check_add(
        short,
        &[(
            "2026-10-11T11:00:00+08:00",
            "2h",
            "2026-10-11T13:00:00+08:00",
        )],
    );
}

/// `hours` replaces the weekly hours of the calendar a calendar is `like`, keeps its closed dates,
/// and keeps its make-up days open with the new hours: those of the make-up day's own weekday,
/// else those of the first weekday with hours (docs/time.md, section 1).
#[test]
fn hours_replace_the_weekly_hours_and_keep_the_holidays() {
    let text = r#"
policy "P" { timezone "Asia/Shanghai" }
calendar office {
  open mon-fri 09:00-18:30
  open sat 09:00-12:00
  closed 2026-10-01..2026-10-08 "National Day"
  open 2026-10-11 09:00-18:30 "make-up working day"
}
calendar branch like office {
  hours mon-fri 09:00-17:00
}
calendar kiosk like office {
  hours mon-sun 10:00-20:00
  closed 2026-10-11
}
calendar desk like office {
  hours mon-fri 09:00-17:00
  hours sat 10:00-14:00
  open 2026-10-11 09:00-12:00
}
calendar desk_sunday like desk {
  open sun 10:00-12:00
}
"#;
    let policy = covenant::check::Policy::parse(text).unwrap();
    // Hours that replace others overlap nothing.
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    let calendar = |name: &str| policy.calendar(name).unwrap();
    let midnight = |day: &str| t(&format!("{day}T00:00:00+08:00"));
    // (date, next date, office, branch, kiosk, desk, desk_sunday)
    let rows: &[(&str, &str, [&str; 5])] = &[
        // A weekday: the new hours only.
        (
            "2026-09-28",
            "2026-09-29",
            ["9h30m", "8h", "10h", "8h", "8h"],
        ),
        // Saturday: the base's morning is gone with its weekly hours.
        ("2026-09-26", "2026-09-27", ["3h", "0m", "10h", "4h", "4h"]),
        // A holiday of the base stays closed.
        ("2026-10-02", "2026-10-03", ["0m", "0m", "0m", "0m", "0m"]),
        // An ordinary Sunday.
        ("2026-09-27", "2026-09-28", ["0m", "0m", "10h", "0m", "2h"]),
        // The make-up Sunday: open with Monday's hours (Sunday has none), closed by the kiosk's own
        // `closed`, given the desk's own hours; below `desk_sunday` its hours are the desk's.
        (
            "2026-10-11",
            "2026-10-12",
            ["9h30m", "8h", "0m", "3h", "3h"],
        ),
    ];
    let names = ["office", "branch", "kiosk", "desk", "desk_sunday"];
    for (first, next, hours) in rows {
        let (a, b) = (midnight(first), midnight(next));
        for (name, expected) in names.iter().zip(hours) {
            assert_eq!(
                calendar(name).between(a, b),
                dur(expected),
                "{name} {first}"
            );
        }
    }
    // The working day after Friday 10-09: Saturday 10-10 for the office, the make-up Sunday for
    // the branch, which has no Saturday hours.
    let friday = t("2026-10-09T10:00:00+08:00");
    assert_eq!(
        calendar("office").add_workdays(friday, 1).unwrap(),
        t("2026-10-10T12:00:00+08:00")
    );
    assert_eq!(
        calendar("branch").add_workdays(friday, 1).unwrap(),
        t("2026-10-11T17:00:00+08:00")
    );
}

// ---------------------------------------------------------------------------------------------
// Long spans and degenerate calendars.

#[test]
fn long_spans_match_whole_weeks() {
    let office = cal("Europe/Berlin", &["mon-fri 09:00-17:00"], &[], &[]);
    // 520 weeks of 40h from a Monday opening land on the Friday close 520 weeks later - 3 days.
    let start = t("2026-01-05T09:00:00+01:00");
    let got = office.add(start, TimeDelta::hours(40 * 520)).unwrap();
    assert_eq!(got, t("2035-12-21T17:00:00+01:00"));
    assert_eq!(office.between(start, got), TimeDelta::hours(40 * 520));
    // Ten years of working days.
    assert_eq!(
        office.add_workdays(start, 5 * 520).unwrap(),
        t("2035-12-24T17:00:00+01:00")
    );
}

#[test]
fn never_open_and_out_of_range() {
    let closed = cal("Europe/Berlin", &[], &[], &[]);
    assert!(!closed.has_open_time());
    let start = t("2026-01-05T09:00:00+01:00");
    assert_eq!(
        closed.add(start, TimeDelta::hours(1)),
        Err(TimeError::NeverOpen(start))
    );
    assert_eq!(closed.next_open(start), Err(TimeError::NeverOpen(start)));
    assert_eq!(
        closed.add_workdays(start, 1),
        Err(TimeError::NeverOpen(start))
    );
    assert_eq!(
        closed.between(start, start + TimeDelta::days(4000)),
        TimeDelta::zero()
    );
    // Only one make-up day: after it, nothing.
    let once = cal("Europe/Berlin", &[], &[], &["2026-06-01 09:00-10:00"]);
    assert!(once.has_open_time());
    assert_eq!(
        once.add(start, TimeDelta::hours(1)).unwrap(),
        t("2026-06-01T10:00:00+02:00")
    );
    assert_eq!(
        once.add(start, TimeDelta::hours(2)),
        Err(TimeError::NeverOpen(start))
    );
    // Closed until the end of the supported range.
    let gone = cal(
        "UTC",
        &["mon-fri 09:00-17:00"],
        &["2027-01-01..9999-12-31"],
        &[],
    );
    assert!(gone.add(start, TimeDelta::hours(10_000)).is_err());
    let office = cal("UTC", &["mon-fri 09:00-17:00"], &[], &[]);
    let late = t("9999-12-30T12:00:00Z");
    assert_eq!(
        office.add(late, TimeDelta::days(10)),
        Err(TimeError::OutOfRange)
    );
    assert_eq!(
        Calendar::always().add(late, TimeDelta::hours(1)).unwrap(),
        late + TimeDelta::hours(1)
    );
}

// ---------------------------------------------------------------------------------------------
// Laws, checked against a plain reference: every interval of every date converted on its own.

/// The law calendars, compiled once for all cases.
fn law_calendars() -> &'static [(CalendarSpec, Calendar)] {
    static CALENDARS: std::sync::OnceLock<Vec<(CalendarSpec, Calendar)>> =
        std::sync::OnceLock::new();
    CALENDARS.get_or_init(|| {
        law_specs()
            .into_iter()
            .map(|spec| {
                let calendar = Calendar::compile(&spec);
                (spec, calendar)
            })
            .collect()
    })
}

fn law_specs() -> Vec<CalendarSpec> {
    vec![
        spec(
            "Asia/Shanghai",
            &["mon-fri 09:00-18:30", "sat 09:00-12:00"],
            &[
                "2026-10-01..2026-10-08",
                "2027-02-10..2027-02-17",
                "2026-05-01",
            ],
            &["2026-10-11 09:00-18:30", "2027-02-07 09:00-18:30"],
        ),
        spec(
            "America/New_York",
            &[
                "mon-fri 09:00-17:00",
                "mon-sun 22:00-06:00",
                "sun 01:00-05:00",
            ],
            &["2026-11-26", "2026-12-25", "2027-01-01"],
            &["2026-12-26 00:30-03:30"],
        ),
        spec(
            "Europe/Berlin",
            &["mon-fri 08:00-12:00 13:00-17:00", "sat 02:00-03:30"],
            &["2026-04-03", "2026-04-06", "2026-12-24..2026-12-26"],
            &[],
        ),
        spec(
            "Australia/Sydney",
            &["mon-fri 09:00-17:00", "sun 00:00-24:00"],
            &["2026-04-03", "2026-10-05"],
            &["2026-10-10 10:00-14:00"],
        ),
        spec(
            "America/Sao_Paulo",
            &["mon-fri 08:00-18:00", "sat 23:00-01:00"],
            &["2018-12-25", "2019-01-01"],
            &[],
        ),
        spec("America/New_York", &["24x7"], &["2026-07-04"], &[]),
    ]
}

/// Open time in `[a, b)` by converting every interval of every nearby date and taking the union.
fn reference_between(spec: &CalendarSpec, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
    if b <= a {
        return TimeDelta::zero();
    }
    let first = a.with_timezone(&spec.tz).date_naive() - TimeDelta::days(3);
    let last = b.with_timezone(&spec.tz).date_naive() + TimeDelta::days(1);
    let mut open = Vec::new();
    let mut day = first;
    while day <= last {
        let listed = spec.open_dates.iter().find(|(d, _)| *d == day);
        let intervals: Vec<Interval> = if let Some((_, intervals)) = listed {
            intervals.clone()
        } else if spec.closed.iter().any(|(f, l)| *f <= day && day <= *l) {
            Vec::new()
        } else if spec.always {
            vec![Interval {
                start: 0,
                end: 1440,
            }]
        } else {
            spec.weekly
                .iter()
                .filter(|(w, _)| *w == day.weekday())
                .map(|(_, i)| *i)
                .collect()
        };
        for interval in intervals {
            let end = if interval.end > interval.start {
                u32::from(interval.end)
            } else {
                u32::from(interval.end) + 1440
            };
            let convert = |minute: u32| {
                let date = day + TimeDelta::days(i64::from(minute / 1440));
                let time =
                    NaiveTime::from_num_seconds_from_midnight_opt((minute % 1440) * 60, 0).unwrap();
                local_to_instant(spec.tz, date, time).unwrap()
            };
            let (s, e) = (convert(u32::from(interval.start)), convert(end));
            if s < e {
                open.push((s.max(a), e.min(b)));
            }
        }
        day += TimeDelta::days(1);
    }
    open.retain(|(s, e)| s < e);
    open.sort();
    let mut total = TimeDelta::zero();
    let mut reach = a;
    for (s, e) in open {
        let s = s.max(reach);
        if e > s {
            total += e - s;
            reach = e;
        }
    }
    total
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2018-01-01 .. 2028-01-01, to the second, so deadlines also land between minutes.
    (1_514_764_800i64..1_830_297_600).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn business() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (0i64..600).prop_map(TimeDelta::minutes),
        (0i64..200_000).prop_map(TimeDelta::minutes),
        (0i64..2_000_000).prop_map(TimeDelta::seconds),
    ]
}

#[test]
fn ten_year_deadlines_match_the_reference() {
    let start = t("2018-03-01T12:34:56Z");
    for (spec, cal) in law_calendars() {
        for hours in [1, 500, 5_000, 20_000] {
            let d = TimeDelta::hours(hours);
            let due = cal.add(start, d).unwrap();
            assert_eq!(
                reference_between(spec, start, due),
                d,
                "{} + {hours}h",
                spec.tz
            );
            assert_eq!(cal.between(start, due), d);
        }
        let due = cal.add_workdays(start, 2_000).unwrap();
        assert!(cal.is_open(due - TimeDelta::nanoseconds(1)), "{}", spec.tz);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn between_matches_the_reference(which in 0usize..6, a in instant(), span in 0i64..40_000_000) {
        let (spec, cal) = &law_calendars()[which];
        let b = a + TimeDelta::seconds(span);
        prop_assert_eq!(cal.between(a, b), reference_between(spec, a, b));
    }

    #[test]
    fn between_matches_the_reference_in_any_era(
        which in 0usize..6,
        // 1890-01-01 .. 2150-01-01: old and future rules, and no rules at all.
        a in (-2_524_521_600i64..5_680_281_600).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        span in 0i64..8_000_000,
        d in (0i64..20_000).prop_map(TimeDelta::minutes),
    ) {
        let (spec, cal) = &law_calendars()[which];
        let b = a + TimeDelta::seconds(span);
        prop_assert_eq!(cal.between(a, b), reference_between(spec, a, b));
        let due = cal.add(a, d).unwrap();
        prop_assert_eq!(reference_between(spec, a, due), d);
    }

    #[test]
    fn add_is_exact_and_minimal(which in 0usize..6, start in instant(), d in business()) {
        let (spec, cal) = &law_calendars()[which];
        let due = cal.add(start, d).unwrap();
        prop_assert!(due >= start);
        prop_assert_eq!(cal.between(start, due), d);
        prop_assert_eq!(reference_between(spec, start, due), d);
        if d > TimeDelta::zero() {
            prop_assert!(reference_between(spec, start, due - TimeDelta::nanoseconds(1)) < d);
        }
    }

    #[test]
    fn add_is_monotone_and_additive(
        which in 0usize..6,
        start in instant(),
        later in 0i64..5_000_000,
        a in business(),
        b in business(),
    ) {
        let (_, cal) = &law_calendars()[which];
        let other = start + TimeDelta::seconds(later);
        prop_assert!(cal.add(start, a).unwrap() <= cal.add(other, a).unwrap());
        prop_assert!(cal.add(start, a).unwrap() <= cal.add(start, a + b).unwrap());
        let step = cal.add(cal.add(start, a).unwrap(), b).unwrap();
        prop_assert_eq!(step, cal.add(start, a + b).unwrap());
    }

    #[test]
    fn next_and_last_open(which in 0usize..6, at in instant()) {
        let (_, cal) = &law_calendars()[which];
        let next = cal.next_open(at).unwrap();
        prop_assert!(next >= at);
        prop_assert!(cal.is_open(next));
        prop_assert_eq!(cal.between(at, next), TimeDelta::zero());
        prop_assert_eq!(cal.is_open(at), next == at);
        let last = cal.last_open(at).unwrap();
        prop_assert!(last <= at);
        prop_assert_eq!(cal.between(last, at), TimeDelta::zero());
        prop_assert!(cal.is_open(last - TimeDelta::nanoseconds(1)) || cal.is_open(last));
    }

    #[test]
    fn open_stretches_are_the_open_time_of_the_span(
        which in 0usize..6,
        a in instant(),
        span in 0i64..3_000_000,
    ) {
        let (_, cal) = &law_calendars()[which];
        let b = a + TimeDelta::seconds(span);
        let stretches = cal.open_stretches(a, b);
        let total: TimeDelta = stretches.iter().map(|(s, e)| *e - *s).sum();
        prop_assert_eq!(total, cal.between(a, b));
        let mut last_end = None;
        for &(s, e) in &stretches {
            prop_assert!(a <= s && s < e && e <= b);
            // In order, and never touching: stretches that meet are one.
            prop_assert!(last_end.map_or(true, |end| end < s));
            prop_assert!(cal.is_open(s));
            prop_assert!(cal.is_open(e - TimeDelta::seconds(1)));
            if e < b {
                prop_assert!(!cal.is_open(e));
            }
            if s > a {
                prop_assert!(!cal.is_open(s - TimeDelta::seconds(1)));
            }
            last_end = Some(e);
        }
    }

    #[test]
    fn workday_deadlines_close_an_open_day(which in 0usize..6, start in instant(), n in 0u32..400) {
        let (spec, cal) = &law_calendars()[which];
        let due = cal.add_workdays(start, n).unwrap();
        // The deadline ends open time: open just before it, closed or continuing after.
        prop_assert!(cal.is_open(due - TimeDelta::nanoseconds(1)));
        let start_date = start.with_timezone(&spec.tz).date_naive();
        prop_assert!(due.with_timezone(&spec.tz).date_naive() >= start_date);
        // More days never give an earlier deadline; from the first counted day on, each day is a
        // later one. (`n = 0` from a closed day is the close of the next open day, which is also
        // where `n = 1` ends, since the start day itself never counts.)
        let next = cal.add_workdays(start, n + 1).unwrap();
        if n == 0 {
            prop_assert!(next >= due);
        } else {
            prop_assert!(next > due);
        }
        if which == 0 || which == 2 {
            // Calendars without overnight hours: the deadline's date is not closed.
            let day = due.with_timezone(&spec.tz).date_naive();
            let listed = spec.open_dates.iter().any(|(d, _)| *d == day);
            let closed = spec.closed.iter().any(|(f, l)| *f <= day && day <= *l);
            prop_assert!(listed || !closed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The year tables against the reference computation: every answer identical.

/// Zones with DST in either hemisphere, half-hour and unusual offsets, a dropped DST
/// (São Paulo 2019) and a skipped date (Apia, 2011-12-30).
const TABLE_ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Shanghai",
    "UTC",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Apia",
    "Asia/Kolkata",
];

/// Every UTC offset change of [`TABLE_ZONES`] from 2010 to 2030: the zone's index and the
/// change's instant in Unix seconds.
fn transitions() -> &'static [(usize, i64)] {
    static CHANGES: std::sync::OnceLock<Vec<(usize, i64)>> = std::sync::OnceLock::new();
    CHANGES.get_or_init(|| {
        use chrono::{Offset, TimeZone};
        let mut changes = Vec::new();
        for (index, zone) in TABLE_ZONES.iter().enumerate() {
            let tz: Tz = zone.parse().unwrap();
            let offset = |unix: i64| {
                let at = DateTime::from_timestamp(unix, 0).unwrap().naive_utc();
                tz.offset_from_utc_datetime(&at).fix()
            };
            let (mut at, last) = (
                t("2010-01-01T00:00:00Z").timestamp(),
                t("2030-01-01T00:00:00Z").timestamp(),
            );
            while at < last {
                let next = at + 86_400;
                if offset(at) != offset(next) {
                    let (mut low, mut high) = (at, next);
                    while high - low > 1 {
                        let middle = low + (high - low) / 2;
                        if offset(middle) == offset(at) {
                            low = middle;
                        } else {
                            high = middle;
                        }
                    }
                    changes.push((index, high));
                }
                at = next;
            }
        }
        assert!(changes.len() > 100, "the zones change offsets");
        changes
    })
}

/// Instants where the tables could go wrong: anywhere from 2017 to 2029, within days of an
/// offset change or of a new year, at the ends of the supported range, and between seconds.
fn table_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let changes = transitions();
    let second = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
    prop_oneof![
        4 => (1_483_228_800i64..1_861_920_000).prop_map(second),
        3 => (0..changes.len(), -200_000i64..200_000).prop_map(move |(i, d)| second(changes[i].1 + d)),
        2 => (2017i32..2030, -200_000i64..200_000).prop_map(move |(year, d)| {
            let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            second(jan1.and_utc().timestamp() + d)
        }),
        1 => prop_oneof![
            // 0001-01-01 .. 0003-01-01 and 9997-06-01 .. 9999-12-31.
            (-62_135_596_800i64..-62_072_438_400).prop_map(second),
            (253_355_212_800i64..253_402_300_799).prop_map(second),
        ],
        2 => ((1_483_228_800i64..1_861_920_000), 1u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap()),
        // On whole minutes and half hours, where open hours start and end.
        2 => (1_483_228_800i64..1_861_920_000, prop_oneof![Just(60i64), Just(1_800)])
            .prop_map(move |(s, unit)| second(s - s.rem_euclid(unit))),
    ]
}

/// Spans from an instant: within days, within a year, up to ten years, with nanoseconds.
fn table_span() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (0i64..300_000).prop_map(TimeDelta::seconds),
        (0i64..40_000_000).prop_map(TimeDelta::seconds),
        (0i64..320_000_000).prop_map(TimeDelta::seconds),
        (0i64..1_000_000_000_000_000).prop_map(TimeDelta::nanoseconds),
    ]
}

/// Amounts of business time, up to ten years of 24x7, with nanoseconds; a few negative.
fn table_amount() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (0i64..600).prop_map(TimeDelta::minutes),
        (0i64..200_000).prop_map(TimeDelta::minutes),
        (0i64..90_000).prop_map(TimeDelta::hours),
        (0i64..10_000_000_000_000).prop_map(TimeDelta::nanoseconds),
        (-1_000i64..1).prop_map(TimeDelta::seconds),
    ]
}

/// Intervals of every kind: any, the whole day, overnight, to `24:00`, and in the small hours
/// where offsets change.
fn table_interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        (0u16..1440, 1u16..=1440).prop_map(|(start, end)| Interval { start, end }),
        Just(Interval {
            start: 0,
            end: 1440
        }),
        (1080u16..1440, 0u16..600).prop_map(|(start, end)| Interval { start, end }),
        (0u16..1440).prop_map(|start| Interval { start, end: 1440 }),
        (0u16..240, 1u16..200).prop_map(|(start, length)| Interval {
            start,
            end: start + length
        }),
    ]
}

/// A date from 2017 to 2029, often near a new year.
fn table_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2017, 1, 1).unwrap();
    prop_oneof![
        (0i64..4_748).prop_map(move |d| first + TimeDelta::days(d)),
        (2017i32..2030, -5i64..5).prop_map(|(year, d)| {
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + TimeDelta::days(d)
        }),
    ]
}

/// A calendar of any shape: weekly hours of every kind, holidays (some long), make-up days.
fn table_spec() -> impl Strategy<Value = CalendarSpec> {
    const WEEKDAYS: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    (
        0..TABLE_ZONES.len(),
        prop::bool::weighted(0.05),
        prop::collection::vec((0..7usize, table_interval()), 0..8),
        prop::collection::vec((table_date(), prop_oneof![0i64..3, 0i64..400]), 0..6),
        prop::collection::vec(
            (table_date(), prop::collection::vec(table_interval(), 0..3)),
            0..4,
        ),
    )
        .prop_map(|(zone, always, weekly, closed, open_dates)| CalendarSpec {
            tz: TABLE_ZONES[zone].parse().unwrap(),
            always,
            weekly: weekly
                .into_iter()
                .map(|(day, interval)| (WEEKDAYS[day], interval))
                .collect(),
            closed: closed
                .into_iter()
                .map(|(first, days)| (first, first + TimeDelta::days(days)))
                .collect(),
            open_dates,
        })
}

/// A cut-off rule of any kind, `by` to the second.
fn table_cutoff() -> impl Strategy<Value = Cutoff> {
    let time =
        (0u32..86_400).prop_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap());
    (
        time.clone(),
        prop_oneof![
            Just(CutoffDay::SameDay),
            Just(CutoffDay::NextDay),
            (0u32..40).prop_map(CutoffDay::InDays),
            Just(CutoffDay::SameWorkday),
            Just(CutoffDay::NextWorkday),
        ],
        prop::option::of(time),
    )
        .prop_map(|(by, day, if_before)| Cutoff { by, day, if_before })
}

/// Every question asked of `cal` and of the reference computation: identical answers.
fn assert_tables_agree(
    cal: &Calendar,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    d: TimeDelta,
    n: u32,
    rule: &Cutoff,
) -> Result<(), TestCaseError> {
    let reference = cal.without_tables();
    // Open intervals start and end where the reference says, and deadlines land on them: check
    // there too, and a nanosecond and a second either side.
    let mut points = vec![a, b];
    for t in [a, b] {
        let edges = [
            reference.next_open(t),
            reference.last_open(t),
            reference.add(t, d),
            reference.add_workdays(t, n),
        ];
        for edge in edges.into_iter().flatten() {
            for step in [
                TimeDelta::zero(),
                TimeDelta::nanoseconds(1),
                TimeDelta::nanoseconds(-1),
                TimeDelta::seconds(1),
                TimeDelta::seconds(-1),
            ] {
                points.extend(edge.checked_add_signed(step));
            }
        }
    }
    for &t in &points {
        prop_assert_eq!(cal.is_open(t), reference.is_open(t), "is_open({})", t);
        prop_assert_eq!(cal.next_open(t), reference.next_open(t), "next_open({})", t);
        prop_assert_eq!(cal.last_open(t), reference.last_open(t), "last_open({})", t);
        prop_assert_eq!(cal.add(t, d), reference.add(t, d), "add({}, {})", t, d);
        prop_assert_eq!(
            cal.add_workdays(t, n),
            reference.add_workdays(t, n),
            "add_workdays({}, {})",
            t,
            n
        );
        prop_assert_eq!(
            cal.cutoff(t, rule),
            reference.cutoff(t, rule),
            "cutoff({}, {:?})",
            t,
            rule
        );
        prop_assert_eq!(
            cal.between(a, t),
            reference.between(a, t),
            "between({}, {})",
            a,
            t
        );
        prop_assert_eq!(
            cal.between(t, b),
            reference.between(t, b),
            "between({}, {})",
            t,
            b
        );
    }
    prop_assert_eq!(
        cal.between(a, b),
        reference.between(a, b),
        "between({}, {})",
        a,
        b
    );
    prop_assert_eq!(
        cal.between(b, a),
        reference.between(b, a),
        "between({}, {})",
        b,
        a
    );
    if let Ok(due) = cal.add(a, d) {
        prop_assert_eq!(
            cal.between(a, due),
            reference.between(a, due),
            "between({}, {})",
            a,
            due
        );
    }
    Ok(())
}

#[test]
fn tables_agree_at_every_offset_change() {
    let weekly = &[
        "mon-fri 08:00-12:00 13:00-17:00",
        "sat 22:00-06:00",
        "sun 00:00-24:00",
    ];
    let closed = &["2026-12-24..2027-01-02", "2019-03-31", "2018-11-04"];
    let open = &["2026-12-27 01:00-03:00", "2019-10-27 02:00-03:00"];
    let rule = Cutoff {
        by: hm("02:30"),
        day: CutoffDay::NextWorkday,
        if_before: None,
    };
    for (index, zone) in TABLE_ZONES.iter().enumerate() {
        let cal = cal(zone, weekly, closed, open);
        let changes = transitions().iter().filter(|(zone, _)| *zone == index);
        for &(_, change) in changes {
            for offset in [-90_000, -3_600, -1, 0, 1, 1_800, 3_600, 86_400] {
                let a = DateTime::from_timestamp(change + offset, 0).unwrap();
                let b = a + TimeDelta::hours(30);
                assert_tables_agree(&cal, a, b, TimeDelta::minutes(95), 1, &rule).unwrap();
            }
        }
    }
    assert_tables_agree(
        &cal("UTC", weekly, closed, open),
        t("2026-12-31T23:59:59.5Z"),
        t("2027-01-04T08:00:00Z"),
        TimeDelta::hours(3),
        2,
        &rule,
    )
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tables_agree_with_the_reference_on_the_law_calendars(
        which in 0usize..6,
        a in table_instant(),
        span in table_span(),
        d in table_amount(),
        n in prop_oneof![0u32..10, 0u32..3_000],
        rule in table_cutoff(),
    ) {
        let (_, cal) = &law_calendars()[which];
        let b = a.checked_add_signed(span).unwrap_or(a);
        assert_tables_agree(cal, a, b, d, n, &rule)?;
    }

    #[test]
    fn tables_agree_with_the_reference_on_any_calendar(
        spec in table_spec(),
        a in table_instant(),
        b in table_instant(),
        span in table_span(),
        d in table_amount(),
        n in prop_oneof![0u32..10, 0u32..3_000],
        rule in table_cutoff(),
    ) {
        let cal = Calendar::compile(&spec);
        let near = a.checked_add_signed(span).unwrap_or(a);
        assert_tables_agree(&cal, a, near, d, n, &rule)?;
        assert_tables_agree(&cal, a, b, d, n, &rule)?;
    }
}
