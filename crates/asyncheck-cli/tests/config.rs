//! Configuration files and their errors, end to end.

use std::path::Path;

mod common;

use assert_cmd::Command;
use common::project;
use serde_json::Value;

const UNBOUNDED: &str = "pub fn start() {
    let (_tx, _rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
    let (_a, _b) = flume::unbounded::<u8>();
}
";

fn run(dir: &Path, args: &[&str]) -> (Option<Value>, i32, String) {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&output.stdout).ok(),
        output.status.code().unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// (path, rule, severity) of each diagnostic.
fn found(report: &Value) -> Vec<(String, String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn triple(p: &str, r: &str, s: &str) -> (String, String, String) {
    (p.to_owned(), r.to_owned(), s.to_owned())
}

#[test]
fn levels_options_exclude_and_overrides() {
    let dir = project(&[
        (
            "asyncheck.toml",
            r#"
exclude = ["generated/**"]

[rules.unbounded-channel]
level = "deny"
allow = ["flume::unbounded"]

[[overrides]]
paths = ["examples/**"]
rules = { unbounded-channel = "allow" }
"#,
        ),
        ("src/lib.rs", UNBOUNDED),
        ("generated/out.rs", UNBOUNDED),
        ("examples/demo.rs", UNBOUNDED),
    ]);
    let (report, code, _) = run(dir.path(), &[]);
    assert_eq!(
        found(&report.unwrap()),
        [triple("src/lib.rs", "unbounded-channel", "error")]
    );
    assert_eq!(code, 1);

    let (report, _, _) = run(dir.path(), &["generated/out.rs"]);
    assert_eq!(
        found(&report.unwrap()).len(),
        1,
        "an explicitly named file is checked even if excluded"
    );

    let (report, code, _) = run(dir.path(), &["--no-config"]);
    assert!(
        found(&report.unwrap()).is_empty(),
        "--no-config: defaults, where unbounded-channel (a pattern) is off"
    );
    assert_eq!(code, 0);
    let (report, code, _) = run(dir.path(), &["--no-config", "-W", "patterns"]);
    assert_eq!(
        found(&report.unwrap()).len(),
        6,
        "--no-config -W patterns: nothing excluded"
    );
    assert_eq!(code, 0);

    let (report, _, _) = run(dir.path(), &["--ignore", "unbounded-channel"]);
    assert!(found(&report.unwrap()).is_empty(), "the command line wins");
}

#[test]
fn check_tests_turns_the_test_skipping_rules_on_in_tests() {
    let dir = project(&[
        ("asyncheck.toml", "check-tests = true\n"),
        ("tests/it.rs", UNBOUNDED),
    ]);
    let (report, _, _) = run(dir.path(), &["-W", "patterns"]);
    assert_eq!(found(&report.unwrap()).len(), 2);
    let (report, _, _) = run(dir.path(), &["--no-config", "-W", "patterns"]);
    assert_eq!(found(&report.unwrap()).len(), 0);
}

#[test]
fn cargo_metadata_tables_are_read() {
    for section in ["workspace", "package"] {
        let manifest = format!(
            "[{section}]\n{}\n[{section}.metadata.asyncheck.rules]\nunbounded-channel = \"allow\"\n",
            if section == "package" { "name = \"x\"\nversion = \"0.1.0\"" } else { "members = []" }
        );
        let dir = project(&[("Cargo.toml", manifest.as_str()), ("src/lib.rs", UNBOUNDED)]);
        let (report, _, _) = run(dir.path(), &[]);
        assert!(found(&report.unwrap()).is_empty(), "{section}");
    }
}

#[test]
fn asyncheck_toml_is_found_walking_up_and_wins_over_cargo_toml() {
    let dir = project(&[
        ("asyncheck.toml", "[rules]\nunbounded-channel = \"deny\"\n"),
        (
            "crate/Cargo.toml",
            "[package.metadata.asyncheck.rules]\nunbounded-channel = \"allow\"\n",
        ),
        ("crate/src/lib.rs", UNBOUNDED),
    ]);
    let (report, _, _) = run(&dir.path().join("crate"), &["src"]);
    assert_eq!(found(&report.unwrap())[0].2, "error");
}

#[test]
fn config_flag_names_the_file() {
    let dir = project(&[
        ("ci.toml", "[rules]\nunbounded-channel = \"allow\"\n"),
        ("src/lib.rs", UNBOUNDED),
    ]);
    let (report, _, _) = run(dir.path(), &["--config", "ci.toml"]);
    assert!(found(&report.unwrap()).is_empty());
}

/// Each mistake: exit status 2, no report, and the file, line and column.
#[test]
fn bad_configuration_is_a_clear_error() {
    let cases = [
        ("[rules]\nunbounded-chanel = \"warn\"\n", "asyncheck.toml:2:1: unknown rule `unbounded-chanel`; did you mean `unbounded-channel`?"),
        ("check-test = true\n", "asyncheck.toml:1:1: unknown key `check-test`"),
        ("check-tests = \"yes\"\n", "asyncheck.toml:1:15: `check-tests` must be true or false"),
        ("exclude = \"generated\"\n", "asyncheck.toml:1:11: `exclude` must be a list of strings"),
        ("exclude = [\"gen/[x\"]\n", "asyncheck.toml:1:12: invalid glob `gen/[x`"),
        ("[rules]\nunbounded-channel = \"error\"\n", "asyncheck.toml:2:21: unknown level `error`"),
        ("[rules.unbounded-channel]\nallowed = []\n", "asyncheck.toml:2:1: unknown option `allowed` for `unbounded-channel`; expected `level`, `allow`"),
        ("[rules.unbounded-channel]\nallow = [1]\n", "asyncheck.toml:2:10: `unbounded-channel.allow` must be a list of strings"),
        ("[[overrides]]\nrules = { unbounded-channel = \"allow\" }\n", "asyncheck.toml:1:1: `[[overrides]]` needs `paths`"),
        ("[[overrides]]\npaths = [\"x\"]\nlevel = 1\n", "asyncheck.toml:3:1: unknown key `level` in `[[overrides]]`"),
        ("[rules\n", "asyncheck.toml:1:"),
    ];
    for (text, expected) in cases {
        let dir = project(&[("asyncheck.toml", text), ("src/lib.rs", UNBOUNDED)]);
        let (report, code, stderr) = run(dir.path(), &[]);
        assert_eq!(code, 2, "{text}");
        assert!(report.is_none(), "{text}: no report on a bad config");
        assert!(
            stderr.contains(expected),
            "{text}: expected `{expected}` in `{stderr}`"
        );
    }
}

#[test]
fn an_unreadable_config_file_is_an_error() {
    let dir = project(&[("src/lib.rs", UNBOUNDED)]);
    let (_, code, stderr) = run(dir.path(), &["--config", "nope.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.toml:1:1: cannot read"), "{stderr}");
}
