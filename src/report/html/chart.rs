//! An objective as a picture: one bar per period, its rate against the objective's target line,
//! met periods and missed ones told apart by colour and by pattern. [`charts`] lays out one
//! chart per objective of a report; [`Chart::svg`] draws it through the `chart.svg` template.

use super::rules;
use super::HtmlError;
use crate::check::Policy;
use crate::report::ObjectiveReport;
use serde::Serialize;

/// The width of a chart.
const WIDTH: f64 = 960.0;
/// The height of a chart.
const HEIGHT: f64 = 170.0;
/// The plot's left edge (room for the rate labels).
const LEFT: f64 = 48.0;
/// The room right of the plot.
const RIGHT: f64 = 16.0;
/// The plot's top.
const TOP: f64 = 14.0;
/// The plot's bottom (period labels below).
const BOTTOM: f64 = 140.0;
/// The widest bar.
const MAX_BAR: f64 = 36.0;
/// The most period labels under the bars.
const MAX_LABELS: usize = 12;

/// One period's bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodBar {
    /// The period (`2026-06-19`, `2026-W25`, `2026-06`).
    pub period: String,
    /// Left edge.
    pub x: f64,
    /// Width.
    pub width: f64,
    /// Top.
    pub y: f64,
    /// Height.
    pub height: f64,
    /// Whether the period met the objective.
    pub met: bool,
    /// Cases meeting the measure.
    pub count: u64,
    /// Cases counted.
    pub total: u64,
    /// The rate in percent, to a tenth.
    pub percent: f64,
    /// Whether its label is drawn under it.
    pub labelled: bool,
    /// Its tooltip.
    pub tip: String,
}

/// A line of the rate scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    /// Position.
    pub y: f64,
    /// `0%`, `50%`, `100%`.
    pub label: String,
}

/// The chart of one objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// The objective's name.
    pub objective: String,
    /// Its label.
    pub label: Option<String>,
    /// Its declaration as written.
    pub rule: String,
    /// `at least 90%` / `at most 5%`.
    pub target: String,
    /// Where the target line is.
    pub target_y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The plot: left, right, top, bottom.
    pub plot: (f64, f64, f64, f64),
    /// The bars, one per period in order.
    pub bars: Vec<PeriodBar>,
    /// The rate scale.
    pub levels: Vec<Level>,
    /// Periods met.
    pub met: usize,
    /// Periods missed.
    pub missed: usize,
    /// A one-line summary, the chart's description for assistive technology.
    pub summary: String,
}

/// One decimal.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// One chart per objective, in the order the report lists them (each objective's periods in
/// order).
pub fn charts(policy: &Policy, objectives: &[ObjectiveReport]) -> Vec<Chart> {
    let mut names: Vec<&str> = Vec::new();
    for o in objectives {
        if !names.contains(&o.objective.as_str()) {
            names.push(&o.objective);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let periods: Vec<&ObjectiveReport> =
                objectives.iter().filter(|o| o.objective == name).collect();
            Chart::new(policy, name, &periods)
        })
        .collect()
}

impl Chart {
    /// The chart of the objective `name` over `periods`.
    pub fn new(policy: &Policy, name: &str, periods: &[&ObjectiveReport]) -> Chart {
        let text = rules::objective(policy, name);
        let (at_least, percent) = rules::objective_threshold(policy, name).unwrap_or((true, 0.0));
        let target = format!(
            "{} {}%",
            if at_least { "at least" } else { "at most" },
            percent
        );
        let y = |rate: f64| tenth(BOTTOM - rate.clamp(0.0, 1.0) * (BOTTOM - TOP));
        let plot_width = WIDTH - LEFT - RIGHT;
        let slot = plot_width / periods.len().max(1) as f64;
        let every = periods.len().div_ceil(MAX_LABELS).max(1);
        let bar = (slot * 0.7).clamp(1.0, MAX_BAR);
        let bars: Vec<PeriodBar> = periods
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let met = o.state == "met";
                let top = y(o.rate);
                let percent = tenth(o.rate * 100.0);
                PeriodBar {
                    period: o.period.clone(),
                    x: tenth(LEFT + slot * i as f64 + (slot - bar) / 2.0),
                    width: tenth(bar),
                    y: top,
                    height: tenth((BOTTOM - top).max(0.0)),
                    met,
                    count: o.met,
                    total: o.total,
                    percent,
                    labelled: i % every == 0,
                    tip: format!(
                        "{}: {} of {} ({percent}%): {} (target {target})",
                        o.period, o.met, o.total, o.state
                    ),
                }
            })
            .collect();
        let met = bars.iter().filter(|b| b.met).count();
        let missed = bars.len() - met;
        let summary = format!(
            "{name}: {target}; {met} of {} period{} met, {missed} missed.",
            bars.len(),
            if bars.len() == 1 { "" } else { "s" },
        );
        Chart {
            objective: name.to_string(),
            label: text.label.map(str::to_string),
            rule: text.declaration.unwrap_or_default().to_string(),
            target,
            target_y: y(percent / 100.0),
            width: WIDTH,
            height: HEIGHT,
            plot: (LEFT, WIDTH - RIGHT, TOP, BOTTOM),
            bars,
            levels: [0.0, 0.25, 0.5, 0.75, 1.0]
                .into_iter()
                .map(|rate| Level {
                    y: y(rate),
                    label: format!("{}%", rate * 100.0),
                })
                .collect(),
            met,
            missed,
            summary,
        }
    }

    /// The chart as SVG for a page that holds its styles and patterns; `id` makes its element
    /// ids unique there.
    pub fn svg(&self, id: &str) -> Result<String, HtmlError> {
        super::render(
            "chart.svg",
            minijinja::context! { c => minijinja::value::Serde(self), id => id },
        )
    }
}
