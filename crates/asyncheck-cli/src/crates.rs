//! Which crate each checked file belongs to, and what that crate knows
//! (rules.md, "Across files"): the nearest `Cargo.toml` with a `[package]`
//! is the crate, the nearest one above it with a `[workspace]` joins its
//! members, whose facts resolve into each other. Files under no manifest
//! form one crate, the folder that was checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use asyncheck::index::{module_paths, CrateIndex, Facts, FileSummary, Manifest, Workspace};
use asyncheck::Diagnostic;

/// The crates of a run: each file's index, and the manifests that could
/// not be read (each named once).
pub struct Crates {
    /// By the file's position among the inputs.
    indexes: Vec<CrateIndex>,
    /// The folder of the workspace (or lone package) whose facts each file
    /// shares, by the same position.
    groups: Vec<Option<PathBuf>>,
    /// Each file's module and whether it is in a test folder, as placed in
    /// its crate's module tree; by the same position.
    placed: Vec<Option<(String, bool)>>,
    pub broken_manifests: Vec<(String, String, Diagnostic)>,
}

#[derive(Default)]
struct Layout {
    /// Folder to the package folder it belongs to (none above).
    package_of: HashMap<PathBuf, Option<PathBuf>>,
    /// Package folder to its workspace root folder.
    workspace_of: HashMap<PathBuf, Option<PathBuf>>,
}

impl Layout {
    fn package(&mut self, folder: &Path) -> Option<PathBuf> {
        if let Some(found) = self.package_of.get(folder) {
            return found.clone();
        }
        let manifest = folder.join("Cargo.toml");
        let found = if read_manifest(&manifest).is_some_and(|text| text.contains("[package]")) {
            Some(folder.to_path_buf())
        } else {
            folder.parent().and_then(|parent| self.package(parent))
        };
        self.package_of.insert(folder.to_path_buf(), found.clone());
        found
    }

    fn workspace(&mut self, package: &Path) -> Option<PathBuf> {
        if let Some(found) = self.workspace_of.get(package) {
            return found.clone();
        }
        let found = package.ancestors().find_map(|folder| {
            let text = read_manifest(&folder.join("Cargo.toml"))?;
            if !text.contains("[workspace") {
                return None;
            }
            let inside = package.strip_prefix(folder).ok()?;
            is_member(&Workspace::parse(&text)?, inside).then(|| folder.to_path_buf())
        });
        self.workspace_of
            .insert(package.to_path_buf(), found.clone());
        found
    }
}

/// The files of the crates (with their cargo workspaces, as the language
/// server reads them) of the files named on their own among `inputs`, that
/// are not inputs: read for what their crate knows, not checked, so that a
/// file checked alone is checked as part of its crate.
pub fn package_context(
    inputs: &[crate::discover::Input],
    within: Option<&Path>,
) -> Vec<crate::discover::Input> {
    let mut layout = Layout::default();
    let current = std::env::current_dir().unwrap_or_default();
    let mut packages: Vec<PathBuf> = inputs
        .iter()
        .filter(|input| input.explicit)
        .filter_map(|input| {
            let absolute = std::path::absolute(&input.path).ok()?;
            let package = layout.package(absolute.parent()?)?;
            let root = layout.workspace(&package).unwrap_or(package);
            let inside = within.is_none_or(|within| {
                std::path::absolute(within).is_ok_and(|within| root.starts_with(within))
            });
            inside.then_some(root)
        })
        .map(|package| crate::discover::relative_folder(package, &current))
        .collect();
    packages.sort();
    packages.dedup();
    if packages.is_empty() {
        return Vec::new();
    }
    let known: std::collections::HashSet<PathBuf> = inputs
        .iter()
        .filter_map(|input| std::path::absolute(&input.path).ok())
        .collect();
    let (found, _) = crate::discover::discover(&packages);
    found
        .into_iter()
        .filter(|file| std::path::absolute(&file.path).is_ok_and(|path| !known.contains(&path)))
        .collect()
}

/// Whether the package at `inside` (relative to the workspace's root) is a
/// member: any package under the root that its `exclude` list does not
/// leave out (cargo makes the listed ones and the path dependencies members,
/// and refuses to build any other package under a workspace that does not
/// exclude it or declare a workspace of its own).
fn is_member(workspace: &Workspace, inside: &Path) -> bool {
    inside.as_os_str().is_empty() || !workspace.excludes(inside)
}

fn read_manifest(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

impl Crates {
    /// `paths` are the inputs (absolute or relative to the current folder),
    /// `summaries` their summaries in the same order (`None` for a file that
    /// could not be read or parsed).
    pub fn new(
        paths: &[&Path],
        mut summaries: Vec<Option<FileSummary>>,
        display: &dyn Fn(&Path) -> String,
    ) -> Crates {
        let mut layout = Layout::default();
        let absolute: Vec<PathBuf> = paths
            .iter()
            .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
            .collect();
        let packages: Vec<Option<PathBuf>> = absolute
            .iter()
            .map(|path| path.parent().and_then(|folder| layout.package(folder)))
            .collect();

        let mut manifests: HashMap<PathBuf, Manifest> = HashMap::new();
        let mut workspaces: HashMap<PathBuf, Option<Workspace>> = HashMap::new();
        let mut broken_manifests = Vec::new();
        for package in packages.iter().flatten() {
            if manifests.contains_key(package) {
                continue;
            }
            let workspace = layout.workspace(package).and_then(|root| {
                workspaces
                    .entry(root.clone())
                    .or_insert_with(|| {
                        read_manifest(&root.join("Cargo.toml"))
                            .and_then(|text| Workspace::parse(&text))
                    })
                    .as_ref()
            });
            let path = package.join("Cargo.toml");
            let text = read_manifest(&path).unwrap_or_default();
            let manifest = Manifest::parse(&text, workspace).unwrap_or_else(|error| {
                let offset = offset_of(&text, error.line, error.column);
                broken_manifests.push((
                    display(&path),
                    text.clone(),
                    Diagnostic::parse_error(
                        offset..offset,
                        format!(
                            "could not read this manifest: {}; the crate is checked without its runtime facts",
                            error.message.trim_end()
                        ),
                    ),
                ));
                Manifest::default()
            });
            // Cargo's default library target needs no `[lib]` table.
            let manifest = Manifest {
                is_library: manifest.is_library || package.join("src/lib.rs").is_file(),
                ..manifest
            };
            manifests.insert(package.clone(), manifest);
        }

        let modules = place_in_modules(&absolute, &packages, &manifests, &summaries);
        // Each file's path inside its package.
        let in_packages: Vec<Option<PathBuf>> = packages
            .iter()
            .zip(&absolute)
            .map(|(package, path)| {
                let inside = path.strip_prefix(package.as_ref()?).ok()?;
                Some(inside.to_path_buf())
            })
            .collect();
        for (((summary, module), in_package), path) in summaries
            .iter_mut()
            .zip(&modules)
            .zip(&in_packages)
            .zip(&absolute)
        {
            if let Some(summary) = summary {
                summary.module = module.clone();
                summary.in_test_folder =
                    asyncheck::checker::is_test_path(in_package.as_deref().unwrap_or(path));
            }
        }

        // Files of one workspace (or one lone package, or no package) share
        // their facts.
        let groups: Vec<Option<PathBuf>> = packages
            .iter()
            .map(|package| {
                let package = package.as_ref()?;
                layout.workspace(package).or_else(|| Some(package.clone()))
            })
            .collect();
        let mut members: HashMap<&Option<PathBuf>, Vec<&FileSummary>> = HashMap::new();
        for (group, summary) in groups.iter().zip(&summaries) {
            if let Some(summary) = summary {
                members.entry(group).or_default().push(summary);
            }
        }
        let facts: HashMap<&Option<PathBuf>, Arc<Facts>> = members
            .iter()
            .map(|(group, summaries)| (*group, Arc::new(Facts::new(summaries.iter().copied()))))
            .collect();

        let indexes = packages
            .iter()
            .zip(&groups)
            .zip(modules)
            .zip(&summaries)
            .zip(in_packages)
            .map(|((((package, group), module), summary), in_package)| {
                let manifest = package
                    .as_ref()
                    .and_then(|p| manifests.get(p))
                    .cloned()
                    .unwrap_or_default();
                let group_facts = facts.get(group).cloned().unwrap_or_default();
                let file = summary.as_ref().map(|s| s.path.clone()).unwrap_or_default();
                CrateIndex::new(group_facts, manifest).seen_from(file, module, in_package)
            })
            .collect();
        let placed = summaries
            .iter()
            .map(|s| s.as_ref().map(|s| (s.module.clone(), s.in_test_folder)))
            .collect();
        Crates {
            indexes,
            groups,
            placed,
            broken_manifests,
        }
    }

    /// The module of the file at `position` and whether it is in a test
    /// folder, as its crate's module tree places it.
    pub fn placed(&self, position: usize) -> Option<(&str, bool)> {
        let (module, in_test_folder) = self.placed.get(position)?.as_ref()?;
        Some((module, *in_test_folder))
    }

    /// The folder of the workspace or package whose facts the input at
    /// `position` shares.
    pub fn group(&self, position: usize) -> Option<&Path> {
        self.groups.get(position)?.as_deref()
    }

    /// The index of the input at `position`.
    pub fn index(&self, position: usize) -> CrateIndex {
        self.indexes[position].clone()
    }
}

/// The full module path of each file (`my_crate::net::tls`) from its
/// package's module tree; empty for a file under no package.
fn place_in_modules(
    files: &[PathBuf],
    packages: &[Option<PathBuf>],
    manifests: &HashMap<PathBuf, Manifest>,
    summaries: &[Option<FileSummary>],
) -> Vec<String> {
    let mut by_package: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (position, package) in packages.iter().enumerate() {
        if let Some(package) = package {
            by_package.entry(package).or_default().push(position);
        }
    }
    let mut modules = vec![String::new(); files.len()];
    for (package, positions) in by_package {
        // The name other crates use for it; a package without a readable
        // name still has one tree.
        let krate = manifests
            .get(package)
            .and_then(|m| m.name.as_deref())
            .unwrap_or("crate")
            .to_owned();
        let tree: Vec<(&Path, &[asyncheck::index::ModDecl])> = positions
            .iter()
            .map(|&p| {
                let relative = files[p].strip_prefix(package).unwrap_or(&files[p]);
                let mods = summaries[p].as_ref().map_or(&[][..], |s| s.mods.as_slice());
                (relative, mods)
            })
            .collect();
        for (&position, module) in positions.iter().zip(module_paths(&tree)) {
            modules[position] = if module.is_empty() {
                krate.clone()
            } else {
                format!("{krate}::{module}")
            };
        }
    }
    modules
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let within = text[line_start.min(text.len())..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    (line_start + within).min(text.len())
}

/// The summaries of the files of one crate's workspace, for the language
/// server: kept between checks and made again only for a file whose text
/// changed.
#[derive(Default)]
pub struct SummaryCache {
    by_path: std::sync::Mutex<HashMap<PathBuf, (u64, Option<FileSummary>)>>,
}

impl SummaryCache {
    /// The index of the crate of the file at `path`, with `open` documents'
    /// texts standing for what is on disk. `None` for a file under no
    /// manifest: it is its own crate.
    pub fn index_for(&self, path: &Path, open: &[(PathBuf, String)]) -> Option<CrateIndex> {
        self.index_within(path, open, None)
    }

    /// As `index_for`, but none when the crate's files are not all under
    /// `within` (the MCP server reads nothing outside its root).
    pub fn index_within(
        &self,
        path: &Path,
        open: &[(PathBuf, String)],
        within: Option<&Path>,
    ) -> Option<CrateIndex> {
        let absolute = std::path::absolute(path).ok()?;
        let mut layout = Layout::default();
        let package = layout.package(absolute.parent()?)?;
        let root = layout.workspace(&package).unwrap_or(package);
        if within.is_some_and(|within| !root.starts_with(within)) {
            return None;
        }
        let (inputs, _) = crate::discover::discover(std::slice::from_ref(&root));
        let mut paths: Vec<PathBuf> = inputs.into_iter().map(|i| i.path).collect();
        if !paths.contains(&absolute) {
            paths.push(absolute.clone());
        }
        let mut cache = self.by_path.lock().ok()?;
        let summaries: Vec<Option<FileSummary>> = paths
            .iter()
            .map(|file| {
                let text = open
                    .iter()
                    .find(|(p, _)| p == file)
                    .map(|(_, text)| text.clone())
                    .or_else(|| std::fs::read_to_string(file).ok())?;
                let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
                if let Some((known, summary)) = cache.get(file) {
                    if *known == hash {
                        return summary.clone();
                    }
                }
                let summary = asyncheck::index::summarize_text(&text).map(|summary| FileSummary {
                    path: file.display().to_string(),
                    ..summary
                });
                cache.insert(file.clone(), (hash, summary.clone()));
                summary
            })
            .collect();
        drop(cache);
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let crates = Crates::new(&refs, summaries, &|p| p.display().to_string());
        let position = paths.iter().position(|p| *p == absolute)?;
        Some(crates.index(position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_all_but_the_excluded() {
        let workspace = Workspace::parse(
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/legacy\"]\n",
        )
        .unwrap();
        let member = |p: &str| is_member(&workspace, Path::new(p));
        assert!(member(""));
        assert!(member("crates/core"));
        // A path dependency of a member, not listed: cargo makes it one.
        assert!(member("src/common/base"));
        assert!(!member("crates/legacy"));
        assert!(!member("crates/legacy/inner"));
    }
}
