//! The results cache: same answers, from the cache when nothing changed.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

const FINDING: &str = "pub fn f() { let _c = std::sync::mpsc::channel::<u8>(); }\n";

fn run(dir: &Path, cache: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir)
        .env("ASYNCHECK_CACHE_DIR", cache)
        .args(["check", "--format", "json", "-W", "patterns", "src"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn cached_results_equal_fresh_ones_and_follow_changes() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.rs"), FINDING).unwrap();
    std::fs::write(dir.path().join("src/b.rs"), "fn clean() {}\n").unwrap();
    std::fs::write(dir.path().join("src/broken.rs"), "fn broken( {\n").unwrap();

    let fresh = run(dir.path(), &cache, &[]);
    let file = cache.join("results-v4.json");
    assert!(file.is_file(), "the first run writes the cache");
    // With each file's summary for the crate index: an unchanged file is
    // not parsed again for it.
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(recorded["summaries"]["src/b.rs"]["summary"]["functions"][0]["name"] == "clean");
    let cached = run(dir.path(), &cache, &[]);
    assert_eq!(fresh, cached);
    assert_eq!(fresh, run(dir.path(), &cache, &["--no-cache"]));

    // The cache answers from what it recorded: a doctored entry shows that
    // an unchanged file is not checked again...
    let recorded = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        recorded.replace("unbounded channel", "UNBOUNDED CHANNEL"),
    )
    .unwrap();
    assert!(run(dir.path(), &cache, &[]).contains("UNBOUNDED CHANNEL"));
    // ...while a changed file, or other settings, are.
    std::fs::write(dir.path().join("src/a.rs"), format!("// edited\n{FINDING}")).unwrap();
    let after_edit = run(dir.path(), &cache, &[]);
    assert!(!after_edit.contains("UNBOUNDED CHANNEL"));
    assert!(after_edit.contains("\"line\": 2"));
    let ignored = run(dir.path(), &cache, &["--ignore", "unbounded-channel"]);
    assert!(!ignored.contains("unbounded-channel"));
}

#[test]
fn a_corrupt_or_foreign_cache_is_ignored() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.rs"), FINDING).unwrap();
    let fresh = run(dir.path(), &dir.path().join("elsewhere"), &["--no-cache"]);
    for junk in [
        "not json".to_owned(),
        "{\"version\": \"0.0.0-other\", \"entries\": {}}".to_owned(),
        "{\"version\": \"x\"}".to_owned(),
    ] {
        std::fs::write(cache.join("results-v4.json"), junk).unwrap();
        assert_eq!(run(dir.path(), &cache, &[]), fresh);
    }
}

#[test]
fn no_cache_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.rs"), FINDING).unwrap();
    run(dir.path(), &cache, &["--no-cache"]);
    assert!(!cache.exists());
}
