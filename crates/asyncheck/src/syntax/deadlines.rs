//! Deadlines: what puts one on a future (`timeout(d, fut)`, `fut.timeout(d)`,
//! the project helpers named like them, a `select!` raced against a timer),
//! for the rules that ask whether an operation can wait forever and for the
//! crate index, which records which calls are made under one.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

use super::{
    body_kind, callee_path, find_binding, is_select_macro, local_name, method_name, segments,
    strip_future_wrappers, wrapped_future, Binding, BodyKind, Imports, SelectBranch,
    DEADLINE_FUNCTIONS,
};

/// Futures that complete after a while: a `select!` branch awaiting one
/// bounds how long the other branches wait.
const TIMER_FUNCTIONS: &[&str] = &[
    "tokio::time::sleep",
    "tokio::time::sleep_until",
    "async_std::task::sleep",
    "futures_timer::Delay::new",
    "async_io::Timer::after",
    "smol::Timer::after",
];

/// Names of timer and deadline functions whatever crate they come from.
const TIMER_NAMES: &[&str] = &["sleep", "sleep_until", "timeout", "timeout_at"];

/// Whether a deadline encloses `node` further out in its function: it is
/// inside an argument of a `timeout(..)` call, the receiver of a
/// `.timeout(..)`, or the future of a `select!` branch raced against a
/// timer. That covers futures built through closures and helpers the
/// step-by-step search cannot follow
/// (`timeout(d, retry(|| async { connect().await }))`).
pub fn deadline_around(node: &SyntaxNode, imports: &Imports) -> bool {
    let mut child = node.clone();
    for ancestor in node.ancestors().skip(1) {
        if matches!(
            body_kind(&ancestor),
            Some(BodyKind::Fn | BodyKind::AsyncFn | BodyKind::Item)
        ) {
            return false;
        }
        let covered = match ancestor.kind() {
            SyntaxKind::ARG_LIST => ancestor
                .parent()
                .is_some_and(|call| matches!(call_kind(&call, imports), CallKind::Deadline)),
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(ancestor.clone())
                .is_some_and(|call| {
                    call.receiver().is_some_and(|r| r.syntax() == &child)
                        && method_name(&call).is_some_and(|name| is_deadline_name(&name))
                }),
            SyntaxKind::MATCH_ARM => {
                select_branch_timed(&ancestor, &child, imports).is_some_and(|(timed, _)| timed)
            }
            _ => false,
        };
        if covered {
            return true;
        }
        child = ancestor;
    }
    false
}

/// What a call does to the future handed to it.
pub enum CallKind {
    /// Puts a deadline on it: `timeout(d, fut)`, `fut.timeout(d)`.
    Deadline,
    /// `Box::pin(..)` and the like: the same future, boxed.
    Wrapper,
    Other,
}

/// What the call `callee` (a call or method call expression) does to the
/// future in its arguments or receiver.
pub fn call_kind(callee: &SyntaxNode, imports: &Imports) -> CallKind {
    if let Some(call) = ast::MethodCallExpr::cast(callee.clone()) {
        return match method_name(&call) {
            Some(name) if is_deadline_name(&name) => CallKind::Deadline,
            _ => CallKind::Other,
        };
    }
    let Some(path) = ast::CallExpr::cast(callee.clone()).and_then(|c| callee_path(&c)) else {
        return CallKind::Other;
    };
    let last = segments(&path).pop().unwrap_or_default();
    if is_deadline_name(&last) || imports.resolve(&path, DEADLINE_FUNCTIONS).is_some() {
        return CallKind::Deadline;
    }
    let wrapper = ast::Expr::cast(callee.clone())
        .is_some_and(|expr| wrapped_future(&expr, imports).is_some());
    if wrapper {
        CallKind::Wrapper
    } else {
        CallKind::Other
    }
}

/// `timeout`, `timeout_at`, and the project helpers that wrap them
/// (`with_timeout`, `timeout_fut`, `with_deadline`, ...): a future handed to
/// one of these gets a deadline.
pub fn is_deadline_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("timeout") || name.contains("deadline")
}

/// Whether the `select!` branch `arm`, whose future is `future`, races a
/// timer (another branch is a `sleep`, `sleep_until`, `interval.tick()` or
/// `timeout`), with the `select!` itself; `None` when `future` is not the
/// future of a branch of a `select!`.
pub fn select_branch_timed(
    arm: &SyntaxNode,
    future: &SyntaxNode,
    imports: &Imports,
) -> Option<(bool, SyntaxNode)> {
    let select = arm
        .parent()
        .and_then(|list| list.parent())
        .and_then(ast::MacroCall::cast)
        .filter(|call| is_select_macro(call, imports))?;
    let branches = SelectBranch::of(&select);
    let branch = branches.iter().find(|b| b.syntax() == arm)?;
    if branch.future().is_none_or(|f| f.syntax() != future) {
        return None;
    }
    let timed = branches
        .iter()
        .filter(|other| other.syntax() != arm)
        .filter_map(SelectBranch::future)
        .any(|other| is_timer(other, imports));
    Some((timed, select.syntax().clone()))
}

/// A future that completes after a time: `sleep(..)`, `sleep_until(..)`,
/// `interval.tick()`, a `timeout(..)`, or a local bound to one of them.
fn is_timer(future: ast::Expr, imports: &Imports) -> bool {
    let future = unref(strip_future_wrappers(future, imports));
    if let Some(name) = local_name(&future) {
        let Some(Binding::Let(binding)) = find_binding(future.syntax(), &name) else {
            return false;
        };
        return binding.initializer().is_some_and(|init| {
            is_timer_call(&unref(strip_future_wrappers(init, imports)), imports)
        });
    }
    is_timer_call(&future, imports)
}

fn unref(expr: ast::Expr) -> ast::Expr {
    match &expr {
        ast::Expr::RefExpr(r) => r.expr().unwrap_or(expr),
        _ => expr,
    }
}

fn is_timer_call(expr: &ast::Expr, imports: &Imports) -> bool {
    match expr {
        ast::Expr::CallExpr(call) => callee_path(call).is_some_and(|path| {
            imports.resolve(&path, TIMER_FUNCTIONS).is_some()
                || segments(&path)
                    .last()
                    .is_some_and(|last| TIMER_NAMES.contains(&last.as_str()))
        }),
        ast::Expr::MethodCallExpr(call) => method_name(call)
            .is_some_and(|name| matches!(name.as_str(), "tick" | "sleep" | "sleep_until")),
        _ => false,
    }
}
