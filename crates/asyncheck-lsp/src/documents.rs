//! The open documents, their latest text and their latest diagnostics.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use asyncheck::index::CrateIndex;
use asyncheck::{Checker, Diagnostic, Settings};

use crate::positions::uri_to_path;
use lsp_types::{DidChangeTextDocumentParams, DidOpenTextDocumentParams, Uri};

/// Checks run on a thread with this much stack: parsing recurses with the
/// nesting of the (possibly half-typed) text.
const STACK_SIZE: usize = 256 * 1024 * 1024;

pub struct Document {
    pub text: String,
    pub version: i32,
    /// Changed since the last check, at this time.
    changed_at: Option<Instant>,
    /// What the last check found.
    pub diagnostics: Vec<Diagnostic>,
    /// The fingerprint of its crate's facts at the last check.
    facts: Option<u64>,
}

#[derive(Default)]
pub struct Documents {
    open: HashMap<Uri, Document>,
}

impl Documents {
    pub fn open(&mut self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        self.open.insert(
            item.uri,
            Document {
                text: item.text,
                version: item.version,
                changed_at: None,
                diagnostics: Vec::new(),
                facts: None,
            },
        );
    }

    /// Full-text sync: the last change holds the whole new text.
    pub fn change(&mut self, params: DidChangeTextDocumentParams) {
        let Some(document) = self.open.get_mut(&params.text_document.uri) else {
            return;
        };
        if let Some(change) = params.content_changes.into_iter().last() {
            document.text = change.text;
            document.version = params.text_document.version;
            document.changed_at = Some(Instant::now());
        }
    }

    pub fn close(&mut self, uri: &Uri) {
        self.open.remove(uri);
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn uris(&self) -> Vec<Uri> {
        self.open.keys().cloned().collect()
    }

    /// The open documents' paths and texts, which stand for what is on disk.
    pub fn texts(&self) -> Vec<(PathBuf, String)> {
        self.open
            .iter()
            .map(|(uri, document)| (uri_to_path(uri), document.text.clone()))
            .collect()
    }

    /// Records the facts of the document's crate; whether they differ from
    /// those of its last check.
    pub fn note_facts(&mut self, uri: &Uri, index: &CrateIndex) -> bool {
        let Some(document) = self.open.get_mut(uri) else {
            return false;
        };
        let fingerprint = index.fingerprint();
        document.facts.replace(fingerprint) != Some(fingerprint)
    }

    /// When the next changed document is due for a check.
    pub fn next_due(&self, debounce: Duration) -> Option<Instant> {
        self.open
            .values()
            .filter_map(|d| d.changed_at)
            .min()
            .map(|at| at + debounce)
    }

    /// The documents whose typing paused for `debounce`, marked as checked.
    pub fn take_due(&mut self, debounce: Duration) -> Vec<Uri> {
        let now = Instant::now();
        let mut due = Vec::new();
        for (uri, document) in &mut self.open {
            if document.changed_at.is_some_and(|at| at + debounce <= now) {
                document.changed_at = None;
                due.push(uri.clone());
            }
        }
        due
    }

    /// Checks a document, keeping and returning its diagnostics with the
    /// version they belong to.
    pub fn check(
        &mut self,
        uri: &Uri,
        path: &Path,
        settings: &Settings,
        index: Option<CrateIndex>,
    ) -> Option<(Option<i32>, Vec<Diagnostic>)> {
        let document = self.open.get_mut(uri)?;
        document.changed_at = None;
        let text = &document.text;
        let diagnostics = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, || {
                    catch_unwind(AssertUnwindSafe(|| {
                        let checker = Checker::new(settings);
                        match index {
                            Some(index) => checker.with_index(index),
                            None => checker,
                        }
                        .check(path, text)
                        .diagnostics
                    }))
                })
                .ok()?
                .join()
                .ok()?
                .ok()
        })
        .unwrap_or_else(|| {
            vec![Diagnostic::internal_error(
                "asyncheck failed on this file; please report it",
            )]
        });
        document.diagnostics = diagnostics.clone();
        Some((Some(document.version), diagnostics))
    }
}
