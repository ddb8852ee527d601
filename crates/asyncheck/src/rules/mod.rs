//! One file per rule: its documentation, then its detection.

pub mod async_lock_across_await;
pub mod await_ignores_cancellation;
pub mod block_on_in_async;
pub mod blocking_in_async;
pub mod cancel_unsafe_select;
pub mod client_without_timeout;
pub mod detached_spawn;
pub mod double_lock;
pub mod joinset_dropped;
pub mod joinset_never_reaped;
pub mod lock_across_await;
pub mod lock_order_inversion;
pub mod manual_question_mark;
pub mod missing_timeout;
pub mod mutex_for_task_results;
pub mod panic_on_closed_channel;
pub mod pending_without_waker;
pub mod permit_released_early;
pub mod prefer_try_join;
pub mod retry_without_backoff;
pub mod runtime_in_async;
pub mod select_on_empty_set;
pub mod select_pattern_drops_value;
pub mod timer_reset_in_select_loop;
pub mod unbounded_channel;
pub mod unbounded_fanout;
pub mod uncancellable_loop;
pub mod unnecessary_async_mutex;
pub mod unwrap_in_fallible_async;

use crate::diagnostic::{Finding, Span};
use crate::syntax::{AstNode, HeldGuard, SyntaxElement, SyntaxKind, SyntaxNode, TextRange};

/// The byte span of a syntax range.
pub(crate) fn span(range: TextRange) -> Span {
    usize::from(range.start())..usize::from(range.end())
}

/// The byte span of a node.
pub(crate) fn span_of(node: &impl AstNode) -> Span {
    span(node.syntax().text_range())
}

/// What to delete to remove a statement or item on a line of its own: the
/// node with the line break and indentation before it (or, at the start of
/// the file, the line break after it).
pub(crate) fn removal_span(node: &SyntaxNode) -> Span {
    let range = span(node.text_range());
    let is_break =
        |t: &SyntaxElement| t.kind() == SyntaxKind::WHITESPACE && t.to_string().contains('\n');
    if let Some(before) = node.prev_sibling_or_token().filter(is_break) {
        return span(before.text_range()).start..range.end;
    }
    match node.next_sibling_or_token().filter(is_break) {
        Some(after) => range.start..span(after.text_range()).end,
        None => range,
    }
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

/// For the rules' tests on huge inputs: `rule`'s findings on `text`, and
/// how long the check took, on a large stack as files are checked (the
/// parser nests deeply).
#[cfg(test)]
pub(crate) fn check_large(rule: &str, text: String) -> (std::time::Duration, usize) {
    let mut settings = crate::Settings::default();
    settings.select(&[rule.to_owned()]).unwrap();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let started = std::time::Instant::now();
            let report =
                crate::Checker::new(&settings).check(std::path::Path::new("src/lib.rs"), &text);
            (started.elapsed(), report.diagnostics.len())
        })
        .unwrap()
        .join()
        .unwrap()
}
