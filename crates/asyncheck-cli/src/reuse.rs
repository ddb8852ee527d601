//! Which cached results still hold once other files of their crate changed.
//!
//! A file's findings depend on the rest of its crate only through the
//! crate's facts, and a rule asks for a fact by a name the file writes (a
//! function, a type, a field, an alias, a static; a lock by `Type.field`).
//! So when some files' summaries change, the crate's facts are merged again
//! from the last run's summaries and compared name by name with today's
//! (`Facts::names_changed`, on facts closed over wrappers): a file that
//! mentions none of the names whose facts changed keeps its findings.
//! The one fact found by place rather than by name, a `block_on` that async
//! code in another file reaches, is compared file by file. A change to the
//! crate's files or module tree (a file added, removed, or its `mod`
//! declarations changed) leaves no result standing.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use asyncheck::index::{identifiers, Facts, FileSummary};

use crate::cache::{Cache, CrateRecord};
use crate::crates::Crates;

/// How a file's summary changed since the last run.
pub enum Change {
    None,
    Some,
    /// New, unreadable, or its module declarations or the clippy lints it
    /// allows for the modules below changed.
    Everything,
}

impl Change {
    pub fn of(old: Option<&FileSummary>, new: Option<&FileSummary>) -> Change {
        match (old, new) {
            // A file that cannot be summarised adds nothing to the facts.
            (None, None) => Change::None,
            (Some(old), Some(new)) if old == new => Change::None,
            (Some(old), Some(new))
                if old.mods == new.mods && old.clippy_allows == new.clippy_allows =>
            {
                Change::Some
            }
            _ => Change::Everything,
        }
    }
}

/// What the last run's results of one crate are still worth.
pub struct Standing {
    previous: CrateRecord,
    reached: HashMap<String, u64>,
    touched: HashSet<String>,
}

impl Standing {
    /// The crate's facts fingerprint in the last run.
    pub fn previous_facts(&self) -> u64 {
        self.previous.facts
    }

    /// Whether the changes since the last run leave the findings of the file
    /// `display`, whose text is `bytes`, as they were.
    pub fn unaffected(&self, display: &str, bytes: &[u8]) -> bool {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        self.previous.reached.get(display) == self.reached.get(display)
            && !identifiers(text).any(|word| self.touched.contains(word))
    }
}

/// For each crate of the run (by its folder's display), what its last
/// run's results are still worth; records this run's facts in the cache.
/// `displays` and `changes` are by position among the files the crates
/// were made from.
pub fn standings(
    cache: &Cache,
    crates: &Crates,
    displays: &[&str],
    changes: &[Change],
) -> HashMap<String, Standing> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for position in 0..displays.len() {
        groups
            .entry(group_key(crates, position))
            .or_default()
            .push(position);
    }
    let mut standings = HashMap::new();
    for (group, positions) in groups {
        let index = crates.index(positions[0]);
        let facts = index.facts();
        let mut files: Vec<&str> = positions.iter().map(|&p| displays[p]).collect();
        files.sort_unstable();
        let mut hasher = std::hash::DefaultHasher::new();
        files.hash(&mut hasher);
        let record = CrateRecord {
            facts: index.facts_fingerprint(),
            files: hasher.finish(),
            reached: facts.reached_fingerprints(),
        };
        let previous = cache.previous_crate(&group).cloned();
        cache.put_crate(&group, record.clone());
        let Some(previous) = previous.filter(|p| p.files == record.files) else {
            continue;
        };
        if positions
            .iter()
            .any(|&p| matches!(changes[p], Change::Everything))
        {
            continue;
        }
        let touched = if positions
            .iter()
            .all(|&p| matches!(changes[p], Change::None))
        {
            HashSet::new()
        } else {
            // The last run's facts, from its summaries placed as today's are
            // (the module tree is the same: no file's `mod`s changed).
            let previous_summaries: Option<Vec<FileSummary>> = positions
                .iter()
                .filter_map(|&p| {
                    let Some((module, in_test_folder)) = crates.placed(p) else {
                        // Summarised neither then nor now.
                        return None;
                    };
                    Some(
                        cache
                            .previous_summary(displays[p])
                            .map(|previous| FileSummary {
                                module: module.to_owned(),
                                in_test_folder,
                                ..previous.clone()
                            }),
                    )
                })
                .collect();
            let Some(previous_summaries) = previous_summaries else {
                continue;
            };
            let previous_facts = Facts::new(previous_summaries.iter());
            let Some(touched) = facts.names_changed(&previous_facts) else {
                continue;
            };
            touched
        };
        standings.insert(
            group,
            Standing {
                previous,
                reached: record.reached,
                touched,
            },
        );
    }
    standings
}

/// The name a crate's record goes by: its folder (none for files of no
/// package, which share one).
pub fn group_key(crates: &Crates, position: usize) -> String {
    crates
        .group(position)
        .map(|path| path.display().to_string())
        .unwrap_or_default()
}
