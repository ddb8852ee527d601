//! Facts across files, end to end: each folder of tests/crates/ is a small
//! cargo crate (or workspace) whose lines marked `//~ rule` must be flagged
//! by that rule, and nothing else flagged, when the binary checks it with
//! every rule on. The markers are the expectations; the crates are never
//! built.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crates")
}

/// (path relative to the crate, line, rule) for every `//~ rule` marker.
fn expected(root: &Path) -> BTreeSet<(String, u64, String)> {
    let mut found = BTreeSet::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            for (number, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
                if let Some((_, rules)) = line.split_once("//~ ") {
                    for rule in rules.split_whitespace() {
                        found.insert((relative.clone(), number as u64 + 1, rule.to_owned()));
                    }
                }
            }
        }
    }
    found
}

fn flagged(root: &Path) -> BTreeSet<(String, u64, String)> {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(root)
        .args([
            "check",
            "--select",
            "all",
            "--no-cache",
            "--format",
            "json",
            ".",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_owned(),
                d["start"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_fixture_crate_is_flagged_where_marked() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let root = entry.unwrap().path();
        if !root.is_dir() {
            continue;
        }
        let expected = expected(&root);
        assert!(!expected.is_empty(), "{} marks nothing", root.display());
        assert_eq!(flagged(&root), expected, "{}", root.display());
        checked += 1;
    }
    assert!(checked >= 3);
}

/// A file checked alone, or given on standard input under its name, is
/// still checked as part of its crate: wrappers in other files are known,
/// and only that file is reported.
#[test]
fn a_file_checked_alone_knows_its_crate() {
    let root = fixtures().join("wrappers");
    let lines = |output: std::process::Output| -> Vec<(String, u64)> {
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "block-on-in-async")
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_owned(),
                    d["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let args = ["check", "--select", "all", "--no-cache", "--format", "json"];
    let alone = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(&root)
        .args(args)
        .arg("src/lib.rs")
        .output()
        .unwrap();
    let expected: Vec<(String, u64)> = [38, 39, 78]
        .into_iter()
        .map(|line| ("src/lib.rs".to_owned(), line))
        .collect();
    assert_eq!(lines(alone), expected);

    let text = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let piped = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(&root)
        .args(args)
        .args(["--stdin-filename", "src/lib.rs", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(lines(piped), expected);
}

/// A finding about another file points there: in JSON as the label's
/// `elsewhere`, in SARIF as a related location in that file.
#[test]
fn a_lock_order_inverted_in_another_file_points_at_it() {
    let root = fixtures().join("lock_orders");
    let run = |format: &str| -> Value {
        let output = Command::cargo_bin("asyncheck")
            .unwrap()
            .current_dir(&root)
            .args(["check", "--no-cache", "--format", format, "."])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let json = run("json");
    let labels = &json["diagnostics"][0]["labels"];
    assert_eq!(labels[1]["elsewhere"]["path"], "src/report.rs", "{json}");
    assert_eq!(labels[1]["elsewhere"]["line"], 6);

    let sarif = run("sarif");
    let related = &sarif["runs"][0]["results"][0]["relatedLocations"][1]["physicalLocation"];
    let uri = related["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("lock_orders/src/report.rs"), "{uri}");
    assert_eq!(related["region"]["startLine"], 6);
}

#[test]
fn a_broken_manifest_is_named_once_and_its_files_still_checked() {
    let dir = tempfile::TempDir::new().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    let code =
        "pub async fn f() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n";
    std::fs::write(root.join("src/lib.rs"), code).unwrap();
    std::fs::write(root.join("src/other.rs"), code).unwrap();
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(root)
        .args([
            "check",
            "--no-cache",
            "--format",
            "json",
            "-W",
            "blocking-in-async",
            ".",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
                d["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Cargo.toml".to_owned(), "parse-error".to_owned(), 3),
            ("src/lib.rs".to_owned(), "blocking-in-async".to_owned(), 2),
            ("src/other.rs".to_owned(), "blocking-in-async".to_owned(), 2),
        ]
    );
}
