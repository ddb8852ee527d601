//! `--format sarif`: SARIF 2.1.0, one run, with every rule's metadata
//! rendered from its documentation.

use asyncheck::diagnostic::INTERNAL_ERROR;
use asyncheck::line_index::LineIndex;
use asyncheck::{docs, registry, Diagnostic, Level, Severity, Span};
use serde_json::{json, Value};

use crate::check::Outcome;
use crate::other_diagnostics::OTHERS;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Diagnostics that belong to no rule and cannot be levelled, described for
/// SARIF consumers (the others are in `other_diagnostics`).
const INPUT_DESCRIPTORS: &[(&str, &str)] = &[(
    INTERNAL_ERROR,
    "asyncheck failed on this file; please report it.",
)];

/// The environment variable that gives where the rule pages are published:
/// a base URL that each page's name (`RULE.md`) is appended to.
pub const DOCS_URL_VARIABLE: &str = "ASYNCHECK_DOCS_URL";

/// The repository's rule pages, from `ASYNCHECK_DOCS_URL`, else from the
/// package's `repository` (its `docs/rules/` folder on the main branch);
/// none when neither is known, rather than a link that leads nowhere.
fn docs_base() -> Option<String> {
    if let Some(base) = std::env::var(DOCS_URL_VARIABLE)
        .ok()
        .filter(|b| !b.is_empty())
    {
        return Some(if base.ends_with('/') {
            base
        } else {
            base + "/"
        });
    }
    repository().map(|repository| format!("{repository}/blob/main/docs/rules/"))
}

fn repository() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')).filter(|r| !r.is_empty())
}

pub fn render(outcome: &Outcome) -> String {
    let docs_base = docs_base();
    let mut ids: Vec<&str> = Vec::new();
    let mut descriptors: Vec<Value> = Vec::new();
    for rule in registry::rules() {
        let meta = rule.meta();
        ids.push(meta.name);
        let mut descriptor = json!({
            "id": meta.name,
            "shortDescription": {"text": meta.summary},
            "fullDescription": {"text": meta.flags},
            "help": {"text": meta.why, "markdown": docs::rule_markdown(meta)},
            "defaultConfiguration": {"level": sarif_level(meta.default_level())},
            "properties": {"tags": [meta.pattern.name(), meta.group.name()], "group": meta.group.name()},
        });
        if let Some(base) = &docs_base {
            descriptor["helpUri"] = json!(format!("{base}{}.md", meta.name));
        }
        descriptors.push(descriptor);
    }
    let others = OTHERS
        .iter()
        .map(|o| (o.name, o.summary, o.default_level))
        .chain(
            INPUT_DESCRIPTORS
                .iter()
                .map(|(id, text)| (*id, *text, Level::Deny)),
        );
    for (id, text, level) in others {
        ids.push(id);
        descriptors.push(json!({
            "id": id,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": sarif_level(level)},
        }));
    }

    let mut results = Vec::new();
    for file in &outcome.files {
        let index = file.source.as_deref().map(LineIndex::new);
        let path = super::repository_relative(&file.path);
        for diagnostic in &file.diagnostics {
            results.push(result(diagnostic, &path, index.as_ref(), &ids));
        }
    }
    let mut driver = json!({
        "name": "asyncheck",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": descriptors,
    });
    if let Some(repository) = repository() {
        driver["informationUri"] = json!(repository);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny => "error",
    }
}

fn result(
    diagnostic: &Diagnostic,
    path: &str,
    index: Option<&LineIndex<'_>>,
    ids: &[&str],
) -> Value {
    let mut result = json!({
        "ruleId": diagnostic.rule,
        "level": match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": {"text": message(diagnostic)},
        "locations": [location(path, index, &diagnostic.span)],
    });
    if let Some(position) = ids.iter().position(|id| *id == diagnostic.rule) {
        result["ruleIndex"] = json!(position);
    }
    if !diagnostic.labels.is_empty() {
        result["relatedLocations"] = diagnostic
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut related = match &label.elsewhere {
                    Some(other) => json!({"physicalLocation": {
                        "artifactLocation": {"uri": uri(&super::repository_relative(&other.path))},
                        "region": {"startLine": other.line},
                    }}),
                    None => location(path, index, &label.span),
                };
                related["id"] = json!(i);
                related["message"] = json!({"text": label.message});
                related
            })
            .collect();
    }
    if let (Some(fix), Some(index)) = (&diagnostic.fix, index) {
        result["fixes"] = json!([{
            "description": {"text": format!("{} fix", fix.applicability.as_str())},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(path)},
                "replacements": fix.edits.iter().map(|edit| json!({
                    "deletedRegion": region(index, &edit.span),
                    "insertedContent": {"text": edit.replacement},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    result
}

fn message(diagnostic: &Diagnostic) -> String {
    match &diagnostic.help {
        Some(help) => format!("{}\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    }
}

/// Where a diagnostic is. A file that could not be read has no text to
/// point into: its region is the start of the file.
fn location(path: &str, index: Option<&LineIndex<'_>>, span: &Span) -> Value {
    let region = match index {
        Some(index) => region(index, span),
        None => json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}),
    };
    json!({"physicalLocation": {"artifactLocation": {"uri": uri(path)}, "region": region}})
}

/// A path as a URI reference: relative paths stay relative, absolute ones
/// become `file://` URIs; characters URIs reserve are percent-encoded.
fn uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn region(index: &LineIndex<'_>, span: &Span) -> Value {
    let start = index.line_col(span.start);
    let end = index.line_col(span.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}
