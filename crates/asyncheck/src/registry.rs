//! The list of all rules.

use crate::rule::{Group, Rule};
use crate::rules;

static RULES: &[&dyn Rule] = &[
    &rules::unbounded_channel::UnboundedChannel,
    &rules::detached_spawn::DetachedSpawn,
    &rules::uncancellable_loop::UncancellableLoop,
    &rules::missing_timeout::MissingTimeout,
    &rules::cancel_unsafe_select::CancelUnsafeSelect,
    &rules::manual_question_mark::ManualQuestionMark,
    &rules::unwrap_in_fallible_async::UnwrapInFallibleAsync,
    &rules::mutex_for_task_results::MutexForTaskResults,
    &rules::prefer_try_join::PreferTryJoin,
    &rules::blocking_in_async::BlockingInAsync,
    &rules::block_on_in_async::BlockOnInAsync,
    &rules::lock_across_await::LockAcrossAwait,
    &rules::async_lock_across_await::AsyncLockAcrossAwait,
    &rules::unbounded_fanout::UnboundedFanout,
    &rules::joinset_dropped::JoinsetDropped,
    &rules::lock_order_inversion::LockOrderInversion,
    &rules::client_without_timeout::ClientWithoutTimeout,
    &rules::retry_without_backoff::RetryWithoutBackoff,
    &rules::runtime_in_async::RuntimeInAsync,
    &rules::unnecessary_async_mutex::UnnecessaryAsyncMutex,
    &rules::double_lock::DoubleLock,
    &rules::pending_without_waker::PendingWithoutWaker,
    &rules::permit_released_early::PermitReleasedEarly,
    &rules::panic_on_closed_channel::PanicOnClosedChannel,
    &rules::joinset_never_reaped::JoinsetNeverReaped,
    &rules::timer_reset_in_select_loop::TimerResetInSelectLoop,
    &rules::select_on_empty_set::SelectOnEmptySet,
    &rules::select_pattern_drops_value::SelectPatternDropsValue,
    &rules::await_ignores_cancellation::AwaitIgnoresCancellation,
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

/// A name that `--select`, `--ignore`, `-W/-A/-D` and the config file
/// accept: a rule, a group or `all`, as spelled here.
pub fn find_target(name: &str) -> Option<&'static str> {
    if name == "all" {
        return Some("all");
    }
    if let Some(group) = Group::parse(name) {
        return Some(group.name());
    }
    find(name).map(|rule| rule.meta().name)
}

/// The static name and pattern of anything a diagnostic can be about: a
/// rule, or one of the diagnostics about the input and suppressions. For
/// reading diagnostics back from a cache.
pub fn diagnostic_kind(name: &str) -> Option<(&'static str, &'static str)> {
    use crate::diagnostic::{INPUT_PATTERN, INTERNAL_ERROR, IO_ERROR, PARSE_ERROR};
    use crate::suppression::{SUPPRESSION_PATTERN, UNKNOWN_RULE, UNUSED_SUPPRESSION};
    if let Some(rule) = find(name) {
        return Some((rule.meta().name, rule.meta().pattern.name()));
    }
    [PARSE_ERROR, IO_ERROR, INTERNAL_ERROR]
        .into_iter()
        .map(|n| (n, INPUT_PATTERN))
        .chain(
            [UNUSED_SUPPRESSION, UNKNOWN_RULE]
                .into_iter()
                .map(|n| (n, SUPPRESSION_PATTERN)),
        )
        .find(|(n, _)| *n == name)
}

/// The rule or group name closest to a misspelt one, if any is close enough
/// to be what was meant.
pub fn closest(name: &str) -> Option<&'static str> {
    closest_among(
        name,
        RULES
            .iter()
            .map(|rule| rule.meta().name)
            .chain(Group::ALL.iter().map(|g| g.name())),
    )
}

/// The name among `known` closest to a misspelt one, if any is close
/// enough to be what was meant.
pub fn closest_among<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|known| (edit_distance(name, known), known))
        .filter(|(distance, known)| *distance <= known.len() / 3 + 1)
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
