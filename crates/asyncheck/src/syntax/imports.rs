//! What the names of a file stand for, from its `use` and `extern crate`
//! declarations.
//!
//! Scoping is by inline module, and flattened inside one: a `use` inside a
//! function counts for its whole module. That is what lets `use
//! tokio::sync::mpsc as chan;` in one function resolve there, and its cost (a
//! name imported differently in two functions of the same module) is rare in
//! practice. A `use` inside `mod net { .. }` counts only there, and makes
//! `net::Client` mean what it imports.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use std::cell::OnceCell;

use super::{descendants_of_kind, path_last_name, ItemTypes};
use crate::index::CrateIndex;
use ra_ap_syntax::{
    ast::{self, HasName},
    AstNode, SyntaxKind, SyntaxNode, TextRange,
};

#[derive(Debug, Default)]
pub struct Imports {
    /// Local name to the full path it imports (`chan` -> `tokio::sync::mpsc`),
    /// at the file's level.
    aliases: HashMap<String, String>,
    /// Paths imported with `::*` at the file's level.
    globs: Vec<String>,
    /// Imports made inside inline modules, with the module they are made in
    /// (`a::b`): in scope only there and below.
    scoped: Vec<(String, UseEntry)>,
    /// The local names `scoped` imports: most names are in none, and need
    /// no walk to the inline modules around their path.
    scoped_names: HashSet<String>,
    /// The crate's own modules glob-imported at the file's module level
    /// (`use crate::prelude::*;`), as written: what they re-export is
    /// known from the crate index.
    crate_globs: Vec<String>,
    /// Functions, types and modules the file defines itself: a glob import
    /// never reaches past them.
    local_items: HashSet<String>,
    /// The inline modules each of them is defined in (empty at the file's
    /// level): a glob import of the file's level reaches past one defined
    /// only in an inline module it is not in.
    item_modules: HashMap<String, Vec<String>>,
    /// Items defined in a block (a function's body), by name: the blocks
    /// they are in scope in. They shadow imports and globs there only.
    block_items: HashMap<String, Vec<TextRange>>,
    /// Imports of a name made in a block, with the block: in scope only
    /// there.
    block_uses: Vec<(TextRange, UseEntry)>,
    /// Glob imports made in a block, with the block (kept apart: every
    /// unresolved name asks for them, and most files have none).
    block_globs: Vec<(TextRange, String)>,
    /// The names `block_items` and `block_uses` bring in.
    block_names: HashSet<String>,
    /// What the file's crate knows: names defined in its other files.
    crate_index: CrateIndex,
    /// The known types of the file's fields and statics, found on first
    /// ask (they depend on these imports and on the crate index).
    items: OnceCell<ItemTypes>,
}

impl Imports {
    /// The facts of the crate this file belongs to.
    pub fn crate_index(&self) -> &CrateIndex {
        &self.crate_index
    }

    pub(crate) fn set_crate_index(&mut self, index: CrateIndex) {
        self.crate_index = index;
        self.items = OnceCell::new();
    }

    /// The known types of the fields and statics of the file whose tree
    /// `node` is in (the file these imports are of), walked once per file.
    pub fn file_items(&self, node: &SyntaxNode) -> &ItemTypes {
        self.items.get_or_init(|| {
            let mut items = ItemTypes::default();
            if let Some(root) = node.ancestors().last() {
                let kinds = [
                    SyntaxKind::RECORD_FIELD,
                    SyntaxKind::STATIC,
                    SyntaxKind::CONST,
                ];
                for node in descendants_of_kind(&root, &kinds) {
                    items.record(&node, self);
                }
            }
            items
        })
    }

    pub(crate) fn record_use(&mut self, item: &ast::Use) {
        if let Some(block) = enclosing_block(item.syntax()) {
            for entry in use_entries(item) {
                match &entry.local {
                    Some(local) => {
                        self.block_names.insert(local.clone());
                        self.block_uses.push((block, entry));
                    }
                    None => self.block_globs.push((block, entry.path)),
                }
            }
            return;
        }
        let module = inline_modules_around(item.syntax());
        if !module.is_empty() {
            // `use super::*` and friends inside an inline module (`mod tests
            // { use super::*; }`) bring in mostly the file's own names,
            // already in these imports.
            for entry in use_entries(item) {
                if entry.local.is_none() && is_crate_relative(&entry.path) {
                    continue;
                }
                self.scoped_names.extend(entry.local.clone());
                self.scoped.push((module.join("::"), entry));
            }
            return;
        }
        for entry in use_entries(item) {
            match entry.local {
                Some(local) => {
                    self.aliases.insert(local, entry.path);
                }
                None if !is_crate_relative(&entry.path) => self.globs.push(entry.path),
                // `use super::*` and friends bring in the crate's own names,
                // which reach external APIs through the crate index.
                None => self.crate_globs.push(entry.path),
            }
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

    /// Once every import is recorded: `use` paths that start with a crate
    /// renamed by `extern crate x as y;` (`use y::Client;`) stand for `x`'s.
    pub(crate) fn apply_extern_renames(&mut self, items: &[ast::ExternCrate]) {
        let renames: HashMap<String, String> = items
            .iter()
            .filter_map(|item| {
                let local = item.rename()?.name()?.text().to_string();
                Some((local, item.name_ref()?.text().to_string()))
            })
            .collect();
        if renames.is_empty() {
            return;
        }
        let rewrite = |path: &mut String| {
            let (first, rest) = path.split_once("::").unwrap_or((path.as_str(), ""));
            if let Some(name) = renames.get(first) {
                *path = if rest.is_empty() {
                    name.clone()
                } else {
                    format!("{name}::{rest}")
                };
            }
        };
        for (local, target) in self.aliases.iter_mut() {
            if !renames.contains_key(local) {
                rewrite(target);
            }
        }
        self.globs.iter_mut().for_each(rewrite);
        let scoped = self.scoped.iter_mut().map(|(_, entry)| entry);
        for entry in scoped.chain(self.block_uses.iter_mut().map(|(_, entry)| entry)) {
            rewrite(&mut entry.path);
        }
        self.block_globs
            .iter_mut()
            .for_each(|(_, path)| rewrite(path));
    }

    /// The local names imported for paths that `wanted` accepts
    /// (`use tokio::spawn as go;` gives `go` for spawn functions).
    pub fn local_names_for(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let scoped = self
            .narrower_uses()
            .filter_map(|entry| Some((entry.local.as_ref()?, &entry.path)));
        self.aliases
            .iter()
            .chain(scoped)
            .filter(|(_, target)| wanted(target))
            .map(|(local, _)| local.clone())
            .collect()
    }

    /// What the imported name `name` stands for at `at`: the import of the
    /// innermost inline module around it that imports the name, else the
    /// file's, unless that module defines an item of the name itself.
    fn alias_at(&self, name: &str, at: &SyntaxNode) -> Option<&String> {
        if self.block_names.contains(name) {
            let range = at.text_range();
            let items = self
                .block_items
                .get(name)
                .into_iter()
                .flatten()
                .map(|block| (*block, None));
            let uses = self
                .block_uses
                .iter()
                .filter(|(_, entry)| entry.local.as_deref() == Some(name))
                .map(|(block, entry)| (*block, Some(&entry.path)));
            // The innermost block around `at` that defines or imports it.
            let innermost = items
                .chain(uses)
                .filter(|(block, _)| block.contains_range(range))
                .min_by_key(|(block, _)| block.len());
            if let Some((_, found)) = innermost {
                return found;
            }
        }
        let file_level = self.aliases.get(name);
        let defined_inline = || {
            self.item_modules
                .get(name)
                .is_some_and(|modules| modules.iter().any(|m| !m.is_empty()))
        };
        if !self.scoped_names.contains(name) && (file_level.is_none() || !defined_inline()) {
            return file_level;
        }
        let module = inline_modules_around(at).join("::");
        let scoped = self
            .scoped
            .iter()
            .filter(|(at, entry)| entry.local.as_deref() == Some(name) && within(&module, at))
            .max_by_key(|(at, _)| at.len());
        if let Some((_, entry)) = scoped {
            return Some(&entry.path);
        }
        let shadowed = self.item_modules.get(name).is_some_and(|modules| {
            modules
                .iter()
                .any(|at| !at.is_empty() && within(&module, at))
        });
        file_level.filter(|_| !shadowed)
    }

    /// The glob imports in scope at `at`: the file's and those of the
    /// inline modules around it.
    fn globs_at(&self, at: &SyntaxNode) -> Vec<&String> {
        let mut globs: Vec<&String> = self.globs.iter().collect();
        let range = at.text_range();
        globs.extend(
            self.block_globs(range)
                .filter(|path| !is_crate_relative(path)),
        );
        if self.scoped.iter().any(|(_, entry)| entry.local.is_none()) {
            let module = inline_modules_around(at).join("::");
            globs.extend(
                self.scoped
                    .iter()
                    .filter(|(at, entry)| entry.local.is_none() && within(&module, at))
                    .map(|(_, entry)| &entry.path),
            );
        }
        globs
    }

    /// The glob imports of blocks around `path` that the file's own items
    /// named `name` do not hide: a block's glob is searched before the
    /// items of the file (or of an outer block), not before those of its
    /// own block or an inner one. Asked for a bare name only: the first
    /// segment of a longer path (`rt::go`) is the file's module, which a
    /// glob of functions seldom shadows.
    fn globs_nearer_than_items(&self, name: &str, path: &ast::Path) -> Vec<&String> {
        let range = path.syntax().text_range();
        let item_block = self
            .block_items
            .get(name)
            .into_iter()
            .flatten()
            .filter(|block| block.contains_range(range))
            .min_by_key(|block| block.len());
        self.block_globs
            .iter()
            .filter(|(block, _)| {
                block.contains_range(range)
                    && item_block.is_none_or(|item| !block.contains_range(*item))
            })
            .map(|(_, path)| path)
            .collect()
    }

    /// The glob imports of the blocks around `range`.
    fn block_globs(&self, range: TextRange) -> impl Iterator<Item = &String> {
        self.block_globs
            .iter()
            .filter(move |(block, _)| block.contains_range(range))
            .map(|(_, path)| path)
    }

    /// The crate's own modules glob-imported where `at` is: at the file's
    /// level or in a block around it (`use crate::prelude::*;`).
    fn crate_globs_at(&self, at: &SyntaxNode) -> Vec<&String> {
        let mut globs: Vec<&String> = self.crate_globs.iter().collect();
        globs.extend(
            self.block_globs(at.text_range())
                .filter(|p| is_crate_relative(p)),
        );
        globs
    }

    /// Where `segments` lead through an inline module of the file that
    /// imports or glob-imports their second one (`net::Client::new` with
    /// `mod net { pub use reqwest::Client; }`), from the module around
    /// `path`; a leading `self::` (or `crate::` in a file checked alone, its
    /// own crate root) counts from there.
    fn through_inline_module(&self, path: &ast::Path, segments: &[String]) -> Option<String> {
        if self.scoped.is_empty() {
            return None;
        }
        let segments = match segments.split_first() {
            Some((first, rest))
                if first == "self" || (first == "crate" && self.crate_index.module.is_empty()) =>
            {
                rest
            }
            _ => segments,
        };
        let [module_name, name, rest @ ..] = segments else {
            return None;
        };
        let around = inline_modules_around(path.syntax()).join("::");
        let module = if around.is_empty() {
            module_name.clone()
        } else {
            join(&around, module_name)
        };
        self.scoped.iter().find_map(|(at, entry)| {
            if *at != module {
                return None;
            }
            match &entry.local {
                Some(local) if local == name => Some(join_all(&entry.path, rest)),
                Some(_) => None,
                None => Some(join_all(&join(&entry.path, name), rest)),
            }
        })
    }

    /// The name an imported item has where it is defined (`Store` for the
    /// local `S2` of `use crate::storage::Store as S2;`), or `local` itself.
    pub fn original_name<'a>(&'a self, local: &'a str) -> &'a str {
        let scoped = || self.narrower_import(local);
        self.aliases
            .get(local)
            .or_else(scoped)
            .and_then(|target| target.rsplit("::").next())
            .unwrap_or(local)
    }

    /// The imports made inside inline modules and blocks, wherever they are.
    fn narrower_uses(&self) -> impl Iterator<Item = &UseEntry> {
        let blocks = self.block_uses.iter().map(|(_, entry)| entry);
        self.scoped.iter().map(|(_, entry)| entry).chain(blocks)
    }

    /// What the first of [`Self::narrower_uses`] that imports `local` imports.
    fn narrower_import(&self, local: &str) -> Option<&String> {
        self.narrower_uses()
            .find(|entry| entry.local.as_deref() == Some(local))
            .map(|entry| &entry.path)
    }

    /// Whether the file defines a function, type, trait or module `name`.
    pub fn defines(&self, name: &str) -> bool {
        self.local_items.contains(name)
    }

    /// Whether a path whose first segment is `first` starts in the crate:
    /// `crate::`, `self::`, `super::`, a module the file declares, or a name
    /// imported from the crate (`use crate::helpers;`).
    pub fn starts_in_crate(&self, first: &str) -> bool {
        is_crate_relative(first)
            || self.local_items.contains(first)
            || self
                .aliases
                .get(first)
                .into_iter()
                .chain(
                    self.narrower_uses()
                        .filter(|entry| entry.local.as_deref() == Some(first))
                        .map(|entry| &entry.path),
                )
                .any(|target| is_crate_relative(target) || self.crate_index.is_own(target))
    }

    /// The names of the items the file defines itself, with the inline
    /// modules each is in.
    pub(crate) fn record_items(
        &mut self,
        names: Vec<(String, String)>,
        in_blocks: Vec<(String, TextRange)>,
    ) {
        for (name, within) in names {
            self.local_items.insert(name.clone());
            self.item_modules.entry(name).or_default().push(within);
        }
        for (name, block) in in_blocks {
            self.local_items.insert(name.clone());
            self.block_names.insert(name.clone());
            self.block_items.entry(name).or_default().push(block);
        }
    }

    /// Whether the file's own item `name` is in scope at `path`: defined at
    /// the file's level (or in a function body), or in the inline module
    /// the path is in.
    fn defined_around(&self, name: &str, path: &ast::Path) -> bool {
        let range = path.syntax().text_range();
        let in_block = || {
            self.block_items
                .get(name)
                .is_some_and(|blocks| blocks.iter().any(|b| b.contains_range(range)))
        };
        let Some(modules) = self.item_modules.get(name) else {
            return in_block();
        };
        modules.iter().any(String::is_empty)
            || modules.contains(&inline_modules_around(path.syntax()).join("::"))
            || in_block()
    }

    /// The full paths `path` may stand for, most likely first: a path into
    /// the crate's own modules is followed through them when their tree is
    /// known; an imported name is replaced by what it imports; an
    /// unimported first name is tried as written (unless it is alone) and
    /// against each glob import.
    pub fn candidates(&self, path: &ast::Path) -> Vec<String> {
        let segments = segments(path);
        let Some((first, rest)) = segments.split_first() else {
            return Vec::new();
        };
        if let Some(full) = self.through_crate(path, &segments) {
            return vec![full];
        }
        if first == "Self" {
            return Vec::new();
        }
        if let Some(found) = self.through_inline_module(path, &segments) {
            return vec![found];
        }
        // Left as written for the crate index to place (summaries are made
        // before the module tree is known).
        if is_crate_relative(first) {
            return vec![segments.join("::")];
        }
        if let Some(target) = self.alias_at(first, path.syntax()) {
            return vec![join_all(target, rest)];
        }
        let written = segments.join("::");
        let mut candidates = Vec::new();
        if !rest.is_empty() {
            candidates.push(written.clone());
        }
        if self.defined_around(first, path) {
            if !rest.is_empty() {
                return candidates;
            }
            let (own, external): (Vec<&String>, Vec<&String>) = self
                .globs_nearer_than_items(first, path)
                .into_iter()
                .partition(|glob| is_crate_relative(glob));
            candidates.extend(external.iter().map(|glob| join(glob, &written)));
            candidates.extend(self.through_crate_glob_list(own, &written));
            return candidates;
        }
        // A glob may also bring in the first segment of a longer path
        // (`use std::fs::*; File::open(..)`).
        candidates.extend(
            self.globs_at(path.syntax())
                .iter()
                .map(|glob| join(glob, &written)),
        );
        candidates.extend(self.through_crate_globs(&written, path.syntax()));
        candidates
    }

    /// The external paths `written` reaches through the file's glob imports
    /// of the crate's own modules, after their re-exports (`use
    /// crate::prelude::*;` where the prelude has `pub use tokio::task::*;`).
    fn through_crate_globs(&self, written: &str, at: &SyntaxNode) -> Vec<String> {
        self.through_crate_glob_list(self.crate_globs_at(at), written)
    }

    fn through_crate_glob_list(&self, crate_globs: Vec<&String>, written: &str) -> Vec<String> {
        self.reached_through_crate_globs(crate_globs, written)
            .into_iter()
            .filter(|found| !self.crate_index.is_own(found))
            .collect()
    }

    /// Every path `written` reaches through the crate's own modules
    /// glob-imported in `crate_globs`, the crate's own items included.
    fn reached_through_crate_globs(&self, crate_globs: Vec<&String>, written: &str) -> Vec<String> {
        let index = &self.crate_index;
        if crate_globs.is_empty() || index.module.is_empty() {
            return Vec::new();
        }
        let krate = index.module.split("::").next().unwrap_or(&index.module);
        crate_globs
            .into_iter()
            .flat_map(|glob| {
                let module = crate::index::absolute(glob, &index.module, krate);
                index.resolve_in_module(&module, written)
            })
            .collect()
    }

    /// The crate's own item that the bare name `name`, used at `at`, is
    /// through a glob import of one of the crate's modules (maybe renamed
    /// there: `pub use crate::config::read_cfg as cfg;` in a prelude).
    pub fn own_through_crate_globs(&self, name: &str, at: &SyntaxNode) -> Option<String> {
        self.reached_through_crate_globs(self.crate_globs_at(at), name)
            .into_iter()
            .find(|found| self.crate_index.is_own(found))
    }

    /// Where a path into the crate's own modules leads, after its imports
    /// and re-exports (`crate::sync::Mutex` to `parking_lot::Mutex`, a
    /// workspace member's `other::run` to `other::worker::run`): `None` for
    /// a path that does not start in the crate, or when the crate's module
    /// tree is not known.
    pub fn through_crate(&self, path: &ast::Path, segments: &[String]) -> Option<String> {
        let index = &self.crate_index;
        if index.module.is_empty() {
            return None;
        }
        let (first, rest) = segments.split_first()?;
        let imported = self.alias_at(first, path.syntax());
        let written = match imported {
            Some(target) => join_all(target, rest),
            None => segments.join("::"),
        };
        let krate = index.module.split("::").next().unwrap_or(&index.module);
        let full = if is_crate_relative(&written) {
            // `self::`/`super::` count from the inline module the path is in.
            let mut module = index.module.clone();
            if imported.is_none() && first != "crate" {
                for inline in inline_modules_around(path.syntax()) {
                    module = join(&module, &inline);
                }
            }
            crate::index::absolute(&written, &module, krate)
        } else if imported.is_none()
            && self.defined_around(first, path)
            && (!rest.is_empty() || self.globs_nearer_than_items(first, path).is_empty())
        {
            join(&index.module, &written)
        } else if index.is_own(&written) {
            written
        } else {
            imported.and_then(|_| index.module_relative(&index.module, &written))?
        };
        Some(index.resolve_path(&full))
    }

    /// Which of `known` (full paths) `path` stands for.
    pub fn resolve<'k>(&self, path: &ast::Path, known: &[&'k str]) -> Option<&'k str> {
        // Most calls are to none of `known`: compare last segments first, so
        // that only likely matches pay for building candidate paths.
        if !self.with_last_segment(path, |last| {
            known.iter().any(|k| ends_with_segment(k, last))
        })? {
            return None;
        }
        self.candidates(path)
            .iter()
            .find_map(|c| known.iter().find(|k| **k == c).copied())
    }

    /// `test` of the last segment of every path `candidates` gives for
    /// `path` (what a renaming import or re-export of its name stands
    /// for): a cheap test that rules out most paths before candidates are
    /// built.
    pub fn with_last_segment<R>(
        &self,
        path: &ast::Path,
        test: impl FnOnce(&str) -> R,
    ) -> Option<R> {
        let (qualified, last) = path_last_name(path)?;
        // `crate::rt::go` where the module has `pub use tokio::spawn as go;`.
        if qualified && self.crate_index.renames_external(last) {
            if let Some(through_crate) = self.through_crate(path, &segments(path)) {
                return Some(test(
                    through_crate.rsplit("::").next().unwrap_or(&through_crate),
                ));
            }
        }
        // `net::go` where `mod net { pub use tokio::spawn as go; }`.
        if qualified && self.scoped_names.contains(last) {
            if let Some(found) = self.through_inline_module(path, &segments(path)) {
                return Some(test(found.rsplit("::").next().unwrap_or(&found)));
            }
        }
        let found = match self.alias_at(last, path.syntax()).filter(|_| !qualified) {
            // A re-export may rename what it exports.
            Some(target) if is_crate_relative(target) || self.crate_index.is_own(target) => {
                let through_crate = self.through_crate(path, &[last.to_owned()]);
                let found = through_crate.as_deref().unwrap_or(target);
                return Some(test(found.rsplit("::").next().unwrap_or(found)));
            }
            Some(target) => target.rsplit("::").next().unwrap_or(target),
            None => last,
        };
        Some(test(found))
    }

    /// Whether the bare name `name`, used at `at`, is an enum variant the
    /// file imports: by name from a type (`use Shape::Circle;`), or through
    /// a glob of a type (`use Command::*;`) when the file defines no item of
    /// that name.
    pub fn imports_variant(&self, name: &str, at: &SyntaxNode) -> bool {
        let of_type = |path: &str| {
            path.rsplit("::")
                .next()
                .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
        };
        if !of_type(name) {
            return false;
        }
        if let Some(target) = self.alias_at(name, at) {
            return target
                .rsplit_once("::")
                .is_some_and(|(owner, _)| of_type(owner));
        }
        !self.local_items.contains(name)
            && (self.globs_at(at).iter().any(|glob| of_type(glob))
                || self
                    .crate_globs_at(at)
                    .into_iter()
                    .any(|glob| of_type(glob)))
    }

    /// Whether `path` is the bare name `name` of the standard prelude
    /// (`drop`, `Box`, ...), neither imported nor defined by the file.
    pub fn is_prelude(&self, path: &ast::Path, name: &str) -> bool {
        segments(path).as_slice() == [name]
            && self.alias_at(name, path.syntax()).is_none()
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

/// What one `use` item brings in: a local name (`None` for a glob) and the
/// full path, as written, that it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct UseEntry {
    pub local: Option<String>,
    pub path: String,
}

/// The names a `use` item imports (`use a::{b, c as d, e::*}` gives `b`,
/// `d` and a glob of `a::e`); `as _` names nothing.
pub fn use_entries(item: &ast::Use) -> Vec<UseEntry> {
    let mut entries = Vec::new();
    let mut pending: Vec<(ast::UseTree, String)> = item
        .use_tree()
        .map(|t| (t, String::new()))
        .into_iter()
        .collect();
    while let Some((tree, prefix)) = pending.pop() {
        let path = tree.path().map(|p| path_text(&p)).unwrap_or_default();
        let full = join(&prefix, &path);
        if let Some(list) = tree.use_tree_list() {
            pending.extend(list.use_trees().map(|child| (child, full.clone())));
            continue;
        }
        if tree.star_token().is_some() {
            entries.push(UseEntry {
                local: None,
                path: full,
            });
            continue;
        }
        // `use a::b::{self}` imports `b`.
        let full = full
            .strip_suffix("::self")
            .map(str::to_owned)
            .unwrap_or(full);
        let local = match tree.rename() {
            Some(rename) => match rename.name() {
                Some(name) => name.text().to_string(),
                None => continue,
            },
            None => full.rsplit("::").next().unwrap_or(&full).to_owned(),
        };
        if !local.is_empty() && local != "self" {
            entries.push(UseEntry {
                local: Some(local),
                path: full,
            });
        }
    }
    entries
}

/// Whether a path starts at the crate itself (`crate::`, `self::`, `super::`).
pub fn is_crate_relative(path: &str) -> bool {
    let first = path.split("::").next().unwrap_or(path);
    matches!(first, "crate" | "self" | "super")
}

/// The statement list of the block `node` is in, below the innermost
/// module: where an item or `use` there is in scope.
fn enclosing_block(node: &SyntaxNode) -> Option<TextRange> {
    node.ancestors()
        .skip(1)
        .take_while(|n| !matches!(n.kind(), SyntaxKind::MODULE | SyntaxKind::SOURCE_FILE))
        .find(|n| n.kind() == SyntaxKind::STMT_LIST)
        .map(|n| n.text_range())
}

/// The names of the inline modules (`mod tests { .. }`) around a node,
/// outermost first.
pub fn inline_modules_around(node: &ra_ap_syntax::SyntaxNode) -> Vec<String> {
    let mut names: Vec<String> = node
        .ancestors()
        .filter_map(ast::Module::cast)
        .filter(|m| m.item_list().is_some())
        .filter_map(|m| m.name().map(|n| n.text().to_string()))
        .collect();
    names.reverse();
    names
}

/// Whether the path `full` ends with the segment `last`.
fn ends_with_segment(full: &str, last: &str) -> bool {
    // Called for every entry of long lists of known paths at every call:
    // the last byte rejects nearly all of them before a comparison.
    let (full_bytes, last_bytes) = (full.as_bytes(), last.as_bytes());
    if full_bytes.len() < last_bytes.len() || full_bytes.last() != last_bytes.last() {
        return false;
    }
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

/// Whether the inline module `module` (`a::b`, empty for the file's level)
/// is `scope` or inside it.
fn within(module: &str, scope: &str) -> bool {
    module == scope
        || module
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with("::"))
}
