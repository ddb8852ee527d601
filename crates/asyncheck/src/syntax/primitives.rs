//! Channel ends and the other synchronisation primitives a task can wait
//! on, recognised through the constructor that built them (`let (tx, rx) =
//! mpsc::channel(8)`, `Notify::new()`) or the type a binding, parameter or
//! field of the file declares (`rx: broadcast::Receiver<()>`).

use ra_ap_syntax::{
    ast::{self, HasArgList},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    binding_of, callee_path, chain_origin, method_name, same_body_nodes, unparen, FieldTypes,
    Imports,
};

/// The calls that take permits from a semaphore.
pub const PERMIT_METHODS: &[&str] = &[
    "acquire",
    "acquire_owned",
    "acquire_many",
    "acquire_many_owned",
    "try_acquire",
    "try_acquire_owned",
    "try_acquire_many",
    "try_acquire_many_owned",
];

/// Whether `node` is a call taking a semaphore permit, by its method name.
pub fn is_permit_call(node: &SyntaxNode) -> bool {
    ast::MethodCallExpr::cast(node.clone())
        .and_then(|call| method_name(&call))
        .is_some_and(|name| PERMIT_METHODS.contains(&name.as_str()))
}

/// Whether an async body takes a permit before anything else it awaits
/// (`let _permit = sem.acquire().await; ..`): the work it does is limited.
pub fn takes_permit_first(body: &SyntaxNode) -> bool {
    for node in same_body_nodes(body) {
        match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR if is_permit_call(&node) => return true,
            SyntaxKind::AWAIT_EXPR => return node.descendants().any(|n| is_permit_call(&n)),
            _ => {}
        }
    }
    false
}

/// What a value is, as far as waiting on it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// The sender of a bounded channel: `send(..).await` waits for room.
    BoundedSender,
    /// A sender whose sends never wait (unbounded, broadcast, watch,
    /// oneshot), or whose boundedness its type does not tell.
    OtherSender,
    /// A receiver of mpsc, broadcast, async-channel, flume or kanal:
    /// `recv()`/`recv_async()` waits for a message.
    Receiver,
    /// `watch::Receiver`: `changed()` waits for a new value.
    WatchReceiver,
    /// A oneshot receiver: awaited itself.
    OneshotReceiver,
    /// `broadcast::Sender`, whose `subscribe()` gives a receiver.
    BroadcastSender,
    /// `watch::Sender`, whose `subscribe()` gives a receiver.
    WatchSender,
    Notify,
    Semaphore,
    CancellationToken,
}

const TYPES: &[(&str, Primitive)] = &[
    ("tokio::sync::mpsc::Sender", Primitive::BoundedSender),
    ("tokio::sync::mpsc::Receiver", Primitive::Receiver),
    ("tokio::sync::mpsc::UnboundedSender", Primitive::OtherSender),
    ("tokio::sync::mpsc::UnboundedReceiver", Primitive::Receiver),
    ("tokio::sync::broadcast::Sender", Primitive::BroadcastSender),
    ("tokio::sync::broadcast::Receiver", Primitive::Receiver),
    ("tokio::sync::watch::Sender", Primitive::WatchSender),
    ("tokio::sync::watch::Receiver", Primitive::WatchReceiver),
    ("tokio::sync::oneshot::Sender", Primitive::OtherSender),
    ("tokio::sync::oneshot::Receiver", Primitive::OneshotReceiver),
    ("tokio::sync::Notify", Primitive::Notify),
    ("tokio::sync::Semaphore", Primitive::Semaphore),
    ("futures::channel::mpsc::Sender", Primitive::BoundedSender),
    (
        "futures::channel::mpsc::UnboundedSender",
        Primitive::OtherSender,
    ),
    (
        "futures::channel::oneshot::Receiver",
        Primitive::OneshotReceiver,
    ),
    ("futures_channel::mpsc::Sender", Primitive::BoundedSender),
    (
        "futures_channel::oneshot::Receiver",
        Primitive::OneshotReceiver,
    ),
    ("async_channel::Sender", Primitive::OtherSender),
    ("async_channel::Receiver", Primitive::Receiver),
    ("flume::Sender", Primitive::OtherSender),
    ("flume::Receiver", Primitive::Receiver),
    ("kanal::AsyncSender", Primitive::OtherSender),
    ("kanal::AsyncReceiver", Primitive::Receiver),
    (
        "tokio_util::sync::CancellationToken",
        Primitive::CancellationToken,
    ),
    (
        "tokio_util::sync::cancellation_token::CancellationToken",
        Primitive::CancellationToken,
    ),
];

/// Constructors of channels: the primitives of the pair they return.
const CHANNELS: &[(&str, [Primitive; 2])] = &[
    (
        "tokio::sync::mpsc::channel",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
    (
        "tokio::sync::mpsc::unbounded_channel",
        [Primitive::OtherSender, Primitive::Receiver],
    ),
    (
        "tokio::sync::broadcast::channel",
        [Primitive::BroadcastSender, Primitive::Receiver],
    ),
    (
        "tokio::sync::watch::channel",
        [Primitive::WatchSender, Primitive::WatchReceiver],
    ),
    (
        "tokio::sync::oneshot::channel",
        [Primitive::OtherSender, Primitive::OneshotReceiver],
    ),
    (
        "futures::channel::mpsc::channel",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
    (
        "futures::channel::oneshot::channel",
        [Primitive::OtherSender, Primitive::OneshotReceiver],
    ),
    (
        "futures_channel::mpsc::channel",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
    (
        "futures_channel::oneshot::channel",
        [Primitive::OtherSender, Primitive::OneshotReceiver],
    ),
    (
        "async_channel::bounded",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
    (
        "async_channel::unbounded",
        [Primitive::OtherSender, Primitive::Receiver],
    ),
    (
        "flume::bounded",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
    (
        "flume::unbounded",
        [Primitive::OtherSender, Primitive::Receiver],
    ),
    (
        "kanal::bounded_async",
        [Primitive::BoundedSender, Primitive::Receiver],
    ),
];

/// Constructors of a single primitive.
const CONSTRUCTORS: &[(&str, Primitive)] = &[
    ("tokio::sync::Notify::new", Primitive::Notify),
    ("tokio::sync::Notify::const_new", Primitive::Notify),
    ("tokio::sync::Semaphore::new", Primitive::Semaphore),
    ("tokio::sync::Semaphore::const_new", Primitive::Semaphore),
    (
        "tokio_util::sync::CancellationToken::new",
        Primitive::CancellationToken,
    ),
];

/// Bindings are followed at most this many times (`let a = rx; let b = a;`).
const MAX_HOPS: usize = 4;

/// The primitive `expr` is, looking through `&`, `.clone()`,
/// `Arc::new(..)`, a broadcast or watch sender's `subscribe()`, a token's
/// `child_token()`, local bindings (tuple patterns of a channel constructor
/// too), parameters and the file's struct fields.
pub fn primitive(expr: &ast::Expr, imports: &Imports, fields: &FieldTypes) -> Option<Primitive> {
    primitive_within(expr, imports, fields, MAX_HOPS)
}

fn primitive_within(
    expr: &ast::Expr,
    imports: &Imports,
    fields: &FieldTypes,
    hops: usize,
) -> Option<Primitive> {
    match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => primitive_within(&r.expr()?, imports, fields, hops),
        ast::Expr::MethodCallExpr(call) => {
            let inner = primitive_within(&call.receiver()?, imports, fields, hops);
            match (method_name(&call)?.as_str(), inner?) {
                ("clone", inner) => Some(inner),
                ("subscribe", Primitive::BroadcastSender) => Some(Primitive::Receiver),
                ("subscribe", Primitive::WatchSender) => Some(Primitive::WatchReceiver),
                ("child_token", Primitive::CancellationToken) => Some(Primitive::CancellationToken),
                _ => None,
            }
        }
        ast::Expr::CallExpr(call) => {
            let path = callee_path(&call)?;
            let names = super::segments(&path);
            let wraps = matches!(
                names.as_slice(),
                [.., w, c] if matches!(w.as_str(), "Arc" | "Rc" | "Box") && matches!(c.as_str(), "new" | "clone")
            );
            if wraps {
                let inner = call.arg_list()?.args().next()?;
                return primitive_within(&inner, imports, fields, hops);
            }
            let known: Vec<&str> = CONSTRUCTORS.iter().map(|(p, _)| *p).collect();
            let found = imports.resolve(&path, &known)?;
            CONSTRUCTORS
                .iter()
                .find(|(p, _)| *p == found)
                .map(|(_, k)| *k)
        }
        ast::Expr::PathExpr(path) => {
            let name = path.path()?.segment()?.name_ref()?;
            if path.path()?.qualifier().is_some() || hops == 0 {
                return None;
            }
            let binding = binding_of(&name)?;
            if let Some(found) = channel_end(&binding, imports) {
                return Some(found);
            }
            let statement = binding.syntax().parent().and_then(ast::LetStmt::cast);
            match statement {
                Some(statement) if statement.ty().is_none() => {
                    primitive_within(&statement.initializer()?, imports, fields, hops - 1)
                }
                _ => declared(expr, imports, fields),
            }
        }
        ast::Expr::FieldExpr(_) => declared(expr, imports, fields),
        _ => None,
    }
}

/// The primitive a binding, parameter or field is declared as.
fn declared(expr: &ast::Expr, imports: &Imports, fields: &FieldTypes) -> Option<Primitive> {
    let accept = |path: &str| TYPES.iter().any(|(p, _)| *p == path);
    let origin = chain_origin(expr, imports, fields, &accept)?;
    TYPES
        .iter()
        .find(|(p, _)| *p == origin.path)
        .map(|(_, k)| *k)
}

/// `tx` or `rx` of `let (tx, rx) = mpsc::channel(8);` (also with `mut`).
fn channel_end(binding: &ast::IdentPat, imports: &Imports) -> Option<Primitive> {
    let tuple = ast::TuplePat::cast(binding.syntax().parent()?)?;
    let statement = ast::LetStmt::cast(tuple.syntax().parent()?)?;
    let index = tuple
        .fields()
        .position(|field| field.syntax() == binding.syntax())?;
    let ast::Expr::CallExpr(call) = unparen(statement.initializer()?) else {
        return None;
    };
    let known: Vec<&str> = CHANNELS.iter().map(|(p, _)| *p).collect();
    let found = imports.resolve(&callee_path(&call)?, &known)?;
    let ends = CHANNELS.iter().find(|(p, _)| *p == found)?.1;
    ends.get(index).copied()
}

/// The name a receiver expression is known by: a local's, a field's or a
/// method chain's root's (`self.shutdown_rx.clone()` is `shutdown_rx`).
pub fn receiver_name(expr: &ast::Expr) -> Option<String> {
    let mut expr = unparen(expr.clone());
    loop {
        expr = match expr {
            ast::Expr::RefExpr(r) => unparen(r.expr()?),
            ast::Expr::MethodCallExpr(call) => unparen(call.receiver()?),
            ast::Expr::FieldExpr(field) => return Some(field.name_ref()?.text().to_string()),
            ast::Expr::PathExpr(path) => {
                let path = path.path()?;
                return Some(path.segment()?.name_ref()?.text().to_string());
            }
            _ => return None,
        };
    }
}
