use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, follow_builder, is_async_context, resolve_call, AstNode, Names, SyntaxKind, SyntaxNode,
};

use super::{span, span_of};

pub struct RuntimeInAsync;

static META: RuleMeta = RuleMeta {
    name: "runtime-in-async",
    pattern: Pattern::Blocking,
    group: Group::Correctness,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags building a tokio runtime inside async code.",
    flags:
        "`tokio::runtime::Runtime::new()`, and a `tokio::runtime::Builder::new_current_thread()` \
or `new_multi_thread()` chain that is finished with `.build()`, in async context: an `async fn`, \
block or closure, not counting nested non-async closures (such as those handed to \
`spawn_blocking` or `std::thread::spawn`, which run on a thread of their own) and nested `fn` \
items. A builder bound to a local is followed to its `.build()` in the same function; one \
handed to another function is not followed.",
    why: "A runtime built inside a task lives on a worker thread of the runtime that runs the \
task. Dropping it there panics (\"Cannot drop a runtime in a context where blocking is not \
allowed\"), and calling `block_on` on it panics too (\"Cannot start a runtime from within a \
runtime\"): whatever the code meant to do with it, it takes the task down. Use the runtime \
that is already running (`tokio::spawn`, `Handle::current()`), or build the second runtime on \
a thread of its own.",
    example: r#"use tokio::runtime::{Builder, Runtime};

async fn reindex() {
    let rt = Runtime::new().unwrap(); //~ runtime-in-async
    rt.block_on(rebuild());
    let pool = Builder::new_multi_thread() //~ runtime-in-async
        .worker_threads(2)
        .build()
        .unwrap();
    pool.spawn(rebuild());
}

async fn rebuild() {}
"#,
    use_instead: r#"use tokio::runtime::Builder;

async fn reindex() {
    rebuild().await;
    let worker = std::thread::spawn(|| {
        let pool = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        pool.block_on(rebuild());
    });
    tokio::task::spawn_blocking(move || worker.join()).await.ok();
}

async fn rebuild() {}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["block-on-in-async", "blocking-in-async"],
};

const RUNTIME_NEW: &[&str] = &["tokio::runtime::Runtime::new"];

const BUILDER_NEW: &[&str] = &[
    "tokio::runtime::Builder::new_current_thread",
    "tokio::runtime::Builder::new_multi_thread",
];

impl Rule for RuntimeInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(call) = ast::CallExpr::cast(node.clone()) else {
            return;
        };
        if let Some(constructor) = resolve_call(&call, cx.imports, RUNTIME_NEW) {
            if is_async_context(node) {
                cx.report(finding(&call, constructor, None));
            }
            return;
        }
        let Some(constructor) = resolve_call(&call, cx.imports, BUILDER_NEW) else {
            return;
        };
        let names = cx.file_fact(|root, _| Names::of(root));
        let used = follow_builder(node, &["build"], &names);
        let Some(build) = used
            .finished
            .iter()
            .find(|build| is_async_context(build.syntax()))
        else {
            return;
        };
        cx.report(finding(&call, constructor, Some(build)));
    }
}

fn finding(
    call: &ast::CallExpr,
    constructor: &str,
    build: Option<&ast::MethodCallExpr>,
) -> Finding {
    let mut finding = Finding::new(
        span_of(call),
        format!("`{constructor}(..)` builds a tokio runtime inside async code: dropping it or calling `block_on` on it there panics"),
    )
    .help("use the running runtime (`tokio::spawn`, `tokio::runtime::Handle::current()`), or build this one on a thread of its own (`std::thread::spawn`)");
    if let Some(name) = build.and_then(|b| b.name_ref()) {
        finding = finding.label(
            span(name.syntax().text_range()),
            "built here, in async context",
        );
    }
    finding
}
