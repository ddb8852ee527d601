//! The per-file check on arbitrary text: the parsed tree (macro bodies
//! expanded) must spell the text, the check must not panic (a rule panic the
//! checker caught, reported as `internal-error`, fails too), every span it
//! reports must fit the text, the same input must give the same diagnostics,
//! and fixing a file that parsed must leave a file that parses.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::fix::fix_file;
use asyncheck::{Checker, Diagnostic, Settings, Span};
use libfuzzer_sys::fuzz_target;

/// Every rule on; the second also runs the rules on files that did not parse.
fn settings() -> &'static [Settings; 2] {
    static SETTINGS: OnceLock<[Settings; 2]> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let mut clean = Settings::default();
        clean
            .select(&["all".into()])
            .expect("`all` selects every rule");
        let mut broken = clean.clone();
        broken.check_broken_files = true;
        [clean, broken]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(parsed) = asyncheck::syntax::parse_file(text) {
        // Every offset and name a rule reports comes from this tree.
        let tree = parsed.root.to_string();
        assert!(
            spells(&tree, text),
            "the tree does not spell the file:\n{tree}"
        );
    }
    let path = Path::new("src/lib.rs");
    for settings in settings() {
        let checker = Checker::new(settings);
        let diagnostics = checker.check(path, text).diagnostics;
        assert_sound(text, &diagnostics);
        let again = checker.check(path, text).diagnostics;
        assert_eq!(diagnostics, again, "two checks of one text differ");
    }

    let checker = Checker::new(&settings()[0]);
    let check = |t: &str| checker.check(path, t).diagnostics;
    let fixed = fix_file(&check, text, true);
    assert_sound(&fixed.text, &fixed.diagnostics);
    // The fix engine runs to a fixed point: fixing its output changes nothing.
    let again = fix_file(&check, &fixed.text, true);
    assert!(
        again.applied == 0,
        "fixing a fixed file applied {} more fixes:\n{}",
        again.applied,
        fixed.text
    );
    if parses(text) {
        assert!(
            parses(&fixed.text),
            "fixing a file that parsed gave one that does not:\n{}",
            fixed.text
        );
    }
});

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

fn parses(text: &str) -> bool {
    asyncheck::syntax::parse_file(text).is_some_and(|parsed| parsed.errors.is_empty())
}

/// No rule failed, and every span of every diagnostic fits `text`.
fn assert_sound(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        assert_ne!(
            diagnostic.rule, INTERNAL_ERROR,
            "a rule failed: {}",
            diagnostic.message
        );
        let what =
            |part: &str| format!("{} of `{}` ({})", part, diagnostic.rule, diagnostic.message);
        assert_fits(text, &diagnostic.span, &what("span"));
        for label in &diagnostic.labels {
            assert_fits(text, &label.span, &what("label span"));
        }
        for edit in diagnostic.fix.iter().flat_map(|fix| &fix.edits) {
            assert_fits(text, &edit.span, &what("fix edit span"));
        }
    }
}

fn assert_fits(text: &str, span: &Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: {span:?} is outside 0..{}",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: {span:?} splits a character"
    );
}
