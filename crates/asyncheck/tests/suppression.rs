//! Suppression comments, as config.md describes them.

use std::path::Path;

use asyncheck::{Checker, Settings};

/// (1-based line, rule) of every diagnostic on `text`.
fn findings(text: &str) -> Vec<(usize, String)> {
    let mut settings = Settings::default();
    settings.select(&["all".to_owned()]).unwrap();
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), text);
    let index = asyncheck::line_index::LineIndex::new(text);
    report
        .diagnostics
        .iter()
        .map(|d| (index.line_col(d.span.start).line, d.rule.to_owned()))
        .collect()
}

fn pairs(expected: &[(usize, &str)]) -> Vec<(usize, String)> {
    expected.iter().map(|(l, r)| (*l, r.to_string())).collect()
}

#[test]
fn trailing_comment_covers_its_line_only() {
    let text = "fn f() {
    let a = tokio::sync::mpsc::unbounded_channel::<u8>(); // asyncheck: allow(unbounded-channel)
    let b = tokio::sync::mpsc::unbounded_channel::<u8>();
}
";
    assert_eq!(findings(text), pairs(&[(3, "unbounded-channel")]));
}

#[test]
fn own_line_comment_covers_the_next_statement() {
    let text = "fn f() {
    // asyncheck: allow(unbounded-channel) -- the producer is a timer, one message a second
    let (a, b) = (
        tokio::sync::mpsc::unbounded_channel::<u8>(),
        tokio::sync::mpsc::unbounded_channel::<u8>(),
    );
    let c = tokio::sync::mpsc::unbounded_channel::<u8>();
}
";
    assert_eq!(findings(text), pairs(&[(7, "unbounded-channel")]));
}

#[test]
fn own_line_comment_covers_the_next_item_with_its_attributes() {
    let text = "// asyncheck: allow(unbounded-channel)
#[inline]
fn f() {
    let a = tokio::sync::mpsc::unbounded_channel::<u8>();
}

fn g() {
    let b = tokio::sync::mpsc::unbounded_channel::<u8>();
}
";
    assert_eq!(findings(text), pairs(&[(8, "unbounded-channel")]));
}

#[test]
fn allow_file_covers_the_file_from_anywhere() {
    for directive in [
        "//! asyncheck: allow-file(unbounded-channel)",
        "// asyncheck: allow-file(detached-spawn, unbounded-channel)",
    ] {
        let text = format!(
            "fn f() {{
    let a = tokio::sync::mpsc::unbounded_channel::<u8>();
}}
{directive}
fn g() {{
    let b = tokio::sync::mpsc::unbounded_channel::<u8>();
}}
"
        );
        let found = findings(&text);
        assert!(
            found.iter().all(|(_, rule)| rule != "unbounded-channel"),
            "{directive}: {found:?}"
        );
    }
}

#[test]
fn unused_and_unknown_are_reported() {
    let text = "fn f() {
    // asyncheck: allow(unbounded-channel)
    let a = 1;
    let b = 2; // asyncheck: allow(unbounded-chanel)
}
";
    assert_eq!(
        findings(text),
        pairs(&[(2, "unused-suppression"), (4, "unknown-rule")])
    );
    let settings = Settings::default();
    let report = Checker::new(&settings).check(Path::new("src/lib.rs"), text);
    let unknown = report
        .diagnostics
        .iter()
        .find(|d| d.rule == "unknown-rule")
        .unwrap();
    assert_eq!(&text[unknown.span.clone()], "unbounded-chanel");
    assert_eq!(
        unknown.help.as_deref(),
        Some("did you mean `unbounded-channel`?")
    );
}

#[test]
fn a_suppression_for_a_rule_that_does_not_run_there_is_not_unused() {
    let text = "#[cfg(test)]
mod tests {
    // asyncheck: allow(unbounded-channel)
    fn helper() {}
}
";
    assert_eq!(findings(text), pairs(&[]));
    let mut settings = Settings::default();
    settings.ignore(&["unbounded-channel".to_owned()]).unwrap();
    let report = Checker::new(&settings).check(
        Path::new("src/lib.rs"),
        "// asyncheck: allow(unbounded-channel)\nfn f() {}\n",
    );
    assert!(report.diagnostics.is_empty());
}

#[test]
fn prose_mentioning_the_marker_is_not_a_directive() {
    let text = "// Suppress with `asyncheck: allow(rule)` comments.
/// Docs may say asyncheck: anything.
fn f() {}
// asyncheck: allow unbounded-channel
fn g() {}
";
    assert_eq!(findings(text), pairs(&[(4, "unused-suppression")]));
}

#[test]
fn the_codes_own_clippy_allows_silence_their_twins() {
    let text = "use std::sync::Mutex;

#[allow(clippy::await_holding_lock)]
async fn held(m: &Mutex<u8>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}

async fn statement(m: &Mutex<u8>) {
    #[expect(clippy::await_holding_lock, reason = \"short\")]
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}

#[allow(clippy::unwrap_used)]
async fn other_twin(m: &Mutex<u8>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}

async fn tick() {}
";
    let found = findings(text);
    assert_eq!(found, pairs(&[(19, "lock-across-await")]));
    let file_wide = format!("#![allow(clippy::await_holding_lock)]\n{text}");
    assert_eq!(findings(&file_wide), pairs(&[]));
}
