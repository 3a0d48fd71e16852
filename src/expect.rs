//! Machine-checked expectations: a case's `expect:` block read against its policy and
//! compared with the case's report.
//!
//! [`Expectations::read`] turns the raw block kept by the case reader into typed checks,
//! refusing names the policy does not have and words that are not states, each with the
//! line it was written on. [`Expectations::compare`] lists every listed expectation the
//! report does not meet as a [`Mismatch`] (expected vs got). Only what is listed is
//! checked, unless `no_other_breaches` / `no_other_actions` ask for more. The block is
//! described in `docs/authoring.md`.

use crate::case::{Case, Expect, ReadOptions};
use crate::check::Policy;
use crate::report::{CaseReport, Instant, IsoDuration, ObjectiveReport};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The keys an `expect:` block may have.
pub(crate) const KEYS: [&str; 12] = [
    "as_of",
    "breaches",
    "actions",
    "warnings",
    "promises",
    "standards",
    "commitments",
    "escalations",
    "steps",
    "objectives",
    "no_other_breaches",
    "no_other_actions",
];

/// Breach kinds (see `docs/semantics.md`).
pub(crate) const BREACH_KINDS: [&str; 10] = [
    "promise_breached",
    "standard_violated",
    "commitment_vague",
    "commitment_late",
    "commitment_broken",
    "step_missed",
    "step_late",
    "step_out_of_order",
    "appointment_missed",
    "appointment_moved_too_often",
];

/// The word for "not in the report at all".
const ABSENT: &str = "absent";

/// The state of a clock instance ended by a restart before its stop event and its due time.
const SUPERSEDED: &str = "superseded";

pub(crate) const PROMISE_STATES: [&str; 8] = [
    "pending",
    "running",
    "paused",
    "met",
    "breached",
    "not_promised",
    SUPERSEDED,
    ABSENT,
];
pub(crate) const STANDARD_STATES: [&str; 8] = [
    "ok", "violated", "pending", "running", "met", "breached", SUPERSEDED, ABSENT,
];
/// The state of an objective in a period where something is counted (`absent` stands for a
/// period where nothing is).
pub(crate) const OBJECTIVE_STATES: [&str; 2] = ["met", "missed"];
/// The fields of an objective's period.
const OBJECTIVE_FIELDS: [&str; 3] = ["met", "total", "state"];
/// The figures of a clock instance an expectation may give, besides `state` and `due`.
const FIGURES: [&str; 4] = ["late_by", "elapsed", "remaining", "paused"];
pub(crate) const COMMITMENT_STATES: [&str; 6] = ["vague", "open", "kept", "late", "broken", ABSENT];
pub(crate) const CHAIN_STATES: [&str; 4] = ["active", "stopped", "guarded", ABSENT];
pub(crate) const STEP_STATES: [&str; 8] = [
    "waiting",
    "due",
    "done",
    "late",
    "missed",
    "out_of_order",
    "skipped",
    ABSENT,
];

/// A problem in an `expect:` block: the case cannot be tested until it is fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectError {
    /// 1-based line in the case file, when known.
    pub line: Option<usize>,
    /// Lowercase, user input in backticks, saying what to write instead.
    pub message: String,
}

/// One expectation the report does not meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// 1-based line of the expectation in the case file, when known.
    pub line: Option<usize>,
    /// What was checked, e.g. ``promise `first_response` ``.
    pub subject: String,
    /// What the case file says.
    pub expected: String,
    /// What the evaluation gave.
    pub got: String,
    /// The evaluation instant of the block the expectation is in (its `as_of`, or the case's
    /// last event), which tells the blocks of a case apart.
    pub as_of: Instant,
}

/// A breach the report must contain; unset fields match anything.
#[derive(Debug, Clone, PartialEq)]
struct BreachPattern {
    rule: String,
    kind: Option<String>,
    due: Option<DateTime<Utc>>,
    at: Option<DateTime<Utc>>,
}

/// What one expectation checks.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Breach(BreachPattern),
    Action {
        rule: String,
        due: Option<DateTime<Utc>>,
    },
    Warning {
        rule: String,
        due: Option<DateTime<Utc>>,
    },
    /// One state: instance 1; a list: every instance, in order.
    Promise {
        name: String,
        instances: Vec<InstanceState>,
        every_instance: bool,
    },
    /// One state: instance 1; a list: every instance, in order.
    Standard {
        name: String,
        instances: Vec<TimedState>,
        every_instance: bool,
    },
    Commitment {
        id: String,
        state: String,
        due: Option<DateTime<Utc>>,
    },
    /// One state: instance 1; a list: every instance of the chain, in order.
    Escalation {
        name: String,
        states: Vec<String>,
        every_instance: bool,
    },
    /// One state: the step in instance 1; a list: the step in every instance, in order.
    Step {
        chain: String,
        step: String,
        instances: Vec<TimedState>,
        every_instance: bool,
    },
    /// An objective in one period: the counts and state given, or none counted (`absent`).
    Objective {
        name: String,
        period: String,
        expected: PeriodExpected,
    },
}

/// An expected state with, maybe, an instant of its own (a standard's `due`, a step's `deadline`).
type TimedState = (String, Option<DateTime<Utc>>);

/// The expected state of one clock instance, and optionally its due time and figures.
#[derive(Debug, Clone, PartialEq)]
struct InstanceState {
    state: String,
    due: Option<DateTime<Utc>>,
    figures: Figures,
}

/// The figures of a clock instance an expectation gives (`late_by`, `elapsed`, `remaining`,
/// `paused`), each compared with the report's to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Figures {
    late_by: Option<TimeDelta>,
    elapsed: Option<TimeDelta>,
    remaining: Option<TimeDelta>,
    paused: Option<TimeDelta>,
}

/// What an objective's period must show: any of its counts and its state; or that nothing was
/// counted in it.
#[derive(Debug, Clone, PartialEq)]
enum PeriodExpected {
    Counted {
        met: Option<u64>,
        total: Option<u64>,
        state: Option<String>,
    },
    Absent,
}

/// One expectation and the line it was written on.
#[derive(Debug, Clone, PartialEq)]
struct Check {
    line: Option<usize>,
    item: Item,
}

/// A case's `expect:` block, read and checked against the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectations {
    /// The evaluation instant: `as_of`, or the case's last event.
    pub as_of: DateTime<Utc>,
    checks: Vec<Check>,
    no_other_breaches: Option<Strict>,
    no_other_actions: Option<Strict>,
}

/// A `no_other_…: true` flag and the line it is written on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Strict {
    line: Option<usize>,
}

/// Reads the block, collecting every problem instead of stopping at the first.
struct Reader<'a> {
    policy: &'a Policy,
    expect: &'a Expect,
    /// The JSON pointer of the block being read (`""`, or `/1` in a list of blocks).
    prefix: String,
    errors: Vec<ExpectError>,
}

impl Reader<'_> {
    /// The line of the value at `pointer` inside the block being read.
    fn line(&self, pointer: &str) -> Option<usize> {
        self.expect.line_of(&format!("{}{pointer}", self.prefix))
    }

    fn error(&mut self, pointer: &str, message: String) {
        self.errors.push(ExpectError {
            line: self.line(pointer),
            message,
        });
    }

    /// An instant written as event times are (see [`parse_instant`]).
    fn instant(&mut self, pointer: &str, value: &Json) -> Option<DateTime<Utc>> {
        match parse_instant(value, self.policy) {
            Ok(t) => Some(t),
            Err(message) => {
                self.error(pointer, message);
                None
            }
        }
    }

    fn word(
        &mut self,
        pointer: &str,
        value: &Json,
        what: &str,
        allowed: &[&str],
    ) -> Option<String> {
        match value.as_str() {
            Some(word) if allowed.contains(&word) => Some(word.to_owned()),
            _ => {
                self.error(
                    pointer,
                    format!(
                        "unknown {what} `{}` (use one of {})",
                        plain(value),
                        list(allowed)
                    ),
                );
                None
            }
        }
    }

    /// A clock instance's state: `met`, or `{state: met, due: T}` with any of the figures
    /// `late_by`, `elapsed`, `remaining` and `paused`.
    fn instance_state(&mut self, pointer: &str, written: &Json) -> Option<InstanceState> {
        let Json::Object(map) = written else {
            let state = self.word(pointer, written, "promise state", &PROMISE_STATES)?;
            return Some(InstanceState {
                state,
                due: None,
                figures: Figures::default(),
            });
        };
        let known = |f: &str| f == "state" || f == "due" || FIGURES.contains(&f);
        for field in map.keys().filter(|f| !known(f)) {
            let mut fields = vec!["state", "due"];
            fields.extend(FIGURES);
            self.error(
                &format!("{pointer}/{field}"),
                format!(
                    "unknown field `{field}` in a promise state (use {})",
                    list(&fields)
                ),
            );
        }
        let figures = self.figures(pointer, map);
        let Some(state) = map.get("state") else {
            self.error(pointer, "a promise state needs `state`, e.g. `{state: met, due: 2026-06-19T15:00:00+08:00}`".to_owned());
            return None;
        };
        let state = self.word(
            &format!("{pointer}/state"),
            state,
            "promise state",
            &PROMISE_STATES,
        );
        let due = match map.get("due") {
            Some(due) => Some(self.instant(&format!("{pointer}/due"), due)?),
            None => None,
        };
        Some(InstanceState {
            state: state?,
            due,
            figures: figures?,
        })
    }

    /// The figures a clock instance's expectation gives (`late_by: 30m`, `paused: PT40M`).
    fn figures(&mut self, pointer: &str, map: &serde_json::Map<String, Json>) -> Option<Figures> {
        let mut read = |key: &str| -> Result<Option<TimeDelta>, ()> {
            match map.get(key) {
                Some(value) => self
                    .length(&format!("{pointer}/{key}"), value)
                    .map(Some)
                    .ok_or(()),
                None => Ok(None),
            }
        };
        let (late_by, elapsed, remaining, paused) = (
            read("late_by"),
            read("elapsed"),
            read("remaining"),
            read("paused"),
        );
        Some(Figures {
            late_by: late_by.ok()?,
            elapsed: elapsed.ok()?,
            remaining: remaining.ok()?,
            paused: paused.ok()?,
        })
    }

    /// A length of time: as a policy writes it (`1h30m`) or as reports do (`PT1H30M`).
    fn length(&mut self, pointer: &str, value: &Json) -> Option<TimeDelta> {
        let parsed = value.as_str().and_then(|text| {
            crate::eval::commitment::parse_duration(text).or_else(|| iso_duration(text))
        });
        if parsed.is_none() {
            self.error(
                pointer,
                format!(
                    "`{}` is not a length of time (write it as a policy does, `1h30m`, or as reports do, `PT1H30M`)",
                    plain(value)
                ),
            );
        }
        parsed
    }

    /// A state with an instant of its own: `STATE`, or `{state: STATE, KEY: INSTANT}` (a
    /// standard's or a commitment's `due`, a step's `deadline`).
    fn state_with_instant(
        &mut self,
        pointer: &str,
        written: &Json,
        what: &str,
        allowed: &[&str],
        key: &str,
    ) -> Option<TimedState> {
        let Json::Object(map) = written else {
            return self
                .word(pointer, written, what, allowed)
                .map(|w| (w, None));
        };
        for field in map.keys().filter(|f| *f != "state" && *f != key) {
            self.error(
                &format!("{pointer}/{field}"),
                format!("unknown field `{field}` in a {what} (use `state`, `{key}`)"),
            );
        }
        let Some(state) = map.get("state") else {
            self.error(
                pointer,
                format!("a {what} needs `state`, e.g. `{{state: STATE, {key}: 2026-06-19T15:00:00+08:00}}`"),
            );
            return None;
        };
        let state = self.word(&format!("{pointer}/state"), state, what, allowed);
        let instant = match map.get(key) {
            Some(value) => Some(self.instant(&format!("{pointer}/{key}"), value)?),
            None => None,
        };
        Some((state?, instant))
    }

    /// Whether `rule` names something that can breach or ask for an action.
    fn known_rule(&mut self, pointer: &str, rule: &str) -> bool {
        let policy = self.policy;
        let known = if let Some(id) = rule.strip_prefix("commitments.") {
            policy.has_commitments() && !id.is_empty()
        } else if let Some((chain, step)) = rule.split_once('.') {
            policy.step_names(chain).any(|s| s == step)
        } else {
            policy.promise_names().any(|p| p == rule) || policy.standard_names().any(|s| s == rule)
        };
        if !known {
            let mut names: Vec<String> = policy
                .promise_names()
                .map(str::to_owned)
                .chain(policy.standard_names().map(str::to_owned))
                .chain(
                    policy
                        .escalation_names()
                        .flat_map(|e| policy.step_names(e).map(move |s| format!("{e}.{s}"))),
                )
                .collect();
            if policy.has_commitments() {
                names.push("commitments.ID".to_owned());
            }
            self.error(
                pointer,
                format!(
                    "unknown rule `{rule}` (the policy's rules: {})",
                    list_owned(&names)
                ),
            );
        }
        known
    }

    /// The entries of a list of rules, each with its index in the list.
    fn rule_list(
        &mut self,
        key: &str,
        value: &Json,
        fields: &[&str],
    ) -> Vec<(usize, String, Json)> {
        let pointer = format!("/{key}");
        let Some(items) = value.as_array() else {
            self.error(
                &pointer,
                format!("`{key}` must be a list like `[{{rule: NAME}}]`"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let pointer = format!("/{key}/{index}");
            let entry = match item {
                Json::String(rule) => Some((rule.clone(), Json::Object(Default::default()))),
                Json::Object(map) => {
                    for field in map.keys().filter(|f| !fields.contains(&f.as_str())) {
                        self.error(
                            &format!("{pointer}/{field}"),
                            format!("unknown field `{field}` in `{key}` (use {})", list(fields)),
                        );
                    }
                    match map.get("rule").and_then(Json::as_str) {
                        Some(rule) => Some((rule.to_owned(), item.clone())),
                        None => {
                            self.error(&pointer, format!("each of `{key}` needs a `rule`"));
                            None
                        }
                    }
                }
                _ => {
                    self.error(
                        &pointer,
                        format!(
                            "each of `{key}` is a rule name or a mapping like `{{rule: NAME}}`"
                        ),
                    );
                    None
                }
            };
            if let Some((rule, fields)) = entry {
                if self.known_rule(&pointer, &rule) {
                    out.push((index, rule, fields));
                }
            }
        }
        out
    }

    fn optional_instant(
        &mut self,
        pointer: &str,
        fields: &Json,
        key: &str,
    ) -> Option<DateTime<Utc>> {
        let value = fields.get(key)?;
        self.instant(&format!("{pointer}/{key}"), value)
    }

    fn named_states<'v>(&mut self, key: &str, value: &'v Json) -> Vec<(String, &'v Json)> {
        match value.as_object() {
            Some(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            None => {
                self.error(
                    &format!("/{key}"),
                    format!("`{key}` must be a mapping like `{{NAME: STATE}}`"),
                );
                Vec::new()
            }
        }
    }

    fn flag(&mut self, key: &str, value: &Json) -> Option<Strict> {
        match value {
            Json::Bool(true) => Some(Strict {
                line: self.line(&format!("/{key}")),
            }),
            Json::Bool(false) => None,
            _ => {
                self.error(&format!("/{key}"), format!("`{key}` is `true` or `false`"));
                None
            }
        }
    }
}

/// The steps of reading a block: one per key of `expect`, each adding its checks.
impl Reader<'_> {
    /// `breaches: [RULE, {rule, kind, due, at}, …]`.
    fn breaches(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (index, rule, fields) in
            self.rule_list("breaches", value, &["rule", "kind", "due", "at"])
        {
            let pointer = format!("/breaches/{index}");
            let kind = match fields.get("kind") {
                Some(kind) => self.word(
                    &format!("{pointer}/kind"),
                    kind,
                    "breach kind",
                    &BREACH_KINDS,
                ),
                None => None,
            };
            let due = self.optional_instant(&pointer, &fields, "due");
            let at = self.optional_instant(&pointer, &fields, "at");
            checks.push(Check {
                line: self.line(&pointer),
                item: Item::Breach(BreachPattern {
                    rule,
                    kind,
                    due,
                    at,
                }),
            });
        }
    }

    /// `actions: [RULE, {rule, due}, …]` or `warnings: […]` (`key`).
    fn actions_or_warnings(&mut self, key: &str, value: &Json, checks: &mut Vec<Check>) {
        let is_action = key == "actions";
        for (index, rule, fields) in self.rule_list(key, value, &["rule", "due"]) {
            let pointer = format!("/{key}/{index}");
            let due = self.optional_instant(&pointer, &fields, "due");
            let item = if is_action {
                Item::Action { rule, due }
            } else {
                Item::Warning { rule, due }
            };
            checks.push(Check {
                line: self.line(&pointer),
                item,
            });
        }
    }

    /// Whether `name` is one of `names`, the policy's declarations of a kind (`promise`); an
    /// error at `pointer` listing them when it is not.
    fn declared(&mut self, pointer: &str, kind: &str, name: &str, names: Vec<String>) -> bool {
        if names.iter().any(|known| known == name) {
            return true;
        }
        self.error(
            pointer,
            format!(
                "unknown {kind} `{name}` (the policy's {kind}s: {})",
                list_owned(&names)
            ),
        );
        false
    }

    /// `promises: {NAME: STATE}` (instance 1) or `{NAME: [STATE, …]}` (every instance).
    fn promises(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("promises", value) {
            let pointer = format!("/promises/{}", escape(&name));
            let names = self.policy.promise_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "promise", &name, names) {
                continue;
            }
            let (words, every_instance) = match state {
                Json::Array(items) => (items.iter().collect::<Vec<_>>(), true),
                one => (vec![one], false),
            };
            let instances: Vec<InstanceState> = words
                .iter()
                .enumerate()
                .filter_map(|(index, written)| {
                    let at = if every_instance {
                        format!("{pointer}/{index}")
                    } else {
                        pointer.clone()
                    };
                    self.instance_state(&at, written)
                })
                .collect();
            if instances.len() == words.len() {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Promise {
                        name,
                        instances,
                        every_instance,
                    },
                });
            }
        }
    }

    /// `standards: {NAME: STATE}` (instance 1) or `{NAME: [STATE, …]}` (every instance).
    fn standards(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("standards", value) {
            let pointer = format!("/standards/{}", escape(&name));
            let names = self.policy.standard_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "standard", &name, names) {
                continue;
            }
            if let Some((instances, every_instance)) =
                self.timed_instances(&pointer, state, "standard state", &STANDARD_STATES, "due")
            {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Standard {
                        name,
                        instances,
                        every_instance,
                    },
                });
            }
        }
    }

    /// `commitments: {ID: STATE}`, when the policy has a `commitments` block.
    fn commitments(&mut self, value: &Json, checks: &mut Vec<Check>) {
        if !self.policy.has_commitments() {
            self.error(
                "/commitments",
                "the policy has no `commitments` block (remove `commitments` from `expect`)"
                    .to_owned(),
            );
            return;
        }
        for (id, state) in self.named_states("commitments", value) {
            let pointer = format!("/commitments/{}", escape(&id));
            if let Some((state, due)) = self.state_with_instant(
                &pointer,
                state,
                "commitment state",
                &COMMITMENT_STATES,
                "due",
            ) {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Commitment { id, state, due },
                });
            }
        }
    }

    /// One state word (instance 1) or a list of them (every instance, in order), each one of
    /// `allowed`; `None` when one is not.
    fn instance_words(
        &mut self,
        pointer: &str,
        written: &Json,
        what: &str,
        allowed: &[&str],
    ) -> Option<(Vec<String>, bool)> {
        let Json::Array(items) = written else {
            let word = self.word(pointer, written, what, allowed)?;
            return Some((vec![word], false));
        };
        let words: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| self.word(&format!("{pointer}/{index}"), item, what, allowed))
            .collect();
        let words: Option<Vec<String>> = words.into_iter().collect();
        Some((words?, true))
    }

    /// One state (instance 1) or a list of them (every instance, in order), each `STATE` or
    /// `{state: STATE, KEY: INSTANT}` as [`Self::state_with_instant`] reads it; `None` when one
    /// cannot be read.
    fn timed_instances(
        &mut self,
        pointer: &str,
        written: &Json,
        what: &str,
        allowed: &[&str],
        key: &str,
    ) -> Option<(Vec<TimedState>, bool)> {
        let Json::Array(items) = written else {
            let one = self.state_with_instant(pointer, written, what, allowed, key)?;
            return Some((vec![one], false));
        };
        let read: Vec<Option<TimedState>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                self.state_with_instant(&format!("{pointer}/{index}"), item, what, allowed, key)
            })
            .collect();
        let read: Option<Vec<_>> = read.into_iter().collect();
        Some((read?, true))
    }

    /// `escalations: {NAME: STATE}` (instance 1) or `{NAME: [STATE, …]}` (every instance).
    fn escalations(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("escalations", value) {
            let pointer = format!("/escalations/{}", escape(&name));
            let names = self.policy.escalation_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "escalation", &name, names) {
                continue;
            }
            if let Some((states, every_instance)) =
                self.instance_words(&pointer, state, "escalation state", &CHAIN_STATES)
            {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Escalation {
                        name,
                        states,
                        every_instance,
                    },
                });
            }
        }
    }

    /// `steps: {CHAIN.STEP: STATE}` (in instance 1) or `{CHAIN.STEP: [STATE, …]}` (in every
    /// instance of the chain).
    fn steps(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("steps", value) {
            let pointer = format!("/steps/{}", escape(&name));
            let known = match name.split_once('.') {
                Some((chain, step)) => self
                    .known_rule(&pointer, &name)
                    .then(|| (chain.to_owned(), step.to_owned())),
                None => {
                    self.error(
                        &pointer,
                        format!("write the step as `CHAIN.STEP`, not `{name}`"),
                    );
                    None
                }
            };
            let states =
                self.timed_instances(&pointer, state, "step state", &STEP_STATES, "deadline");
            if let (Some((chain, step)), Some((instances, every_instance))) = (known, states) {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Step {
                        chain,
                        step,
                        instances,
                        every_instance,
                    },
                });
            }
        }
    }

    /// `objectives: {NAME: {PERIOD: {met, total, state}}}`, or `{PERIOD: absent}` for a period in
    /// which nothing is counted.
    fn objectives(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, periods) in self.named_states("objectives", value) {
            let pointer = format!("/objectives/{}", escape(&name));
            let names = self.policy.objective_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "objective", &name, names) {
                continue;
            }
            let Some(periods) = periods.as_object() else {
                self.error(
                    &pointer,
                    format!("`{name}` must be a mapping of periods like `{{\"2026-06-19\": {{met: 2, total: 3, state: met}}}}`"),
                );
                continue;
            };
            for (period, written) in periods {
                let pointer = format!("{pointer}/{}", escape(period));
                if let Some(expected) = self.period(&pointer, written) {
                    checks.push(Check {
                        line: self.line(&pointer),
                        item: Item::Objective {
                            name: name.clone(),
                            period: period.clone(),
                            expected,
                        },
                    });
                }
            }
        }
    }

    /// What one period of an objective must show: `{met, total, state}` (any of them), or `absent`.
    fn period(&mut self, pointer: &str, written: &Json) -> Option<PeriodExpected> {
        let Json::Object(map) = written else {
            self.word(pointer, written, "objective state", &[ABSENT])?;
            return Some(PeriodExpected::Absent);
        };
        for field in map
            .keys()
            .filter(|f| !OBJECTIVE_FIELDS.contains(&f.as_str()))
        {
            self.error(
                &format!("{pointer}/{field}"),
                format!(
                    "unknown field `{field}` in an objective's period (use {})",
                    list(&OBJECTIVE_FIELDS)
                ),
            );
        }
        if map.is_empty() {
            self.error(
                pointer,
                "a period needs `met`, `total` or `state`, e.g. `{met: 2, total: 3, state: met}`"
                    .to_owned(),
            );
            return None;
        }
        let mut count = |key: &str| -> Result<Option<u64>, ()> {
            match map.get(key) {
                None => Ok(None),
                Some(value) => match value.as_u64() {
                    Some(n) => Ok(Some(n)),
                    None => {
                        self.error(
                            &format!("{pointer}/{key}"),
                            format!("`{key}` is a whole number, not `{}`", plain(value)),
                        );
                        Err(())
                    }
                },
            }
        };
        let (met, total) = (count("met"), count("total"));
        let state = match map.get("state") {
            Some(state) => Some(self.word(
                &format!("{pointer}/state"),
                state,
                "objective state",
                &OBJECTIVE_STATES,
            )?),
            None => None,
        };
        Some(PeriodExpected::Counted {
            met: met.ok()?,
            total: total.ok()?,
            state,
        })
    }

    /// The error for a block that checks nothing (it would pass whatever the policy did).
    fn checks_nothing(&mut self, block: &serde_json::Map<String, Json>) {
        let (pointer, message) = match block.get("as_of") {
            Some(written) => (
                "/as_of",
                format!(
                    "the block at `as_of: {}` checks nothing: list what the case must produce then, e.g. `promises: {{NAME: STATE}}`, `breaches: [NAME]` or `no_other_breaches: true`",
                    plain(written)
                ),
            ),
            None => {
                let which = match self.prefix.strip_prefix('/').map(str::parse::<usize>) {
                    Some(Ok(index)) => format!("block {} of `expect`", index + 1),
                    _ => "`expect`".to_owned(),
                };
                (
                    "",
                    format!("{which} checks nothing: list what the case must produce, e.g. `promises: {{NAME: STATE}}`, `breaches: [NAME]` or `no_other_breaches: true`"),
                )
            }
        };
        self.error(pointer, message);
    }
}

impl Expectations {
    /// Reads the `expect:` block of `case` against `policy`: one block, or a list of blocks
    /// (each with its own `as_of`). Every unknown rule, state word or field is an error with
    /// its line: an expectation that cannot fail is not allowed.
    pub fn read(policy: &Policy, case: &Case) -> Result<Vec<Expectations>, Vec<ExpectError>> {
        let Some(expect) = &case.expect else {
            return Err(vec![ExpectError {
                line: None,
                message: "the case has no `expect:` block (add one: see docs/authoring.md)"
                    .to_owned(),
            }]);
        };
        let blocks: Vec<(String, &Json)> = match &expect.value {
            Json::Array(blocks) => blocks
                .iter()
                .enumerate()
                .map(|(index, block)| (format!("/{index}"), block))
                .collect(),
            block => vec![(String::new(), block)],
        };
        let mut read = Vec::new();
        let mut errors = Vec::new();
        for (prefix, block) in blocks {
            let mut reader = Reader {
                policy,
                expect,
                prefix,
                errors: Vec::new(),
            };
            let expectations = Self::read_block(&mut reader, case, block);
            errors.append(&mut reader.errors);
            read.extend(expectations);
        }
        if errors.is_empty() {
            Ok(read)
        } else {
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }

    /// Reads one block; its problems are left in `reader`.
    fn read_block(reader: &mut Reader<'_>, case: &Case, block: &Json) -> Option<Expectations> {
        let Some(block) = block.as_object() else {
            reader.error(
                "",
                "`expect` must be a mapping like `{breaches: [...], promises: {...}}`, or a list of them"
                    .to_owned(),
            );
            return None;
        };
        let errors_before = reader.errors.len();
        let mut checks = Vec::new();
        let mut as_of = None;
        let (mut no_other_breaches, mut no_other_actions) = (None, None);
        for (key, value) in block {
            match key.as_str() {
                "as_of" => as_of = reader.instant("/as_of", value),
                "no_other_breaches" => no_other_breaches = reader.flag(key, value),
                "no_other_actions" => no_other_actions = reader.flag(key, value),
                "breaches" => reader.breaches(value, &mut checks),
                "actions" | "warnings" => reader.actions_or_warnings(key, value, &mut checks),
                "promises" => reader.promises(value, &mut checks),
                "standards" => reader.standards(value, &mut checks),
                "commitments" => reader.commitments(value, &mut checks),
                "escalations" => reader.escalations(value, &mut checks),
                "steps" => reader.steps(value, &mut checks),
                "objectives" => reader.objectives(value, &mut checks),
                _ => reader.error(
                    &format!("/{}", escape(key)),
                    format!("unknown expectation `{key}` (use {})", list(&KEYS)),
                ),
            }
        }
        let checks_nothing = checks.is_empty()
            && no_other_breaches.is_none()
            && no_other_actions.is_none()
            && reader.errors.len() == errors_before;
        if checks_nothing {
            // An expectation that can never fail is refused: the block would pass whatever
            // the policy did.
            reader.checks_nothing(block);
            return None;
        }
        let Some(as_of) = as_of.or_else(|| case.events.iter().map(|e| e.at).max()) else {
            reader.error(
                "",
                "the case has no events: give `as_of` in `expect`".to_owned(),
            );
            return None;
        };
        Some(Expectations {
            as_of,
            checks,
            no_other_breaches,
            no_other_actions,
        })
    }

    /// Every expectation `report` does not meet, in the order they are written.
    pub fn compare(&self, report: &CaseReport, policy: &Policy) -> Vec<Mismatch> {
        let tz = policy.timezone();
        let mut found = Comparison {
            report,
            tz,
            as_of: Instant::new(self.as_of, tz),
            mismatches: Vec::new(),
        };
        // Breaches, actions and warnings: each listed one takes a distinct entry of the report,
        // and the list holds when some assignment of distinct entries satisfies all of it.
        // The most specific are assigned first, so that when the list cannot hold, the ones left
        // over are the vaguest, and the diff shows the entries the specific ones took.
        self.compare_breaches(&mut found);
        let (taken_actions, shown_actions) = self.compare_actions(&mut found);
        self.compare_warnings(&mut found);
        for check in &self.checks {
            if let Some((subject, expected, got)) = found.state_mismatch(&check.item) {
                found.push(check.line, subject, expected, got);
            }
        }
        if let Some(Strict { line }) = self.no_other_actions {
            for (index, action) in report.actions.iter().enumerate() {
                if !taken_actions.is_taken(index) && !shown_actions.contains(action.rule.as_str()) {
                    found.push(
                        line,
                        format!("action for `{}`", action.rule),
                        "no action (no_other_actions)".to_owned(),
                        action_text(action),
                    );
                }
            }
        }
        let mut mismatches = found.mismatches;
        mismatches.sort_by_key(|m| m.line);
        mismatches
    }

    /// Whether the block states objectives: they are counted over the case's report with
    /// [`crate::eval::ObjectivePlan`], and compared by [`Expectations::compare_objectives`].
    pub fn checks_objectives(&self) -> bool {
        self.checks
            .iter()
            .any(|c| matches!(c.item, Item::Objective { .. }))
    }

    /// Every objective expectation that `objectives` (the objectives counted over the case at
    /// [`Expectations::as_of`]) does not meet, in the order they are written.
    pub fn compare_objectives(
        &self,
        objectives: &[ObjectiveReport],
        policy: &Policy,
    ) -> Vec<Mismatch> {
        let tz = policy.timezone();
        let as_of = Instant::new(self.as_of, tz);
        let mut mismatches = Vec::new();
        for check in &self.checks {
            let Item::Objective {
                name,
                period,
                expected,
            } = &check.item
            else {
                continue;
            };
            let found = objectives
                .iter()
                .find(|o| &o.objective == name && &o.period == period);
            let fits = match (expected, found) {
                (PeriodExpected::Absent, found) => found.is_none(),
                (PeriodExpected::Counted { .. }, None) => false,
                (PeriodExpected::Counted { met, total, state }, Some(got)) => {
                    met.map_or(true, |m| m == got.met)
                        && total.map_or(true, |t| t == got.total)
                        && state.as_ref().map_or(true, |s| *s == got.state)
                }
            };
            if fits {
                continue;
            }
            let expected = match expected {
                PeriodExpected::Absent => "nothing counted (absent)".to_owned(),
                PeriodExpected::Counted { met, total, state } => {
                    let mut parts = Vec::new();
                    if let Some(met) = met {
                        parts.push(format!("met {met}"));
                    }
                    if let Some(total) = total {
                        parts.push(format!("total {total}"));
                    }
                    if let Some(state) = state {
                        parts.push(state.clone());
                    }
                    parts.join(", ")
                }
            };
            let got = match found {
                Some(o) => format!(
                    "met {}, total {}, rate {:.3}, {}",
                    o.met, o.total, o.rate, o.state
                ),
                None => "nothing counted (absent)".to_owned(),
            };
            mismatches.push(Mismatch {
                line: check.line,
                subject: format!("objective `{name}` in `{period}`"),
                expected,
                got,
                as_of,
            });
        }
        mismatches
    }

    /// The listed breaches the report does not have, then (with `no_other_breaches`) the
    /// reported breaches no listed one took.
    fn compare_breaches(&self, found: &mut Comparison<'_>) {
        let report = found.report;
        let mut breaches: Vec<(&Check, &BreachPattern)> = self
            .checks
            .iter()
            .filter_map(|c| match &c.item {
                Item::Breach(pattern) => Some((c, pattern)),
                _ => None,
            })
            .collect();
        // An instant singles a breach out more than a kind does.
        breaches.sort_by_key(|(_, p)| {
            std::cmp::Reverse(
                usize::from(p.kind.is_some())
                    + 2 * usize::from(p.due.is_some())
                    + 2 * usize::from(p.at.is_some()),
            )
        });
        let fits_breach = |p: &BreachPattern, b: &crate::report::Breach| {
            b.rule == p.rule && closeness_of_breach(p, b) == fields_of_breach(p)
        };
        let taken = distinct_matching(&breaches, &report.breaches, |(_, p), b| fits_breach(p, b));
        // Rules whose entries a failed expectation already shows; strictness does not repeat them.
        let mut shown: BTreeSet<&str> = BTreeSet::new();
        for (&(check, pattern), taken_entry) in breaches.iter().zip(&taken.of_pattern) {
            if taken_entry.is_some() {
                continue;
            }
            shown.insert(pattern.rule.as_str());
            let mut expected = pattern
                .kind
                .clone()
                .unwrap_or_else(|| "a breach".to_owned());
            if let Some(due) = pattern.due {
                let _ = write!(expected, ", due {}", found.show(due));
            }
            if let Some(at) = pattern.at {
                let _ = write!(expected, ", at {}", found.show(at));
            }
            let got = closest(
                &report.breaches,
                |b| b.rule == pattern.rule,
                |b| closeness_of_breach(pattern, b),
                |index| taken.line_of_entry(index, &breaches, |(c, _)| c.line),
                breach_text,
                "no breach",
            );
            let subject = format!("breach of `{}`", pattern.rule);
            found.push(check.line, subject, expected, got);
        }
        if let Some(Strict { line }) = self.no_other_breaches {
            for (index, breach) in report.breaches.iter().enumerate() {
                if !taken.is_taken(index) && !shown.contains(breach.rule.as_str()) {
                    found.push(
                        line,
                        format!("breach of `{}`", breach.rule),
                        "no breach (no_other_breaches)".to_owned(),
                        breach_text(breach),
                    );
                }
            }
        }
    }

    /// The listed actions the report does not have; returns which reported actions the listed
    /// ones took, and the rules whose actions a mismatch already shows (for `no_other_actions`).
    fn compare_actions(&self, found: &mut Comparison<'_>) -> (Assignment, BTreeSet<&str>) {
        let report = found.report;
        let mut actions: Vec<(&Check, &str, Option<DateTime<Utc>>)> = self
            .checks
            .iter()
            .filter_map(|c| match &c.item {
                Item::Action { rule, due } => Some((c, rule.as_str(), *due)),
                _ => None,
            })
            .collect();
        actions.sort_by_key(|(_, _, due)| due.is_none());
        let action_closeness = |due: Option<DateTime<Utc>>, a: &crate::report::RequiredAction| {
            usize::from(due.is_some() && a.due.map(|x| x.utc()) == due)
        };
        let taken = distinct_matching(&actions, &report.actions, |(_, rule, due), a| {
            a.rule == *rule && action_closeness(*due, a) == usize::from(due.is_some())
        });
        let mut shown: BTreeSet<&str> = BTreeSet::new();
        for (&(check, rule, due), taken_entry) in actions.iter().zip(&taken.of_pattern) {
            if taken_entry.is_some() {
                continue;
            }
            shown.insert(rule);
            let got = closest(
                &report.actions,
                |a| a.rule == rule,
                |a| action_closeness(due, a),
                |index| taken.line_of_entry(index, &actions, |(c, _, _)| c.line),
                action_text,
                "no action",
            );
            let expected = match due {
                Some(due) => format!("an action due {}", found.show(due)),
                None => "an action".to_owned(),
            };
            found.push(check.line, format!("action for `{rule}`"), expected, got);
        }
        (taken, shown)
    }

    /// The listed warnings the report does not have.
    fn compare_warnings(&self, found: &mut Comparison<'_>) {
        let report = found.report;
        let mut warnings: Vec<(&Check, &str, Option<DateTime<Utc>>)> = self
            .checks
            .iter()
            .filter_map(|c| match &c.item {
                Item::Warning { rule, due } => Some((c, rule.as_str(), *due)),
                _ => None,
            })
            .collect();
        warnings.sort_by_key(|(_, _, due)| due.is_none());
        let warning_closeness = |due: Option<DateTime<Utc>>, w: &crate::report::Warning| {
            usize::from(due.is_some() && Some(w.due.utc()) == due)
        };
        let taken = distinct_matching(&warnings, &report.warnings, |(_, rule, due), w| {
            w.rule == *rule && warning_closeness(*due, w) == usize::from(due.is_some())
        });
        for (&(check, rule, due), taken_entry) in warnings.iter().zip(&taken.of_pattern) {
            if taken_entry.is_some() {
                continue;
            }
            let got = closest(
                &report.warnings,
                |w| w.rule == rule,
                |w| warning_closeness(due, w),
                |index| taken.line_of_entry(index, &warnings, |(c, _, _)| c.line),
                |w| format!("a warning, due {}", w.due),
                "no warning",
            );
            let expected = match due {
                Some(due) => format!("a warning, due {}", found.show(due)),
                None => "a warning".to_owned(),
            };
            found.push(check.line, format!("warning for `{rule}`"), expected, got);
        }
    }
}

/// A report being compared with the expectations, and the mismatches found so far.
struct Comparison<'r> {
    report: &'r CaseReport,
    tz: Option<chrono_tz::Tz>,
    as_of: Instant,
    mismatches: Vec<Mismatch>,
}

impl Comparison<'_> {
    /// An instant as reports show it.
    fn show(&self, t: DateTime<Utc>) -> String {
        Instant::new(t, self.tz).to_string()
    }

    /// An expected state with the instant it gives: `due (deadline 2026-…)`.
    fn with_instant(&self, state: &str, key: &str, at: Option<DateTime<Utc>>) -> String {
        let extra: Vec<String> = at
            .map(|t| format!("{key} {}", self.show(t)))
            .into_iter()
            .collect();
        with_extra(state.to_owned(), &extra)
    }

    /// Adds a mismatch at `line`.
    fn push(&mut self, line: Option<usize>, subject: String, expected: String, got: String) {
        self.mismatches.push(Mismatch {
            line,
            subject,
            expected,
            got,
            as_of: self.as_of,
        });
    }

    /// The subject, the expected and the reported state when a state expectation does not hold
    /// (breaches, actions and warnings are compared as lists, not here).
    fn state_mismatch(&self, item: &Item) -> Option<(String, String, String)> {
        let report = self.report;
        match item {
            Item::Breach(_)
            | Item::Action { .. }
            | Item::Warning { .. }
            | Item::Objective { .. } => None,
            Item::Promise {
                name,
                instances,
                every_instance,
            } => self.promise_mismatch(name, instances, *every_instance),
            Item::Standard {
                name,
                instances,
                every_instance,
            } => {
                let got = report
                    .standards
                    .iter()
                    .filter(|s| &s.standard == name)
                    .map(|s| {
                        let mut extra: Vec<String> = Vec::new();
                        extra.extend(s.at.map(|at| format!("at {at}")));
                        extra.extend(s.due.map(|d| format!("due {d}")));
                        let state = word(&s.state);
                        (
                            state.clone(),
                            s.due.map(|d| d.utc()),
                            with_extra(state, &extra),
                        )
                    })
                    .collect();
                let subject = format!("standard `{name}`");
                self.timed_mismatch(subject, instances, *every_instance, got, "due")
            }
            Item::Commitment { id, state, due } => {
                let found = report.commitments.iter().find(|c| &c.commitment == id);
                let got = found.map_or(ABSENT.to_owned(), |c| word(&c.state));
                let due_got = found.and_then(|c| c.due).map(|d| d.utc());
                (&got != state || due.is_some_and(|d| Some(d) != due_got)).then(|| {
                    let extra: Vec<String> = found
                        .and_then(|c| c.due)
                        .map(|d| format!("due {d}"))
                        .into_iter()
                        .collect();
                    (
                        format!("commitment `{id}`"),
                        self.with_instant(state, "due", *due),
                        with_extra(got, &extra),
                    )
                })
            }
            Item::Escalation {
                name,
                states,
                every_instance,
            } => {
                let got: Vec<String> = report
                    .escalations
                    .iter()
                    .filter(|e| &e.escalation == name)
                    .map(|e| word(&e.state))
                    .collect();
                let subject = format!("escalation `{name}`");
                instances_mismatch(subject, states, *every_instance, got)
            }
            Item::Step {
                chain,
                step,
                instances,
                every_instance,
            } => {
                // The step in each instance of the chain (a guarded instance has no steps).
                let got = report
                    .escalations
                    .iter()
                    .filter(|e| &e.escalation == chain)
                    .map(|e| {
                        let found = e.steps.iter().find(|s| &s.step == step);
                        let state = found.map_or(ABSENT.to_owned(), |s| word(&s.state));
                        let deadline = found.and_then(|s| s.deadline);
                        let extra: Vec<String> = deadline
                            .map(|d| format!("deadline {d}"))
                            .into_iter()
                            .collect();
                        (
                            state.clone(),
                            deadline.map(|d| d.utc()),
                            with_extra(state, &extra),
                        )
                    })
                    .collect();
                let subject = format!("step `{chain}.{step}`");
                self.timed_mismatch(subject, instances, *every_instance, got, "deadline")
            }
        }
    }

    /// [`Comparison::state_mismatch`] for a promise: instance 1, or every instance in order.
    fn promise_mismatch(
        &self,
        name: &str,
        instances: &[InstanceState],
        every_instance: bool,
    ) -> Option<(String, String, String)> {
        let reported: Vec<_> = self
            .report
            .promises
            .iter()
            .filter(|p| p.promise == name)
            .collect();
        let fits_one = |want: &InstanceState, got: &crate::report::PromiseReport| {
            want.state == word(&got.state)
                && want
                    .due
                    .map_or(true, |d| got.due.map(|x| x.utc()) == Some(d))
                && want.figures.fit(got)
        };
        let fits = match (instances, every_instance) {
            ([one], false) if one.state == ABSENT => reported.is_empty(),
            ([one], false) => reported.first().is_some_and(|got| fits_one(one, got)),
            (all, _) => {
                all.len() == reported.len()
                    && all.iter().zip(&reported).all(|(w, g)| fits_one(w, g))
            }
        };
        if fits {
            return None;
        }
        let subject = if every_instance {
            format!("promise `{name}` (every instance)")
        } else {
            format!("promise `{name}`")
        };
        let expected: Vec<String> = instances
            .iter()
            .map(|i| {
                let mut extra: Vec<String> = Vec::new();
                extra.extend(i.due.map(|due| format!("due {}", self.show(due))));
                extra.extend(i.figures.texts());
                with_extra(i.state.clone(), &extra)
            })
            .collect();
        // The figures any expected instance gives are shown for every reported one.
        let shown = instances
            .iter()
            .fold(Figures::default(), |all, i| all.or(&i.figures));
        let described: Vec<String> = reported
            .iter()
            .take(if every_instance { usize::MAX } else { 1 })
            .map(|p| promise_text(p, &shown))
            .collect();
        Some((
            subject,
            expected.join("; "),
            join_or(described.into_iter(), ABSENT),
        ))
    }
}

impl Comparison<'_> {
    /// The mismatch, if any, between the states (each maybe with its instant, a standard's `due`
    /// or a step's `deadline`, named `key`) expected of the instances of a rule and those
    /// reported, `got` (state, instant, text shown): the first instance, or (`every_instance`)
    /// every instance in order.
    fn timed_mismatch(
        &self,
        subject: String,
        expected: &[TimedState],
        every_instance: bool,
        got: Vec<(String, Option<DateTime<Utc>>, String)>,
        key: &str,
    ) -> Option<(String, String, String)> {
        let fits_one =
            |(state, at): &TimedState,
             (got_state, got_at, _): &(String, Option<DateTime<Utc>>, String)| {
                state == got_state && at.map_or(true, |at| Some(at) == *got_at)
            };
        let fits = match (expected, every_instance) {
            ([(one, None)], false) if one == ABSENT => got.iter().all(|g| g.0 == ABSENT),
            ([one], false) => got.first().is_some_and(|g| fits_one(one, g)),
            (all, _) => all.len() == got.len() && all.iter().zip(&got).all(|(w, g)| fits_one(w, g)),
        };
        if fits {
            return None;
        }
        let subject = if every_instance {
            format!("{subject} (every instance)")
        } else {
            subject
        };
        let wanted: Vec<String> = expected
            .iter()
            .map(|(state, at)| self.with_instant(state, key, *at))
            .collect();
        let shown = got
            .into_iter()
            .take(if every_instance { usize::MAX } else { 1 })
            .map(|(_, _, text)| text);
        Some((subject, wanted.join("; "), join_or(shown, ABSENT)))
    }
}

/// The mismatch, if any, between the states expected of the instances of a chain (or of one of
/// its steps) and the states reported, `got` (each a state word, maybe followed by ` (…)`): the
/// first instance, or (`every_instance`) every instance in order.
fn instances_mismatch(
    subject: String,
    expected: &[String],
    every_instance: bool,
    got: Vec<String>,
) -> Option<(String, String, String)> {
    let state_of = |text: &String| text.split(" (").next().unwrap_or_default().to_owned();
    let fits = match (expected, every_instance) {
        ([one], false) if one == ABSENT => got.is_empty() || got.iter().all(|g| g == ABSENT),
        ([one], false) => got.first().is_some_and(|g| &state_of(g) == one),
        (all, _) => all.len() == got.len() && all.iter().zip(&got).all(|(w, g)| *w == state_of(g)),
    };
    if fits {
        return None;
    }
    let subject = if every_instance {
        format!("{subject} (every instance)")
    } else {
        subject
    };
    let shown = got
        .into_iter()
        .take(if every_instance { usize::MAX } else { 1 });
    Some((subject, expected.join("; "), join_or(shown, ABSENT)))
}

/// A reported clock instance as a mismatch shows it: its state, due and stop times, and the
/// figures in `shown` that an expectation gives.
fn promise_text(p: &crate::report::PromiseReport, shown: &Figures) -> String {
    let mut extra = Vec::new();
    if let Some(due) = p.due {
        extra.push(format!("due {due}"));
    }
    if let Some(stopped) = p.stopped {
        extra.push(format!("stopped {stopped}"));
    }
    let figures = [
        ("late_by", shown.late_by, p.late_by),
        ("elapsed", shown.elapsed, p.elapsed),
        ("remaining", shown.remaining, p.remaining),
        ("paused", shown.paused, p.paused),
    ];
    for (name, wanted, got) in figures {
        if wanted.is_some() {
            let got = got.map_or_else(|| "none".to_owned(), |d| d.to_string());
            extra.push(format!("{name} {got}"));
        }
    }
    with_extra(word(&p.state), &extra)
}

/// `text`, followed by `extra` in parentheses when there is any: `breached (due …, late_by PT5M)`.
fn with_extra(text: String, extra: &[String]) -> String {
    if extra.is_empty() {
        text
    } else {
        format!("{text} ({})", extra.join(", "))
    }
}

impl Figures {
    /// Whether the report's instance has every figure given.
    fn fit(&self, got: &crate::report::PromiseReport) -> bool {
        let same = |want: Option<TimeDelta>, got: Option<IsoDuration>| {
            want.map_or(true, |w| {
                got.is_some_and(|g| g.0.num_milliseconds() == w.num_milliseconds())
            })
        };
        same(self.late_by, got.late_by)
            && same(self.elapsed, got.elapsed)
            && same(self.remaining, got.remaining)
            && same(self.paused, got.paused)
    }

    /// The figures given, as mismatches show them: `late_by PT30M`.
    fn texts(&self) -> Vec<String> {
        [
            ("late_by", self.late_by),
            ("elapsed", self.elapsed),
            ("remaining", self.remaining),
            ("paused", self.paused),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|d| format!("{name} {}", IsoDuration(d))))
        .collect()
    }

    /// The figures given in either.
    fn or(self, other: &Figures) -> Figures {
        Figures {
            late_by: self.late_by.or(other.late_by),
            elapsed: self.elapsed.or(other.elapsed),
            remaining: self.remaining.or(other.remaining),
            paused: self.paused.or(other.paused),
        }
    }
}

/// Reads an instant of `expect:` in the forms event times are read in: RFC 3339 with an offset, or
/// a local date and time without one (`2026-06-19T14:30:00`, `2026-06-19 14:30`, seconds and a
/// fraction optional) in the policy's timezone.
fn parse_instant(value: &Json, policy: &Policy) -> Result<DateTime<Utc>, String> {
    let Some(text) = value.as_str() else {
        return Err(format!(
            "`{}` is not an instant (write RFC 3339, e.g. 2026-06-19T15:00:00+08:00)",
            plain(value)
        ));
    };
    let options = ReadOptions {
        default_tz: policy.timezone(),
        ..ReadOptions::default()
    };
    crate::case::parse_instant(text, &options)
}

/// A length of time as reports write it, in ISO 8601: `PT0S`, `PT20M`, `PT1H30M`, `P1DT2H`,
/// `PT1.5S` (a day is 24 hours).
fn iso_duration(text: &str) -> Option<TimeDelta> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total = TimeDelta::zero();
    if !days.is_empty() {
        let days: i64 = days.strip_suffix('D')?.parse().ok()?;
        total = total.checked_add(&TimeDelta::try_days(days)?)?;
    }
    let Some(mut time) = time else {
        return (!days.is_empty()).then_some(total);
    };
    if time.is_empty() {
        return None;
    }
    for (unit, seconds) in [('H', 3600.0), ('M', 60.0), ('S', 1.0)] {
        if let Some((number, after)) = time.split_once(unit) {
            let value: f64 = number.parse().ok()?;
            if !(value.is_finite() && value >= 0.0) || (unit != 'S' && number.contains('.')) {
                return None;
            }
            let millis = (value * seconds * 1000.0).round();
            if millis > 9.0e15 {
                return None;
            }
            total = total.checked_add(&TimeDelta::try_milliseconds(millis as i64)?)?;
            time = after;
        }
    }
    time.is_empty().then_some(total)
}

/// How listed expectations were assigned to distinct entries of the report.
#[derive(Debug)]
struct Assignment {
    /// For each listed expectation, in order, the index of the entry it took, if any.
    of_pattern: Vec<Option<usize>>,
    /// For each entry of the report, the expectation that took it, if any.
    of_entry: Vec<Option<usize>>,
}

impl Assignment {
    fn is_taken(&self, entry: usize) -> bool {
        self.of_entry.get(entry).copied().flatten().is_some()
    }
    /// The line of the expectation that took `entry`, if one did.
    fn line_of_entry<P>(
        &self,
        entry: usize,
        patterns: &[P],
        line: impl Fn(&P) -> Option<usize>,
    ) -> Option<Option<usize>> {
        let pattern = self.of_entry.get(entry).copied().flatten()?;
        patterns.get(pattern).map(line)
    }
}

/// A largest assignment of `patterns` to distinct `entries` that each fits: an expectation fails
/// only when no assignment of distinct entries satisfies the whole list. Augmenting paths
/// (Kuhn's algorithm), tried for each pattern in the order given, so that an earlier pattern is
/// never left out for a later one; the walk keeps its own stack, so no list exhausts the thread's.
fn distinct_matching<P, E>(
    patterns: &[P],
    entries: &[E],
    fits: impl Fn(&P, &E) -> bool,
) -> Assignment {
    let edges: Vec<Vec<usize>> = patterns
        .iter()
        .map(|p| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| fits(p, e))
                .map(|(index, _)| index)
                .collect()
        })
        .collect();
    let mut of_pattern: Vec<Option<usize>> = vec![None; patterns.len()];
    let mut of_entry: Vec<Option<usize>> = vec![None; entries.len()];
    // The pattern whose search last visited each entry.
    let mut visited: Vec<Option<usize>> = vec![None; entries.len()];
    for start in 0..patterns.len() {
        // A free entry at once, when there is one (the common case).
        let free = edges.get(start).and_then(|edge| {
            edge.iter()
                .copied()
                .find(|&e| of_entry.get(e).copied().flatten().is_none())
        });
        if let Some(entry) = free {
            set(&mut of_pattern, start, Some(entry));
            set(&mut of_entry, entry, Some(start));
            continue;
        }
        // Else an augmenting path: each frame is a pattern and the next of its edges to try.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(&mut (pattern, ref mut next)) = stack.last_mut() {
            let Some(&entry) = edges.get(pattern).and_then(|edge| edge.get(*next)) else {
                stack.pop();
                continue;
            };
            *next += 1;
            if visited.get(entry).copied().flatten() == Some(start) {
                continue;
            }
            set(&mut visited, entry, Some(start));
            match of_entry.get(entry).copied().flatten() {
                Some(owner) => stack.push((owner, 0)),
                None => {
                    // Every pattern on the stack takes the entry it went through.
                    for &(on_path, tried) in &stack {
                        let Some(&through) = edges
                            .get(on_path)
                            .and_then(|edge| edge.get(tried.saturating_sub(1)))
                        else {
                            continue;
                        };
                        set(&mut of_pattern, on_path, Some(through));
                        set(&mut of_entry, through, Some(on_path));
                    }
                    break;
                }
            }
        }
    }
    Assignment {
        of_pattern,
        of_entry,
    }
}

fn set(slots: &mut [Option<usize>], index: usize, value: Option<usize>) {
    if let Some(slot) = slots.get_mut(index) {
        *slot = value;
    }
}

/// How many of the fields a breach pattern gives (`kind`, `due`, `at`).
fn fields_of_breach(pattern: &BreachPattern) -> usize {
    usize::from(pattern.kind.is_some())
        + usize::from(pattern.due.is_some())
        + usize::from(pattern.at.is_some())
}

/// How many of the fields a breach pattern gives the breach has.
fn closeness_of_breach(pattern: &BreachPattern, breach: &crate::report::Breach) -> usize {
    usize::from(pattern.kind.as_deref().is_some_and(|k| k == breach.kind))
        + usize::from(pattern.due.is_some() && breach.due.map(|x| x.utc()) == pattern.due)
        + usize::from(pattern.at.is_some_and(|a| breach.at.utc() == a))
}

/// The entries of the report an unmatched expectation could have meant (those that `related`
/// accepts, of the same rule), closest first (most of its fields alike), each marked with the
/// line of the expectation that took it, if one did; `none` when there is none.
fn closest<E>(
    entries: &[E],
    related: impl Fn(&E) -> bool,
    closeness: impl Fn(&E) -> usize,
    taken_by: impl Fn(usize) -> Option<Option<usize>>,
    text: impl Fn(&E) -> String,
    none: &str,
) -> String {
    let mut candidates: Vec<(usize, usize, &E)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| related(e))
        .map(|(index, e)| (closeness(e), index, e))
        .collect();
    if candidates.is_empty() {
        return none.to_owned();
    }
    candidates.sort_by_key(|&(close, index, _)| (std::cmp::Reverse(close), index));
    candidates
        .iter()
        .map(|&(_, index, e)| match taken_by(index) {
            Some(Some(line)) => format!("{} (matched by line {line})", text(e)),
            Some(None) => format!("{} (matched by another expectation)", text(e)),
            None => text(e),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn breach_text(breach: &crate::report::Breach) -> String {
    match breach.due {
        Some(due) => format!("{}, due {due}, at {}", breach.kind, breach.at),
        None => format!("{}, at {}", breach.kind, breach.at),
    }
}

fn action_text(action: &crate::report::RequiredAction) -> String {
    match action.due {
        Some(due) => format!("an action due {due} ({})", action.action),
        None => format!("an action ({})", action.action),
    }
}

fn join_or(items: impl Iterator<Item = String>, none: &str) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join("; ")
    }
}

/// The report's word for a state (its serialized name).
fn word<T: Serialize>(state: &T) -> String {
    match serde_json::to_value(state) {
        Ok(Json::String(word)) => word,
        _ => String::new(),
    }
}

/// A value as the user wrote it, without JSON quotes for text.
fn plain(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_owned(words: &[String]) -> String {
    if words.is_empty() {
        return "none".to_owned();
    }
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes a key for a JSON pointer.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    const POLICY: &str = r#"
policy "Counter" {
  timezone "Asia/Shanghai"
}

promise first_response {
  from opened until responded
  target within 10m
}

standard one_owner {
  at most 0 transferred before responded
}
"#;

    const EVENTS: &str = r#"
events:
  - {at: 2026-06-22T10:00:00+08:00, type: opened}
  - {at: 2026-06-22T10:01:00+08:00, type: transferred}
  - {at: 2026-06-22T10:02:00+08:00, type: transferred}
  - {at: 2026-06-22T10:20:00+08:00, type: responded}
"#;

    /// The mismatches of `expect` (YAML, indented under `expect:`) on the case above.
    fn mismatches(expect: &str) -> Result<Vec<Mismatch>, Vec<ExpectError>> {
        let policy = Policy::parse(POLICY).unwrap();
        let case = Case::from_yaml_str(&format!("id: C-1\n{EVENTS}expect:\n{expect}")).unwrap();
        let blocks = Expectations::read(&policy, &case)?;
        Ok(blocks
            .iter()
            .flat_map(|b| b.compare(&policy.evaluate(&case, b.as_of), &policy))
            .collect())
    }

    #[test]
    fn each_listed_breach_takes_a_distinct_reported_breach() {
        // `at most 0` is broken once, at the first transfer: one breach, not two.
        let two = mismatches("  breaches: [one_owner, one_owner]\n").unwrap();
        assert_eq!(two.len(), 1);
        assert_eq!(
            two[0].got,
            "standard_violated, at 2026-06-22T10:01:00+08:00 (matched by line 9)"
        );
        assert_eq!(
            mismatches("  breaches: [one_owner, nothing_like_it]\n").unwrap_err()[0].line,
            Some(9)
        );
        assert_eq!(
            mismatches("  breaches: [one_owner, first_response]\n").unwrap(),
            vec![]
        );
    }

    /// A policy whose clock restarts, and a case breaching it twice: due 10:10, then 11:10.
    const RESTARTING: &str = r#"
policy "Counter" {
  timezone "Asia/Shanghai"
}

promise first_response {
  from opened until responded
  restart on reopened
  target within 10m
  warn at 50%
}
"#;

    /// The mismatches of `expect` on a case opened 10:00, answered 10:15, reopened 11:00.
    fn twice(expect: &str) -> Vec<Mismatch> {
        let policy = Policy::parse(RESTARTING).unwrap();
        let text = format!(
            "id: C-2\nevents:\n  - {{at: 2026-06-22T10:00:00+08:00, type: opened}}\n  - {{at: 2026-06-22T10:15:00+08:00, type: responded}}\n  - {{at: 2026-06-22T11:00:00+08:00, type: reopened}}\nexpect:\n{expect}"
        );
        let case = Case::from_yaml_str(&text).unwrap();
        let blocks = Expectations::read(&policy, &case).unwrap();
        blocks
            .iter()
            .flat_map(|b| b.compare(&policy.evaluate(&case, b.as_of), &policy))
            .collect()
    }

    #[test]
    fn a_list_holds_when_some_assignment_of_distinct_entries_does() {
        // Taken in the order written, the first would take the breach due 10:10, which the
        // second needs; the list still holds.
        let kind_then_due = "  as_of: 2026-06-22T12:00:00+08:00\n  breaches:\n    - {rule: first_response, kind: promise_breached}\n    - {rule: first_response, due: 2026-06-22T10:10:00+08:00}\n";
        assert_eq!(twice(kind_then_due), vec![]);
        let due_then_due = "  as_of: 2026-06-22T12:00:00+08:00\n  breaches:\n    - {rule: first_response, due: 2026-06-22T11:10:00+08:00}\n    - {rule: first_response, due: 2026-06-22T10:10:00+08:00}\n    - first_response\n";
        let left_over = twice(due_then_due);
        assert_eq!(left_over.len(), 1, "{left_over:?}");
        assert_eq!(left_over[0].line, Some(11));
        assert_eq!(
            left_over[0].got,
            "promise_breached, due 2026-06-22T10:10:00+08:00, at 2026-06-22T10:10:00+08:00 (matched by line 10); promise_breached, due 2026-06-22T11:10:00+08:00, at 2026-06-22T11:10:00+08:00 (matched by line 9)"
        );
    }

    #[test]
    fn actions_and_warnings_take_distinct_entries_too() {
        // At 11:06 the second instance runs (due 11:10, warned from 11:05): one action, one warning.
        let once = "  as_of: 2026-06-22T11:06:00+08:00\n  actions: [first_response]\n  warnings: [first_response]\n";
        assert_eq!(twice(once), vec![]);
        let twice_each = "  as_of: 2026-06-22T11:06:00+08:00\n  actions: [first_response, first_response]\n  warnings:\n    - first_response\n    - {rule: first_response, due: 2026-06-22T11:10:00+08:00}\n";
        let left_over = twice(twice_each);
        let subjects: Vec<(&str, Option<usize>)> = left_over
            .iter()
            .map(|m| (m.subject.as_str(), m.line))
            .collect();
        assert_eq!(
            subjects,
            [
                ("action for `first_response`", Some(8)),
                ("warning for `first_response`", Some(10))
            ]
        );
        // The warning with a due time took the one warning; the one without is left over.
        assert_eq!(
            left_over[1].got,
            "a warning, due 2026-06-22T11:10:00+08:00 (matched by line 11)"
        );
    }

    #[test]
    fn only_listed_expectations_are_checked_unless_strict() {
        assert_eq!(mismatches("  breaches: [one_owner]\n").unwrap(), vec![]);
        let strict = mismatches("  breaches: [one_owner]\n  no_other_breaches: true\n").unwrap();
        assert_eq!(strict.len(), 1);
        assert_eq!(strict[0].subject, "breach of `first_response`");
    }

    #[test]
    fn a_due_time_is_compared_as_an_instant() {
        let utc = "  promises: {first_response: {state: breached, due: 2026-06-22T02:10:00Z}}\n";
        assert_eq!(mismatches(utc).unwrap(), vec![]);
        let local = "  promises: {first_response: {state: breached, due: 2026-06-22T10:15:00}}\n";
        let wrong = mismatches(local).unwrap();
        assert_eq!(
            wrong[0].expected,
            "breached (due 2026-06-22T10:15:00+08:00)"
        );
    }

    #[test]
    fn unknown_names_are_errors_with_their_lines() {
        let errors = mismatches("  standards:\n    one_ownr: ok\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(10));
        assert!(errors[0].message.contains("unknown standard `one_ownr`"));
    }
}
