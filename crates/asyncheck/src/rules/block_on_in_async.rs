use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, blocks_on_future, call_name, crate_function_called, enclosing_body, is_async_context,
    known_type, method_of_call_named, AstNode, BodyKind, Imports, SyntaxKind, SyntaxNode,
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
`blocking_recv_many`, `blocking_send`. Also a call from async context outside test code to \
a crate function that is not async and blocks on a future in its own body (not in a closure \
handed elsewhere), directly or through up to 3 levels of such functions, wherever in the crate \
it is defined: the finding is at the call, with a label naming the inner `block_on` \
(file:line); a test that does so panics or hangs when it runs, and test fixtures build clients \
through such sync constructors on purpose. And, where \
the fix belongs, the `block_on` itself in such a function (outside test code) when async code \
of the crate calls it or its wrappers: by a path (`storage::open()`, `Store::open(..)`), on \
`self` or a receiver whose type the caller writes, or by method name alone when every method \
of that name in the crate is not async, the arguments match in number, and the name is not \
one of the standard library's common methods (`get`, `next`, `send`, ...); calls in async \
blocks of sync functions (bridges to another crate's async API through `block_on`) and in \
a method of the same name (a sync facade over it) count only with a written type. The label \
names the first such call (file:line). A crate that defines its own `block_on` (or \
`blocking_lock`, ...) methods, none of which blocks the worker in its own body (a runtime \
wrapper running the future inside `block_in_place` or on another thread, a lock of its own), \
has its method calls of that name taken for those: not flagged.",
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
    clippy_twins: &[],
};

impl Rule for BlockOnInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR, SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if let Some(blocked_on) = blocks_on_future(node, cx.imports) {
            // The crate's own `block_on` (its runtime wrapper) or
            // `blocking_lock` is judged by its body, in the crate index;
            // a receiver whose type is known is not the crate's.
            if method_of_call_named(&blocked_on)
                .is_some_and(|name| cx.imports.crate_index().own_method_is_safe(name))
                && !receiver_type_known(node, cx.imports)
            {
                return;
            }
            if !is_async_context(node) {
                reached_from_async(node, &blocked_on, cx);
                return;
            }
            {
                cx.report(
                    Finding::new(
                        span(node.text_range()),
                        format!(
                            "`{blocked_on}` blocks the async worker thread on a future: it \
                             panics in a tokio runtime or deadlocks"
                        ),
                    )
                    .help(help(&blocked_on)),
                );
            }
            return;
        }
        // A crate function that blocks on a future inside (directly or
        // through its own calls) does the same when async code calls it.
        let index = cx.imports.crate_index();
        let may_block_on = call_name(node)
            .is_some_and(|name| index.any_named(&name, |f| f.blocks_on.is_some() && !f.is_async));
        if !may_block_on {
            return;
        }
        let Some(call) = ast::Expr::cast(node.clone()) else {
            return;
        };
        let Some(function) = crate_function_called(&call, cx.imports) else {
            return;
        };
        let Some(inner) = function.blocks_on.as_ref().filter(|_| !function.is_async) else {
            return;
        };
        if !is_async_context(node) || cx.in_test {
            return;
        }
        cx.report(
            Finding::new(
                span(node.text_range()),
                format!(
                    "`{}` blocks on a future (`{}`) and is called from async code: it panics \
                     in a tokio runtime or deadlocks",
                    function.name, inner.what
                ),
            )
            .label_elsewhere(
                span(node.text_range()),
                format!("`{}` is called at {}:{}", inner.what, inner.file, inner.line),
                &inner.file,
                inner.line,
            )
            .help("make the function `async` and `.await` the future, or call it from `tokio::task::spawn_blocking`"),
        );
    }
}

/// A `block_on` in a function that is not async, which async code of the
/// crate calls (directly or through up to 3 levels of such functions): it
/// runs on the async worker all the same, and the fix belongs here.
fn reached_from_async(node: &SyntaxNode, blocked_on: &str, cx: &mut Context<'_>) {
    let in_sync_fn = enclosing_body(node).is_some_and(|(_, kind)| kind == BodyKind::Fn);
    if !in_sync_fn || cx.in_test {
        return;
    }
    let offset = usize::from(node.text_range().start());
    let line = cx.text[..offset].bytes().filter(|&b| b == b'\n').count() + 1;
    let index = cx.imports.crate_index();
    let Some(caller) = index.block_on_reached_from(&index.file, line) else {
        return;
    };
    cx.report(
        Finding::new(
            span(node.text_range()),
            format!(
                "`{blocked_on}` blocks on a future in a function that async code calls: it \
                 panics in a tokio runtime or deadlocks"
            ),
        )
        .label_elsewhere(
            span(node.text_range()),
            format!(
                "reached from async code through `{}` at {}:{}",
                caller.what, caller.file, caller.line
            ),
            &caller.file,
            caller.line,
        )
        .help("make this function `async` and `.await` the future, or have async callers run it through `tokio::task::spawn_blocking`"),
    );
}

fn help(blocked_on: &str) -> &'static str {
    match blocked_on.strip_prefix(".blocking_") {
        Some(_) => "call the async method instead (`.lock().await`, `.recv().await`, `.send(..).await`, ...)",
        None => "`.await` the future instead; from code that must stay synchronous, use `tokio::task::spawn_blocking` or `block_in_place`",
    }
}

/// Whether the receiver of the method call `node` has a type the engine
/// knows (a tokio runtime, a tokio lock, ...): then the method is that
/// type's, not a crate method of the same name.
fn receiver_type_known(node: &SyntaxNode, imports: &Imports) -> bool {
    ast::MethodCallExpr::cast(node.clone())
        .and_then(|call| call.receiver())
        .is_some_and(|receiver| known_type(&receiver, imports).is_some())
}
