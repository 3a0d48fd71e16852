//! Pictures of reports: the HTML report of a run (`covenant eval --format html`) and the
//! timeline of a case in SVG or HTML (`covenant explain --format svg|html`).
//!
//! This module owns the pictures' layout and their templates. [`timeline`] lays out one case's
//! timeline and [`chart`] an objective's periods against its target, both as data computed from
//! exact instants and drawn as SVG through templates; [`report_page`] puts a whole run in one
//! self-contained HTML file (styles, script and pictures inline, nothing fetched). The page and
//! its behaviour are described in `docs/report.md`.
//!
//! Templates are [`minijinja`] templates compiled into the binary (`html/templates/`), with
//! HTML escaping for every `.html` and `.svg` template. What the pictures read from the policy
//! (labels, clauses as written, calendars, thresholds) goes through the few functions of the
//! `rules` module; what only evaluation knows (a clock's warning point, the calendar it counts
//! on) comes from the [`Evaluator`].

pub mod chart;
mod rules;
pub mod timeline;

use crate::case::Case;
use crate::eval::Evaluator;
use crate::report::{CaseReport, Instant, Report};
use base64::Engine as _;
use chart::Chart;
use chrono::{DateTime, Utc};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::OnceLock;
use timeline::Timeline;

/// Why a picture could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// A template failed to load or render.
    #[error("cannot draw the report: {0}")]
    Template(String),
    /// The report and the cases it was made from do not match.
    #[error("cannot draw the report: {0}")]
    Mismatch(String),
    /// Compressing the timelines failed.
    #[error("cannot compress the timelines: {0}")]
    Io(#[from] std::io::Error),
    /// Writing the rows as JSON failed.
    #[error("cannot write the rows: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<minijinja::Error> for HtmlError {
    fn from(error: minijinja::Error) -> Self {
        HtmlError::Template(format!("{error:#}"))
    }
}

/// The styles of a timeline, in a standalone SVG and on a page.
const SVG_CSS: &str = include_str!("html/assets/timeline.css");
/// The styles of the pages.
const PAGE_CSS: &str = include_str!("html/assets/page.css");
/// The report page's script: filtering, search, sorting, paging and timelines drawn on demand.
const PAGE_JS: &str = include_str!("html/assets/report.js");

/// The templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("defs.svg", include_str!("html/templates/defs.svg")),
    ("timeline.svg", include_str!("html/templates/timeline.svg")),
    ("chart.svg", include_str!("html/templates/chart.svg")),
    ("legend.html", include_str!("html/templates/legend.html")),
    ("case.html", include_str!("html/templates/case.html")),
    ("report.html", include_str!("html/templates/report.html")),
    ("explain.html", include_str!("html/templates/explain.html")),
];

/// The template environment, loaded once.
fn environment() -> Result<&'static Environment<'static>, HtmlError> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let mut env = Environment::new();
            env.set_auto_escape_callback(|name| {
                if name.ends_with(".html") || name.ends_with(".svg") {
                    AutoEscape::Html
                } else {
                    AutoEscape::None
                }
            });
            let syntax = SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| format!("{e:#}"))?;
            env.set_syntax(syntax);
            for (name, source) in TEMPLATES {
                env.add_template(name, source)
                    .map_err(|e| format!("{e:#}"))?;
            }
            Ok(env)
        })
        .as_ref()
        .map_err(|e| HtmlError::Template(e.clone()))
}

/// Renders the template `name` with `context`.
fn render(name: &str, context: Value) -> Result<String, HtmlError> {
    Ok(environment()?.get_template(name)?.render(context)?)
}

/// The timeline of one case as a standalone SVG document (`covenant explain --format svg`).
pub fn case_svg(
    evaluator: &Evaluator<'_>,
    case: &Case,
    report: &CaseReport,
    as_of: DateTime<Utc>,
) -> Result<String, HtmlError> {
    let svg = Timeline::build(evaluator, case, report, as_of).svg(true, "tl")?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        svg.trim_end()
    ))
}

/// The details of one case below its timeline: breaches, required actions, warnings.
#[derive(Debug, Serialize)]
struct CaseView<'a> {
    report: &'a CaseReport,
    timeline: Timeline,
    svg: Value,
}

/// One case's picture and lists, as the pages show it. With `table`, the text alternative of
/// the timeline is written out; without it, the report page's script writes it from the
/// tooltips of the picture (the same texts), which keeps the page's timelines a third smaller.
fn case_html(
    evaluator: &Evaluator<'_>,
    case: &Case,
    report: &CaseReport,
    as_of: DateTime<Utc>,
    id: &str,
    table: bool,
) -> Result<String, HtmlError> {
    let timeline = Timeline::build(evaluator, case, report, as_of);
    let svg = Value::from_safe_string(timeline.svg(false, id)?);
    render(
        "case.html",
        minijinja::context! { c => Serde(CaseView { report, timeline, svg }), id => id, table => table },
    )
}

/// Every case of a file on one page, each with its timeline (`covenant explain --format html`).
pub fn explain_page(
    evaluator: &Evaluator<'_>,
    cases: &[(&Case, CaseReport)],
    as_of: DateTime<Utc>,
) -> Result<String, HtmlError> {
    let policy = evaluator.policy();
    let mut shown = Vec::with_capacity(cases.len());
    for (index, (case, report)) in cases.iter().enumerate() {
        let html = case_html(evaluator, case, report, as_of, &format!("tl{index}"), true)?;
        shown.push(
            minijinja::context! { id => case.id.as_str(), html => Value::from_safe_string(html) },
        );
    }
    render(
        "explain.html",
        minijinja::context! {
            policy => rules::header(policy).0,
            version => rules::header(policy).1,
            as_of => Instant::new(as_of, rules::zone(policy)).to_string(),
            cases => shown,
            legend => Serde(timeline::legend_items(true)),
            css => Value::from_safe_string(format!("{SVG_CSS}\n{PAGE_CSS}")),
        },
    )
}

/// Cases whose timelines share one block of the page: drawn on demand, a block at a time.
pub const BLOCK_CASES: usize = 64;

/// Reports of at most this many cases store their timelines as text, so that every timeline can
/// be printed; larger ones store each block compressed (gzip, then base64), inflated by the
/// browser when one of its timelines is opened: about a tenth of the size.
pub const PLAIN_CASES: usize = 256;

/// One case in the page's table.
#[derive(Debug, Serialize)]
struct RowData<'a>(
    /// The case id.
    &'a str,
    /// Required actions.
    usize,
    /// Warnings.
    usize,
    /// The next deadline of a required action, as written.
    Option<String>,
    /// The same, in milliseconds since 1970, for sorting.
    Option<i64>,
    /// The breaches: the rule's and the kind's index in the page's lists, and when.
    Vec<(usize, usize, String)>,
);

/// The table's data: names listed once, then one row per case.
#[derive(Debug, Serialize)]
struct Rows<'a> {
    rules: Vec<&'a str>,
    kinds: Vec<&'a str>,
    rows: Vec<RowData<'a>>,
}

/// The index of `name` in `names`, adding it when new.
fn index_of<'a>(
    names: &mut Vec<&'a str>,
    lookup: &mut BTreeMap<&'a str, usize>,
    name: &'a str,
) -> usize {
    *lookup.entry(name).or_insert_with(|| {
        names.push(name);
        names.len() - 1
    })
}

/// The rows of the table.
fn rows(report: &Report) -> Rows<'_> {
    let (mut rules, mut kinds) = (Vec::new(), Vec::new());
    let (mut rule_index, mut kind_index) = (BTreeMap::new(), BTreeMap::new());
    let rows = report
        .cases
        .iter()
        .map(|c| {
            let next = c
                .actions
                .iter()
                .filter_map(|a| a.due)
                .min_by_key(Instant::utc);
            let breaches = c
                .breaches
                .iter()
                .map(|b| {
                    (
                        index_of(&mut rules, &mut rule_index, &b.rule),
                        index_of(&mut kinds, &mut kind_index, &b.kind),
                        b.at.to_string(),
                    )
                })
                .collect();
            RowData(
                &c.case,
                c.actions.len(),
                c.warnings.len(),
                next.map(|n| n.to_string()),
                next.map(|n| n.utc().timestamp_millis()),
                breaches,
            )
        })
        .collect();
    Rows { rules, kinds, rows }
}

/// JSON text that can stand inside a `<script>` element: every `<` written `\u003c` (JSON has
/// `<` only inside strings), so no `</script>` or `<!--` can end or change it.
fn script_json<T: Serialize>(value: &T) -> Result<String, HtmlError> {
    Ok(serde_json::to_string(value)?.replace('<', "\\u003c"))
}

/// Breaches counted by rule and kind.
#[derive(Debug, Serialize)]
struct BreachCount<'a> {
    rule: &'a str,
    label: Option<&'a str>,
    kind: &'a str,
    count: usize,
    /// The count as a share of the largest, for the bar behind it.
    share: f64,
}

/// A required action, with its case.
#[derive(Debug, Serialize)]
struct Due<'a> {
    case: &'a str,
    rule: &'a str,
    action: &'a str,
    due: String,
    overdue: bool,
}

/// How many of the soonest required actions the summary lists.
const SOONEST: usize = 10;

/// The label of the rule a breach names (`first_response`, `standard`, `chain.step`).
fn rule_label<'p>(policy: &'p crate::check::Policy, rule: &str) -> Option<&'p str> {
    if let Some((chain, step)) = rule.split_once('.') {
        return rules::step(policy, chain, step).label;
    }
    rules::promise(policy, rule)
        .label
        .or_else(|| rules::standard(policy, rule).label)
}

/// The whole run as one self-contained HTML page (`covenant eval --format html`): a summary,
/// the objectives as charts, a table of the cases that can be filtered, searched and sorted, and
/// each case's timeline, drawn when its row is opened.
///
/// `cases` are the cases `report` was made from by `evaluator` at `as_of`, in its order.
pub fn report_page(
    evaluator: &Evaluator<'_>,
    cases: &[Case],
    report: &Report,
    as_of: DateTime<Utc>,
) -> Result<String, HtmlError> {
    if cases.len() != report.cases.len() {
        return Err(HtmlError::Mismatch(format!(
            "{} cases for {} reports",
            cases.len(),
            report.cases.len()
        )));
    }
    let policy = evaluator.policy();
    let blocks = blocks(evaluator, cases, report, as_of)?;
    let rows = rows(report);

    // Commitments are named per case (`commitments.refund`): they are counted as one rule.
    let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for b in report.cases.iter().flat_map(|c| &c.breaches) {
        let rule = match b.rule.split_once('.') {
            Some(("commitments", _)) => "commitments",
            _ => b.rule.as_str(),
        };
        *by_rule.entry((rule, &b.kind)).or_default() += 1;
    }
    let most = by_rule.values().copied().max().unwrap_or(1).max(1);
    let mut breaches: Vec<BreachCount<'_>> = by_rule
        .into_iter()
        .map(|((rule, kind), count)| BreachCount {
            rule,
            label: rule_label(policy, rule),
            kind,
            count,
            share: (count as f64 / most as f64 * 1000.0).round() / 10.0,
        })
        .collect();
    breaches.sort_by_key(|b| std::cmp::Reverse(b.count));

    let mut soonest: Vec<(DateTime<Utc>, Due<'_>)> = report
        .cases
        .iter()
        .flat_map(|c| {
            c.actions.iter().filter_map(move |a| {
                let due = a.due?;
                Some((
                    due.utc(),
                    Due {
                        case: &c.case,
                        rule: &a.rule,
                        action: &a.action,
                        due: due.to_string(),
                        overdue: due.utc() < as_of,
                    },
                ))
            })
        })
        .collect();
    soonest.sort_by_key(|(due, _)| *due);
    soonest.truncate(SOONEST);
    let undated: usize = report
        .cases
        .iter()
        .flat_map(|c| &c.actions)
        .filter(|a| a.due.is_none())
        .count();

    let breached = report
        .cases
        .iter()
        .filter(|c| !c.breaches.is_empty())
        .count();
    let open = report
        .cases
        .iter()
        .filter(|c| !c.actions.is_empty())
        .count();
    let clean = report
        .cases
        .iter()
        .filter(|c| c.breaches.is_empty() && c.actions.is_empty())
        .count();
    let charts: Vec<Chart> = chart::charts(policy, &report.objectives);
    let mut chart_svgs = Vec::with_capacity(charts.len());
    for (index, c) in charts.iter().enumerate() {
        chart_svgs.push(Value::from_safe_string(c.svg(&format!("ch{index}"))?));
    }
    render(
        "report.html",
        minijinja::context! {
            policy => report.policy.name.as_str(),
            version => report.policy.version,
            as_of => report.as_of.to_string(),
            summary => Serde(report.summary),
            breached => breached,
            open => open,
            clean => clean,
            breaches => Serde(breaches),
            soonest => Serde(soonest.into_iter().map(|(_, d)| d).collect::<Vec<_>>()),
            undated => undated,
            charts => Serde(&charts),
            chart_svgs => chart_svgs,
            rejected => Serde(report.rejected.iter().take(100).collect::<Vec<_>>()),
            rejected_more => report.rejected.len().saturating_sub(100),
            rows => Value::from_safe_string(script_json(&rows)?),
            blocks => Serde(blocks),
            block_cases => BLOCK_CASES,
            legend => Serde(timeline::legend_items(true)),
            css => Value::from_safe_string(format!("{SVG_CSS}\n{PAGE_CSS}")),
            js => Value::from_safe_string(PAGE_JS.to_string()),
        },
    )
}

/// One block of timelines: the HTML of [`BLOCK_CASES`] cases, as a JSON list of texts.
#[derive(Debug, Serialize)]
struct Block {
    /// `plain` (JSON text) or `gzip` (the JSON text compressed, in base64).
    encoding: &'static str,
    /// The text.
    text: Value,
}

/// The timelines of every case, in blocks.
fn blocks(
    evaluator: &Evaluator<'_>,
    cases: &[Case],
    report: &Report,
    as_of: DateTime<Utc>,
) -> Result<Vec<Block>, HtmlError> {
    let starts: Vec<usize> = (0..cases.len()).step_by(BLOCK_CASES).collect();
    let draw = |start: &usize| -> Result<String, HtmlError> {
        let end = (start + BLOCK_CASES).min(cases.len());
        let mut texts = Vec::with_capacity(end - start);
        for index in *start..end {
            let (Some(case), Some(case_report)) = (cases.get(index), report.cases.get(index))
            else {
                continue;
            };
            texts.push(case_html(
                evaluator,
                case,
                case_report,
                as_of,
                &format!("tl{index}"),
                false,
            )?);
        }
        Ok(serde_json::to_string(&texts)?)
    };
    if cases.len() <= PLAIN_CASES {
        return parallel_map(&starts, |start| {
            Ok(Block {
                encoding: "plain",
                text: Value::from_safe_string(draw(start)?.replace('<', "\\u003c")),
            })
        });
    }
    parallel_map(&starts, |start| {
        let json = draw(start)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(json.as_bytes())?;
        let text = base64::engine::general_purpose::STANDARD.encode(gz.finish()?);
        Ok(Block {
            encoding: "gzip",
            text: Value::from_safe_string(text),
        })
    })
}

/// `f` over `items`, on all cores when the `parallel` feature is on; the first error wins.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, HtmlError> + Sync + Send,
) -> Result<Vec<R>, HtmlError> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_loads() {
        assert!(environment().is_ok(), "{:?}", environment().err());
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let text = script_json(&vec!["</script><!-- x"]).unwrap();
        assert!(!text.contains('<'));
        let back: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, vec!["</script><!-- x".to_string()]);
    }
}
