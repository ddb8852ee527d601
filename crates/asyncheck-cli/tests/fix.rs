//! `--fix`, `--diff` and `--unsafe-fixes` on real files.

use std::os::unix::fs::PermissionsExt;

use assert_cmd::Command;
use tempfile::TempDir;

const BEFORE: &str = "use std::time::Duration;

pub async fn tick() {
    std::thread::sleep(Duration::from_millis(5));
    let _config = std::fs::read_to_string(\"app.toml\");
}
";

const AFTER: &str = "use std::time::Duration;

pub async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let _config = tokio::fs::read_to_string(\"app.toml\").await;
}
";

/// A folder with a manifest that depends on tokio: the fixes to tokio's
/// APIs are offered only where tokio is a dependency.
fn tokio_crate() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n",
    )
    .unwrap();
    dir
}

fn asyncheck(dir: &TempDir, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        // The fixes shown here are blocking-in-async's, in the `patterns` group.
        .args(["check", "-W", "patterns"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn fix_writes_the_safe_fixes_keeps_permissions_and_is_idempotent() {
    let dir = tokio_crate();
    let file = dir.path().join("lib.rs");
    std::fs::write(&file, BEFORE).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();

    let output = asyncheck(&dir, &["--fix", "lib.rs"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), AFTER);
    assert!(stdout.contains("applied 2 fixes"), "{stdout}");
    assert!(stdout.contains("no problems found in 1 file"), "{stdout}");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );

    let again = asyncheck(&dir, &["--fix", "lib.rs"]);
    assert!(!String::from_utf8(again.stdout).unwrap().contains("applied"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), AFTER);
}

#[test]
fn diff_prints_and_writes_nothing() {
    let dir = tokio_crate();
    std::fs::write(dir.path().join("lib.rs"), BEFORE).unwrap();
    let output = asyncheck(&dir, &["--diff", "lib.rs"]);
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(diff.starts_with("--- lib.rs\n+++ lib.rs\n"), "{diff}");
    assert!(
        diff.contains("\n-    std::thread::sleep(Duration::from_millis(5));\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+    tokio::time::sleep(Duration::from_millis(5)).await;\n"),
        "{diff}"
    );
    assert_eq!(output.status.code(), Some(1), "something to fix");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lib.rs")).unwrap(),
        BEFORE
    );

    std::fs::write(dir.path().join("lib.rs"), AFTER).unwrap();
    let clean = asyncheck(&dir, &["--diff", "lib.rs"]);
    assert_eq!(clean.stdout, b"");
    assert_eq!(clean.status.code(), Some(0));
}

#[test]
fn a_file_that_does_not_parse_is_not_touched() {
    let dir = tokio_crate();
    let broken = format!("{BEFORE}\nfn broken( {{\n");
    std::fs::write(dir.path().join("lib.rs"), &broken).unwrap();
    let output = asyncheck(&dir, &["--fix", "lib.rs"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lib.rs")).unwrap(),
        broken
    );
    assert_eq!(output.status.code(), Some(1), "the parse error is reported");
}

#[test]
fn fix_options_are_checked() {
    let dir = tokio_crate();
    std::fs::write(dir.path().join("lib.rs"), BEFORE).unwrap();
    assert_eq!(
        asyncheck(&dir, &["--unsafe-fixes", "lib.rs"]).status.code(),
        Some(2)
    );
    assert_eq!(
        asyncheck(&dir, &["--fix", "--diff", "lib.rs"])
            .status
            .code(),
        Some(2)
    );
    let stdin = Command::cargo_bin("asyncheck")
        .unwrap()
        .args(["check", "--fix", "--stdin-filename", "a.rs"])
        .write_stdin(BEFORE)
        .output()
        .unwrap();
    assert_eq!(stdin.status.code(), Some(2));
}
