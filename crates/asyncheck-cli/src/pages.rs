//! The pages `explain`, `patterns` and the MCP server show, found by name:
//! rules, groups, patterns and the diagnostics that belong to no rule. The
//! text comes from the core's declarations (`asyncheck::docs`).

use asyncheck::docs;
use asyncheck::registry;
use asyncheck::rule::{Group, Pattern};
use serde_json::{json, Value};

use crate::other_diagnostics;

/// The page of a rule, a group, a pattern or one of the other diagnostics.
pub fn explain(name: &str) -> Option<String> {
    if let Some(other) = other_diagnostics::find(name) {
        return Some(other_diagnostics::markdown(other));
    }
    if let Some(rule) = registry::find(name) {
        return Some(docs::rule_markdown(rule.meta()));
    }
    if let Some(group) = Group::parse(name) {
        return Some(docs::group_markdown(group));
    }
    Pattern::parse(name).map(docs::pattern_markdown)
}

/// The name `explain` knows that is closest to a misspelt one.
pub fn closest_explainable(name: &str) -> Option<&'static str> {
    registry::closest_among(
        name,
        registry::rules()
            .iter()
            .map(|rule| rule.meta().name)
            .chain(Group::ALL.map(Group::name))
            .chain(Pattern::ALL.map(Pattern::name))
            .chain(other_diagnostics::OTHERS.iter().map(|o| o.name)),
    )
}

/// The pattern whose name is closest to a misspelt one.
pub fn closest_pattern(name: &str) -> Option<&'static str> {
    registry::closest_among(name, Pattern::ALL.map(Pattern::name))
}

/// "unknown KIND `name`; did you mean `x`?" with `closest`'s suggestion.
pub fn unknown(kind: &str, name: &str, closest: Option<&str>) -> String {
    let hint = closest
        .map(|known| format!("; did you mean `{known}`?"))
        .unwrap_or_default();
    format!("unknown {kind} `{name}`{hint}")
}

/// A pattern's catalogue entry as JSON (`patterns --format json`, the MCP
/// `patterns` tool).
pub fn pattern_json(pattern: Pattern) -> Value {
    let doc = pattern.doc();
    let rules: Vec<Value> = pattern
        .rules()
        .map(|meta| {
            json!({
                "name": meta.name,
                "group": meta.group.name(),
                "default_level": meta.default_level().as_str(),
                "summary": meta.summary,
            })
        })
        .collect();
    let choose_between: Vec<Value> = doc
        .choose_between
        .iter()
        .map(|c| json!({"tool": c.tool, "when": c.when}))
        .collect();
    json!({
        "name": pattern.name(),
        "rule_of_thumb": doc.rule_of_thumb,
        "tags": doc.tags,
        "rationale": doc.rationale,
        "bad_example": docs::strip_markers(doc.bad),
        "good_example": doc.good,
        "best_practices": doc.best_practices,
        "choose_between": choose_between,
        "related": doc.related.iter().map(|p| p.name()).collect::<Vec<_>>(),
        "rules": rules,
    })
}
