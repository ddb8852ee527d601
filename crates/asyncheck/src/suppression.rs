//! Suppression comments (config.md):
//!
//! ```text
//! // asyncheck: allow(detached-spawn) -- fire-and-forget metrics flush
//! tokio::spawn(flush_metrics());
//! let (tx, rx) = mpsc::unbounded_channel(); // asyncheck: allow(unbounded-channel)
//! //! asyncheck: allow-file(unbounded-channel, detached-spawn)
//! ```
//!
//! A trailing comment covers findings that start on its line; a comment on a
//! line of its own covers the statement, item or expression that begins
//! after it; `allow-file` covers the file. What suppresses nothing is
//! reported as `unused-suppression`, an unknown rule name as `unknown-rule`.

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::registry;
use crate::syntax::{ast, AstNode, SyntaxKind, SyntaxNode, SyntaxToken, TextSize};

pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
pub const UNKNOWN_RULE: &str = "unknown-rule";
/// The pattern JSON reports for the two diagnostics above.
pub const SUPPRESSION_PATTERN: &str = "suppression";

const MARKER: &str = "asyncheck:";

#[derive(Debug, PartialEq, Eq)]
enum Scope {
    /// Findings starting on this 0-based line.
    Line(usize),
    /// Findings starting inside this span.
    Span(Span),
    File,
}

struct Directive {
    scope: Scope,
    /// Each named rule, where its name is written, and whether it suppressed
    /// something.
    rules: Vec<(String, Span, bool)>,
}

/// The clippy lints twin to the diagnostic's rule.
fn twins_of(diagnostic: &Diagnostic) -> &'static [&'static str] {
    registry::find(diagnostic.rule).map_or(&[], |rule| rule.meta().clippy_twins)
}

/// Whether the code opts out of one of the diagnostic's rule's clippy twins
/// where the diagnostic starts: `#[allow(clippy::X)]` or `#[expect(..)]` on
/// an enclosing item, `impl`, module, statement or expression, or
/// `#![allow(..)]` on the file (config.md). The modules above the file are
/// the crate index's to tell.
fn allowed_by_clippy_twin(root: &SyntaxNode, diagnostic: &Diagnostic) -> bool {
    let twins = twins_of(diagnostic);
    if twins.is_empty() {
        return false;
    }
    let Ok(offset) = u32::try_from(diagnostic.span.start) else {
        return false;
    };
    let Some(token) = root.token_at_offset(TextSize::new(offset)).right_biased() else {
        return false;
    };
    token.parent_ancestors().any(|node| {
        node.children()
            .filter_map(ast::Attr::cast)
            .any(|attr| allows_twin(&attr, twins))
    })
}

/// `allow(clippy::X, ..)` or `expect(..)` naming one of `twins`.
fn allows_twin(attr: &ast::Attr, twins: &[&str]) -> bool {
    clippy_lints_allowed(attr)
        .iter()
        .any(|lint| twins.contains(&lint.as_str()))
}

/// The clippy lints an `allow(..)` or `expect(..)` attribute names.
pub(crate) fn clippy_lints_allowed(attr: &ast::Attr) -> Vec<String> {
    let text: String = attr
        .syntax()
        .text()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let inner = text
        .trim_start_matches(['#', '!', '['])
        .trim_end_matches(']');
    let Some(listed) = inner
        .strip_prefix("allow(")
        .or_else(|| inner.strip_prefix("expect("))
    else {
        return Vec::new();
    };
    listed
        .split([',', '(', ')'])
        .filter_map(|lint| lint.strip_prefix("clippy::"))
        .map(str::to_owned)
        .collect()
}

/// Drops the diagnostics that a suppression comment or a clippy twin's
/// allow covers and adds the `unused-suppression` and `unknown-rule`
/// warnings. `runs_at` tells whether a rule ran at a place (it is enabled,
/// and not skipped as test code there): only then can its suppression there
/// be called unused. `inherited_clippy` tells whether a module above the
/// file allows a clippy lint.
pub(crate) fn apply(
    root: &SyntaxNode,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
    runs_at: &dyn Fn(&str, &SyntaxNode) -> bool,
    inherited_clippy: &dyn Fn(&str) -> bool,
) {
    let in_file = text.contains("clippy::");
    diagnostics.retain(|d| {
        let allowed_above = twins_of(d).iter().any(|twin| inherited_clippy(twin));
        !(allowed_above || in_file && allowed_by_clippy_twin(root, d))
    });
    if !text.contains(MARKER) {
        return;
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset) - 1;

    let mut directives = Vec::new();
    let mut problems = Vec::new();
    for (at, _) in text.match_indices(MARKER) {
        let Ok(offset) = u32::try_from(at) else { break };
        let Some(comment) = root
            .token_at_offset(TextSize::new(offset))
            .find(|t| t.kind() == SyntaxKind::COMMENT)
        else {
            continue;
        };
        if usize::from(comment.text_range().start()) > at {
            continue;
        }
        match parse_directive(&comment, text, &line_of) {
            Ok(Some(directive)) => directives.push((directive, comment)),
            Ok(None) => {}
            Err(span) => problems.push(Diagnostic {
                rule: UNUSED_SUPPRESSION,
                pattern: SUPPRESSION_PATTERN,
                severity: Severity::Warning,
                span,
                message:
                    "this asyncheck comment is not a directive asyncheck understands; \
                          write `asyncheck: allow(rule, ...)` or `asyncheck: allow-file(rule, ...)`"
                        .to_owned(),
                labels: Vec::new(),
                help: None,
                fix: None,
            }),
        }
    }

    diagnostics.retain(|diagnostic| {
        let line = line_of(diagnostic.span.start);
        let mut suppressed = false;
        for (directive, _) in &mut directives {
            let covers = match &directive.scope {
                Scope::Line(l) => *l == line,
                Scope::Span(span) => span.contains(&diagnostic.span.start),
                Scope::File => true,
            };
            if !covers {
                continue;
            }
            for (rule, _, used) in &mut directive.rules {
                if rule == diagnostic.rule {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });

    for (directive, comment) in &directives {
        let place = comment.parent().unwrap_or_else(|| root.clone());
        for (rule, span, used) in &directive.rules {
            if *used {
                continue;
            }
            if registry::find(rule).is_none() {
                problems.push(unknown_rule(rule, span.clone()));
            } else if runs_at(rule, &place) {
                problems.push(Diagnostic {
                    rule: UNUSED_SUPPRESSION,
                    pattern: SUPPRESSION_PATTERN,
                    severity: Severity::Warning,
                    span: span.clone(),
                    message: format!("`{rule}` is allowed here but nothing here is flagged by it"),
                    labels: Vec::new(),
                    help: Some("remove it, so that stale suppressions do not pile up".to_owned()),
                    fix: None,
                });
            }
        }
    }
    diagnostics.extend(problems);
}

fn unknown_rule(rule: &str, span: Span) -> Diagnostic {
    let help = registry::closest(rule).map(|known| format!("did you mean `{known}`?"));
    Diagnostic {
        rule: UNKNOWN_RULE,
        pattern: SUPPRESSION_PATTERN,
        severity: Severity::Warning,
        span,
        message: format!("`{rule}` is not an asyncheck rule"),
        labels: Vec::new(),
        help,
        fix: None,
    }
}

/// Reads one comment. `Ok(None)`: no directive in it; `Err`: a directive
/// asyncheck cannot read, at that span.
fn parse_directive(
    comment: &SyntaxToken,
    text: &str,
    line_of: &dyn Fn(usize) -> usize,
) -> Result<Option<Directive>, Span> {
    let start = usize::from(comment.text_range().start());
    let raw = comment.text();
    let (body, body_offset) = strip_comment_markers(raw);
    let Some(marker_at) = body.find(MARKER) else {
        return Ok(None);
    };
    // Only a comment that starts with the marker is a directive; prose that
    // mentions it is not.
    if !body[..marker_at].trim().is_empty() {
        return Ok(None);
    }
    let after = &body[marker_at + MARKER.len()..];
    let whole = start..start + raw.len();
    let trimmed = after.trim_start();
    let (file_wide, rest) = if let Some(rest) = trimmed.strip_prefix("allow-file") {
        (true, rest)
    } else if let Some(rest) = trimmed.strip_prefix("allow") {
        (false, rest)
    } else {
        return Err(whole);
    };
    let rest_trimmed = rest.trim_start();
    let Some(list) = rest_trimmed.strip_prefix('(') else {
        return Err(whole);
    };
    let Some(close) = list.find(')') else {
        return Err(whole);
    };
    let tail = list[close + 1..].trim();
    if !(tail.is_empty() || tail.starts_with("--")) {
        return Err(whole);
    }
    // Offsets of the list inside the file.
    let list_offset =
        start + body_offset + marker_at + MARKER.len() + (after.len() - rest_trimmed.len()) + 1;
    let mut rules = Vec::new();
    let mut cursor = 0;
    for name in list[..close].split(',') {
        let leading = name.len() - name.trim_start().len();
        let name_start = list_offset + cursor + leading;
        cursor += name.len() + 1;
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        rules.push((name.to_owned(), name_start..name_start + name.len(), false));
    }
    if rules.is_empty() {
        return Err(whole);
    }
    let scope = if file_wide {
        Scope::File
    } else if has_code_before(text, start) {
        Scope::Line(line_of(start))
    } else {
        match next_construct(comment) {
            Some(span) => Scope::Span(span),
            None => Scope::Line(line_of(start) + 1),
        }
    };
    Ok(Some(Directive { scope, rules }))
}

/// The comment's text without `//`, `//!`, `///` or `/* */`, and where that
/// text starts in the comment.
fn strip_comment_markers(raw: &str) -> (&str, usize) {
    for prefix in ["//!", "///", "//", "/*!", "/**", "/*"] {
        if let Some(rest) = raw.strip_prefix(prefix) {
            let rest = rest.strip_suffix("*/").unwrap_or(rest);
            return (rest, prefix.len());
        }
    }
    (raw, 0)
}

fn has_code_before(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    !text[line_start..offset].trim().is_empty()
}

/// The statement, item or expression that begins after an own-line comment:
/// the largest node that starts at the next token and does not reach back
/// before the comment (rust-analyzer attaches leading comments to items).
fn next_construct(comment: &SyntaxToken) -> Option<Span> {
    let mut token = comment.next_token()?;
    while token.kind().is_trivia() {
        token = token.next_token()?;
    }
    let comment_start = comment.text_range().start();
    let token_start = token.text_range().start();
    let mut node = token.parent()?;
    while let Some(parent) = node.parent() {
        let start = parent.text_range().start();
        if start < comment_start || start > token_start || is_list(parent.kind()) {
            break;
        }
        node = parent;
    }
    let range = node.text_range();
    Some(usize::from(range.start())..usize::from(range.end()))
}

/// Nodes that hold a sequence of constructs: a comment before one of their
/// elements is about that element, not the whole list.
fn is_list(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::SOURCE_FILE
            | SyntaxKind::STMT_LIST
            | SyntaxKind::ITEM_LIST
            | SyntaxKind::ASSOC_ITEM_LIST
            | SyntaxKind::EXTERN_ITEM_LIST
            | SyntaxKind::MATCH_ARM_LIST
            | SyntaxKind::ARG_LIST
            | SyntaxKind::RECORD_FIELD_LIST
            | SyntaxKind::RECORD_EXPR_FIELD_LIST
            | SyntaxKind::VARIANT_LIST
            | SyntaxKind::TOKEN_TREE
    )
}
