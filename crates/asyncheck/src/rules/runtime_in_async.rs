use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, body_kind, callee_path, enclosing_body, follow_builder, is_async_context, local_name,
    method_name, resolve_call, value_use, variant_field, AstNode, Imports, Mention, Names,
    SyntaxKind, SyntaxNode, ValueUse,
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
handed to another function is not followed. Only a runtime that is then dropped in the same \
async code is flagged (a temporary, or a local that is only borrowed until the end of its \
scope): not one shut down with `shutdown_background()`/`shutdown_timeout(..)`, which do not \
panic, nor one handed on (returned, stored, passed by value, moved into a thread), whose drop \
happens elsewhere; `drop(rt)` (also `drop((rt, x))`) in the same async code counts as dropped \
here, and so do `let _ = rt;` (which moves nothing), a runtime moved to another local that is \
dropped here, and one wrapped in an `Arc`/`Rc`/`Box` local dropped here. A runtime bound \
through a pattern (`if let Ok(rt) = ..`, `let Ok(rt) = .. else`, a `match` arm) is followed \
the same way, and one that async code calls `block_on` on is flagged whatever happens to it \
next: that call panics first.",
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
    clippy_twins: &[],
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
                let names = cx.file_fact(|_, _| Names::default());
                if dropped_here(node, &names, cx.imports) {
                    cx.report(finding(&call, constructor, None));
                }
            }
            return;
        }
        let Some(constructor) = resolve_call(&call, cx.imports, BUILDER_NEW) else {
            return;
        };
        let names = cx.file_fact(|_, _| Names::default());
        let used = follow_builder(node, &["build"], &names);
        let Some(build) = used.finished.iter().find(|build| {
            is_async_context(build.syntax()) && dropped_here(build.syntax(), &names, cx.imports)
        }) else {
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

/// Methods that consume a runtime without the drop that panics in async
/// context.
const SHUTDOWNS: &[&str] = &["shutdown_background", "shutdown_timeout"];

/// Owning pointers: a runtime wrapped in one is dropped with it.
const POINTERS: &[&str] = &[
    "std::sync::Arc::new",
    "std::rc::Rc::new",
    "std::boxed::Box::new",
];

/// Methods whose result is the runtime they were called on (or its
/// `Result`'s value).
const SAME_RUNTIME: &[&str] = &["unwrap", "expect"];

/// Whether the runtime that `built` (a `Runtime::new()` or `.build()` call)
/// yields is dropped where it was built: used as a temporary, thrown away,
/// or bound to a local that is only borrowed and never shut down.
fn dropped_here(built: &SyntaxNode, names: &Names, imports: &Imports) -> bool {
    let mut place = built.clone();
    loop {
        let Some(parent) = place.parent() else {
            return false;
        };
        match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::TRY_EXPR => place = parent,
            SyntaxKind::METHOD_CALL_EXPR => {
                let Some(call) = ast::MethodCallExpr::cast(parent.clone()) else {
                    return false;
                };
                let name = method_name(&call).unwrap_or_default();
                if SHUTDOWNS.contains(&name.as_str()) {
                    return false;
                }
                if !SAME_RUNTIME.contains(&name.as_str()) {
                    // A temporary: dropped at the end of the statement.
                    return true;
                }
                place = parent;
            }
            // The value of a plain block (`let rt = { .. build() };`).
            SyntaxKind::STMT_LIST => {
                let block = parent.parent().and_then(ast::BlockExpr::cast);
                let plain = block.as_ref().is_some_and(|b| {
                    b.async_token().is_none()
                        && b.syntax()
                            .parent()
                            .is_some_and(|p| p.kind() != SyntaxKind::FN)
                });
                match block {
                    Some(block) if plain => place = block.syntax().clone(),
                    _ => return false,
                }
            }
            SyntaxKind::EXPR_STMT => return true,
            // `Arc::new(Runtime::new()?)`: the runtime goes where the
            // pointer goes.
            SyntaxKind::ARG_LIST => {
                let Some(call) = parent.parent().and_then(ast::CallExpr::cast) else {
                    return false;
                };
                if resolve_call(&call, imports, POINTERS).is_none() {
                    return false;
                }
                place = call.syntax().clone();
            }
            SyntaxKind::LET_STMT => {
                let Some(statement) = ast::LetStmt::cast(parent) else {
                    return false;
                };
                return match statement.pat() {
                    Some(ast::Pat::WildcardPat(_)) => true,
                    pattern => pattern
                        .and_then(|p| bound_runtime(&p))
                        .is_some_and(|binding| local_dropped_here(&binding, names, imports)),
                };
            }
            // `if let Ok(rt) = Runtime::new() { .. }`.
            SyntaxKind::LET_EXPR => {
                return ast::LetExpr::cast(parent)
                    .and_then(|test| test.pat())
                    .and_then(|p| bound_runtime(&p))
                    .is_some_and(|binding| local_dropped_here(&binding, names, imports));
            }
            // `match Runtime::new() { Ok(rt) => .., Err(e) => .. }`: an arm
            // that only passes the runtime on makes the `match` its place.
            SyntaxKind::MATCH_EXPR => {
                let Some(arms) =
                    ast::MatchExpr::cast(parent.clone()).and_then(|m| m.match_arm_list())
                else {
                    return false;
                };
                let mut passed_on = false;
                for arm in arms.arms() {
                    let Some(binding) = arm.pat().and_then(|p| bound_runtime(&p)) else {
                        continue;
                    };
                    let only_passed = arm.expr().is_some_and(|e| names_binding(&e, &binding));
                    if only_passed {
                        passed_on = true;
                    } else if local_dropped_here(&binding, names, imports) {
                        return true;
                    }
                }
                if !passed_on {
                    return false;
                }
                place = parent;
            }
            _ => return false,
        }
    }
}

/// The binding a pattern gives the runtime: `rt`, `Ok(rt)`, `Some(rt)`.
fn bound_runtime(pattern: &ast::Pat) -> Option<ast::IdentPat> {
    match pattern {
        ast::Pat::IdentPat(binding) => Some(binding.clone()),
        _ => variant_field(pattern, "Ok")
            .or_else(|| variant_field(pattern, "Some"))
            .and_then(|inner| bound_runtime(&inner)),
    }
}

/// Whether `expr` is just the name `binding` binds.
fn names_binding(expr: &ast::Expr, binding: &ast::IdentPat) -> bool {
    local_name(expr)
        .zip(ast::HasName::name(binding))
        .is_some_and(|(used, bound)| used == bound.text())
}

/// A local runtime that is only borrowed, and so dropped at the end of its
/// scope, or given to `drop(..)`; or one that async code calls `block_on`
/// on, which panics before anything else happens to it.
fn local_dropped_here(binding: &ast::IdentPat, names: &Names, imports: &Imports) -> bool {
    let Some((owner, _)) = enclosing_body(binding.syntax()) else {
        return false;
    };
    let mentions = names.mentions(binding);
    let blocks_on_here = mentions.iter().any(|mention| {
        mention
            .method_called()
            .is_some_and(|(call, name)| name == "block_on" && is_async_context(call.syntax()))
    });
    if blocks_on_here {
        return true;
    }
    mentions.iter().all(|mention| {
        let Mention::Path(path) = mention else {
            return value_use(mention, &owner) == ValueUse::Borrowed;
        };
        // `let _ = rt;` moves nothing; `let other = rt;` moves it to a
        // local of the same body, followed in turn.
        if let Some(statement) = path.syntax().parent().and_then(ast::LetStmt::cast) {
            return match statement.pat() {
                Some(ast::Pat::WildcardPat(_)) => true,
                Some(ast::Pat::IdentPat(other)) if other.syntax() != binding.syntax() => {
                    local_dropped_here(&other, names, imports)
                }
                _ => false,
            };
        }
        let called = |parent: SyntaxNode| -> Option<bool> {
            if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
                return Some(!SHUTDOWNS.contains(&method_name(&call)?.as_str()));
            }
            let call = ast::CallExpr::cast(parent.parent()?)?;
            Some(imports.is_prelude(&callee_path(&call)?, "drop"))
        };
        // `drop((rt, other))`: the tuple goes where the runtime goes.
        let holder = path.syntax().ancestors().skip(1).find(|a| {
            !matches!(
                a.kind(),
                SyntaxKind::TUPLE_EXPR | SyntaxKind::ARRAY_EXPR | SyntaxKind::PAREN_EXPR
            )
        });
        match holder.and_then(called) {
            Some(false) => false,
            Some(true) if value_use(mention, &owner) == ValueUse::Moved => {
                // `drop(rt)`, unless inside a closure or task of its own.
                path.syntax()
                    .ancestors()
                    .take_while(|a| a != &owner)
                    .all(|a| body_kind(&a).is_none())
            }
            _ => value_use(mention, &owner) == ValueUse::Borrowed,
        }
    })
}
