//! Files that are test code because their parent module declares them under
//! `#[cfg(test)]` (`#[cfg(test)] mod tests;` in `lib.rs` makes `tests.rs` and
//! `tests/mod.rs` test code). A file cannot show this itself, so the parent
//! file is read; answers are remembered for the whole run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use asyncheck::index::ModDecl;

#[derive(Default)]
pub struct TestModules {
    /// Module files' test-ness, and each parent file's test declarations.
    known: Mutex<HashMap<PathBuf, bool>>,
    declarations: Mutex<HashMap<PathBuf, Vec<String>>>,
}

/// Parent chains are short; this bounds a pathological folder tree.
const MAX_DEPTH: usize = 32;

impl TestModules {
    /// Whether the module file at `path` is declared only for tests by its
    /// parent module, or lies inside such a module.
    pub fn is_test_module(&self, path: &Path) -> bool {
        self.lookup(path, MAX_DEPTH)
    }

    fn lookup(&self, path: &Path, depth: usize) -> bool {
        if depth == 0 {
            return false;
        }
        if let Some(known) = self.known.lock().ok().and_then(|k| k.get(path).copied()) {
            return known;
        }
        let answer = self.compute(path, depth);
        if let Ok(mut known) = self.known.lock() {
            known.insert(path.to_path_buf(), answer);
        }
        answer
    }

    fn compute(&self, path: &Path, depth: usize) -> bool {
        let Some((name, parents)) = module_parents(path) else {
            return false;
        };
        parents.iter().filter(|p| p.is_file()).any(|parent| {
            self.declared_for_tests(parent).contains(&name) || self.lookup(parent, depth - 1)
        })
    }

    /// What a file of this run declares for tests, from its summary: that
    /// file is then not read again.
    pub fn record(&self, path: &Path, mods: &[ModDecl]) {
        let for_tests = || mods.iter().filter(|m| m.for_tests && m.within.is_empty());
        let names = for_tests()
            .filter(|m| m.path.is_none())
            .map(|m| m.name.clone())
            .collect();
        if let Ok(mut declarations) = self.declarations.lock() {
            declarations.insert(path.to_path_buf(), names);
        }
        // `#[cfg(test)] #[path = "write_tests.rs"] mod tests;`: the file is
        // named by the declaration, relative to the declaring file's folder.
        let folder = path.parent().unwrap_or(Path::new(""));
        let placed: Vec<PathBuf> = for_tests()
            .filter_map(|m| Some(folder.join(m.path.as_deref()?)))
            .collect();
        if let Ok(mut known) = self.known.lock() {
            known.extend(placed.into_iter().map(|file| (file, true)));
        }
    }

    fn declared_for_tests(&self, parent: &Path) -> Vec<String> {
        if let Some(found) = self
            .declarations
            .lock()
            .ok()
            .and_then(|d| d.get(parent).cloned())
        {
            return found;
        }
        let found = std::fs::read_to_string(parent)
            .ok()
            .filter(|text| text.contains("mod "))
            .map(|text| asyncheck::syntax::test_module_declarations(&text))
            .unwrap_or_default();
        if let Ok(mut declarations) = self.declarations.lock() {
            declarations.insert(parent.to_path_buf(), found.clone());
        }
        found
    }
}

/// The module name a file defines and the files that may declare it:
/// `a/b.rs` and `a/b/mod.rs` are module `b`, declared by `a.rs`, `a/mod.rs`,
/// `a/lib.rs` or `a/main.rs`. Crate roots have no parent.
fn module_parents(path: &Path) -> Option<(String, Vec<PathBuf>)> {
    let stem = path.file_stem()?.to_str()?;
    let (name, folder) = if stem == "mod" {
        let folder = path.parent()?;
        (folder.file_name()?.to_str()?.to_owned(), folder.parent()?)
    } else {
        (stem.to_owned(), path.parent()?)
    };
    if matches!(name.as_str(), "lib" | "main") {
        return None;
    }
    let mut parents: Vec<PathBuf> = ["mod.rs", "lib.rs", "main.rs"]
        .iter()
        .map(|file| folder.join(file))
        .filter(|candidate| candidate != path)
        .collect();
    if let (Some(up), Some(folder_name)) = (folder.parent(), folder.file_name()) {
        let mut sibling = folder_name.to_os_string();
        sibling.push(".rs");
        parents.push(up.join(sibling));
    }
    Some((name, parents))
}
