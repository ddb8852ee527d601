//! The options of unwrap-in-fallible-async.

use std::path::Path;

use asyncheck::settings::OptionValue;
use asyncheck::{line_index::LineIndex, Checker, Settings};

const RULE: &str = "unwrap-in-fallible-async";

fn flagged_lines(text: &str, check_expect: Option<bool>) -> Vec<usize> {
    let mut settings = Settings::default();
    settings.select(&[RULE.to_owned()]).unwrap();
    if let Some(on) = check_expect {
        let options = settings.options_mut(RULE).unwrap();
        assert!(options.set("check-expect", OptionValue::Bool(on)));
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

const EXPECTS: &str = r#"async fn load(map: &std::collections::HashMap<u8, u8>) -> std::io::Result<u8> {
    let a = map.get(&1).expect("inserted at startup");
    let b = map.get(&2).expect(&format!("key {}", 2));
    Ok(a + b)
}
"#;

#[test]
fn check_expect_adds_literal_messages() {
    assert_eq!(flagged_lines(EXPECTS, None), vec![3]);
    assert_eq!(flagged_lines(EXPECTS, Some(false)), vec![3]);
    assert_eq!(flagged_lines(EXPECTS, Some(true)), vec![2, 3]);
}
