//! Fixes keep the build green: every fix asyncheck offers (safe and
//! unsafe) is applied to small cargo crates on different runtimes, and each
//! fixed crate must still pass `cargo check` with warnings denied.
//!
//! The crates (tests/fix_crates/) have pinned lockfiles; they are built in
//! `target/fix-crates` so that their dependencies are compiled once. Needs
//! the crates.io registry (or a filled cargo cache); without `cargo` on the
//! PATH the test says so and stops.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fix_crates")
}

fn copy_crate(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("src")).unwrap();
    for name in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(from.join("src")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("src").join(path.file_name().unwrap())).unwrap();
    }
}

/// Fixes the crate at `dir` with every fix, returning the fixed main.rs.
fn fix(dir: &Path) -> String {
    let output = assert_cmd::Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--select",
            "all",
            "--fix",
            "--unsafe-fixes",
            "--no-cache",
            ".",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(dir.join("src/main.rs")).unwrap()
}

fn cargo_check(dir: &Path) -> Result<(), String> {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fix-crates");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(dir)
        .args(["check", "--locked", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn fixed_crates_still_compile_without_warnings() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fix-crates");
    let _ = std::fs::remove_dir_all(&work);
    // What each crate's fixed text must (and must not) contain.
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "tokio-full",
            &[
                "tokio::time::sleep(",
                "tokio::fs::read_to_string(",
                "try_join!",
                "text.trim().parse::<u32>()?",
                "let _permit = limit.acquire_many(2).await;",
                "let _permit = limit.acquire().await;",
                "let Ok(_permit) = limit.try_acquire() else {",
            ],
            &["use std::thread;", "first?;"],
        ),
        // No `time`/`fs` feature: the blocking calls stay, unfixed.
        (
            "tokio-rt",
            &["thread::sleep(", "std::fs::read_to_string("],
            &["tokio::time", "tokio::fs"],
        ),
        (
            "async-std",
            &["async_std::task::sleep(", "async_std::fs::read_to_string("],
            &["tokio::"],
        ),
        (
            "smol",
            &["smol::Timer::after(", "smol::fs::read_to_string("],
            &["tokio::time", "tokio::fs"],
        ),
        // No reactor: nothing to rewrite to.
        (
            "futures-executor",
            &["thread::sleep("],
            &["tokio::time", "tokio::fs"],
        ),
    ];
    for (name, present, absent) in cases {
        let dir = work.join(name);
        copy_crate(&fixtures().join(name), &dir);
        let fixed = fix(&dir);
        for text in *present {
            assert!(fixed.contains(text), "{name}: `{text}` missing in\n{fixed}");
        }
        for text in *absent {
            assert!(!fixed.contains(text), "{name}: `{text}` left in\n{fixed}");
        }
        if let Err(errors) = cargo_check(&dir) {
            panic!("{name} does not build after its fixes:\n{errors}\n{fixed}");
        }
    }
}
