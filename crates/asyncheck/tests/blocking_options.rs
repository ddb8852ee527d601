//! The options of blocking-in-async.

use std::path::Path;

use asyncheck::settings::OptionValue;
use asyncheck::{line_index::LineIndex, Checker, Settings};

const RULE: &str = "blocking-in-async";

/// The lines blocking-in-async flags in `text` with `options` set.
fn flagged_lines(text: &str, options: &[(&str, OptionValue)]) -> Vec<usize> {
    let mut settings = Settings::default();
    settings.set_level(RULE, asyncheck::Level::Warn).unwrap();
    let rule = settings.options_mut(RULE).unwrap();
    for (name, value) in options {
        assert!(rule.set(name, value.clone()), "option {name}");
    }
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), text);
    let index = LineIndex::new(text);
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == RULE)
        .map(|d| index.line_col(d.span.start).line)
        .collect()
}

fn paths(paths: &[&str]) -> OptionValue {
    OptionValue::Paths(paths.iter().map(|p| p.to_string()).collect())
}

const CONFIGURED: &str = r#"use my_crate::db::query_sync;
use my_crate::db as database;

async fn handler() {
    query_sync("a");
    database::query_sync("b");
    crate::legacy::load();
    load();
    other::query_sync("c");
}

fn load() {}
"#;

#[test]
fn functions_adds_blocking_paths() {
    assert_eq!(flagged_lines(CONFIGURED, &[]), Vec::<usize>::new());
    let options = [(
        "functions",
        paths(&["my_crate::db::query_sync", "my_crate::legacy::load"]),
    )];
    assert_eq!(flagged_lines(CONFIGURED, &options), vec![5, 6, 7]);
    let local = [("functions", paths(&["load"]))];
    assert_eq!(flagged_lines(CONFIGURED, &local), vec![8]);
}

const OFFLOADED: &str = r#"use crate::util::asyncify;

async fn read_config(path: String) -> std::io::Result<String> {
    let text = asyncify(move || std::fs::read_to_string(path)).await?;
    crate::run_off_runtime(async { std::thread::sleep(std::time::Duration::from_secs(1)) }).await;
    Ok(text)
}
"#;

#[test]
fn offload_exempts_arguments() {
    assert_eq!(flagged_lines(OFFLOADED, &[]), vec![5]);
    let options = [(
        "offload",
        paths(&["my_crate::util::asyncify", "my_crate::run_off_runtime"]),
    )];
    assert_eq!(flagged_lines(OFFLOADED, &options), Vec::<usize>::new());
}

const MAIN: &str = r#"#[tokio::main]
async fn main() {
    let config = std::fs::read_to_string("app.toml").unwrap();
    println!("{config}");
}
"#;

#[test]
fn check_main_checks_startup_code() {
    assert_eq!(flagged_lines(MAIN, &[]), Vec::<usize>::new());
    let options = [("check-main", OptionValue::Bool(true))];
    assert_eq!(flagged_lines(MAIN, &options), vec![3]);
}
