//! Fix tests: each case applies every fix a rule offers on an input and
//! compares the result with the expected text, which must parse cleanly.

use std::path::Path;

use asyncheck::{Checker, Edit, Settings};

/// `input` with the edits of every fix `rule` offers applied.
fn fixed(rule: &str, input: &str) -> String {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), input);
    let mut edits: Vec<&Edit> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == rule)
        .filter_map(|d| d.fix.as_ref())
        .flat_map(|fix| &fix.edits)
        .collect();
    assert!(!edits.is_empty(), "{rule} offered no fix on:\n{input}");
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut output = String::new();
    let mut copied = 0;
    for edit in edits {
        assert!(
            edit.span.start >= copied,
            "{rule}: overlapping edits at {:?}",
            edit.span
        );
        output.push_str(&input[copied..edit.span.start]);
        output.push_str(&edit.replacement);
        copied = edit.span.end;
    }
    output.push_str(&input[copied..]);
    output
}

fn check_fix(rule: &str, input: &str, expected: &str) {
    let output = fixed(rule, input);
    assert_eq!(output, expected, "{rule}: unexpected fix result");
    let parsed = asyncheck::syntax::parse_file(&output).expect("fixed text nests too deep");
    assert!(
        parsed.errors.is_empty(),
        "{rule}: the fixed text does not parse: {:?}\n{output}",
        parsed.errors
    );
    let again = fixed_or_same(rule, &output);
    assert_eq!(again, output, "{rule}: the fixed text is flagged again");
}

/// `input` with the rule's fixes applied, or unchanged when it has none.
fn fixed_or_same(rule: &str, input: &str) -> String {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), input);
    if report.diagnostics.iter().any(|d| d.rule == rule) {
        fixed(rule, input)
    } else {
        input.to_owned()
    }
}

#[test]
fn prefer_try_join_macro() {
    check_fix(
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
fn prefer_try_join_imported_macro_and_braces() {
    check_fix(
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
    check_fix(
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
    check_fix(
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
    check_fix(
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
    check_fix(
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
