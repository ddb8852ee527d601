//! Baselines: recorded findings stay quiet after unrelated edits; new ones
//! are reported.

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const BEFORE: &str = "pub fn start() {
    let (_tx, _rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
}
";

fn check(dir: &TempDir, args: &[&str]) -> (Vec<(String, u64)>, i32) {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check", "--format", "json", "-D", "warnings", "-W", "patterns",
        ])
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (found, output.status.code().unwrap())
}

#[test]
fn recorded_findings_survive_edits_above_them_and_new_ones_are_reported() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("lib.rs"), BEFORE).unwrap();

    let status = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "-W",
            "patterns",
            "--write-baseline",
            "asyncheck-baseline.json",
            "src",
        ])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(0));
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("asyncheck-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(recorded["findings"][0]["path"], "src/lib.rs");
    assert_eq!(recorded["findings"][0]["rule"], "unbounded-channel");

    // Lines inserted above, the flagged line re-indented: still recorded.
    let edited = format!(
        "//! A crate.\n\nuse std::io;\n\n{}\npub fn later() {{\n    let (_a, _b) = flume::unbounded::<u8>();\n}}\n",
        BEFORE.replace("    let", "        let")
    );
    std::fs::write(src.join("lib.rs"), &edited).unwrap();
    let (found, code) = check(&dir, &["--baseline", "asyncheck-baseline.json", "src"]);
    assert_eq!(
        found,
        [("unbounded-channel".to_owned(), 10)],
        "only the new finding"
    );
    assert_eq!(code, 1);

    // A second copy of the recorded line is a new finding.
    let doubled = format!("{BEFORE}\npub fn again() {{\n    let (_tx, _rx) = tokio::sync::mpsc::unbounded_channel::<u8>();\n}}\n");
    std::fs::write(src.join("lib.rs"), doubled).unwrap();
    let (found, _) = check(&dir, &["--baseline", "asyncheck-baseline.json", "src"]);
    assert_eq!(found.len(), 1);

    // Run from elsewhere: paths are relative to the baseline file.
    std::fs::write(src.join("lib.rs"), BEFORE).unwrap();
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(&src)
        .args([
            "check",
            "-D",
            "warnings",
            "--baseline",
            "../asyncheck-baseline.json",
            "lib.rs",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));

    // The run says how many recorded findings it did not report.
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(&src)
        .args([
            "check",
            "-W",
            "patterns",
            "--baseline",
            "../asyncheck-baseline.json",
            "lib.rs",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("1 finding recorded in ../asyncheck-baseline.json not reported"),
        "{stderr}"
    );
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("b.json"), "{\"nope\": 1}").unwrap();
    std::fs::write(dir.path().join("a.rs"), BEFORE).unwrap();
    let status = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--baseline", "b.json", "a.rs"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(2));
}
