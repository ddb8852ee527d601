//! Fix tests: apply a rule's fixes to an input, compare with the expected
//! output, and check that the result still parses.

use std::path::Path;

use asyncheck::{Checker, Settings};

/// `input` with the edits of every fix `rule` offers applied.
fn apply_fixes(rule: &str, input: &str) -> String {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), input);
    let mut edits: Vec<_> = report
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule)
        .filter_map(|d| d.fix)
        .flat_map(|fix| fix.edits)
        .collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    for pair in edits.windows(2) {
        assert!(
            pair[0].span.end <= pair[1].span.start,
            "overlapping edits: {pair:?}"
        );
    }
    let mut output = input.to_owned();
    for edit in edits.iter().rev() {
        output.replace_range(edit.span.clone(), &edit.replacement);
    }
    output
}

fn assert_fix(rule: &str, input: &str, expected: &str) {
    let output = apply_fixes(rule, input);
    assert_eq!(output, expected, "{rule}: fixed output differs");
    let parsed = asyncheck::syntax::parse_file(&output).expect("the fixed file nests too deep");
    assert!(
        parsed.errors.is_empty(),
        "{rule}: the fixed file does not parse: {:?}\n{output}",
        parsed.errors
    );
}

#[test]
fn blocking_in_async_uses_tokio_equivalents() {
    assert_fix(
        "blocking-in-async",
        r#"use std::fs;
use std::thread::sleep;
use std::time::Duration;

async fn reload(path: &str) -> std::io::Result<String> {
    sleep(Duration::from_millis(5));
    std::thread::sleep(Duration::from_millis(5));
    fs::create_dir_all("out")?;
    let text = std::fs::read_to_string(path)?;
    let _ = fs::remove_file("stale");
    println!("{:?}", fs::metadata(path)?.len());
    Ok(text)
}
"#,
        r#"use std::fs;
use std::thread::sleep;
use std::time::Duration;

async fn reload(path: &str) -> std::io::Result<String> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    tokio::fs::create_dir_all("out").await?;
    let text = tokio::fs::read_to_string(path).await?;
    let _ = tokio::fs::remove_file("stale").await;
    println!("{:?}", tokio::fs::metadata(path).await?.len());
    Ok(text)
}
"#,
    );
}

#[test]
fn blocking_in_async_leaves_calls_without_a_tokio_twin() {
    let input = r#"async fn walk(dir: &str) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let _ = entry?;
    }
    let _file = std::fs::File::open(dir)?;
    let _out = std::process::Command::new("ls").output()?;
    let _ = std::fs::exists(dir)?;
    let _ = fs_err::read("x")?;
    Ok(())
}
"#;
    assert_fix("blocking-in-async", input, input);
}
