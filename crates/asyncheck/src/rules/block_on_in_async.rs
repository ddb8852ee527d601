use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, block_on_call, is_async_context, method_name, AstNode, SyntaxKind, SyntaxNode,
};

use super::span;

pub struct BlockOnInAsync;

static META: RuleMeta = RuleMeta {
    name: "block-on-in-async",
    pattern: Pattern::Blocking,
    group: Group::Correctness,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags calls that block on a future or a tokio primitive from async code.",
    flags: "A call in async context (an `async fn`, block or closure, not counting nested \
non-async closures such as those given to `spawn_blocking`, `block_in_place` or \
`std::thread::spawn`) to a `.block_on(..)` method (tokio's `Runtime` and `Handle`, any \
executor), `futures::executor::block_on`, `futures_lite::future::block_on`, \
`pollster::block_on`, `async_std::task::block_on` (and `smol::block_on`, \
`async_io::block_on`, `tokio_test::block_on`), or to one of tokio's blocking methods: \
`blocking_lock`, `blocking_lock_owned`, `blocking_read`, `blocking_write`, `blocking_recv`, \
`blocking_recv_many`, `blocking_send`.",
    why: "Blocking on a future from inside a task stops the worker thread until that future \
completes, but the future may need this very worker (or the task holding the lock, or the \
other end of the channel) to make progress: the program deadlocks. tokio detects the case \
and panics instead: `Runtime::block_on` and `Handle::block_on` panic with \"Cannot start a \
runtime from within a runtime\", and the `blocking_*` methods panic when called from async \
context. Await the future or the primitive's async method instead.",
    example: r#"use std::sync::Arc;
use tokio::sync::Mutex;

async fn bump(counter: Arc<Mutex<u64>>, rt: tokio::runtime::Handle) {
    *counter.blocking_lock() += 1; //~ block-on-in-async
    rt.block_on(save(counter)); //~ block-on-in-async
}

async fn save(counter: Arc<Mutex<u64>>) {
    let _ = counter;
}
"#,
    use_instead: r#"use std::sync::Arc;
use tokio::sync::Mutex;

async fn bump(counter: Arc<Mutex<u64>>) {
    *counter.lock().await += 1;
    save(counter).await;
}

async fn save(counter: Arc<Mutex<u64>>) {
    let _ = counter;
}

fn from_sync_code(counter: Arc<Mutex<u64>>, rt: tokio::runtime::Handle) {
    *counter.blocking_lock() += 1;
    rt.block_on(save(counter));
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["blocking-in-async", "lock-across-await"],
};

/// tokio's methods that block the thread, panicking in async context.
const BLOCKING_METHODS: &[&str] = &[
    "blocking_lock",
    "blocking_lock_owned",
    "blocking_read",
    "blocking_write",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
];

impl Rule for BlockOnInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR, SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(blocked_on) = blocking_call(node, cx) else {
            return;
        };
        if !is_async_context(node) {
            return;
        }
        cx.report(
            Finding::new(
                span(node.text_range()),
                format!(
                    "`{blocked_on}` blocks the async worker thread on a future: it panics in a \
                     tokio runtime or deadlocks"
                ),
            )
            .help(help(&blocked_on)),
        );
    }
}

/// What the call blocks on: a method (`.blocking_lock()`) or a function path.
fn blocking_call(node: &SyntaxNode, cx: &Context<'_>) -> Option<String> {
    if let Some(found) = block_on_call(node, cx.imports) {
        return Some(found.to_owned());
    }
    let name = method_name(&ast::MethodCallExpr::cast(node.clone())?)?;
    BLOCKING_METHODS
        .contains(&name.as_str())
        .then(|| format!(".{name}()"))
}

fn help(blocked_on: &str) -> &'static str {
    match blocked_on.strip_prefix(".blocking_") {
        Some(_) => "call the async method instead (`.lock().await`, `.recv().await`, `.send(..).await`, ...)",
        None => "`.await` the future instead; from code that must stay synchronous, use `tokio::task::spawn_blocking` or `block_in_place`",
    }
}
