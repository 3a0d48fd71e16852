//! Loading a policy and its imports: reading, parsing, and following `use`.
//!
//! Each file is loaded once, however many routes import it; identity is the
//! canonical path, so a cycle through symbolic links is found too. Displayed
//! paths stay as the user wrote them (joined lexically to the importing file's
//! folder), so output is stable across machines.
//!
//! A policy is untrusted input, so an import stays inside the policy's tree: the
//! folder of the root file, or the folder its provider names ([`Within`]). An
//! import that leaves it, as written or through a symbolic link, is refused before
//! anything is read (`E0220`), and so is one that does not name a `.policy` file
//! (`E0222`); a file that is not a regular file (a named pipe, a device) is refused
//! without being opened (`E0221`). No error shows anything of a refused file but its
//! path.

use super::codes;
use crate::diag::{Diagnostic, SourceMap};
use crate::limits::{MAX_POLICY_BYTES, MAX_POLICY_FILES, MAX_POLICY_TOTAL_BYTES};
use crate::syntax;
use crate::syntax::ast::{self, FileId};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Where policy text comes from.
pub trait SourceProvider {
    /// The identity of a file: its canonical path. Fails when the file does not exist.
    fn canonical(&self, path: &Path) -> io::Result<PathBuf>;
    /// The text of a file, by the path returned from [`SourceProvider::canonical`]. A file that is
    /// not a regular file is refused with a [`NotRegular`] error, without being opened.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// The identity of a folder, to compare with [`SourceProvider::canonical`] paths: by default
    /// the path normalized lexically ([`normalize`]).
    fn canonical_folder(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
    /// The folder imports must stay inside, when the provider names one; `None` (the default):
    /// the folder of the root file.
    fn tree(&self) -> Option<&Path> {
        None
    }
}

/// Reads policy files from the file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl SourceProvider for FileSystem {
    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    /// Reads the file, refusing one larger than [`MAX_POLICY_BYTES`] without reading it whole, and
    /// one that is not a regular file without opening it (opening a named pipe waits for a writer).
    fn read(&self, path: &Path) -> io::Result<String> {
        regular_file(path)?;
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
    fn canonical_folder(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// A file that is not a regular file (a folder, a named pipe, a device, a socket): refused
/// without being opened. Carried inside the [`io::Error`] of [`SourceProvider::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRegular {
    /// What the file is: `a folder`, `a named pipe (FIFO)`, `a device`, `a socket`.
    pub kind: &'static str,
}

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file", self.kind)
    }
}

impl std::error::Error for NotRegular {}

/// `Ok` when `path` (links followed) is a regular file; a [`NotRegular`] error when it is
/// something else, found from its metadata alone.
pub fn regular_file(path: &Path) -> io::Result<()> {
    let file_type = match std::fs::metadata(path) {
        Ok(metadata) => metadata.file_type(),
        Err(error) => return Err(dangling(path).unwrap_or(error)),
    };
    if file_type.is_file() {
        return Ok(());
    }
    let kind = if file_type.is_dir() {
        "a folder"
    } else {
        special_kind(&file_type)
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        NotRegular { kind },
    ))
}

/// The error for `path` when it is a symbolic link whose target does not exist: said so, with
/// the target, rather than "no such file" for a file that is listed in its folder.
fn dangling(path: &Path) -> Option<io::Error> {
    let target = std::fs::read_link(path).ok()?;
    Some(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "it is a symbolic link to `{}`, which does not exist",
            target.display()
        ),
    ))
}

#[cfg(unix)]
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// A provider whose policies may import files anywhere inside the folder `root` (`--root`), not
/// only inside the root file's own folder.
#[derive(Clone, Copy)]
pub struct Within<'p> {
    provider: &'p dyn SourceProvider,
    root: &'p Path,
}

impl<'p> Within<'p> {
    /// Files of `provider`, imports confined to `root`.
    pub fn new(provider: &'p dyn SourceProvider, root: &'p Path) -> Self {
        Within { provider, root }
    }
}

impl std::fmt::Debug for Within<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Within").field("root", &self.root).finish()
    }
}

impl SourceProvider for Within<'_> {
    fn canonical(&self, path: &Path) -> io::Result<PathBuf> {
        self.provider.canonical(path)
    }
    fn read(&self, path: &Path) -> io::Result<String> {
        self.provider.read(path)
    }
    fn canonical_folder(&self, path: &Path) -> io::Result<PathBuf> {
        self.provider.canonical_folder(path)
    }
    fn tree(&self) -> Option<&Path> {
        Some(self.root)
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

/// Whether `path` is `folder` or inside it, both normalized lexically; `.` holds every relative
/// path that does not start with `..`.
fn inside(path: &Path, folder: &Path) -> bool {
    let path = normalize(path);
    let folder = normalize(folder);
    if folder == Path::new(".") {
        return path.is_relative() && !path.starts_with("..");
    }
    path.starts_with(&folder)
}

/// `path` made absolute against the working directory, without touching the file system
/// (symbolic links are not resolved), so that relative and absolute paths compare.
fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    std::path::absolute(path).map_or_else(|_| normalize(path), |p| normalize(&p))
}

/// The folder imports must stay inside, as written (for messages and the lexical check) and as
/// its canonical path (for the check after symbolic links are resolved).
struct Tree {
    shown: PathBuf,
    lexical: PathBuf,
    canonical: PathBuf,
}

impl Tree {
    fn of(root: &Path, provider: &dyn SourceProvider) -> Tree {
        let shown = match provider.tree() {
            Some(tree) => normalize(tree),
            None => normalize(root.parent().unwrap_or(Path::new("."))),
        };
        let lexical = absolute(&shown);
        let canonical = provider
            .canonical_folder(&shown)
            .unwrap_or_else(|_| lexical.clone());
        Tree {
            shown,
            lexical,
            canonical,
        }
    }
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
        tree: Tree::of(root, provider),
        loaded: Loaded::default(),
        seen: BTreeMap::new(),
        stack: Vec::new(),
        too_many_files: false,
        bytes: 0,
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
    /// The folder imports must stay inside.
    tree: Tree,
    loaded: Loaded,
    /// Canonical paths of every file already loaded, with their ids.
    seen: BTreeMap<PathBuf, FileId>,
    /// Canonical paths of the files being loaded, outermost first, with the displayed path.
    stack: Vec<(PathBuf, PathBuf)>,
    /// Whether [`MAX_POLICY_FILES`] was reached (it is reported once).
    too_many_files: bool,
    /// The bytes of text loaded so far, at most [`MAX_POLICY_TOTAL_BYTES`].
    bytes: usize,
}

impl Loader<'_> {
    /// Loads one file and, depth first, what it imports; returns its id.
    fn visit(&mut self, shown: PathBuf, canonical: PathBuf, text: String) -> FileId {
        self.bytes = self.bytes.saturating_add(text.len());
        // The text is held once, in the source map, and parsed there.
        let id = self.loaded.sources.add(shown.clone(), text);
        self.seen.insert(canonical.clone(), id);
        self.loaded.canonical.push(canonical.clone());
        let text = self
            .loaded
            .sources
            .get(id)
            .map_or("", |file| file.text.as_str());
        let file = match syntax::parse(id, text) {
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
        // A path without a parent is relative to the working folder.
        let base = importer_shown.parent().unwrap_or(Path::new(""));
        let shown = normalize(&base.join(written));
        // Refused on the path as written first, so that nothing outside the tree is even looked
        // at (whether it exists is not told either).
        if !inside(&absolute(&shown), &self.tree.lexical) {
            self.loaded
                .diagnostics
                .push(outside(import, &shown, &self.tree.shown, false));
            return None;
        }
        if shown.extension().map_or(true, |e| e != "policy") {
            self.loaded.diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_NOT_POLICY,
                    format!("`{}` is not a `.policy` file", shown.display()),
                    import.span,
                )
                .with_help("`use` imports policy files only: name a file ending in `.policy`"),
            );
            return None;
        }
        let canonical = match self.provider.canonical(&shown) {
            Ok(canonical) => canonical,
            Err(error) => {
                self.loaded
                    .diagnostics
                    .push(not_found(import, &shown, &error));
                return None;
            }
        };
        if !inside(&canonical, &self.tree.canonical) {
            self.loaded
                .diagnostics
                .push(outside(import, &shown, &self.tree.shown, true));
            return None;
        }
        let on_stack = self
            .stack
            .iter()
            .enumerate()
            .find(|(_, (c, _))| *c == canonical);
        if let Some((position, (_, first))) = on_stack {
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
            // The same file under another name: say so.
            let alias = if name(first) == name(&shown) {
                String::new()
            } else {
                format!(", which is {}", name(first))
            };
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
            Ok(text) if self.bytes.saturating_add(text.len()) > MAX_POLICY_TOTAL_BYTES => {
                self.loaded.diagnostics.push(
                    Diagnostic::error(
                        codes::POLICY_TOO_LARGE,
                        format!(
                            "the policy is too large: with `{}` ({} bytes) its files would hold {} \
                             bytes",
                            shown.display(),
                            text.len(),
                            self.bytes.saturating_add(text.len())
                        ),
                        import.span,
                    )
                    .with_help(format!(
                        "a policy may load at most {MAX_POLICY_TOTAL_BYTES} bytes (16 MiB) of text \
                         in all its files, which bounds the memory a check takes; split it into \
                         policies checked on their own"
                    )),
                );
                None
            }
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

/// `E0220`: an import that leaves the policy's tree, as written or (`through_link`) once its
/// symbolic links are resolved.
fn outside(import: &ast::Use, shown: &Path, tree: &Path, through_link: bool) -> Diagnostic {
    let how = if through_link {
        "leads outside"
    } else {
        "is outside"
    };
    Diagnostic::error(
        codes::IMPORT_OUTSIDE_TREE,
        format!(
            "imported file `{}` {how} the policy's folder `{}`",
            shown.display(),
            tree.display()
        ),
        import.span,
    )
    .with_help(
        "imports stay inside the folder of the policy checked; to share files between policies, \
         name a common folder with `--root` (`Policy::load_within` in the library)",
    )
}

fn not_found(import: &ast::Use, shown: &Path, error: &io::Error) -> Diagnostic {
    if let Some(special) = not_regular(error) {
        return Diagnostic::error(
            codes::IMPORT_NOT_REGULAR,
            format!(
                "imported file `{}` is {}, not a regular file",
                shown.display(),
                special.kind
            ),
            import.span,
        )
        .with_help("`use` reads regular files only; name the policy file itself");
    }
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

/// The [`NotRegular`] refusal an error carries, if it is one.
pub fn not_regular(error: &io::Error) -> Option<NotRegular> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<NotRegular>())
        .copied()
}

/// What to do about a policy file that cannot be read.
fn read_help(error: &io::Error) -> &'static str {
    if not_regular(error).is_some() {
        return "name a regular policy file";
    }
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

    #[test]
    fn inside_a_folder() {
        assert!(inside(Path::new("a/b.policy"), Path::new("a")));
        assert!(inside(Path::new("a/../a/b.policy"), Path::new("./a")));
        assert!(!inside(Path::new("a/../b.policy"), Path::new("a")));
        assert!(!inside(Path::new("ab/c.policy"), Path::new("a")));
        assert!(inside(Path::new("b.policy"), Path::new(".")));
        assert!(!inside(Path::new("../b.policy"), Path::new(".")));
        assert!(!inside(Path::new("/etc/passwd"), Path::new(".")));
        assert!(!inside(
            Path::new("/etc/passwd"),
            Path::new("/srv/policies")
        ));
        assert!(!inside(
            Path::new("/srv/policies/../../etc/passwd"),
            Path::new("/srv/policies")
        ));
    }
}
