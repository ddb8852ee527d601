//! Recognising the `JoinHandle` of a spawned task, and what awaiting it
//! gives.

use ra_ap_syntax::{
    ast::{self, HasArgList},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    binding_of as binding_of_name, enclosing_body, find_binding, is_join_macro, known_type,
    local_name, macro_args, method_name, resolve_call, spawn_call, unparen, Binding, Imports,
    KnownType, SpawnKind,
};

/// Bindings are followed at most this many times (`let h = spawn(..);
/// handles.push(h); for h in handles`).
const MAX_HOPS: usize = 4;

/// Whether `expr` is the `JoinHandle` of a task started by `tokio::spawn`
/// and friends: the spawn call itself, a local bound to one (by `let`, or as
/// the variable of a `for` over a collection of handles), or a parameter
/// typed `JoinHandle<..>`.
pub fn is_task_handle(expr: &ast::Expr, imports: &Imports) -> bool {
    is_handle_within(expr, imports, MAX_HOPS)
}

/// Whether `expr` is a spawned task's result: what awaiting its handle
/// gives (`handle.await`, a `Result<T, JoinError>`), also reached through
/// `join!`/`try_join!` (`let (a, b) = tokio::join!(h1, h2)`, `.0`), through
/// `join_all`/`try_join_all` over handles (`for res in join_all(handles).await`),
/// through `JoinSet::join_next` (`while let Some(res) = set.join_next().await`,
/// `set.join_next().await.unwrap()`), or a local bound to any of these.
pub fn is_task_outcome(expr: &ast::Expr, imports: &Imports) -> bool {
    outcome_within(expr, imports, MAX_HOPS)
}

fn outcome_within(expr: &ast::Expr, imports: &Imports, hops: usize) -> bool {
    match unparen(expr.clone()) {
        // Also `try_join_all(handles).await`: its error is a task's.
        ast::Expr::AwaitExpr(awaited) => awaited.expr().is_some_and(|e| {
            is_task_handle(&e, imports)
                || is_join_next(&e, imports)
                || joins_all_handles(&e, imports, hops)
        }),
        // `join_next()` yields an `Option` around the result: unwrapping the
        // option still leaves the task's result.
        ast::Expr::MethodCallExpr(call) => {
            method_name(&call).is_some_and(|n| matches!(n.as_str(), "unwrap" | "expect"))
                && call
                    .receiver()
                    .is_some_and(|r| awaits_join_next(&r, imports))
        }
        ast::Expr::TryExpr(tried) => tried.expr().is_some_and(|r| awaits_join_next(&r, imports)),
        ast::Expr::MacroExpr(joined) => joined.macro_call().is_some_and(|call| {
            is_join_macro(&call, imports) && joins_only_handles(&call, imports)
        }),
        ast::Expr::FieldExpr(field) => {
            let index = field
                .name_ref()
                .and_then(|n| n.text().parse::<usize>().ok());
            match (field.expr(), index) {
                (Some(tuple), Some(index)) => joined_handle(&tuple, index, imports),
                _ => false,
            }
        }
        ast::Expr::PathExpr(path) if hops > 0 => path
            .path()
            .and_then(|p| p.segment()?.name_ref())
            .and_then(|name| bound_from(&binding_of_name(&name)?))
            .is_some_and(|source| source_is_outcome(&source, imports, hops - 1)),
        _ => false,
    }
}

/// What a name's pattern takes its value from, and where in it.
enum Source {
    /// `let name = init` (also in `if let`/`while let`).
    Whole(ast::Expr),
    /// `let Some(name) = init`: what the `Option` holds.
    InSome(ast::Expr),
    /// The `index`th element of a tuple pattern `let (.., name, ..) = init`.
    Element(ast::Expr, usize),
    /// An item of the iterable of `for name in iterable` (or the item of an
    /// `enumerate()`d one, `for (i, name) in ..`).
    Item(ast::Expr),
}

/// Where the value `pat` binds comes from, when the pattern takes it out
/// whole, from a `Some(..)`, or from a field of a tuple; `None` for deeper
/// patterns (`Some(Ok(v))` binds the task's own output, not its result).
fn bound_from(pat: &ast::IdentPat) -> Option<Source> {
    let mut node = pat.syntax().clone();
    let mut element = None;
    let mut in_some = false;
    loop {
        let parent = node.parent()?;
        match parent.kind() {
            SyntaxKind::TUPLE_PAT if element.is_none() && !in_some => {
                let tuple = ast::TuplePat::cast(parent.clone())?;
                element = tuple.fields().position(|f| *f.syntax() == node);
            }
            SyntaxKind::TUPLE_STRUCT_PAT if element.is_none() && !in_some => {
                let variant = ast::TupleStructPat::cast(parent.clone())?
                    .path()
                    .and_then(|p| p.segment()?.name_ref())?;
                if variant.text() != "Some" {
                    return None;
                }
                in_some = true;
            }
            SyntaxKind::REF_PAT | SyntaxKind::PAREN_PAT => {}
            SyntaxKind::LET_STMT | SyntaxKind::LET_EXPR => {
                let init = match ast::LetStmt::cast(parent.clone()) {
                    Some(stmt) => stmt.initializer()?,
                    None => ast::LetExpr::cast(parent)?.expr()?,
                };
                return Some(match (element, in_some) {
                    (Some(index), _) => Source::Element(init, index),
                    (None, true) => Source::InSome(init),
                    (None, false) => Source::Whole(init),
                });
            }
            SyntaxKind::FOR_EXPR if !in_some => {
                return ast::ForExpr::cast(parent)?.iterable().map(Source::Item);
            }
            _ => return None,
        }
        node = parent;
    }
}

fn source_is_outcome(source: &Source, imports: &Imports, hops: usize) -> bool {
    match source {
        Source::Whole(init) => {
            outcome_within(init, imports, hops) || awaits_join_next(init, imports)
        }
        Source::InSome(init) => awaits_join_next(init, imports),
        Source::Element(init, index) => joined_handle(init, *index, imports),
        Source::Item(iterable) => joins_all_handles(iterable, imports, hops),
    }
}

/// Whether `expr` is a `join!`/`try_join!` whose `index`th future is a task
/// handle (seen through `?`, `.unwrap()`, `.expect(..)` on a `try_join!`).
fn joined_handle(expr: &ast::Expr, index: usize, imports: &Imports) -> bool {
    let Some(call) = join_macro(expr, imports) else {
        return false;
    };
    macro_args(&call)
        .get(index)
        .is_some_and(|future| is_task_handle(future, imports))
}

/// The `join!`/`try_join!` that `expr` takes its tuple from: the macro
/// itself, or a local bound to it.
fn join_macro(expr: &ast::Expr, imports: &Imports) -> Option<ast::MacroCall> {
    let mut expr = peel_errors(expr.clone());
    if let ast::Expr::PathExpr(_) = expr {
        let Some(Binding::Let(l)) = binding_of(&expr) else {
            return None;
        };
        expr = peel_errors(l.initializer()?);
    }
    let ast::Expr::MacroExpr(macro_expr) = expr else {
        return None;
    };
    macro_expr
        .macro_call()
        .filter(|call| is_join_macro(call, imports))
}

/// A `try_join!` of task handles only: its error is a `JoinError`.
fn joins_only_handles(call: &ast::MacroCall, imports: &Imports) -> bool {
    let futures = macro_args(call);
    !futures.is_empty() && futures.iter().all(|f| is_task_handle(f, imports))
}

/// `expr` without the `?`, `.unwrap()`, `.expect(..)` and `.await` that
/// only take the success value out of a joined result.
pub(crate) fn peel_errors(mut expr: ast::Expr) -> ast::Expr {
    loop {
        let inner = match unparen(expr.clone()) {
            ast::Expr::TryExpr(t) => t.expr(),
            ast::Expr::AwaitExpr(a) => a.expr(),
            ast::Expr::MethodCallExpr(m)
                if method_name(&m).is_some_and(|n| matches!(n.as_str(), "unwrap" | "expect")) =>
            {
                m.receiver()
            }
            other => return other,
        };
        match inner {
            Some(inner) => expr = inner,
            None => return expr,
        }
    }
}

const JOIN_ALL: &[&str] = &[
    "futures::future::join_all",
    "futures::future::try_join_all",
    "futures_util::future::join_all",
    "futures_util::future::try_join_all",
];

/// Whether `expr` is `join_all(handles)` (or `try_join_all`) over spawned
/// tasks' handles: awaiting it waits for every task.
pub fn joins_task_handles(expr: &ast::Expr, imports: &Imports) -> bool {
    joins_all_handles(expr, imports, MAX_HOPS)
}

/// Whether iterating `iterable` yields the results of `join_all(handles)`
/// (directly or through a local bound to it, with `into_iter()`, `iter()`,
/// `drain(..)`).
fn joins_all_handles(iterable: &ast::Expr, imports: &Imports, hops: usize) -> bool {
    let collection = peel_iteration(iterable.clone());
    let joined = match peel_errors(collection.clone()) {
        ast::Expr::CallExpr(call) => call,
        ast::Expr::PathExpr(_) if hops > 0 => {
            return match binding_of(&collection) {
                Some(Binding::Let(l)) => l
                    .initializer()
                    .is_some_and(|init| joins_all_handles(&init, imports, hops - 1)),
                _ => false,
            }
        }
        _ => return false,
    };
    if resolve_call(&joined, imports, JOIN_ALL).is_none() {
        return false;
    }
    joined
        .arg_list()
        .and_then(|args| args.args().next())
        .is_some_and(|handles| {
            holds_handles(&handles, imports, hops)
                || handles.syntax().descendants().any(|node| {
                    spawn_call(&node, imports).is_some_and(|s| s.kind == SpawnKind::Detachable)
                })
        })
}

/// The collection an iteration walks, without the adapters that yield its
/// items (`into_iter()`, `iter()`, `drain(..)`; `enumerate()` pairs them
/// with an index, which is never unwrapped).
fn peel_iteration(mut expr: ast::Expr) -> ast::Expr {
    while let ast::Expr::MethodCallExpr(call) = unparen(expr.clone()) {
        let yields_items = method_name(&call).is_some_and(|name| {
            matches!(
                name.as_str(),
                "into_iter" | "iter" | "iter_mut" | "drain" | "enumerate"
            )
        });
        match call.receiver() {
            Some(receiver) if yields_items => expr = receiver,
            _ => break,
        }
    }
    unparen(expr)
}

/// `set.join_next()` (or `join_next_with_id()`) on a `JoinSet`.
fn is_join_next(expr: &ast::Expr, imports: &Imports) -> bool {
    let ast::Expr::MethodCallExpr(call) = unparen(expr.clone()) else {
        return false;
    };
    method_name(&call).is_some_and(|n| matches!(n.as_str(), "join_next" | "join_next_with_id"))
        && call
            .receiver()
            .is_some_and(|set| known_type(&set, imports) == Some(KnownType::JoinSet))
}

/// `set.join_next().await`: an `Option` of a task's result.
fn awaits_join_next(expr: &ast::Expr, imports: &Imports) -> bool {
    match unparen(expr.clone()) {
        ast::Expr::AwaitExpr(awaited) => awaited.expr().is_some_and(|e| is_join_next(&e, imports)),
        _ => false,
    }
}

fn is_handle_within(expr: &ast::Expr, imports: &Imports, hops: usize) -> bool {
    let expr = match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => match r.expr() {
            Some(inner) => unparen(inner),
            None => return false,
        },
        expr => expr,
    };
    if let Some(spawn) = spawn_call(expr.syntax(), imports) {
        return spawn.kind == SpawnKind::Detachable;
    }
    // A field declared `JoinHandle<..>` (`self.worker.await`).
    if let ast::Expr::FieldExpr(field) = &expr {
        return super::crate_field(field, imports)
            .and_then(|fact| fact.name)
            .is_some_and(|name| name == "JoinHandle");
    }
    if hops == 0 || !matches!(expr, ast::Expr::PathExpr(_)) {
        return false;
    }
    match binding_of(&expr) {
        Some(Binding::Let(l)) => match (l.ty(), l.initializer()) {
            (Some(ty), _) => names_join_handle(&ty),
            (None, Some(init)) => is_handle_within(&init, imports, hops - 1),
            (None, None) => false,
        },
        Some(Binding::Param(p)) => p.ty().is_some_and(|ty| names_join_handle(&ty)),
        Some(Binding::For(f)) => f
            .iterable()
            .is_some_and(|it| holds_handles(&it, imports, hops - 1)),
        Some(Binding::Element(..)) | None => false,
    }
}

/// The binding a plain local name refers to.
fn binding_of(expr: &ast::Expr) -> Option<Binding> {
    find_binding(expr.syntax(), &local_name(expr)?)
}

/// A type `JoinHandle<..>`: only tasks' handles can be awaited, whichever
/// runtime's they are (`std::thread::JoinHandle` is not a future).
fn names_join_handle(ty: &ast::Type) -> bool {
    let ast::Type::PathType(ty) = ty else {
        return false;
    };
    ty.path()
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|name| name.text() == "JoinHandle")
}

/// A collection type of handles: `Vec<JoinHandle<T>>`, `[JoinHandle<T>; 2]`.
fn mentions_join_handle(ty: &ast::Type) -> bool {
    ty.syntax()
        .descendants()
        .filter_map(ast::NameRef::cast)
        .any(|name| name.text() == "JoinHandle")
}

/// Whether iterating `iterable` yields task handles: a collection typed
/// with `JoinHandle`, or a local collection built from spawn calls
/// (`(0..n).map(|i| tokio::spawn(..)).collect()`, `vec![tokio::spawn(a)]`)
/// or into which handles are pushed, iterated directly or through
/// `into_iter()`, `iter_mut()` or `drain(..)`.
fn holds_handles(iterable: &ast::Expr, imports: &Imports, hops: usize) -> bool {
    let mut collection = unparen(iterable.clone());
    while let ast::Expr::MethodCallExpr(call) = &collection {
        let yields_items = method_name(call)
            .is_some_and(|name| matches!(name.as_str(), "into_iter" | "iter_mut" | "drain"));
        match call.receiver() {
            Some(receiver) if yields_items => collection = unparen(receiver),
            _ => return false,
        }
    }
    let binding = match binding_of(&collection) {
        Some(Binding::Let(binding)) => binding,
        Some(Binding::Param(param)) => {
            return param.ty().is_some_and(|ty| mentions_join_handle(&ty))
        }
        _ => return false,
    };
    if binding.ty().is_some_and(|ty| mentions_join_handle(&ty)) {
        return true;
    }
    let built_from_spawns = binding.initializer().is_some_and(|init| {
        init.syntax()
            .descendants()
            .any(|node| spawn_call(&node, imports).is_some_and(|s| s.kind == SpawnKind::Detachable))
    });
    built_from_spawns || pushes_handles(binding.syntax(), &collection, imports, hops)
}

/// Whether the body where `binding` lives calls `name.push(handle)` (or
/// a `VecDeque`'s `push_back`/`push_front`).
fn pushes_handles(
    binding: &SyntaxNode,
    collection: &ast::Expr,
    imports: &Imports,
    hops: usize,
) -> bool {
    let Some((body, _)) = enclosing_body(binding) else {
        return false;
    };
    let name = collection.syntax().text().to_string();
    body.descendants()
        .filter(|node| node.kind() == SyntaxKind::METHOD_CALL_EXPR)
        .filter_map(ast::MethodCallExpr::cast)
        .filter(|call| {
            method_name(call)
                .is_some_and(|n| matches!(n.as_str(), "push" | "push_back" | "push_front"))
        })
        .filter(|call| {
            call.receiver()
                .is_some_and(|r| r.syntax().text() == name.as_str())
        })
        .filter_map(|call| call.arg_list()?.args().next())
        .any(|arg| is_handle_within(&arg, imports, hops))
}
