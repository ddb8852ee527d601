//! `tokio::task::JoinSet` and `tokio_util::task::JoinMap` values: how one
//! is made, and what each mention of a set does with it.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

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
    while let Some(parent) = node.parent().filter(|p| p.kind() == SyntaxKind::PAREN_EXPR) {
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
