//! `--format json`: one object, as cli.md specifies; `--format json-lines`:
//! one diagnostic per line.

use asyncheck::line_index::LineIndex;
use asyncheck::Diagnostic;
use serde::Serialize;

use super::Summary;
use crate::check::Outcome;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    pattern: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
    offset: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    start: Position,
    end: Position,
    /// The other file and 1-based line the label points at, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    elsewhere: Option<JsonElsewhere<'a>>,
}

#[derive(Serialize)]
struct JsonElsewhere<'a> {
    path: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: usize,
    end: usize,
    replacement: &'a str,
}

pub fn render(outcome: &Outcome) -> String {
    let report = Report {
        version: 1,
        diagnostics: diagnostics(outcome),
        summary: Summary::of(outcome),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// `--format json-lines`: each diagnostic of the JSON output as one line,
/// with no summary, for tools that read a stream.
pub fn render_lines(outcome: &Outcome) -> String {
    diagnostics(outcome)
        .iter()
        .filter_map(|d| serde_json::to_string(d).ok())
        .map(|line| line + "\n")
        .collect()
}

fn diagnostics(outcome: &Outcome) -> Vec<JsonDiagnostic<'_>> {
    let mut diagnostics = Vec::new();
    for file in &outcome.files {
        let index = LineIndex::new(file.source.as_deref().unwrap_or(""));
        let position = |offset: usize| {
            let at = index.line_col(offset);
            Position {
                line: at.line,
                column: at.column,
                offset,
            }
        };
        diagnostics.extend(file.diagnostics.iter().map(|d: &Diagnostic| {
            JsonDiagnostic {
                rule: d.rule,
                pattern: d.pattern,
                severity: d.severity.as_str(),
                message: &d.message,
                path: &file.path,
                start: position(d.span.start),
                end: position(d.span.end),
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        message: &l.message,
                        start: position(l.span.start),
                        end: position(l.span.end),
                        elsewhere: l.elsewhere.as_ref().map(|e| JsonElsewhere {
                            path: &e.path,
                            line: e.line,
                        }),
                    })
                    .collect(),
                help: d.help.as_deref(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    applicability: f.applicability.as_str(),
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            start: e.span.start,
                            end: e.span.end,
                            replacement: &e.replacement,
                        })
                        .collect(),
                }),
            }
        }));
    }
    diagnostics
}
