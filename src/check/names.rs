//! Declarations across files: the header, unique names per kind, and resolution of references.

use super::{codes, suggest, Checker};
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::{self, FileId, Ident, Span};
use std::collections::{BTreeMap, BTreeSet};

/// Every declaration of the policy and its imports, in load order.
#[derive(Debug, Default)]
pub struct Decls<'a> {
    /// `policy` headers (one is expected).
    pub headers: Vec<&'a ast::Header>,
    /// Calendars.
    pub calendars: Vec<&'a ast::CalendarDecl>,
    /// `ranks` lines (one is expected).
    pub ranks: Vec<&'a ast::Ranks>,
    /// `venues` lines.
    pub venues: Vec<&'a ast::Venues>,
    /// Terms.
    pub terms: Vec<&'a ast::TermDecl>,
    /// Event types of the vocabulary.
    pub events: Vec<&'a ast::EventDecl>,
    /// Case attributes of the vocabulary.
    pub attributes: Vec<&'a ast::FieldDecl>,
    /// Promises.
    pub promises: Vec<&'a ast::Promise>,
    /// Standards.
    pub standards: Vec<&'a ast::Standard>,
    /// `commitments` blocks (at most one is expected).
    pub commitments: Vec<&'a ast::Commitments>,
    /// Escalation chains.
    pub escalations: Vec<&'a ast::Escalation>,
    /// Objectives.
    pub objectives: Vec<&'a ast::Objective>,
    /// The first definition of each name, per kind.
    pub tables: Tables<'a>,
}

/// The first definition of each name, per kind.
#[derive(Debug, Default)]
pub struct Tables<'a> {
    /// Calendars by name.
    pub calendars: BTreeMap<&'a str, &'a ast::CalendarDecl>,
    /// Ranks by name, with their level.
    pub ranks: BTreeMap<&'a str, usize>,
    /// Venues by name.
    pub venues: BTreeMap<&'a str, ast::Privacy>,
    /// Promises by name.
    pub promises: BTreeMap<&'a str, &'a ast::Promise>,
    /// Terms by word.
    pub terms: BTreeMap<&'a str, &'a ast::TermDecl>,
    /// Declared event types by name.
    pub events: BTreeMap<&'a str, &'a ast::EventDecl>,
    /// Declared attributes by name.
    pub attributes: BTreeMap<&'a str, &'a ast::FieldDecl>,
}

impl<'a> Decls<'a> {
    /// Gathers the declarations of all files in reading order: the root file's items, with each
    /// imported file's items in place of the `use` that first brings it in.
    pub fn collect(
        root: &'a ast::File,
        files: &'a [ast::File],
        imports: &BTreeMap<(FileId, usize), FileId>,
    ) -> Self {
        let mut decls = Decls::default();
        for (file, item) in reading_order(root.id, files, imports) {
            let Some(item) = files.get(file).and_then(|f| f.items.get(item)) else {
                continue;
            };
            match item {
                ast::Item::Header(h) => decls.headers.push(h),
                ast::Item::Use(_) => {}
                ast::Item::Calendar(c) => decls.calendars.push(c),
                ast::Item::Ranks(r) => decls.ranks.push(r),
                ast::Item::Venues(v) => decls.venues.push(v),
                ast::Item::Term(t) => decls.terms.push(t),
                ast::Item::Event(e) => decls.events.push(e),
                ast::Item::Attribute(a) => decls.attributes.push(a),
                ast::Item::Promise(p) => decls.promises.push(p),
                ast::Item::Standard(s) => decls.standards.push(s),
                ast::Item::Commitments(c) => decls.commitments.push(c),
                ast::Item::Escalation(e) => decls.escalations.push(e),
                ast::Item::Objective(o) => decls.objectives.push(o),
            }
        }
        decls
    }
}

/// The items of all files in reading order, as (index in `files`, index in its items): the root
/// file's items, with each imported file's items in place of the `use` that first brings it in.
pub(super) fn reading_order(
    root: FileId,
    files: &[ast::File],
    imports: &BTreeMap<(FileId, usize), FileId>,
) -> Vec<(usize, usize)> {
    let by_id: BTreeMap<FileId, usize> = files.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
    let mut order = Vec::new();
    let mut visited = BTreeSet::new();
    if let Some(&root) = by_id.get(&root) {
        inline(root, files, &by_id, imports, &mut visited, &mut order);
    }
    order
}

impl<'a> Checker<'a> {
    /// Headers: the root file's names the policy; any file may have one (its `timezone` is the
    /// default for that file's calendars), but only one.
    pub(super) fn header(&mut self, root_file: &'a ast::File) {
        let root = root_file.id;
        let headers = self.decls.headers.clone();
        let mut first_in_file: BTreeMap<FileId, &ast::Header> = BTreeMap::new();
        for header in headers.iter().copied() {
            let file = header.span.file;
            if let Some(first) = first_in_file.get(&file) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_HEADER,
                        format!("second `policy` header `{}`", header.name.value),
                        header.name.span,
                    )
                    .with_label(first.name.span, "this file already has a header"),
                );
                continue;
            }
            first_in_file.insert(file, header);
            if file == root {
                self.root_header = Some(header);
            }
            if let Some(zone) = &header.timezone {
                let tz = self.timezone(zone);
                self.zones.insert(file, tz);
            }
        }
        if self.root_header.is_none() && self.is_policy {
            // At the first item, or at the start of an empty file.
            let start = root_file.items.first().map_or(0, |i| item_span(i).start);
            let span = Span {
                file: root,
                start,
                end: start,
            };
            self.report(Diagnostic::error(
                codes::MISSING_HEADER,
                "missing `policy` header",
                span,
            ));
        }
        if self.root_header.is_none() && !self.is_policy {
            self.unevaluable = rules_without_header(root_file);
        }
    }

    /// Unique names per kind, and the tables references resolve against.
    pub(super) fn names(&mut self) {
        let calendars: Vec<_> = self.decls.calendars.iter().map(|c| (&c.name, *c)).collect();
        self.decls.tables.calendars = self.unique("calendar", calendars);
        let promises: Vec<_> = self.decls.promises.iter().map(|p| (&p.name, *p)).collect();
        self.decls.tables.promises = self.unique("promise", promises);
        let standards: Vec<_> = self.decls.standards.iter().map(|s| (&s.name, ())).collect();
        self.unique("standard", standards);
        let escalations: Vec<_> = self
            .decls
            .escalations
            .iter()
            .map(|e| (&e.name, ()))
            .collect();
        self.unique("escalation", escalations);
        let objectives: Vec<_> = self
            .decls
            .objectives
            .iter()
            .map(|o| (&o.name, ()))
            .collect();
        self.unique("objective", objectives);
        let terms: Vec<_> = self.decls.terms.iter().map(|t| (&t.word, *t)).collect();
        self.decls.tables.terms = self.unique("term", terms);
        let venues: Vec<_> = self
            .decls
            .venues
            .iter()
            .flat_map(|v| v.names.iter().map(|n| (n, v.privacy)))
            .collect();
        self.decls.tables.venues = self.unique("venue", venues);
        let events: Vec<_> = self.decls.events.iter().map(|e| (&e.name, *e)).collect();
        self.decls.tables.events = self.unique("event", events);
        let attributes: Vec<_> = self
            .decls
            .attributes
            .iter()
            .map(|a| (&a.name, *a))
            .collect();
        self.decls.tables.attributes = self.unique("attribute", attributes);
        for event in self.decls.events.clone() {
            let fields: Vec<_> = event.fields.iter().map(|f| (&f.name, ())).collect();
            self.unique("field", fields);
        }

        let scales = self.decls.ranks.clone();
        if let Some((first, extras)) = scales.split_first() {
            for extra in extras {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_RANKS,
                        "the rank scale is declared more than once",
                        extra.span,
                    )
                    .with_label(first.span, "first declared here"),
                );
            }
            let ranks: Vec<_> = first
                .ranks
                .iter()
                .enumerate()
                .map(|(level, r)| (r, level))
                .collect();
            self.decls.tables.ranks = self.unique("rank", ranks);
        }

        let blocks = self.decls.commitments.clone();
        if let Some((first, extras)) = blocks.split_first() {
            for extra in extras {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_COMMITMENTS,
                        "more than one `commitments` block",
                        extra.span,
                    )
                    .with_label(first.span, "first block here"),
                );
            }
        }
    }

    /// Reports every name declared twice; returns the first definition of each.
    fn unique<T: Copy>(&mut self, kind: &str, names: Vec<(&'a Ident, T)>) -> BTreeMap<&'a str, T> {
        let mut first: BTreeMap<&'a str, (Span, T)> = BTreeMap::new();
        for (name, value) in names {
            if let Some((earlier, _)) = first.get(name.name.as_str()) {
                let earlier = *earlier;
                self.report(duplicate(kind, name, earlier));
            } else {
                first.insert(name.name.as_str(), (name.span, value));
            }
        }
        first.into_iter().map(|(k, (_, v))| (k, v)).collect()
    }

    /// Resolves a calendar reference, reporting an unknown name.
    pub(super) fn calendar_ref(&mut self, name: &Ident) -> Option<&'a ast::CalendarDecl> {
        let found = self.decls.tables.calendars.get(name.name.as_str()).copied();
        if found.is_none() {
            let known: Vec<&str> = if self.may_suggest() {
                self.decls.tables.calendars.keys().copied().collect()
            } else {
                Vec::new()
            };
            self.report(unknown(
                codes::UNKNOWN_CALENDAR,
                "calendar",
                name,
                &known,
                &format!("declare it with `calendar {} {{ … }}`", name.name),
            ));
        }
        found
    }

    /// Resolves a term used where a deadline goes, reporting an unknown word.
    pub(super) fn term_ref(&mut self, word: &Ident) -> Option<&'a ast::TermDecl> {
        let found = self.decls.tables.terms.get(word.name.as_str()).copied();
        if found.is_none() {
            let known: Vec<&str> = if self.may_suggest() {
                self.decls.tables.terms.keys().copied().collect()
            } else {
                Vec::new()
            };
            self.report(unknown(
                codes::UNKNOWN_TERM,
                "term",
                word,
                &known,
                &format!(
                    "declare it with `term {} = 10m` (an amount), or with a whole deadline such as `term {} = by 17:00 same day`",
                    word.name, word.name
                ),
            ));
        }
        found
    }

    /// Resolves a promise reference, reporting an unknown name.
    pub(super) fn promise_ref(&mut self, name: &Ident) {
        if !self.decls.tables.promises.contains_key(name.name.as_str()) {
            let known: Vec<&str> = if self.may_suggest() {
                self.decls.tables.promises.keys().copied().collect()
            } else {
                Vec::new()
            };
            self.report(unknown(
                codes::UNKNOWN_PROMISE,
                "promise",
                name,
                &known,
                "name a promise declared in this policy or its imports",
            ));
        }
    }

    /// Resolves a rank reference, reporting an unknown name (or a missing scale).
    pub(super) fn rank_ref(&mut self, name: &Ident) {
        if !self.decls.tables.ranks.contains_key(name.name.as_str()) {
            let known: Vec<&str> = if self.may_suggest() {
                self.decls.tables.ranks.keys().copied().collect()
            } else {
                Vec::new()
            };
            let help = if self.decls.ranks.is_empty() {
                "declare the scale with `ranks agent < supervisor < manager`, lowest first"
                    .to_string()
            } else {
                format!(
                    "add `{}` to the `ranks` line, or use a declared rank",
                    name.name
                )
            };
            self.report(unknown(codes::UNKNOWN_RANK, "rank", name, &known, &help));
        }
    }

    /// Reports a rank comparison used without any `ranks` scale.
    pub(super) fn rank_scale_needed(&mut self, span: Span) {
        if self.decls.ranks.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_RANK,
                    "`rank above current` needs a rank scale",
                    span,
                )
                .with_help(
                    "declare the scale with `ranks agent < supervisor < manager`, lowest first",
                ),
            );
        }
    }

    /// Resolves a venue reference, reporting an unknown name.
    pub(super) fn venue_ref(&mut self, name: &Ident) {
        if !self.decls.tables.venues.contains_key(name.name.as_str()) {
            let known: Vec<&str> = if self.may_suggest() {
                self.decls.tables.venues.keys().copied().collect()
            } else {
                Vec::new()
            };
            self.report(unknown(
                codes::UNKNOWN_VENUE,
                "venue",
                name,
                &known,
                &format!(
                    "declare it with `venues private: {}` (or `public:`)",
                    name.name
                ),
            ));
        }
    }
}

impl Checker<'_> {
    /// Reports a venue class (`change venue to private`) of which no venue is declared: the step
    /// could never be done.
    pub(super) fn venue_class(&mut self, class: ast::Privacy, span: Span) {
        if self.decls.tables.venues.values().any(|c| *c == class) {
            return;
        }
        let word = match class {
            ast::Privacy::Public => "public",
            ast::Privacy::Private => "private",
        };
        let example = match class {
            ast::Privacy::Public => "counter, business_hall",
            ast::Privacy::Private => "reception_room, office",
        };
        self.report(
            Diagnostic::error(
                codes::EMPTY_VENUE_CLASS,
                format!("no venue is declared `{word}`: the step can never be done"),
                span,
            )
            .with_help(format!(
                "declare the {word} venues, e.g. `venues {word}: {example}`"
            )),
        );
    }
}

/// The diagnostic for a name declared a second time.
pub(super) fn duplicate(kind: &str, name: &Ident, first: Span) -> Diagnostic {
    Diagnostic::error(
        codes::DUPLICATE_NAME,
        format!("{kind} `{}` is declared more than once", name.name),
        name.span,
    )
    .with_label(first, "first declared here")
    .with_help(format!(
        "rename or remove one of the two {kind} declarations"
    ))
}

/// The diagnostic for a reference that does not resolve, with a suggestion when one is close.
pub(super) fn unknown(
    code: Code,
    kind: &str,
    name: &Ident,
    known: &[&str],
    otherwise: &str,
) -> Diagnostic {
    let help = match suggest::closest(&name.name, known.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => otherwise.to_string(),
    };
    Diagnostic::error(code, format!("unknown {kind} `{}`", name.name), name.span).with_help(help)
}

/// Appends the places of the items of `files[file]` to `order`, replacing each `use` by the
/// imported file's items the first time that file is reached. Imports nest at most
/// [`crate::limits::MAX_POLICY_FILES`] deep, which bounds the recursion.
fn inline(
    file: usize,
    files: &[ast::File],
    by_id: &BTreeMap<FileId, usize>,
    imports: &BTreeMap<(FileId, usize), FileId>,
    visited: &mut BTreeSet<usize>,
    order: &mut Vec<(usize, usize)>,
) {
    let Some(this) = files.get(file) else {
        return;
    };
    visited.insert(file);
    for (index, item) in this.items.iter().enumerate() {
        order.push((file, index));
        if let ast::Item::Use(import) = item {
            let imported = imports
                .get(&(this.id, import.span.start))
                .and_then(|id| by_id.get(id));
            if let Some(&imported) = imported {
                if !visited.contains(&imported) {
                    inline(imported, files, by_id, imports, visited, order);
                }
            }
        }
    }
}

/// The whole span of a top-level item.
/// `W0106` for a file without a header that declares rules: it reads like a policy, but only a
/// file with a header can be evaluated. `None` when the file declares no rules.
fn rules_without_header(file: &ast::File) -> Option<Diagnostic> {
    let (kind, name) = file.items.iter().find_map(|item| match item {
        ast::Item::Promise(p) => Some(("promise", &p.name)),
        ast::Item::Standard(s) => Some(("standard", &s.name)),
        ast::Item::Escalation(e) => Some(("escalation", &e.name)),
        ast::Item::Objective(o) => Some(("objective", &o.name)),
        _ => None,
    })?;
    Some(
        Diagnostic::warning(
            codes::RULES_WITHOUT_HEADER,
            format!("{kind} `{}` cannot be evaluated: its file has no `policy` header", name.name),
            name.span,
        )
        .with_help(
            "a file without a header is a library, meant for `use`, and no file checked with it \
             uses it; to evaluate this file, start it with `policy \"Name\" { timezone \"Area/City\" }`",
        ),
    )
}

fn item_span(item: &ast::Item) -> Span {
    match item {
        ast::Item::Header(h) => h.span,
        ast::Item::Use(u) => u.span,
        ast::Item::Calendar(c) => c.span,
        ast::Item::Ranks(r) => r.span,
        ast::Item::Venues(v) => v.span,
        ast::Item::Term(t) => t.span,
        ast::Item::Event(e) => e.span,
        ast::Item::Attribute(a) => a.span,
        ast::Item::Promise(p) => p.span,
        ast::Item::Standard(s) => s.span,
        ast::Item::Commitments(c) => c.span,
        ast::Item::Escalation(e) => e.span,
        ast::Item::Objective(o) => o.span,
    }
}
