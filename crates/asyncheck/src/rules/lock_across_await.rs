use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Level, Pattern, Rule, RuleMeta};
use crate::syntax::{held_guard, LockFlavor, SyntaxKind, SyntaxNode};

use super::{span, span_of};

pub struct LockAcrossAwait;

static META: RuleMeta = RuleMeta {
    name: "lock-across-await",
    pattern: Pattern::Blocking,
    default_level: Level::Warn,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags a synchronous lock guard that is still alive at a later `.await`.",
    flags: "A guard of a blocking lock, `.lock()`, `.read()` or `.write()` called with no \
argument and not awaited (optionally followed by `.unwrap()`, `.expect(..)`, \
`.unwrap_or_else(..)` or `?`), that is alive at a later await point of the same async body \
(an `.await`, or a `select!`/`join!`/`try_join!` of tokio or futures): bound with `let` to a \
name and neither moved (`drop(guard)`, any call taking it by value) nor out of scope before the \
await; a temporary of the statement that awaits; a temporary in the scrutinee of a `match`, \
`if let` or `while let` whose body awaits; or kept alive to the end of its block by \
`let r = &*m.lock().unwrap();`. `.lock()` on an unknown receiver is taken for a blocking mutex \
(std, parking_lot); an argument-less `.read()`/`.write()` only when its receiver is known to be \
a blocking `RwLock` (a `let`, parameter or field of this file typed `std::sync::RwLock`, \
`parking_lot::RwLock`, `spin::RwLock`, possibly in an `Arc`) or when it is followed by \
`.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)` or `?`. A receiver known to be an async lock \
is never flagged. Awaits inside a nested closure or async block belong to that body, not this \
one. A move of the guard inside a branch that then returns, panics or breaks past the await \
does not release it for the code after the branch. Primary span: the lock call; a label marks \
the await.",
    why: "A blocking lock's guard held across an `.await` keeps the lock while the task is \
suspended. Another task on the same worker thread that asks for the lock then blocks the \
thread, and the task holding it may need that very thread to resume: the runtime deadlocks. \
Even without a deadlock, every other task contending for the lock blocks its worker thread for \
as long as the awaited operation takes. (With std's `Mutex` the future also stops being `Send`, \
so `tokio::spawn` refuses it.)",
    example: r#"use std::sync::{Arc, Mutex};

async fn record(log: Arc<Mutex<Vec<String>>>, line: String) {
    let mut entries = log.lock().unwrap(); //~ lock-across-await
    entries.push(line);
    flush_to_disk().await;
}

async fn flush_to_disk() {}
"#,
    use_instead: r#"use std::sync::{Arc, Mutex};

async fn record(log: Arc<Mutex<Vec<String>>>, line: String) {
    {
        let mut entries = log.lock().unwrap();
        entries.push(line);
    }
    flush_to_disk().await;
}

async fn flush_to_disk() {}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["async-lock-across-await", "blocking-in-async"],
};

impl Rule for LockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(held) = held_guard(node, cx.imports, LockFlavor::Sync) else {
            return;
        };
        let label = match held.await_point.is_macro {
            true => "this macro awaits while the guard is alive",
            false => "the guard is still alive at this `.await`",
        };
        cx.report(
            Finding::new(
                span_of(&held.lock.call),
                "a blocking lock's guard is held across an await point",
            )
            .label(span(held.await_point.range), label)
            .help("release the guard before awaiting: end its scope with a block or call `drop(guard)`; if it must stay locked across the await, use an async lock such as `tokio::sync::Mutex`"),
        );
    }
}
