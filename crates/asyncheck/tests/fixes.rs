//! Fix tests: apply a rule's fixes to an input, compare with the expected
//! output, and check that the result still parses. Cases are written inline
//! below, or as files: each folder under `fixes/` is named after a rule, and
//! every `NAME.rs` in it, fixed, must give `NAME.fixed.rs`.

use std::path::Path;

use std::sync::Arc;

use asyncheck::fix::fix_file;
use asyncheck::index::{CrateIndex, Facts, Manifest};
use asyncheck::{registry, Checker, Diagnostic, FixAvailability, Settings};

/// The manifest the fixed files belong to, unless a test says otherwise: a
/// crate on tokio with every feature.
const TOKIO_FULL: &str = "[package]\nname = \"fixed\"\n[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n";

/// The findings of `checker` on `text` as `src/lib.rs` of a crate with
/// `manifest` (no manifest: a lone file).
fn check_in_crate(checker: &Checker<'_>, manifest: Option<&str>, text: &str) -> Vec<Diagnostic> {
    let path = Path::new("src/lib.rs");
    let Some(manifest) = manifest else {
        return checker.check(path, text).diagnostics;
    };
    let summary = asyncheck::index::summarize_text(text).unwrap_or_default();
    let index = CrateIndex::new(
        Arc::new(Facts::new([&summary])),
        Manifest::parse(manifest, None).unwrap(),
    );
    Checker::new(checker.settings())
        .with_index(index)
        .check(path, text)
        .diagnostics
}

/// Fixes `input` with `rule`'s fixes (the unsafe ones too when
/// `unsafe_fixes`) through the same engine as `--fix`, and checks the result:
/// it is `expected`, it parses, and fixing it again changes nothing.
fn assert_fixes(rule: &str, unsafe_fixes: bool, input: &str, expected: &str) {
    assert_fixes_in(Some(TOKIO_FULL), rule, unsafe_fixes, input, expected);
}

fn assert_fixes_in(
    manifest: Option<&str>,
    rule: &str,
    unsafe_fixes: bool,
    input: &str,
    expected: &str,
) {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let checker = Checker::new(&settings);
    let fixed = fix_file(
        &|text: &str| check_in_crate(&checker, manifest, text),
        input,
        unsafe_fixes,
    );
    assert!(fixed.applied > 0, "{rule}: no fix was applied");
    assert_eq!(
        fixed.rejected, 0,
        "{rule}: a fix would have broken the syntax"
    );
    assert_eq!(fixed.text, expected, "{rule}: fixed output differs");
    let parsed = asyncheck::syntax::parse_file(&fixed.text).expect("the fixed file nests too deep");
    assert!(
        parsed.errors.is_empty(),
        "{rule}: the fixed file does not parse: {:?}",
        parsed.errors
    );
    let again = fix_file(
        &|text: &str| check_in_crate(&checker, manifest, text),
        &fixed.text,
        unsafe_fixes,
    );
    assert_eq!(
        again.applied, 0,
        "{rule}: a second fix pass changed the file"
    );
}

/// `rule` flags `input` but offers nothing to fix.
fn assert_no_fix(rule: &str, input: &str) {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let checker = Checker::new(&settings);
    let fixed = fix_file(
        &|text: &str| check_in_crate(&checker, Some(TOKIO_FULL), text),
        input,
        true,
    );
    assert!(
        fixed.diagnostics.iter().any(|d| d.rule == rule),
        "{rule}: nothing flagged"
    );
    assert_eq!(fixed.applied, 0, "{rule}: a fix was applied");
    assert_eq!(fixed.text, input);
}

/// The same with the unsafe fixes too.
fn assert_unsafe_fix(rule: &str, input: &str, expected: &str) {
    assert_fixes(rule, true, input, expected);
}

fn assert_fix(rule: &str, input: &str, expected: &str) {
    assert_fixes(rule, false, input, expected);
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
        r#"use std::time::Duration;

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
fn blocking_in_async_fits_the_crates_runtime() {
    let input =
        "use std::thread;\n\nasync fn tick(d: std::time::Duration) {\n    thread::sleep(d);\n}\n";
    let on = |runtime: &str| format!("[package]\nname = \"x\"\n[dependencies]\n{runtime}\n");
    assert_fixes_in(
        Some(&on("async-std = \"1\"")),
        "blocking-in-async",
        false,
        input,
        "async fn tick(d: std::time::Duration) {\n    async_std::task::sleep(d).await;\n}\n",
    );
    assert_fixes_in(
        Some(&on("smol = \"2\"")),
        "blocking-in-async",
        false,
        input,
        "async fn tick(d: std::time::Duration) {\n    smol::Timer::after(d).await;\n}\n",
    );
    // A lone file: tokio's twin, but only as an unsafe fix.
    let tokio = "async fn tick(d: std::time::Duration) {\n    tokio::time::sleep(d).await;\n}\n";
    assert_fixes_in(None, "blocking-in-async", true, input, tokio);
    // The import stays used by another call: it stays.
    let mixed = "use std::thread;\n\nasync fn tick(d: std::time::Duration) {\n    thread::sleep(d);\n    let _ = thread::current();\n}\n";
    assert_fixes(
        "blocking-in-async",
        false,
        mixed,
        &mixed.replace("thread::sleep(d);", "tokio::time::sleep(d).await;"),
    );
    // Without tokio's `time` feature, or on a bare executor: no fix at all.
    for runtime in [
        "tokio = { version = \"1\", features = [\"rt\", \"macros\"] }",
        "futures = \"0.3\"",
    ] {
        let mut settings = Settings::default();
        settings.select(&["blocking-in-async".to_owned()]).unwrap();
        let checker = Checker::new(&settings);
        let manifest = on(runtime);
        let fixed = fix_file(
            &|text: &str| check_in_crate(&checker, Some(&manifest), text),
            input,
            true,
        );
        assert_eq!(fixed.applied, 0, "{runtime}");
        assert_eq!(fixed.diagnostics.len(), 1, "{runtime}");
    }
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
    assert_no_fix("blocking-in-async", input);
}

#[test]
fn fix_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let rule = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let meta = registry::find(&rule)
            .unwrap_or_else(|| panic!("fix folder {rule} names no rule"))
            .meta();
        assert_ne!(meta.fix, FixAvailability::None, "{rule} has no fix");
        let mut cases = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let input = file.unwrap().path();
            let name = input.file_name().unwrap().to_str().unwrap();
            let Some(stem) = name.strip_suffix(".rs").filter(|s| !s.ends_with(".fixed")) else {
                continue;
            };
            let expected = std::fs::read_to_string(dir.join(format!("{stem}.fixed.rs")))
                .unwrap_or_else(|_| panic!("{rule}/{name} has no {stem}.fixed.rs"));
            let text = std::fs::read_to_string(&input).unwrap();
            assert_fixes(&rule, meta.fix == FixAvailability::Unsafe, &text, &expected);
            cases += 1;
        }
        assert!(cases > 0, "{rule}: no fix cases");
    }
}

#[test]
fn prefer_try_join_macro() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"async fn load() -> Result<usize, E> {
    let (a, b) = tokio::join!(one(), two());
    let a = a?;
    println!("{}", b?.len());
    Ok(a)
}
"#,
        r#"async fn load() -> Result<usize, E> {
    let (a, b) = tokio::try_join!(one(), two())?;
    let a = a;
    println!("{}", b.len());
    Ok(a)
}
"#,
    );
}

#[test]
fn prefer_try_join_results_only_checked_leave_no_path_statement() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"async fn start() -> Result<u8, E> {
    let (started, port) = tokio::join!(serve(), bind());
    started?;
    Ok(port?)
}
"#,
        r#"async fn start() -> Result<u8, E> {
    let (_, port) = tokio::try_join!(serve(), bind())?;
    Ok(port)
}
"#,
    );
}

#[test]
fn prefer_try_join_imported_macro_and_braces() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"use futures::join as both;

async fn load() -> Result<u8, E> {
    let (a, b) = both! { one(), two() };
    Ok(a? + b?)
}
"#,
        r#"use futures::join as both;

async fn load() -> Result<u8, E> {
    let (a, b) = futures::try_join! { one(), two() }?;
    Ok(a + b)
}
"#,
    );
}

#[test]
fn prefer_try_join_function() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"use futures::future::{self, join3};

async fn load() -> Result<u8, E> {
    let (a, b) = future::join(one(), two()).await;
    let (c, d, e) = join3(one(), two(), three())
        .await;
    Ok(a? + b? + c? + d? + e?)
}
"#,
        r#"use futures::future::{self, join3};

async fn load() -> Result<u8, E> {
    let (a, b) = future::try_join(one(), two()).await?;
    let (c, d, e) = futures::future::try_join3(one(), two(), three())
        .await?;
    Ok(a + b + c + d + e)
}
"#,
    );
}

#[test]
fn prefer_try_join_all() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"use futures::future::join_all;

async fn load(ids: Vec<u8>) -> Result<usize, E> {
    let all = join_all(ids.into_iter().map(fetch))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let typed: Result<Vec<u8>, E> = futures::future::join_all(more()).await.into_iter().collect();
    Ok(all.len() + typed?.len())
}
"#,
        r#"use futures::future::join_all;

async fn load(ids: Vec<u8>) -> Result<usize, E> {
    let all = futures::future::try_join_all(ids.into_iter().map(fetch))
        .await?;
    let typed: Result<Vec<u8>, E> = futures::future::try_join_all(more()).await;
    Ok(all.len() + typed?.len())
}
"#,
    );
}

#[test]
fn prefer_try_join_all_bound_first() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"async fn load(ids: Vec<u8>) -> Result<usize, E> {
    let results = futures::future::join_all(ids.into_iter().map(fetch)).await;
    let values = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(values.len())
}
"#,
        r#"async fn load(ids: Vec<u8>) -> Result<usize, E> {
    let results = futures::future::try_join_all(ids.into_iter().map(fetch)).await;
    let values = results?;
    Ok(values.len())
}
"#,
    );
}

#[test]
fn prefer_try_join_in_a_select_branch() {
    assert_unsafe_fix(
        "prefer-try-join",
        r#"async fn load(mut rx: Receiver<u8>) -> Result<u8, E> {
    tokio::select! {
        Some(x) = rx.recv() => {
            let (a, b) = tokio::join!(one(x), two(x));
            Ok(a? + b?)
        }
        else => Ok(0),
    }
}
"#,
        r#"async fn load(mut rx: Receiver<u8>) -> Result<u8, E> {
    tokio::select! {
        Some(x) = rx.recv() => {
            let (a, b) = tokio::try_join!(one(x), two(x))?;
            Ok(a + b)
        }
        else => Ok(0),
    }
}
"#,
    );
}
