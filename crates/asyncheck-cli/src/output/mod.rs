//! Output formats. Every format prints the same sorted diagnostics.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rustc_json;
pub mod sarif;
pub mod statistics;

use asyncheck::rule::Group;
use asyncheck::{registry, Applicability, Diagnostic, Severity};
use serde::Serialize;

use crate::check::Outcome;

/// Counts for the summary line and the JSON summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Findings with a fix that `--fix` applies.
    pub fixable: usize,
    /// Findings whose fix only `--fix --unsafe-fixes` applies.
    #[serde(skip)]
    pub unsafe_fixable: usize,
    /// Findings of each group's rules, by [`Group::ALL`] position.
    #[serde(skip)]
    pub groups: [usize; 3],
}

impl Summary {
    pub fn of(outcome: &Outcome) -> Self {
        let mut summary = Summary {
            files: outcome.file_count,
            ..Summary::default()
        };
        for diagnostic in outcome.files.iter().flat_map(|f| &f.diagnostics) {
            match diagnostic.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
            match diagnostic.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => summary.fixable += 1,
                Some(Applicability::Unsafe) => summary.unsafe_fixable += 1,
                None => {}
            }
            if let Some(rule) = registry::find(diagnostic.rule) {
                let group = rule.meta().group;
                if let Some(slot) = Group::ALL.iter().position(|g| *g == group) {
                    summary.groups[slot] += 1;
                }
            }
        }
        summary
    }
}

/// Whether `--fix` fixes this finding.
pub fn is_fixable(diagnostic: &Diagnostic) -> bool {
    diagnostic
        .fix
        .as_ref()
        .is_some_and(|f| f.applicability == Applicability::Safe)
}

/// `path` (as reported, relative to the current folder) relative to the
/// root of the git repository around the current folder, which is what
/// GitHub resolves annotation and code-scanning paths against; unchanged
/// outside a repository or outside its root.
pub fn repository_relative(path: &str) -> String {
    let Ok(current) = std::env::current_dir() else {
        return path.to_owned();
    };
    let Some(root) = current.ancestors().find(|dir| dir.join(".git").exists()) else {
        return path.to_owned();
    };
    // `..` resolved by hand: the file may be gone (a deleted path's
    // io-error), so the file system cannot be asked.
    let mut absolute = std::path::PathBuf::new();
    for component in current.join(path).components() {
        match component {
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            std::path::Component::CurDir => {}
            other => absolute.push(other),
        }
    }
    match absolute.strip_prefix(root) {
        Ok(relative) => crate::discover::display_path(relative),
        Err(_) => path.to_owned(),
    }
}
