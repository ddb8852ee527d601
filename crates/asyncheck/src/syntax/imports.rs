//! What the names of a file stand for, from its `use` and `extern crate`
//! declarations.
//!
//! Scoping is flattened to the file: a `use` inside a function counts for the
//! whole file. That is what lets `use tokio::sync::mpsc as chan;` in one
//! function resolve there, and its cost (a name imported differently in two
//! functions of the same file) is rare in practice.

use std::collections::{HashMap, HashSet};

use crate::index::CrateIndex;
use ra_ap_syntax::{
    ast::{self, HasName},
    AstNode,
};

#[derive(Debug, Default)]
pub struct Imports {
    /// Local name to the full path it imports (`chan` -> `tokio::sync::mpsc`).
    aliases: HashMap<String, String>,
    /// Paths imported with `::*`.
    globs: Vec<String>,
    /// Functions, types and modules the file defines itself: a glob import
    /// never reaches past them.
    local_items: HashSet<String>,
    /// What the file's crate knows: names defined in its other files.
    crate_index: CrateIndex,
}

impl Imports {
    /// The facts of the crate this file belongs to.
    pub fn crate_index(&self) -> &CrateIndex {
        &self.crate_index
    }

    pub(crate) fn set_crate_index(&mut self, index: CrateIndex) {
        self.crate_index = index;
    }

    pub(crate) fn record_use(&mut self, item: &ast::Use) {
        if let Some(tree) = item.use_tree() {
            self.record_tree(&tree, "");
        }
    }

    pub(crate) fn record_extern_crate(&mut self, item: &ast::ExternCrate) {
        let Some(name) = item.name_ref() else { return };
        let name = name.text().to_string();
        let local = item
            .rename()
            .and_then(|r| r.name())
            .map(|n| n.text().to_string())
            .unwrap_or_else(|| name.clone());
        self.aliases.insert(local, name);
    }

    /// The local names imported for paths that `wanted` accepts
    /// (`use tokio::spawn as go;` gives `go` for spawn functions).
    pub fn local_names_for(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.aliases
            .iter()
            .filter(|(_, target)| wanted(target))
            .map(|(local, _)| local.clone())
            .collect()
    }

    /// Whether the file defines a function, type, trait or module `name`.
    pub fn defines(&self, name: &str) -> bool {
        self.local_items.contains(name)
    }

    /// The names of the items the file defines itself.
    pub(crate) fn record_items(&mut self, names: Vec<String>) {
        self.local_items.extend(names);
    }

    fn record_tree(&mut self, tree: &ast::UseTree, prefix: &str) {
        let path = tree.path().map(|p| path_text(&p)).unwrap_or_default();
        let full = join(prefix, &path);
        if let Some(list) = tree.use_tree_list() {
            for child in list.use_trees() {
                self.record_tree(&child, &full);
            }
            return;
        }
        if tree.star_token().is_some() {
            // `use super::*` and friends bring in the crate's own names,
            // which reach external APIs only through imports this per-file
            // view already follows.
            let local = ["crate", "self", "super"]
                .iter()
                .any(|root| full == *root || full.starts_with(&format!("{root}::")));
            if !local {
                self.globs.push(full);
            }
            return;
        }
        // `use a::b::{self}` imports `b`.
        let full = full
            .strip_suffix("::self")
            .map(str::to_owned)
            .unwrap_or(full);
        let local = match tree.rename() {
            Some(rename) => match rename.name() {
                Some(name) => name.text().to_string(),
                None => return, // `as _`: nothing is named
            },
            None => full.rsplit("::").next().unwrap_or(&full).to_owned(),
        };
        if !local.is_empty() && local != "self" {
            self.aliases.insert(local, full);
        }
    }

    /// The full paths `path` may stand for, most likely first: an imported
    /// name is replaced by what it imports; an unimported first name is
    /// tried as written (unless it is alone) and against each glob import;
    /// names of the file's own items and paths through `crate`, `self` or
    /// `super` stand for nothing external.
    pub fn candidates(&self, path: &ast::Path) -> Vec<String> {
        let segments = segments(path);
        let Some((first, rest)) = segments.split_first() else {
            return Vec::new();
        };
        if matches!(first.as_str(), "crate" | "self" | "super" | "Self") {
            return Vec::new();
        }
        if let Some(target) = self.aliases.get(first) {
            return vec![join_all(target, rest)];
        }
        let written = segments.join("::");
        let mut candidates = Vec::new();
        if !rest.is_empty() {
            candidates.push(written.clone());
        }
        if self.local_items.contains(first) {
            return candidates;
        }
        // A glob may also bring in the first segment of a longer path
        // (`use std::fs::*; File::open(..)`).
        candidates.extend(self.globs.iter().map(|glob| join(glob, &written)));
        candidates
    }

    /// Which of `known` (full paths) `path` stands for.
    pub fn resolve<'k>(&self, path: &ast::Path, known: &[&'k str]) -> Option<&'k str> {
        // Most calls are to none of `known`: compare last segments first, so
        // that only likely matches pay for building candidate paths.
        let last = path.segment()?.name_ref()?;
        let last = last.text();
        let last: &str = last;
        let last = match (path.qualifier(), self.aliases.get(last)) {
            (None, Some(target)) => target.rsplit("::").next().unwrap_or(target),
            _ => last,
        };
        if !known.iter().any(|k| ends_with_segment(k, last)) {
            return None;
        }
        self.candidates(path)
            .iter()
            .find_map(|c| known.iter().find(|k| **k == c).copied())
    }

    /// Whether `path` is the bare name `name` of the standard prelude
    /// (`drop`, `Box`, ...), neither imported nor defined by the file.
    pub fn is_prelude(&self, path: &ast::Path, name: &str) -> bool {
        segments(path).as_slice() == [name]
            && !self.aliases.contains_key(name)
            && !self.local_items.contains(name)
    }

    /// Whether `path` stands for something under the module `module`
    /// (`tokio::sync::mpsc`), and which item of it.
    pub fn item_of(&self, path: &ast::Path, module: &str) -> Option<String> {
        self.candidates(path).into_iter().find_map(|c| {
            c.strip_prefix(module)
                .and_then(|rest| rest.strip_prefix("::"))
                .filter(|rest| !rest.contains("::"))
                .map(str::to_owned)
        })
    }
}

/// Whether the path `full` ends with the segment `last`.
fn ends_with_segment(full: &str, last: &str) -> bool {
    full.strip_suffix(last)
        .is_some_and(|head| head.is_empty() || head.ends_with("::"))
}

/// The names of a path's segments, without generic arguments or a leading `::`.
pub fn segments(path: &ast::Path) -> Vec<String> {
    path.segments()
        .map(|segment| {
            segment
                .name_ref()
                .map(|n| n.text().to_string())
                .unwrap_or_else(|| segment.syntax().text().to_string())
        })
        .collect()
}

fn path_text(path: &ast::Path) -> String {
    segments(path).join("::")
}

fn join(prefix: &str, name: &str) -> String {
    match (prefix.is_empty(), name.is_empty()) {
        (true, _) => name.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => {
            let mut joined = String::with_capacity(prefix.len() + 2 + name.len());
            joined.push_str(prefix);
            joined.push_str("::");
            joined.push_str(name);
            joined
        }
    }
}

fn join_all(prefix: &str, rest: &[String]) -> String {
    rest.iter().fold(prefix.to_owned(), |acc, s| join(&acc, s))
}
