//! Inputs the fuzz target (`fuzz/`) found or that fail the way it checks:
//! each must be checked without a panic or an `internal-error`, with every
//! span inside the text, and the same way twice.

use std::path::Path;

use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::{Checker, Settings, Span};

/// The fuzz target's assertions on one input, with every rule on, for a file
/// that parsed and (with `check_broken_files`) for one that did not.
fn assert_checks_soundly(text: &str) {
    let mut settings = Settings::default();
    settings.select(&["all".to_owned()]).unwrap();
    let mut broken = settings.clone();
    broken.check_broken_files = true;
    for settings in [&settings, &broken] {
        let checker = Checker::new(settings);
        let path = Path::new("src/lib.rs");
        let diagnostics = checker.check(path, text).diagnostics;
        for d in &diagnostics {
            assert_ne!(d.rule, INTERNAL_ERROR, "{}", d.message);
            let spans = std::iter::once(&d.span)
                .chain(d.labels.iter().map(|l| &l.span))
                .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| &e.span)));
            for span in spans {
                assert_fits(text, span, d.rule);
            }
        }
        assert_eq!(diagnostics, checker.check(path, text).diagnostics);
    }
}

fn assert_fits(text: &str, span: &Span, rule: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "`{rule}` reported {span:?} in a text of {} bytes",
        text.len()
    );
}

/// A `select!` branch with no handler after its `=>`: the expansion sliced
/// the text backwards (from the `,` to the end of `=>`) and panicked while
/// parsing the file.
#[test]
fn select_branch_without_handler() {
    assert_checks_soundly("async fn f() { tokio::select! { x = f() => , } }");
    assert_checks_soundly("async fn f() { tokio::select! { x = f() =>, _ = g() => {} } }");
    assert_checks_soundly("async fn f() { futures::select! { complete => , } }");
}
