//! The compiled policy: the form the evaluator runs, built once from a checked policy.
//!
//! The checker validates the syntax tree and reports every problem; once it has found none,
//! this module turns the declarations into a [`Program`], and the evaluator reads nothing else.
//! What it owns:
//!
//! - **names resolved**: calendars become compiled [`Calendar`]s carried by the deadlines that
//!   count on them, ranks become levels, venue classes become the venues of that class, promise
//!   references (in triggers) and step `after` names become indices, terms become durations;
//! - **deadlines compiled**: each deadline form becomes one [`deadline::Deadline`] carrying its
//!   calendar (a cut-off without `on` counts on the policy's zone, open around the clock);
//! - **conditions compiled**: a [`condition::Condition`] is a flat list of field tests and
//!   forward jumps, field names resolved to the event or state slot they read and text literals
//!   read as numbers once; it is run by a loop, never by recursion (see [`condition`]);
//! - **event patterns compiled**: each event type a rule names is numbered once
//!   ([`condition::EventTypes`]), and a pattern is a number and a condition;
//! - **rules compiled**: promises, standards, commitments, escalation chains (with step
//!   preconditions and actions) and objectives, each with the texts its reports use, written once.
//!
//! A name the checker accepted always resolves here; if one did not, that would be a bug in
//! covenant, and [`compile`] returns a [`CompileError`] that the checker reports as `E0299`
//! rather than building a policy that silently does something else.

pub(crate) mod condition;
pub(crate) mod deadline;
pub(crate) mod describe;
mod rules;

/// The reasons of a promise's pauses as reports name them (the HTML timelines read them too).
#[cfg(feature = "html")]
pub(crate) use rules::pause_reasons;
pub(crate) use rules::{
    Action, Amount, Chain, ChainTrigger, ClockRule, Commitments, Named, Objective, PeriodUnit,
    StaffConstraint, Standard, StandardRule, Step, Target, Term, Trigger, VenueTarget, Warn,
};

/// The comparison operators of conditions and rank constraints: the syntax tree's own, plain values.
pub(crate) use crate::syntax::ast::CompareOp;

use crate::syntax::ast::{self, Span};
use crate::time::{Calendar, CalendarSpec, OffsetChanges};
use chrono::TimeDelta;
use chrono_tz::Tz;
use condition::EventTypes;
use std::collections::BTreeMap;

/// A policy compiled for evaluation: every name resolved, every deadline, condition and pattern
/// in the form the evaluator runs.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// The policy's timezone: for reported instants.
    pub tz: Option<Tz>,
    /// The offset changes of the policy's zone, to find a reported instant's offset quickly.
    pub offsets: Option<OffsetChanges>,
    /// Every event type some rule names, numbered.
    pub types: EventTypes,
    /// The rank scale, lowest first.
    pub ranks: Ranks,
    /// Promises in declaration order.
    pub promises: Vec<ClockRule>,
    /// Standards in declaration order.
    pub standards: Vec<Standard>,
    /// The commitments rules (all off when the policy has no `commitments` block).
    pub commitments: Commitments,
    /// Escalation chains in declaration order.
    pub escalations: Vec<Chain>,
    /// Objectives in declaration order.
    pub objectives: Vec<Objective>,
}

/// The rank scale: names, lowest first; a rank's level is its position.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ranks {
    names: Vec<String>,
}

/// A rank's level on the scale: higher is more senior.
pub(crate) type Level = usize;

impl Ranks {
    /// The ranks, lowest first.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The level of the rank named `name` (a case's staff may name any rank when the policy has
    /// no scale).
    pub fn level(&self, name: &str) -> Option<Level> {
        self.names.iter().position(|r| r == name)
    }
}

/// The declarations of a checked policy, as the checker gathered them.
#[derive(Debug)]
pub(crate) struct Source<'a> {
    /// The root header's timezone.
    pub timezone: Option<Tz>,
    /// Calendar specs by name, `like` resolved.
    pub calendars: &'a [(String, CalendarSpec)],
    /// The rank scale, lowest first.
    pub ranks: &'a [String],
    /// Venues with their class.
    pub venues: &'a BTreeMap<String, ast::Privacy>,
    /// Term declarations.
    pub terms: &'a [ast::TermDecl],
    /// Promises in declaration order.
    pub promises: &'a [ast::Promise],
    /// Standards in declaration order.
    pub standards: &'a [ast::Standard],
    /// The commitments block.
    pub commitments: Option<&'a ast::Commitments>,
    /// Escalation chains in declaration order.
    pub escalations: &'a [ast::Escalation],
    /// Objectives in declaration order.
    pub objectives: &'a [ast::Objective],
}

/// A checked policy that cannot be compiled: a name or value the checker accepted that does not
/// resolve. Always a bug in covenant, never in the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    /// What was being compiled.
    pub span: Span,
    /// What went wrong, lowercase.
    pub what: String,
}

impl CompileError {
    fn new(span: Span, what: impl Into<String>) -> Self {
        CompileError {
            span,
            what: what.into(),
        }
    }
}

/// Compiles the declarations of a checked policy: the program, and the calendars by name (for
/// the policy's own interface: the evaluator reads each deadline's calendar, never a name).
pub(crate) fn compile(
    source: &Source<'_>,
) -> Result<(Program, BTreeMap<String, Calendar>), CompileError> {
    let names = Names::new(source);
    let mut types = EventTypes::new();
    let mut out = rules::Lowering {
        names: &names,
        types: &mut types,
    };
    let promises = source
        .promises
        .iter()
        .map(|p| out.promise(p))
        .collect::<Result<Vec<_>, _>>()?;
    let standards = source
        .standards
        .iter()
        .map(|s| out.standard(s))
        .collect::<Result<Vec<_>, _>>()?;
    let commitments = out.commitments(source.commitments, source.terms)?;
    let escalations = source
        .escalations
        .iter()
        .map(|e| out.chain(e))
        .collect::<Result<Vec<_>, _>>()?;
    let objectives = source
        .objectives
        .iter()
        .map(|o| out.objective(o))
        .collect::<Result<Vec<_>, _>>()?;
    let calendars = names
        .calendars
        .iter()
        .map(|(name, calendar)| ((*name).to_owned(), calendar.clone()))
        .collect();
    let program = Program {
        tz: source.timezone,
        offsets: source.timezone.map(OffsetChanges::of),
        types,
        ranks: Ranks {
            names: source.ranks.to_vec(),
        },
        promises,
        standards,
        commitments,
        escalations,
        objectives,
    };
    Ok((program, calendars))
}

/// What names resolve to while compiling.
#[derive(Debug)]
pub(crate) struct Names<'a> {
    source: &'a Source<'a>,
    /// Compiled calendars by name.
    calendars: BTreeMap<&'a str, Calendar>,
    /// The policy's zone as a calendar open around the clock, for cut-offs without `on`: built
    /// once, when a rule needs it.
    zone: std::cell::OnceCell<Option<Calendar>>,
}

impl<'a> Names<'a> {
    fn new(source: &'a Source<'a>) -> Self {
        Names {
            source,
            calendars: source
                .calendars
                .iter()
                .map(|(name, spec)| (name.as_str(), Calendar::compile(spec)))
                .collect(),
            zone: std::cell::OnceCell::new(),
        }
    }

    /// The calendar named `name`.
    pub fn calendar(&self, name: &ast::Ident) -> Result<Calendar, CompileError> {
        self.calendars
            .get(name.name.as_str())
            .cloned()
            .ok_or_else(|| unresolved("calendar", name))
    }

    /// The policy's zone, for local times written without a calendar.
    pub fn policy_zone(&self, span: Span) -> Result<Tz, CompileError> {
        self.source
            .timezone
            .ok_or_else(|| CompileError::new(span, "local times without the policy's timezone"))
    }

    /// The policy's zone as a calendar open around the clock.
    pub fn zone_calendar(&self, span: Span) -> Result<Calendar, CompileError> {
        let zone = self.zone.get_or_init(|| {
            self.source.timezone.map(|tz| {
                Calendar::compile(&CalendarSpec {
                    tz,
                    always: true,
                    weekly: Vec::new(),
                    closed: Vec::new(),
                    open_dates: Vec::new(),
                })
            })
        });
        match zone {
            Some(calendar) => Ok(calendar.clone()),
            None => Err(CompileError::new(
                span,
                "a cut-off without the policy's timezone",
            )),
        }
    }

    /// The level of the rank named `name`.
    pub fn rank(&self, name: &ast::Ident) -> Result<Level, CompileError> {
        self.source
            .ranks
            .iter()
            .position(|r| *r == name.name)
            .ok_or_else(|| unresolved("rank", name))
    }

    /// The venues of class `privacy`.
    pub fn venues_of(&self, privacy: ast::Privacy) -> Vec<String> {
        self.source
            .venues
            .iter()
            .filter(|(_, class)| **class == privacy)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The declaration of the term `word`.
    pub fn term(&self, word: &ast::Ident) -> Result<&'a ast::TermDecl, CompileError> {
        self.source
            .terms
            .iter()
            .find(|t| t.word.name == word.name)
            .ok_or_else(|| unresolved("term", word))
    }

    /// The calendars by name.
    pub fn calendars(&self) -> impl Iterator<Item = (&'a str, &Calendar)> {
        self.calendars
            .iter()
            .map(|(name, calendar)| (*name, calendar))
    }

    /// The policy's zone as a calendar open around the clock, when the policy has a zone.
    pub fn zone_calendar_if_any(&self) -> Option<Calendar> {
        self.zone_calendar(Span::default()).ok()
    }

    /// The index of the promise named `name`.
    pub fn promise(&self, name: &ast::Ident) -> Result<usize, CompileError> {
        self.source
            .promises
            .iter()
            .position(|p| p.name.name == name.name)
            .ok_or_else(|| unresolved("promise", name))
    }

    /// The name of the promise named `name`, once it resolves.
    pub fn promise_name(&self, name: &ast::Ident) -> Result<String, CompileError> {
        self.source
            .promises
            .iter()
            .find(|p| p.name.name == name.name)
            .map(|p| p.name.name.clone())
            .ok_or_else(|| unresolved("promise", name))
    }
}

/// The error for a reference the checker accepted but that does not resolve.
fn unresolved(kind: &str, name: &ast::Ident) -> CompileError {
    CompileError::new(
        name.span,
        format!(
            "the {kind} `{}` was checked but does not resolve",
            name.name
        ),
    )
}

/// A policy amount of seconds as a time delta, saturating at the longest one representable (the
/// checker keeps amounts under 100 years, far below it).
pub(crate) fn seconds(amount: u64) -> TimeDelta {
    i64::try_from(amount)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{FileId, Item};

    /// Compiles `text` as it is, without the checker in front.
    fn compiled(text: &str) -> Result<Program, CompileError> {
        let file = crate::syntax::parse(FileId(0), text).unwrap();
        let mut promises = Vec::new();
        let mut escalations = Vec::new();
        for item in file.items {
            match item {
                Item::Promise(p) => promises.push(p),
                Item::Escalation(e) => escalations.push(e),
                _ => {}
            }
        }
        let venues = BTreeMap::new();
        compile(&Source {
            timezone: Some(chrono_tz::UTC),
            calendars: &[],
            ranks: &[],
            venues: &venues,
            terms: &[],
            promises: &promises,
            standards: &[],
            commitments: None,
            escalations: &escalations,
            objectives: &[],
        })
        .map(|(program, _)| program)
    }

    /// A name the checker would have refused stops the compilation, with its place: no rule is
    /// built that silently means something else.
    #[test]
    fn a_name_that_does_not_resolve_is_an_error() {
        let chain = |body: &str| {
            format!(
                "promise reply {{ from opened until responded target within 1h }}\n\
                 escalation chain {{ {body} }}\n"
            )
        };
        assert!(compiled(&chain("trigger on breach of reply step s { do x }")).is_ok());
        let cases = [
            (
                "trigger on breach of answer step s { do x }",
                "promise `answer`",
            ),
            ("trigger on x step s { notify boss }", "rank `boss`"),
            (
                "trigger on x step s { do x within 1h on office }",
                "calendar `office`",
            ),
            ("trigger on x step s { after t do x }", "step `t`"),
        ];
        for (body, named) in cases {
            let error = compiled(&chain(body)).unwrap_err();
            assert!(error.what.contains(named), "{body}: {}", error.what);
            assert_ne!(error.span, Span::default(), "{body}");
        }
    }
}
