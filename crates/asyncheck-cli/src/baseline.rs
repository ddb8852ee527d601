//! Baselines, for adopting asyncheck on a codebase that already has
//! findings: `--write-baseline FILE` records today's findings,
//! `--baseline FILE` reports only the ones not recorded.
//!
//! A finding is recorded by rule, path (relative to the baseline file) and a
//! fingerprint of the flagged line's code, not its line number, so that edits
//! above it do not revive it. Identical findings are counted, so a second
//! copy of a recorded line is still reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asyncheck::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::check::Outcome;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
}

/// Where the baseline file is, so that paths can be relative to it.
pub struct Baseline {
    folder: PathBuf,
}

impl Baseline {
    pub fn at(file: &Path) -> Self {
        let folder = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Baseline {
            folder: resolved(folder),
        }
    }

    /// Records every finding of `outcome`; returns how many.
    pub fn write(&self, file: &Path, outcome: &Outcome) -> Result<usize, String> {
        let mut findings: Vec<Entry> = outcome
            .files
            .iter()
            .flat_map(|f| {
                f.diagnostics
                    .iter()
                    .map(move |d| self.entry(&f.path, f.source.as_deref(), d))
            })
            .collect();
        findings.sort();
        let count = findings.len();
        let text = serde_json::to_string_pretty(&BaselineFile {
            version: 1,
            findings,
        })
        .map_err(|e| e.to_string())?;
        std::fs::write(file, text + "\n")
            .map_err(|e| format!("cannot write baseline {}: {e}", file.display()))?;
        Ok(count)
    }

    /// Drops from `outcome` the findings recorded in `file`; returns how
    /// many it dropped.
    pub fn filter(&self, file: &Path, outcome: &mut Outcome) -> Result<usize, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read baseline {}: {e}", file.display()))?;
        let baseline: BaselineFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not an asyncheck baseline: {e}", file.display()))?;
        let mut remaining: BTreeMap<Entry, usize> = BTreeMap::new();
        for entry in baseline.findings {
            *remaining.entry(entry).or_default() += 1;
        }
        let mut hidden = 0;
        for checked in &mut outcome.files {
            let source = checked.source.as_deref();
            let path = checked.path.clone();
            checked.diagnostics.retain(|d| {
                let entry = self.entry(&path, source, d);
                match remaining.get_mut(&entry) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        hidden += 1;
                        false
                    }
                    _ => true,
                }
            });
        }
        Ok(hidden)
    }

    fn entry(&self, path: &str, source: Option<&str>, diagnostic: &Diagnostic) -> Entry {
        let relative = resolved(Path::new(path))
            .strip_prefix(&self.folder)
            .map(crate::discover::display_path)
            .unwrap_or_else(|_| path.to_owned());
        Entry {
            rule: diagnostic.rule.to_owned(),
            path: relative,
            fingerprint: fingerprint(source.unwrap_or(""), diagnostic),
        }
    }
}

/// The path without `.`, `..` or links, so that paths compare whatever folder
/// asyncheck runs from.
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The flagged line's code with its spacing folded, hashed: it survives
/// lines inserted or removed elsewhere and re-indentation, not a change to
/// the flagged code itself.
pub fn fingerprint(source: &str, diagnostic: &Diagnostic) -> String {
    let start = diagnostic.span.start.min(source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |n| start + n);
    let code: Vec<&str> = source[line_start..line_end].split_whitespace().collect();
    format!("{:016x}", fnv1a(code.join(" ").as_bytes()))
}

/// 64-bit FNV-1a: small, and stable across platforms and versions, which a
/// fingerprint stored in a repository needs (std's and FxHash's are not).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
