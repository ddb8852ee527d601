//! What an `.await` waits on: something outside the task (a channel's
//! peer, another task, a timer, the network), or only computation and locks.

use std::cell::OnceCell;
use std::rc::Rc;

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

use super::{
    callee_path, chain_origin, is_task_handle, method_name, network_io, network_operation,
    strip_future_wrappers, under_deadline, FieldTypes, Imports, NetworkMentions,
};

/// Channel operations: awaited, each waits for the other end (room in a
/// bounded queue, a message, a new value).
const CHANNEL_OPS: &[&str] = &[
    "send",
    "send_async",
    "recv",
    "recv_async",
    "recv_many",
    "changed",
    // Room in a bounded channel.
    "reserve",
    "reserve_owned",
    "reserve_many",
];

/// Other awaited methods that wait on something outside the task, with
/// what they wait for.
const OTHER_WAITS: &[(&str, &str)] = &[
    ("join_next", "the next task of a set to finish"),
    ("join_next_with_id", "the next task of a set to finish"),
    ("join_all", "every task of a set to finish"),
    ("tick", "the next tick of an interval"),
];

const SLEEPS: &[&str] = &[
    "tokio::time::sleep",
    "tokio::time::sleep_until",
    "async_std::task::sleep",
    "futures_timer::Delay::new",
    "smol::Timer::after",
    "async_io::Timer::after",
];

/// A oneshot channel's receiver: awaiting it waits for the sender.
const ONESHOT_RECEIVERS: &[&str] = &[
    "tokio::sync::oneshot::channel.1",
    "tokio::sync::oneshot::Receiver",
    "futures::channel::oneshot::channel.1",
    "futures::channel::oneshot::Receiver",
    "futures_channel::oneshot::channel.1",
    "futures_channel::oneshot::Receiver",
];

/// What the file tells about the receivers of waits: compute once per file.
/// Its fields' types are found on first need (most awaits need none).
pub struct WaitFacts {
    pub network: NetworkMentions,
    root: SyntaxNode,
    fields: OnceCell<Rc<FieldTypes>>,
}

impl WaitFacts {
    pub fn new(root: &SyntaxNode, text: &str) -> WaitFacts {
        WaitFacts {
            network: NetworkMentions::of(text),
            root: root.clone(),
            fields: OnceCell::new(),
        }
    }

    /// With the file's field types already found (a file fact).
    pub fn with_fields(root: &SyntaxNode, text: &str, fields: Rc<FieldTypes>) -> WaitFacts {
        WaitFacts {
            fields: OnceCell::from(fields),
            ..WaitFacts::new(root, text)
        }
    }

    fn fields(&self) -> Rc<FieldTypes> {
        Rc::clone(
            self.fields
                .get_or_init(|| Rc::new(FieldTypes::of(&self.root))),
        )
    }
}

/// What the future `future` (awaited, or polled by a `select!`/`join!`)
/// waits on outside the task, described for a message: a channel
/// operation, a oneshot receiver, a spawned task's `JoinHandle`, a sleep,
/// a network operation (`missing-timeout`'s list) or a read or write on a
/// network stream. `None` for anything else: computation, lock
/// acquisitions, calls we do not know.
pub fn outside_wait(future: &ast::Expr, imports: &Imports, facts: &WaitFacts) -> Option<String> {
    let future = strip_future_wrappers(future.clone(), imports);
    if let Some(operation) = network_operation(
        future.syntax(),
        imports,
        &facts.network,
        &|| facts.fields(),
        &[],
    ) {
        return Some(operation.name);
    }
    match &future {
        ast::Expr::MethodCallExpr(call) => {
            if let Some(io) = network_io(call, imports, &facts.network, &|| facts.fields()) {
                return Some(io);
            }
            let name = method_name(call)?;
            if let Some((_, what)) = OTHER_WAITS.iter().find(|(m, _)| *m == name.as_str()) {
                return Some(format!("`{name}`, which waits for {what}"));
            }
            CHANNEL_OPS.contains(&name.as_str()).then(|| {
                format!("`{name}`, which waits for the other side (a channel's or a connection's)")
            })
        }
        ast::Expr::CallExpr(call) => {
            // A deadline waits on what its future waits on, for so long.
            if let Some(inner) = under_deadline(&future, imports) {
                return outside_wait(&inner, imports, facts);
            }
            let found = imports.resolve(&callee_path(call)?, SLEEPS)?;
            Some(format!("`{found}`"))
        }
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => {
            if is_task_handle(&future, imports) {
                return Some("a spawned task's `JoinHandle`".to_owned());
            }
            let awaited = future
                .syntax()
                .parent()
                .filter(|p| p.kind() == SyntaxKind::AWAIT_EXPR);
            if let Some(awaited) = awaited {
                if let Some(operation) =
                    network_operation(&awaited, imports, &facts.network, &|| facts.fields(), &[])
                {
                    return Some(operation.name);
                }
            }
            chain_origin(&future, imports, &facts.fields(), &|p| {
                ONESHOT_RECEIVERS.contains(&p)
            })
            .map(|_| "a oneshot receiver".to_owned())
        }
        _ => None,
    }
}
