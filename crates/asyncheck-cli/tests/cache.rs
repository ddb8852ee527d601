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
    let file = cache.join("results-v5.json");
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
        std::fs::write(cache.join("results-v5.json"), junk).unwrap();
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

/// Every finding's message, doctored so that a result answered from the
/// cache shows.
fn doctor(cache: &Path) {
    let file = cache.join("results-v5.json");
    let mut recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for entry in recorded["entries"].as_object_mut().unwrap().values_mut() {
        for stored in entry["diagnostics"].as_array_mut().unwrap() {
            let message = stored["message"].as_str().unwrap().to_owned();
            stored["message"] = format!("CACHED {message}").into();
        }
    }
    std::fs::write(&file, serde_json::to_vec(&recorded).unwrap()).unwrap();
}

/// (path, line, rule, answered from the cache) of each finding.
fn findings(report: &str) -> Vec<(String, u64, String, bool)> {
    let report: serde_json::Value = serde_json::from_str(report).unwrap();
    let mut found: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["start"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().starts_with("CACHED"),
            )
        })
        .collect();
    found.sort();
    found
}

/// A cargo crate in a temporary folder, checked with its own cache.
struct Crate {
    dir: TempDir,
}

impl Crate {
    fn new(name: &str) -> Crate {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = {{ version = \"1\", features = [\"full\"] }}\nfutures = \"0.3\"\n"),
        )
        .unwrap();
        Crate { dir }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("src").join(name), text).unwrap();
    }

    fn cache(&self) -> std::path::PathBuf {
        self.dir.path().join("cache")
    }

    /// Every rule's findings, with the cache (or without it).
    fn check(&self, args: &[&str]) -> Vec<(String, u64, String, bool)> {
        let output = Command::cargo_bin("asyncheck")
            .unwrap()
            .current_dir(self.dir.path())
            .env("ASYNCHECK_CACHE_DIR", self.cache())
            .args([
                "check",
                "--format",
                "json",
                "--exit-zero",
                "--select",
                "all",
                ".",
            ])
            .args(args)
            .output()
            .unwrap();
        findings(&String::from_utf8(output.stdout).unwrap())
    }

    /// The findings with the cache, which must be a fresh run's.
    fn check_as_fresh(&self) -> Vec<(String, u64, String, bool)> {
        let cached = self.check(&[]);
        let without_origin = |found: &[(String, u64, String, bool)]| -> Vec<(String, u64, String)> {
            found
                .iter()
                .map(|(p, l, r, _)| (p.clone(), *l, r.clone()))
                .collect()
        };
        assert_eq!(
            without_origin(&cached),
            without_origin(&self.check(&["--no-cache"]))
        );
        cached
    }
}

/// A change to what one file tells its crate re-checks the files it can
/// reach (those that mention a name whose facts changed, through the
/// wrappers that call it, and the file whose `block_on` async code now
/// reaches) and answers the others from the cache, with the findings a
/// fresh run makes.
#[test]
fn a_changed_fact_rechecks_only_the_files_it_reaches() {
    let krate = Crate::new("facts");
    krate.write("lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\nmod e;\n");
    krate.write("a.rs", "pub fn helper() -> u32 {\n    1\n}\n");
    // `b::relay` wraps `a::helper`; `c` calls only `relay`.
    krate.write(
        "b.rs",
        "pub fn relay() -> u32 {\n    crate::a::helper()\n}\n",
    );
    krate.write(
        "c.rs",
        "pub async fn serve() -> u32 {\n    crate::b::relay()\n}\n",
    );
    // `e::sync_flush` blocks on a future; `d` is unrelated to the others.
    krate.write(
        "d.rs",
        "pub async fn record(log: &std::sync::Mutex<Vec<u32>>) {\n    let mut entries = log.lock().unwrap();\n    entries.push(1);\n    tokio::task::yield_now().await;\n}\n",
    );
    krate.write(
        "e.rs",
        "pub fn sync_flush() -> u32 {\n    futures::executor::block_on(async { 1 })\n}\n",
    );
    krate.check(&[]);
    doctor(&krate.cache());

    // `helper` now blocks: `c` calls it through `relay` and is checked
    // again; `d`, which mentions neither, is answered from the cache.
    krate.write(
        "a.rs",
        "pub fn helper() -> u32 {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n    1\n}\n",
    );
    let found = krate.check_as_fresh();
    assert!(found.contains(&("src/c.rs".into(), 2, "blocking-in-async".into(), false)));
    assert!(found.contains(&("src/d.rs".into(), 2, "lock-across-await".into(), true)));

    // Async code of `a` now reaches `e`'s `block_on`, which is flagged
    // where it is, though `e` mentions nothing of `a`.
    krate.check(&[]);
    doctor(&krate.cache());
    krate.write(
        "a.rs",
        "pub async fn helper() -> u32 {\n    crate::e::sync_flush()\n}\n",
    );
    let found = krate.check_as_fresh();
    assert!(found.contains(&("src/e.rs".into(), 2, "block-on-in-async".into(), false)));
    assert!(found.contains(&("src/d.rs".into(), 2, "lock-across-await".into(), true)));
}

/// A type alias changed in one file changes the lock a field of another
/// file holds: the file that locks the field is checked again, though it
/// never names the alias.
#[test]
fn a_changed_alias_rechecks_the_users_of_fields_of_that_type() {
    let krate = Crate::new("aliases");
    krate.write("lib.rs", "mod f;\nmod g;\nmod h;\n");
    krate.write("f.rs", "pub type Shared = std::sync::Mutex<u32>;\n");
    krate.write(
        "g.rs",
        "pub struct Holder {\n    pub state: crate::f::Shared,\n}\n",
    );
    krate.write(
        "h.rs",
        "pub async fn bump(holder: &crate::g::Holder) {\n    let mut value = holder.state.lock().unwrap();\n    *value += 1;\n    tokio::task::yield_now().await;\n}\n",
    );
    let found = krate.check(&[]);
    assert!(found.contains(&("src/h.rs".into(), 2, "lock-across-await".into(), false)));
    doctor(&krate.cache());
    krate.write("f.rs", "pub type Shared = tokio::sync::Mutex<u32>;\n");
    let found = krate.check_as_fresh();
    assert!(!found.iter().any(|(path, _, _, _)| path == "src/h.rs"));
}
