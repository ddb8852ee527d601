use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    accepts_none, always_leaves, ast,
    ast::{HasLoopBody, HasName},
    callee_path, crate_function_called, created_future, enclosing_loop, is_select_macro,
    is_tokio_select, known_type, local_name, method_name, same_body_nodes, unparen, variant_field,
    written_text, AstNode, Imports, KnownType, SelectBranch, SyntaxKind, SyntaxNode,
};

use super::span_of;

pub struct SelectOnEmptySet;

static META: RuleMeta = RuleMeta {
    name: "select-on-empty-set",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags `select!` branches in a loop that complete at once, with `None`, on an empty task set.",
    flags: "A branch of `tokio::select!` or `futures::select!` inside a loop whose future is \
`join_next()`/`join_next_with_id()` (of a `JoinSet` or `JoinMap`, not of a crate type with a \
`join_next` of its own) or, in `tokio::select!`, \
`next()` of a receiver known as a `FuturesUnordered`, `FuturesOrdered`, `SelectAll` or \
`StreamMap` (built in the function, or a parameter, local or field whose type is written in \
the file), when its pattern accepts `None` (`res = set.join_next() =>`) and its handler does \
not leave the loop on `None` (`match res { None => break, .. }`, `let Some(r) = res else { \
return }`, `if res.is_none() { break }`, `res.expect(..)` (a panic), `res?` (a return), a \
handler that always \
leaves, or one that tests \
the set's emptiness and so handles the empty case itself). Also a `while` \
loop whose condition is `set.join_next().now_or_never().is_some()` (or \
`FutureExt::now_or_never(..)`, or `while let Some(res) = ..` whose body does not leave on \
`None`). Not flagged: `Some(x) = set.join_next()` (the branch is disabled on `None`), a branch \
guarded by `if !set.is_empty()` or by a count its handler keeps (`if remaining > 0` with \
`remaining -= 1` in the handler), and a `select!` that runs only after the set was checked \
for emptiness in the same turn of the loop (`while !set.is_empty()`, an enclosing or earlier \
`if` testing `set.is_empty()` or `set.len()`). `futures::select!` checks its streams for \
termination, so only `join_next()` is flagged there.",
    why: "`join_next()` on an empty `JoinSet`, like `next()` on an empty `FuturesUnordered`, \
completes immediately with `None`. A branch that accepts `None` is therefore always ready \
while the set is empty: the loop spins at full speed, starving the other branches' work and \
burning a core, or it takes the `None` for the end of all work although tasks are still to \
be spawned.",
    example: r#"use tokio::sync::mpsc;
use tokio::task::JoinSet;

async fn run(mut jobs: mpsc::Receiver<u32>) {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            Some(job) = jobs.recv() => {
                tasks.spawn(async move { job * 2 });
            }
            done = tasks.join_next() => { //~ select-on-empty-set
                println!("{done:?}");
            }
        }
    }
}
"#,
    use_instead: r#"use tokio::sync::mpsc;
use tokio::task::JoinSet;

async fn run(mut jobs: mpsc::Receiver<u32>) {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            Some(job) = jobs.recv() => {
                tasks.spawn(async move { job * 2 });
            }
            Some(done) = tasks.join_next() => {
                println!("{done:?}");
            }
            else => break,
        }
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["select-pattern-drops-value", "cancel-unsafe-select"],
    clippy_twins: &[],
};

const NOW_OR_NEVER: &[&str] = &[
    "futures::FutureExt::now_or_never",
    "futures::future::FutureExt::now_or_never",
    "futures_util::FutureExt::now_or_never",
    "futures_util::future::FutureExt::now_or_never",
];

impl Rule for SelectOnEmptySet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::MACRO_CALL, SyntaxKind::WHILE_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let found = match node.kind() {
            SyntaxKind::MACRO_CALL => select_branches(node, cx.imports),
            _ => polled_until_never(node, cx.imports).into_iter().collect(),
        };
        for call in found {
            let kind = set_kind(&call, cx.imports);
            cx.report(
                Finding::new(
                    span_of(&call),
                    format!("on an empty {kind} this completes at once with `None`, every time: the loop spins, or takes the `None` for the end of work still to come"),
                )
                .help("match `Some(res)` so that the branch is disabled while the set is empty (with an `else => break` branch), guard it with `, if !set.is_empty()`, or leave the loop on `None`"),
            );
        }
    }
}

/// The set polls of a `select!` in a loop that accept `None` without
/// leaving the loop on it.
fn select_branches(node: &SyntaxNode, imports: &Imports) -> Vec<ast::MethodCallExpr> {
    let Some(select) = ast::MacroCall::cast(node.clone()) else {
        return Vec::new();
    };
    if !is_select_macro(&select, imports) {
        return Vec::new();
    }
    let Some(looped) = enclosing_loop(node) else {
        return Vec::new();
    };
    let tokio = is_tokio_select(&select, imports);
    let mut found = Vec::new();
    for branch in SelectBranch::of(&select) {
        let (Some(pattern), Some(future)) = (branch.pattern(), branch.future()) else {
            continue;
        };
        let Some(call) = created_future(future, Some(&looped), imports)
            .and_then(|source| set_poll(&source, imports, tokio))
        else {
            continue;
        };
        let Some(receiver) = call.receiver().map(|r| written_text(r.syntax())) else {
            continue;
        };
        let guarded = branch.guard().is_some_and(|guard| {
            tests_emptiness(guard.syntax(), &receiver)
                || branch
                    .handler()
                    .is_some_and(|handler| assigns_what_it_reads(&handler, &guard))
        });
        if !accepts_none(&pattern, imports)
            || guarded
            || checked_this_turn(node, &looped, &receiver)
            || branch.handler().is_some_and(|handler| {
                leaves_on_none(&pattern, &handler, imports)
                    || tests_emptiness(handler.syntax(), &receiver)
            })
        {
            continue;
        }
        found.push(call);
    }
    found
}

/// `while set.join_next().now_or_never().is_some()`, or `while let
/// Some(res) = ..now_or_never()` whose body does not leave on `res == None`:
/// on an empty set the poll is `Some(None)` forever.
fn polled_until_never(node: &SyntaxNode, imports: &Imports) -> Option<ast::MethodCallExpr> {
    let looped = ast::WhileExpr::cast(node.clone())?;
    match unparen(looped.condition()?) {
        ast::Expr::LetExpr(binding) => {
            let call = now_or_never_of(&binding.expr()?, imports)?;
            let inner = variant_field(&binding.pat()?, "Some")?;
            let body = ast::Expr::BlockExpr(looped.loop_body()?);
            (accepts_none(&inner, imports) && !leaves_on_none(&inner, &body, imports))
                .then_some(call)
        }
        ast::Expr::MethodCallExpr(is_some) => {
            if method_name(&is_some)? != "is_some" {
                return None;
            }
            now_or_never_of(&is_some.receiver()?, imports)
        }
        _ => None,
    }
}

/// The set poll inside `poll.now_or_never()` or `FutureExt::now_or_never(poll)`.
fn now_or_never_of(expr: &ast::Expr, imports: &Imports) -> Option<ast::MethodCallExpr> {
    let polled = match unparen(expr.clone()) {
        ast::Expr::MethodCallExpr(call) if method_name(&call)? == "now_or_never" => {
            call.receiver()?
        }
        ast::Expr::CallExpr(call) => {
            imports.resolve(&callee_path(&call)?, NOW_OR_NEVER)?;
            ast::HasArgList::arg_list(&call)?.args().next()?
        }
        _ => return None,
    };
    set_poll(&unparen(polled), imports, true)
}

/// `join_next()`/`join_next_with_id()`, which only `JoinSet` and `JoinMap`
/// have, or `next()` of a known set of futures or streams (only with
/// `with_next`: futures' `select!` skips a terminated stream).
fn set_poll(expr: &ast::Expr, imports: &Imports, with_next: bool) -> Option<ast::MethodCallExpr> {
    let ast::Expr::MethodCallExpr(call) = expr else {
        return None;
    };
    match method_name(call)?.as_str() {
        // Unless the receiver is a crate type with a `join_next` of its own.
        "join_next" | "join_next_with_id" => crate_function_called(expr, imports)
            .is_none()
            .then(|| call.clone()),
        "next" if with_next => {
            (known_type(&call.receiver()?, imports)? == KnownType::FutureSet).then(|| call.clone())
        }
        _ => None,
    }
}

/// What to call the set in the message.
fn set_kind(call: &ast::MethodCallExpr, imports: &Imports) -> &'static str {
    let known = call.receiver().and_then(|r| known_type(&r, imports));
    match known {
        Some(KnownType::FutureSet) => "set of futures",
        Some(KnownType::JoinMap) => "`JoinMap`",
        _ => "`JoinSet`",
    }
}

/// Whether the set was found non-empty in this turn of the loop before the
/// `select!` runs: the `while` condition, an `if` around the `select!`, or
/// an `if` before it in the loop body tests `receiver.is_empty()` or
/// `receiver.len()`.
fn checked_this_turn(select: &SyntaxNode, looped: &SyntaxNode, receiver: &str) -> bool {
    if let Some(condition) = ast::WhileExpr::cast(looped.clone()).and_then(|w| w.condition()) {
        if tests_emptiness(condition.syntax(), receiver) {
            return true;
        }
    }
    let start = select.text_range().start();
    let Some(body) = crate::syntax::loop_body(looped) else {
        return false;
    };
    same_body_nodes(body.syntax())
        .filter(|n| n.text_range().start() < start)
        .filter_map(ast::IfExpr::cast)
        .filter_map(|i| i.condition())
        .any(|condition| tests_emptiness(condition.syntax(), receiver))
}

/// Whether the handler assigns a place that the branch's guard reads: a
/// count of the tasks still running (`if remaining > 0`) that the handler
/// keeps, so that the guard turns the branch off when the set runs dry.
fn assigns_what_it_reads(handler: &ast::Expr, guard: &ast::Expr) -> bool {
    let read: Vec<String> = guard
        .syntax()
        .descendants()
        .filter(|n| matches!(n.kind(), SyntaxKind::PATH_EXPR | SyntaxKind::FIELD_EXPR))
        .map(|n| written_text(&n))
        .collect();
    handler
        .syntax()
        .descendants()
        .filter_map(ast::BinExpr::cast)
        .filter(|bin| matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. })))
        .filter_map(|bin| bin.lhs())
        .any(|place| read.contains(&written_text(place.syntax())))
}

/// Whether `condition` calls `is_empty()` or `len()` on `receiver`.
fn tests_emptiness(condition: &SyntaxNode, receiver: &str) -> bool {
    condition
        .descendants()
        .filter_map(ast::MethodCallExpr::cast)
        .filter(|call| {
            method_name(call).is_some_and(|name| matches!(name.as_str(), "is_empty" | "len"))
        })
        .any(|call| {
            call.receiver()
                .is_some_and(|r| written_text(r.syntax()) == receiver)
        })
}

/// Whether a handler (or loop body) run with the output bound to `pattern`
/// leaves the loop when that output is `None`.
fn leaves_on_none(pattern: &ast::Pat, handler: &ast::Expr, imports: &Imports) -> bool {
    if always_leaves(handler) {
        return true;
    }
    let ast::Pat::IdentPat(binding) = pattern else {
        return false;
    };
    let Some(name) = binding.name().map(|n| n.text().to_string()) else {
        return false;
    };
    let reads = |expr: Option<ast::Expr>| {
        expr.is_some_and(|e| local_name(&unparen(e)).as_deref() == Some(name.as_str()))
    };
    same_body_nodes(handler.syntax()).any(|node| {
        tests_none_and_leaves(&node, &reads, imports)
            || panics_on_none(&node, &reads)
            || returns_on_none(&node, &reads)
    })
}

/// `res?`: the function returns on `None`.
fn returns_on_none(node: &SyntaxNode, reads: &dyn Fn(Option<ast::Expr>) -> bool) -> bool {
    ast::TryExpr::cast(node.clone()).is_some_and(|tried| reads(tried.expr()))
}

/// `node` as a test of the output that leaves on `None`.
fn tests_none_and_leaves(
    node: &SyntaxNode,
    reads: &dyn Fn(Option<ast::Expr>) -> bool,
    imports: &Imports,
) -> bool {
    if let Some(matched) = ast::MatchExpr::cast(node.clone()) {
        if !reads(matched.expr()) {
            return false;
        }
        let Some(arms) = matched.match_arm_list() else {
            return false;
        };
        let first_on_none = arms.arms().find(|arm| {
            arm.guard().is_none() && arm.pat().is_some_and(|p| accepts_none(&p, imports))
        });
        return first_on_none
            .and_then(|arm| arm.expr())
            .is_some_and(|e| always_leaves(&e));
    }
    if let Some(statement) = ast::LetStmt::cast(node.clone()) {
        let refutes_none = statement.pat().is_some_and(|p| !accepts_none(&p, imports));
        return refutes_none
            && reads(statement.initializer())
            && statement
                .let_else()
                .and_then(|e| e.block_expr())
                .is_some_and(|b| always_leaves(&ast::Expr::BlockExpr(b)));
    }
    let Some(branch) = ast::IfExpr::cast(node.clone()) else {
        return false;
    };
    let leaves = |e: Option<ast::BlockExpr>| e.is_some_and(|b| always_leaves(&b.into()));
    match branch.condition().map(unparen) {
        Some(ast::Expr::LetExpr(test)) => {
            let Some(pat) = test.pat() else {
                return false;
            };
            if !reads(test.expr()) {
                return false;
            }
            if accepts_none(&pat, imports) {
                leaves(branch.then_branch())
            } else {
                match branch.else_branch() {
                    Some(ast::ElseBranch::Block(block)) => leaves(Some(block)),
                    _ => false,
                }
            }
        }
        Some(ast::Expr::MethodCallExpr(call)) => {
            method_name(&call).is_some_and(|n| n == "is_none")
                && reads(call.receiver())
                && leaves(branch.then_branch())
        }
        _ => false,
    }
}

/// `res.unwrap()`/`res.expect(..)`: the handler panics on `None`, as
/// `always_leaves` counts a panic; the author asserts the set is never empty.
fn panics_on_none(node: &SyntaxNode, reads: &dyn Fn(Option<ast::Expr>) -> bool) -> bool {
    ast::MethodCallExpr::cast(node.clone()).is_some_and(|call| {
        method_name(&call).is_some_and(|n| n == "unwrap" || n == "expect") && reads(call.receiver())
    })
}
