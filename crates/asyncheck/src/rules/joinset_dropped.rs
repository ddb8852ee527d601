use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasName},
    body_kind, enclosing_loop, is_set_constructor, let_bound, local_set_uses, AstNode, Names,
    SetUse, SyntaxKind, SyntaxNode,
};

use super::{span, span_of};

pub struct JoinsetDropped;

static META: RuleMeta = RuleMeta {
    name: "joinset-dropped",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags a local `JoinSet` with tasks spawned on it that is dropped without being joined, which aborts the tasks.",
    flags: "A local binding made by `JoinSet::new()`, `JoinSet::default()`, `JoinMap::new()`, or `Default::default()` under a `JoinSet`/`JoinMap` type \
(`tokio::task::JoinSet`, `tokio_util::task::JoinMap`, through the file's imports) with tasks \
spawned on it (`spawn`, `spawn_local`, `spawn_blocking`, `spawn_on`, `build_task`) that its \
scope never joins: no `join_next`, `join_next_with_id`, `try_join_next`, `poll_join_next`, \
`join_all`, no explicit `shutdown`, `abort_all` or `detach_all`, no `len()`/`is_empty()` in a \
`while` condition. A set that escapes is left alone: passed to a call (also as `&mut set`), \
returned, stored in a field, a struct literal or a collection, bound to another name, moved into \
a `move` closure or `async move` block, or named in a macro whose body is not parsed. A set \
spawned on inside a loop is `joinset-never-reaped`'s.",
    why: "Dropping a `JoinSet` aborts every task still in it. When the function that owns the \
set returns without joining it, the tasks it spawned are cancelled at their next `.await`, \
silently: the work they were doing is lost half-way, and their errors and panics are never \
seen. If the tasks must finish, join them; if cancelling them is the point, say so with \
`abort_all()` or `shutdown().await`, and `detach_all()` if they should run on.",
    example: r#"use tokio::task::JoinSet;

async fn upload(part: Vec<u8>) -> usize {
    part.len()
}

async fn upload_all(head: Vec<u8>, tail: Vec<u8>) {
    let mut uploads = JoinSet::new(); //~ joinset-dropped
    uploads.spawn(upload(head));
    uploads.spawn(upload(tail));
}
"#,
    use_instead: r#"use tokio::task::JoinSet;

async fn upload(part: Vec<u8>) -> usize {
    part.len()
}

async fn upload_all(head: Vec<u8>, tail: Vec<u8>) -> usize {
    let mut uploads = JoinSet::new();
    uploads.spawn(upload(head));
    uploads.spawn(upload(tail));
    let mut sent = 0;
    while let Some(done) = uploads.join_next().await {
        sent += done.unwrap_or(0);
    }
    sent
}
"#,
    options: &[],
    fix_safety: Some(
        "No fix is offered: awaiting the tasks, aborting them or detaching them are three \
different programs, and which one was meant is the author's choice (awaiting makes the function \
wait for its tasks and see their errors; `abort_all()` only states what dropping already does).",
    ),
    see_also: &["joinset-never-reaped", "detached-spawn"],
    clippy_twins: &[],
};

impl Rule for JoinsetDropped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(call) = ast::CallExpr::cast(node.clone()) else {
            return;
        };
        if !is_set_constructor(&call, cx.imports) {
            return;
        }
        let Some(binding) = let_bound(node) else {
            return;
        };
        let names = cx.file_fact(|_, _| Names::default());
        let Some(first_spawn) = unjoined_spawn(&binding, &names) else {
            return;
        };
        let name = binding
            .name()
            .map_or_else(|| "the set".to_owned(), |n| format!("`{}`", n.text()));
        cx.report(
            Finding::new(
                span_of(&call),
                format!("{name} has tasks spawned on it but is never joined: dropping it at the end of its scope aborts them silently"),
            )
            .label(
                span(first_spawn.text_range()),
                "this task is aborted when the set is dropped",
            )
            .help("join the tasks (`while let Some(res) = set.join_next().await`, or `set.join_all().await`); if cancelling them is intended, say so with `abort_all()` or `shutdown().await`"),
        );
    }
}

/// The first spawn on the set `binding`, when the set is never joined,
/// never escapes and is spawned on outside loops only.
fn unjoined_spawn(binding: &ast::IdentPat, names: &Names) -> Option<SyntaxNode> {
    let statement = binding
        .syntax()
        .ancestors()
        .find(|a| a.kind() == SyntaxKind::LET_STMT)?;
    let mut first_spawn = None;
    for (used, place) in local_set_uses(binding, names) {
        let used = if moved_into_body(&place, &statement) {
            SetUse::Escape
        } else {
            used
        };
        match used {
            SetUse::Spawn if in_loop_after(&place, &statement) => return None,
            SetUse::Spawn => {
                let call = place.parent()?;
                first_spawn.get_or_insert(call);
            }
            SetUse::Reap | SetUse::Teardown | SetUse::Escape => return None,
            SetUse::Size if in_while_condition(&place) => return None,
            SetUse::Size | SetUse::Other => {}
        }
    }
    first_spawn
}

/// Whether `place` is inside a `move` closure or `async move` block that
/// the statement binding the set does not contain: the set was moved there.
fn moved_into_body(place: &SyntaxNode, statement: &SyntaxNode) -> bool {
    place
        .ancestors()
        .take_while(|a| !a.text_range().contains_range(statement.text_range()))
        .filter(|a| body_kind(a).is_some())
        .any(|body| {
            body.children_with_tokens()
                .any(|t| t.kind() == SyntaxKind::MOVE_KW)
        })
}

/// Whether a loop that begins after `statement` runs `place` again (a loop
/// around the statement makes a new set each turn).
fn in_loop_after(place: &SyntaxNode, statement: &SyntaxNode) -> bool {
    enclosing_loop(place).is_some_and(|l| l.text_range().start() >= statement.text_range().end())
}

/// `while !set.is_empty() { .. }`, `while set.len() > 0 { .. }`.
fn in_while_condition(place: &SyntaxNode) -> bool {
    place
        .ancestors()
        .find_map(ast::WhileExpr::cast)
        .and_then(|w| w.condition())
        .is_some_and(|c| c.syntax().text_range().contains_range(place.text_range()))
}
