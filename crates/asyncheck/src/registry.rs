//! The list of all rules.

use crate::rule::Rule;
use crate::rules;

static RULES: &[&dyn Rule] = &[
    &rules::unbounded_channel::UnboundedChannel,
    &rules::detached_spawn::DetachedSpawn,
    &rules::uncancellable_loop::UncancellableLoop,
    &rules::unbounded_fanout::UnboundedFanout,
];

/// Every rule, in the order of rules.md.
pub fn rules() -> &'static [&'static dyn Rule] {
    RULES
}

pub fn index_of(name: &str) -> Option<usize> {
    RULES.iter().position(|rule| rule.meta().name == name)
}

pub fn find(name: &str) -> Option<&'static dyn Rule> {
    index_of(name).map(|i| RULES[i])
}
