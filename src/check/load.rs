//! Loading a policy and its imports: reading, parsing, and following `use`.
//!
//! Each file is loaded once, however many routes import it; identity is the
//! canonical path, so a cycle through symbolic links is found too. Displayed
//! paths stay as the user wrote them (joined lexically to the importing file's
//! folder), so output is stable across machines.

use super::codes;
use crate::diag::{Diagnostic, SourceMap};
use crate::limits::{MAX_POLICY_BYTES, MAX_POLICY_FILES};
use crate::syntax;
use crate::syntax::ast::{self, FileId};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Where policy text comes from.
pub trait SourceProvider {
    /// The identity of a file: its canonical path. Fails when the file does not exist.
    fn canonical(&self, path: &Path) -> io::Result<PathBuf>;
    /// The text of a file, by the path returned from [`SourceProvider::canonical`].
    fn read(&self, path: &Path) -> io::Result<String>;
}

/// Reads policy files from the file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl SourceProvider for FileSystem {
    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    /// Reads the file, refusing one larger than [`MAX_POLICY_BYTES`] without reading it whole.
    fn read(&self, path: &Path) -> io::Result<String> {
        let limit = u64::try_from(MAX_POLICY_BYTES).unwrap_or(u64::MAX);
        let mut text = String::new();
        std::fs::File::open(path)?
            .take(limit.saturating_add(1))
            .read_to_string(&mut text)?;
        if text.len() > MAX_POLICY_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the file is larger than {MAX_POLICY_BYTES} bytes, the most a policy file may have"),
            ));
        }
        Ok(text)
    }
}

/// Policy files held in memory, by path (paths are compared after lexical normalization).
#[derive(Debug, Clone, Default)]
pub struct InMemory {
    files: BTreeMap<PathBuf, String>,
}

impl InMemory {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a file.
    pub fn with(mut self, path: impl AsRef<Path>, text: impl Into<String>) -> Self {
        self.files.insert(normalize(path.as_ref()), text.into());
        self
    }
}

impl SourceProvider for InMemory {
    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            Ok(path)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// Removes `.` components and folds `dir/..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_name =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_name {
                    out.pop();
                } else {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Everything the loader read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The text of every file read.
    pub sources: SourceMap,
    /// The parsed files, the root first, then imports in the order they were first reached.
    pub files: Vec<ast::File>,
    /// Import and syntax problems.
    pub diagnostics: Vec<Diagnostic>,
    /// Which file each `use` brought in, by the importing file and the `use`'s first byte.
    pub imports: BTreeMap<(FileId, usize), FileId>,
    /// The canonical path of every file read, in the order of `sources`: the root first.
    pub canonical: Vec<PathBuf>,
    /// Whether the root file itself could not be read; its `E0201` is then the only diagnostic.
    pub root_unreadable: bool,
}

/// Reads `root` and everything it imports, transitively.
pub fn load(root: &Path, provider: &dyn SourceProvider) -> Loaded {
    let mut loader = Loader {
        provider,
        loaded: Loaded::default(),
        seen: BTreeMap::new(),
        stack: Vec::new(),
        too_many_files: false,
    };
    let shown = normalize(root);
    match provider
        .canonical(root)
        .and_then(|canonical| provider.read(&canonical).map(|text| (canonical, text)))
    {
        Ok((canonical, text)) => {
            loader.visit(shown, canonical, text);
        }
        Err(error) => {
            loader.loaded.root_unreadable = true;
            loader.loaded.diagnostics.push(Diagnostic {
                code: codes::IMPORT_NOT_FOUND,
                severity: crate::diag::Severity::Error,
                message: format!("cannot read `{}`: {error}", root.display()),
                labels: Vec::new(),
                help: Some(read_help(&error).into()),
            });
        }
    }
    loader.loaded
}

struct Loader<'p> {
    provider: &'p dyn SourceProvider,
    loaded: Loaded,
    /// Canonical paths of every file already loaded, with their ids.
    seen: BTreeMap<PathBuf, FileId>,
    /// Canonical paths of the files being loaded, outermost first, with the displayed path.
    stack: Vec<(PathBuf, PathBuf)>,
    /// Whether [`MAX_POLICY_FILES`] was reached (it is reported once).
    too_many_files: bool,
}

impl Loader<'_> {
    /// Loads one file and, depth first, what it imports; returns its id.
    fn visit(&mut self, shown: PathBuf, canonical: PathBuf, text: String) -> FileId {
        let id = self.loaded.sources.add(shown.clone(), text);
        self.seen.insert(canonical.clone(), id);
        self.loaded.canonical.push(canonical.clone());
        let text = self
            .loaded
            .sources
            .get(id)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let file = match syntax::parse(id, &text) {
            Ok(file) => file,
            Err(diagnostics) => {
                self.loaded.diagnostics.extend(diagnostics);
                return id;
            }
        };
        let uses: Vec<ast::Use> = file
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Use(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        self.loaded.files.push(file);
        self.stack.push((canonical.clone(), shown.clone()));
        for import in uses {
            if let Some(imported) = self.follow(&import, &shown) {
                self.loaded
                    .imports
                    .insert((id, import.span.start), imported);
            }
        }
        self.stack.pop();
        id
    }

    /// Resolves one `use`, loading the file when it is new; returns the imported file's id.
    fn follow(&mut self, import: &ast::Use, importer_shown: &Path) -> Option<FileId> {
        let written = Path::new(&import.path.value);
        let base = importer_shown.parent().unwrap_or(Path::new(""));
        let shown = normalize(&base.join(written));
        let canonical = match self.provider.canonical(&shown) {
            Ok(canonical) => canonical,
            Err(error) => {
                self.loaded
                    .diagnostics
                    .push(not_found(import, &shown, &error));
                return None;
            }
        };
        if let Some(position) = self.stack.iter().position(|(c, _)| *c == canonical) {
            let name = |path: &Path| {
                let shown = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("`{shown}`")
            };
            let mut chain: Vec<String> = self
                .stack
                .iter()
                .skip(position)
                .map(|(_, s)| name(s))
                .collect();
            chain.push(name(&shown));
            let same_file = self.stack.get(position).map(|(_, s)| s.as_path());
            let alias = same_file
                .filter(|first| name(first) != name(&shown))
                .map(|first| format!(", which is {}", name(first)))
                .unwrap_or_default();
            self.loaded.diagnostics.push(Diagnostic::error(
                codes::IMPORT_CYCLE,
                format!("import cycle: {}{alias}", chain.join(" uses ")),
                import.span,
            ));
            return None;
        }
        if let Some(&id) = self.seen.get(&canonical) {
            return Some(id);
        }
        if self.seen.len() >= MAX_POLICY_FILES {
            if !self.too_many_files {
                self.too_many_files = true;
                self.loaded.diagnostics.push(
                    Diagnostic::error(
                        codes::TOO_MANY_FILES,
                        format!("too many imported files: `{}` would be file number {}", shown.display(), MAX_POLICY_FILES + 1),
                        import.span,
                    )
                    .with_help(format!("a policy may load at most {MAX_POLICY_FILES} files, itself included; merge small files into larger ones")),
                );
            }
            return None;
        }
        match self.provider.read(&canonical) {
            Ok(text) => Some(self.visit(shown, canonical, text)),
            Err(error) => {
                self.loaded
                    .diagnostics
                    .push(not_found(import, &shown, &error));
                None
            }
        }
    }
}

fn not_found(import: &ast::Use, shown: &Path, error: &io::Error) -> Diagnostic {
    let message = if error.kind() == io::ErrorKind::NotFound {
        format!("cannot find imported file `{}`", shown.display())
    } else {
        format!("cannot read imported file `{}`: {error}", shown.display())
    };
    let help = match error.kind() {
        io::ErrorKind::NotFound => {
            "paths in `use` are relative to the file that contains the `use`"
        }
        _ => read_help(error),
    };
    Diagnostic::error(codes::IMPORT_NOT_FOUND, message, import.span).with_help(help)
}

/// What to do about a policy file that cannot be read.
fn read_help(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::InvalidData => {
            "a policy file must be UTF-8 text of at most 4 MiB; split a larger one into files joined with `use`"
        }
        _ => "check the path and the file's permissions",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.policy")),
            PathBuf::from("a/c.policy")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from("."));
    }
}
