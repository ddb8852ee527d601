use std::collections::HashMap;

use crate::diagnostic::Finding;
use crate::index::InnerCall;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList, HasName},
    awaits_implicitly, callee_path, crate_function_called, enclosing_body, guard_awaits,
    impl_type_around, local_name, macro_args, method_name, outside_wait, same_body_nodes,
    strip_future_wrappers, under_deadline, unparen, AstNode, FieldTypes, GuardAwaits, Imports,
    LockFlavor, SelectBranch, SyntaxKind, SyntaxNode, TextRange, WaitFacts,
};

use super::{span, span_of};

pub struct AsyncLockAcrossAwait;

static META: RuleMeta = RuleMeta {
    name: "async-lock-across-await",
    pattern: Pattern::Blocking,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags an async lock's guard held while the task waits on something outside it (a channel, a task, a timer, the network).",
    flags: "A guard of an async lock, `.lock().await`, `.read().await` or `.write().await` (no \
argument) or tokio's `lock_owned()`/`read_owned()`/`write_owned()`, that is alive at a later await point of the same async body (an `.await`, or a \
`select!`/`join!`/`try_join!` of tokio or futures) that waits on something outside the task: \
a channel operation (`send`, `recv`, `recv_many`, `changed`, `send_async`/`recv_async`, \
`reserve` for room in a bounded channel), a oneshot receiver, a spawned task's `JoinHandle` or \
a task set's `join_next()`/`join_all()`, an interval's `tick()`, any of these under \
`tokio::time::timeout`, a sleep (`tokio::time::sleep`/`sleep_until`, \
async-std's, `futures_timer::Delay`), an operation of `missing-timeout`'s list (connect, DNS, \
TLS and QUIC handshakes, HTTP requests) or a read or write on a known network stream \
(`tokio::net::TcpStream`, its halves, `UdpSocket`, `UnixStream`, TLS streams), or a call to an \
`async fn` of this file that does one of these (itself or through up to 3 levels of such \
functions; a call that the file's own `async fn`s may answer, such as a local `send`, is judged \
by their bodies, not by its name), or to a crate `async fn` of another file whose body does \
(known from the crate's facts, through up to 3 levels of the crate `async fn`s it awaits; the \
label names the inner wait, file:line). The guard lives as in `lock-across-await`: bound with `let` and neither moved \
(`drop(guard)`) nor out of scope before the await, a temporary of the statement that awaits, or \
a temporary in the scrutinee of a `match`, `if let` or `while let` whose body awaits. Not \
flagged: an await whose receiver is the guard or a value borrowed from it (`guard.write_all(..)`, \
`guard.recv()`, `tx` in `if let Some(tx) = guard.get(&id)`, unless copied out with `.clone()`) \
or made by a call lent one (`std::mem::take(&mut *guard)`), a \
call of the file's function that is handed the guard (`write_frame(&mut guard)`): serialising \
that resource is what the lock is for. A method of the file called on the guard \
(`guard.shutdown().await`) is judged by its body with `self` as the guarded value: what it \
waits on through `self` serialises the resource, but a wait on anything else (a reply from \
another task on a fresh oneshot, a timer) is flagged; a method of the type whose code took \
the lock is not taken for the guard's (a type does not keep a lock of itself). Other lock acquisitions (`double-lock` and \
`lock-order-inversion` own those); awaits of computation, of unknown methods and of functions \
that wait on none of the above. Any receiver of an awaited `.lock()` is taken for an async \
mutex; an awaited `.read()`/`.write()` directly followed by `?`, `.unwrap()`, `.expect(..)`, \
`.unwrap_or_else(..)` or `.map_err(..)` is taken for I/O, not a lock (async lock guards come \
bare). Primary span: the lock call; a label marks the await, and through a callee a second \
label marks the wait inside it.",
    why: "An async lock held across an await does not block a thread, but every task that \
wants the lock queues behind whatever the holder waits for. When that is another task, a \
channel's peer, a timer or the network, the lock's critical section lasts as long as the \
slowest peer: a full channel or a stalled connection stops every user of the lock, and a peer \
that itself needs the lock to make progress deadlocks with the holder. Copy what you need out \
of the guard, drop it, then wait.",
    example: r#"use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

async fn publish(state: Arc<Mutex<Vec<u8>>>, tx: mpsc::Sender<Vec<u8>>) {
    let data = state.lock().await; //~ async-lock-across-await
    tx.send(data.clone()).await.ok();
}
"#,
    use_instead: r#"use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

async fn publish(state: Arc<Mutex<Vec<u8>>>, tx: mpsc::Sender<Vec<u8>>) {
    let data = state.lock().await.clone();
    tx.send(data).await.ok();
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["lock-across-await"],
    clippy_twins: &[],
};

impl Rule for AsyncLockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(held) = guard_awaits(node, cx.imports, LockFlavor::Async) else {
            return;
        };
        let facts = cx.file_fact(|root, _| {
            WaitFacts::with_fields(root, cx.text, cx.file_fact(|root, _| FieldTypes::of(root)))
        });
        let guard = GuardValues::of(&held, node);
        let lookup = Lookup {
            cx,
            imports: cx.imports,
            facts: &facts,
        };
        let Some((point, wait)) = held
            .awaits
            .iter()
            .find_map(|at| Some((at, wait_at(&at.node, &guard, &lookup)?)))
        else {
            return;
        };
        let finding = Finding::new(
            span_of(&held.lock.call),
            "an async lock's guard is held while the task waits on something outside it",
        )
        .help("shorten the critical section: take what you need from the guard and drop it before awaiting, or re-acquire the lock afterwards");
        let finding = match wait {
            Wait::Direct(what) => finding.label(
                span(point.point.range),
                format!("the guard is still alive here, waiting on {what}"),
            ),
            Wait::Through { callee, inner } => {
                let at = if inner.function == callee {
                    format!("`{callee}` waits here on {}", inner.what)
                } else {
                    format!(
                        "`{}` (called from `{callee}`) waits here on {}",
                        inner.function, inner.what
                    )
                };
                finding
                    .label(
                        span(point.point.range),
                        format!(
                            "the guard is still alive here, while `{callee}` waits on {}",
                            inner.what
                        ),
                    )
                    .label(span(inner.range), at)
            }
            Wait::Elsewhere { callee, inner } => finding.label_elsewhere(
                span(point.point.range),
                format!(
                    "the guard is still alive here, while `{callee}` waits on {} at {}:{}",
                    inner.what, inner.file, inner.line
                ),
                &inner.file,
                inner.line,
            ),
        };
        cx.report(finding);
    }
}

/// What the rule looks things up in.
struct Lookup<'a, 'c> {
    cx: &'a Context<'c>,
    imports: &'a Imports,
    facts: &'a WaitFacts,
}

/// What an await point holding the guard waits on.
enum Wait {
    Direct(String),
    /// A call to an `async fn` of the file that waits inside.
    Through {
        callee: String,
        inner: InnerWait,
    },
    /// A call to a crate `async fn` of another file that waits inside
    /// (directly or through the crate `async fn`s it awaits).
    Elsewhere {
        callee: String,
        inner: InnerCall,
    },
}

/// A wait inside a function of the file.
struct InnerWait {
    range: TextRange,
    what: String,
    /// The function whose body waits: the callee, or one it calls.
    function: String,
}

/// The guard and the values borrowed from it: an await on one of them
/// serialises the very resource the lock guards.
struct GuardValues {
    /// The guard expression itself (a temporary guard has no name).
    guard: TextRange,
    names: Vec<String>,
}

/// Methods whose result owns its value: a binding made through them is not
/// borrowed from the guard.
const OWNING: &[&str] = &[
    "clone",
    "cloned",
    "copied",
    "to_owned",
    "to_vec",
    "to_string",
    "take",
    "replace",
];

impl GuardValues {
    /// The names bound to the guard, and those bound later in the same body
    /// from a chain that starts at it (`let conn = guard.conn.as_mut();`,
    /// `if let Some(tx) = guard.get(&id)`, `for peer in guard.iter()`),
    /// unless the chain ends in a copy (`.clone()`, `.take()`).
    fn of(held: &GuardAwaits, lock: &SyntaxNode) -> GuardValues {
        let values = GuardValues {
            guard: held.lock.guard.syntax().text_range(),
            names: held.names.clone(),
        };
        match enclosing_body(lock) {
            Some((body, _)) => values.and_derived(&body, lock.text_range().start()),
            None => values,
        }
    }

    /// `self` in a method of the guarded value (`guard.shutdown().await`
    /// runs `shutdown` on it) and the names bound from it in the body.
    fn of_self(function: &ast::Fn) -> GuardValues {
        let values = GuardValues {
            guard: TextRange::empty(0.into()),
            names: vec!["self".to_owned()],
        };
        match function.body() {
            Some(body) => values.and_derived(body.syntax(), 0.into()),
            None => values,
        }
    }

    /// With the names bound in `body` after `from` from a chain that starts
    /// at these values.
    fn and_derived(mut self, body: &SyntaxNode, from: ra_ap_syntax::TextSize) -> GuardValues {
        let values = &mut self;
        for node in same_body_nodes(body) {
            if node.text_range().end() <= from {
                continue;
            }
            let (source, patterns): (Option<ast::Expr>, Vec<SyntaxNode>) = match node.kind() {
                SyntaxKind::LET_STMT => match ast::LetStmt::cast(node.clone()) {
                    Some(stmt) => (
                        stmt.initializer(),
                        stmt.pat().map(|p| p.syntax().clone()).into_iter().collect(),
                    ),
                    None => continue,
                },
                SyntaxKind::LET_EXPR => match ast::LetExpr::cast(node.clone()) {
                    Some(expr) => (
                        expr.expr(),
                        expr.pat().map(|p| p.syntax().clone()).into_iter().collect(),
                    ),
                    None => continue,
                },
                SyntaxKind::FOR_EXPR => match ast::ForExpr::cast(node.clone()) {
                    Some(expr) => (
                        expr.iterable(),
                        expr.pat().map(|p| p.syntax().clone()).into_iter().collect(),
                    ),
                    None => continue,
                },
                SyntaxKind::MATCH_EXPR => match ast::MatchExpr::cast(node.clone()) {
                    Some(expr) => (
                        expr.expr(),
                        expr.match_arm_list()
                            .map(|list| {
                                list.arms()
                                    .filter_map(|arm| arm.pat())
                                    .map(|p| p.syntax().clone())
                                    .collect()
                            })
                            .unwrap_or_default(),
                    ),
                    None => continue,
                },
                _ => continue,
            };
            let Some(source) = source else {
                continue;
            };
            if values.holds(&source) && !owns(&source) {
                let bound = patterns
                    .iter()
                    .flat_map(|p| p.descendants())
                    .filter_map(ast::IdentPat::cast)
                    .filter_map(|p| Some(p.name()?.text().to_string()));
                values.names.extend(bound);
            }
        }
        self
    }

    /// Whether the argument `arg` hands the guard, or a place inside it, to
    /// the callee: `guard`, `&mut guard`, `&mut *guard`, `&guard.stream`
    /// (not a copy such as `*guard` or a method's result).
    fn lends(&self, arg: &ast::Expr) -> bool {
        let mut expr = unparen(arg.clone());
        let borrowed = match &expr {
            ast::Expr::RefExpr(r) => match r.expr() {
                Some(inner) => {
                    expr = unparen(inner);
                    true
                }
                None => return false,
            },
            _ => false,
        };
        loop {
            if expr.syntax().text_range() == self.guard {
                return true;
            }
            let inner = match &expr {
                ast::Expr::FieldExpr(field) if borrowed => field.expr(),
                ast::Expr::IndexExpr(index) if borrowed => index.base(),
                ast::Expr::PrefixExpr(p)
                    if borrowed && p.op_kind() == Some(ast::UnaryOp::Deref) =>
                {
                    p.expr()
                }
                ast::Expr::PathExpr(_) => {
                    return local_name(&expr).is_some_and(|name| self.names.contains(&name))
                }
                _ => None,
            };
            match inner {
                Some(inner) => expr = unparen(inner),
                None => return false,
            }
        }
    }

    /// Whether `expr` is the guard or is reached from it through a chain of
    /// fields, methods, `?`, `&` and `*`, or is made by a call that is lent
    /// the guard or a value from it.
    fn holds(&self, expr: &ast::Expr) -> bool {
        let mut expr = unparen(expr.clone());
        loop {
            if expr.syntax().text_range() == self.guard {
                return true;
            }
            let inner = match &expr {
                ast::Expr::MethodCallExpr(call) => call.receiver(),
                ast::Expr::FieldExpr(field) => field.expr(),
                ast::Expr::IndexExpr(index) => index.base(),
                ast::Expr::TryExpr(t) => t.expr(),
                ast::Expr::AwaitExpr(a) => a.expr(),
                ast::Expr::RefExpr(r) => r.expr(),
                ast::Expr::PrefixExpr(p) if p.op_kind() == Some(ast::UnaryOp::Deref) => p.expr(),
                ast::Expr::PathExpr(_) => {
                    return local_name(&expr).is_some_and(|name| self.names.contains(&name))
                }
                // Made from the guard's contents: `std::mem::take(&mut *guard)`,
                // `SslStream::new(ssl, stream_taken_from_the_guard)`.
                ast::Expr::CallExpr(call) => {
                    return call
                        .arg_list()
                        .is_some_and(|args| args.args().any(|arg| self.lends(&arg)))
                }
                _ => None,
            };
            match inner {
                Some(inner) => expr = unparen(inner),
                None => return false,
            }
        }
    }
}

/// A chain ending in a method that gives an owned value.
fn owns(expr: &ast::Expr) -> bool {
    let mut expr = unparen(expr.clone());
    while let ast::Expr::TryExpr(t) = &expr {
        match t.expr() {
            Some(inner) => expr = unparen(inner),
            None => return false,
        }
    }
    match &expr {
        ast::Expr::MethodCallExpr(call) => {
            method_name(call).is_some_and(|name| OWNING.contains(&name.as_str()))
        }
        _ => false,
    }
}

/// The wait at an await point (an `.await`, or each future of a
/// `select!`/`join!`), unless it waits on the guard itself.
fn wait_at(point: &SyntaxNode, guard: &GuardValues, lookup: &Lookup<'_, '_>) -> Option<Wait> {
    let futures = match point.kind() {
        SyntaxKind::AWAIT_EXPR => vec![ast::AwaitExpr::cast(point.clone())?.expr()?],
        SyntaxKind::MACRO_CALL => {
            let call = ast::MacroCall::cast(point.clone())?;
            let branches = SelectBranch::of(&call);
            if branches.is_empty() {
                macro_args(&call)
            } else {
                branches.iter().filter_map(SelectBranch::future).collect()
            }
        }
        _ => return None,
    };
    futures
        .iter()
        .find_map(|future| future_wait(future, guard, lookup))
}

fn future_wait(future: &ast::Expr, guard: &GuardValues, lookup: &Lookup<'_, '_>) -> Option<Wait> {
    let future = strip_future_wrappers(future.clone(), lookup.imports);
    // Under a deadline, what it waits on is its future's.
    if let Some(inner) = under_deadline(&future, lookup.imports) {
        return future_wait(&inner, guard, lookup);
    }
    let receiver = match &future {
        ast::Expr::MethodCallExpr(call) => call.receiver(),
        _ => Some(future.clone()),
    };
    let on_guard = receiver.is_some_and(|r| guard.holds(&r));
    if !on_guard {
        if let Some(what) = foreign_wait(&future, lookup) {
            return Some(Wait::Direct(what));
        }
        if let Some(wait) = crate_wait(&future, lookup) {
            return Some(wait);
        }
    }
    let (callee, args) = local_call(&future)?;
    if args.iter().any(|arg| guard.lends(arg)) {
        return None;
    }
    // A method of the guarded value serialises that value: only what it
    // waits on apart from `self` (a reply from another task, a timer)
    // holds the lock's other users up.
    // A type does not keep a lock of itself: the method is of another type
    // than the one whose code took the lock.
    let holder = impl_type_around(future.syntax());
    let on = if on_guard {
        On::Guarded {
            holder: holder.as_deref(),
        }
    } else {
        On::Other
    };
    if on_guard && !matches!(future, ast::Expr::MethodCallExpr(_)) {
        return None;
    }
    let mut budget = MAX_FUNCTIONS;
    let inner = function_wait(&callee, on, lookup, CALL_DEPTH, &mut budget)?;
    Some(Wait::Through { callee, inner })
}

/// What `future` waits on outside the task, unless it calls an `async fn`
/// of the file: a local `async fn send(..)` is judged by its body, not by
/// its name.
fn foreign_wait(future: &ast::Expr, lookup: &Lookup<'_, '_>) -> Option<String> {
    if calls_async_fn_of_file(future, lookup) {
        return None;
    }
    outside_wait(future, lookup.imports, lookup.facts)
}

/// Whether `future` may call an `async fn` of this file, which the rule
/// reads itself.
fn calls_async_fn_of_file(future: &ast::Expr, lookup: &Lookup<'_, '_>) -> bool {
    local_call(future).is_some_and(|(name, _)| {
        lookup
            .cx
            .file_fact(|root, _| AsyncFns::of(root))
            .0
            .contains_key(&name)
    })
}

/// A call to a crate `async fn` of another file whose body waits outside
/// the task, as the crate's facts say (the file's own are read here, with
/// the guard in mind).
fn crate_wait(future: &ast::Expr, lookup: &Lookup<'_, '_>) -> Option<Wait> {
    if calls_async_fn_of_file(future, lookup) {
        return None;
    }
    let function = crate_function_called(future, lookup.imports)?;
    let inner = function.waits.clone().filter(|_| function.is_async)?;
    Some(Wait::Elsewhere {
        callee: function.name.clone(),
        inner,
    })
}

/// How deep calls to the file's `async fn`s are followed.
const CALL_DEPTH: usize = 3;

/// How many function bodies one question may read.
const MAX_FUNCTIONS: usize = 16;

/// The name a call calls, when it may be a function of this file (`f(..)`,
/// `Self::f(..)`, `x.f(..)`), and its arguments.
fn local_call(future: &ast::Expr) -> Option<(String, Vec<ast::Expr>)> {
    match future {
        ast::Expr::CallExpr(call) => {
            let path = callee_path(call)?;
            let local = match path.qualifier() {
                None => true,
                Some(qualifier) => matches!(
                    qualifier.syntax().text().to_string().as_str(),
                    "Self" | "self" | "super"
                ),
            };
            if !local {
                return None;
            }
            let name = path.segment()?.name_ref()?.text().to_string();
            Some((name, call.arg_list()?.args().collect()))
        }
        ast::Expr::MethodCallExpr(call) => {
            let name = method_name(call)?.to_string();
            Some((name, call.arg_list()?.args().collect()))
        }
        _ => None,
    }
}

/// The `async fn`s of the file that have a body, by name: compute once per
/// file. A trait's declaration without a body says nothing about what its
/// implementations wait on.
struct AsyncFns(HashMap<String, Vec<ast::Fn>>);

impl AsyncFns {
    fn of(root: &SyntaxNode) -> AsyncFns {
        let mut fns: HashMap<String, Vec<ast::Fn>> = HashMap::new();
        for function in root.descendants().filter_map(ast::Fn::cast) {
            if function.async_token().is_none() || function.body().is_none() {
                continue;
            }
            if let Some(name) = function.name() {
                fns.entry(name.text().to_string())
                    .or_default()
                    .push(function);
            }
        }
        AsyncFns(fns)
    }
}

/// Where the `async fn`s of the file named `name` wait outside their task
/// (directly, or through calls to such functions up to `depth` levels), and
/// on what: the first wait of the first of them, when every one of them
/// waits. This is a function's "waits" effect: the crate index plugs in
/// here, giving the bodies of functions of other files.
fn function_wait(
    name: &str,
    on: On<'_>,
    lookup: &Lookup<'_, '_>,
    depth: usize,
    budget: &mut usize,
) -> Option<InnerWait> {
    if depth == 0 {
        return None;
    }
    let fns = lookup.cx.file_fact(|root, _| AsyncFns::of(root));
    let candidates = fns.0.get(name)?;
    let mut found = None;
    for function in candidates {
        let guarded = match on {
            On::Guarded { holder } => {
                function.param_list()?.self_param()?;
                if holder.is_some() && impl_type_around(function.syntax()).as_deref() == holder {
                    return None;
                }
                Some(GuardValues::of_self(function))
            }
            On::Other => None,
        };
        let wait = body_wait(function, guarded.as_ref(), on, lookup, depth, budget)?;
        found.get_or_insert(wait);
    }
    found
}

/// Whom a called method runs on.
#[derive(Clone, Copy)]
enum On<'a> {
    /// The value the lock guards (held by code of the type `holder`): waits
    /// on `self` serialise it.
    Guarded {
        holder: Option<&'a str>,
    },
    Other,
}

/// The first wait outside the task in the body of `function`.
fn body_wait(
    function: &ast::Fn,
    guarded: Option<&GuardValues>,
    on: On<'_>,
    lookup: &Lookup<'_, '_>,
    depth: usize,
    budget: &mut usize,
) -> Option<InnerWait> {
    *budget = budget.checked_sub(1)?;
    let body = function.body()?;
    for node in same_body_nodes(body.syntax()) {
        let (range, futures) = match node.kind() {
            SyntaxKind::AWAIT_EXPR => {
                let awaited = ast::AwaitExpr::cast(node.clone())?;
                let Some(future) = awaited.expr() else {
                    continue;
                };
                (node.text_range(), vec![future])
            }
            SyntaxKind::MACRO_CALL => {
                let Some(call) = ast::MacroCall::cast(node.clone()) else {
                    continue;
                };
                if !awaits_implicitly(&call, lookup.imports) {
                    continue;
                }
                let branches = SelectBranch::of(&call);
                let futures = if branches.is_empty() {
                    macro_args(&call)
                } else {
                    branches.iter().filter_map(SelectBranch::future).collect()
                };
                (node.text_range(), futures)
            }
            _ => continue,
        };
        for future in futures {
            let future = strip_future_wrappers(future, lookup.imports);
            let receiver = match &future {
                ast::Expr::MethodCallExpr(call) => call.receiver(),
                _ => Some(future.clone()),
            };
            let on_guarded =
                guarded.is_some_and(|values| receiver.is_some_and(|r| values.holds(&r)));
            if on_guarded {
                if let (ast::Expr::MethodCallExpr(_), Some((callee, _))) =
                    (&future, local_call(&future))
                {
                    if let Some(found) = function_wait(&callee, on, lookup, depth - 1, budget) {
                        return Some(found);
                    }
                }
                continue;
            }
            if let Some(what) = foreign_wait(&future, lookup) {
                let function = function.name().map(|n| n.text().to_string());
                return Some(InnerWait {
                    range,
                    what,
                    function: function.unwrap_or_default(),
                });
            }
            let Some((callee, _)) = local_call(&future) else {
                continue;
            };
            if let Some(found) = function_wait(&callee, On::Other, lookup, depth - 1, budget) {
                return Some(found);
            }
        }
    }
    None
}
