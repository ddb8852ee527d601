//! The benchmark: `cargo run --release -p asyncheck-bench` (see BENCHMARKS.md).
//!
//! It generates a corpus (no network), then measures, each in a fresh
//! process so that peak memory is that run's alone:
//! - the parse-only floor: read every file and parse it, nothing else;
//! - the check: read, parse, expand macros, resolve imports, run every rule;
//! - the `asyncheck` binary end to end (discovery, checking, JSON output);
//!
//! on one thread and on all cores, at 25%, 50% and 100% of the corpus.

mod corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use std::sync::Arc;

use asyncheck::index::{CrateIndex, Facts, Manifest};
use asyncheck::{Checker, Settings};
use rayon::prelude::*;

/// The asyncheck binary's allocator, so that the figures are its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 0x00a5_c4ec;
const STACK_SIZE: usize = 256 * 1024 * 1024;
/// Each figure is the best of this many runs.
const RUNS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("measure") => measure(&args[2..]),
        _ => benchmark(&args[1..]),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}

fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn benchmark(args: &[String]) -> Result<(), String> {
    let size_mb: usize = option(args, "--size-mb")
        .unwrap_or("32")
        .parse()
        .map_err(|_| "--size-mb takes a number")?;
    let folder = PathBuf::from(option(args, "--corpus").unwrap_or("target/bench-corpus"));
    let binary = PathBuf::from(option(args, "--binary").unwrap_or("target/release/asyncheck"));
    let files = prepare_corpus(&folder, size_mb)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let me = std::env::current_exe().map_err(|e| e.to_string())?;

    println!(
        "corpus: {} files, {:.1} MB ({})",
        files.len(),
        total_bytes(&files) as f64 / 1e6,
        folder.display()
    );
    println!("machine: {cores} cores; best of {RUNS} runs\n");
    println!("| share | threads | parse-only | check | ratio | check MB/s | files/s | parse peak MB | check peak MB |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for percent in [25, 50, 100] {
        let count = files.len() * percent / 100;
        let bytes = total_bytes(&files[..count]);
        for threads in thread_counts(cores) {
            let run = |what: &str| {
                best_of(|| {
                    child(Command::new(&me).args([
                        "measure",
                        what,
                        &folder.display().to_string(),
                        &percent.to_string(),
                        &threads.to_string(),
                    ]))
                })
            };
            let parse = run("parse")?;
            let check = run("check")?;
            println!(
                "| {percent}% | {threads} | {:.3} s | {:.3} s | {:.2} | {:.1} | {:.0} | {:.0} | {:.0} |",
                parse.seconds,
                check.seconds,
                check.seconds / parse.seconds,
                bytes as f64 / 1e6 / check.seconds,
                count as f64 / check.seconds,
                parse.peak_kb as f64 / 1024.0,
                check.peak_kb as f64 / 1024.0,
            );
        }
    }
    if binary.is_file() {
        println!("\n`asyncheck check --select all --format json` on the whole corpus:\n");
        println!("| run | threads | wall | MB/s | files/s | peak MB |");
        println!("| --- | --- | --- | --- | --- | --- |");
        let cache =
            std::env::temp_dir().join(format!("asyncheck-bench-cache-{}", std::process::id()));
        for threads in thread_counts(cores) {
            for cached in [false, true] {
                let _ = std::fs::remove_dir_all(&cache);
                let end_to_end = || {
                    let mut command = Command::new(&binary);
                    command
                        .args([
                            "check",
                            "--select",
                            "all",
                            "--format",
                            "json",
                            "--exit-zero",
                            "--threads",
                        ])
                        .arg(threads.to_string())
                        .arg(&folder)
                        .env("ASYNCHECK_CACHE_DIR", &cache);
                    if !cached {
                        command.arg("--no-cache");
                    }
                    child(&mut command)
                };
                if cached {
                    // Fill the cache; the timed runs then find every file in it.
                    end_to_end()?;
                }
                let run = best_of(end_to_end)?;
                println!(
                    "| {} | {threads} | {:.3} s | {:.1} | {:.0} | {:.0} |",
                    if cached {
                        "cached"
                    } else {
                        "cold (`--no-cache`)"
                    },
                    run.seconds,
                    total_bytes(&files) as f64 / 1e6 / run.seconds,
                    files.len() as f64 / run.seconds,
                    run.peak_kb as f64 / 1024.0
                );
            }
        }
        let _ = std::fs::remove_dir_all(&cache);
    } else {
        println!(
            "\n({} not built: `cargo build --release` first for the end-to-end figures)",
            binary.display()
        );
    }
    Ok(())
}

fn thread_counts(cores: usize) -> Vec<usize> {
    if cores > 1 {
        vec![1, cores]
    } else {
        vec![1]
    }
}

fn total_bytes(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// The corpus in `folder`, generated unless a corpus of that size is there.
fn prepare_corpus(folder: &Path, size_mb: usize) -> Result<Vec<PathBuf>, String> {
    let marker = folder.join(format!(".generated-{size_mb}mb-{SEED:x}"));
    if !marker.is_file() {
        let _ = std::fs::remove_dir_all(folder);
        std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        corpus::generate(folder, size_mb << 20, SEED).map_err(|e| e.to_string())?;
        std::fs::write(&marker, "").map_err(|e| e.to_string())?;
    }
    list(folder)
}

fn list(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

struct Figures {
    seconds: f64,
    peak_kb: i64,
}

fn best_of(mut run: impl FnMut() -> Result<Figures, String>) -> Result<Figures, String> {
    let mut best: Option<Figures> = None;
    for _ in 0..RUNS {
        let figures = run()?;
        if best.as_ref().is_none_or(|b| figures.seconds < b.seconds) {
            best = Some(figures);
        }
    }
    best.ok_or_else(|| "no run".to_owned())
}

/// Runs a child process, timing it and reading its peak resident memory.
fn child(command: &mut Command) -> Result<Figures, String> {
    let start = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the locals above.
    let waited = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let seconds = start.elapsed().as_secs_f64();
    if waited < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{command:?} failed"));
    }
    Ok(Figures {
        seconds,
        peak_kb: usage.ru_maxrss,
    })
}

/// `measure parse|check CORPUS PERCENT THREADS`: one timed run in this process.
fn measure(args: &[String]) -> Result<(), String> {
    let [what, folder, percent, threads] = args else {
        return Err("usage: measure parse|check CORPUS PERCENT THREADS".to_owned());
    };
    let files = list(Path::new(folder))?;
    let percent: usize = percent.parse().map_err(|_| "bad percent")?;
    let threads: usize = threads.parse().map_err(|_| "bad thread count")?;
    let files = &files[..files.len() * percent / 100];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .build()
        .map_err(|e| e.to_string())?;
    let mut settings = Settings::default();
    settings.select(&["all".to_owned()]).map_err(|e| e.0)?;
    let read = |path: &PathBuf| std::fs::read_to_string(path).unwrap_or_default();
    let work: usize = pool.install(|| {
        if what == "parse" {
            return files
                .par_iter()
                .map(|path| asyncheck::syntax::parse_only(&read(path)).unwrap_or(0))
                .sum();
        }
        // As the CLI does: every file read, parsed and summarised for the
        // crate index (the corpus is one crate), its parse kept within the
        // CLI's budget (else parsed again), then checked with the index.
        let keep = asyncheck::index::KeepBudget::new(true);
        let (summaries, kept): (Vec<_>, Vec<_>) = files
            .par_iter()
            .map(|path| {
                let text = read(path);
                let (summary, parse) = asyncheck::index::summarize_and_keep(&text).unzip();
                let parse = parse.filter(|_| keep.take(text.len()));
                (summary, (text, parse))
            })
            .unzip();
        let summaries: Vec<_> = summaries.into_iter().flatten().collect();
        let index = CrateIndex::new(Arc::new(Facts::new(&summaries)), Manifest::default());
        let checker = Checker::new(&settings).with_index(index);
        files
            .par_iter()
            .zip(kept.into_par_iter())
            .map(|(path, (text, parse))| {
                let parsed = match parse {
                    Some(kept) => Some(kept.file()),
                    None => asyncheck::syntax::parse_file(&text),
                };
                checker
                    .check_parsed(path, &text, false, parsed)
                    .diagnostics
                    .len()
            })
            .sum()
    });
    println!("{work}");
    Ok(())
}
