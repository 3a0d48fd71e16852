//! Business-time arithmetic over short and very long spans, with a year of holidays.

#![allow(clippy::unwrap_used, reason = "benchmark setup fails loudly")]

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc, Weekday};
use covenant::time::{Calendar, CalendarSpec, Interval};
use criterion::{criterion_group, criterion_main, Criterion};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The office's spec: see [`office`].
fn office(zone: &str) -> Calendar {
    Calendar::compile(&office_spec(zone))
}

/// An office in `zone`, Monday to Friday 09:00-12:00 and 13:00-18:00, Saturday 09:00-12:00, with
/// every year from 2026 to 2036 carrying the same twelve holidays and two make-up Sundays.
fn office_spec(zone: &str) -> CalendarSpec {
    let mut weekly = Vec::new();
    for weekday in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        weekly.push((
            weekday,
            Interval {
                start: 540,
                end: 720,
            },
        ));
        weekly.push((
            weekday,
            Interval {
                start: 780,
                end: 1080,
            },
        ));
    }
    weekly.push((
        Weekday::Sat,
        Interval {
            start: 540,
            end: 720,
        },
    ));
    let mut closed = Vec::new();
    let mut open_dates = Vec::new();
    for year in 2026..=2036 {
        closed.push((day(year, 1, 1), day(year, 1, 1)));
        closed.push((day(year, 2, 16), day(year, 2, 22)));
        closed.push((day(year, 4, 5), day(year, 4, 6)));
        closed.push((day(year, 5, 1), day(year, 5, 5)));
        closed.push((day(year, 6, 19), day(year, 6, 19)));
        closed.push((day(year, 9, 25), day(year, 9, 25)));
        closed.push((day(year, 10, 1), day(year, 10, 7)));
        closed.push((day(year, 12, 24), day(year, 12, 26)));
        for extra in [3, 10, 17, 24] {
            closed.push((day(year, 8, extra), day(year, 8, extra)));
        }
        open_dates.push((
            day(year, 2, 14),
            vec![Interval {
                start: 540,
                end: 1080,
            }],
        ));
        open_dates.push((
            day(year, 9, 27),
            vec![Interval {
                start: 540,
                end: 1080,
            }],
        ));
    }
    CalendarSpec {
        tz: zone.parse().unwrap(),
        always: false,
        weekly,
        closed,
        open_dates,
    }
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn bench(c: &mut Criterion) {
    for zone in ["Asia/Shanghai", "Europe/Berlin"] {
        let spec = office_spec(zone);
        let start = instant("2026-01-05T10:30:00+08:00");
        c.bench_function(&format!("compile and first use {zone}"), |b| {
            b.iter(|| Calendar::compile(black_box(&spec)).add(start, TimeDelta::hours(2_000)))
        });
        let cal = office(zone);
        let spans = [
            ("2h", TimeDelta::hours(2)),
            ("1 year", TimeDelta::hours(2_000)),
            ("10 years", TimeDelta::hours(20_000)),
        ];
        for (name, d) in spans {
            c.bench_function(&format!("add {name} {zone}"), |b| {
                b.iter(|| cal.add(black_box(start), black_box(d)).unwrap())
            });
        }
        let ends = [
            ("1 day", start + TimeDelta::days(1)),
            ("1 year", start + TimeDelta::days(365)),
            ("10 years", start + TimeDelta::days(3_650)),
        ];
        for (name, end) in ends {
            c.bench_function(&format!("between {name} {zone}"), |b| {
                b.iter(|| cal.between(black_box(start), black_box(end)))
            });
        }
        for n in [2, 250, 2_500] {
            c.bench_function(&format!("add_workdays {n} {zone}"), |b| {
                b.iter(|| cal.add_workdays(black_box(start), black_box(n)).unwrap())
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
