//! Every output format of `check`, end to end, on the same findings: an
//! error, a warning with a safe fix, and a path XML must escape.

use std::path::Path;

mod common;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const WORKER: &str = "use tokio::sync::Mutex;

pub async fn work(m: &Mutex<u8>) {
    let _g = m.blocking_lock();
    std::thread::sleep(std::time::Duration::from_millis(1));
}
";

const PAUSE: &str = "pub async fn pause() {
    std::thread::sleep(std::time::Duration::from_secs(1));
}
";

fn project() -> TempDir {
    common::project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n",
        ),
        // blocking-in-async is a pattern (off by default); its fix is safe
        // in a crate on tokio with every feature.
        ("asyncheck.toml", "[rules]\nblocking-in-async = \"warn\"\n"),
        ("src/lib.rs", "pub mod worker;\n"),
        ("src/worker.rs", WORKER),
        ("src/a&b.rs", PAUSE),
    ])
}

fn asyncheck(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("asyncheck").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// The output of `check --format FORMAT`, with the temporary folder's path
/// written `[ROOT]` so that snapshots do not depend on it.
fn output(dir: &Path, format: &str, args: &[&str]) -> (String, i32) {
    let output = asyncheck(dir)
        .args(["check", "--no-cache", "--format", format])
        .args(args)
        .output()
        .unwrap();
    let root = dir.canonicalize().unwrap();
    let text = String::from_utf8(output.stdout)
        .unwrap()
        .replace(&root.display().to_string(), "[ROOT]")
        .replace(&dir.display().to_string(), "[ROOT]");
    (text, output.status.code().unwrap())
}

#[test]
fn concise() {
    let dir = project();
    let (text, code) = output(dir.path(), "concise", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(text);
}

#[test]
fn human_marks_fixable_findings_and_counts_groups() {
    let dir = project();
    let (text, _) = output(dir.path(), "human", &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn json_lines() {
    let dir = project();
    let (text, _) = output(dir.path(), "json-lines", &[]);
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).expect("each line is a JSON object");
        assert!(value["rule"].is_string() && value["start"]["line"].is_number());
    }
    insta::assert_snapshot!(text);
}

#[test]
fn gitlab_code_quality() {
    let dir = project();
    let (text, _) = output(dir.path(), "gitlab", &[]);
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(issues.len(), 3);
    let mut fingerprints: Vec<&str> = Vec::new();
    for issue in &issues {
        // The fields GitLab requires.
        assert!(issue["description"].is_string());
        assert!(issue["check_name"].is_string());
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].is_u64());
        let severity = issue["severity"].as_str().unwrap();
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity));
        fingerprints.push(issue["fingerprint"].as_str().unwrap());
    }
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 3, "fingerprints are unique");
    insta::assert_snapshot!(text);
}

#[test]
fn gitlab_fingerprints_tell_identical_findings_apart() {
    let twice = format!("{PAUSE}\n{}", PAUSE.replace("pause", "pause_again"));
    let dir = common::project(&[("a.rs", twice.replace("pause_again", "pause"))]);
    let (text, _) = output(dir.path(), "gitlab", &["-W", "blocking-in-async"]);
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(issues.len(), 2);
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
}

#[test]
fn junit_is_xml() {
    let dir = project();
    let (text, _) = output(dir.path(), "junit", &[]);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut suites) = (0, 0, Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().into_inner() {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    "testsuite" => {
                        let name = e.try_get_attribute("name").unwrap().unwrap();
                        suites.push(
                            quick_xml::escape::unescape(&name.value)
                                .unwrap()
                                .into_owned(),
                        );
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!((cases, failures), (3, 3));
    assert_eq!(suites, ["src/a&b.rs", "src/worker.rs"]);
    insta::assert_snapshot!(text);
}

#[test]
fn junit_without_findings_is_one_passing_test() {
    let dir = common::project(&[("a.rs", "pub fn f() {}\n")]);
    let (text, code) = output(dir.path(), "junit", &[]);
    assert_eq!(code, 0);
    assert!(text.contains("<testcase name=\"no problems found\""));
    assert!(!text.contains("<failure"));
}

#[test]
fn rustc_json_is_what_cargo_check_prints() {
    let dir = project();
    let (text, code) = output(dir.path(), "rustc-json", &[]);
    assert_eq!(code, 1);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["reason"], "build-finished");
    assert_eq!(last["success"], false);
    for line in &lines[..lines.len() - 1] {
        assert_eq!(line["reason"], "compiler-message");
        assert!(line["package_id"]
            .as_str()
            .unwrap()
            .ends_with("#demo@0.1.0"));
        let message = &line["message"];
        assert!(["error", "warning"].contains(&message["level"].as_str().unwrap()));
        let primary = &message["spans"][0];
        assert_eq!(primary["is_primary"], true);
        // Byte offsets and lines agree with the file.
        let file = std::fs::read_to_string(dir.path().join(primary["file_name"].as_str().unwrap()))
            .unwrap();
        let start = primary["byte_start"].as_u64().unwrap() as usize;
        let line_start = primary["line_start"].as_u64().unwrap() as usize;
        assert_eq!(file[..start].matches('\n').count() + 1, line_start);
        assert!(message["rendered"].as_str().unwrap().contains(" --> "));
    }
    // The safe fix as a machine-applicable suggestion.
    let sleep = lines
        .iter()
        .find(|l| {
            l["message"]["code"]["code"] == "blocking-in-async"
                && l["message"]["spans"][0]["file_name"] == "src/worker.rs"
        })
        .unwrap();
    let suggestion = sleep["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["spans"].as_array().unwrap().is_empty())
        .unwrap();
    assert_eq!(suggestion["level"], "help");
    assert_eq!(
        suggestion["spans"][0]["suggestion_applicability"],
        "MachineApplicable"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn cargo_message_format_json_is_rustc_json() {
    let dir = project();
    let (expected, _) = output(dir.path(), "rustc-json", &["."]);
    for args in [
        &["asyncheck", "--message-format=json", "--no-cache"][..],
        &[
            "asyncheck",
            "check",
            "--message-format",
            "json",
            "--no-cache",
        ],
    ] {
        let output = Command::cargo_bin("cargo-asyncheck")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let text = String::from_utf8(output.stdout)
            .unwrap()
            .replace(&root.display().to_string(), "[ROOT]");
        assert_eq!(text, expected, "{args:?}");
    }
}

#[test]
fn statistics_count_per_rule() {
    let dir = project();
    let (text, code) = output(dir.path(), "human", &["--statistics"]);
    assert_eq!(code, 1, "the exit status is the same as without it");
    insta::assert_snapshot!(text);
    let (json, _) = output(dir.path(), "json", &["--statistics"]);
    let counts: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(counts[0]["rule"], "blocking-in-async");
    assert_eq!(counts[0]["count"], 2);
    assert_eq!(counts[0]["fixable"], 2);
}

#[test]
fn color_follows_the_option_and_the_environment() {
    let dir = project();
    let escape = |cmd: &mut Command| {
        let output = cmd.output().unwrap();
        String::from_utf8(output.stdout).unwrap().contains('\u{1b}')
    };
    let check = || {
        let mut cmd = Command::cargo_bin("asyncheck").unwrap();
        cmd.current_dir(dir.path())
            .args(["check", "--no-cache"])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        cmd
    };
    assert!(!escape(&mut check()), "not a terminal: no colour");
    assert!(escape(check().arg("--color=always")));
    assert!(escape(check().env("CLICOLOR_FORCE", "1")));
    assert!(!escape(
        check().env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1")
    ));
    assert!(!escape(
        check().env("CLICOLOR_FORCE", "1").arg("--color=never")
    ));
}

#[test]
fn the_summary_mentions_unsafe_fixes() {
    let dir = common::project(&[(
        "a.rs",
        "async fn load(user: u64) -> Result<(), std::io::Error> {
    let (profile, orders) = tokio::join!(fetch(user), fetch(user + 1));
    let profile = profile?;
    println!(\"{profile} {}\", orders?);
    Ok(())
}

async fn fetch(id: u64) -> Result<u64, std::io::Error> {
    Ok(id)
}
",
    )]);
    let (text, _) = output(dir.path(), "human", &["-W", "prefer-try-join"]);
    let summary = text.lines().last().unwrap();
    assert_eq!(
        summary,
        "1 warning in 1 file (patterns: 1); 1 with an unsafe fix (--fix --unsafe-fixes)"
    );
    assert!(!text.contains("[*]"), "an unsafe fix is not marked fixable");
}

#[test]
fn cargo_rendered_ansi_colours_rendered_only() {
    let dir = project();
    let output = Command::cargo_bin("cargo-asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "asyncheck",
            "--message-format=json-diagnostic-rendered-ansi",
            "--no-cache",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(first["message"]["rendered"]
        .as_str()
        .unwrap()
        .contains('\u{1b}'));
    assert!(!first["message"]["message"]
        .as_str()
        .unwrap()
        .contains('\u{1b}'));
}
