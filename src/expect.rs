//! Machine-checked expectations: a case's `expect:` block read against its policy and
//! compared with the case's report.
//!
//! [`Expectations::read`] turns the raw block kept by the case reader into typed checks,
//! refusing names the policy does not have and words that are not states, each with the
//! line it was written on. [`Expectations::compare`] lists every listed expectation the
//! report does not meet as a [`Mismatch`] (expected vs got). Only what is listed is
//! checked, unless `no_other_breaches` / `no_other_actions` ask for more. The block is
//! described in `docs/authoring.md`.

use crate::case::{Case, Expect};
use crate::check::Policy;
use crate::report::{CaseReport, Instant};
use crate::time::local_to_instant;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The keys an `expect:` block may have.
pub(crate) const KEYS: [&str; 11] = [
    "as_of",
    "breaches",
    "actions",
    "warnings",
    "promises",
    "standards",
    "commitments",
    "escalations",
    "steps",
    "no_other_breaches",
    "no_other_actions",
];

/// Breach kinds (see `docs/semantics.md`).
pub(crate) const BREACH_KINDS: [&str; 9] = [
    "promise_breached",
    "standard_violated",
    "commitment_vague",
    "commitment_late",
    "commitment_broken",
    "step_missed",
    "step_late",
    "step_out_of_order",
    "appointment_missed",
];

/// The word for "not in the report at all".
const ABSENT: &str = "absent";

pub(crate) const PROMISE_STATES: [&str; 7] = [
    "pending",
    "running",
    "paused",
    "met",
    "breached",
    "not_promised",
    ABSENT,
];
pub(crate) const STANDARD_STATES: [&str; 7] = [
    "ok", "violated", "pending", "running", "met", "breached", ABSENT,
];
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
    Standard {
        name: String,
        state: String,
    },
    Commitment {
        id: String,
        state: String,
    },
    Escalation {
        name: String,
        state: String,
    },
    Step {
        chain: String,
        step: String,
        state: String,
    },
}

/// The expected state of one clock instance, and optionally its due time.
#[derive(Debug, Clone, PartialEq)]
struct InstanceState {
    state: String,
    due: Option<DateTime<Utc>>,
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

    fn instant(&mut self, pointer: &str, value: &Json) -> Option<DateTime<Utc>> {
        let parsed = value
            .as_str()
            .and_then(|text| parse_instant(text, self.policy).map(|t| (text, t)));
        match parsed {
            Some((text, t)) => match crate::time::readable(text, t) {
                Ok(t) => Some(t),
                Err(message) => {
                    self.error(pointer, message);
                    None
                }
            },
            None => {
                self.error(
                    pointer,
                    format!(
                        "`{}` is not an instant (write RFC 3339, e.g. 2026-06-19T15:00:00+08:00)",
                        plain(value)
                    ),
                );
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

    /// A clock instance's state: `met`, or `{state: met, due: T}`.
    fn instance_state(&mut self, pointer: &str, written: &Json) -> Option<InstanceState> {
        let Json::Object(map) = written else {
            let state = self.word(pointer, written, "promise state", &PROMISE_STATES)?;
            return Some(InstanceState { state, due: None });
        };
        for field in map.keys().filter(|f| *f != "state" && *f != "due") {
            self.error(
                &format!("{pointer}/{field}"),
                format!("unknown field `{field}` in a promise state (use `state`, `due`)"),
            );
        }
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
        Some(InstanceState { state: state?, due })
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

    /// `standards: {NAME: STATE}`.
    fn standards(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("standards", value) {
            let pointer = format!("/standards/{}", escape(&name));
            let names = self.policy.standard_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "standard", &name, names) {
                continue;
            }
            if let Some(state) = self.word(&pointer, state, "standard state", &STANDARD_STATES) {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Standard { name, state },
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
            if let Some(state) = self.word(&pointer, state, "commitment state", &COMMITMENT_STATES)
            {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Commitment { id, state },
                });
            }
        }
    }

    /// `escalations: {NAME: STATE}`.
    fn escalations(&mut self, value: &Json, checks: &mut Vec<Check>) {
        for (name, state) in self.named_states("escalations", value) {
            let pointer = format!("/escalations/{}", escape(&name));
            let names = self.policy.escalation_names().map(str::to_owned).collect();
            if !self.declared(&pointer, "escalation", &name, names) {
                continue;
            }
            if let Some(state) = self.word(&pointer, state, "escalation state", &CHAIN_STATES) {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Escalation { name, state },
                });
            }
        }
    }

    /// `steps: {CHAIN.STEP: STATE}`.
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
            let state = self.word(&pointer, state, "step state", &STEP_STATES);
            if let (Some((chain, step)), Some(state)) = (known, state) {
                checks.push(Check {
                    line: self.line(&pointer),
                    item: Item::Step { chain, step, state },
                });
            }
        }
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
            Item::Breach(_) | Item::Action { .. } | Item::Warning { .. } => None,
            Item::Promise {
                name,
                instances,
                every_instance,
            } => self.promise_mismatch(name, instances, *every_instance),
            Item::Standard { name, state } => {
                let found = report.standards.iter().find(|s| &s.standard == name);
                let got = found.map_or(ABSENT.to_owned(), |s| word(&s.state));
                (&got != state).then(|| {
                    let got = match found.and_then(|s| s.at) {
                        Some(at) => format!("{got} (at {at})"),
                        None => got,
                    };
                    (format!("standard `{name}`"), state.clone(), got)
                })
            }
            Item::Commitment { id, state } => {
                let found = report.commitments.iter().find(|c| &c.commitment == id);
                let got = found.map_or(ABSENT.to_owned(), |c| word(&c.state));
                (&got != state).then(|| {
                    let got = match found.and_then(|c| c.due) {
                        Some(due) => format!("{got} (due {due})"),
                        None => got,
                    };
                    (format!("commitment `{id}`"), state.clone(), got)
                })
            }
            Item::Escalation { name, state } => {
                let got = report
                    .escalations
                    .iter()
                    .find(|e| &e.escalation == name)
                    .map_or(ABSENT.to_owned(), |e| word(&e.state));
                (&got != state).then(|| (format!("escalation `{name}`"), state.clone(), got))
            }
            Item::Step { chain, step, state } => {
                let found = report
                    .escalations
                    .iter()
                    .find(|e| &e.escalation == chain)
                    .and_then(|e| e.steps.iter().find(|s| &s.step == step));
                let got = found.map_or(ABSENT.to_owned(), |s| word(&s.state));
                (&got != state).then(|| {
                    let got = match found.and_then(|s| s.deadline) {
                        Some(deadline) => format!("{got} (deadline {deadline})"),
                        None => got,
                    };
                    (format!("step `{chain}.{step}`"), state.clone(), got)
                })
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
            .map(|i| match i.due {
                Some(due) => format!("{} (due {})", i.state, self.show(due)),
                None => i.state.clone(),
            })
            .collect();
        let described: Vec<String> = reported
            .iter()
            .take(if every_instance { usize::MAX } else { 1 })
            .map(|p| promise_text(p))
            .collect();
        Some((
            subject,
            expected.join("; "),
            join_or(described.into_iter(), ABSENT),
        ))
    }
}

/// A reported clock instance as a mismatch shows it: its state, due and stop times.
fn promise_text(p: &crate::report::PromiseReport) -> String {
    let mut text = word(&p.state);
    let mut extra = Vec::new();
    if let Some(due) = p.due {
        extra.push(format!("due {due}"));
    }
    if let Some(stopped) = p.stopped {
        extra.push(format!("stopped {stopped}"));
    }
    if !extra.is_empty() {
        let _ = write!(text, " ({})", extra.join(", "));
    }
    text
}

/// Reads an instant: RFC 3339, or a local date-time in the policy's timezone.
fn parse_instant(text: &str, policy: &Policy) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()?;
    local_to_instant(policy.timezone()?, naive.date(), naive.time()).ok()
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
