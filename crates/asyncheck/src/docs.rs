//! Documentation rendered from [`RuleMeta`] and the pattern catalogue: the
//! one source for `explain`, `patterns`, the README table, `docs/rules/*.md`,
//! `docs/patterns/*.md`, the MCP server's pages and editor hovers.

use std::fmt::Write;

use crate::registry;
use crate::rule::{Group, OptionKind, Pattern, RuleMeta};

/// The rule's full documentation as Markdown.
pub fn rule_markdown(meta: &RuleMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", meta.name);
    let _ = writeln!(
        out,
        "Pattern: **{}**. Group: **{}**. Default level: **{}**. Fix: **{}**.{}\n",
        meta.pattern.name(),
        meta.group.name(),
        meta.default_level().as_str(),
        meta.fix.as_str(),
        if meta.skips_tests {
            " Skips test code unless `check-tests` is on."
        } else {
            ""
        }
    );
    let _ = writeln!(out, "> {}\n", meta.pattern.rule_of_thumb());
    let _ = writeln!(
        out,
        "## What it does\n\n{}\n\n{}\n",
        meta.summary, meta.flags
    );
    let _ = writeln!(out, "## Why is this bad?\n\n{}\n", meta.why);
    let _ = writeln!(
        out,
        "## Example\n\n```rust\n{}```\n",
        strip_markers(meta.example)
    );
    let _ = writeln!(out, "## Use instead\n\n```rust\n{}```\n", meta.use_instead);
    out.push_str("## Options\n\n");
    if meta.options.is_empty() {
        out.push_str("None.\n\n");
    }
    for option in meta.options {
        let default = match option.kind {
            OptionKind::Bool(default) => default.to_string(),
            OptionKind::Paths => "[]".to_owned(),
        };
        let _ = writeln!(
            out,
            "- `{}` (default `{default}`): {}",
            option.name, option.doc
        );
    }
    if !meta.options.is_empty() {
        let _ = writeln!(
            out,
            "\n```toml\n[rules.{}]\n{}\n```\n",
            meta.name,
            meta.options
                .iter()
                .map(|o| match o.kind {
                    OptionKind::Bool(default) => format!("{} = {}", o.name, !default),
                    OptionKind::Paths => format!("{} = [\"my_crate::path\"]", o.name),
                })
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if let Some(safety) = meta.fix_safety {
        let _ = writeln!(out, "## Fix safety\n\n{safety}\n");
    }
    if !meta.clippy_twins.is_empty() {
        let twins: Vec<String> = meta
            .clippy_twins
            .iter()
            .map(|t| format!("`clippy::{t}`"))
            .collect();
        let _ = writeln!(
            out,
            "## Clippy twins\n\n{}: an `#[allow]` or `#[expect]` of one on an enclosing item, \
             statement or module (or `#![allow]` on the file) silences this rule there too.\n",
            twins.join(", ")
        );
    }
    if !meta.see_also.is_empty() {
        let related: Vec<String> = meta.see_also.iter().map(|r| format!("`{r}`")).collect();
        let _ = writeln!(out, "## See also\n\n{}", related.join(", "));
    }
    out
}

/// The documented example without its test markers.
pub fn strip_markers(example: &str) -> String {
    example
        .lines()
        .map(|line| match line.split_once(" //~") {
            Some((code, _)) => code.trim_end(),
            None => line,
        })
        .fold(String::new(), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        })
}

/// The Markdown table of every rule, as the README shows it.
pub fn rules_table() -> String {
    let mut out = String::from(
        "| rule | group | pattern | default | fix | what it flags |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for rule in registry::rules() {
        let meta = rule.meta();
        let _ = writeln!(
            out,
            "| [`{name}`](docs/rules/{name}.md) | {} | {} | {} | {} | {} |",
            meta.group.name(),
            meta.pattern.name(),
            meta.default_level().as_str(),
            meta.fix.as_str(),
            meta.summary,
            name = meta.name,
        );
    }
    out
}

/// A pattern's catalogue page as Markdown.
pub fn pattern_markdown(pattern: Pattern) -> String {
    let doc = pattern.doc();
    let mut out = String::new();
    let _ = writeln!(out, "# Pattern: {}\n", pattern.name());
    let _ = writeln!(out, "> {}\n", doc.rule_of_thumb);
    let tags: Vec<String> = doc.tags.iter().map(|t| format!("`{t}`")).collect();
    let _ = writeln!(out, "Tags: {}\n", tags.join(", "));
    let _ = writeln!(out, "## Why\n\n{}\n", doc.rationale);
    let _ = writeln!(
        out,
        "## Breaks the pattern\n\n```rust\n{}```\n",
        strip_markers(doc.bad)
    );
    let _ = writeln!(out, "## Follows the pattern\n\n```rust\n{}```\n", doc.good);
    out.push_str("## Best practices\n\n");
    for practice in doc.best_practices {
        let _ = writeln!(out, "- {practice}");
    }
    if !doc.choose_between.is_empty() {
        out.push_str("\n## Choose between\n\n");
        for choice in doc.choose_between {
            let _ = writeln!(out, "- {}: {}.", choice.tool, choice.when);
        }
    }
    let related: Vec<String> = doc
        .related
        .iter()
        .map(|p| format!("`{}`", p.name()))
        .collect();
    let _ = writeln!(out, "\n## Related patterns\n\n{}\n", related.join(", "));
    out.push_str("## Rules that enforce it\n\n");
    for meta in pattern.rules() {
        let _ = writeln!(
            out,
            "- `{}` ({}, default {}): {}",
            meta.name,
            meta.group.name(),
            meta.default_level().as_str(),
            meta.summary
        );
    }
    out
}

/// A group's page: what it holds, its default level and its rules.
pub fn group_markdown(group: Group) -> String {
    let mut out = format!(
        "# Group: {}\n\n{}\n\nDefault level: {}.\n\n## Rules\n\n",
        group.name(),
        group.description(),
        group.default_level().as_str()
    );
    for rule in registry::rules() {
        let meta = rule.meta();
        if meta.group == group {
            let _ = writeln!(out, "- `{}`: {}", meta.name, meta.summary);
        }
    }
    out
}
