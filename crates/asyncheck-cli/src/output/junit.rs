//! `--format junit`: JUnit XML, which CI systems (GitLab, Jenkins, Azure)
//! show as test results: one test suite per file, one failed test case per
//! finding; a run with no finding is one passing test case.

use std::fmt::Write;

use asyncheck::line_index::LineIndex;
use quick_xml::escape::escape;

use crate::check::Outcome;

pub fn render(outcome: &Outcome) -> String {
    let total: usize = outcome.files.iter().map(|f| f.diagnostics.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"asyncheck\" tests=\"{}\" failures=\"{total}\" errors=\"0\">",
        total.max(1)
    );
    if total == 0 {
        out.push_str("  <testsuite name=\"asyncheck\" tests=\"1\" failures=\"0\" errors=\"0\">\n");
        out.push_str("    <testcase name=\"no problems found\" classname=\"asyncheck\"/>\n");
        out.push_str("  </testsuite>\n");
    }
    for file in outcome.files.iter().filter(|f| !f.diagnostics.is_empty()) {
        let path = escape(file.path.as_str());
        let count = file.diagnostics.len();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{count}\" failures=\"{count}\" errors=\"0\">"
        );
        let index = file.source.as_deref().map(LineIndex::new);
        for diagnostic in &file.diagnostics {
            let (line, column) = index.as_ref().map_or((1, 1), |index| {
                let at = index.line_col(diagnostic.span.start);
                (at.line, at.column)
            });
            let _ = writeln!(
                out,
                "    <testcase name=\"{rule}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">",
                rule = escape(diagnostic.rule)
            );
            let mut body = format!("{}:{line}:{column}: {}", file.path, diagnostic.message);
            if let Some(help) = &diagnostic.help {
                let _ = write!(body, "\nhelp: {help}");
            }
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                diagnostic.severity.as_str(),
                escape(diagnostic.message.as_str()),
                escape(body.as_str())
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
