//! Pictures: every case file under `tests/fixtures/timeline/` (each folder holds a
//! `policy.policy`) drawn as `covenant explain --format svg` draws it, at each of its `# at:`
//! instants, one snapshot per file; the laws of the time axis; the warning points against the
//! warnings; and the HTML report's data against the report it is drawn from. The page's
//! behaviour in a browser is tested by `tests/browser/` (run by `.ci/run`).
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use covenant::case::{read_str, CaseBatch, CaseFormat, ReadOptions};
use covenant::check::Policy;
use covenant::eval::Evaluator;
use covenant::generate::{generate, GenerateOptions};
use covenant::report::html::timeline::{Scale, Timeline};
use covenant::report::html::{case_svg, explain_page, report_page, BLOCK_CASES};
use covenant::syntax::ast::{FileId, Item};
use std::collections::HashSet;
use std::io::Read as _;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn instants(text: &str) -> Vec<DateTime<Utc>> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# at:"))
        .map(|at| at.trim().parse::<DateTime<Utc>>().unwrap())
        .collect()
}

fn read(policy: &Policy, path: &Path) -> CaseBatch {
    let text = std::fs::read_to_string(path).unwrap();
    read_str(
        "case",
        &text,
        CaseFormat::from_path(path).unwrap(),
        &ReadOptions::for_policy(policy),
    )
}

/// The SVG with its style sheet, a constant file, written as its name.
fn without_styles(svg: &str) -> String {
    let start = svg.find("<style>").unwrap() + "<style>".len();
    let end = svg.find("</style>").unwrap();
    format!("{}/* timeline.css */{}", &svg[..start], &svg[end..])
}

#[test]
fn timeline_fixtures() {
    insta::glob!("../fixtures/timeline", "*/*.yaml", |path| {
        let policy = Policy::load(path.parent().unwrap().join("policy.policy"))
            .unwrap_or_else(|e| panic!("{e}"));
        let batch = read(&policy, path);
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        let evaluator = Evaluator::new(&policy);
        let at = instants(&std::fs::read_to_string(path).unwrap());
        assert!(!at.is_empty(), "{} has no `# at:` line", path.display());
        let mut pictures = Vec::new();
        for at in at {
            for case in &batch.cases {
                let report = evaluator.evaluate(case, at);
                pictures.push(without_styles(
                    &case_svg(&evaluator, case, &report, at).unwrap(),
                ));
            }
        }
        insta::assert_snapshot!(pictures.join("\n"));
    });
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

proptest::proptest! {
    #[test]
    fn positions_follow_the_instants_exactly(
        start in 0i64..4_000_000_000,
        span in 1i64..100_000_000,
        a in 0f64..1.0,
        b in 0f64..1.0,
    ) {
        let start = DateTime::from_timestamp(start, 0).unwrap();
        let end = start + TimeDelta::seconds(span);
        let scale = Scale::new(start, end, 200.0, 900.0);
        proptest::prop_assert_eq!(scale.x(start), 200.0);
        proptest::prop_assert_eq!(scale.x(end), 900.0);
        // Before and after the axis: at its ends.
        proptest::prop_assert_eq!(scale.x(start - TimeDelta::days(1)), 200.0);
        proptest::prop_assert_eq!(scale.x(end + TimeDelta::days(1)), 900.0);
        // Later instants are never left of earlier ones, and the position is the share of the
        // span to a tenth of a unit.
        let (a, b) = (a.min(b), a.max(b));
        let ta = start + TimeDelta::milliseconds((span as f64 * 1000.0 * a) as i64);
        let tb = start + TimeDelta::milliseconds((span as f64 * 1000.0 * b) as i64);
        proptest::prop_assert!(scale.x(ta) <= scale.x(tb));
        let exact = 200.0 + 700.0 * (ta - start).num_milliseconds() as f64 / (span as f64 * 1000.0);
        proptest::prop_assert!((scale.x(ta) - exact).abs() <= 0.05 + 1e-9);
    }
}

/// Every example case of `policies/`, with its policy.
fn examples() -> Vec<(Policy, CaseBatch, HashSet<String>)> {
    let mut all = Vec::new();
    for folder in std::fs::read_dir(root().join("policies")).unwrap() {
        let folder = folder.unwrap().path();
        let Some(policy_file) = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "policy"))
        else {
            continue;
        };
        if !folder.join("cases").is_dir() {
            continue;
        }
        let policy = Policy::load_within(&policy_file, root().join("policies"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut cases = CaseBatch::default();
        let mut files: Vec<_> = std::fs::read_dir(folder.join("cases"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let batch = read(&policy, &file);
            cases.cases.extend(batch.cases);
        }
        all.push((policy, cases, warned_promises(&policy_file)));
    }
    all
}

/// The promises declared with a `warn` clause in the policy file at `path`.
fn warned_promises(path: &Path) -> HashSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = covenant::syntax::parse(FileId(0), &text).unwrap();
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Promise(p) if p.warn.is_some() => Some(p.name.name.clone()),
            _ => None,
        })
        .collect()
}

/// The warning point of each clock instance that reports a warning is the instant the warning
/// names; and every instance with a due time and a `warn` has one, at or before its due time.
#[test]
fn warning_points_are_the_ones_warnings_name() {
    let mut checked = 0;
    let mut generated = Vec::new();
    let contact_file = root().join("src/generate/contact-centre.policy");
    let contact = Policy::load(&contact_file).unwrap();
    generate(
        &contact,
        &GenerateOptions {
            cases: 400,
            seed: 7,
            start: at("2026-06-01T08:00:00Z"),
            ..GenerateOptions::default()
        },
        &mut generated,
    )
    .unwrap();
    let generated = read_str(
        "generated.jsonl",
        std::str::from_utf8(&generated).unwrap(),
        CaseFormat::Jsonl,
        &ReadOptions::for_policy(&contact),
    );
    let mut inputs = examples();
    inputs.push((contact, generated, warned_promises(&contact_file)));
    for (policy, batch, warned) in &inputs {
        let evaluator = Evaluator::new(policy);
        for case in &batch.cases {
            let first = case.events.iter().map(|e| e.at).min().unwrap();
            let last = case.events.iter().map(|e| e.at).max().unwrap();
            let steps = (1..=12).map(|k| first + (last - first) * k / 12);
            let hours = [1, 2, 3, 6, 24, 72].map(|h| first + TimeDelta::hours(h));
            for as_of in steps.chain(hours) {
                let report = evaluator.evaluate(case, as_of);
                for p in &report.promises {
                    let point = evaluator.warning_point(p, as_of);
                    let named = report.warnings.iter().find(|w| {
                        w.rule == p.promise
                            && w.detail.starts_with(&format!("instance {} ", p.instance))
                    });
                    if let Some(warning) = named {
                        let point = point.unwrap();
                        let text = covenant::report::Instant::new(point, policy.timezone());
                        assert!(
                            warning.detail.ends_with(&format!("at {text}")),
                            "{}: {} vs {text}",
                            case.id,
                            warning.detail
                        );
                        checked += 1;
                    }
                    let warns = warned.contains(&p.promise);
                    if let (true, Some(due)) = (warns, p.due) {
                        let point =
                            point.unwrap_or_else(|| panic!("{}: no warning point", case.id));
                        assert!(point <= due.utc() && point >= p.started.unwrap().utc());
                    } else {
                        assert_eq!(point, None);
                    }
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} warnings compared");
}

/// The rows of an HTML report, read back from the page: (id, breaches as `rule kind at`).
fn page_rows(page: &str) -> Vec<(String, Vec<String>)> {
    let start = page
        .find(r#"<script type="application/json" id="case-rows">"#)
        .unwrap();
    let text = &page[start..];
    let text = &text[text.find('>').unwrap() + 1..text.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(text).unwrap();
    let name = |list: &str, index: &serde_json::Value| {
        data[list][index.as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
            .to_string()
    };
    data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let breaches = row[5]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    format!(
                        "{} {} {}",
                        name("rules", &b[0]),
                        name("kinds", &b[1]),
                        b[2].as_str().unwrap()
                    )
                })
                .collect();
            (row[0].as_str().unwrap().to_string(), breaches)
        })
        .collect()
}

/// The timelines stored in a page: each block's texts, inflated when compressed.
fn page_blocks(page: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(r#"<script type="text/plain" id="tb"#) {
        let tag_end = start + rest[start..].find('>').unwrap();
        let encoding = if rest[start..tag_end].contains(r#"data-encoding="gzip""#) {
            "gzip"
        } else {
            "plain"
        };
        let end = tag_end + rest[tag_end..].find("</script>").unwrap();
        let text = &rest[tag_end + 1..end];
        let json = if encoding == "gzip" {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap();
            let mut json = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut json)
                .unwrap();
            json
        } else {
            text.to_string()
        };
        blocks.push((encoding.to_string(), serde_json::from_str(&json).unwrap()));
        rest = &rest[end..];
    }
    blocks
}

/// Nothing a page shows is fetched: no script, style, image or font comes from elsewhere.
fn assert_self_contained(page: &str) {
    for needle in [
        " src=",
        "<link",
        "@import",
        "url(http",
        "href=\"http",
        "href=\"//",
    ] {
        assert!(!page.contains(needle), "the page holds `{needle}`");
    }
    // The only address is the SVG namespace's name.
    let addresses = page.matches("http").count();
    assert_eq!(
        addresses,
        page.matches("http://www.w3.org/2000/svg").count()
    );
}

#[test]
fn the_report_page_holds_every_case_and_its_breaches() {
    let as_of = at("2026-07-01T00:00:00+08:00");
    for (policy, batch, _) in examples() {
        let evaluator = Evaluator::new(&policy);
        let report = evaluator.evaluate_all(&batch.cases, &batch.rejected, as_of);
        let page = report_page(&evaluator, &batch.cases, &report, as_of).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains(r#"<meta charset="utf-8">"#));
        assert_self_contained(&page);
        let rows = page_rows(&page);
        let expected: Vec<(String, Vec<String>)> = report
            .cases
            .iter()
            .map(|c| {
                let breaches = c
                    .breaches
                    .iter()
                    .map(|b| format!("{} {} {}", b.rule, b.kind, b.at))
                    .collect();
                (c.case.clone(), breaches)
            })
            .collect();
        assert_eq!(rows, expected, "{}", policy.name());
        // Small reports keep their timelines as text; each case's is its own.
        let blocks = page_blocks(&page);
        let texts: Vec<&String> = blocks.iter().flat_map(|(_, t)| t).collect();
        assert!(blocks.iter().all(|(encoding, _)| encoding == "plain"));
        assert_eq!(texts.len(), report.cases.len());
        for (text, case) in texts.iter().zip(&report.cases) {
            let id = case.case.replace('&', "&amp;").replace('<', "&lt;");
            assert!(
                text.contains(&format!("Timeline of case {id} as of")),
                "{id}"
            );
        }
    }
}

#[test]
fn large_reports_store_their_timelines_compressed() {
    let policy = Policy::load(root().join("src/generate/contact-centre.policy")).unwrap();
    let mut events = Vec::new();
    generate(
        &policy,
        &GenerateOptions {
            cases: 700,
            seed: 3,
            start: at("2026-06-01T08:00:00Z"),
            ..GenerateOptions::default()
        },
        &mut events,
    )
    .unwrap();
    let batch = read_str(
        "generated.jsonl",
        std::str::from_utf8(&events).unwrap(),
        CaseFormat::Jsonl,
        &ReadOptions::for_policy(&policy),
    );
    let evaluator = Evaluator::new(&policy);
    let as_of = at("2026-06-10T00:00:00Z");
    let report = evaluator.evaluate_all(&batch.cases, &batch.rejected, as_of);
    let page = report_page(&evaluator, &batch.cases, &report, as_of).unwrap();
    assert_self_contained(&page);
    let blocks = page_blocks(&page);
    assert_eq!(blocks.len(), 700_usize.div_ceil(BLOCK_CASES));
    assert!(blocks.iter().all(|(encoding, _)| encoding == "gzip"));
    let texts: Vec<&String> = blocks.iter().flat_map(|(_, t)| t).collect();
    assert_eq!(texts.len(), 700);
    for (text, case) in texts.iter().zip(&report.cases) {
        assert!(text.contains(&format!("Timeline of case {} as of", case.case)));
    }
    assert_eq!(page_rows(&page).len(), 700);
    // The objectives are drawn, one chart each, with a table of their periods.
    assert_eq!(
        page.matches(r#"<svg xmlns="http://www.w3.org/2000/svg" class="ch""#)
            .count(),
        3
    );
    for objective in ["answer_rate", "service_level", "late_resolutions"] {
        assert!(page.contains(&format!("Periods of {objective} as a table")));
    }
}

/// A picture's texts are escaped: a case id or field with markup in it stays text.
#[test]
fn pictures_escape_what_cases_say() {
    let folder = root().join("tests/fixtures/timeline/service");
    let policy = Policy::load(folder.join("policy.policy")).unwrap();
    let batch = read(&policy, &folder.join("nothing-applies.yaml"));
    let evaluator = Evaluator::new(&policy);
    let as_of = at("2026-06-22T12:00:00+08:00");
    let evaluated: Vec<_> = batch
        .cases
        .iter()
        .map(|c| (c, evaluator.evaluate(c, as_of)))
        .collect();
    let page = explain_page(&evaluator, &evaluated, as_of).unwrap();
    assert_self_contained(&page);
    assert!(!page.contains("<escape>") && !page.contains("<b>"));
    assert!(page.contains("&lt;escape&gt;") && page.contains("&lt;b&gt;bold"));
    let report = evaluator.evaluate_all(&batch.cases, &batch.rejected, as_of);
    let page = report_page(&evaluator, &batch.cases, &report, as_of).unwrap();
    assert!(!page.contains("<escape>") && !page.contains("</b>"));
}

fn covenant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn explain_draws_one_case_in_svg_and_every_case_in_html() {
    let policy = "tests/fixtures/timeline/service/policy.policy";
    let two = "tests/fixtures/timeline/service/restart.yaml";
    let at = "--at=2026-06-23T18:00:00+08:00";
    // An SVG shows one case: a file of two needs `--case`.
    let out = covenant(&["explain", "--policy", policy, two, at, "--format", "svg"]);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("`P-reopened`, `P-parcel`"), "{message}");
    assert!(message.contains("--case ID"), "{message}");
    let out = covenant(&[
        "explain", "--policy", policy, two, at, "--format", "svg", "--case", "P-parcel",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg"));
    assert!(svg.contains("Timeline of case P-parcel") && !svg.contains("P-reopened"));
    // HTML: every case of the file.
    let out = covenant(&["explain", "--policy", policy, two, at, "--format", "html"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("<h2 id=\"case-0\">Case P-reopened</h2>"));
    assert!(page.contains("<h2 id=\"case-1\">Case P-parcel</h2>"));
    // `--case` naming no case of the file.
    let out = covenant(&["explain", "--policy", policy, two, at, "--case", "P-none"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no case `P-none`"));
    // Text stays the default, and `--case` picks from it too.
    let text = covenant(&["explain", "--policy", policy, two, at, "--case", "P-parcel"]);
    let all = covenant(&["explain", "--policy", policy, two, at, "--format", "text"]);
    let text = String::from_utf8(text.stdout).unwrap();
    let all = String::from_utf8(all.stdout).unwrap();
    assert!(text.starts_with("case P-parcel as of") && all.contains(&text));
}

#[test]
fn eval_writes_the_html_report_with_the_usual_exit_codes() {
    let out = covenant(&[
        "eval",
        "--root",
        "policies",
        "--policy",
        "policies/logistics/complaints.policy",
        "policies/logistics/cases",
        "--at",
        "2026-07-01T00:00:00+08:00",
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(1), "breaches give 1");
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    assert!(page.contains("Breaches by rule and kind"));
    assert!(page.contains("三换") && page.contains("换当事人"));
}

#[test]
fn timelines_show_what_the_report_says() {
    let folder = root().join("tests/fixtures/timeline/service");
    let policy = Policy::load(folder.join("policy.policy")).unwrap();
    let evaluator = Evaluator::new(&policy);
    let batch = read(&policy, &folder.join("pauses.yaml"));
    let as_of = at("2026-06-22T16:30:00+08:00");
    let case = &batch.cases[0];
    let report = evaluator.evaluate(case, as_of);
    let timeline = Timeline::build(&evaluator, case, &report, as_of);
    let clock = timeline
        .lanes
        .iter()
        .find(|l| l.title == "reply #1")
        .unwrap();
    // Each pause is labelled with the event that began it, and quotes its clause.
    let reasons: Vec<_> = clock.bars.iter().filter_map(|b| b.label.clone()).collect();
    assert_eq!(reasons, ["waiting_customer", "waiting_investigation"]);
    assert!(clock.bars.iter().any(|b| b
        .tip
        .contains("pause on waiting_investigation resume on investigation_done")));
    // The clock counts office time: the lunch break and the night are shaded on its lane, and
    // not on the events'.
    assert_eq!(clock.calendar.as_deref(), Some("office"));
    assert!(!clock.closed.is_empty());
    assert!(timeline.lanes[0].closed.is_empty());
    // Its marks: started, the warning point, due and stopped, each with its instant and rule.
    let tips: Vec<&str> = clock.marks.iter().map(|m| m.tip.as_str()).collect();
    assert!(tips[0].starts_with("2026-06-22T09:00:00+08:00 · started\nfrom opened"));
    assert!(tips
        .iter()
        .any(|t| t.contains("warning point") && t.contains("warn at 75%")));
    assert!(tips
        .iter()
        .any(|t| t.starts_with("2026-06-22T16:40:00+08:00 · due\ntarget within 4h on office")));
    assert!(tips
        .iter()
        .any(|t| t.starts_with("2026-06-22T15:00:00+08:00 · stopped\nuntil replied")));
}
