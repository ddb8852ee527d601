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
