//! Generated documentation stays in step with the rules' metadata and the
//! pattern catalogue.
//! `ASYNCHECK_UPDATE_DOCS=1 cargo test -p asyncheck --test docs` rewrites it.

use std::path::{Path, PathBuf};

use asyncheck::{docs, registry, Pattern};

const TABLE_START: &str = "<!-- rules-table:start -->\n";
const TABLE_END: &str = "<!-- rules-table:end -->";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn updating() -> bool {
    std::env::var_os("ASYNCHECK_UPDATE_DOCS").is_some()
}

/// Compares `path` with `expected`, or writes it when updating.
fn check_file(path: &Path, expected: &str) -> Option<String> {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return None;
    }
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
        return None;
    }
    Some(path.display().to_string())
}

/// The pages in `folder` that `known` does not recognise by name: removed
/// when updating, else reported.
fn leftover_pages(folder: &Path, known: impl Fn(&str) -> bool) -> Vec<String> {
    let mut stale = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return stale;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !known(&name) {
            if updating() {
                std::fs::remove_file(&path).unwrap();
            } else {
                stale.push(format!("{} (no such page)", path.display()));
            }
        }
    }
    stale
}

#[test]
fn pattern_pages_are_fresh() {
    let pages = repo().join("docs/patterns");
    let mut stale: Vec<String> = Pattern::ALL
        .into_iter()
        .filter_map(|pattern| {
            let page = pages.join(format!("{}.md", pattern.name()));
            check_file(&page, &docs::pattern_markdown(pattern))
        })
        .collect();
    stale.extend(leftover_pages(&pages, |name| {
        Pattern::ALL.iter().any(|p| p.name() == name)
    }));
    assert!(
        stale.is_empty(),
        "stale pattern pages: {stale:?}; run `ASYNCHECK_UPDATE_DOCS=1 cargo test -p asyncheck --test docs`"
    );
}

#[test]
fn rule_pages_and_readme_table_are_fresh() {
    let mut stale = Vec::new();
    let pages = repo().join("docs/rules");
    for rule in registry::rules() {
        let meta = rule.meta();
        let page = pages.join(format!("{}.md", meta.name));
        stale.extend(check_file(&page, &docs::rule_markdown(meta)));
    }
    stale.extend(leftover_pages(&pages, |name| {
        registry::find(name).is_some()
    }));

    let readme_path = repo().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme
        .find(TABLE_START)
        .expect("README has the rules-table markers")
        + TABLE_START.len();
    let end = readme
        .find(TABLE_END)
        .expect("README has the rules-table end marker");
    let fresh = format!(
        "{}{}{}",
        &readme[..start],
        docs::rules_table(),
        &readme[end..]
    );
    stale.extend(check_file(&readme_path, &fresh));

    assert!(
        stale.is_empty(),
        "stale generated docs: {stale:?}; run `ASYNCHECK_UPDATE_DOCS=1 cargo test -p asyncheck --test docs`"
    );
}
