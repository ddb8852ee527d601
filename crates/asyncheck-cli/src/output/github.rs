//! `--format github`: workflow commands that GitHub Actions shows as
//! annotations on the pull request.

use std::fmt::Write;

use asyncheck::line_index::LineIndex;
use asyncheck::Severity;

use crate::check::Outcome;

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for file in &outcome.files {
        let path = super::repository_relative(&file.path);
        let index = file.source.as_deref().map(LineIndex::new);
        for diagnostic in &file.diagnostics {
            let command = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut properties = format!("file={}", property(&path));
            if let Some(index) = &index {
                let start = index.line_col(diagnostic.span.start);
                let end = index.line_col(diagnostic.span.end);
                let _ = write!(
                    properties,
                    ",line={},col={},endLine={},endColumn={}",
                    start.line, start.column, end.line, end.column
                );
            }
            let _ = write!(
                properties,
                ",title={}",
                property(&format!("asyncheck {}", diagnostic.rule))
            );
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                let _ = write!(message, "\nhelp: {help}");
            }
            let _ = writeln!(out, "::{command} {properties}::{}", data(&message));
        }
    }
    out
}

/// Escapes a command's message, as the workflow-command rules say.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
