use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{held_guard, LockFlavor, SyntaxKind, SyntaxNode};

pub struct AsyncLockAcrossAwait;

static META: RuleMeta = RuleMeta {
    name: "async-lock-across-await",
    pattern: Pattern::Blocking,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags an async lock guard that is still alive at another `.await`.",
    flags: "A guard of an async lock, `.lock().await`, `.read().await` or `.write().await` (no \
argument), that is alive at a later await point of the same async body (an `.await`, or a \
`select!`/`join!`/`try_join!` of tokio or futures), with the same liveness rules as \
`lock-across-await`: bound with `let` and neither moved (`drop(guard)`) nor out of scope before \
the await, a temporary of the statement that awaits, or a temporary in the scrutinee of a \
`match`, `if let` or `while let` whose body awaits. Any receiver of an awaited `.lock()` is \
taken for an async mutex; an awaited `.read()`/`.write()` directly followed by `?`, \
`.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)` or `.map_err(..)` is taken for I/O, not a lock \
(async lock guards come bare). Off by default: holding an async lock across an await is \
sometimes the point. Primary span: the lock call; a label marks the await.",
    why: "An async lock held across an await does not block a thread, but it serialises every \
task that wants the lock behind whatever the holder awaits: a slow network call under the lock \
becomes a queue of waiting tasks, and two tasks that each hold one lock while awaiting the \
other's deadlock. Shorten the critical section: copy what you need out of the guard, drop it, \
then await.",
    example: r#"use std::sync::Arc;
use tokio::sync::Mutex;

async fn refresh(cache: Arc<Mutex<Vec<u8>>>) {
    let mut data = cache.lock().await; //~ async-lock-across-await
    let fresh = download().await;
    *data = fresh;
}

async fn download() -> Vec<u8> {
    Vec::new()
}
"#,
    use_instead: r#"use std::sync::Arc;
use tokio::sync::Mutex;

async fn refresh(cache: Arc<Mutex<Vec<u8>>>) {
    let fresh = download().await;
    let mut data = cache.lock().await;
    *data = fresh;
}

async fn download() -> Vec<u8> {
    Vec::new()
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["lock-across-await"],
};

impl Rule for AsyncLockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(held) = held_guard(node, cx.imports, LockFlavor::Async) else {
            return;
        };
        cx.report(
            super::held_guard_finding(
                &held,
                "an async lock's guard is held across another await point",
                "shorten the critical section: take what you need from the guard and drop it before awaiting, or re-acquire the lock afterwards"),
        );
    }
}
