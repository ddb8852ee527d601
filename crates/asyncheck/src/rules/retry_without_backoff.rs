use std::collections::HashSet;

use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasName},
    binding_of, callee_path, is_loop, label_of, loop_body, method_name, same_body_nodes,
    same_iteration_nodes, segments, unparen, variant_field, AstNode, Imports, SyntaxKind,
    SyntaxNode, TextRange,
};

use super::span;

pub struct RetryWithoutBackoff;

static META: RuleMeta = RuleMeta {
    name: "retry-without-backoff",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags `loop`s that retry a failed operation at once, with no delay.",
    flags: "A `loop` that awaits an operation and, when it fails, goes straight round again. \
The failing operation is an awaited call whose `Result` (directly, or through a local bound to \
it) is matched with an `Err(..)` arm (whatever it singles out, with or without a guard, also \
`Err(A) | Err(B)`), tested with `if let Err(..)` or `.is_err()`, or `else`-ed from an `if let Ok(..)` or a \
`let Ok(..) = .. else`; for a call under a timeout (`timeout(..)`, `.timeout(..)`), whose \
outer `Err` is the deadline passing, the operation's own `Ok(Err(e))`. The error path goes \
straight round when it reaches a `continue` of this loop (or, for an `Err` arm or `if let \
Err(..)` that is the last thing in the loop body, falls through to its end), and nothing on \
the way delays: a delay is a call to `sleep`, `sleep_until`, `delay_for` (also imported under another \
name) or anything whose name contains `sleep`, `backoff`, `delay` or `wait`, or a `.tick()` (an interval), or an \
awaited call to a function of the same file whose body makes such a call, anywhere in the \
error path or in the rest of the loop body (outside the success branches), such as an \
`interval.tick().await` at the top of the loop; a delay after the failing construct counts only \
for an error path that falls through to it, not for one that `continue`s past it. Waiting for the next event elsewhere in the \
loop body counts as a delay too (`rx.recv()`, `stream.next()` and other `recv*`/`next*` \
methods, `accept()`, `changed()`, `notified()`, awaited or as a `select!` branch): the loop then retries \
once per event, not in a tight loop; the failing operation itself does not count \
(`match rx.recv().await { Err(_) => continue, .. }` on a closed broadcast channel spins). \
Not flagged: `for`, `while` and `while let` \
loops (they move on to the next item), and likewise a failing `stream.next()`/`try_next()`; error paths that `break`, `return`, use `?`, panic or \
exit; error paths that send the error on a channel and await that send; an `Err` arm for an \
error whose documented handling is to try again at once (`Err(RecvError::Lagged(_))`: the next \
message is waiting; `Err(e) if e.kind() == Interrupted`: a signal, not a failure). No fix: the right \
delay, and whether to give up, depend on what is being retried.",
    why: "When the operation fails at once every time (a database that is down, a listener out \
of file descriptors: `accept()` returning \"too many open files\"), the loop retries as fast \
as the CPU allows: it spins a core, floods the logs, and hammers the failing dependency just \
when it needs room to recover. A delay that grows with each failure (exponential backoff, \
with jitter) keeps retrying without making things worse.",
    example: r#"use tokio::net::TcpListener;

async fn serve(listener: TcpListener) {
    loop {
        let (socket, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue; //~ retry-without-backoff
            }
        };
        tokio::spawn(handle(socket));
    }
}

async fn handle(_socket: tokio::net::TcpStream) {}
"#,
    use_instead: r#"use std::time::Duration;

use tokio::net::TcpListener;

async fn serve(listener: TcpListener) {
    let mut backoff = Duration::from_millis(10);
    loop {
        let (socket, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept failed: {e}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        backoff = Duration::from_millis(10);
        tokio::spawn(handle(socket));
    }
}

async fn handle(_socket: tokio::net::TcpStream) {}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["uncancellable-loop", "missing-timeout"],
    clippy_twins: &[],
};

/// Words in a call's name that make it a delay.
const DELAY_WORDS: &[&str] = &["sleep", "backoff", "delay", "wait"];

const PANIC_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented"];

const EXIT_FUNCTIONS: &[&str] = &["std::process::exit", "std::process::abort"];

impl Rule for RetryWithoutBackoff {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::LOOP_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(body) = loop_body(node) else {
            return;
        };
        let label = label_of(node);
        let mut failures = Vec::new();
        let mut waits = Vec::new();
        for node in same_iteration_nodes(body.syntax()) {
            if let Some(failure) = failure_point(&node) {
                failures.push(failure);
            } else if let Some(wait) = wait_kind(&node, cx.imports) {
                waits.push((node.text_range(), wait));
            }
        }
        if failures.is_empty() {
            return;
        }
        let turn = Turn {
            body: body.syntax(),
            label: label.as_deref(),
            waits: &waits,
        };
        for failure in failures {
            let Some(retry) = retried_at_once(&failure, &turn, cx) else {
                continue;
            };
            let (range, how) = match retry {
                Retry::Continue(range) => (range, "`continue`s"),
                Retry::FallsThrough(range) => (range, "falls through to the next turn"),
            };
            cx.report(
                Finding::new(
                    span(range),
                    format!("when the awaited operation fails, this loop {how} and retries it at once, with no delay: a failing dependency is hammered in a tight loop"),
                )
                .label(span(failure.operation.text_range()), "the operation that fails")
                .help("wait before retrying, longer after each failure (`tokio::time::sleep(backoff).await`, the `backoff` or `backon` crates), or give up with `break`/`return`"),
            );
        }
    }
}

/// One turn of the loop: its body, its label, and what waits in it.
struct Turn<'a> {
    body: &'a SyntaxNode,
    label: Option<&'a str>,
    waits: &'a [(TextRange, Wait)],
}

#[derive(Clone, Copy)]
enum Wait {
    /// A call that delays (`sleep`, `tick`, a backoff).
    Delay,
    /// Waiting for the next event (`recv`, `next`, `accept`).
    Event,
}

fn wait_kind(node: &SyntaxNode, imports: &Imports) -> Option<Wait> {
    if is_delay(node, imports) {
        Some(Wait::Delay)
    } else if is_event_wait(node) {
        Some(Wait::Event)
    } else {
        None
    }
}

/// Where an awaited operation's failure is handled.
struct Failure {
    /// The awaited operation.
    operation: SyntaxNode,
    /// What runs when it fails, each with the `Err` pattern that selects it.
    error_paths: Vec<(SyntaxNode, Option<SyntaxNode>)>,
    /// What runs when it succeeds: a delay there is not on the error path.
    success_paths: Vec<SyntaxNode>,
    /// The `match`, `if` or `let` that branches.
    construct: SyntaxNode,
}

enum Retry {
    Continue(TextRange),
    FallsThrough(TextRange),
}

fn failure_point(node: &SyntaxNode) -> Option<Failure> {
    match node.kind() {
        SyntaxKind::MATCH_EXPR => {
            let expr = ast::MatchExpr::cast(node.clone())?;
            let scrutinee = expr.expr()?;
            let (operation, timed) = awaited_operation(&scrutinee)?;
            let mut failure = Failure {
                operation,
                error_paths: Vec::new(),
                success_paths: Vec::new(),
                construct: node.clone(),
            };
            for arm in expr.match_arm_list()?.arms() {
                let (Some(pat), Some(handler)) = (arm.pat(), arm.expr()) else {
                    continue;
                };
                if is_error_pattern(&pat, timed) && !retried_at_once_by_design(&arm) {
                    failure
                        .error_paths
                        .push((handler.syntax().clone(), Some(pat.syntax().clone())));
                } else {
                    failure.success_paths.push(handler.syntax().clone());
                }
            }
            Some(failure)
        }
        SyntaxKind::IF_EXPR => {
            let expr = ast::IfExpr::cast(node.clone())?;
            let then_branch = expr.then_branch()?.syntax().clone();
            let else_branch = expr.else_branch().map(|e| e.syntax().clone());
            match expr.condition()? {
                ast::Expr::LetExpr(test) => {
                    let (operation, timed) = awaited_operation(&test.expr()?)?;
                    let pat = test.pat()?;
                    let (error, success) = if is_error_pattern(&pat, timed) {
                        (Some((then_branch, Some(pat.syntax().clone()))), else_branch)
                    } else if is_success_pattern(&pat, timed) {
                        (else_branch.map(|e| (e, None)), Some(then_branch))
                    } else {
                        return None;
                    };
                    Some(Failure {
                        operation,
                        error_paths: error.into_iter().collect(),
                        success_paths: success.into_iter().collect(),
                        construct: node.clone(),
                    })
                }
                ast::Expr::MethodCallExpr(test) => {
                    if method_name(&test)? != "is_err" {
                        return None;
                    }
                    let (operation, timed) = awaited_operation(&test.receiver()?)?;
                    if timed {
                        return None;
                    }
                    Some(Failure {
                        operation,
                        error_paths: vec![(then_branch, None)],
                        success_paths: else_branch.into_iter().collect(),
                        construct: node.clone(),
                    })
                }
                _ => None,
            }
        }
        SyntaxKind::LET_STMT => {
            let statement = ast::LetStmt::cast(node.clone())?;
            let else_block = statement.let_else()?.block_expr()?;
            let (operation, timed) = awaited_operation(&statement.initializer()?)?;
            if !is_success_pattern(&statement.pat()?, timed) {
                return None;
            }
            Some(Failure {
                operation,
                error_paths: vec![(else_block.syntax().clone(), None)],
                success_paths: Vec::new(),
                construct: node.clone(),
            })
        }
        _ => None,
    }
}

/// The awaited call a tested expression's result comes from, and whether
/// it is under a timeout (whose own `Err` is the deadline passing).
fn awaited_operation(tested: &ast::Expr) -> Option<(SyntaxNode, bool)> {
    let awaited = match unparen(tested.clone()) {
        ast::Expr::AwaitExpr(awaited) => awaited,
        // `let result = op().await; match result { .. }`.
        ast::Expr::PathExpr(path) => {
            let name = path.path()?.as_single_name_ref()?;
            let binding = binding_of(&name)?;
            let statement = ast::LetStmt::cast(binding.syntax().parent()?)?;
            let ast::Expr::AwaitExpr(awaited) = unparen(statement.initializer()?) else {
                return None;
            };
            awaited
        }
        _ => return None,
    };
    let future = unparen(awaited.expr()?);
    let timed = match &future {
        ast::Expr::CallExpr(call) => callee_path(call)
            .and_then(|path| segments(&path).pop())
            .is_some_and(|name| name.contains("timeout")),
        ast::Expr::MethodCallExpr(call) => {
            let name = method_name(call)?;
            // A stream's next item after an error is the next item, as in
            // a `while let`: the loop moves on rather than retrying.
            if matches!(name.as_str(), "next" | "try_next") {
                return None;
            }
            name.contains("timeout")
        }
        _ => return None,
    };
    Some((future.syntax().clone(), timed))
}

/// An `Err(..)` pattern, whatever it singles out (`Err(e)`, `Err(())`,
/// `Err(Error::Busy)`, `Err(A) | Err(B)`); under a timeout, the operation's
/// own `Ok(Err(..))`.
fn is_error_pattern(pat: &ast::Pat, timed: bool) -> bool {
    if let ast::Pat::OrPat(alternatives) = pat {
        let mut alternatives = alternatives.pats().peekable();
        return alternatives.peek().is_some()
            && alternatives.all(|alternative| is_error_pattern(&alternative, timed));
    }
    let Some(inner) = variant_field(pat, if timed { "Ok" } else { "Err" }) else {
        return false;
    };
    !timed || variant_field(&inner, "Err").is_some()
}

/// Errors whose documented handling is to try again at once: a broadcast
/// receiver that `Lagged` has the next message waiting, and an operation
/// `Interrupted` by a signal did not fail.
const RETRY_AT_ONCE: &[&str] = &["Lagged", "Interrupted"];

/// An arm for one of [`RETRY_AT_ONCE`], by its pattern or guard.
fn retried_at_once_by_design(arm: &ast::MatchArm) -> bool {
    arm.pat()
        .into_iter()
        .map(|p| p.syntax().clone())
        .chain(arm.guard().map(|g| g.syntax().clone()))
        .flat_map(|node| node.descendants_with_tokens())
        .filter_map(|element| element.into_token())
        .any(|token| token.kind() == SyntaxKind::IDENT && RETRY_AT_ONCE.contains(&token.text()))
}

/// `Ok(..)`: under a timeout, `Ok(Ok(..))`.
fn is_success_pattern(pat: &ast::Pat, timed: bool) -> bool {
    let Some(inner) = variant_field(pat, "Ok") else {
        return false;
    };
    !timed || variant_field(&inner, "Ok").is_some()
}

/// How an error path goes round again with no delay, if it does.
fn retried_at_once(failure: &Failure, turn: &Turn<'_>, cx: &Context<'_>) -> Option<Retry> {
    let operation = failure.operation.text_range();
    let construct_end = failure.construct.text_range().end();
    let delays: Vec<TextRange> = turn
        .waits
        .iter()
        .filter(|(range, _)| {
            !failure
                .success_paths
                .iter()
                .any(|s| s.text_range().contains_range(*range))
        })
        .filter(|(range, wait)| match wait {
            Wait::Delay => true,
            Wait::Event => !operation.contains_range(*range),
        })
        .map(|(range, _)| *range)
        .collect();
    // A delay after the failing construct is skipped by a `continue` out of
    // it, and passed by an error path that falls through to the loop's end.
    if delays.iter().any(|range| range.start() < construct_end) {
        return None;
    }
    let delayed_after = !delays.is_empty();
    let (loop_body, label) = (turn.body, turn.label);
    let at_end = ends_loop_body(&failure.construct, loop_body);
    failure.error_paths.iter().find_map(|(path, pattern)| {
        let mut continued = None;
        for node in same_body_nodes(path) {
            if leaves(&node, path, label, cx.imports)
                || sends_awaited(&node)
                || awaits_delaying_helper(&node, cx)
            {
                return None;
            }
            if continued.is_none() && continues(&node, path, label) {
                continued = node.first_token().map(|keyword| keyword.text_range());
            }
        }
        match (continued, pattern) {
            (Some(range), _) => Some(Retry::Continue(range)),
            (None, Some(pattern)) if at_end && !delayed_after => {
                Some(Retry::FallsThrough(pattern.text_range()))
            }
            _ => None,
        }
    })
}

/// Whether `node` leaves the loop or the function: `return`, `?`, a
/// `break` of this loop (or a labelled one), a panic or an exit.
fn leaves(node: &SyntaxNode, path: &SyntaxNode, label: Option<&str>, imports: &Imports) -> bool {
    match node.kind() {
        SyntaxKind::RETURN_EXPR | SyntaxKind::TRY_EXPR => true,
        SyntaxKind::BREAK_EXPR => targets_this_loop(node, path) || label_of_jump(node).is_some(),
        SyntaxKind::CONTINUE_EXPR => label_of_jump(node).is_some_and(|l| Some(l.as_str()) != label),
        SyntaxKind::MACRO_CALL => ast::MacroCall::cast(node.clone())
            .and_then(|call| call.path())
            .and_then(|path| segments(&path).pop())
            .is_some_and(|name| PANIC_MACROS.contains(&name.as_str())),
        SyntaxKind::CALL_EXPR => ast::CallExpr::cast(node.clone())
            .and_then(|call| callee_path(&call))
            .is_some_and(|path| imports.resolve(&path, EXIT_FUNCTIONS).is_some()),
        _ => false,
    }
}

/// A `continue` that starts this loop's next turn.
fn continues(node: &SyntaxNode, path: &SyntaxNode, label: Option<&str>) -> bool {
    node.kind() == SyntaxKind::CONTINUE_EXPR
        && match label_of_jump(node) {
            Some(target) => Some(target.as_str()) == label,
            None => targets_this_loop(node, path),
        }
}

/// Whether an unlabelled `break`/`continue` inside the error path `path`
/// is not inside a loop nested in it.
fn targets_this_loop(jump: &SyntaxNode, path: &SyntaxNode) -> bool {
    label_of_jump(jump).is_none()
        && !jump
            .ancestors()
            .take_while(|a| a != path)
            .any(|a| is_loop(&a))
}

/// The label a `break` or `continue` names (`'outer`), as written.
fn label_of_jump(jump: &SyntaxNode) -> Option<String> {
    let lifetime = match jump.kind() {
        SyntaxKind::BREAK_EXPR => ast::BreakExpr::cast(jump.clone())?.lifetime(),
        SyntaxKind::CONTINUE_EXPR => ast::ContinueExpr::cast(jump.clone())?.lifetime(),
        _ => None,
    };
    Some(lifetime?.syntax().text().to_string())
}

/// A delay: a call whose name says it sleeps, waits, delays or backs off,
/// or an interval's `.tick()`.
fn is_delay(node: &SyntaxNode, imports: &Imports) -> bool {
    let name = match node.kind() {
        // Under the name it has where it is defined (`use
        // tokio::time::sleep as nap;`).
        SyntaxKind::CALL_EXPR => ast::CallExpr::cast(node.clone())
            .and_then(|call| callee_path(&call))
            .and_then(|path| segments(&path).pop())
            .map(|name| imports.original_name(&name).to_owned()),
        SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(node.clone())
            .and_then(|call| method_name(&call))
            .map(|name| name.to_string()),
        _ => None,
    };
    name.is_some_and(|name| {
        let name = name.to_ascii_lowercase();
        name == "tick" || DELAY_WORDS.iter().any(|word| name.contains(word))
    })
}

/// Waiting for the next event (`rx.recv()`, `stream.next()`,
/// `listener.accept()`, `watch.changed()`, `notify.notified()`, also as a
/// `select!` branch): a
/// loop that waits for one before retrying retries once per event, not in a
/// tight loop.
fn is_event_wait(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::METHOD_CALL_EXPR
        && ast::MethodCallExpr::cast(node.clone())
            .and_then(|call| method_name(&call))
            .is_some_and(|name| {
                name.starts_with("recv")
                    || name.starts_with("next")
                    || name.starts_with("accept")
                    || matches!(name.as_str(), "changed" | "notified")
            })
}

/// An awaited call to a function of this file whose body delays
/// (`Err(e) => handle_accept_error(e).await`, where the helper sleeps).
/// The crate index's function effects will answer this for helpers in
/// other files too.
fn awaits_delaying_helper(node: &SyntaxNode, cx: &Context<'_>) -> bool {
    if node.kind() != SyntaxKind::AWAIT_EXPR {
        return false;
    }
    let Some(called) = ast::AwaitExpr::cast(node.clone())
        .and_then(|awaited| awaited.expr())
        .and_then(|future| local_callee(&unparen(future)))
    else {
        return false;
    };
    let delaying = cx.file_fact(DelayingFns::of);
    delaying.0.contains(&called)
}

/// The name of the function of this file a call may call: `helper(..)`,
/// `Self::helper(..)`, `self.helper(..)`.
fn local_callee(call: &ast::Expr) -> Option<String> {
    match call {
        ast::Expr::CallExpr(call) => {
            let names = segments(&callee_path(call)?);
            match names.as_slice() {
                [name] => Some(name.clone()),
                [owner, name] if owner == "Self" => Some(name.clone()),
                _ => None,
            }
        }
        ast::Expr::MethodCallExpr(call) => {
            let on_self = call.receiver()?.syntax().text() == "self";
            on_self.then(|| Some(method_name(call)?.to_string()))?
        }
        _ => None,
    }
}

/// The names of the file's functions whose own body calls a delay.
struct DelayingFns(HashSet<String>);

impl DelayingFns {
    fn of(root: &SyntaxNode, imports: &Imports) -> Self {
        DelayingFns(
            root.descendants()
                .filter_map(ast::Fn::cast)
                .filter(|f| {
                    f.body().is_some_and(|body| {
                        same_body_nodes(body.syntax()).any(|n| is_delay(&n, imports))
                    })
                })
                .filter_map(|f| Some(f.name()?.text().to_string()))
                .collect(),
        )
    }
}

/// An awaited `send`: the error is handed on, and the send waits for room.
fn sends_awaited(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::METHOD_CALL_EXPR
        && node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR)
        && ast::MethodCallExpr::cast(node.clone())
            .and_then(|call| method_name(&call))
            .is_some_and(|name| name.starts_with("send"))
}

/// Whether `construct` is the last thing the loop body does: its tail
/// expression, its last statement, or that statement's value.
fn ends_loop_body(construct: &SyntaxNode, loop_body: &SyntaxNode) -> bool {
    let Some(list) = loop_body
        .children()
        .find(|c| c.kind() == SyntaxKind::STMT_LIST)
    else {
        return false;
    };
    let Some(last) = list.children().last() else {
        return false;
    };
    if &last == construct {
        return true;
    }
    last.kind() == SyntaxKind::EXPR_STMT && construct.parent().as_ref() == Some(&last)
}
