//! `--format concise`: one line per finding, `path:line:col: rule message`,
//! the shape compilers' error parsers (Vim's `errorformat`, Emacs'
//! `compilation-mode`) read; then the summary line.

use std::fmt::Write;

use asyncheck::line_index::LineIndex;

use super::{human, Summary};
use crate::check::Outcome;

pub fn render(outcome: &Outcome, quiet: bool) -> String {
    let mut out = String::new();
    for file in &outcome.files {
        let index = file.source.as_deref().map(LineIndex::new);
        for diagnostic in &file.diagnostics {
            let at = index.as_ref().map_or((1, 1), |index| {
                let at = index.line_col(diagnostic.span.start);
                (at.line, at.column)
            });
            let _ = writeln!(
                out,
                "{}:{}:{}: {} {}",
                file.path,
                at.0,
                at.1,
                diagnostic.rule,
                one_line(&diagnostic.message)
            );
        }
    }
    if !quiet {
        out.push_str(&human::summary_line(&Summary::of(outcome)));
        out.push('\n');
    }
    out
}

/// A message on one line, so that every finding stays one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
