//! `--format gitlab`: GitLab's code-quality report, a JSON array of issues
//! with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path`/`location.lines.begin`, which merge requests show.

use std::collections::HashMap;

use asyncheck::line_index::LineIndex;
use asyncheck::Severity;
use serde_json::{json, Value};

use crate::baseline::{fingerprint, fnv1a};
use crate::check::Outcome;

pub fn render(outcome: &Outcome) -> String {
    let mut issues: Vec<Value> = Vec::new();
    // GitLab needs each fingerprint to be unique: identical findings on
    // identical lines are told apart by their rank.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for file in &outcome.files {
        let source = file.source.as_deref().unwrap_or("");
        let index = LineIndex::new(source);
        for diagnostic in &file.diagnostics {
            let code = fingerprint(source, diagnostic);
            let key = format!("{}\0{}\0{code}", diagnostic.rule, file.path);
            let rank = seen.entry(key.clone()).or_default();
            *rank += 1;
            let fingerprint = format!("{:016x}", fnv1a(format!("{key}\0{rank}").as_bytes()));
            let begin = index.line_col(diagnostic.span.start).line;
            let end = index.line_col(diagnostic.span.end).line;
            issues.push(json!({
                "type": "issue",
                "description": diagnostic.message,
                "check_name": diagnostic.rule,
                "fingerprint": fingerprint,
                "severity": match diagnostic.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                },
                "location": {"path": file.path, "lines": {"begin": begin, "end": end}},
            }));
        }
    }
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}
