//! Inputs meant to break a checker: each gets a clear diagnostic or is
//! checked, nothing crashes or hangs, and every other file is still checked.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const FINDING: &str = "pub fn f() { let _c = std::sync::mpsc::channel::<u8>(); }\n";

fn check(dir: &Path, args: &[&str]) -> (Value, i32) {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json", "-W", "unbounded-channel"])
        .args(args)
        .timeout(std::time::Duration::from_secs(180))
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).expect("a JSON report");
    (report, output.status.code().unwrap_or(-1))
}

/// (path, rule) of each diagnostic.
fn found(report: &Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(path: &str, rule: &str) -> (String, String) {
    (path.to_owned(), rule.to_owned())
}

#[test]
fn deep_nesting_is_checked_or_refused_clearly() {
    let dir = TempDir::new().unwrap();
    let depth = 10_000;
    let files = [
        (
            "parens.rs",
            format!(
                "fn f() {{ let _x = {}1{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "blocks.rs",
            format!("fn f() {}{}\n", "{".repeat(depth), "}".repeat(depth)),
        ),
        (
            "closures.rs",
            format!("fn f() {{ let _c = {}1; }}\n", "|| ".repeat(depth)),
        ),
        (
            "unary.rs",
            format!("fn f() {{ let _b = {}true; }}\n", "!".repeat(100_000)),
        ),
        (
            "macros.rs",
            format!(
                "fn f() {{ {}1{}; }}\n",
                "vec![".repeat(depth),
                "]".repeat(depth)
            ),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("z.rs"), FINDING).unwrap();
    let (report, code) = check(dir.path(), &["."]);
    assert_eq!(code, 1, "refused files are errors");
    let found = found(&report);
    assert!(
        found.contains(&pair("z.rs", "unbounded-channel")),
        "{found:?}"
    );
    assert!(
        found.contains(&pair("unary.rs", "parse-error")),
        "{found:?}"
    );
    // Everything else is either analysed cleanly or refused with a parse error.
    for (path, rule) in &found {
        assert!(rule == "parse-error" || path == "z.rs", "{path}: {rule}");
    }
}

#[test]
fn a_fifty_megabyte_file() {
    let dir = TempDir::new().unwrap();
    let function = "pub async fn handler(x: u32) -> Result<u32, String> {\n    let y = x.checked_add(1).ok_or(\"overflow\")?;\n    Ok(y)\n}\n";
    let mut text = String::with_capacity(50 << 20);
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.push_str(&function.replace("handler", &format!("handler_{i}")));
        i += 1;
    }
    text.push_str(FINDING);
    std::fs::write(dir.path().join("big.rs"), &text).unwrap();
    let (report, _) = check(dir.path(), &["big.rs"]);
    assert_eq!(found(&report), [pair("big.rs", "unbounded-channel")]);
}

#[test]
fn junk_bytes_and_special_files() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    std::fs::write(root.join("nul.rs"), vec![0u8; 4096]).unwrap();
    std::fs::write(root.join("latin1.rs"), b"fn caf\xe9() {}\n").unwrap();
    let junk: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(root.join("junk.rs"), junk).unwrap();
    std::fs::write(root.join("z.rs"), FINDING).unwrap();
    std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
    let fifo = root.join("fifo.rs");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    let (report, code) = check(root, &[".", "fifo.rs"]);
    assert_eq!(code, 1);
    let found = found(&report);
    for expected in [
        pair("fifo.rs", "io-error"),
        pair("latin1.rs", "io-error"),
        pair("nul.rs", "parse-error"),
        pair("z.rs", "unbounded-channel"),
    ] {
        assert!(found.contains(&expected), "{expected:?} in {found:?}");
    }
    assert!(found.iter().any(|(p, _)| p == "junk.rs"), "{found:?}");
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let dir = TempDir::new().unwrap();
    for folder in 0..100 {
        let path = dir.path().join(format!("m{folder}"));
        std::fs::create_dir(&path).unwrap();
        for file in 0..1000 {
            std::fs::write(path.join(format!("f{file}.rs")), "fn f() {}\n").unwrap();
        }
    }
    std::fs::write(dir.path().join("m0/z.rs"), FINDING).unwrap();
    let (report, code) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["files"], 100_001);
    assert_eq!(found(&report), [pair("m0/z.rs", "unbounded-channel")]);
}
