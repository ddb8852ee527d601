use crate::diagnostic::Finding;
use crate::rule::{
    Context, FixAvailability, Group, OptionKind, OptionMeta, Pattern, Rule, RuleMeta,
};
use crate::syntax::{
    ast::{self, HasName},
    body_kind, callee_path, enclosing_body, find_binding, is_join_macro, is_pin_macro,
    is_select_macro, local_name, method_name, segments, strip_future_wrappers, uses_after,
    wrapped_future, AstNode, Binding, BodyKind, Imports, SelectBranch, SyntaxKind, SyntaxNode,
    TextRange,
};

use super::{span, span_of};

pub struct MissingTimeout;

static META: RuleMeta = RuleMeta {
    name: "missing-timeout",
    pattern: Pattern::Cancellation,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags network operations awaited without a deadline.",
    flags: "An `.await` (or a `join!`/`select!` that awaits) on a call to \
`tokio::net::TcpStream::connect`, `tokio::net::UnixStream::connect`, `tokio::net::lookup_host`, \
`reqwest::get` or a path of the `operations` option, when nothing gives it a deadline. It has \
one when the call, or a binding or `async` block that holds it, is an argument of \
`tokio::time::timeout`/`timeout_at` (or of a helper named for a timeout or deadline, such as \
`with_timeout`), has a `.timeout(..)` adapter applied, or is a branch of a `select!` that also \
has a `sleep`/`sleep_until`/`interval.tick()` branch; a deadline further out in the same \
function (around a closure or a retry helper) counts too. Paths are resolved through the \
file's imports: `std::net::TcpStream::connect` is not tokio's, and `reqwest::Client` requests \
are not in the default list. A future that is created but not awaited in the function \
(returned, stored, handed to another function) is not flagged.",
    why: "A connect or DNS lookup waits as long as the network lets it: a peer that drops \
packets leaves a TCP connect hanging for minutes (the OS retry limit), and a stuck resolver \
longer. The task awaiting it hangs with it, holding whatever it holds, and nothing in the code \
says how long is too long. A deadline turns the hang into an error the caller can handle.",
    example: r#"use tokio::net::TcpStream;

async fn connect(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await //~ missing-timeout
}
"#,
    use_instead: r#"use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::timeout;

async fn connect(addr: &str) -> std::io::Result<TcpStream> {
    timeout(Duration::from_secs(5), TcpStream::connect(addr)).await?
}
"#,
    options: &[OptionMeta {
        name: "operations",
        kind: OptionKind::Paths,
        doc: "More functions to treat as external operations, by full path, e.g. \
`[\"hyper::client::conn::http1::handshake\"]`.",
    }],
    fix_safety: None,
    see_also: &["uncancellable-loop"],
};

const OPERATIONS: &[&str] = &[
    "tokio::net::TcpStream::connect",
    "tokio::net::UnixStream::connect",
    "tokio::net::lookup_host",
    "reqwest::get",
];

/// Functions that put a deadline on the future they are given, besides any
/// function whose name says so (see [`is_deadline_name`]).
const DEADLINE_FUNCTIONS: &[&str] = &[
    "tokio::time::timeout",
    "tokio::time::timeout_at",
    "async_std::future::timeout",
];

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

/// Future adapters that leave the operation what it is.
const SAME_OPERATION: &[&str] = &[
    "fuse",
    "boxed",
    "boxed_local",
    "map",
    "map_ok",
    "map_err",
    "err_into",
    "inspect",
    "inspect_ok",
    "inspect_err",
    "instrument",
    "in_current_span",
    "into_future",
];

/// How far the search follows bindings and enclosing `async` blocks.
const MAX_STEPS: usize = 16;

impl Rule for MissingTimeout {
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
        let Some(operation) = operation(&call, cx) else {
            return;
        };
        let Some(awaited) = awaited_without_deadline(&call, cx.imports) else {
            return;
        };
        let written = callee_path(&call)
            .map(|path| path.syntax().text().to_string())
            .unwrap_or_else(|| operation.clone());
        cx.report(
            Finding::new(
                span_of(&call),
                format!("`{operation}` is awaited without a deadline: if the network never answers, this waits forever"),
            )
            .label(span(await_point(&awaited)), "awaited here, with no timeout")
            .help(format!("wrap it in a deadline: `tokio::time::timeout(duration, {written}(..)).await`, and handle the `Elapsed` error")),
        );
    }
}

/// The part of an awaiting expression that does the waiting: `.await`, or
/// the `join!`/`select!` macro's name.
fn await_point(awaited: &SyntaxNode) -> TextRange {
    let whole = awaited.text_range();
    if let Some(expr) = ast::AwaitExpr::cast(awaited.clone()) {
        if let (Some(dot), Some(keyword)) = (expr.dot_token(), expr.await_token()) {
            return TextRange::new(dot.text_range().start(), keyword.text_range().end());
        }
    }
    let name = awaited
        .descendants()
        .find_map(ast::MacroCall::cast)
        .and_then(|call| call.path())
        .map(|path| path.syntax().text_range());
    name.unwrap_or(whole)
}

/// Which external operation `call` calls: a default one or one of the
/// `operations` option.
fn operation(call: &ast::CallExpr, cx: &Context<'_>) -> Option<String> {
    let path = callee_path(call)?;
    if let Some(found) = cx.imports.resolve(&path, OPERATIONS) {
        return Some(found.to_owned());
    }
    let extra: Vec<&str> = cx
        .options
        .paths("operations")
        .iter()
        .map(String::as_str)
        .collect();
    cx.imports.resolve(&path, &extra).map(str::to_owned)
}

/// What becomes of a future, seen from its parent expressions.
enum Step {
    /// Something puts a deadline on it.
    Deadline,
    /// It is awaited here: an `.await`, a `join!`, a `select!` without a
    /// timer branch.
    Awaited(SyntaxNode),
    /// It is bound to a local name: its uses decide.
    Bound(ast::LetStmt, String),
    /// It goes where we cannot follow (returned, stored, passed on).
    Unknown,
}

/// Where the operation is awaited with no deadline anywhere on its way: the
/// await, or `None` when it has a deadline or is not awaited here. The
/// search follows the future through bindings and through the `async`
/// blocks that await it, since a deadline on those covers it too.
fn awaited_without_deadline(call: &ast::CallExpr, imports: &Imports) -> Option<SyntaxNode> {
    let mut pending: Vec<(SyntaxNode, Option<SyntaxNode>)> = vec![(call.syntax().clone(), None)];
    let mut missing = None;
    for _ in 0..MAX_STEPS {
        let Some((future, awaited)) = pending.pop() else {
            break;
        };
        match next_step(future.clone(), imports) {
            Step::Deadline => return None,
            Step::Awaited(at) => {
                let awaited = awaited.unwrap_or_else(|| at.clone());
                match enclosing_body(&at) {
                    Some((block, BodyKind::AsyncBlock)) => pending.push((block, Some(awaited))),
                    _ if deadline_around(&at, imports) => return None,
                    _ => {
                        missing.get_or_insert(awaited);
                    }
                }
            }
            Step::Bound(binding, name) => pending.extend(
                uses_after(&binding, &name)
                    .into_iter()
                    .map(|used| (used.syntax().clone(), awaited.clone())),
            ),
            Step::Unknown => {
                let Some(awaited) = awaited else {
                    continue;
                };
                if deadline_around(&future, imports) {
                    return None;
                }
                missing.get_or_insert(awaited);
            }
        }
    }
    missing
}

/// Whether a deadline encloses `node` further out in its function: it is
/// inside an argument of a `timeout(..)` call, the receiver of a
/// `.timeout(..)`, or the future of a `select!` branch raced against a
/// timer. That covers futures built through closures and helpers the
/// step-by-step search cannot follow
/// (`timeout(d, retry(|| async { connect().await }))`).
fn deadline_around(node: &SyntaxNode, imports: &Imports) -> bool {
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
            SyntaxKind::MATCH_ARM => matches!(
                select_branch_step(&ancestor, &child, imports),
                Step::Deadline
            ),
            _ => false,
        };
        if covered {
            return true;
        }
        child = ancestor;
    }
    false
}

fn next_step(future: SyntaxNode, imports: &Imports) -> Step {
    let mut node = future;
    while let Some(parent) = node.parent() {
        match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::REF_EXPR => node = parent,
            SyntaxKind::AWAIT_EXPR => return Step::Awaited(parent),
            SyntaxKind::METHOD_CALL_EXPR => {
                let Some(name) =
                    ast::MethodCallExpr::cast(parent.clone()).and_then(|c| method_name(&c))
                else {
                    return Step::Unknown;
                };
                if is_deadline_name(&name) {
                    return Step::Deadline;
                }
                if !SAME_OPERATION.contains(&name.as_str()) {
                    return Step::Unknown;
                }
                node = parent;
            }
            SyntaxKind::ARG_LIST => {
                let Some(callee) = parent.parent() else {
                    return Step::Unknown;
                };
                match call_kind(&callee, imports) {
                    CallKind::Deadline => return Step::Deadline,
                    CallKind::Wrapper => node = callee,
                    CallKind::Other => return Step::Unknown,
                }
            }
            SyntaxKind::LET_STMT => return bound(&parent, &node),
            SyntaxKind::MATCH_ARM => return select_branch_step(&parent, &node, imports),
            SyntaxKind::TUPLE_EXPR
                if parent
                    .parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::MACRO_CALL) =>
            {
                node = parent;
            }
            SyntaxKind::MACRO_CALL => {
                let Some(mac) = ast::MacroCall::cast(parent.clone()) else {
                    return Step::Unknown;
                };
                let Some(expr) = parent.parent() else {
                    return Step::Unknown;
                };
                if is_join_macro(&mac, imports) {
                    return Step::Awaited(expr);
                }
                if !is_pin_macro(&mac, imports) {
                    return Step::Unknown;
                }
                node = expr;
            }
            _ => return Step::Unknown,
        }
    }
    Step::Unknown
}

enum CallKind {
    Deadline,
    /// `Box::pin(..)` and the like: the same future, boxed.
    Wrapper,
    Other,
}

fn call_kind(callee: &SyntaxNode, imports: &Imports) -> CallKind {
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
fn is_deadline_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("timeout") || name.contains("deadline")
}

fn bound(statement: &SyntaxNode, initializer: &SyntaxNode) -> Step {
    let Some(binding) = ast::LetStmt::cast(statement.clone()) else {
        return Step::Unknown;
    };
    if binding
        .initializer()
        .is_none_or(|i| i.syntax() != initializer)
    {
        return Step::Unknown;
    }
    match binding.pat() {
        Some(ast::Pat::IdentPat(ident)) => match ident.name() {
            Some(name) => Step::Bound(binding, name.text().to_string()),
            None => Step::Unknown,
        },
        _ => Step::Unknown,
    }
}

/// A `select!` branch future has a deadline when another branch is a
/// timer; otherwise the `select!` awaits it.
fn select_branch_step(arm: &SyntaxNode, future: &SyntaxNode, imports: &Imports) -> Step {
    let Some(select) = arm
        .parent()
        .and_then(|list| list.parent())
        .and_then(ast::MacroCall::cast)
        .filter(|call| is_select_macro(call, imports))
    else {
        return Step::Unknown;
    };
    let branches = SelectBranch::of(&select);
    let Some(branch) = branches.iter().find(|b| b.syntax() == arm) else {
        return Step::Unknown;
    };
    if branch.future().is_none_or(|f| f.syntax() != future) {
        return Step::Unknown;
    }
    let timed = branches
        .iter()
        .filter(|other| other.syntax() != arm)
        .filter_map(SelectBranch::future)
        .any(|other| is_timer(other, imports));
    match (timed, select.syntax().parent()) {
        (true, _) => Step::Deadline,
        (false, Some(expr)) => Step::Awaited(expr),
        (false, None) => Step::Unknown,
    }
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::settings::OptionValue;
    use crate::{Checker, Settings};

    fn lines(settings: &Settings, text: &str) -> Vec<usize> {
        let index = crate::line_index::LineIndex::new(text);
        Checker::new(settings)
            .check(Path::new("src/lib.rs"), text)
            .diagnostics
            .iter()
            .filter(|d| d.rule == "missing-timeout")
            .map(|d| index.line_col(d.span.start).line)
            .collect()
    }

    #[test]
    fn operations_option_adds_paths() {
        let text = "use hyper::client::conn::http1;\n\
                    async fn f(io: Io) {\n\
                    \x20   let _ = http1::handshake(io).await;\n\
                    \x20   let _ = tokio::net::TcpStream::connect(\"a\").await;\n\
                    \x20   let _ = tokio::time::timeout(D, http1::handshake(io)).await;\n\
                    }\n";
        let mut settings = Settings::default();
        assert_eq!(lines(&settings, text), vec![4]);
        let options = &mut settings.options_mut("missing-timeout").unwrap();
        assert!(options.set(
            "operations",
            OptionValue::Paths(vec!["hyper::client::conn::http1::handshake".to_owned()]),
        ));
        assert_eq!(lines(&settings, text), vec![3, 4]);
    }
}
