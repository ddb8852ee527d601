//! `--statistics`: how many findings each rule has, and how many of them
//! `--fix` (or `--fix --unsafe-fixes`) would fix, instead of the findings.

use std::collections::BTreeMap;
use std::fmt::Write;

use asyncheck::Applicability;
use serde::Serialize;

use crate::args::OutputFormat;
use crate::check::Outcome;

#[derive(Default, Serialize)]
struct Count<'a> {
    rule: &'a str,
    count: usize,
    /// Fixed by `--fix`.
    fixable: usize,
    /// Fixed only with `--fix --unsafe-fixes`.
    unsafe_fixable: usize,
}

pub fn render(outcome: &Outcome, format: OutputFormat) -> String {
    let mut counts: BTreeMap<&str, Count<'_>> = BTreeMap::new();
    for diagnostic in outcome.files.iter().flat_map(|f| &f.diagnostics) {
        let count = counts.entry(diagnostic.rule).or_insert_with(|| Count {
            rule: diagnostic.rule,
            ..Count::default()
        });
        count.count += 1;
        match diagnostic.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => count.fixable += 1,
            Some(Applicability::Unsafe) => count.unsafe_fixable += 1,
            None => {}
        }
    }
    // Most frequent first, then by name.
    let mut counts: Vec<Count<'_>> = counts.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    if matches!(format, OutputFormat::Json | OutputFormat::JsonLines) {
        let mut text = serde_json::to_string_pretty(&counts).unwrap_or_default();
        text.push('\n');
        return text;
    }
    let width = counts.iter().map(|c| c.rule.len()).max().unwrap_or(0);
    let mut out = String::new();
    for count in &counts {
        let mut line = format!("{:>5}  {:<width$}", count.count, count.rule);
        if count.fixable > 0 {
            let _ = write!(line, "  [*] {} fixable", count.fixable);
        }
        if count.unsafe_fixable > 0 {
            let _ = write!(line, "  {} with --unsafe-fixes", count.unsafe_fixable);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let total: usize = counts.iter().map(|c| c.count).sum();
    let fixable: usize = counts.iter().map(|c| c.fixable).sum();
    let _ = writeln!(
        out,
        "{total} finding{} in {} file{}; {fixable} fixable with --fix",
        if total == 1 { "" } else { "s" },
        outcome.file_count,
        if outcome.file_count == 1 { "" } else { "s" },
    );
    out
}
