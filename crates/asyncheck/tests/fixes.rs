//! Fix tests. Each folder under `fixes/` is named after a rule that has a
//! fix; for every `NAME.rs` in it, the rule's fixes are applied the way
//! `--fix` applies them and the result must equal `NAME.fixed.rs` and parse
//! without errors.

use std::path::Path;

use asyncheck::{registry, Checker, Edit, FixAvailability, Settings};

/// Rounds of fixing before giving up: a fix whose edits overlap another's
/// waits for the next round, re-checked on the new text.
const MAX_ROUNDS: usize = 8;

/// `text` with every fix of `rule` applied, or `None` if fixes still came
/// after [`MAX_ROUNDS`].
fn apply_fixes(rule: &str, text: &str) -> Option<String> {
    let mut settings = Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    let checker = Checker::new(&settings);
    let mut text = text.to_owned();
    for _ in 0..MAX_ROUNDS {
        let report = checker.check(Path::new("src/lib.rs"), &text);
        let mut taken: Vec<&Edit> = Vec::new();
        let fixes = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .filter_map(|d| d.fix.as_ref());
        for fix in fixes {
            let clashes = fix
                .edits
                .iter()
                .any(|edit| taken.iter().any(|other| overlap(edit, other)));
            if !clashes {
                taken.extend(&fix.edits);
            }
        }
        if taken.is_empty() {
            return Some(text);
        }
        taken.sort_by_key(|edit| std::cmp::Reverse(edit.span.start));
        for edit in taken {
            text.replace_range(edit.span.clone(), &edit.replacement);
        }
    }
    None
}

fn overlap(a: &Edit, b: &Edit) -> bool {
    a.span.start == b.span.start || (a.span.start < b.span.end && b.span.start < a.span.end)
}

#[test]
fn fixes() {
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
            let text = std::fs::read_to_string(&input).unwrap();
            let expected = std::fs::read_to_string(dir.join(format!("{stem}.fixed.rs")))
                .unwrap_or_else(|_| panic!("{rule}/{name} has no {stem}.fixed.rs"));
            let fixed = apply_fixes(&rule, &text)
                .unwrap_or_else(|| panic!("{rule}/{name}: fixes never settle"));
            assert!(
                fixed == expected,
                "{rule}/{name}: fixed text differs\n--- got\n{fixed}\n--- expected\n{expected}"
            );
            let parsed = asyncheck::syntax::parse_file(&fixed).unwrap();
            assert!(
                parsed.errors.is_empty(),
                "{rule}/{name}: fixed text does not parse: {:?}",
                parsed.errors
            );
            cases += 1;
        }
        assert!(cases > 0, "{rule}: no fix cases");
    }
}
