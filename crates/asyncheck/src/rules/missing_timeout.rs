use crate::diagnostic::Finding;
use crate::rule::{
    Context, FixAvailability, Group, OptionKind, OptionMeta, Pattern, Rule, RuleMeta,
};
use crate::syntax::{
    ast::{self, HasName, HasVisibility},
    call_kind, deadline_around, enclosing_body, is_deadline_name, is_join_macro, is_pin_macro,
    method_name, network_operation, select_branch_timed, uses_after, AstNode, BodyKind, CallKind,
    FieldTypes, Imports, NetworkMentions, NetworkOperation, SyntaxKind, SyntaxNode, TextRange,
};

use super::span;

pub struct MissingTimeout;

static META: RuleMeta = RuleMeta {
    name: "missing-timeout",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags network operations (connect, DNS, TLS and QUIC handshakes, HTTP requests) awaited without a deadline.",
    flags: "An `.await` (or a `join!`/`select!` that awaits) on an external operation when \
nothing gives it a deadline. The operations: `tokio::net::TcpStream::connect`, \
`tokio::net::lookup_host`; TLS handshakes (`connect`/`accept` of a `tokio_rustls` or \
`tokio_native_tls` `TlsConnector`/`TlsAcceptor`, of a `tokio_openssl::SslStream`); QUIC \
(`quinn::Endpoint::connect(..)` awaited, a `quinn::Connecting` awaited); HTTP (`reqwest::get`, \
hyper's `SendRequest::send_request`, `hyper::client::conn::handshake` and its `http1`/`http2` \
twins or their `Builder::handshake`, a response body from `send_request` collected with \
`.collect()` or `hyper::body::to_bytes`); and the paths of the `operations` option. Paths are \
resolved through the file's imports (`std::net::TcpStream::connect` is not tokio's; \
`tokio::net::UnixStream::connect` reaches a local socket that fails fast and is not listed), \
and a method counts only when its receiver is known: a binding made by the type's constructor \
(`TlsConnector::from(..)`, `Endpoint::client(..)`, the `SendRequest` of a handshake's \
`let (sender, conn) = ..`), or a parameter, `let` or struct field of this file with the type. \
An operation has a deadline when it, or a binding or `async` block that holds it, is an \
argument of `tokio::time::timeout`/`timeout_at` (or of a helper named for a timeout or \
deadline, such as `with_timeout`), has a `.timeout(..)` adapter applied, or is a branch of a \
`select!` that also has a `sleep`/`sleep_until`/`interval.tick()` branch (a shutdown or \
cancellation branch is not a deadline); a deadline further out in the same function (around a \
closure or a retry helper) counts too. It also has one when the `async fn` that awaits it is \
only called under a deadline: the function is not `pub` in a library (a binary's `pub` \
functions have no outside callers) nor a trait's, has at least one call site, is never used as \
a value in its file, and every call is directly inside `timeout`/`timeout_at` (an `async` block \
argument counts) or a `select!` with a timer branch, or, in its own file, is awaited in a \
function of which the same holds (up to 3 levels); calls in the crate's other files count by \
the function's name, through the crate index. An `async` block that is a local closure's body \
counts as its function's. A future that is created but not awaited in \
the function (returned, stored, handed to another function) is not flagged, nor is an `async` \
block that a function returns (`Box::pin(async move { .. })` from a `Service::call`): its caller \
decides the deadline.",
    why: "A connect or DNS lookup waits as long as the network lets it: a peer that drops \
packets leaves a TCP connect hanging for minutes (the OS retry limit), and a stuck resolver \
longer. A TLS or QUIC handshake, or an HTTP request and its body, waits for a peer that may \
accept the connection and then never answer. The task awaiting it hangs with it, holding \
whatever it holds, and nothing in the code says how long is too long. A deadline turns the \
hang into an error the caller can handle.",
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
`[\"my_rpc::client::call\"]`.",
    }],
    fix_safety: None,
    see_also: &["uncancellable-loop"],
    clippy_twins: &[],
};

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
    // A `Result` of a future, unwrapped.
    "unwrap",
    "expect",
];

/// How far the search follows bindings and enclosing `async` blocks.
const MAX_STEPS: usize = 16;

impl Rule for MissingTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[
            SyntaxKind::CALL_EXPR,
            SyntaxKind::METHOD_CALL_EXPR,
            SyntaxKind::AWAIT_EXPR,
        ]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(operation) = external_operation(node, cx) else {
            return;
        };
        let Some(awaited) = awaited_without_deadline(&operation.future, cx) else {
            return;
        };
        cx.report(
            Finding::new(
                span(operation.future.text_range()),
                format!("{} is awaited without a deadline: if the network never answers, this waits forever", operation.name),
            )
            .label(span(await_point(&awaited)), "awaited here, with no timeout")
            .help("wrap it in a deadline: `tokio::time::timeout(duration, ..).await`, and handle the `Elapsed` error"),
        );
    }
}

/// The external operation `node` starts, named for the message; the paths
/// of the `operations` option count too.
fn external_operation(node: &SyntaxNode, cx: &Context<'_>) -> Option<NetworkOperation> {
    let mentions = cx.file_fact(|_, _| NetworkMentions::of(cx.text));
    let fields = || cx.file_fact(|root, _| FieldTypes::of(root));
    network_operation(
        node,
        cx.imports,
        &mentions,
        &fields,
        cx.options.paths("operations"),
    )
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

/// What becomes of a future, seen from its parent expressions.
enum Step {
    /// Something puts a deadline on it.
    Deadline,
    /// It is awaited here: an `.await`, a `join!`, a `select!` without a
    /// timer branch.
    Awaited(SyntaxNode),
    /// It is bound to a local name: its uses decide.
    Bound(ast::LetStmt, String),
    /// A function returns it: its caller decides the deadline.
    Returned,
    /// It goes where we cannot follow (stored, passed on).
    Unknown,
}

/// Where the operation is awaited with no deadline anywhere on its way, when
/// no caller gives it one either: the await, or `None`.
fn awaited_without_deadline(future: &SyntaxNode, cx: &Context<'_>) -> Option<SyntaxNode> {
    match cover(future, cx.imports) {
        Cover::Missing { awaited, function } => {
            let mut budget = MAX_CALL_SITES;
            let covered = function
                .is_some_and(|f| only_called_under_deadline(&f, cx, CALLER_DEPTH, &mut budget));
            (!covered).then_some(awaited)
        }
        Cover::Deadline | Cover::Unfollowed => None,
    }
}

/// What the search for a deadline found for a future.
enum Cover {
    Deadline,
    /// Awaited with no deadline: the first await point, and the `async fn`
    /// whose own body awaits it (not an `async` block or closure of it), whose
    /// callers may still give it one.
    Missing {
        awaited: SyntaxNode,
        function: Option<SyntaxNode>,
    },
    /// Not awaited where we can follow it (returned, stored, handed on).
    Unfollowed,
}

/// Whether the future `future` gets a deadline in its function. The search
/// follows the future through bindings and through the `async` blocks that
/// await it, since a deadline on those covers it too.
fn cover(future: &SyntaxNode, imports: &Imports) -> Cover {
    let mut pending: Vec<(SyntaxNode, Option<SyntaxNode>)> = vec![(future.clone(), None)];
    let mut missing: Option<(SyntaxNode, Option<SyntaxNode>)> = None;
    for _ in 0..MAX_STEPS {
        let Some((future, awaited)) = pending.pop() else {
            break;
        };
        match next_step(future.clone(), imports) {
            Step::Deadline => return Cover::Deadline,
            Step::Awaited(at) => {
                let awaited = awaited.unwrap_or_else(|| at.clone());
                match enclosing_body(&at) {
                    Some((block, BodyKind::AsyncBlock)) => pending.push((block, Some(awaited))),
                    _ if deadline_around(&at, imports) => return Cover::Deadline,
                    Some((function, BodyKind::AsyncFn)) => {
                        missing.get_or_insert((awaited, Some(function)));
                    }
                    _ => {
                        missing.get_or_insert((awaited, None));
                    }
                }
            }
            Step::Bound(binding, name) => pending.extend(
                uses_after(&binding, &name)
                    .into_iter()
                    .map(|used| (used.syntax().clone(), awaited.clone())),
            ),
            // An `async` block a function returns (`Box::pin(async move { .. })`
            // from a `Service::call`) runs under its caller's deadline, like a
            // returned future.
            Step::Returned => {}
            Step::Unknown => {
                let Some(awaited) = awaited else {
                    continue;
                };
                if deadline_around(&future, imports) {
                    return Cover::Deadline;
                }
                missing.get_or_insert((awaited, closure_owner(&future)));
            }
        }
    }
    match missing {
        Some((awaited, function)) => Cover::Missing { awaited, function },
        None => Cover::Unfollowed,
    }
}

/// The `async fn` that defines the closure whose body is the `async` block
/// `block` (`let tls = |conn| async { .. };`): the closure's futures run
/// while that function runs, under its callers' deadline.
fn closure_owner(block: &SyntaxNode) -> Option<SyntaxNode> {
    let closure = block
        .parent()
        .filter(|p| p.kind() == SyntaxKind::CLOSURE_EXPR)?;
    let mut node = closure;
    loop {
        let (body, kind) = enclosing_body(&node)?;
        match kind {
            BodyKind::AsyncFn => return Some(body),
            BodyKind::Closure | BodyKind::AsyncClosure => node = body,
            _ => return None,
        }
    }
}

/// How many levels of callers may give a function its deadline: a call in a
/// function that is itself only called under a deadline is under it too.
const CALLER_DEPTH: usize = 3;

/// How many call sites one question may look at, over all levels.
const MAX_CALL_SITES: usize = 64;

/// Whether every caller of the `async fn` `function` puts a deadline on it:
/// it is not `pub` (a library's users may call it) nor a trait's method, it
/// has at least one call site, its name is never used as a value, and every
/// call site is directly inside `timeout`/`timeout_at` (an `async` block
/// argument counts) or a `select!` with a timer branch, or is awaited in a
/// function of which the same holds (up to `depth` levels of callers).
///
/// Call sites in other files count through the crate index (a
/// `pub(crate)` function, or a private one called from a child module's
/// file): by name, each directly under a deadline or not (their callers'
/// callers are not followed there).
fn only_called_under_deadline(
    function: &SyntaxNode,
    cx: &Context<'_>,
    depth: usize,
    budget: &mut usize,
) -> bool {
    if depth == 0 {
        return false;
    }
    let Some(function) = ast::Fn::cast(function.clone()) else {
        return false;
    };
    // `pub` in a library (or where no manifest says it is not one).
    let manifest = &cx.imports.crate_index().manifest;
    let exported = function
        .visibility()
        .is_some_and(|vis| vis.syntax().text() == "pub")
        && (manifest.is_library || !manifest.known);
    let Some(name) = function.name() else {
        return false;
    };
    if exported || is_trait_item(function.syntax()) {
        return false;
    }
    let known = cx.file_fact(|_, _| CallSites::default());
    let sites = known
        .0
        .borrow_mut()
        .entry(name.text().to_string())
        .or_insert_with(|| call_sites(cx.root, name.text()))
        .clone();
    let Some(sites) = sites else {
        return false;
    };
    let index = cx.imports.crate_index();
    let (covered_elsewhere, uncovered_elsewhere) =
        index.deadline_calls_elsewhere(name.text().as_ref(), &index.file);
    if uncovered_elsewhere || (sites.is_empty() && !covered_elsewhere) {
        return false;
    }
    if sites.len() > *budget {
        return false;
    }
    *budget -= sites.len();
    sites.iter().all(|site| match cover(site, cx.imports) {
        Cover::Deadline => true,
        Cover::Missing {
            function: Some(caller),
            ..
        } => {
            caller != *function.syntax()
                && only_called_under_deadline(&caller, cx, depth - 1, budget)
        }
        _ => false,
    })
}

/// The call sites of the file's functions, by name, as found so far: each
/// name costs one walk of the file.
#[derive(Default)]
struct CallSites(std::cell::RefCell<std::collections::HashMap<String, Option<Vec<SyntaxNode>>>>);

/// A function of a trait or of a trait's `impl`: called through the trait
/// from anywhere.
fn is_trait_item(function: &SyntaxNode) -> bool {
    let Some(owner) = function
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST)
        .and_then(|list| list.parent())
    else {
        return false;
    };
    match owner.kind() {
        SyntaxKind::TRAIT => true,
        SyntaxKind::IMPL => ast::Impl::cast(owner).is_some_and(|i| i.trait_().is_some()),
        _ => false,
    }
}

/// The calls of functions or methods named `name` in the file (`f(..)`,
/// `Self::f(..)`, `x.f(..)`); `None` when the name is also used otherwise
/// as a value (`.map(f)`) or appears in a macro body we cannot read.
fn call_sites(root: &SyntaxNode, name: &str) -> Option<Vec<SyntaxNode>> {
    let mut sites = Vec::new();
    for element in root.descendants_with_tokens() {
        let Some(token) = element.as_token() else {
            continue;
        };
        if token.kind() != SyntaxKind::IDENT || token.text() != name {
            continue;
        }
        let parent = token.parent()?;
        match parent.kind() {
            SyntaxKind::TOKEN_TREE => return None,
            SyntaxKind::NAME_REF => {}
            _ => continue,
        }
        let Some(user) = parent.parent() else {
            continue;
        };
        match user.kind() {
            SyntaxKind::METHOD_CALL_EXPR => sites.push(user),
            SyntaxKind::PATH_SEGMENT => {
                let Some(path) = user.parent().and_then(ast::Path::cast) else {
                    continue;
                };
                // A qualifier (`f::x`) names a module, not the function.
                let Some(path_expr) = path.syntax().parent().and_then(ast::PathExpr::cast) else {
                    continue;
                };
                let call = path_expr
                    .syntax()
                    .parent()
                    .and_then(ast::CallExpr::cast)
                    .filter(|call| {
                        call.expr()
                            .is_some_and(|e| e.syntax() == path_expr.syntax())
                    });
                match call {
                    Some(call) => sites.push(call.syntax().clone()),
                    None => return None,
                }
            }
            _ => {}
        }
    }
    Some(sites)
}

fn next_step(future: SyntaxNode, imports: &Imports) -> Step {
    let mut node = future;
    while let Some(parent) = node.parent() {
        match parent.kind() {
            // `?` on a `Result` of a future (`endpoint.connect(..)?.await`).
            SyntaxKind::PAREN_EXPR | SyntaxKind::REF_EXPR | SyntaxKind::TRY_EXPR => node = parent,
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
            SyntaxKind::RETURN_EXPR => return Step::Returned,
            SyntaxKind::STMT_LIST if is_function_tail(&parent, &node) => return Step::Returned,
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

/// Whether `expr` is the tail expression of a function's body (`stmts` is
/// the body's statement list).
fn is_function_tail(stmts: &SyntaxNode, expr: &SyntaxNode) -> bool {
    let is_tail = ast::StmtList::cast(stmts.clone())
        .and_then(|list| list.tail_expr())
        .is_some_and(|tail| tail.syntax() == expr);
    let body_of_fn = stmts
        .parent()
        .and_then(|block| block.parent())
        .is_some_and(|owner| owner.kind() == SyntaxKind::FN);
    is_tail && body_of_fn
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
    match select_branch_timed(arm, future, imports) {
        Some((true, _)) => Step::Deadline,
        Some((false, select)) => select.parent().map_or(Step::Unknown, Step::Awaited),
        None => Step::Unknown,
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
        let text = "use my_rpc::client;\n\
                    pub async fn f(io: Io) {\n\
                    \x20   let _ = client::call(io).await;\n\
                    \x20   let _ = tokio::net::TcpStream::connect(\"a\").await;\n\
                    \x20   let _ = tokio::time::timeout(D, client::call(io)).await;\n\
                    }\n";
        let mut settings = Settings::default();
        settings
            .set_level("missing-timeout", crate::Level::Warn)
            .unwrap();
        assert_eq!(lines(&settings, text), vec![4]);
        let options = &mut settings.options_mut("missing-timeout").unwrap();
        assert!(options.set(
            "operations",
            OptionValue::Paths(vec!["my_rpc::client::call".to_owned()]),
        ));
        assert_eq!(lines(&settings, text), vec![3, 4]);
    }
}
