use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasName},
    body_kind, crate_function_called, enclosing_body, future_inside, is_loop, is_task_handle,
    iteration_chain, loop_body, method_name, same_body_nodes, same_iteration_nodes, spawn_call,
    takes_permit_first, AstNode, Imports, IterationChain, SelectBranch, Spawner, SyntaxKind,
    SyntaxNode, TextRange, WalkEvent, PERMIT_METHODS,
};

use super::{span, span_of};

pub struct UnboundedFanout;

static META: RuleMeta = RuleMeta {
    name: "unbounded-fanout",
    pattern: Pattern::Channels,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags tasks spawned per item of input of unknown size, with nothing bounding how many run at once.",
    flags: "A spawn (`tokio::spawn`, `tokio::task::spawn`, `spawn_local`, `spawn_blocking` \
(each call holds one of the blocking pool's threads, 512 by default, for as long as it runs) or \
a `JoinSet`'s `spawn`/`spawn_blocking`) inside a loop over data of unknown size, or inside the closure of `.map`/`.for_each` on an iterator, when nothing bounds \
how many tasks run at once. Data of unknown size: a `for` over anything but a range with \
literal or `const` bounds or an array literal (`.rev()`, `.step_by(..)`, `.take(N)` keep a \
constant bound); a `while let` over `recv()`, `next()`, `try_next()` or `accept()`; a `loop` \
around one of them. A bound: a semaphore `acquire`/`acquire_owned` (or `try_acquire`, \
`acquire_many`) in the loop outside the spawned future, or as the first thing the spawned \
future awaits (an async block, or a crate `async fn` called as the future, in this file or \
another; looked through `Box::pin(..)`, `.boxed()`, `.fuse()` and the tracing decorators such \
as `.instrument(..)`); a `join_next()` in the loop; a `.buffer_unordered(..)`/`.buffered(..)` on the \
mapped stream; a loop that awaits each task before its next turn (`tokio::spawn(job).await`, \
or `let handle = tokio::spawn(job);` awaited later in the same block), or whose turn awaits an \
earlier task's handle (a window of handles whose oldest is awaited when it is full). A constant loop inside an \
unbounded one is judged by the outer one.",
    why: "One task per incoming connection, message or row means that the input decides how \
many tasks run at once. A burst of traffic or a large batch starts them all together: memory \
grows with the backlog, every task competes for the same database or downstream service, and \
nothing pushes back on the producer. Bound the concurrency: acquire a semaphore permit before \
spawning, drain a `JoinSet` when it reaches a limit, or use `buffer_unordered(n)`.",
    example: r#"use tokio::net::TcpListener;

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        tokio::spawn(async move { //~ unbounded-fanout
            drop(socket);
        });
    }
}
"#,
    use_instead: r#"use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let limit = Arc::new(Semaphore::new(1024));
    loop {
        let permit = limit.clone().acquire_owned().await.expect("semaphore closed");
        let (socket, _) = listener.accept().await?;
        tokio::spawn(async move {
            drop(socket);
            drop(permit);
        });
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["unbounded-channel", "detached-spawn"],
    clippy_twins: &[],
};

impl Rule for UnboundedFanout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR, SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(spawn) = spawn_call(node, cx.imports) else {
            return;
        };
        // The spawns the contract names: tokio's spawn functions (with
        // `spawn_blocking`: a burst of them fills the blocking pool and
        // queues every other blocking call behind it) and `JoinSet::spawn`.
        // A `TaskTracker` or a runtime handle is left out.
        if !matches!(spawn.spawner, Spawner::Function | Spawner::JoinSet) {
            return;
        }
        let task = spawn.task.as_ref().map(|t| t.syntax().text_range());
        let Some(source) = fanout_source(node, task) else {
            return;
        };
        if spawn
            .task
            .as_ref()
            .is_some_and(|task| starts_with_permit(task, cx.imports))
        {
            return;
        }
        if matches!(&source, Source::Loop(l) if same_body(l, node)
            && (awaited_in_iteration(node) || awaits_a_task(l, cx.imports)))
        {
            return;
        }
        let Some(call) = ast::Expr::cast(node.clone()) else {
            return;
        };
        cx.report(
            Finding::new(
                span_of(&call),
                "a task is spawned for each item of input of unknown size, and nothing bounds how many run at once",
            )
            .label(span(source.label_range()), source.describe())
            .help("bound the concurrency: acquire a `Semaphore` permit before spawning, drain a `JoinSet` with `join_next()` when it is full, or use `buffer_unordered(n)`"),
        );
    }
}

/// What repeats a spawn over data of unknown size.
enum Source {
    Loop(SyntaxNode),
    /// The closure of `.map`/`.for_each` on an iterator.
    Closure(SyntaxNode),
}

impl Source {
    /// Where to point: the loop's keyword, the closure's parameters.
    fn label_range(&self) -> TextRange {
        let (node, head) = match self {
            Source::Loop(node) => (
                node,
                node.children_with_tokens().find(|e| {
                    matches!(
                        e.kind(),
                        SyntaxKind::LOOP_KW | SyntaxKind::WHILE_KW | SyntaxKind::FOR_KW
                    )
                }),
            ),
            Source::Closure(node) => (
                node,
                node.children_with_tokens()
                    .find(|e| e.kind() == SyntaxKind::PARAM_LIST),
            ),
        };
        head.map_or(node.text_range(), |e| e.text_range())
    }

    fn describe(&self) -> &'static str {
        match self {
            Source::Loop(_) => "this loop runs once per item, without a limit",
            Source::Closure(_) => "this closure runs once per item, without a limit",
        }
    }
}

/// How many times a loop or iterator runs, as far as the code shows.
#[derive(Debug, PartialEq, Eq)]
enum Size {
    /// A constant range or an array literal.
    Constant,
    /// Input: a collection, a stream, a listener.
    Unknown,
    /// Not a walk over data (`loop` on a timer, `while cond`), or not an
    /// iterator at all (`Option::map`).
    NotData,
}

/// The loop or closure that repeats the spawn `node` over data of unknown
/// size, looking outwards through loops of constant size, up to the
/// nearest function, closure or async block boundary; `None` when a bound
/// is found on the way.
fn fanout_source(node: &SyntaxNode, task: Option<TextRange>) -> Option<Source> {
    let mut child = node.clone();
    // The innermost `select!` branch passed since the last loop.
    let mut branch: Option<SyntaxNode> = None;
    for ancestor in node.ancestors().skip(1) {
        if is_loop(&ancestor) && loop_body(&ancestor).is_some_and(|b| *b.syntax() == child) {
            if loop_size(&ancestor, branch.take()) == Size::Unknown {
                return (!has_limit(&ancestor, task)).then_some(Source::Loop(ancestor));
            }
        } else if ancestor.kind() == SyntaxKind::CLOSURE_EXPR {
            match per_item_closure_size(&ancestor) {
                Size::Unknown => {
                    return (!has_limit(&ancestor, task)).then_some(Source::Closure(ancestor))
                }
                Size::Constant => {}
                Size::NotData => return None,
            }
        } else if ancestor.kind() == SyntaxKind::MATCH_ARM && is_select_arm(&ancestor) {
            branch.get_or_insert_with(|| ancestor.clone());
        } else if body_kind(&ancestor).is_some() && !is_closure_body(&ancestor) {
            return None;
        }
        child = ancestor;
    }
    None
}

fn same_body(a: &SyntaxNode, b: &SyntaxNode) -> bool {
    enclosing_body(a).map(|(body, _)| body) == enclosing_body(b).map(|(body, _)| body)
}

/// Whether the loop waits for the task before its next turn: the spawn is
/// awaited in place (`tokio::spawn(job).await`), or its handle is awaited
/// later in the same block (`let handle = tokio::spawn(job); handle.await`).
/// One task at a time runs then, however long the input.
fn awaited_in_iteration(spawn: &SyntaxNode) -> bool {
    let mut value = spawn.clone();
    while let Some(parent) = value
        .parent()
        .filter(|p| p.kind() == SyntaxKind::PAREN_EXPR)
    {
        value = parent;
    }
    let Some(parent) = value.parent() else {
        return false;
    };
    if parent.kind() == SyntaxKind::AWAIT_EXPR {
        return true;
    }
    let Some(ast::Pat::IdentPat(ident)) = ast::LetStmt::cast(parent.clone()).and_then(|l| l.pat())
    else {
        return false;
    };
    let Some(name) = ident.name() else {
        return false;
    };
    std::iter::successors(parent.next_sibling(), |s| s.next_sibling())
        .flat_map(|sibling| same_body_nodes(&sibling))
        .filter(|node| node.kind() == SyntaxKind::AWAIT_EXPR)
        .any(|awaited| {
            awaited.descendants_with_tokens().any(|element| {
                element
                    .as_token()
                    .is_some_and(|t| t.kind() == SyntaxKind::IDENT && t.text() == name.text())
            })
        })
}

/// Whether a turn of the loop waits for an earlier task: it awaits a task's
/// handle (the oldest of a window of handles, awaited when the window is
/// full), so no more tasks run at once than the loop lets pile up.
fn awaits_a_task(looped: &SyntaxNode, imports: &Imports) -> bool {
    let Some(body) = loop_body(looped) else {
        return false;
    };
    same_body_nodes(body.syntax())
        .filter_map(ast::AwaitExpr::cast)
        .filter_map(|awaited| awaited.expr())
        .any(|awaited| is_task_handle(&awaited, imports))
}

/// An async block that is the whole body of a closure
/// (`.for_each(|x| async move { .. })`): it runs once per call.
fn is_closure_body(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::BLOCK_EXPR
        && node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::CLOSURE_EXPR)
}

/// A semaphore permit or a `join_next()` inside `scope`, outside the
/// spawned future.
fn has_limit(scope: &SyntaxNode, task: Option<TextRange>) -> bool {
    let mut walk = scope.preorder();
    while let Some(event) = walk.next() {
        let WalkEvent::Enter(node) = event else {
            continue;
        };
        if task.is_some_and(|t| t == node.text_range()) {
            walk.skip_subtree();
            continue;
        }
        let Some(call) = ast::MethodCallExpr::cast(node) else {
            continue;
        };
        if method_name(&call)
            .is_some_and(|n| PERMIT_METHODS.contains(&n.as_str()) || is_join_next(&n))
        {
            return true;
        }
    }
    false
}

fn is_join_next(method: &str) -> bool {
    matches!(method, "join_next" | "join_next_with_id" | "try_join_next")
}

/// Whether the spawned future takes a permit before anything else it
/// awaits: `async move { let _permit = sem.acquire().await; .. }`, or the
/// same at the start of a crate `async fn` called as the future (in this
/// file or another), under the wrappers and decorators that keep its work
/// (`Box::pin(..)`, `.instrument(span)`).
fn starts_with_permit(task: &ast::Expr, imports: &Imports) -> bool {
    match future_inside(task.clone(), imports) {
        ast::Expr::BlockExpr(block) if block.async_token().is_some() => {
            takes_permit_first(block.syntax())
        }
        call @ ast::Expr::CallExpr(_) => {
            crate_function_called(&call, imports).is_some_and(|f| f.takes_permit_first)
        }
        _ => false,
    }
}

/// How many times the loop `node` runs a spawn found in its body, inside
/// `branch` of a `select!` when it is in one.
fn loop_size(node: &SyntaxNode, branch: Option<SyntaxNode>) -> Size {
    match node.kind() {
        SyntaxKind::FOR_EXPR => ast::ForExpr::cast(node.clone())
            .and_then(|f| f.iterable())
            .map_or(Size::Unknown, |iterable| iterable_size(&iterable)),
        SyntaxKind::WHILE_EXPR => {
            let condition = ast::WhileExpr::cast(node.clone()).and_then(|w| w.condition());
            match condition {
                Some(ast::Expr::LetExpr(scrutinee))
                    if scrutinee.expr().is_some_and(|e| pulls_input(e.syntax())) =>
                {
                    Size::Unknown
                }
                _ => Size::NotData,
            }
        }
        SyntaxKind::LOOP_EXPR => {
            let around_input = match branch.and_then(|b| select_future(&b)) {
                Some(future) => pulls_input(future.syntax()),
                None => loop_body(node).is_some_and(|body| {
                    same_iteration_nodes(body.syntax()).any(|n| is_input_call(&n))
                }),
            };
            if around_input {
                Size::Unknown
            } else {
                Size::NotData
            }
        }
        _ => Size::NotData,
    }
}

/// The future of a `select!` branch: in `loop { select! { conn =
/// listener.accept() => spawn(..), _ = tick() => .. } }` it is the branch
/// running the spawn, not the whole loop, that decides what repeats it.
fn select_future(arm: &SyntaxNode) -> Option<ast::Expr> {
    let call = ast::MacroCall::cast(arm.parent()?.parent()?)?;
    SelectBranch::of(&call)
        .into_iter()
        .find(|branch| branch.syntax() == arm)?
        .future()
}

/// A branch of an expanded `select!` (its arm list hangs off the macro call).
fn is_select_arm(arm: &SyntaxNode) -> bool {
    arm.parent()
        .and_then(|list| list.parent())
        .is_some_and(|p| p.kind() == SyntaxKind::MACRO_CALL)
}

/// Whether `expr` takes the next item of a queue, stream or listener:
/// `rx.recv().await`, `stream.next().await`, `listener.accept().await?`.
fn pulls_input(expr: &SyntaxNode) -> bool {
    let mut node = expr.clone();
    loop {
        match node.kind() {
            SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR | SyntaxKind::PAREN_EXPR => {
                match node.children().next() {
                    Some(inner) => node = inner,
                    None => return false,
                }
            }
            _ => return is_input_call(&node),
        }
    }
}

fn is_input_call(node: &SyntaxNode) -> bool {
    ast::MethodCallExpr::cast(node.clone())
        .and_then(|call| method_name(&call))
        .is_some_and(|n| {
            matches!(
                n.as_str(),
                "recv" | "recv_async" | "next" | "try_next" | "accept"
            )
        })
}

/// The size of what a `for` walks: constant, or unknown.
fn iterable_size(expr: &ast::Expr) -> Size {
    if iteration_chain(expr).constant {
        Size::Constant
    } else {
        Size::Unknown
    }
}

/// For a closure passed to `.map` or `.for_each`: the size of the iterator
/// it runs over, `NotData` when the receiver is not known to be an iterator
/// (`Option::map`, `Future::map`) or when the mapped stream is buffered.
fn per_item_closure_size(closure: &SyntaxNode) -> Size {
    let Some(call) = closure
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
        .and_then(|args| args.parent())
        .and_then(ast::MethodCallExpr::cast)
    else {
        return Size::NotData;
    };
    if !method_name(&call).is_some_and(|n| n == "map" || n == "for_each") {
        return Size::NotData;
    }
    if is_buffered(&call) {
        return Size::NotData;
    }
    call.receiver().map_or(Size::NotData, |r| iterator_size(&r))
}

/// Whether the stream `call` makes is then polled with a limit.
fn is_buffered(call: &ast::MethodCallExpr) -> bool {
    let mut node = call.syntax().clone();
    while let Some(outer) = node.parent().and_then(ast::MethodCallExpr::cast) {
        if outer.receiver().is_none_or(|r| *r.syntax() != node) {
            return false;
        }
        if method_name(&outer).is_some_and(|n| {
            matches!(
                n.as_str(),
                "buffer_unordered" | "buffered" | "for_each_concurrent"
            )
        }) {
            return true;
        }
        node = outer.syntax().clone();
    }
    false
}

/// The size of a receiver chain known to be an iterator (one that starts
/// from a range or goes through a method only iterators have).
fn iterator_size(receiver: &ast::Expr) -> Size {
    match iteration_chain(receiver) {
        IterationChain { constant: true, .. } => Size::Constant,
        IterationChain { iterator: true, .. } => Size::Unknown,
        _ => Size::NotData,
    }
}
