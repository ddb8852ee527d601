//! `asyncheck patterns` and `asyncheck explain PATTERN`: the pattern
//! catalogue, end to end.

use assert_cmd::Command;
use serde_json::Value;

const PATTERNS: [&str; 6] = [
    "spawn",
    "channels",
    "cancellation",
    "errors",
    "structured-concurrency",
    "blocking",
];

fn asyncheck(args: &[&str]) -> (String, String, Option<i32>) {
    let output = Command::cargo_bin("asyncheck")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code(),
    )
}

#[test]
fn patterns_lists_every_pattern_with_its_rules() {
    let (stdout, _, status) = asyncheck(&["patterns"]);
    assert_eq!(status, Some(0));
    for name in PATTERNS {
        assert!(
            stdout.lines().any(|line| line.starts_with(name)),
            "{name} missing:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("rules: detached-spawn, prefer-try-join"),
        "{stdout}"
    );
    assert!(stdout.contains("tags: cancellation, shutdown"), "{stdout}");
}

#[test]
fn a_pattern_page_has_every_section() {
    let (stdout, _, status) = asyncheck(&["patterns", "cancellation"]);
    assert_eq!(status, Some(0));
    for section in [
        "# Pattern: cancellation",
        "> Every long-running task has a cancellation path",
        "Tags: `cancellation`",
        "## Why",
        "## Breaks the pattern",
        "## Follows the pattern",
        "## Best practices",
        "## Choose between",
        "## Related patterns",
        "## Rules that enforce it",
        "- `uncancellable-loop` (patterns, default allow):",
        "CancellationToken",
        "timeout",
    ] {
        assert!(stdout.contains(section), "missing {section}:\n{stdout}");
    }
    assert!(!stdout.contains("//~"), "test markers stay out of the page");
}

#[test]
fn patterns_as_json() {
    let (stdout, _, status) = asyncheck(&["patterns", "--format", "json"]);
    assert_eq!(status, Some(0));
    let all: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, PATTERNS);
    for pattern in all.as_array().unwrap() {
        for field in ["rule_of_thumb", "rationale", "bad_example", "good_example"] {
            assert!(pattern[field].is_string(), "{field} missing in {pattern}");
        }
        for field in ["tags", "best_practices", "related", "rules"] {
            assert!(
                !pattern[field].as_array().unwrap().is_empty(),
                "{field} empty in {pattern}"
            );
        }
    }
    // Every rule is listed under exactly its own pattern.
    let (rules, _, _) = asyncheck(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&rules).unwrap();
    for rule in rules.as_array().unwrap() {
        let homes: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["name"] == rule["name"])
            })
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(homes, [rule["pattern"].as_str().unwrap()], "{rule}");
    }
}

#[test]
fn one_pattern_as_json() {
    let (stdout, _, status) =
        asyncheck(&["patterns", "structured-concurrency", "--format", "json"]);
    assert_eq!(status, Some(0));
    let pattern: Value = serde_json::from_str(&stdout).unwrap();
    let tools: Vec<&str> = pattern["choose_between"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "`join!`",
            "`try_join!`",
            "`JoinSet`",
            "`spawn` + a kept `JoinHandle`"
        ]
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn explain_shows_a_pattern_page() {
    let (explained, _, status) = asyncheck(&["explain", "structured-concurrency"]);
    assert_eq!(status, Some(0));
    let (page, _, _) = asyncheck(&["patterns", "structured-concurrency"]);
    assert_eq!(explained, page);
    assert!(
        explained.contains("## Rules that enforce it"),
        "{explained}"
    );
    assert!(explained.contains("`detached-spawn`"), "{explained}");
}

#[test]
fn an_unknown_pattern_is_a_usage_error_with_the_closest_name() {
    let (stdout, stderr, status) = asyncheck(&["patterns", "cancelation"]);
    assert_eq!(status, Some(2));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("unknown pattern `cancelation`"), "{stderr}");
    assert!(stderr.contains("did you mean `cancellation`?"), "{stderr}");

    let (_, stderr, status) = asyncheck(&["explain", "structured-concurency"]);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("did you mean `structured-concurrency`?"),
        "{stderr}"
    );

    let (_, stderr, status) = asyncheck(&["patterns", "nothing-like-it"]);
    assert_eq!(status, Some(2));
    assert!(!stderr.contains("did you mean"), "{stderr}");
    assert!(
        stderr.contains("the patterns are spawn, channels"),
        "{stderr}"
    );
}
