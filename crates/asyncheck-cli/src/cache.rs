//! The results cache: a second run over unchanged files costs little more
//! than reading and hashing them.
//!
//! Kept in `target/asyncheck/` of the cargo project around the first checked
//! path (or in `$ASYNCHECK_CACHE_DIR`); outside a cargo project, and with
//! `--no-cache`, there is none. An entry counts only for the same path,
//! content hash, settings and asyncheck version; a cache file that cannot be
//! read as one of ours is ignored, never trusted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use asyncheck::diagnostic::{Elsewhere, INTERNAL_ERROR};
use asyncheck::index::FileSummary;
use asyncheck::{registry, Applicability, Diagnostic, Edit, Fix, Label, Settings, Severity};
use serde::{Deserialize, Serialize};

const FILE_NAME: &str = "results-v5.json";

pub struct Cache {
    file: PathBuf,
    previous: HashMap<String, Entry>,
    current: Mutex<HashMap<String, Entry>>,
    previous_summaries: HashMap<String, Summary>,
    current_summaries: Mutex<HashMap<String, Summary>>,
    previous_crates: HashMap<String, CrateRecord>,
    current_crates: Mutex<HashMap<String, CrateRecord>>,
    /// Whether this run recorded anything new: an unchanged workspace does
    /// not write the cache again.
    changed: AtomicBool,
}

/// A file's summary for its crate's index, with the hash of the content it
/// was made from: an unchanged file is not parsed for it again.
#[derive(Clone, Serialize, Deserialize)]
struct Summary {
    content: u64,
    summary: FileSummary,
}

/// What identifies one check of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    content: u64,
    settings: u64,
    test_module: bool,
    /// The facts of the file's crate (crates.rs): findings depend on other
    /// files through them.
    crate_facts: u64,
    /// What the crate's index says of the file itself (manifest, module).
    frame: u64,
}

impl Key {
    pub fn new(
        bytes: &[u8],
        settings: &Settings,
        test_module: bool,
        crate_facts: u64,
        frame: u64,
    ) -> Key {
        Key {
            content: xxhash_rust::xxh3::xxh3_64(bytes),
            settings: xxhash_rust::xxh3::xxh3_64(settings.cache_key().as_bytes()),
            test_module,
            crate_facts,
            frame,
        }
    }

    /// The same check but for the crate's facts.
    fn same_file(&self, other: &Key) -> bool {
        (self.content, self.settings, self.test_module, self.frame)
            == (
                other.content,
                other.settings,
                other.test_module,
                other.frame,
            )
    }
}

/// What a run knew of one crate (a workspace, a lone package): the next
/// run tells from it which cached results its changes leave standing
/// (reuse.rs).
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct CrateRecord {
    /// The crate's facts fingerprint.
    pub facts: u64,
    /// A hash of the crate's file paths.
    pub files: u64,
    /// For each file with a `block_on` that async code reaches elsewhere,
    /// a hash of those (`Facts::reached_fingerprint`).
    pub reached: HashMap<String, u64>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: String,
    entries: HashMap<String, Entry>,
    summaries: HashMap<String, Summary>,
    crates: HashMap<String, CrateRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    key: Key,
    diagnostics: Vec<Stored>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    rule: String,
    error: bool,
    span: (usize, usize),
    message: String,
    labels: Vec<StoredLabel>,
    help: Option<String>,
    /// Whether the fix is safe, and its edits.
    fix: Option<(bool, Vec<SpanText>)>,
}

/// A label: its span and message, and the other file's path and line it
/// may point at.
type StoredLabel = (usize, usize, String, Option<(String, usize)>);

/// A span and a text: a label's message or an edit's replacement.
type SpanText = (usize, usize, String);

impl Cache {
    /// The cache for a run over `paths`, if there is a place for one.
    pub fn open(paths: &[PathBuf]) -> Option<Cache> {
        let folder = match std::env::var_os("ASYNCHECK_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => cargo_target(paths.first()?)?.join("asyncheck"),
        };
        let file = folder.join(FILE_NAME);
        let (previous, previous_summaries, previous_crates) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|cache| cache.version == env!("CARGO_PKG_VERSION"))
            .map(|cache| (cache.entries, cache.summaries, cache.crates))
            .unwrap_or_default();
        Some(Cache {
            file,
            previous,
            current: Mutex::new(HashMap::new()),
            previous_summaries,
            current_summaries: Mutex::new(HashMap::new()),
            previous_crates,
            current_crates: Mutex::new(HashMap::new()),
            changed: AtomicBool::new(false),
        })
    }

    /// The summary recorded for this path when its content is unchanged.
    pub fn summary(&self, path: &str, content: u64) -> Option<FileSummary> {
        let found = self
            .previous_summaries
            .get(path)
            .filter(|s| s.content == content)?;
        self.remember_summary(path, found.clone());
        Some(found.summary.clone())
    }

    pub fn put_summary(&self, path: &str, content: u64, summary: &FileSummary) {
        self.changed.store(true, Ordering::Relaxed);
        let summary = Summary {
            content,
            summary: summary.clone(),
        };
        self.remember_summary(path, summary);
    }

    fn remember_summary(&self, path: &str, summary: Summary) {
        if let Ok(mut current) = self.current_summaries.lock() {
            current.insert(path.to_owned(), summary);
        }
    }

    /// The diagnostics recorded for this path and key, if any.
    pub fn get(&self, path: &str, key: Key) -> Option<Vec<Diagnostic>> {
        let entry = self.previous.get(path).filter(|e| e.key == key)?;
        let diagnostics: Option<Vec<Diagnostic>> = entry.diagnostics.iter().map(restore).collect();
        let diagnostics = diagnostics?;
        self.remember(path, entry.clone());
        Some(diagnostics)
    }

    /// The diagnostics recorded for this path when only its crate's facts
    /// changed since, from `previous_facts` (the last run's), and `unaffected`
    /// says the change does not reach this file; recorded again under `key`.
    pub fn get_unaffected(
        &self,
        path: &str,
        key: Key,
        previous_facts: u64,
        unaffected: impl FnOnce() -> bool,
    ) -> Option<Vec<Diagnostic>> {
        let entry = self
            .previous
            .get(path)
            .filter(|e| e.key.same_file(&key) && e.key.crate_facts == previous_facts)?;
        if !unaffected() {
            return None;
        }
        let diagnostics: Option<Vec<Diagnostic>> = entry.diagnostics.iter().map(restore).collect();
        let diagnostics = diagnostics?;
        self.changed.store(true, Ordering::Relaxed);
        self.remember(
            path,
            Entry {
                key,
                diagnostics: entry.diagnostics.clone(),
            },
        );
        Some(diagnostics)
    }

    /// The summary this path had in the last run, whatever its content.
    pub fn previous_summary(&self, path: &str) -> Option<&FileSummary> {
        self.previous_summaries.get(path).map(|s| &s.summary)
    }

    /// What the last run knew of the crate `name`.
    pub fn previous_crate(&self, name: &str) -> Option<&CrateRecord> {
        self.previous_crates.get(name)
    }

    pub fn put_crate(&self, name: &str, record: CrateRecord) {
        let changed = self
            .previous_crates
            .get(name)
            .is_none_or(|old| old.facts != record.facts || old.files != record.files);
        if changed {
            self.changed.store(true, Ordering::Relaxed);
        }
        if let Ok(mut current) = self.current_crates.lock() {
            current.insert(name.to_owned(), record);
        }
    }

    pub fn put(&self, path: &str, key: Key, diagnostics: &[Diagnostic]) {
        if diagnostics.iter().any(|d| d.rule == INTERNAL_ERROR) {
            return;
        }
        let entry = Entry {
            key,
            diagnostics: diagnostics.iter().map(store).collect(),
        };
        self.changed.store(true, Ordering::Relaxed);
        self.remember(path, entry);
    }

    fn remember(&self, path: &str, entry: Entry) {
        if let Ok(mut current) = self.current.lock() {
            current.insert(path.to_owned(), entry);
        }
    }

    /// Writes the cache: this run's entries, and the earlier ones for files
    /// this run did not check. Failing to write only costs the next run time.
    pub fn save(self) {
        if !self.changed.load(Ordering::Relaxed) {
            return;
        }
        let (Ok(current), Ok(current_summaries), Ok(current_crates)) = (
            self.current.into_inner(),
            self.current_summaries.into_inner(),
            self.current_crates.into_inner(),
        ) else {
            return;
        };
        let mut entries = self.previous;
        entries.extend(current);
        let mut summaries = self.previous_summaries;
        summaries.extend(current_summaries);
        let mut crates = self.previous_crates;
        crates.extend(current_crates);
        let cache = CacheFile {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            entries,
            summaries,
            crates,
        };
        let Some(folder) = self.file.parent() else {
            return;
        };
        if std::fs::create_dir_all(folder).is_err() {
            return;
        }
        let Ok(text) = serde_json::to_vec(&cache) else {
            return;
        };
        if let Ok(mut temporary) = tempfile::NamedTempFile::new_in(folder) {
            if std::io::Write::write_all(&mut temporary, &text).is_ok() {
                let _ = temporary.persist(&self.file);
            }
        }
    }
}

/// `target/` of the nearest cargo project around `path`.
fn cargo_target(path: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(path).ok()?;
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(|dir| dir.join("target"))
}

fn store(d: &Diagnostic) -> Stored {
    Stored {
        rule: d.rule.to_owned(),
        error: d.severity == Severity::Error,
        span: (d.span.start, d.span.end),
        message: d.message.clone(),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let elsewhere = l.elsewhere.as_ref().map(|e| (e.path.clone(), e.line));
                (l.span.start, l.span.end, l.message.clone(), elsewhere)
            })
            .collect(),
        help: d.help.clone(),
        fix: d.fix.as_ref().map(|f| {
            (
                f.applicability == Applicability::Safe,
                f.edits
                    .iter()
                    .map(|e| (e.span.start, e.span.end, e.replacement.clone()))
                    .collect(),
            )
        }),
    }
}

fn restore(stored: &Stored) -> Option<Diagnostic> {
    let (rule, pattern) = registry::diagnostic_kind(&stored.rule)?;
    Some(Diagnostic {
        rule,
        pattern,
        severity: if stored.error {
            Severity::Error
        } else {
            Severity::Warning
        },
        span: stored.span.0..stored.span.1,
        message: stored.message.clone(),
        labels: stored
            .labels
            .iter()
            .map(|(start, end, message, elsewhere)| Label {
                span: *start..*end,
                message: message.clone(),
                elsewhere: elsewhere.as_ref().map(|(path, line)| Elsewhere {
                    path: path.clone(),
                    line: *line,
                }),
            })
            .collect(),
        help: stored.help.clone(),
        fix: stored.fix.as_ref().map(|(safe, edits)| Fix {
            applicability: if *safe {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            },
            edits: edits
                .iter()
                .map(|(start, end, replacement)| Edit {
                    span: *start..*end,
                    replacement: replacement.clone(),
                })
                .collect(),
        }),
    })
}
