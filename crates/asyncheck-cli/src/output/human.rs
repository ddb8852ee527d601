//! rustc-style output: `warning[rule]: message`, the source with the span
//! underlined and labelled, `= help: ...`, then a summary line.

use std::borrow::Cow;
use std::fmt::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use asyncheck::line_index::LineIndex;
use asyncheck::rule::Group as RuleGroup;
use asyncheck::{Diagnostic, Severity, Span};

use super::Summary;
use crate::check::Outcome;

pub fn render(outcome: &Outcome, styled: bool, quiet: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for file in &outcome.files {
        for diagnostic in &file.diagnostics {
            render_diagnostic(
                &mut out,
                &renderer,
                &file.path,
                file.source.as_deref(),
                diagnostic,
            );
            out.push_str("\n\n");
        }
    }
    if !quiet {
        let fixes = outcome.fix_counts();
        if fixes.applied > 0 {
            let _ = writeln!(out, "applied {}", count(fixes.applied, "fix"));
        }
        if fixes.rejected > 0 {
            let _ = writeln!(
                out,
                "left out {}: the result would not parse",
                count(fixes.rejected, "fix")
            );
        }
        if fixes.not_written > 0 {
            let _ = writeln!(
                out,
                "did not write {}: the file changed meanwhile",
                count(fixes.not_written, "fix")
            );
        }
        out.push_str(&summary_line(&Summary::of(outcome)));
        out.push('\n');
    }
    out
}

/// One diagnostic as rustc shows it, with no line break after it.
pub fn render_diagnostic(
    out: &mut String,
    renderer: &Renderer,
    path: &str,
    source: Option<&str>,
    diagnostic: &Diagnostic,
) {
    match source {
        Some(source) if diagnostic.span.end > 0 || !diagnostic.labels.is_empty() => {
            render_with_source(out, renderer, path, source, diagnostic)
        }
        _ => render_without_source(out, renderer, path, source, diagnostic),
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    }
}

fn render_with_source(
    out: &mut String,
    renderer: &Renderer,
    path: &str,
    source: &str,
    diagnostic: &Diagnostic,
) {
    let index = LineIndex::new(source);
    // Show the lines from the first span to the last; a span over several
    // lines is underlined on its first line only, which is where users look.
    let primary = first_line(source, &diagnostic.span);
    let labels: Vec<(Span, &str)> = diagnostic
        .labels
        .iter()
        .map(|l| (first_line(source, &l.span), l.message.as_str()))
        .collect();
    let first = labels
        .iter()
        .map(|(s, _)| s.start)
        .fold(primary.start, usize::min);
    let last = labels
        .iter()
        .map(|(s, _)| s.end)
        .fold(primary.end, usize::max);
    let first_line_number = index.line_of(first);
    let start = index.line_start(first_line_number);
    let end = source[last..].find('\n').map_or(source.len(), |n| last + n);
    let shift = |span: &Span| span.start - start..span.end - start;
    let mut snippet = Snippet::source(&source[start..end])
        .line_start(first_line_number + 1)
        .path(path)
        .fold(true)
        .annotation(AnnotationKind::Primary.span(shift(&primary)));
    for (span, message) in &labels {
        snippet = snippet.annotation(AnnotationKind::Context.span(shift(span)).label(*message));
    }
    let title = title(diagnostic);
    let mut group = level(diagnostic.severity)
        .primary_title(title.as_ref())
        .id(diagnostic.rule)
        .element(snippet);
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help));
    }
    let _ = write!(out, "{}", renderer.render(&[group]));
}

/// Diagnostics about a whole file (`io-error`, a parse error at its start).
fn render_without_source(
    out: &mut String,
    renderer: &Renderer,
    path: &str,
    source: Option<&str>,
    diagnostic: &Diagnostic,
) {
    let location = match source {
        Some(source) => {
            let at = LineIndex::new(source).line_col(diagnostic.span.start);
            format!("{path}:{}:{}", at.line, at.column)
        }
        None => path.to_owned(),
    };
    let title = title(diagnostic);
    let title = level(diagnostic.severity)
        .primary_title(title.as_ref())
        .id(diagnostic.rule);
    let _ = write!(
        out,
        "{}\n --> {location}",
        renderer.render(&[Group::with_title(title)])
    );
}

/// The message, marked `[*]` (as ruff marks them) when `--fix` fixes it.
fn title(diagnostic: &Diagnostic) -> Cow<'_, str> {
    if super::is_fixable(diagnostic) {
        Cow::Owned(format!("[*] {}", diagnostic.message))
    } else {
        Cow::Borrowed(&diagnostic.message)
    }
}

/// The part of `span` on its first line (at least one character wide, so an
/// empty span still shows a caret).
fn first_line(source: &str, span: &Span) -> Span {
    let start = span.start.min(source.len());
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |n| start + n);
    let end = match span.end.clamp(start, line_end) {
        end if end > start => end,
        _ => source[start..line_end]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8()),
    };
    start..end
}

pub fn summary_line(summary: &Summary) -> String {
    if summary.errors + summary.warnings == 0 {
        return format!("no problems found in {}", files(summary.files));
    }
    let mut parts = Vec::new();
    if summary.warnings > 0 {
        parts.push(count(summary.warnings, "warning"));
    }
    if summary.errors > 0 {
        parts.push(count(summary.errors, "error"));
    }
    let mut line = format!("{} in {}", parts.join(", "), files(summary.files));
    let groups: Vec<String> = RuleGroup::ALL
        .iter()
        .zip(summary.groups)
        .filter(|(_, n)| *n > 0)
        .map(|(group, n)| format!("{}: {n}", group.name()))
        .collect();
    if !groups.is_empty() {
        let _ = write!(line, " ({})", groups.join(", "));
    }
    if summary.fixable > 0 {
        let _ = write!(line, "; {} fixable with --fix", summary.fixable);
    }
    if summary.unsafe_fixable > 0 {
        let _ = write!(
            line,
            "; {} with an unsafe fix (--fix --unsafe-fixes)",
            summary.unsafe_fixable
        );
    }
    line
}

fn files(n: usize) -> String {
    count(n, "file")
}

fn count(n: usize, noun: &str) -> String {
    match (n, noun.ends_with('x')) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{n} {noun}es"),
        (_, false) => format!("{n} {noun}s"),
    }
}
