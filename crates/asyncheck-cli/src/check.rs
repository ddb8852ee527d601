//! Running the checker over many files in parallel.

use std::borrow::Cow;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use asyncheck::checker::panic_message;
use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::fix::fix_file;
use asyncheck::{Checker, Diagnostic, Settings};
use rayon::prelude::*;

use std::collections::HashMap;

use crate::cache::{Cache, Key};
use crate::crates::Crates;
use crate::discover::{Input, Unreadable};
use crate::reuse::{group_key, Change, Standing};
use crate::test_modules::TestModules;
use asyncheck::index::FileSummary;
use asyncheck::syntax::KeptParse;

/// Parsing and analysis recurse with the input's nesting; these threads'
/// stacks are reserved, not used, until a file needs them.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Whether a run only reports, or also fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    /// `--fix` (`write`) or `--diff`; `unsafe_fixes` adds the unsafe ones.
    Fix {
        write: bool,
        unsafe_fixes: bool,
    },
}

/// One file's outcome.
pub struct Checked {
    pub path: String,
    /// The text, kept only when there is something to show from it.
    pub source: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub fixes: FixCounts,
    /// With `--diff`: the unified diff of the fixes.
    pub diff: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FixCounts {
    pub applied: usize,
    /// Left out because the result would not parse.
    pub rejected: usize,
    /// Written fixes that were not saved: the file changed meanwhile.
    pub not_written: usize,
}

pub struct Outcome {
    /// Sorted by path; each file's diagnostics sorted by offset, then rule.
    pub files: Vec<Checked>,
    pub file_count: usize,
    /// A rule or the parser panicked on some file.
    pub internal_error: bool,
}

impl Outcome {
    pub fn fix_counts(&self) -> FixCounts {
        self.files
            .iter()
            .fold(FixCounts::default(), |total, f| FixCounts {
                applied: total.applied + f.fixes.applied,
                rejected: total.rejected + f.fixes.rejected,
                not_written: total.not_written + f.fixes.not_written,
            })
    }
}

/// The crate index of every input: each file is read and summarised first
/// (in parallel), then the summaries of a crate are merged.
/// The files of the inputs' packages that are not inputs are read too, for
/// their summaries only; the crates' positions are the inputs' first. With a
/// cache, also what each crate's cached results are still worth
/// (reuse.rs).
fn crate_indexes(
    inputs: &[Input],
    read_within: Option<&std::path::Path>,
    keep: &asyncheck::index::KeepBudget,
    cache: Option<&Cache>,
    test_modules: &TestModules,
) -> (Crates, Vec<Option<Kept>>, HashMap<String, Standing>) {
    let context = crate::crates::package_context(inputs, read_within);
    let all: Vec<&Input> = inputs.iter().chain(&context).collect();
    let read: Vec<(Option<FileSummary>, Option<Kept>, Change)> = all
        .par_iter()
        .enumerate()
        .map(|(position, input)| {
            // Only the inputs are checked: only their parses are worth keeping.
            let keep = |len: usize| position < inputs.len() && keep.take(len);
            let Ok(bytes) = read_regular_file(&input.path) else {
                return (None, None, Change::Everything);
            };
            let content = xxhash_rust::xxh3::xxh3_64(&bytes);
            if let Some(summary) = cache.and_then(|c| c.summary(&input.display, content)) {
                // Unchanged: no parse unless its findings must be made again.
                let kept = keep(bytes.len()).then_some(Kept { bytes, parse: None });
                return (Some(summary), kept, Change::None);
            }
            let previous = cache.and_then(|c| c.previous_summary(&input.display));
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return (None, None, Change::of(previous, None));
            };
            let Ok(Some((summary, parse))) = catch_unwind(AssertUnwindSafe(|| {
                asyncheck::index::summarize_and_keep(text)
            })) else {
                return (None, None, Change::of(previous, None));
            };
            let summary = FileSummary {
                path: input.display.clone(),
                ..summary
            };
            let change = Change::of(previous, Some(&summary));
            if let Some(cache) = cache {
                cache.put_summary(&input.display, content, &summary);
            }
            let kept = keep(bytes.len()).then_some(Kept {
                bytes,
                parse: Some(parse),
            });
            (Some(summary), kept, change)
        })
        .collect();
    let mut summaries = Vec::with_capacity(read.len());
    let mut kept = Vec::with_capacity(read.len());
    let mut changes = Vec::with_capacity(read.len());
    for (summary, keep, change) in read {
        summaries.push(summary);
        kept.push(keep);
        changes.push(change);
    }
    kept.truncate(inputs.len());
    for (input, summary) in all.iter().zip(&summaries) {
        if let Some(summary) = summary {
            test_modules.record(&input.path, &summary.mods);
        }
    }
    let paths: Vec<&std::path::Path> = all.iter().map(|i| i.path.as_path()).collect();
    let current = std::env::current_dir().unwrap_or_default();
    let crates = Crates::new(&paths, summaries, &|path| {
        path.strip_prefix(&current)
            .unwrap_or(path)
            .display()
            .to_string()
    });
    let standings = match cache {
        Some(cache) => {
            let displays: Vec<&str> = all.iter().map(|i| i.display.as_str()).collect();
            crate::reuse::standings(cache, &crates, &displays, &changes)
        }
        None => HashMap::new(),
    };
    (crates, kept, standings)
}

/// A file as the summary pass read and parsed it, kept for the check so
/// that it is read and parsed once per run.
struct Kept {
    bytes: Vec<u8>,
    /// `None` when the summary came from the cache.
    parse: Option<KeptParse>,
}

/// Checks each input with the settings `settings_for` gives its path.
/// `read_within` bounds where the other files of the inputs' crates are
/// read from (the MCP server reads nothing outside its root); `None` reads
/// them wherever the crates are.
pub fn check_files<'s>(
    inputs: &[Input],
    unreadable: Vec<Unreadable>,
    settings_for: &(dyn Fn(&Input) -> Cow<'s, Settings> + Sync),
    threads: Option<usize>,
    mode: Mode,
    cache: Option<&Cache>,
    read_within: Option<&std::path::Path>,
) -> Result<Outcome, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(STACK_SIZE)
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let test_modules = TestModules::default();
    let keep = asyncheck::index::KeepBudget::new(mode == Mode::Check);
    let (crates, kept, standings) =
        pool.install(|| crate_indexes(inputs, read_within, &keep, cache, &test_modules));
    let mut files: Vec<Checked> = pool.install(|| {
        inputs
            .par_iter()
            .zip(kept.into_par_iter())
            .enumerate()
            .map(|(position, (input, kept))| {
                let (bytes, parse) = match kept {
                    Some(kept) => (Ok(kept.bytes), kept.parse),
                    None => (read_regular_file(&input.path), None),
                };
                (position, input, bytes, parse)
            })
            .map(|(position, input, bytes, parse)| match bytes {
                Ok(bytes) => {
                    let settings = settings_for(input);
                    let index = crates.index(position);
                    let (facts, frame) = (index.facts_fingerprint(), index.frame_fingerprint());
                    let checker = Checker::new(&settings).with_index(index);
                    let file = FileToCheck {
                        display: &input.display,
                        test_module: test_modules.is_test_module(&input.path),
                    };
                    match mode {
                        Mode::Check => match cache {
                            Some(cache) => {
                                let key =
                                    Key::new(&bytes, &settings, file.test_module, facts, frame);
                                let standing = standings.get(&group_key(&crates, position));
                                check_cached(cache, &checker, key, standing, &file, bytes, parse)
                            }
                            None => check_bytes(&checker, &file, bytes, parse),
                        },
                        Mode::Fix {
                            write,
                            unsafe_fixes,
                        } => fix_bytes(
                            &checker,
                            input,
                            file.test_module,
                            bytes,
                            write,
                            unsafe_fixes,
                        ),
                    }
                }
                Err(error) => io_error(&input.display, format!("cannot read file: {error}")),
            })
            .collect()
    });
    files.extend(
        crates
            .broken_manifests
            .into_iter()
            .map(|(path, text, diagnostic)| checked(&path, text, vec![diagnostic])),
    );
    files.extend(
        unreadable
            .into_iter()
            .map(|u| io_error(&u.display, format!("cannot read: {}", u.message))),
    );
    Ok(finish(files, inputs.len()))
}

/// Standard input is checked as the file `display` of its crate: the text
/// stands for that file's, the crate's other files are read from disk.
pub fn check_stdin(display: &str, settings: &Settings) -> Result<Outcome, String> {
    let text = read_stdin()?;
    let checker = Checker::new(settings);
    let open = [(
        std::path::PathBuf::from(display),
        String::from_utf8_lossy(&text).into_owned(),
    )];
    let index =
        crate::crates::SummaryCache::default().index_for(std::path::Path::new(display), &open);
    match index {
        Some(index) => check_text(display, text, &checker.with_index(index)),
        None => check_text(display, text, &checker),
    }
}

/// `--fix` or `--diff` on standard input: the text read, and what fixing it
/// gives (the fixed text and what is still found in it).
pub fn fix_stdin(
    display: &str,
    settings: &Settings,
    unsafe_fixes: bool,
) -> Result<(String, asyncheck::fix::Fixed), String> {
    let text = String::from_utf8(read_stdin()?)
        .map_err(|_| "standard input is not valid UTF-8".to_owned())?;
    let checker = Checker::new(settings);
    let path = std::path::Path::new(display);
    let fixed = on_large_stack(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let check = |text: &str| checker.check_module(path, text, false).diagnostics;
            fix_file(&check, &text, unsafe_fixes)
        }))
        .map_err(|panic| {
            format!(
                "asyncheck failed on standard input ({}); please report it",
                panic_message(&*panic)
            )
        })
    })??;
    Ok((text, fixed))
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}

/// Checks one text that is not read from a file (standard input, an MCP
/// client's code), reported as `display`.
pub fn check_text(display: &str, bytes: Vec<u8>, checker: &Checker<'_>) -> Result<Outcome, String> {
    let file = FileToCheck {
        display,
        test_module: false,
    };
    let checked = on_large_stack(|| check_bytes(checker, &file, bytes, None))?;
    Ok(finish(vec![checked], 1))
}

/// The safe fixes of one text that is not a file: the outcome with their
/// diff, and the fixed text. Nothing is written.
pub fn fix_text(
    display: &str,
    text: &str,
    checker: &Checker<'_>,
) -> Result<(Outcome, String), String> {
    let path = std::path::Path::new(display);
    let fixed = on_large_stack(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let check = |text: &str| checker.check_module(path, text, false).diagnostics;
            fix_file(&check, text, false)
        }))
    })?
    .map_err(|panic| {
        format!(
            "asyncheck failed on this text ({}); please report it",
            panic_message(&*panic)
        )
    })?;
    let mut result = checked(display, text.to_owned(), fixed.diagnostics);
    result.fixes = FixCounts {
        applied: fixed.applied,
        rejected: fixed.rejected,
        not_written: 0,
    };
    if fixed.applied > 0 {
        result.diff = Some(unified_diff(display, text, &fixed.text));
    }
    Ok((finish(vec![result], 1), fixed.text))
}

fn unified_diff(display: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(display, display)
        .to_string()
}

/// Runs `work` on a thread with the same large stack as the worker threads.
fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, work)
            .map_err(|e| format!("cannot start a thread: {e}"))?
            .join()
            .map_err(|_| "the checking thread failed".to_owned())
    })
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

/// A regular file's bytes. Anything else (a FIFO, a device, a folder) is
/// refused before reading: reading a FIFO would wait forever.
fn read_regular_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    std::fs::read(path)
}

/// The file's text, or the `io-error` for a file that is not UTF-8.
fn decode(display: &str, bytes: Vec<u8>) -> Result<String, Checked> {
    String::from_utf8(bytes).map_err(|error| {
        io_error(
            display,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                error.utf8_error().valid_up_to()
            ),
        )
    })
}

/// How a file is reported, and whether its parent declares it for tests.
pub struct FileToCheck<'a> {
    pub display: &'a str,
    pub test_module: bool,
}

/// Checks a file's bytes; `parse`, when the summary pass kept it, is their
/// parse.
fn check_bytes(
    checker: &Checker<'_>,
    file: &FileToCheck<'_>,
    bytes: Vec<u8>,
    parse: Option<KeptParse>,
) -> Checked {
    let display = file.display;
    let text = match decode(display, bytes) {
        Ok(text) => text,
        Err(checked) => return checked,
    };
    let path = std::path::Path::new(display);
    let report = catch_unwind(AssertUnwindSafe(|| match parse {
        Some(parse) => checker.check_parsed(path, &text, file.test_module, Some(parse.file())),
        None => checker.check_module(path, &text, file.test_module),
    }));
    let diagnostics = match report {
        Ok(report) => report.diagnostics,
        Err(panic) => vec![failure(&*panic)],
    };
    checked(display, text, diagnostics)
}

/// A check answered from the cache when the file, its settings and its
/// test-ness and its crate's facts are what they were; otherwise checked and recorded.
fn check_cached(
    cache: &Cache,
    checker: &Checker<'_>,
    key: Key,
    standing: Option<&Standing>,
    file: &FileToCheck<'_>,
    bytes: Vec<u8>,
    parse: Option<KeptParse>,
) -> Checked {
    let found = cache.get(file.display, key).or_else(|| {
        let standing = standing?;
        cache.get_unaffected(file.display, key, standing.previous_facts(), || {
            standing.unaffected(file.display, &bytes)
        })
    });
    if let Some(diagnostics) = found {
        return match decode(file.display, bytes) {
            Ok(text) => checked(file.display, text, diagnostics),
            Err(checked) => checked,
        };
    }
    let result = check_bytes(checker, file, bytes, parse);
    cache.put(file.display, key, &result.diagnostics);
    result
}

fn checked(display: &str, text: String, diagnostics: Vec<Diagnostic>) -> Checked {
    Checked {
        path: display.to_owned(),
        source: (!diagnostics.is_empty()).then_some(text),
        diagnostics,
        fixes: FixCounts::default(),
        diff: None,
    }
}

fn failure(panic: &(dyn std::any::Any + Send)) -> Diagnostic {
    Diagnostic::internal_error(format!(
        "asyncheck failed on this file ({}); please report it",
        panic_message(panic)
    ))
}

fn fix_bytes(
    checker: &Checker<'_>,
    input: &Input,
    test_module: bool,
    bytes: Vec<u8>,
    write: bool,
    unsafe_fixes: bool,
) -> Checked {
    let text = match decode(&input.display, bytes) {
        Ok(text) => text,
        Err(checked) => return checked,
    };
    let path = std::path::Path::new(&input.display);
    let fixed = match catch_unwind(AssertUnwindSafe(|| {
        let check = |text: &str| checker.check_module(path, text, test_module).diagnostics;
        fix_file(&check, &text, unsafe_fixes)
    })) {
        Ok(fixed) => fixed,
        Err(panic) => return checked(&input.display, text, vec![failure(&*panic)]),
    };
    let mut fixes = FixCounts {
        applied: fixed.applied,
        rejected: fixed.rejected,
        not_written: 0,
    };
    if fixed.applied == 0 {
        let mut result = checked(&input.display, text, fixed.diagnostics);
        result.fixes = fixes;
        return result;
    }
    if !write {
        let diff = unified_diff(&input.display, &text, &fixed.text);
        // The diff is shown, nothing is written: report the file as it is.
        let mut result = checked(&input.display, text, fixed.diagnostics);
        result.fixes = fixes;
        result.diff = Some(diff);
        return result;
    }
    match write_if_unchanged(&input.path, &text, &fixed.text) {
        Ok(()) => {
            let mut result = checked(&input.display, fixed.text, fixed.diagnostics);
            result.fixes = fixes;
            result
        }
        Err(message) => {
            let mut result = io_error(&input.display, message);
            fixes.not_written = fixes.applied;
            fixes.applied = 0;
            result.fixes = fixes;
            result
        }
    }
}

/// Replaces the file's text with `fixed` through a temporary file and a
/// rename, keeping its permissions, unless it no longer holds `original`.
fn write_if_unchanged(path: &std::path::Path, original: &str, fixed: &str) -> Result<(), String> {
    let now = std::fs::read(path).map_err(|e| format!("cannot re-read before fixing: {e}"))?;
    if now != original.as_bytes() {
        return Err("the file changed while it was being fixed; it was left as it is".to_owned());
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let permissions = std::fs::metadata(path)
        .map_err(|e| format!("cannot read permissions: {e}"))?
        .permissions();
    let mut temporary = tempfile::NamedTempFile::new_in(folder)
        .map_err(|e| format!("cannot create a temporary file to write the fixes: {e}"))?;
    std::io::Write::write_all(&mut temporary, fixed.as_bytes())
        .map_err(|e| format!("cannot write the fixes: {e}"))?;
    std::fs::set_permissions(temporary.path(), permissions)
        .map_err(|e| format!("cannot keep the file's permissions: {e}"))?;
    temporary
        .persist(path)
        .map_err(|e| format!("cannot replace the file with its fixed text: {}", e.error))?;
    Ok(())
}

fn io_error(display: &str, message: String) -> Checked {
    Checked {
        path: display.to_owned(),
        source: None,
        diagnostics: vec![Diagnostic::io_error(message)],
        fixes: FixCounts::default(),
        diff: None,
    }
}
