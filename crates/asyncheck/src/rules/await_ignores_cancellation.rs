use std::collections::{HashMap, HashSet};

use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList, HasName},
    body_kind, find_binding, is_loop, is_select_macro, is_task_handle, joins_task_handles,
    label_of, local_name, method_name, primitive, receiver_name, same_body_nodes, spawn_call,
    strip_future_wrappers, unparen, AstNode, Binding, FieldTypes, Imports, Primitive, SelectBranch,
    SyntaxKind, SyntaxNode, TextRange,
};

use super::span;

pub struct AwaitIgnoresCancellation;

static META: RuleMeta = RuleMeta {
    name: "await-ignores-cancellation",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags waits on other tasks in a body that honours a shutdown signal elsewhere but not there.",
    flags: "In an `async fn`, block or closure that races a cancellation signal in a `select!` \
(a `tokio_util::sync::CancellationToken`'s `.cancelled()`, or a `recv()`/`changed()`/`notified()` \
or a oneshot receiver whose binding, field or parameter name contains `shutdown`, `cancel`, \
`stop`, `terminate`, `exit` or `close`) or in `run_until_cancelled`, an `.await` elsewhere in \
the same body (not in a nested closure or async block) on something another task controls: \
`send(..)` on a bounded channel sender, `recv()`/`recv_async()` on a channel receiver, \
`changed()` on a `watch::Receiver`, a oneshot receiver or a task's `JoinHandle` awaited (also \
all of them at once: `join_all(handles)`), \
`Notify::notified()`, `Semaphore::acquire*`. Channel ends and primitives are known by their \
constructor (`let (tx, rx) = mpsc::channel(8)`, `Notify::new()`, `subscribe()`) or by the type \
of a binding, parameter or field of the file. Not flagged: futures raced in the `select!` or \
under a timeout (they are not awaited directly), awaits in the signal's own handler or after a \
`loop` that only the signal's handler leaves (the drain after shutdown), awaits on the signal \
itself, lock acquisitions and `missing-timeout`'s network operations.",
    why: "A task that races its shutdown signal in one place and then awaits a channel, a \
handle or a permit in another only honours shutdown half the time: when the signal fires while \
the task is parked on the other await (a full channel whose consumer already stopped, a reply \
that never comes), the task never sees it and shutdown hangs. Race each such wait against the \
signal too, or give it a timeout.",
    example: r#"use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

async fn forward(
    token: CancellationToken,
    mut input: mpsc::Receiver<String>,
    output: mpsc::Sender<String>,
) {
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            Some(line) = input.recv() => {
                // Waits for room in the channel: shutdown is not seen here.
                if output.send(line).await.is_err() { //~ await-ignores-cancellation
                    break;
                }
            }
        }
    }
}
"#,
    use_instead: r#"use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

async fn forward(
    token: CancellationToken,
    mut input: mpsc::Receiver<String>,
    output: mpsc::Sender<String>,
) {
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            Some(line) = input.recv() => {
                tokio::select! {
                    _ = token.cancelled() => break,
                    sent = output.send(line) => if sent.is_err() { break },
                }
            }
        }
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["uncancellable-loop", "missing-timeout"],
    clippy_twins: &[],
};

/// Words that make a receiver's name a shutdown signal.
const SIGNAL_WORDS: &[&str] = &["shutdown", "cancel", "stop", "terminate", "exit", "close"];

impl Rule for AwaitIgnoresCancellation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[
            SyntaxKind::FN,
            SyntaxKind::BLOCK_EXPR,
            SyntaxKind::CLOSURE_EXPR,
        ]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if !body_kind(node).is_some_and(|kind| kind.is_async()) {
            return;
        }
        let mut selects = Vec::new();
        let mut awaits = Vec::new();
        let mut races = Vec::new();
        let mut bound_here = HashSet::new();
        // Parameters mean the same value everywhere in the body.
        let params = node
            .children()
            .find(|c| c.kind() == SyntaxKind::PARAM_LIST)
            .map(|list| list.text_range());
        for inner in same_body_nodes(node) {
            match inner.kind() {
                SyntaxKind::IDENT_PAT
                    if !params.is_some_and(|p| p.contains_range(inner.text_range())) =>
                {
                    bound_here.extend(
                        ast::IdentPat::cast(inner)
                            .and_then(|p| p.name())
                            .map(|n| n.text().to_string()),
                    );
                }
                SyntaxKind::MACRO_CALL => selects
                    .extend(ast::MacroCall::cast(inner).filter(|m| is_select_macro(m, cx.imports))),
                SyntaxKind::AWAIT_EXPR => awaits.extend(ast::AwaitExpr::cast(inner)),
                SyntaxKind::METHOD_CALL_EXPR => races.extend(
                    ast::MethodCallExpr::cast(inner)
                        .filter(|call| {
                            method_name(call).is_some_and(|name| {
                                matches!(
                                    name.as_str(),
                                    "run_until_cancelled" | "run_until_cancelled_owned"
                                )
                            })
                        })
                        .map(|call| call.syntax().text_range()),
                ),
                _ => {}
            }
        }
        if awaits.is_empty() || (selects.is_empty() && races.is_empty()) {
            return;
        }
        let fields = cx.file_fact(|root, _| FieldTypes::of(root));
        let signals = Signals::of(&selects, cx.imports, &fields);
        let Some(raced_at) = signals.futures.first().copied().or(races.first().copied()) else {
            return;
        };
        let mut receivers = Receivers {
            imports: cx.imports,
            fields: &fields,
            bound_here,
            known: HashMap::new(),
        };
        for awaited in awaits {
            let Some((wait, what)) = wait_of(&awaited, &mut receivers) else {
                continue;
            };
            if signals.covers(wait.syntax()) {
                continue;
            }
            cx.report(
                Finding::new(
                    span(wait.syntax().text_range()),
                    format!("this awaits {what}, which another task controls, while the shutdown signal raced elsewhere in this body is not raced here: shutdown hangs if the signal fires while the task waits"),
                )
                .label(span(raced_at), "shutdown is honoured here")
                .help("race this wait against the signal too (`tokio::select!` with the token's `cancelled()` or the shutdown receiver), or put it under `tokio::time::timeout`"),
            );
        }
    }
}

/// Where a body races its cancellation signal, and the code that only runs
/// once the signal has fired.
#[derive(Default)]
struct Signals {
    /// The signal futures of `select!` branches.
    futures: Vec<TextRange>,
    /// Handlers of signal branches, and the code after a `loop` that only a
    /// signal branch's handler leaves.
    after_signal: Vec<TextRange>,
    /// Futures raced in a `select!` that has a signal branch.
    raced: Vec<TextRange>,
}

impl Signals {
    fn of(selects: &[ast::MacroCall], imports: &Imports, fields: &FieldTypes) -> Signals {
        let mut signals = Signals::default();
        let mut loops: Vec<SyntaxNode> = Vec::new();
        for select in selects.iter().take(MAX_SELECTS) {
            let branches = SelectBranch::of(select);
            let handlers: Vec<TextRange> = branches
                .iter()
                .filter(|b| b.future().is_some_and(|f| is_signal(&f, imports, fields)))
                .filter_map(|b| Some(b.handler()?.syntax().text_range()))
                .collect();
            if handlers.is_empty() {
                continue;
            }
            for branch in &branches {
                if let Some(future) = branch.future() {
                    if is_signal(&future, imports, fields) {
                        signals.futures.push(future.syntax().text_range());
                    }
                    signals.raced.push(future.syntax().text_range());
                }
            }
            let looped = select
                .syntax()
                .ancestors()
                .take_while(|a| body_kind(a).is_none())
                .find(is_loop);
            if let Some(looped) = looped.filter(|l| !loops.contains(l)) {
                loops.push(looped);
            }
            signals.after_signal.extend(handlers);
        }
        // Every signal handler is known now: a loop may have several.
        let handlers = signals.after_signal.clone();
        for looped in &loops {
            if let Some(after) = after_signal_only_loop(looped, &handlers) {
                signals.after_signal.push(after);
            }
        }
        signals
    }

    fn covers(&self, node: &SyntaxNode) -> bool {
        let at = node.text_range();
        self.raced
            .iter()
            .chain(&self.after_signal)
            .any(|range| range.contains_range(at))
    }
}

/// A future that completes on cancellation: a `CancellationToken`'s
/// `cancelled()`, or a receiver named for shutdown (its `recv()`,
/// `changed()`, `notified()`, `wait_for(..)`, a method named for shutdown
/// too, or itself, as a oneshot receiver or a pinned signal future is
/// polled).
fn is_signal(future: &ast::Expr, imports: &Imports, fields: &FieldTypes) -> bool {
    let future = unref(strip_future_wrappers(future.clone(), imports));
    let (receiver, method) = match &future {
        ast::Expr::MethodCallExpr(call) => match (call.receiver(), method_name(call)) {
            (Some(receiver), Some(name)) => (receiver, Some(name)),
            _ => return false,
        },
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => (future.clone(), None),
        _ => return false,
    };
    let known = primitive(&receiver, imports, fields);
    let named = receiver_name(&receiver).is_some_and(|name| is_signal_name(&name));
    match method.as_deref() {
        // Only `CancellationToken` has these: a token whose type another file
        // declares counts too.
        Some("cancelled" | "cancelled_owned") => {
            matches!(known, None | Some(Primitive::CancellationToken))
        }
        Some("recv" | "changed" | "notified" | "wait_for") => {
            named
                && matches!(
                    known,
                    None | Some(Primitive::Receiver | Primitive::WatchReceiver | Primitive::Notify)
                )
        }
        None => named && matches!(known, None | Some(Primitive::OneshotReceiver)),
        // A shutdown type of the project's own: `shutdown.wait_for_shutdown()`.
        Some(other) => named && known.is_none() && is_signal_name(other),
    }
}

fn is_signal_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SIGNAL_WORDS.iter().any(|word| name.contains(word))
}

fn unref(expr: ast::Expr) -> ast::Expr {
    match &expr {
        ast::Expr::RefExpr(r) => r.expr().map(unparen).unwrap_or(expr),
        _ => expr,
    }
}

/// What an awaited expression waits on, when another task controls it: the
/// node to report and a description. This is the per-await fact the crate
/// index would extend: an awaited call to a crate `async fn` whose effects
/// include one of these waits, and receivers whose field types another file
/// declares (through [`primitive`]).
fn wait_of(
    awaited: &ast::AwaitExpr,
    receivers: &mut Receivers<'_>,
) -> Option<(ast::Expr, &'static str)> {
    let imports = receivers.imports;
    let future = strip_future_wrappers(awaited.expr()?, imports);
    let what = match &future {
        ast::Expr::MethodCallExpr(call) => {
            let receiver = call.receiver()?;
            if receiver_name(&receiver).is_some_and(|name| is_signal_name(&name)) {
                return None;
            }
            let known = receivers.primitive(&receiver)?;
            match (method_name(call)?.as_str(), known) {
                ("send", Primitive::BoundedSender) => "room in a bounded channel",
                ("recv" | "recv_async", Primitive::Receiver) => "a message on a channel",
                ("changed", Primitive::WatchReceiver) => "a change of a `watch` value",
                ("notified", Primitive::Notify) => "a `Notify`",
                (
                    "acquire" | "acquire_owned" | "acquire_many" | "acquire_many_owned",
                    Primitive::Semaphore,
                ) => "a semaphore permit",
                _ => return None,
            }
        }
        _ => {
            let inner = unref(future.clone());
            if receiver_name(&inner).is_some_and(|name| is_signal_name(&name)) {
                return None;
            }
            if is_task_handle(&future, imports)
                && !runs_own_work(&future, imports)
                && !stopped_just_before(awaited.syntax())
            {
                "a task's `JoinHandle`"
            } else if joins_task_handles(&future, imports) {
                "every task of a `join_all` over `JoinHandle`s"
            } else if receivers.primitive(&inner) == Some(Primitive::OneshotReceiver) {
                "a oneshot reply"
            } else {
                return None;
            }
        }
    };
    Some((future, what))
}

/// The primitives of the receivers awaited in one body, remembered by their
/// text where every mention stands for the same value: a field of `self`
/// (`self.tx`), or a name that no pattern of the body binds (a parameter, a
/// capture). A body awaiting one channel a thousand times resolves it once.
struct Receivers<'a> {
    imports: &'a Imports,
    fields: &'a FieldTypes,
    /// The names patterns of the body bind.
    bound_here: HashSet<String>,
    known: HashMap<String, Option<Primitive>>,
}

impl Receivers<'_> {
    fn primitive(&mut self, receiver: &ast::Expr) -> Option<Primitive> {
        let Some(key) = self.stable_key(receiver) else {
            return primitive(receiver, self.imports, self.fields);
        };
        if let Some(known) = self.known.get(&key) {
            return *known;
        }
        let found = primitive(receiver, self.imports, self.fields);
        self.known.insert(key, found);
        found
    }

    fn stable_key(&self, receiver: &ast::Expr) -> Option<String> {
        match unparen(receiver.clone()) {
            ast::Expr::PathExpr(_) => {
                let name = local_name(receiver)?;
                (!self.bound_here.contains(&name)).then_some(name)
            }
            ast::Expr::FieldExpr(field) => {
                let base = field.expr()?;
                (base.syntax().text() == "self").then(|| field.syntax().text().to_string())
            }
            _ => None,
        }
    }
}

/// A task handle awaited where it is spawned (`spawn_blocking(..).await`),
/// or a `spawn_blocking` handle: the task runs this body's own work, which
/// racing the signal would not stop.
fn runs_own_work(handle: &ast::Expr, imports: &Imports) -> bool {
    let handle = unparen(handle.clone());
    if spawn_call(handle.syntax(), imports).is_some() {
        return true;
    }
    let Some(name) = local_name(&handle) else {
        return false;
    };
    let Some(Binding::Let(binding)) = find_binding(handle.syntax(), &name) else {
        return false;
    };
    binding
        .initializer()
        .and_then(|init| spawn_call(unparen(init).syntax(), imports))
        .is_some_and(|spawn| spawn.blocking)
}

/// At most this many `select!`s of a body are read for a signal: the work
/// per await stays bounded.
const MAX_SELECTS: usize = 32;

/// A statement before a join is read this far for a shutdown it fires.
const MAX_STATEMENT_NODES: usize = 512;

/// Methods that fire a shutdown signal: on a sender named for shutdown.
const SIGNALLING: &[&str] = &[
    "send",
    "send_replace",
    "notify_one",
    "notify_waiters",
    "close",
    "trigger",
];

/// At most this many statements before a join are searched for the
/// shutdown it waits on.
const MAX_STATEMENTS_BACK: usize = 8;

/// Whether a statement shortly before `node` in its block tells a task to
/// stop (`token.cancel()`, `shutdown_tx.send(())`, `drop(stop_tx)`): joining
/// the task then is the drain of a shutdown this body started.
fn stopped_just_before(node: &SyntaxNode) -> bool {
    let Some(statement) = node
        .ancestors()
        .take_while(|a| body_kind(a).is_none())
        .find(|a| {
            a.parent()
                .is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST)
        })
    else {
        return false;
    };
    std::iter::successors(statement.prev_sibling(), |s| s.prev_sibling())
        .take(MAX_STATEMENTS_BACK)
        .flat_map(|s| s.descendants().take(MAX_STATEMENT_NODES))
        .any(|n| match n.kind() {
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(n).is_some_and(|call| {
                let Some(name) = method_name(&call) else {
                    return false;
                };
                let signals = call
                    .receiver()
                    .and_then(|r| receiver_name(&r))
                    .is_some_and(|name| is_signal_name(&name));
                name == "cancel" || (signals && SIGNALLING.contains(&name.as_str()))
            }),
            SyntaxKind::CALL_EXPR => ast::CallExpr::cast(n).is_some_and(|call| {
                let is_drop = call
                    .expr()
                    .is_some_and(|callee| callee.syntax().text() == "drop");
                is_drop
                    && call
                        .arg_list()
                        .and_then(|args| args.args().next())
                        .and_then(|arg| receiver_name(&arg))
                        .is_some_and(|name| is_signal_name(&name))
            }),
            _ => false,
        })
}

/// The code that follows `looped` (a `loop` around a signal's `select!`) in
/// its block, when the loop is left only from `handlers` (the signals'): it
/// runs only once a signal has fired.
fn after_signal_only_loop(looped: &SyntaxNode, handlers: &[TextRange]) -> Option<TextRange> {
    if looped.kind() != SyntaxKind::LOOP_EXPR {
        return None;
    }
    let label = label_of(looped);
    let leaves_elsewhere = same_body_nodes(looped)
        .filter(|n| n.kind() == SyntaxKind::BREAK_EXPR)
        .filter(|n| breaks_out_of(n, looped, label.as_deref()))
        .any(|n| !handlers.iter().any(|h| h.contains_range(n.text_range())));
    if leaves_elsewhere {
        return None;
    }
    let statement = looped.ancestors().find(|a| {
        a.parent()
            .is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST)
    })?;
    let block = statement.parent()?;
    let end = block.text_range().end();
    let start = statement.text_range().end();
    (start <= end).then(|| TextRange::new(start, end))
}

/// Whether `jump` (a `break`) leaves `looped`: it names its label, or has
/// none and `looped` is the innermost loop around it.
fn breaks_out_of(jump: &SyntaxNode, looped: &SyntaxNode, label: Option<&str>) -> bool {
    let named = jump
        .children()
        .find_map(ast::Lifetime::cast)
        .map(|l| l.syntax().text().to_string());
    match named {
        Some(named) => Some(named.as_str()) == label,
        None => jump.ancestors().skip(1).find(is_loop).as_ref() == Some(looped),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A body with thousands of `select!`s and awaits stays fast.
    #[test]
    fn long_bodies_stay_fast() {
        let mut text = String::from(
            "use tokio::sync::mpsc;\nuse tokio_util::sync::CancellationToken;\nasync fn f(token: CancellationToken, tx: mpsc::Sender<u8>, mut rx: mpsc::Receiver<u8>) {\n    loop {\n",
        );
        for _ in 0..4_000 {
            text.push_str(
                "        tokio::select! { _ = token.cancelled() => break, _ = rx.recv() => {} }\n",
            );
            text.push_str("        tx.send(1).await.ok();\n");
        }
        text.push_str("    }\n}\n");
        let checked = crate::rules::check_large("await-ignores-cancellation", text);
        assert!(checked.0 < Duration::from_secs(10), "took {:?}", checked.0);
        assert_eq!(checked.1, 4_000);
    }
}
