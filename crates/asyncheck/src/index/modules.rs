//! The module tree of a package: which module each of its files is, found
//! from the crate roots through `mod x;` declarations (`x.rs`, `x/mod.rs`,
//! `#[path = ".."]`), as rustc finds them.
//!
//! A declaration whose file is missing (generated, or for another target)
//! gives nothing; a file claimed twice, or reached through a cycle of
//! `#[path]`s, keeps the first module found for it. A file no root reaches
//! (a subfolder checked alone) is placed by its path: `src/a/b.rs` is
//! `a::b`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::ModDecl;

/// The module path of each file, relative to its crate root (`""` for a
/// root, `"a::b"`), in the order of `files`. Paths are relative to the
/// package folder.
pub fn module_paths(files: &[(&Path, &[ModDecl])]) -> Vec<String> {
    let position: HashMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (normalize(path), i))
        .collect();
    let mut modules: Vec<Option<String>> = vec![None; files.len()];
    // With the module: whether the file was reached through `#[path]`, which
    // makes it own its folder as a `mod.rs` does.
    let mut pending: Vec<(usize, String, bool)> = files
        .iter()
        .enumerate()
        .filter(|(_, (path, _))| is_crate_root(path))
        .map(|(i, _)| (i, String::new(), true))
        .collect();
    for (i, ..) in &pending {
        modules[*i] = Some(String::new());
    }
    while let Some((at, module, owns_folder)) = pending.pop() {
        let (path, decls) = files[at];
        for decl in decls {
            let file = child_file(path, owns_folder || is_mod_rs(path), decl, &position);
            let Some(child) = position.get(&normalize(&file)) else {
                continue;
            };
            if modules[*child].is_some() {
                continue;
            }
            let mut name = module.clone();
            for segment in decl.within.iter().chain([&decl.name]) {
                if !name.is_empty() {
                    name.push_str("::");
                }
                name.push_str(segment);
            }
            modules[*child] = Some(name.clone());
            pending.push((*child, name, decl.path.is_some()));
        }
    }
    modules
        .into_iter()
        .zip(files)
        .map(|(module, (path, _))| module.unwrap_or_else(|| module_by_path(path)))
        .collect()
}

/// The file rustc reads for `decl`, declared in the file at `path`.
/// `foo.rs` declares its children under `foo/`; a file that owns its
/// folder (`lib.rs`, `main.rs`, `mod.rs`, one reached through `#[path]`)
/// under its own folder.
fn child_file(
    path: &Path,
    owns_folder: bool,
    decl: &ModDecl,
    known: &HashMap<PathBuf, usize>,
) -> PathBuf {
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut base = if owns_folder {
        folder.to_path_buf()
    } else {
        folder.join(path.file_stem().unwrap_or_default())
    };
    if let Some(written) = &decl.path {
        // A `#[path]` outside inline modules is relative to the declaring
        // file's folder; inside them, to the folder they stand for.
        let mut at = folder.to_path_buf();
        if !decl.within.is_empty() {
            at = base;
            at.extend(&decl.within);
        }
        return at.join(written);
    }
    base.extend(&decl.within);
    let flat = base.join(format!("{}.rs", decl.name));
    if known.contains_key(&normalize(&flat)) {
        flat
    } else {
        base.join(&decl.name).join("mod.rs")
    }
}

fn is_mod_rs(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("lib.rs" | "main.rs" | "mod.rs")
    )
}

/// The files cargo compiles as crate roots: the library, the binaries, the
/// tests, examples and benches, the build script.
fn is_crate_root(path: &Path) -> bool {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    match parts.as_slice() {
        ["src", "lib.rs" | "main.rs"] | ["build.rs"] | ["lib.rs" | "main.rs"] => true,
        ["src", "bin", file] | ["tests" | "examples" | "benches", file] => file.ends_with(".rs"),
        ["src", "bin", _, "main.rs"] | ["tests" | "examples" | "benches", _, "main.rs"] => true,
        _ => false,
    }
}

/// Where a file no root reaches sits by its path: `src/a/b.rs` and
/// `src/a/b/mod.rs` are `a::b`.
fn module_by_path(path: &Path) -> String {
    let mut parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    if parts.first() == Some(&"src") {
        parts.remove(0);
    }
    if let Some(last) = parts.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(last);
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem);
        }
    }
    parts.join("::")
}

/// `a/./b/../c.rs` as `a/c.rs`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(within: &[&str], name: &str, path: Option<&str>) -> ModDecl {
        ModDecl {
            within: within.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path: path.map(str::to_owned),
            for_tests: false,
            clippy_allows: Vec::new(),
        }
    }

    fn modules(files: &[(&str, Vec<ModDecl>)]) -> Vec<String> {
        let files: Vec<(&Path, &[ModDecl])> = files
            .iter()
            .map(|(p, d)| (Path::new(*p), d.as_slice()))
            .collect();
        module_paths(&files)
    }

    #[test]
    fn files_follow_their_declarations() {
        let found = modules(&[
            (
                "src/lib.rs",
                vec![decl(&[], "net", None), decl(&[], "state", None)],
            ),
            ("src/net/mod.rs", vec![decl(&[], "tls", None)]),
            ("src/net/tls.rs", vec![]),
            ("src/state.rs", vec![decl(&["inner"], "deep", None)]),
            ("src/state/inner/deep.rs", vec![]),
        ]);
        assert_eq!(
            found,
            ["", "net", "net::tls", "state", "state::inner::deep"]
        );
    }

    #[test]
    fn path_attributes_and_unreached_files() {
        let found = modules(&[
            (
                "src/main.rs",
                vec![decl(&[], "sys", Some("platform/unix.rs"))],
            ),
            ("src/platform/unix.rs", vec![decl(&[], "io", None)]),
            ("src/platform/io.rs", vec![]),
            ("src/orphan/thing.rs", vec![]),
            ("tests/it.rs", vec![]),
        ]);
        assert_eq!(found, ["", "sys", "sys::io", "orphan::thing", ""]);
    }

    #[test]
    fn cycles_and_files_claimed_twice_end() {
        let found = modules(&[
            (
                "src/lib.rs",
                vec![decl(&[], "a", Some("a.rs")), decl(&[], "b", Some("a.rs"))],
            ),
            ("src/a.rs", vec![decl(&[], "again", Some("../src/a.rs"))]),
            ("src/missing.rs", vec![decl(&[], "gone", None)]),
        ]);
        assert_eq!(found[1], "a");
        assert_eq!(found[2], "missing");
    }
}
