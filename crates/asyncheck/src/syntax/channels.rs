//! Channel ends and the operations on them that fail once the other end is
//! gone: which `.unwrap()`/`.expect(..)` panics on a closed channel.

use std::rc::Rc;

use ra_ap_syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    binding_of, callee_path, crate_function_called, descendants_of_kind, enclosing_body,
    future_inside, is_loop, method_name, pattern_field, type_path, under_deadline, unparen,
    value_use, variant_field, FieldTypes, Imports, Mention, Names, SelectBranch, ValueUse,
};

/// Bindings are followed at most this many times (`let tx2 = tx.clone();`).
const MAX_HOPS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    TokioMpsc,
    TokioOneshot,
    TokioBroadcast,
    TokioWatch,
    FuturesMpsc,
    FuturesOneshot,
    AsyncChannel,
    Flume,
    Crossbeam,
    Std,
    /// A crate type wrapping a channel end, whose operation returns the
    /// channel's own error (`fn send(&self, e: Event) -> Result<(), SendError<Event>>`).
    Wrapped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

/// Constructors returning `(sender, receiver)`.
const CONSTRUCTORS: &[(&str, ChannelKind)] = &[
    ("tokio::sync::mpsc::channel", ChannelKind::TokioMpsc),
    (
        "tokio::sync::mpsc::unbounded_channel",
        ChannelKind::TokioMpsc,
    ),
    ("tokio::sync::oneshot::channel", ChannelKind::TokioOneshot),
    (
        "tokio::sync::broadcast::channel",
        ChannelKind::TokioBroadcast,
    ),
    ("tokio::sync::watch::channel", ChannelKind::TokioWatch),
    ("futures::channel::mpsc::channel", ChannelKind::FuturesMpsc),
    (
        "futures::channel::mpsc::unbounded",
        ChannelKind::FuturesMpsc,
    ),
    ("futures_channel::mpsc::channel", ChannelKind::FuturesMpsc),
    ("futures_channel::mpsc::unbounded", ChannelKind::FuturesMpsc),
    (
        "futures::channel::oneshot::channel",
        ChannelKind::FuturesOneshot,
    ),
    (
        "futures_channel::oneshot::channel",
        ChannelKind::FuturesOneshot,
    ),
    ("async_channel::bounded", ChannelKind::AsyncChannel),
    ("async_channel::unbounded", ChannelKind::AsyncChannel),
    ("flume::bounded", ChannelKind::Flume),
    ("flume::unbounded", ChannelKind::Flume),
    ("crossbeam_channel::bounded", ChannelKind::Crossbeam),
    ("crossbeam_channel::unbounded", ChannelKind::Crossbeam),
    ("crossbeam::channel::bounded", ChannelKind::Crossbeam),
    ("crossbeam::channel::unbounded", ChannelKind::Crossbeam),
    ("std::sync::mpsc::channel", ChannelKind::Std),
    ("std::sync::mpsc::sync_channel", ChannelKind::Std),
];

/// The types of channel ends, as fields and parameters declare them.
const TYPES: &[(&str, ChannelKind, Side)] = &[
    (
        "tokio::sync::mpsc::Sender",
        ChannelKind::TokioMpsc,
        Side::Sender,
    ),
    (
        "tokio::sync::mpsc::UnboundedSender",
        ChannelKind::TokioMpsc,
        Side::Sender,
    ),
    (
        "tokio::sync::mpsc::Receiver",
        ChannelKind::TokioMpsc,
        Side::Receiver,
    ),
    (
        "tokio::sync::mpsc::UnboundedReceiver",
        ChannelKind::TokioMpsc,
        Side::Receiver,
    ),
    (
        "tokio::sync::oneshot::Sender",
        ChannelKind::TokioOneshot,
        Side::Sender,
    ),
    (
        "tokio::sync::oneshot::Receiver",
        ChannelKind::TokioOneshot,
        Side::Receiver,
    ),
    (
        "tokio::sync::broadcast::Sender",
        ChannelKind::TokioBroadcast,
        Side::Sender,
    ),
    (
        "tokio::sync::broadcast::Receiver",
        ChannelKind::TokioBroadcast,
        Side::Receiver,
    ),
    (
        "tokio::sync::watch::Sender",
        ChannelKind::TokioWatch,
        Side::Sender,
    ),
    (
        "tokio::sync::watch::Receiver",
        ChannelKind::TokioWatch,
        Side::Receiver,
    ),
    (
        "futures::channel::mpsc::Sender",
        ChannelKind::FuturesMpsc,
        Side::Sender,
    ),
    (
        "futures::channel::mpsc::UnboundedSender",
        ChannelKind::FuturesMpsc,
        Side::Sender,
    ),
    (
        "futures::channel::mpsc::Receiver",
        ChannelKind::FuturesMpsc,
        Side::Receiver,
    ),
    (
        "futures::channel::mpsc::UnboundedReceiver",
        ChannelKind::FuturesMpsc,
        Side::Receiver,
    ),
    (
        "futures_channel::mpsc::Sender",
        ChannelKind::FuturesMpsc,
        Side::Sender,
    ),
    (
        "futures_channel::mpsc::UnboundedSender",
        ChannelKind::FuturesMpsc,
        Side::Sender,
    ),
    (
        "futures_channel::mpsc::Receiver",
        ChannelKind::FuturesMpsc,
        Side::Receiver,
    ),
    (
        "futures_channel::mpsc::UnboundedReceiver",
        ChannelKind::FuturesMpsc,
        Side::Receiver,
    ),
    (
        "futures::channel::oneshot::Sender",
        ChannelKind::FuturesOneshot,
        Side::Sender,
    ),
    (
        "futures_channel::oneshot::Sender",
        ChannelKind::FuturesOneshot,
        Side::Sender,
    ),
    (
        "async_channel::Sender",
        ChannelKind::AsyncChannel,
        Side::Sender,
    ),
    (
        "async_channel::Receiver",
        ChannelKind::AsyncChannel,
        Side::Receiver,
    ),
    ("flume::Sender", ChannelKind::Flume, Side::Sender),
    ("flume::Receiver", ChannelKind::Flume, Side::Receiver),
    (
        "crossbeam_channel::Sender",
        ChannelKind::Crossbeam,
        Side::Sender,
    ),
    (
        "crossbeam_channel::Receiver",
        ChannelKind::Crossbeam,
        Side::Receiver,
    ),
    (
        "crossbeam::channel::Sender",
        ChannelKind::Crossbeam,
        Side::Sender,
    ),
    (
        "crossbeam::channel::Receiver",
        ChannelKind::Crossbeam,
        Side::Receiver,
    ),
    ("std::sync::mpsc::Sender", ChannelKind::Std, Side::Sender),
    (
        "std::sync::mpsc::SyncSender",
        ChannelKind::Std,
        Side::Sender,
    ),
    (
        "std::sync::mpsc::Receiver",
        ChannelKind::Std,
        Side::Receiver,
    ),
];

/// A known channel end.
#[derive(Debug, Clone)]
pub struct ChannelEnd {
    pub kind: ChannelKind,
    pub side: Side,
    /// Who holds the opposite end, when we know.
    pub other_end: Option<OtherEnd>,
}

#[derive(Debug, Clone)]
pub enum OtherEnd {
    /// The pattern binding it, when this end comes from the same
    /// `let (tx, rx) = channel(..)` (directly, or through `clone()` and
    /// `subscribe()`).
    Local(ast::Pat),
    /// This end is a struct field, and the same struct has a field holding
    /// the opposite end of the same kind of channel (not in an `Option`,
    /// from which it could be taken): while the struct lives, so does it.
    SameStruct,
}

/// A channel operation whose result is unwrapped.
#[derive(Debug, Clone)]
pub struct ChannelUnwrap {
    /// `send`, `recv`, `changed`, ..., or `await` for an awaited receiver.
    pub operation: String,
    pub end: ChannelEnd,
}

/// The file facts a channel end is recognised through, computed only when
/// needed (see `Context::file_fact`).
pub struct ChannelFacts<'a> {
    pub fields: &'a dyn Fn() -> Rc<FieldTypes>,
    pub names: &'a dyn Fn() -> Rc<Names>,
}

/// Whether `call` is an `.unwrap()` or `.expect(..)` that panics when a
/// channel closes: its receiver is a channel operation that fails once the
/// other end is gone (a send, a receive, a oneshot receiver awaited,
/// `changed()`), on a known channel end, and that end does not come from a
/// `channel()` call of the same body that still owns the other end, nor
/// from a struct that holds the other end too (which then cannot be gone;
/// a broadcast receive still fails when it lags). `try_send`/`try_recv` are not counted: a full or
/// empty channel is not a closed one.
pub fn closed_channel_unwrap(
    call: &ast::MethodCallExpr,
    imports: &Imports,
    facts: &ChannelFacts<'_>,
) -> Option<ChannelUnwrap> {
    let args = call.arg_list()?.args().count();
    match (method_name(call)?.as_str(), args) {
        ("unwrap", 0) | ("expect", 1) => {}
        _ => return None,
    }
    let (operation, end_expr) = operation(&call.receiver()?, imports)
        .or_else(|| bound_result(call, imports, &(facts.names)()))?;
    let end = channel_end(&end_expr, imports, facts, MAX_HOPS)
        .or_else(|| wrapped_end(&end_expr, imports))?;
    if !performs(end.kind, end.side, &operation) {
        return None;
    }
    // A broadcast receive also fails when it lags, whoever owns the sender.
    let lags = end.kind == ChannelKind::TokioBroadcast && end.side == Side::Receiver;
    let owned = !lags
        && match &end.other_end {
            Some(OtherEnd::Local(other)) => owned_here(other, call.syntax(), &(facts.names)()),
            Some(OtherEnd::SameStruct) => true,
            None => false,
        };
    (!owned).then_some(ChannelUnwrap { operation, end })
}

/// The end a crate type wrapping a channel is, when the method called on
/// `end` is the crate's and fails with a channel's error: `SendError` for a
/// sender, `RecvError` for a receiver.
fn wrapped_end(end: &ast::Expr, imports: &Imports) -> Option<ChannelEnd> {
    let operation = ast::MethodCallExpr::cast(end.syntax().parent()?)?;
    let function = crate_function_called(&ast::Expr::MethodCallExpr(operation), imports)?;
    let side = match function.returns_err.as_deref()? {
        "SendError" => Side::Sender,
        "RecvError" => Side::Receiver,
        _ => return None,
    };
    Some(ChannelEnd {
        kind: ChannelKind::Wrapped,
        side,
        other_end: None,
    })
}

/// The operation an unwrapped expression is, and the channel end it is
/// performed on: `end.op(..)`, `end.op(..).await`, or `end.await`.
fn operation(result: &ast::Expr, imports: &Imports) -> Option<(String, ast::Expr)> {
    match unparen(result.clone()) {
        ast::Expr::AwaitExpr(awaited) => awaited_operation(awaited.expr()?, imports),
        // `timeout(d, rx.recv()).await?`: what the operation gave in time.
        ast::Expr::TryExpr(timed) => in_time(&timed.expr()?, imports),
        ast::Expr::MethodCallExpr(op) => {
            let name = method_name(&op)?;
            if matches!(name.as_str(), "unwrap" | "expect") {
                return in_time(&op.receiver()?, imports);
            }
            // Only these fail without being awaited; the async ones are
            // futures until awaited.
            if !matches!(name.as_str(), "send" | "recv" | "blocking_send") {
                return None;
            }
            Some((name.to_string(), op.receiver()?))
        }
        _ => None,
    }
}

/// The operation an awaited future is, and the channel end it is
/// performed on.
fn awaited_operation(future: ast::Expr, imports: &Imports) -> Option<(String, ast::Expr)> {
    match future_inside(future, imports) {
        ast::Expr::MethodCallExpr(op) => Some((method_name(&op)?.to_string(), op.receiver()?)),
        end @ (ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) | ast::Expr::RefExpr(_)) => {
            Some(("await".to_owned(), end))
        }
        _ => None,
    }
}

/// The operation a deadline was put on, when `timed` awaits one
/// (`timeout(d, rx.recv()).await`): its `Ok` holds the operation's result.
fn in_time(timed: &ast::Expr, imports: &Imports) -> Option<(String, ast::Expr)> {
    let timed = match unparen(timed.clone()) {
        // `timeout(d, rx).await.ok()?`: the same `Ok`, as an `Option`.
        ast::Expr::MethodCallExpr(call)
            if method_name(&call)
                .is_some_and(|n| matches!(n.as_str(), "ok" | "map_err" | "context")) =>
        {
            call.receiver()?
        }
        timed => timed,
    };
    let ast::Expr::AwaitExpr(awaited) = unparen(timed) else {
        return None;
    };
    awaited_operation(under_deadline(&awaited.expr()?, imports)?, imports)
}

/// The operation whose result a plain local holds, when it is unwrapped
/// through that local: `let r = rx.recv().await;` or a `select!` branch
/// `r = rx.recv() => r.unwrap()` (the branch awaits its future). Only when
/// the unwrap is the local's one use (a `debug_assert!` aside, which does not
/// guard release builds): a local checked first (`if r.is_err()`) is not
/// unwrapped blindly.
fn bound_result(
    call: &ast::MethodCallExpr,
    imports: &Imports,
    names: &Names,
) -> Option<(String, ast::Expr)> {
    let ast::Expr::PathExpr(local) = unparen(call.receiver()?) else {
        return None;
    };
    let path = local.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    let pattern = binding_of(&path.segment()?.name_ref()?)?;
    let only_use = names
        .mentions(&pattern)
        .iter()
        .all(|mention| match mention {
            Mention::Path(other) => other == &local || in_debug_assert(other.syntax()),
            Mention::FormatCapture(_) | Mention::Unparsed(_) => false,
        });
    if !only_use {
        return None;
    }
    let parent = pattern.syntax().parent()?;
    match parent.kind() {
        SyntaxKind::LET_STMT => {
            let statement = ast::LetStmt::cast(parent)?;
            if statement.ty().is_some() || statement.let_else().is_some() {
                return None;
            }
            operation(&statement.initializer()?, imports)
        }
        SyntaxKind::MATCH_ARM => {
            let future = SelectBranch::of_arm(&parent)?.future()?;
            match unparen(future) {
                ast::Expr::MethodCallExpr(op) => {
                    Some((method_name(&op)?.to_string(), op.receiver()?))
                }
                end @ (ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_)) => {
                    Some(("await".to_owned(), end))
                }
                ast::Expr::RefExpr(end) => Some(("await".to_owned(), end.expr()?)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn in_debug_assert(node: &SyntaxNode) -> bool {
    node.ancestors()
        .filter_map(ast::MacroCall::cast)
        .filter_map(|m| m.path()?.segment()?.name_ref())
        .any(|name| name.text().starts_with("debug_assert"))
}

/// Whether the operation exists on that end and fails when the channel is
/// closed.
fn performs(kind: ChannelKind, side: Side, operation: &str) -> bool {
    use ChannelKind::*;
    match (side, operation) {
        (Side::Sender, "send") => true,
        (Side::Sender, "send_async") | (Side::Receiver, "recv_async") => kind == Flume,
        (Side::Sender, "blocking_send") => kind == TokioMpsc,
        (Side::Receiver, "recv") => !matches!(kind, TokioOneshot | TokioWatch | FuturesOneshot),
        (Side::Receiver, "changed") => kind == TokioWatch,
        (Side::Receiver, "await") => kind == TokioOneshot,
        _ => false,
    }
}

/// What channel end `expr` is: a local bound from a constructor (or a
/// clone, or a broadcast `subscribe()`), a typed local or parameter, or a
/// field of a struct of the file.
fn channel_end(
    expr: &ast::Expr,
    imports: &Imports,
    facts: &ChannelFacts<'_>,
    hops: usize,
) -> Option<ChannelEnd> {
    match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => channel_end(&r.expr()?, imports, facts, hops),
        ast::Expr::CallExpr(_) => returned_end(expr, imports),
        ast::Expr::MethodCallExpr(call) => {
            let Some(of) = channel_end(&call.receiver()?, imports, facts, hops) else {
                return returned_end(expr, imports);
            };
            let args = call.arg_list()?.args().count();
            match (method_name(&call)?.as_str(), args) {
                ("clone", 0) => Some(of),
                // An end kept in an `Option` (a field taken when the task
                // starts): what these give is the end itself.
                ("take" | "unwrap" | "as_mut" | "as_ref", 0) | ("expect", 1) => Some(of),
                ("subscribe", 0)
                    if of.kind == ChannelKind::TokioBroadcast && of.side == Side::Sender =>
                {
                    // The sender it was called on is the other end, when
                    // it comes from a `channel()` call itself.
                    let other_end = match of.other_end {
                        Some(OtherEnd::Local(_)) => {
                            local_pattern(&call.receiver()?).map(OtherEnd::Local)
                        }
                        held => held,
                    };
                    Some(ChannelEnd {
                        side: Side::Receiver,
                        other_end,
                        ..of
                    })
                }
                ("resubscribe", 0) if of.side == Side::Receiver => Some(of),
                _ => None,
            }
        }
        ast::Expr::FieldExpr(field) => {
            let path = (facts.fields)().accepted(&field, imports, &is_channel_type)?;
            let mut end = typed_end(&path)?;
            if struct_holds_other_end(&field, &end, imports) {
                end.other_end = Some(OtherEnd::SameStruct);
            }
            Some(end)
        }
        ast::Expr::PathExpr(path) => {
            let name_ref = path.path()?.segment()?.name_ref()?;
            if path.path()?.qualifier().is_some() || hops == 0 {
                return None;
            }
            let pattern = binding_of(&name_ref)?;
            bound_end(&pattern, imports, facts, hops - 1)
        }
        _ => None,
    }
}

/// The end a crate function called at `call` returns, by its declared
/// return type (`fn start() -> mpsc::Sender<Job>`).
fn returned_end(call: &ast::Expr, imports: &Imports) -> Option<ChannelEnd> {
    crate_function_called(call, imports)?
        .returns_paths
        .iter()
        .find_map(|path| typed_end(path))
}

/// The channel end a local's pattern binds.
fn bound_end(
    pattern: &ast::IdentPat,
    imports: &Imports,
    facts: &ChannelFacts<'_>,
    hops: usize,
) -> Option<ChannelEnd> {
    let parent = pattern.syntax().parent()?;
    match parent.kind() {
        SyntaxKind::TUPLE_PAT => {
            let tuple = ast::TuplePat::cast(parent.clone())?;
            let Some(statement) = ast::LetStmt::cast(parent.parent()?) else {
                return received_element(pattern, &tuple, imports, facts, hops);
            };
            let fields: Vec<ast::Pat> = tuple.fields().collect();
            let [sender, receiver] = fields.as_slice() else {
                return None;
            };
            let ast::Expr::CallExpr(call) = unparen(statement.initializer()?) else {
                return None;
            };
            if let Some(end) = paired_end(&call, imports) {
                return (receiver.syntax() == pattern.syntax()).then_some(end);
            }
            let kind = constructor_kind(&call, imports)?;
            let (side, other_end) = if sender.syntax() == pattern.syntax() {
                (Side::Sender, receiver.clone())
            } else {
                (Side::Receiver, sender.clone())
            };
            Some(ChannelEnd {
                kind,
                side,
                other_end: Some(OtherEnd::Local(other_end)),
            })
        }
        SyntaxKind::LET_STMT => {
            let statement = ast::LetStmt::cast(parent)?;
            if let Some(ty) = statement.ty() {
                return typed_end(&type_path(&ty, imports, &is_channel_type)?);
            }
            channel_end(&statement.initializer()?, imports, facts, hops)
        }
        SyntaxKind::PARAM => {
            let ty = ast::Param::cast(parent)?.ty()?;
            typed_end(&type_path(&ty, imports, &is_channel_type)?)
        }
        SyntaxKind::TUPLE_STRUCT_PAT | SyntaxKind::RECORD_PAT_FIELD => {
            // `if let Some(tx) = self.reply.take()`: the end the `Option` holds.
            if let Some(scrutinee) = unwrapped_end(&parent) {
                return channel_end(&scrutinee, imports, facts, hops);
            }
            // A field of a struct or enum variant pattern (`Write(reply,
            // data)`, `Get { key, resp }`): the field's declared type.
            let (owner, field) = pattern_field(pattern)?;
            let declared = imports.crate_index().declared_field(&owner, &field)?;
            declared.paths.iter().find_map(|path| typed_end(path))
        }
        _ => None,
    }
}

/// What `Some(x)`/`Ok(x)` (the pattern `wrapper`) takes its one field out
/// of, when it is the pattern of an `if let`/`while let` or a `let .. else`
/// on an end kept in an `Option` (`self.reply.take()`, `self.rx.as_mut()`).
fn unwrapped_end(wrapper: &SyntaxNode) -> Option<ast::Expr> {
    let pattern = ast::Pat::cast(wrapper.clone())?;
    variant_field(&pattern, "Some").or_else(|| variant_field(&pattern, "Ok"))?;
    let holder = wrapper.parent()?;
    let scrutinee = match holder.kind() {
        SyntaxKind::LET_EXPR => ast::LetExpr::cast(holder)?.expr()?,
        SyntaxKind::LET_STMT => ast::LetStmt::cast(holder)?.initializer()?,
        _ => return None,
    };
    // Only an end taken out of a place: a received message is not one.
    matches!(
        unparen(scrutinee.clone()),
        ast::Expr::MethodCallExpr(_) | ast::Expr::FieldExpr(_)
    )
    .then_some(scrutinee)
}

/// The channel end a tuple pattern takes out of a received message:
/// `while let Some((job, reply)) = rx.recv().await` (also `if let`, a
/// `let .. else`, a `select!` branch), where the receiver's message type is
/// written (`mpsc::channel::<(Job, oneshot::Sender<u64>)>(8)`, a typed
/// local, parameter or field) and the element is a channel end.
fn received_element(
    pattern: &ast::IdentPat,
    tuple: &ast::TuplePat,
    imports: &Imports,
    facts: &ChannelFacts<'_>,
    hops: usize,
) -> Option<ChannelEnd> {
    let index = tuple
        .fields()
        .position(|f| f.syntax() == pattern.syntax())?;
    let wrapper = ast::TupleStructPat::cast(tuple.syntax().parent()?)?;
    let variant = wrapper.path()?.segment()?.name_ref()?;
    if !matches!(variant.text().to_string().as_str(), "Some" | "Ok")
        || wrapper.fields().count() != 1
    {
        return None;
    }
    let holder = wrapper.syntax().parent()?;
    let received = match holder.kind() {
        SyntaxKind::LET_EXPR => ast::LetExpr::cast(holder)?.expr()?,
        SyntaxKind::LET_STMT => ast::LetStmt::cast(holder)?.initializer()?,
        SyntaxKind::MATCH_ARM => SelectBranch::of_arm(&holder)?.future()?,
        _ => return None,
    };
    let receiver = match unparen(received) {
        ast::Expr::AwaitExpr(awaited) => awaited.expr()?,
        other => other,
    };
    let ast::Expr::MethodCallExpr(op) = unparen(receiver) else {
        return None;
    };
    if !matches!(
        method_name(&op)?.as_str(),
        "recv" | "recv_async" | "blocking_recv"
    ) {
        return None;
    }
    let end_expr = op.receiver()?;
    let end = channel_end(&end_expr, imports, facts, hops)?;
    if end.side != Side::Receiver {
        return None;
    }
    let ast::Type::TupleType(message) = message_of(&end_expr, imports)? else {
        return None;
    };
    let element = message.fields().nth(index)?;
    typed_end(&type_path(&element, imports, &is_channel_type)?)
}

/// The written message type of a channel end: the turbofish of the
/// constructor that made it, or its declared type (local, parameter, or the
/// field of that name in the file).
fn message_of(end: &ast::Expr, imports: &Imports) -> Option<ast::Type> {
    let declared = match unparen(end.clone()) {
        ast::Expr::RefExpr(r) => return message_of(&r.expr()?, imports),
        ast::Expr::FieldExpr(field) => {
            let name = field.name_ref()?;
            let root = field.syntax().ancestors().last()?;
            descendants_of_kind(&root, &[SyntaxKind::RECORD_FIELD])
                .into_iter()
                .filter_map(ast::RecordField::cast)
                .filter(|f| f.name().is_some_and(|n| n.text() == name.text()))
                .find_map(|f| f.ty())?
        }
        ast::Expr::PathExpr(path) => {
            let pattern = binding_of(&path.path()?.segment()?.name_ref()?)?;
            let parent = pattern.syntax().parent()?;
            match parent.kind() {
                SyntaxKind::TUPLE_PAT => {
                    let statement = ast::LetStmt::cast(parent.parent()?)?;
                    let ast::Expr::CallExpr(call) = unparen(statement.initializer()?) else {
                        return None;
                    };
                    constructor_kind(&call, imports)?;
                    let args = callee_path(&call)?.segment()?.generic_arg_list()?;
                    return match args.generic_args().next()? {
                        ast::GenericArg::TypeArg(arg) => arg.ty(),
                        _ => None,
                    };
                }
                SyntaxKind::LET_STMT => ast::LetStmt::cast(parent)?.ty()?,
                SyntaxKind::PARAM => ast::Param::cast(parent)?.ty()?,
                _ => return None,
            }
        }
        _ => return None,
    };
    let end = declared
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_node())
        .filter_map(ast::PathType::cast)
        .find(|p| {
            type_path(&ast::Type::PathType(p.clone()), imports, &is_channel_type).is_some()
        })?;
    match end
        .path()?
        .segment()?
        .generic_arg_list()?
        .generic_args()
        .next()?
    {
        ast::GenericArg::TypeArg(arg) => arg.ty(),
        _ => None,
    }
}

/// Functions returning a value paired with a channel end into it, as
/// `(value, end)`: the other end lives inside the value, out of the
/// caller's hands.
const PAIRED: &[(&str, ChannelKind, Side)] = &[(
    "tonic::transport::Channel::balance_channel",
    ChannelKind::TokioMpsc,
    Side::Sender,
)];

fn paired_end(call: &ast::CallExpr, imports: &Imports) -> Option<ChannelEnd> {
    let names: Vec<&str> = PAIRED.iter().map(|(p, _, _)| *p).collect();
    let found = imports.resolve(&callee_path(call)?, &names)?;
    let (_, kind, side) = PAIRED.iter().find(|(p, _, _)| *p == found)?;
    Some(ChannelEnd {
        kind: *kind,
        side: *side,
        other_end: None,
    })
}

fn constructor_kind(call: &ast::CallExpr, imports: &Imports) -> Option<ChannelKind> {
    let names: Vec<&str> = CONSTRUCTORS.iter().map(|(p, _)| *p).collect();
    let found = imports.resolve(&callee_path(call)?, &names)?;
    CONSTRUCTORS
        .iter()
        .find(|(p, _)| *p == found)
        .map(|(_, kind)| *kind)
}

fn is_channel_type(path: &str) -> bool {
    TYPES.iter().any(|(p, _, _)| *p == path)
}

fn typed_end(path: &str) -> Option<ChannelEnd> {
    let (_, kind, side) = TYPES.iter().find(|(p, _, _)| *p == path)?;
    Some(ChannelEnd {
        kind: *kind,
        side: *side,
        other_end: None,
    })
}

/// Whether every struct of the file declaring the field `field` names also
/// declares a field holding the opposite end of `end`'s kind of channel.
fn struct_holds_other_end(field: &ast::FieldExpr, end: &ChannelEnd, imports: &Imports) -> bool {
    let (Some(name), Some(root)) = (field.name_ref(), field.syntax().ancestors().last()) else {
        return false;
    };
    let this_items = root
        .descendants()
        .filter_map(ast::RecordField::cast)
        .find(|f| f.name().is_some_and(|n| n.text() == name.text()))
        .and_then(|f| f.ty())
        .and_then(|ty| message_type(&ty, imports));
    // The same kind of channel carrying the same messages: a struct may
    // hold ends of two different channels (commands in, events out).
    let opposite = |ty: Option<ast::Type>| {
        ty.is_some_and(|ty| {
            let other = type_path(&ty, imports, &is_channel_type).and_then(|p| typed_end(&p));
            other.is_some_and(|other| other.kind == end.kind && other.side != end.side)
                && this_items.is_some()
                && message_type(&ty, imports) == this_items
        })
    };
    let mut structs = root
        .descendants()
        .filter_map(ast::RecordField::cast)
        .filter(|f| f.name().is_some_and(|n| n.text() == name.text()))
        .map(|f| {
            f.syntax()
                .parent()
                .and_then(|list| list.parent())
                .and_then(ast::Struct::cast)
        })
        .peekable();
    structs.peek().is_some()
        && structs.all(|owner| {
            owner
                .and_then(|owner| owner.field_list())
                .is_some_and(|list| match list {
                    ast::FieldList::RecordFieldList(fields) => {
                        fields.fields().any(|f| opposite(f.ty()))
                    }
                    ast::FieldList::TupleFieldList(fields) => {
                        fields.fields().any(|f| opposite(f.ty()))
                    }
                })
        })
}

/// The generic arguments of a channel end's type as written, without
/// spaces (`<Event>` of `Arc<mpsc::Sender<Event>>`).
fn message_type(ty: &ast::Type, imports: &Imports) -> Option<String> {
    let end = ty
        .syntax()
        .descendants()
        .filter_map(ast::PathType::cast)
        .find(|p| {
            type_path(&ast::Type::PathType(p.clone()), imports, &is_channel_type).is_some()
        })?;
    let args = end.path()?.segment()?.generic_arg_list()?;
    Some(
        args.syntax()
            .text()
            .to_string()
            .split_whitespace()
            .collect(),
    )
}

/// The pattern that binds a plain local.
fn local_pattern(expr: &ast::Expr) -> Option<ast::Pat> {
    let ast::Expr::PathExpr(path) = unparen(expr.clone()) else {
        return None;
    };
    let pattern = binding_of(&path.path()?.segment()?.name_ref()?)?;
    Some(ast::Pat::IdentPat(pattern))
}

/// Whether the channel end bound by `other` is still owned, at `at`, by the
/// body that bound it: `at` is in that body (not in a task or closure made
/// there), and up to `at` the end is only ever borrowed (method calls such
/// as `send`, `recv`, `clone`, or `&end`), never moved into a closure, an
/// `async move` block, a call or a struct. A `_` pattern drops it at once.
fn owned_here(other: &ast::Pat, at: &SyntaxNode, names: &Names) -> bool {
    let ast::Pat::IdentPat(binding) = other else {
        return false;
    };
    let Some((body, _)) = enclosing_body(binding.syntax()) else {
        return false;
    };
    if enclosing_body(at).is_none_or(|(b, _)| b != body) {
        return false;
    }
    names
        .mentions(binding)
        .iter()
        .filter(|mention| may_run_before(mention, at, &body))
        .all(|mention| value_use(mention, &body) == ValueUse::Borrowed)
}

/// Whether `mention` may run before `at` in `body`: it comes earlier, or
/// both are in a loop that runs them again.
fn may_run_before(mention: &Mention, at: &SyntaxNode, body: &SyntaxNode) -> bool {
    let range = match mention {
        Mention::Path(path) => path.syntax().text_range(),
        Mention::FormatCapture(token) | Mention::Unparsed(token) => token.text_range(),
    };
    range.start() < at.text_range().start()
        || at
            .ancestors()
            .take_while(|a| a != body)
            .any(|a| is_loop(&a) && a.text_range().contains_range(range))
}
