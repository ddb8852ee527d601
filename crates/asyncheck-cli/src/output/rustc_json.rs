//! `--format rustc-json`: what `cargo check --message-format=json` prints,
//! one `compiler-message` object per line holding rustc's diagnostic JSON,
//! then `build-finished`. rust-analyzer's `check.overrideCommand`, bacon and
//! other readers of cargo's output show asyncheck's findings through it with
//! no plug-in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use annotate_snippets::Renderer;
use asyncheck::line_index::LineIndex;
use asyncheck::{registry, Applicability, Diagnostic, Severity, Span};
use serde_json::{json, Value};

use super::human;
use crate::check::Outcome;

/// `styled`: ANSI colour in each message's `rendered`, as cargo's
/// `json-diagnostic-rendered-ansi` asks.
pub fn render(outcome: &Outcome, styled: bool) -> String {
    let mut packages = Packages::default();
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for file in &outcome.files {
        let source = file.source.as_deref();
        let index = LineIndex::new(source.unwrap_or(""));
        let package = packages.of(Path::new(&file.path));
        for diagnostic in &file.diagnostics {
            let mut rendered = String::new();
            human::render_diagnostic(&mut rendered, &renderer, &file.path, source, diagnostic);
            rendered.push('\n');
            let file = File {
                path: &file.path,
                source: source.unwrap_or(""),
                index: &index,
            };
            let message = json!({
                "reason": "compiler-message",
                "package_id": package.id,
                "manifest_path": package.manifest,
                "target": package.target(file.path),
                "message": message(&file, diagnostic, rendered),
            });
            out.push_str(&message.to_string());
            out.push('\n');
        }
    }
    let errors = outcome
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .any(|d| d.severity == Severity::Error);
    out.push_str(&json!({"reason": "build-finished", "success": !errors}).to_string());
    out.push('\n');
    out
}

struct File<'a> {
    path: &'a str,
    source: &'a str,
    index: &'a LineIndex<'a>,
}

/// rustc's diagnostic: the rule as its `code`, the finding as the primary
/// span, labels as secondary spans, the help and the fix as children.
fn message(file: &File<'_>, diagnostic: &Diagnostic, rendered: String) -> Value {
    let mut spans = vec![span(file, &diagnostic.span, true, None, None)];
    spans.extend(
        diagnostic
            .labels
            .iter()
            .map(|l| span(file, &l.span, false, Some(&l.message), None)),
    );
    let mut children = Vec::new();
    if let Some(help) = &diagnostic.help {
        children.push(child("help", help, Vec::new()));
    }
    if let Some(fix) = &diagnostic.fix {
        let (text, applicability) = match fix.applicability {
            Applicability::Safe => ("apply asyncheck's fix", "MachineApplicable"),
            Applicability::Unsafe => (
                "asyncheck's fix (unsafe: check that it keeps what you meant)",
                "MaybeIncorrect",
            ),
        };
        let spans = fix
            .edits
            .iter()
            .map(|e| {
                span(
                    file,
                    &e.span,
                    true,
                    None,
                    Some((&e.replacement, applicability)),
                )
            })
            .collect();
        children.push(child("help", text, spans));
    }
    let rule = registry::find(diagnostic.rule);
    if rule.is_some() {
        children.push(child(
            "note",
            &format!(
                "run `asyncheck explain {}` for the pattern, examples and options",
                diagnostic.rule
            ),
            Vec::new(),
        ));
    }
    json!({
        "$message_type": "diagnostic",
        "message": diagnostic.message,
        "code": {
            "code": diagnostic.rule,
            "explanation": rule.map(|r| r.meta().why),
        },
        "level": diagnostic.severity.as_str(),
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

fn child(level: &str, message: &str, spans: Vec<Value>) -> Value {
    json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// A span as rustc writes it: byte offsets, 1-based lines and columns
/// (columns count characters, the end is exclusive), and the text of each
/// line it covers with the highlighted columns.
fn span(
    file: &File<'_>,
    span: &Span,
    primary: bool,
    label: Option<&str>,
    suggestion: Option<(&str, &str)>,
) -> Value {
    let start = file.index.line_col(span.start);
    let end = file.index.line_col(span.end);
    let lines: Vec<&str> = file.source.split('\n').collect();
    let text: Vec<Value> = (start.line..=end.line)
        .filter_map(|line| {
            let text = lines.get(line - 1)?.trim_end_matches('\r');
            let highlight_start = if line == start.line { start.column } else { 1 };
            let highlight_end = if line == end.line {
                end.column
            } else {
                text.chars().count() + 1
            };
            Some(json!({
                "text": text,
                "highlight_start": highlight_start,
                "highlight_end": highlight_end,
            }))
        })
        .collect();
    json!({
        "file_name": file.path,
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": start.line,
        "line_end": end.line,
        "column_start": start.column,
        "column_end": end.column,
        "is_primary": primary,
        "text": text,
        "label": label,
        "suggested_replacement": suggestion.map(|(text, _)| text),
        "suggestion_applicability": suggestion.map(|(_, applicability)| applicability),
        "expansion": null,
    })
}

/// The cargo package a file belongs to, as cargo names it in its messages.
#[derive(Clone)]
struct Package {
    id: String,
    manifest: Option<String>,
    name: String,
    edition: String,
}

impl Package {
    fn target(&self, path: &str) -> Value {
        json!({
            "kind": ["lib"],
            "crate_types": ["lib"],
            "name": self.name.replace('-', "_"),
            "src_path": absolute(Path::new(path)).display().to_string(),
            "edition": self.edition,
            "doc": true,
            "doctest": true,
            "test": true,
        })
    }
}

/// Packages found so far, by folder.
#[derive(Default)]
struct Packages {
    by_folder: HashMap<PathBuf, Package>,
}

impl Packages {
    /// The package of the nearest `Cargo.toml` with a `[package]` above
    /// `path`; a file in no package is its folder's.
    fn of(&mut self, path: &Path) -> Package {
        let path = absolute(path);
        let folder = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        if let Some(package) = self.by_folder.get(&folder) {
            return package.clone();
        }
        let package = folder
            .ancestors()
            .find_map(manifest_package)
            .unwrap_or_else(|| Package {
                id: format!("path+file://{}", folder.display()),
                manifest: None,
                name: folder
                    .file_name()
                    .map_or("asyncheck".into(), |n| n.to_string_lossy().into_owned()),
                edition: "2021".into(),
            });
        self.by_folder.insert(folder, package.clone());
        package
    }
}

fn manifest_package(folder: &Path) -> Option<Package> {
    let manifest = folder.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let package = table.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_owned();
    // A version or edition inherited from the workspace is not worth
    // resolving here: readers key on the id, not on its parts.
    let version = package
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("0.0.0");
    let edition = package
        .get("edition")
        .and_then(|v| v.as_str())
        .unwrap_or("2021");
    Some(Package {
        id: format!("path+file://{}#{name}@{version}", folder.display()),
        manifest: Some(manifest.display().to_string()),
        name,
        edition: edition.to_owned(),
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
