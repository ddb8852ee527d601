//! Code actions (fixes, suppression comments) and hovers.

use std::collections::HashMap;

use asyncheck::{docs, registry, Applicability, Diagnostic};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Hover, HoverContents,
    HoverParams, MarkupContent, MarkupKind, TextEdit, WorkspaceEdit,
};

use crate::documents::Documents;
use crate::positions::{self, Encoding};
use crate::RuleDocs;

pub fn code_actions(
    documents: &Documents,
    encoding: Encoding,
    docs: &RuleDocs,
    params: &CodeActionParams,
) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let Some(document) = documents.get(uri) else {
        return Vec::new();
    };
    let text = &document.text;
    let start = positions::offset(text, params.range.start, encoding);
    let end = positions::offset(text, params.range.end, encoding);
    let index = asyncheck::line_index::LineIndex::new(text);
    let edit = |edits: Vec<(asyncheck::Span, String)>| {
        let edits = edits
            .into_iter()
            .map(|(span, new_text)| TextEdit {
                range: positions::range(&index, text, &span, encoding),
                new_text,
            })
            .collect();
        WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    };
    let mut actions = Vec::new();
    let touching = document
        .diagnostics
        .iter()
        .filter(|d| d.span.start <= end && start <= d.span.end.max(d.span.start + 1));
    for diagnostic in touching {
        let lsp = positions::to_lsp_diagnostic(diagnostic, uri, text, encoding, docs);
        let action = |title: String, edits, preferred| {
            CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp.clone()]),
                edit: Some(edit(edits)),
                is_preferred: Some(preferred),
                ..CodeAction::default()
            })
        };
        if let Some(fix) = &diagnostic.fix {
            let safety = match fix.applicability {
                Applicability::Safe => "",
                Applicability::Unsafe => " (changes behaviour: review it)",
            };
            let edits = fix
                .edits
                .iter()
                .map(|e| (e.span.clone(), e.replacement.clone()))
                .collect();
            actions.push(action(
                format!("Fix `{}`{safety}", diagnostic.rule),
                edits,
                fix.applicability == Applicability::Safe,
            ));
        }
        if !is_rule(diagnostic) {
            continue;
        }
        let line_end = text[diagnostic.span.start.min(text.len())..]
            .find('\n')
            .map_or(text.len(), |n| diagnostic.span.start + n);
        actions.push(action(
            format!("Suppress `{}` on this line", diagnostic.rule),
            vec![(
                line_end..line_end,
                format!(" // asyncheck: allow({})", diagnostic.rule),
            )],
            false,
        ));
        actions.push(action(
            format!("Suppress `{}` in this file", diagnostic.rule),
            vec![(
                0..0,
                format!("// asyncheck: allow-file({})\n", diagnostic.rule),
            )],
            false,
        ));
    }
    actions
}

/// Diagnostics from a rule can be suppressed; those about the input cannot.
fn is_rule(diagnostic: &Diagnostic) -> bool {
    registry::find(diagnostic.rule).is_some()
}

/// Over a suppression comment: the documentation of the rule under the
/// cursor, or of every rule the comment names.
pub fn hover(documents: &Documents, encoding: Encoding, params: &HoverParams) -> Option<Hover> {
    let place = &params.text_document_position_params;
    let document = documents.get(&place.text_document.uri)?;
    let text = &document.text;
    let offset = positions::offset(text, place.position, encoding);
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    let line = &text[line_start..line_end];
    let comment = line.find("//")?;
    let marker = comment + line[comment..].find("asyncheck:")?;
    if offset < line_start + comment {
        return None;
    }
    let named: Vec<(usize, &'static str)> = registry::rules()
        .iter()
        .map(|r| r.meta().name)
        .flat_map(|name| {
            line[marker..]
                .match_indices(name)
                .map(move |(at, _)| (line_start + marker + at, name))
        })
        .filter(|(at, name)| {
            // A whole name, not a prefix of a longer one.
            let after = text[at + name.len()..].chars().next();
            !after.is_some_and(|c| c.is_alphanumeric() || c == '-')
        })
        .collect();
    let under_cursor: Vec<&'static str> = named
        .iter()
        .filter(|(at, name)| (*at..at + name.len()).contains(&offset))
        .map(|(_, name)| *name)
        .collect();
    let shown = if under_cursor.is_empty() {
        named.iter().map(|(_, name)| *name).collect()
    } else {
        under_cursor
    };
    if shown.is_empty() {
        return None;
    }
    let value = shown
        .iter()
        .filter_map(|name| registry::find(name))
        .map(|rule| docs::rule_markdown(rule.meta()))
        .collect::<Vec<_>>()
        .join("\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    })
}
