//! Walking folders: the one rule by which `check`, `fmt`, `eval` and `test` find files.
//!
//! A folder's entries are read in name order. A subfolder is entered only when it is a real folder,
//! not a symbolic link to one: a link can lead back up the tree (a loop that would never end) or
//! out of it, and a folder reached by two routes would be read twice. A symbolic link to a file is
//! read like the file (a command that reads or writes the files of a folder checks that the link
//! stays inside it: [`stays_inside`]); a special file (a named pipe, a device) and a link that leads
//! nowhere are listed, for their reader to refuse. Each folder is read once, by its canonical path, and the walk keeps its own
//! list of folders to visit rather than recursing, so no depth of folders exhausts the stack.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a walk found: folders and files, each sorted by path (component by component, so a
/// folder's files come before those of a later sibling folder).
#[derive(Debug, Default)]
pub struct Walk {
    /// Every folder read, the root first when it sorts first (it always does).
    pub folders: Vec<PathBuf>,
    /// Every file (or link to a file) in those folders that `keep` accepted.
    pub files: Vec<PathBuf>,
}

/// Walks the folder `root`: enters the real subfolders that `enter` accepts, and lists the files
/// that `keep` accepts. An error names the folder that could not be read.
pub fn walk(
    root: &Path,
    enter: &dyn Fn(&Path) -> bool,
    keep: &dyn Fn(&Path) -> bool,
) -> Result<Walk, String> {
    let mut found = Walk::default();
    let mut seen = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let canonical = std::fs::canonicalize(&folder).unwrap_or_else(|_| folder.clone());
        if !seen.insert(canonical) {
            continue;
        }
        let cannot = |e: std::io::Error| format!("cannot read `{}`: {e}", folder.display());
        let entries: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(cannot)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(cannot)?;
        for path in entries {
            let is_real_folder = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
            if is_real_folder {
                if enter(&path) {
                    pending.push(path);
                }
            } else if (!path.is_dir() || !path.exists()) && keep(&path) {
                // Regular files, special ones (a named pipe, a device) and links that lead nowhere,
                // so that the reader refuses them by name rather than skipping them unseen.
                found.files.push(path);
            }
        }
        found.folders.push(folder);
    }
    found.folders.sort();
    found.files.sort();
    Ok(found)
}

/// Whether `path`, its symbolic links resolved, is inside `folder` (resolved too): what a file
/// found in a folder must be to be read or written as part of it. A link from the folder to a file
/// elsewhere is not.
pub fn stays_inside(path: &Path, folder: &Path) -> bool {
    match (std::fs::canonicalize(path), std::fs::canonicalize(folder)) {
        (Ok(path), Ok(folder)) => path.starts_with(folder),
        _ => false,
    }
}

/// Every file under the folder `root` that `keep` accepts, sorted.
pub fn files(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<Vec<PathBuf>, String> {
    Ok(walk(root, &|_| true, keep)?.files)
}
