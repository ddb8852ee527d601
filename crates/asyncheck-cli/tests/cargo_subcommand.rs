//! `cargo asyncheck`: checks each workspace member, with the workspace's
//! configuration.

mod common;

use assert_cmd::Command;
use common::{project, write};
use serde_json::Value;

#[test]
fn checks_every_member_with_the_workspace_config() {
    let dir = project(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.metadata.asyncheck.rules]\nunbounded-channel = \"deny\"\n",
        ),
        ("crates/one/src/lib.rs", "pub fn f() { let _c = std::sync::mpsc::channel::<u8>(); }\n"),
        ("crates/two/src/lib.rs", "pub fn g() {}\n"),
        // Not a member: not checked.
        ("scratch/x.rs", "pub fn h() { let _c = std::sync::mpsc::channel::<u8>(); }\n"),
    ]);
    for name in ["one", "two"] {
        write(
            dir.path(),
            &format!("crates/{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
    }

    let output = Command::cargo_bin("cargo-asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .args(["asyncheck", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["path"], "crates/one/src/lib.rs");
    assert_eq!(diagnostics[0]["severity"], "error");
    assert_eq!(report["summary"]["files"], 2);
}

/// A workspace of two members, `one` with a finding and `two` with another.
fn two_members() -> tempfile::TempDir {
    let dir = project(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
        ),
        (
            "crates/one/src/lib.rs",
            "pub async fn f() { futures::executor::block_on(async {}); }\n",
        ),
        (
            "crates/two/src/lib.rs",
            "pub async fn g() { futures::executor::block_on(async { 2 }); }\n",
        ),
    ]);
    for name in ["one", "two"] {
        write(
            dir.path(),
            &format!("crates/{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
    }
    dir
}

/// The paths of the findings of `cargo asyncheck ARGS` run in `dir`.
fn found(dir: &std::path::Path, args: &[&str]) -> (Vec<String>, i32) {
    let output = Command::cargo_bin("cargo-asyncheck")
        .unwrap()
        .current_dir(dir)
        .arg("asyncheck")
        .args(args)
        .args(["--format", "json", "--no-cache"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let paths = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["path"].as_str().unwrap().to_owned())
        .collect();
    (paths, output.status.code().unwrap())
}

#[test]
fn cargo_habits() {
    let dir = two_members();
    let root = dir.path();
    assert_eq!(
        found(root, &[]).0,
        ["crates/one/src/lib.rs", "crates/two/src/lib.rs"]
    );
    assert_eq!(found(root, &["-p", "two"]).0, ["crates/two/src/lib.rs"]);
    assert_eq!(found(root, &["--package=one"]).0, ["crates/one/src/lib.rs"]);
    let (paths, code) = found(root, &["-p", "three"]);
    assert!(paths.is_empty());
    assert_eq!(code, 2, "an unknown package is a usage error");
    // A path, as with `asyncheck check PATH`.
    assert_eq!(found(root, &["crates/two"]).0, ["crates/two/src/lib.rs"]);
    // From elsewhere, through the manifest.
    let elsewhere = tempfile::TempDir::new().unwrap();
    let manifest = root.join("crates/one/Cargo.toml");
    let (paths, _) = found(
        elsewhere.path(),
        &["--manifest-path", manifest.to_str().unwrap()],
    );
    assert_eq!(paths.len(), 1);
    assert!(paths[0].ends_with("crates/one/src/lib.rs"), "{paths:?}");

    let version = Command::cargo_bin("cargo-asyncheck")
        .unwrap()
        .args(["asyncheck", "--version"])
        .output()
        .unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8(version.stdout)
        .unwrap()
        .starts_with("asyncheck "));
}
