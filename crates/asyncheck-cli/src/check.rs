//! Running the checker over many files in parallel.

use std::borrow::Cow;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use asyncheck::checker::panic_message;
use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::{Checker, Diagnostic, Settings};
use rayon::prelude::*;

use crate::discover::{Input, Unreadable};

/// Parsing and analysis recurse with the input's nesting; these threads'
/// stacks are reserved, not used, until a file needs them.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// One file's outcome.
pub struct Checked {
    pub path: String,
    /// The text, kept only when there is something to show from it.
    pub source: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Outcome {
    /// Sorted by path; each file's diagnostics sorted by offset, then rule.
    pub files: Vec<Checked>,
    pub file_count: usize,
    /// A rule or the parser panicked on some file.
    pub internal_error: bool,
}

/// Checks each input with the settings `settings_for` gives its path.
pub fn check_files<'s>(
    inputs: &[Input],
    unreadable: Vec<Unreadable>,
    settings_for: &(dyn Fn(&Input) -> Cow<'s, Settings> + Sync),
    threads: Option<usize>,
) -> Result<Outcome, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(STACK_SIZE)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let mut files: Vec<Checked> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| match std::fs::read(&input.path) {
                Ok(bytes) => {
                    let settings = settings_for(input);
                    check_bytes(&Checker::new(&settings), &input.display, bytes)
                }
                Err(error) => io_error(&input.display, format!("cannot read file: {error}")),
            })
            .collect()
    });
    files.extend(
        unreadable
            .into_iter()
            .map(|u| io_error(&u.display, format!("cannot read: {}", u.message))),
    );
    Ok(finish(files, inputs.len()))
}

pub fn check_stdin(display: &str, settings: &Settings) -> Result<Outcome, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let checker = Checker::new(settings);
    // Standard input gets the same large stack as the worker threads.
    let display = display.to_owned();
    let checked = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || check_bytes(&checker, &display, bytes))
            .map_err(|e| format!("cannot start a thread: {e}"))?
            .join()
            .map_err(|_| "the checking thread failed".to_owned())
    })?;
    Ok(finish(vec![checked], 1))
}

fn finish(mut files: Vec<Checked>, file_count: usize) -> Outcome {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let internal_error = files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .any(|d| d.rule == INTERNAL_ERROR);
    Outcome {
        files,
        file_count,
        internal_error,
    }
}

fn check_bytes(checker: &Checker<'_>, display: &str, bytes: Vec<u8>) -> Checked {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            return io_error(
                display,
                format!(
                    "not valid UTF-8 (invalid byte at offset {})",
                    error.utf8_error().valid_up_to()
                ),
            )
        }
    };
    let report = catch_unwind(AssertUnwindSafe(|| {
        checker.check(std::path::Path::new(display), &text)
    }));
    let diagnostics = match report {
        Ok(report) => report.diagnostics,
        Err(panic) => vec![Diagnostic::internal_error(format!(
            "asyncheck failed on this file ({}); please report it",
            panic_message(&*panic)
        ))],
    };
    Checked {
        path: display.to_owned(),
        source: (!diagnostics.is_empty()).then_some(text),
        diagnostics,
    }
}

fn io_error(display: &str, message: String) -> Checked {
    Checked {
        path: display.to_owned(),
        source: None,
        diagnostics: vec![Diagnostic::io_error(message)],
    }
}
