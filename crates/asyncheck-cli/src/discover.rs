//! Which files a run checks.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

/// A file to check, with the path it is reported under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// As given on the command line (relative stays relative), `/`-separated.
    pub display: String,
    pub path: PathBuf,
    /// Named on the command line: checked even where config excludes it.
    pub explicit: bool,
}

/// A path the walk could not enter, reported as an `io-error`.
#[derive(Debug)]
pub struct Unreadable {
    pub display: String,
    pub message: String,
}

/// The `.rs` files under each path: `.gitignore` respected, `target/` and
/// hidden folders skipped; a file named explicitly is always checked.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<Unreadable>) {
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for root in paths {
        if !root.is_dir() {
            inputs.push(input(root.clone(), true));
            continue;
        }
        let walker = WalkBuilder::new(root)
            .hidden(true)
            .require_git(false)
            .filter_entry(|entry| {
                !(entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && entry.file_name() == "target")
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && entry.path().extension().is_some_and(|e| e == "rs") {
                        inputs.push(input(entry.into_path(), false));
                    }
                }
                Err(error) => unreadable.push(Unreadable {
                    display: error_path(&error)
                        .map(display_path)
                        .unwrap_or_else(|| display_path(root)),
                    message: error.to_string(),
                }),
            }
        }
    }
    inputs.sort_by(|a, b| a.display.cmp(&b.display).then(b.explicit.cmp(&a.explicit)));
    inputs.dedup_by(|a, b| a.display == b.display);
    (inputs, unreadable)
}

fn input(path: PathBuf, explicit: bool) -> Input {
    Input {
        display: display_path(&path),
        path,
        explicit,
    }
}

/// `./src/main.rs` is shown as `src/main.rs`, with `/` separators everywhere.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => text,
    }
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// A folder as a run names it: relative to `base` (`.` for `base` itself)
/// when it is inside, else as it is.
pub fn relative_folder(dir: PathBuf, base: &Path) -> PathBuf {
    match dir.strip_prefix(base) {
        Ok(inside) if inside.as_os_str().is_empty() => PathBuf::from("."),
        Ok(inside) => inside.to_path_buf(),
        Err(_) => dir,
    }
}
