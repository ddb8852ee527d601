//! Groups and defaults (rules.md "Groups and defaults"): what a default run
//! reports, and group names wherever rule names are accepted.

use std::path::Path;

mod common;

use assert_cmd::Command;
use serde_json::Value;

/// A pattern finding (unbounded-channel, off by default), a suspicious one
/// (lock-across-await, warn) and a correctness one (block-on-in-async, error).
const CODE: &str = "pub async fn start(m: &tokio::sync::Mutex<u8>, s: &std::sync::Mutex<u8>) {
    let (_tx, _rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
    let held = s.lock().unwrap();
    tick().await;
    drop(held);
    let _g = m.blocking_lock();
}

async fn tick() {}
";

/// (rule, severity) of every finding, and the exit status.
fn run(dir: &Path, args: &[&str]) -> (Vec<(String, String)>, i32) {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let found = report["diagnostics"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    (
                        d["rule"].as_str().unwrap().to_owned(),
                        d["severity"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (found, output.status.code().unwrap())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect()
}

#[test]
fn a_default_run_reports_the_defect_groups_only() {
    let dir = common::project(&[("src/lib.rs", CODE.as_bytes())]);
    let (found, code) = run(dir.path(), &[]);
    assert_eq!(
        found,
        pairs(&[
            ("lock-across-await", "warning"),
            ("block-on-in-async", "error")
        ])
    );
    assert_eq!(code, 1);
}

#[test]
fn select_replaces_the_set_and_w_adds_a_group() {
    let dir = common::project(&[("src/lib.rs", CODE.as_bytes())]);
    let (found, _) = run(dir.path(), &["--select", "patterns"]);
    assert_eq!(found, pairs(&[("unbounded-channel", "warning")]));
    let (found, _) = run(dir.path(), &["-W", "patterns"]);
    assert_eq!(found.len(), 3);
    let (found, _) = run(dir.path(), &["--select", "all", "--ignore", "suspicious"]);
    assert_eq!(
        found,
        pairs(&[
            ("unbounded-channel", "warning"),
            ("block-on-in-async", "error")
        ])
    );
    let (found, _) = run(dir.path(), &["-D", "suspicious", "-A", "correctness"]);
    assert_eq!(found, pairs(&[("lock-across-await", "error")]));
}

#[test]
fn a_rules_own_level_beats_its_groups() {
    let dir = common::project(&[
        ("src/lib.rs", CODE.as_bytes()),
        (
            "asyncheck.toml",
            b"[rules]\npatterns = \"deny\"\nunbounded-channel = \"warn\"\nsuspicious = \"allow\"\n",
        ),
    ]);
    let (found, _) = run(dir.path(), &[]);
    assert_eq!(
        found,
        pairs(&[
            ("unbounded-channel", "warning"),
            ("block-on-in-async", "error")
        ])
    );
    // The command line's group level does not beat the config's rule level.
    let (found, _) = run(dir.path(), &["-A", "patterns"]);
    assert_eq!(found[0], ("unbounded-channel".into(), "warning".into()));
    let (found, _) = run(dir.path(), &["-A", "unbounded-channel"]);
    assert_eq!(found, pairs(&[("block-on-in-async", "error")]));
}

#[test]
fn config_select_takes_groups_and_unknown_names_suggest_the_closest() {
    let dir = common::project(&[
        ("src/lib.rs", CODE.as_bytes()),
        ("asyncheck.toml", b"select = [\"correctness\"]\n"),
    ]);
    let (found, _) = run(dir.path(), &[]);
    assert_eq!(found, pairs(&[("block-on-in-async", "error")]));

    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "-W", "pattern"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `patterns`"), "{stderr}");

    let bad = common::project(&[
        ("src/lib.rs", CODE.as_bytes()),
        ("asyncheck.toml", b"[rules]\nsuspicous = \"warn\"\n"),
    ]);
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(bad.path())
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `suspicious`"), "{stderr}");
}

#[test]
fn the_rules_catalogue_gives_every_rule_its_group() {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    for rule in rules.as_array().unwrap() {
        let group = rule["group"].as_str().unwrap();
        let level = rule["default_level"].as_str().unwrap();
        let expected = match group {
            "correctness" => "deny",
            "suspicious" => "warn",
            "patterns" => "allow",
            other => panic!("unknown group {other}"),
        };
        assert_eq!(level, expected, "{}", rule["name"]);
    }
}
