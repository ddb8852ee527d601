//! End-to-end tests of the `asyncheck` binary.

use std::path::Path;

mod common;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const UNBOUNDED: &str = "use tokio::sync::mpsc;

pub async fn start() {
    let (tx, _rx) = mpsc::unbounded_channel::<u8>();
    tx.send(1).unwrap();
}
";

const CLEAN: &str = "pub async fn start() {
    let (_tx, _rx) = tokio::sync::mpsc::channel::<u8>(8);
}
";

const BROKEN: &str = "fn main() { let x = ; }\n";

/// A folder with the given files (text or bytes), configured to report the
/// pattern rules too: these tests are about the outputs, which they show
/// with unbounded-channel (tests/groups.rs covers the defaults).
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = common::project(files);
    std::fs::write(
        dir.path().join("asyncheck.toml"),
        "[rules]\npatterns = \"warn\"\n",
    )
    .unwrap();
    dir
}

/// The path of each diagnostic of a JSON report.
fn paths(report: &Value) -> Vec<&str> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect()
}

fn asyncheck(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("asyncheck").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let output = asyncheck(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let value = serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    (value, output.status.code().unwrap())
}

#[test]
fn json_has_the_documented_fields() {
    let dir = project(&[("src/lib.rs", UNBOUNDED.as_bytes())]);
    let (report, code) = json(dir.path(), &["src"]);
    assert_eq!(code, 0, "warnings alone exit 0");
    assert_eq!(report["version"], 1);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["rule"], "unbounded-channel");
    assert_eq!(diagnostic["pattern"], "channels");
    assert_eq!(diagnostic["severity"], "warning");
    assert_eq!(diagnostic["path"], "src/lib.rs");
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .contains("unbounded"));
    let start = &diagnostic["start"];
    assert_eq!(
        (start["line"].as_u64(), start["column"].as_u64()),
        (Some(4), Some(21))
    );
    let offset = start["offset"].as_u64().unwrap() as usize;
    let end = diagnostic["end"]["offset"].as_u64().unwrap() as usize;
    assert_eq!(&UNBOUNDED[offset..end], "mpsc::unbounded_channel::<u8>()");
    assert!(diagnostic["labels"].is_array());
    assert!(diagnostic["help"].is_string());
    assert!(diagnostic["fix"].is_null());
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 1, "errors": 0, "warnings": 1, "fixable": 0})
    );
}

#[test]
fn columns_count_characters_and_offsets_count_bytes() {
    let text = format!(
        "// é日本\n{}",
        UNBOUNDED.replace("let (tx", "/*é*/ let (tx")
    );
    let dir = project(&[("a.rs", text.as_bytes())]);
    let (report, _) = json(dir.path(), &["a.rs"]);
    let start = &report["diagnostics"][0]["start"];
    assert_eq!(start["line"], 5);
    assert_eq!(start["column"], 27);
    let offset = start["offset"].as_u64().unwrap() as usize;
    assert!(text[offset..].starts_with("mpsc::unbounded_channel"));
}

#[test]
fn exit_statuses() {
    let dir = project(&[
        ("warn.rs", UNBOUNDED.as_bytes()),
        ("clean.rs", CLEAN.as_bytes()),
        ("broken.rs", BROKEN.as_bytes()),
    ]);
    let status = |args: &[&str]| {
        asyncheck(dir.path())
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(status(&["check", "clean.rs"]), Some(0));
    assert_eq!(status(&["check", "warn.rs"]), Some(0));
    assert_eq!(status(&["check", "-D", "warnings", "warn.rs"]), Some(1));
    assert_eq!(status(&["check", "--deny-warnings", "warn.rs"]), Some(1));
    assert_eq!(
        status(&["check", "broken.rs"]),
        Some(1),
        "a parse error is an error"
    );
    assert_eq!(status(&["check", "--exit-zero", "broken.rs"]), Some(0));
    assert_eq!(status(&["check", "--no-such-flag"]), Some(2));
    assert_eq!(
        status(&["check", "--select", "no-such-rule", "clean.rs"]),
        Some(2)
    );
    assert_eq!(status(&["check", "-D", "everything", "clean.rs"]), Some(2));
    assert_eq!(status(&["explain", "no-such-rule"]), Some(2));
}

#[test]
fn select_and_ignore_choose_rules() {
    let dir = project(&[("a.rs", UNBOUNDED.as_bytes())]);
    let (selected, _) = json(dir.path(), &["--select", "unbounded-channel", "a.rs"]);
    assert_eq!(selected["diagnostics"].as_array().unwrap().len(), 1);
    let (ignored, _) = json(dir.path(), &["--ignore", "unbounded-channel", "a.rs"]);
    assert_eq!(ignored["diagnostics"].as_array().unwrap().len(), 0);
    let other = asyncheck::registry::rules()
        .iter()
        .map(|r| r.meta().name)
        .find(|n| *n != "unbounded-channel")
        .unwrap_or("unbounded-channel");
    if other != "unbounded-channel" {
        let (others, _) = json(dir.path(), &["--select", other, "a.rs"]);
        assert_eq!(others["diagnostics"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn stdin_is_reported_under_its_name() {
    let dir = project(&[]);
    let output = asyncheck(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "src/worker.rs",
        ])
        .write_stdin(UNBOUNDED)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["path"], "src/worker.rs");
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn stdin_named_as_test_code_is_treated_as_test_code() {
    let dir = project(&[]);
    let output = asyncheck(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "tests/it.rs",
        ])
        .write_stdin(UNBOUNDED)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn unreadable_and_broken_files_do_not_stop_the_others() {
    let dir = project(&[
        ("src/a.rs", UNBOUNDED.as_bytes()),
        ("src/broken.rs", BROKEN.as_bytes()),
        ("src/binary.rs", b"\xff\xfe\x00junk"),
        ("src/z.rs", UNBOUNDED.as_bytes()),
    ]);
    let (report, code) = json(dir.path(), &["src"]);
    assert_eq!(code, 1);
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("src/a.rs", "unbounded-channel"),
        ("src/binary.rs", "io-error"),
        ("src/broken.rs", "parse-error"),
        ("src/z.rs", "unbounded-channel"),
    ]
    .iter()
    .map(|(p, r)| (p.to_string(), r.to_string()))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn discovery_respects_gitignore_target_and_hidden_folders() {
    let dir = project(&[
        (".gitignore", b"generated/\n"),
        ("src/a.rs", UNBOUNDED.as_bytes()),
        ("generated/b.rs", UNBOUNDED.as_bytes()),
        ("target/debug/c.rs", UNBOUNDED.as_bytes()),
        (".hidden/d.rs", UNBOUNDED.as_bytes()),
        ("notes.txt", UNBOUNDED.as_bytes()),
    ]);
    let (report, _) = json(dir.path(), &[]);
    assert_eq!(paths(&report), ["src/a.rs"]);
    let (explicit, _) = json(dir.path(), &["generated/b.rs"]);
    assert_eq!(
        explicit["summary"]["warnings"], 1,
        "a named file is always checked"
    );
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let files: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| {
            let text = if i % 3 == 0 { BROKEN } else { UNBOUNDED };
            (format!("src/m{i}.rs"), text.as_bytes().to_vec())
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_slice()))
        .collect();
    let dir = project(&borrowed);
    let run = |threads: &str| {
        asyncheck(dir.path())
            .args(["check", "--format", "json", "--threads", threads])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn human_output() {
    let dir = project(&[
        ("src/worker.rs", UNBOUNDED.as_bytes()),
        ("src/broken.rs", BROKEN.as_bytes()),
    ]);
    let output = asyncheck(dir.path())
        .args(["check", "src"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn quiet_drops_the_summary() {
    let dir = project(&[("a.rs", CLEAN.as_bytes())]);
    let output = asyncheck(dir.path())
        .args(["check", "--quiet", "a.rs"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "");
}

#[test]
fn rules_lists_every_rule() {
    let dir = project(&[]);
    let output = asyncheck(dir.path())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = asyncheck::registry::rules()
        .iter()
        .map(|r| r.meta().name)
        .collect();
    assert_eq!(names, expected);
    for rule in rules.as_array().unwrap() {
        for field in ["pattern", "default_level", "fix", "summary"] {
            assert!(rule[field].is_string(), "{field} missing in {rule}");
        }
    }
}

#[test]
fn explain_renders_the_rule_documentation() {
    let dir = project(&[]);
    let output = asyncheck(dir.path())
        .args(["explain", "unbounded-channel"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for section in [
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Options",
        "mpsc::channel(1024)",
    ] {
        assert!(text.contains(section), "missing {section}");
    }
    assert!(!text.contains("//~"), "test markers stay out of the docs");
}

#[test]
fn sarif_has_one_run_with_every_rule_and_located_results() {
    let dir = project(&[
        ("src/a b.rs", UNBOUNDED.as_bytes()),
        ("broken.rs", BROKEN.as_bytes()),
    ]);
    let output = asyncheck(dir.path())
        .args(["check", "--format", "sarif", "src", "broken.rs"])
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in asyncheck::registry::rules() {
        let meta = rule.meta();
        let descriptor = rules
            .iter()
            .find(|r| r["id"] == meta.name)
            .expect("every rule is described");
        assert_eq!(descriptor["shortDescription"]["text"], meta.summary);
        assert!(descriptor["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?"));
    }
    let results = run["results"].as_array().unwrap();
    let unbounded = results
        .iter()
        .find(|r| r["ruleId"] == "unbounded-channel")
        .unwrap();
    let location = &unbounded["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/a%20b.rs");
    assert_eq!(location["region"]["startLine"], 4);
    assert_eq!(location["region"]["startColumn"], 21);
    assert_eq!(
        rules[unbounded["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "unbounded-channel"
    );
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "parse-error" && r["level"] == "error"));
}

#[test]
fn sarif_links_each_rule_to_its_page() {
    let dir = project(&[("a.rs", UNBOUNDED.as_bytes())]);
    let output = asyncheck(dir.path())
        .args(["check", "--format", "sarif", "a.rs"])
        .env(
            "ASYNCHECK_DOCS_URL",
            "https://example.org/asyncheck/docs/rules",
        )
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let unbounded = rules
        .iter()
        .find(|r| r["id"] == "unbounded-channel")
        .unwrap();
    assert_eq!(
        unbounded["helpUri"],
        "https://example.org/asyncheck/docs/rules/unbounded-channel.md"
    );
}

#[test]
fn github_annotations_are_escaped() {
    let dir = project(&[("src/a,b:c.rs", UNBOUNDED.as_bytes())]);
    let output = asyncheck(dir.path())
        .args(["check", "--format", "github", "src"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let line = text.lines().next().unwrap();
    assert!(
        line.starts_with("::warning file=src/a%2Cb%3Ac.rs,line=4,col=21,endLine=4,endColumn=52,title=asyncheck unbounded-channel::"),
        "{line}"
    );
    assert!(
        line.contains("%0Ahelp: "),
        "newlines in the message are escaped: {line}"
    );
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn modules_declared_for_tests_in_their_parent_are_test_code() {
    let dir = project(&[
        (
            "src/lib.rs",
            b"mod worker;\n#[cfg(test)]\nmod test_utils;\n#[cfg(test)]\nmod tests;\n\
#[cfg(any(test, feature = \"test-utils\"))]\nmod support;\n\
#[cfg(any(test, feature = \"serde\"))]\nmod wire;\nmod integration;\n\
#[cfg(test)]\n#[path = \"worker_tests.rs\"]\nmod checks;\n#[path = \"net_impl.rs\"]\nmod net;\n",
        ),
        ("src/worker_tests.rs", UNBOUNDED.as_bytes()),
        ("src/net_impl.rs", UNBOUNDED.as_bytes()),
        ("src/integration.rs", b"#![cfg(test)]\nmod sub;\n"),
        ("src/integration/sub.rs", UNBOUNDED.as_bytes()),
        ("src/worker.rs", UNBOUNDED.as_bytes()),
        ("src/test_utils.rs", UNBOUNDED.as_bytes()),
        ("src/tests/mod.rs", b"mod helpers;\n"),
        ("src/tests/helpers.rs", UNBOUNDED.as_bytes()),
        ("src/support.rs", UNBOUNDED.as_bytes()),
        ("src/wire.rs", UNBOUNDED.as_bytes()),
    ]);
    let (report, _) = json(dir.path(), &["--select", "unbounded-channel"]);
    assert_eq!(
        paths(&report),
        ["src/net_impl.rs", "src/wire.rs", "src/worker.rs"]
    );
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let dir = project(&[("a.rs", UNBOUNDED.as_bytes())]);
    for args in [&["a.rs", "missing.rs"][..], &["--exit-zero", "missing.rs"]] {
        let output = asyncheck(dir.path())
            .arg("check")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("`missing.rs` does not exist"), "{stderr}");
    }
}

#[test]
fn explain_suggests_the_closest_name() {
    let output = asyncheck(Path::new("."))
        .args(["explain", "blocking-in-asink"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("did you mean `blocking-in-async`?"),
        "{stderr}"
    );
}

#[test]
fn server_accepts_stdio() {
    let output = asyncheck(Path::new("."))
        .args(["server", "--stdio"])
        .write_stdin("")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
}

#[test]
fn suppression_and_parse_diagnostics_are_levelled_like_rules() {
    let stale = "// asyncheck: allow(unbounded-channel)\npub fn f() {}\n\n// asyncheck: allow(no-such-rule)\npub fn g() {}\n";
    let dir = project(&[
        ("stale.rs", stale.as_bytes()),
        ("broken.rs", BROKEN.as_bytes()),
    ]);
    let rules = |args: &[&str]| -> Vec<(String, String)> {
        let (report, _) = json(dir.path(), args);
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["rule"].as_str().unwrap().to_owned(),
                    d["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |rule: &str, severity: &str| (rule.to_owned(), severity.to_owned());
    assert_eq!(
        rules(&[]),
        [
            pair("parse-error", "error"),
            pair("unused-suppression", "warning"),
            pair("unknown-rule", "warning"),
        ]
    );
    assert_eq!(
        rules(&[
            "-A",
            "parse-error",
            "-D",
            "unused-suppression",
            "--ignore",
            "unknown-rule"
        ]),
        [pair("unused-suppression", "error")]
    );
    let (_, code) = json(
        dir.path(),
        &["-W", "parse-error", "-A", "unused-suppression"],
    );
    assert_eq!(code, 0, "a parse error at warn level does not fail the run");

    // In the config file too.
    std::fs::write(
        dir.path().join("asyncheck.toml"),
        "[rules]\nunknown-rule = \"deny\"\nunused-suppression = \"allow\"\n",
    )
    .unwrap();
    assert_eq!(
        rules(&["-A", "parse-error"]),
        [pair("unknown-rule", "error")]
    );

    for name in ["unused-suppression", "unknown-rule", "parse-error"] {
        let output = asyncheck(dir.path())
            .args(["explain", name])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}");
        let page = String::from_utf8(output.stdout).unwrap();
        assert!(page.starts_with(&format!("# {name}\n")), "{page}");
    }
}

#[test]
fn help_shows_examples_exit_statuses_and_environment() {
    for args in [&["--help"][..], &["check", "--help"]] {
        let output = asyncheck(Path::new(".")).args(args).output().unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        for section in [
            "Examples:",
            "Exit status:",
            "Environment:",
            "NO_COLOR",
            "--format rustc-json",
        ] {
            assert!(help.contains(section), "{section} in {args:?}");
        }
    }
}

#[test]
fn parse_errors_are_worded_as_rustc_words_them() {
    let dir = project(&[("a.rs", b"fn main() { let x = 1 let y = 2; }\n".as_slice())]);
    let (report, _) = json(dir.path(), &["a.rs"]);
    assert_eq!(
        report["diagnostics"][0]["message"],
        "could not parse this file: expected `;`"
    );
}

#[test]
fn github_and_sarif_paths_are_relative_to_the_repository_root() {
    let dir = project(&[("crates/one/src/lib.rs", UNBOUNDED.as_bytes())]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let member = dir.path().join("crates/one");
    let github = asyncheck(&member)
        .args(["check", "-W", "patterns", "--format", "github", "src"])
        .output()
        .unwrap();
    let text = String::from_utf8(github.stdout).unwrap();
    assert!(text.contains("file=crates/one/src/lib.rs,"), "{text}");
    let sarif = asyncheck(&member)
        .args(["check", "-W", "patterns", "--format", "sarif", "src"])
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "crates/one/src/lib.rs"
    );
    // The other formats keep paths relative to the current folder.
    let (report, _) = json(&member, &["-W", "patterns", "src"]);
    assert_eq!(report["diagnostics"][0]["path"], "src/lib.rs");
}
