//! One file per rule: its documentation, then its detection.

pub mod async_lock_across_await;
pub mod block_on_in_async;
pub mod blocking_in_async;
pub mod cancel_unsafe_select;
pub mod detached_spawn;
pub mod joinset_dropped;
pub mod joinset_never_reaped;
pub mod lock_across_await;
pub mod manual_question_mark;
pub mod missing_timeout;
pub mod mutex_for_task_results;
pub mod permit_released_early;
pub mod prefer_try_join;
pub mod unbounded_channel;
pub mod unbounded_fanout;
pub mod uncancellable_loop;
pub mod unwrap_in_fallible_async;

use crate::diagnostic::{Finding, Span};
use crate::syntax::{AstNode, HeldGuard, TextRange};

/// The byte span of a syntax range.
pub(crate) fn span(range: TextRange) -> Span {
    usize::from(range.start())..usize::from(range.end())
}

/// The byte span of a node.
pub(crate) fn span_of(node: &impl AstNode) -> Span {
    span(node.syntax().text_range())
}

/// The finding of both lock rules: at the lock call, with the await point
/// the guard lives across labelled.
pub(crate) fn held_guard_finding(held: &HeldGuard, message: &str, help: &str) -> Finding {
    let label = if held.await_point.is_macro {
        "this macro awaits while the guard is alive"
    } else {
        "the guard is still alive at this `.await`"
    };
    Finding::new(span_of(&held.lock.call), message)
        .label(span(held.await_point.range), label)
        .help(help)
}
