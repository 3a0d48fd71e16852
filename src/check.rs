//! Name resolution, imports and semantic validation: AST files in, a validated [`Policy`] out.
//!
//! The checker reports every problem at once as [`Diagnostic`]s. A [`Policy`]
//! only exists when there are no errors; the evaluator reads nothing else.
//!
//! Stages: the `load` module reads the root file and follows `use` (each file once);
//! `names` collects declarations and reports duplicates and unresolved
//! references; `calendar` resolves `like`, validates hours, dates and zones and
//! builds each [`CalendarSpec`]; `rules` checks promises, standards,
//! commitments, escalations and objectives. Syntax errors stop the run before
//! the semantic checks, so every reported name problem is real.
//!
//! A file with a `policy` header is a policy. A file without one is a library
//! of shared declarations, meant to be imported: checked on its own
//! ([`Role::Auto`]) its calendars may omit their timezone (the importing
//! policy's applies), and no [`Policy`] is built from it. The rules are
//! documented in `docs/diagnostics.md`.

mod calendar;
pub mod codes;
pub mod load;
mod names;
mod rules;
pub(crate) mod suggest;
mod values;
mod vocab;

pub use load::{FileSystem, InMemory, NotRegular, SourceProvider, Within};

use crate::compile::{CompileError, Program};
use crate::diag::{Diagnostic, Severity, SourceMap};
use crate::limits::MAX_SUGGESTIONS;
use crate::syntax::ast;
use crate::time::{Calendar, CalendarSpec};
use crate::vocab::Vocabulary;
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A checked policy, compiled for evaluation: every name resolves, every time and date is valid,
/// calendars, deadlines, conditions and event patterns are compiled.
///
/// Declarations from `use`d files are merged in. The policy is opaque: it is read through its
/// methods (its header, its warnings and sources, the names of its rules) and evaluated with
/// [`Policy::evaluate`] or an [`crate::Evaluator`]; how the language's rules are represented
/// inside may change without changing this interface.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The name in the root file's header.
    name: String,
    /// `version N`.
    version: Option<u64>,
    /// `owner "…"`.
    owner: Option<String>,
    /// The root header's `timezone`.
    timezone: Option<Tz>,
    /// The rule declarations as written (for tools that read the text of rules, such as the
    /// workload generator).
    syntax: Declarations,
    /// The form the evaluator runs.
    program: Program,
    /// The calendars, compiled, by name.
    calendars: BTreeMap<String, Calendar>,
    /// The venues with their class, by name.
    venues: BTreeMap<String, ast::Privacy>,
    /// The declared event types and attributes, when the policy declares any.
    vocabulary: Option<Arc<Vocabulary>>,
    /// Warnings found while checking (errors prevent a `Policy`).
    warnings: Vec<Diagnostic>,
    /// The source files, for rendering diagnostics.
    sources: SourceMap,
}

/// The rule declarations of a policy as written, imports merged in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Declarations {
    /// Promises in declaration order.
    pub promises: Vec<ast::Promise>,
    /// Standards in declaration order.
    pub standards: Vec<ast::Standard>,
    /// The commitments block, if any.
    pub commitments: Option<ast::Commitments>,
    /// Escalation chains in declaration order.
    pub escalations: Vec<ast::Escalation>,
    /// Objectives in declaration order.
    pub objectives: Vec<ast::Objective>,
    /// Term declarations.
    pub terms: Vec<ast::TermDecl>,
}

impl Declarations {
    /// The declarations of the loaded `files` in reading order (the order the checker read them
    /// in), moved out of the files rather than copied: a policy's syntax tree is held once.
    fn take(
        root: ast::FileId,
        files: Vec<ast::File>,
        imports: &BTreeMap<(ast::FileId, usize), ast::FileId>,
    ) -> Declarations {
        let order = names::reading_order(root, &files, imports);
        let mut slots: Vec<Vec<Option<ast::Item>>> = files
            .into_iter()
            .map(|file| file.items.into_iter().map(Some).collect())
            .collect();
        let mut syntax = Declarations::default();
        for (file, item) in order {
            let Some(item) = slots
                .get_mut(file)
                .and_then(|items| items.get_mut(item))
                .and_then(Option::take)
            else {
                continue;
            };
            match item {
                ast::Item::Promise(p) => syntax.promises.push(p),
                ast::Item::Standard(s) => syntax.standards.push(s),
                // The first block is the policy's; a second one is an error (`E0214`).
                ast::Item::Commitments(c) => {
                    syntax.commitments.get_or_insert(c);
                }
                ast::Item::Escalation(e) => syntax.escalations.push(e),
                ast::Item::Objective(o) => syntax.objectives.push(o),
                ast::Item::Term(t) => syntax.terms.push(t),
                ast::Item::Header(_)
                | ast::Item::Use(_)
                | ast::Item::Calendar(_)
                | ast::Item::Ranks(_)
                | ast::Item::Venues(_)
                | ast::Item::Event(_)
                | ast::Item::Attribute(_) => {}
            }
        }
        syntax
    }
}

impl Policy {
    /// The name in the root file's header.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The header's `version N`, if any.
    pub fn version(&self) -> Option<u64> {
        self.version
    }
    /// The header's `owner "…"`, if any.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
    /// The root header's `timezone`: for calendars without one, naive case timestamps and the
    /// offsets of reported instants.
    pub fn timezone(&self) -> Option<Tz> {
        self.timezone
    }
    /// The calendar named `name`, compiled: business-time arithmetic on the policy's own hours.
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.get(name)
    }
    /// The calendars' names, in name order.
    pub fn calendar_names(&self) -> impl Iterator<Item = &str> {
        self.calendars.keys().map(String::as_str)
    }
    /// The rank scale, lowest first (empty when the policy declares none).
    pub fn ranks(&self) -> &[String] {
        self.program.ranks.names()
    }
    /// The venues, in name order, with their class (public or private).
    pub fn venues(&self) -> impl Iterator<Item = (&str, ast::Privacy)> {
        self.venues
            .iter()
            .map(|(name, class)| (name.as_str(), *class))
    }
    /// The declared event types and case attributes; `None` when the policy declares no event
    /// and no attribute (its event types and fields are then free words).
    pub fn vocabulary(&self) -> Option<&Vocabulary> {
        self.vocabulary.as_deref()
    }
    /// The vocabulary, shared (for [`crate::ReadOptions`]).
    pub(crate) fn vocabulary_shared(&self) -> Option<Arc<Vocabulary>> {
        self.vocabulary.clone()
    }
    /// Checks a case against the policy's ranks, venues and vocabulary, as the readers check the
    /// cases they read with [`crate::ReadOptions::for_policy`]: for a case built by a program, or
    /// read with other options. `Ok` for any case when the policy declares none of them.
    pub fn check_case(&self, case: &crate::Case) -> Result<(), crate::Rejected> {
        case.check(&crate::ReadOptions::for_policy(self))
    }
    /// The warnings found while checking.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
    /// The source files, for rendering diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }
    /// The promises' names, in declaration order.
    pub fn promise_names(&self) -> impl Iterator<Item = &str> {
        self.program.promises.iter().map(|p| p.name.as_str())
    }
    /// The standards' names, in declaration order.
    pub fn standard_names(&self) -> impl Iterator<Item = &str> {
        self.program.standards.iter().map(|s| s.name.as_str())
    }
    /// The escalation chains' names, in declaration order.
    pub fn escalation_names(&self) -> impl Iterator<Item = &str> {
        self.program.escalations.iter().map(|e| e.name.as_str())
    }
    /// The objectives' names, in declaration order.
    pub fn objective_names(&self) -> impl Iterator<Item = &str> {
        self.program.objectives.iter().map(|o| o.name.as_str())
    }
    /// The names of the steps of the chain `escalation`, in order (none when there is no such chain).
    pub fn step_names(&self, escalation: &str) -> impl Iterator<Item = &str> {
        let steps = match self
            .program
            .escalations
            .iter()
            .find(|e| e.name == escalation)
        {
            Some(chain) => chain.steps.as_slice(),
            None => &[],
        };
        steps.iter().map(|s| s.name.as_str())
    }
    /// Whether the policy has a `commitments` block.
    pub fn has_commitments(&self) -> bool {
        self.syntax.commitments.is_some()
    }
    /// The form the evaluator runs.
    pub(crate) fn program(&self) -> &Program {
        &self.program
    }
    /// The form the evaluator runs, to break on purpose in tests.
    #[cfg(test)]
    pub(crate) fn program_mut(&mut self) -> &mut Program {
        &mut self.program
    }
    /// The rule declarations as written.
    pub(crate) fn syntax(&self) -> &Declarations {
        &self.syntax
    }
}

/// What the root file of a check is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// A policy: the `policy` header is required and a [`Policy`] is built.
    #[default]
    Policy,
    /// A policy when the root file has a header, a library of shared declarations otherwise.
    Auto,
}

/// The outcome of a check: the policy when there were no errors, every diagnostic, and the sources.
#[derive(Debug)]
pub struct Checked {
    /// The validated policy; `None` when there are errors or the root file is a library.
    pub policy: Option<Policy>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, for rendering.
    pub sources: SourceMap,
    /// Whether the root file itself could not be read (its `E0201` is then the only diagnostic):
    /// for a caller that was handed the path, a bad argument rather than a problem in a policy.
    pub root_unreadable: bool,
    /// The canonical path of every file read, the root first: what identifies a file however it
    /// was named (see [`SourceProvider::canonical`]).
    pub canonical: Vec<std::path::PathBuf>,
    /// For a root file without a `policy` header that declares rules (promises, standards,
    /// escalations, objectives): the warning `W0106` that it cannot be evaluated.
    ///
    /// Not among [`Checked::diagnostics`]: such a file is a library, meant to be imported, and
    /// only a caller that checks several files knows whether one of them imports it;
    /// `covenant check` reports it when none does.
    pub unevaluable: Option<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// A policy that did not check: its diagnostics and the sources to render them with.
#[derive(Debug, thiserror::Error)]
#[error("{}", render_all(diagnostics, sources))]
pub struct CheckError {
    /// Every error and warning found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read.
    pub sources: SourceMap,
}

fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    diagnostics
        .iter()
        .map(|d| d.render_plain(sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks the policy file at `path` and everything it imports.
pub fn check_file(path: &Path, role: Role) -> Checked {
    check_sources(path, &FileSystem, role)
}

/// Checks policy text held in memory, shown as `name` in diagnostics; `use` statements cannot be followed.
pub fn check_text(name: &str, text: &str, role: Role) -> Checked {
    check_sources(Path::new(name), &InMemory::new().with(name, text), role)
}

/// Checks the file `root` read through `provider` and everything it imports.
pub fn check_sources(root: &Path, provider: &dyn SourceProvider, role: Role) -> Checked {
    let loaded = load::load(root, provider);
    let mut diagnostics = loaded.diagnostics;
    let has_syntax_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    // The files read, the root first; none when the root could not be read.
    let root = loaded.files.first();
    let (Some(root), false) = (root, has_syntax_errors) else {
        return Checked {
            policy: None,
            diagnostics,
            sources: loaded.sources,
            root_unreadable: loaded.root_unreadable,
            canonical: loaded.canonical,
            unevaluable: None,
        };
    };
    let root = root.id;
    let outcome = Checker::run(loaded.files.as_slice(), root, &loaded.imports, role);
    diagnostics.extend(outcome.diagnostics);
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let policy = match outcome.policy {
        Some(parts) if !has_errors => {
            let syntax = Declarations::take(root, loaded.files, &loaded.imports);
            match parts.build(syntax, &diagnostics, loaded.sources.clone()) {
                Ok(policy) => Some(policy),
                Err(error) => {
                    diagnostics.push(internal(error));
                    None
                }
            }
        }
        _ => None,
    };
    Checked {
        policy,
        diagnostics,
        sources: loaded.sources,
        root_unreadable: loaded.root_unreadable,
        canonical: loaded.canonical,
        unevaluable: outcome.unevaluable,
    }
}

/// Loads and checks the policy at `path`: the validated policy, or every problem found.
pub fn load(path: &Path) -> Result<Policy, CheckError> {
    into_result(check_file(path, Role::Policy))
}

fn into_result(checked: Checked) -> Result<Policy, CheckError> {
    match checked.policy {
        Some(policy) => Ok(policy),
        None => Err(CheckError {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        }),
    }
}

impl Policy {
    /// Loads and checks the policy file at `path` and its imports.
    pub fn load(path: impl AsRef<Path>) -> Result<Policy, CheckError> {
        load(path.as_ref())
    }
    /// Loads and checks the policy file at `path` and its imports, which may come from anywhere
    /// inside the folder `root` rather than only from the policy's own folder (`--root`).
    pub fn load_within(
        path: impl AsRef<Path>,
        root: impl AsRef<Path>,
    ) -> Result<Policy, CheckError> {
        let provider = Within::new(&FileSystem, root.as_ref());
        into_result(check_sources(path.as_ref(), &provider, Role::Policy))
    }
    /// Checks policy text held in memory (it cannot `use` other files).
    pub fn parse(text: &str) -> Result<Policy, CheckError> {
        into_result(check_text("<policy>", text, Role::Policy))
    }
}

/// Everything of a policy but its sources and warnings, gathered while checking.
struct PolicyParts {
    name: String,
    version: Option<u64>,
    owner: Option<String>,
    timezone: Option<Tz>,
    calendars: Vec<(String, CalendarSpec)>,
    ranks: Vec<String>,
    venues: BTreeMap<String, ast::Privacy>,
    vocabulary: Option<Vocabulary>,
}

impl PolicyParts {
    /// The policy of the declarations `syntax`, compiled; `sources` and the warnings among
    /// `diagnostics` go with it.
    fn build(
        self,
        syntax: Declarations,
        diagnostics: &[Diagnostic],
        sources: SourceMap,
    ) -> Result<Policy, CompileError> {
        let (program, calendars) = crate::compile::compile(&crate::compile::Source {
            timezone: self.timezone,
            calendars: &self.calendars,
            ranks: &self.ranks,
            venues: &self.venues,
            terms: &syntax.terms,
            promises: &syntax.promises,
            standards: &syntax.standards,
            commitments: syntax.commitments.as_ref(),
            escalations: &syntax.escalations,
            objectives: &syntax.objectives,
        })?;
        Ok(Policy {
            name: self.name,
            version: self.version,
            owner: self.owner,
            timezone: self.timezone,
            syntax,
            program,
            calendars,
            venues: self.venues,
            vocabulary: self.vocabulary.map(Arc::new),
            warnings: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .cloned()
                .collect(),
            sources,
        })
    }
}

/// The `E0299` diagnostic for a checked policy that does not compile.
fn internal(error: CompileError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("internal checker error ({})", error.what),
        error.span,
    )
    .with_help("this is a bug in covenant, not in the policy; please report it with this file")
}

/// What one semantic run produced.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    policy: Option<PolicyParts>,
    /// See [`Checked::unevaluable`].
    unevaluable: Option<Diagnostic>,
}

/// The state of one semantic check over the loaded files.
struct Checker<'a> {
    /// Whether the root file is a policy (has a header) rather than a library.
    is_policy: bool,
    /// The root file.
    root: ast::FileId,
    /// The root file's header, which names the policy.
    root_header: Option<&'a ast::Header>,
    /// The `timezone` of each file's header, by file (`None` when the name is not a timezone).
    zones: BTreeMap<ast::FileId, Option<Tz>>,
    decls: names::Decls<'a>,
    diagnostics: Vec<Diagnostic>,
    /// See [`Checked::unevaluable`].
    unevaluable: Option<Diagnostic>,
    /// How many more unknown names may get a "did you mean" (see [`MAX_SUGGESTIONS`]).
    suggestions_left: usize,
    /// The terms some deadline uses.
    terms_used: std::collections::BTreeSet<String>,
}

impl<'a> Checker<'a> {
    /// Checks the file `root` and the other `files` (the root among them, first).
    fn run(
        files: &'a [ast::File],
        root: ast::FileId,
        imports: &BTreeMap<(ast::FileId, usize), ast::FileId>,
        role: Role,
    ) -> Outcome {
        let Some(root) = files.iter().find(|f| f.id == root) else {
            return Outcome {
                diagnostics: Vec::new(),
                policy: None,
                unevaluable: None,
            };
        };
        let decls = names::Decls::collect(root, files, imports);
        let root_has_header = root.items.iter().any(|i| matches!(i, ast::Item::Header(_)));
        let mut checker = Checker {
            is_policy: role == Role::Policy || root_has_header,
            root: root.id,
            root_header: None,
            zones: BTreeMap::new(),
            decls,
            diagnostics: Vec::new(),
            unevaluable: None,
            suggestions_left: MAX_SUGGESTIONS,
            terms_used: std::collections::BTreeSet::new(),
        };
        checker.header(root);
        checker.names();
        let vocabulary = checker.vocabulary();
        let specs = checker.calendars();
        checker.rules();
        if let Some(vocabulary) = &vocabulary {
            checker.vocabulary_uses(vocabulary);
        }
        let policy = checker
            .is_policy
            .then(|| checker.parts(specs, vocabulary))
            .flatten();
        Outcome {
            diagnostics: checker.diagnostics,
            policy,
            unevaluable: checker.unevaluable,
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Whether one more unknown name may get a suggestion: each compares the name with every
    /// known one, so their number is bounded to keep a check of a hostile file linear.
    fn may_suggest(&mut self) -> bool {
        let allowed = self.suggestions_left > 0;
        self.suggestions_left = self.suggestions_left.saturating_sub(1);
        allowed
    }

    /// The policy's timezone: the root header's.
    fn policy_tz(&self) -> Option<Tz> {
        self.zones.get(&self.root).copied().flatten()
    }

    /// The default zone for local times written in `file`: its own header's, else the policy's.
    /// The outer `None` means no header names one; `Some(None)` an invalid name, already reported.
    fn default_zone(&self, file: ast::FileId) -> Option<Option<Tz>> {
        self.zones
            .get(&file)
            .or_else(|| self.zones.get(&self.root))
            .copied()
    }

    /// Whether local times in `file` with no zone at all are an error: in a policy, yes; in a
    /// library checked on its own, no (the importing policy's zone applies).
    fn zone_required(&self) -> bool {
        self.is_policy
    }

    /// The parts of the policy the root header names (none without a header: `E0210`).
    fn parts(
        &self,
        calendars: Vec<(String, CalendarSpec)>,
        vocabulary: Option<Vocabulary>,
    ) -> Option<PolicyParts> {
        let header = self.root_header?;
        Some(PolicyParts {
            name: header.name.value.clone(),
            version: header.version.as_ref().map(|v| v.value),
            owner: header.owner.as_ref().map(|o| o.value.clone()),
            timezone: self.policy_tz(),
            calendars,
            // No `ranks` line: no scale.
            ranks: self
                .decls
                .ranks
                .first()
                .map(|r| r.ranks.iter().map(|i| i.name.clone()).collect())
                .unwrap_or_default(),
            venues: self
                .decls
                .venues
                .iter()
                .flat_map(|v| v.names.iter().map(|n| (n.name.clone(), v.privacy)))
                .collect(),
            vocabulary,
        })
    }
}
