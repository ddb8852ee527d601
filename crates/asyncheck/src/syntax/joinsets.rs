//! `tokio::task::JoinSet` and `tokio_util::task::JoinMap` values: how one
//! is made, and what each mention of a set does with it.

use ra_ap_syntax::{
    ast::{self, HasGenericArgs},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    callee_path, known_type_of_path, method_name, type_known, Imports, KnownType, Mention, Names,
};

/// Whether `call` makes a new set: `JoinSet::new()`, `JoinSet::default()`,
/// `JoinMap::new()` through the file's imports, or `Default::default()`
/// bound by a `let` that names a set type.
pub fn is_set_constructor(call: &ast::CallExpr, imports: &Imports) -> bool {
    let Some(path) = callee_path(call) else {
        return false;
    };
    if path.syntax().text() == "Default::default" {
        return call
            .syntax()
            .parent()
            .and_then(ast::LetStmt::cast)
            .and_then(|l| l.ty())
            .is_some_and(|ty| {
                matches!(
                    type_known(&ty, imports),
                    Some(KnownType::JoinSet | KnownType::JoinMap)
                )
            });
    }
    let is_new = path
        .segment()
        .and_then(|s| s.name_ref())
        .is_some_and(|n| matches!(n.text(), "new" | "default"));
    is_new
        && path.qualifier().is_some_and(|q| {
            matches!(
                known_type_of_path(&q, imports),
                Some(KnownType::JoinSet | KnownType::JoinMap)
            )
        })
}

/// What one mention of a set does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetUse {
    /// `spawn`, `spawn_local`, `spawn_blocking`, `spawn_on`, `build_task`.
    Spawn,
    /// Takes finished tasks out: `join_next`, `join_next_with_id`,
    /// `try_join_next`, `poll_join_next`, `join_all`.
    Reap,
    /// An explicit end: `shutdown`, `abort_all`, `detach_all`.
    Teardown,
    /// `len`, `is_empty`.
    Size,
    /// Another method of the set.
    Other,
    /// The set itself goes somewhere else: passed to a call (also by
    /// reference), returned, stored, moved to another binding, or named in
    /// a macro whose body is not parsed.
    Escape,
}

/// What the expression `place`, the set (`set`, `self.tasks`), is used for.
pub fn set_use(place: &SyntaxNode) -> SetUse {
    let mut node = place.clone();
    while let Some(parent) = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::PAREN_EXPR || reaches_set_inside(p, &node))
    {
        node = parent;
    }
    let Some(call) = node.parent().and_then(ast::MethodCallExpr::cast) else {
        return SetUse::Escape;
    };
    if call.receiver().is_none_or(|r| *r.syntax() != node) {
        return SetUse::Escape;
    }
    match method_name(&call).as_deref() {
        Some(
            "spawn" | "spawn_local" | "spawn_blocking" | "spawn_on" | "spawn_local_on"
            | "spawn_blocking_on" | "build_task",
        ) => SetUse::Spawn,
        Some(
            "join_next"
            | "join_next_with_id"
            | "try_join_next"
            | "try_join_next_with_id"
            | "poll_join_next"
            | "poll_join_next_with_id"
            | "join_all",
        ) => SetUse::Reap,
        Some("shutdown" | "abort_all" | "detach_all") => SetUse::Teardown,
        Some("len" | "is_empty") => SetUse::Size,
        _ => SetUse::Other,
    }
}

/// Whether `outer`, around `inner`, reaches the set that `inner` holds
/// (`tasks.lock().await`, `tasks.as_mut().unwrap()`): a set behind a lock
/// or in an `Option` is used through such a chain.
fn reaches_set_inside(outer: &SyntaxNode, inner: &SyntaxNode) -> bool {
    match outer.kind() {
        SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR => true,
        SyntaxKind::METHOD_CALL_EXPR => {
            ast::MethodCallExpr::cast(outer.clone()).is_some_and(|call| {
                call.receiver().is_some_and(|r| r.syntax() == inner)
                    && method_name(&call).is_some_and(|name| SET_ACCESSORS.contains(&name.as_str()))
            })
        }
        _ => false,
    }
}

/// The methods that give a set held in a lock or an `Option`.
const SET_ACCESSORS: &[&str] = &[
    "lock",
    "write",
    "blocking_lock",
    "blocking_write",
    "as_mut",
    "unwrap",
    "expect",
    "get_or_insert_with",
    "get_or_insert_default",
];

/// The set place under a chain that reaches into a lock or an `Option`
/// (`self.tasks` of `self.tasks.lock().await`), when there is such a chain.
pub fn set_inside(expr: &ast::Expr) -> Option<ast::Expr> {
    let mut current = expr.clone();
    let mut reached = false;
    loop {
        let inner = match &current {
            ast::Expr::AwaitExpr(e) => e.expr(),
            ast::Expr::TryExpr(e) => e.expr(),
            ast::Expr::ParenExpr(e) => e.expr(),
            ast::Expr::MethodCallExpr(call)
                if method_name(call).is_some_and(|n| SET_ACCESSORS.contains(&n.as_str())) =>
            {
                call.receiver()
            }
            _ => return reached.then_some(current),
        }?;
        reached = true;
        current = inner;
    }
}

/// Whether the type `ty` holds a task set in a lock or an `Option`
/// (`Arc<Mutex<JoinSet<()>>>`, `Option<JoinSet<()>>`).
pub fn holds_set_inside(ty: &ast::Type, imports: &Imports) -> bool {
    let ast::Type::PathType(path) = ty else {
        return false;
    };
    let Some(segment) = path.path().and_then(|p| p.segment()) else {
        return false;
    };
    let wrapper = segment
        .name_ref()
        .map(|n| n.text().to_string())
        .unwrap_or_default();
    if !matches!(
        wrapper.as_str(),
        "Arc" | "Rc" | "Box" | "Mutex" | "RwLock" | "Option"
    ) {
        return false;
    }
    let Some(ast::GenericArg::TypeArg(arg)) = segment
        .generic_arg_list()
        .and_then(|list| list.generic_args().next())
    else {
        return false;
    };
    let Some(inner) = arg.ty() else {
        return false;
    };
    let is_set = matches!(
        type_known(&inner, imports),
        Some(KnownType::JoinSet | KnownType::JoinMap)
    );
    (is_set && wrapper != "Arc" && wrapper != "Rc" && wrapper != "Box")
        || holds_set_inside(&inner, imports)
}

/// Every mention of the local set `binding`, with what it does. A name in
/// an unparsed macro body is an escape; a `{set:?}` capture only reads it.
pub fn local_set_uses(binding: &ast::IdentPat, names: &Names) -> Vec<(SetUse, SyntaxNode)> {
    names
        .mentions(binding)
        .into_iter()
        .filter_map(|mention| match mention {
            Mention::Path(path) => Some((set_use(path.syntax()), path.syntax().clone())),
            Mention::Unparsed(token) => Some((SetUse::Escape, token.parent()?)),
            Mention::FormatCapture(_) => None,
        })
        .collect()
}
