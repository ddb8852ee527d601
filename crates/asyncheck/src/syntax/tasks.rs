//! Recognising the `JoinHandle` of a spawned task, and what awaiting it
//! gives.

use ra_ap_syntax::{
    ast::{self, HasArgList},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    enclosing_body, find_binding, local_name, method_name, spawn_call, unparen, Binding, Imports,
    SpawnKind,
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

/// Whether `expr` is what awaiting a task's handle gives (a
/// `Result<T, JoinError>`): `handle.await`, or a local bound to it.
pub fn is_task_outcome(expr: &ast::Expr, imports: &Imports) -> bool {
    match unparen(expr.clone()) {
        ast::Expr::AwaitExpr(awaited) => awaited
            .expr()
            .is_some_and(|handle| is_task_handle(&handle, imports)),
        ast::Expr::PathExpr(_) => match binding_of(expr) {
            Some(Binding::Let(l)) => l.initializer().is_some_and(|init| {
                matches!(unparen(init.clone()), ast::Expr::AwaitExpr(_))
                    && is_task_outcome(&init, imports)
            }),
            _ => false,
        },
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

/// Whether the body where `binding` lives calls `name.push(handle)`.
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
        .filter(|call| method_name(call).as_deref() == Some("push"))
        .filter(|call| {
            call.receiver()
                .is_some_and(|r| r.syntax().text() == name.as_str())
        })
        .filter_map(|call| call.arg_list()?.args().next())
        .any(|arg| is_handle_within(&arg, imports, hops))
}
