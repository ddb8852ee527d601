//! Inputs the fuzz target (`fuzz/`) found or that fail the way it checks:
//! each must parse to a tree that spells the file (but for the delimiters of
//! expanded macro calls), and be checked without a panic or an
//! `internal-error`, with every span inside the text, and the same way twice.

use std::path::Path;

use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::{Checker, Settings, Span};

/// The fuzz target's assertions on one input, with every rule on, for a file
/// that parsed and (with `check_broken_files`) for one that did not.
fn assert_checks_soundly(text: &str) {
    if let Some(parsed) = asyncheck::syntax::parse_file(text) {
        let tree = parsed.root.to_string();
        assert!(
            spells(&tree, text),
            "the tree does not spell the file: {tree}"
        );
    }
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

/// The tree's text is the file's, but for the delimiters of expanded macro
/// calls: `[..]` and `{..}` are read as `(..)`.
fn spells(tree: &str, text: &str) -> bool {
    tree.len() == text.len()
        && tree.bytes().zip(text.bytes()).all(|(t, f)| {
            t == f
                || (t == b'(' && matches!(f, b'[' | b'{'))
                || (t == b')' && matches!(f, b']' | b'}'))
        })
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

/// A macro call the file ends inside has no closing delimiter; expanding it
/// replaced its last token with `)`, so that rules (run on broken files for
/// editors) read `vec!(x.lock().unwrap(), )` where the file says `, y`.
#[test]
fn unclosed_macro_call_at_the_end_of_the_file() {
    assert_checks_soundly("fn f() { foo!(a, bc");
    assert_checks_soundly("async fn f() -> Result<(), E> { vec![x.lock().unwrap(), y");
    assert_checks_soundly("async fn f() { tokio::join!(a(), (b())");
    assert_checks_soundly("async fn f() { tokio::select! { x = f() => g(x), _ = h() => {}");
}
