//! Data-driven rule tests. Each folder under `fixtures/` is named after a
//! rule; every line its files mark with `//~ rule-name` must be flagged by
//! that rule (primary span starting on the line), and no other line may be.
//! Each rule's documented examples are checked the same way, and so are the
//! pattern catalogue's examples, with every rule at once.

use std::collections::BTreeSet;
use std::path::Path;

use asyncheck::{registry, Checker, Pattern, Settings};

/// The (line, rule) pairs the markers in `text` expect.
fn expected(text: &str) -> BTreeSet<(usize, String)> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| {
            line.split_once("//~")
                .map(|(_, rules)| {
                    rules
                        .split(',')
                        .map(|r| (i + 1, r.trim().to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The (line, rule) pairs `rule` reports on `text`, checked as a source file
/// of a crate (not test code).
fn actual(rule: &str, text: &str) -> BTreeSet<(usize, String)> {
    every_finding(text)
        .into_iter()
        .filter(|(_, r)| r == rule || r == "parse-error")
        .collect()
}

/// The (line, rule) pairs every rule together reports on `text`.
fn every_finding(text: &str) -> BTreeSet<(usize, String)> {
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

fn check(rule: &str, name: &str, text: &str) {
    let expected: BTreeSet<_> = expected(text)
        .into_iter()
        .filter(|(_, r)| r == rule)
        .collect();
    let actual = actual(rule, text);
    let missed: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "{name}: missed {missed:?}, unexpected {extra:?}"
    );
}

#[test]
fn fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let rule = dir.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            registry::find(&rule).is_some(),
            "fixture folder {rule} names no rule"
        );
        let mut files = 0;
        let mut marks = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            marks += expected(&text).len();
            check(&rule, &file.display().to_string(), &text);
            files += 1;
        }
        assert!(
            files >= 2 && marks > 0,
            "{rule}: fixtures need flagged and clean cases"
        );
        seen.push(rule);
    }
    for rule in registry::rules() {
        let name = rule.meta().name;
        assert!(
            seen.iter().any(|s| s == name),
            "rule {name} has no fixtures"
        );
    }
}

#[test]
fn documented_examples() {
    for rule in registry::rules() {
        let meta = rule.meta();
        assert!(
            !expected(meta.example).is_empty(),
            "{}: the example marks no finding",
            meta.name
        );
        check(meta.name, &format!("{} example", meta.name), meta.example);
        check(
            meta.name,
            &format!("{} use-instead", meta.name),
            meta.use_instead,
        );
    }
}

/// A pattern's bad example is flagged exactly on its marked lines, by every
/// rule together, and at least one mark is a rule of that pattern; its good
/// example is flagged by none.
#[test]
fn pattern_examples() {
    let mut problems = Vec::new();
    for pattern in Pattern::ALL {
        let doc = pattern.doc();
        let name = pattern.name();
        let marked = expected(doc.bad);
        if !marked
            .iter()
            .any(|(_, rule)| pattern.rules().any(|meta| meta.name == rule))
        {
            problems.push(format!(
                "{name}: the bad example marks no finding of the pattern's rules"
            ));
        }
        let found = every_finding(doc.bad);
        let missed: Vec<_> = marked.difference(&found).collect();
        let extra: Vec<_> = found.difference(&marked).collect();
        if !missed.is_empty() || !extra.is_empty() {
            problems.push(format!(
                "{name} bad example: missed {missed:?}, unexpected {extra:?}"
            ));
        }
        let found = every_finding(doc.good);
        if !found.is_empty() {
            problems.push(format!("{name} good example is flagged: {found:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
