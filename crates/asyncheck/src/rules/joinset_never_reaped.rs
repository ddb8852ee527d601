use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasName},
    binding_of, callee_path, enclosing_body, enclosing_loop, find_binding, has_break_out,
    is_constant_for, local_set_uses, method_name, parameter_count, set_inside, set_use, spawn_call,
    unparen, AstNode, Binding, Names, SetUse, Spawner, SyntaxKind, SyntaxNode, TextRange, TextSize,
};

use super::{span, span_of};

pub struct JoinsetNeverReaped;

static META: RuleMeta = RuleMeta {
    name: "joinset-never-reaped",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags a `JoinSet` that tasks are spawned on again and again while nothing reaps them as they finish.",
    flags: "A spawn (`spawn`, `spawn_local`, `spawn_blocking`, `spawn_on`) on a \
`tokio::task::JoinSet` or `tokio_util::task::JoinMap` that repeats without the set being \
reaped. Reaping is `join_next`, `join_next_with_id`, `try_join_next` or `poll_join_next` (or \
`join_all`) reached repeatedly; `shutdown`, `abort_all` and `detach_all` do not reap.\n\
- A local set (`let mut set = JoinSet::new()`) spawned on inside a loop that starts after it \
(not a `for` over a range with constant bounds, an array literal or `vec![..]` of listed items): \
flagged when nothing inside that loop reaps it (also in a nested loop or a `select!` branch) and \
either the loop runs for the life of its input (a `loop` with no `break` leaving it, or a `while` \
whose condition awaits, such as `while let Some(x) = rx.recv().await`, with no `break`) or the \
set is reaped in no loop after it. A set that escapes (passed to a call, returned, stored, bound \
to another name) is left alone.\n\
- A struct field typed `JoinSet`/`JoinMap` anywhere in the crate (or holding one in a lock or \
an `Option`: `Arc<Mutex<JoinSet<()>>>`, spawned on through `self.tasks.lock().await.spawn(..)` or \
`self.tasks.as_mut().unwrap().spawn(..)`; a guard bound to a name hands the set on), spawned on \
inside such a loop, or in a method that code of the crate calls inside such a loop (in the same file: \
`self.start_job(..)`, `Self::start_job(..)`, `Type::start_job(..)`, or `pool.start_job(..)` on \
a local or parameter whose written type or constructor names the type; in another file: a \
call naming the type, on `self` or a receiver of written type, or by the method's name and \
number of arguments on a receiver of unknown type in the same crate), when no code of the \
crate reaps a field of that name or hands it elsewhere (`&mut self.tasks` passed to a call or \
returned, `mem::take`, reassigned), and it is not a `pub` field of a `pub` struct of a library \
(code outside the crate may reap that).",
    why: "A `JoinSet` keeps the output of every finished task until someone joins it. A set \
that an accept loop or a message loop keeps spawning on, and that nobody drains, grows with \
every task ever run: memory leaks slowly for the life of the service, and the errors and \
panics of those tasks are never looked at. Reap finished tasks as you go: `try_join_next()` in \
the loop, or a `select!` branch on `join_next()`.",
    example: r#"use tokio::net::TcpListener;
use tokio::task::JoinSet;

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        let (socket, _) = listener.accept().await?;
        connections.spawn(async move { //~ joinset-never-reaped
            drop(socket);
        });
    }
}
"#,
    use_instead: r#"use tokio::net::TcpListener;
use tokio::task::JoinSet;

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, _) = accepted?;
                connections.spawn(async move {
                    drop(socket);
                });
            }
            Some(done) = connections.join_next() => {
                if let Err(error) = done {
                    eprintln!("connection task failed: {error}");
                }
            }
        }
    }
}
"#,
    options: &[],
    fix_safety: Some(
        "No fix is offered: reaping needs a place in the loop (a `select!` branch on \
`join_next()`, or a `try_join_next()` drain after each spawn) and a decision about what to do \
with each task's result, error or panic.",
    ),
    see_also: &["joinset-dropped", "unbounded-fanout"],
    clippy_twins: &[],
};

impl Rule for JoinsetNeverReaped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(call) = ast::MethodCallExpr::cast(node.clone()) else {
            return;
        };
        let Some(receiver) = call.receiver().map(unparen) else {
            return;
        };
        // `self.tasks.lock().await.spawn(..)`: a crate field that holds a
        // set in a lock or an `Option`, spawned on through it.
        if let Some(ast::Expr::FieldExpr(field)) = set_inside(&receiver) {
            let spawns = set_use(field.syntax()) == SetUse::Spawn;
            let is_set = field
                .name_ref()
                .is_some_and(|name| !cx.imports.crate_index().set_fields(name.text()).is_empty());
            if spawns && is_set {
                if let Some(repeat) = field_repeat(&field, node, cx) {
                    report(&call, &ast::Expr::FieldExpr(field), repeat, cx);
                }
            }
            return;
        }
        // Cheap shape tests first: `spawn_call` looks the receiver's type up.
        if !matches!(receiver, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_)) {
            return;
        }
        if !spawn_call(node, cx.imports).is_some_and(|s| s.spawner == Spawner::JoinSet) {
            return;
        }
        let repeat = match &receiver {
            ast::Expr::PathExpr(path) => {
                let names = cx.file_fact(|_, _| Names::default());
                local_repeat(path, node, &names)
            }
            ast::Expr::FieldExpr(field) => field_repeat(field, node, cx),
            _ => None,
        };
        if let Some(repeat) = repeat {
            report(&call, &receiver, repeat, cx);
        }
    }
}

fn report(call: &ast::MethodCallExpr, set: &ast::Expr, repeat: Repeat, cx: &mut Context<'_>) {
    let set = set.syntax().text().to_string();
    let finding = Finding::new(
        span_of(call),
        format!("tasks are spawned on `{set}` again and again and nothing reaps them as they finish: the set keeps every finished task and grows without bound"),
    );
    cx.report(
        repeat
            .label(finding)
            .help("reap finished tasks as you go: `while let Some(res) = set.try_join_next() { .. }` in the loop, or a `select!` branch on `set.join_next()`"),
    );
}

/// What repeats the spawn, and where a label shows it.
struct Repeat {
    range: TextRange,
    by: RepeatedBy,
}

enum RepeatedBy {
    /// The loop around the spawn (`range`: its keyword).
    Loop,
    /// A call in a loop of the method that spawns (`range`: the call).
    Call,
    /// A call in a loop of another file, at this file and line (`range`:
    /// the method's name).
    CallElsewhere(String, usize),
}

impl Repeat {
    fn of_loop(found: &SyntaxNode) -> Repeat {
        let keyword = found
            .children_with_tokens()
            .find(|e| {
                matches!(
                    e.kind(),
                    SyntaxKind::LOOP_KW | SyntaxKind::WHILE_KW | SyntaxKind::FOR_KW
                )
            })
            .map_or(found.text_range(), |e| e.text_range());
        Repeat {
            range: keyword,
            by: RepeatedBy::Loop,
        }
    }

    fn label(&self, finding: Finding) -> Finding {
        let at = span(self.range);
        match &self.by {
            RepeatedBy::Loop => finding.label(
                at,
                "this loop spawns on the set each turn, and reaps nothing",
            ),
            RepeatedBy::Call => finding.label(
                at,
                "this call, repeated by its loop, spawns on the set each time",
            ),
            RepeatedBy::CallElsewhere(file, line) => finding.label_elsewhere(
                at,
                format!("called in a loop at {file}:{line}: it spawns on the set each time"),
                file,
                *line,
            ),
        }
    }
}

/// The innermost loop after `from` that runs `node` again an unknown number
/// of times: `for` loops over constant ranges and listed items are looked
/// through to a loop around them.
fn unbounded_loop(node: &SyntaxNode, from: TextSize) -> Option<SyntaxNode> {
    let mut at = node.clone();
    while let Some(found) = enclosing_loop(&at) {
        if found.text_range().start() < from {
            return None;
        }
        if !is_constant_for(&found) {
            return Some(found);
        }
        at = found;
    }
    None
}

/// A loop that runs for as long as its input lasts, whatever comes after it:
/// a `loop` or a `while` on awaited input that no `break` leaves.
fn runs_for_input(found: &SyntaxNode) -> bool {
    let endless = match found.kind() {
        SyntaxKind::LOOP_EXPR => true,
        SyntaxKind::WHILE_EXPR => ast::WhileExpr::cast(found.clone())
            .and_then(|w| w.condition())
            .is_some_and(|c| {
                c.syntax()
                    .descendants()
                    .any(|n| n.kind() == SyntaxKind::AWAIT_EXPR)
            }),
        _ => false,
    };
    endless && !has_break_out(found)
}

/// A local set spawned on at `spawn` (its receiver `path`): the loop that
/// repeats the spawn when nothing reaps the set as it goes.
fn local_repeat(path: &ast::PathExpr, spawn: &SyntaxNode, names: &Names) -> Option<Repeat> {
    let name_ref = path.path()?.as_single_name_ref()?;
    let binding = binding_of(&name_ref)?;
    let statement = binding
        .syntax()
        .ancestors()
        .find_map(ast::LetStmt::cast)
        .filter(|l| {
            l.pat().is_some_and(|p| {
                p.syntax()
                    .text_range()
                    .contains_range(binding.syntax().text_range())
            })
        })?;
    let found = unbounded_loop(spawn, statement.syntax().text_range().end())?;
    let uses = local_set_uses(&binding, names);
    if uses.iter().any(|(used, _)| *used == SetUse::Escape) {
        return None;
    }
    let reaps: Vec<&SyntaxNode> = uses
        .iter()
        .filter(|(used, _)| *used == SetUse::Reap)
        .map(|(_, place)| place)
        .collect();
    let loop_range = found.text_range();
    if reaps
        .iter()
        .any(|r| loop_range.contains_range(r.text_range()))
    {
        return None;
    }
    if !runs_for_input(&found) && reaps.iter().any(|r| reaps_repeatedly(r)) {
        return None;
    }
    Some(Repeat::of_loop(&found))
}

/// A reap in a loop (or `select!` branch in one), or `join_all`, which
/// drains the whole set.
fn reaps_repeatedly(place: &SyntaxNode) -> bool {
    let join_all = place
        .parent()
        .and_then(ast::MethodCallExpr::cast)
        .and_then(|c| method_name(&c))
        .is_some_and(|n| n == "join_all");
    join_all || enclosing_loop(place).is_some()
}

/// A field set spawned on at `spawn`: the loop, or the call in a loop of
/// the method holding the spawn, that repeats it, when the crate declares
/// the field as a task set that code outside it cannot reach (a `pub`
/// field of a `pub` struct of a library can be),
/// and no code of the crate reaps a field of that name or hands it
/// elsewhere.
fn field_repeat(field: &ast::FieldExpr, spawn: &SyntaxNode, cx: &Context<'_>) -> Option<Repeat> {
    let name = field.name_ref()?.text().to_string();
    let index = cx.imports.crate_index();
    let declared = index.set_fields(&name);
    let escapes = index.manifest.is_library && declared.iter().any(|field| field.public);
    if declared.is_empty() || escapes {
        return None;
    }
    if index.is_released(&name) {
        return None;
    }
    if let Some(found) = unbounded_loop(spawn, 0.into()) {
        return Some(Repeat::of_loop(&found));
    }
    let method = enclosing_method(spawn)?;
    if let Some(caller) = call_in_loop(&method, cx.root) {
        return Some(Repeat {
            range: caller,
            by: RepeatedBy::Call,
        });
    }
    // A call in a loop of another file.
    let (function, type_name) = &method;
    let parameters = parameter_count(function);
    let krate = index.module.split("::").next().unwrap_or_default();
    let (file, line) =
        index.called_in_loop(function.name()?.text(), type_name, parameters, krate)?;
    Some(Repeat {
        range: function.name()?.syntax().text_range(),
        by: RepeatedBy::CallElsewhere(file.to_owned(), line),
    })
}

/// The method of an impl whose own body (not a closure or async block in
/// it) holds `node`, with the name of the impl's type.
fn enclosing_method(node: &SyntaxNode) -> Option<(ast::Fn, String)> {
    let (body, _) = enclosing_body(node)?;
    let method = ast::Fn::cast(body)?;
    let imp = method
        .syntax()
        .parent()?
        .parent()
        .and_then(ast::Impl::cast)?;
    Some((method, impl_type_name(&imp)?))
}

fn impl_type_name(imp: &ast::Impl) -> Option<String> {
    let ast::Type::PathType(ty) = imp.self_ty()? else {
        return None;
    };
    Some(ty.path()?.segment()?.name_ref()?.text().to_string())
}

/// A call of `method` of the file, inside a loop that repeats it an unknown
/// number of times: `self.method(..)` in an impl of the type,
/// `Self::method(..)`, `Type::method(..)`, or `x.method(..)` on a local or
/// parameter whose written type or constructor names the type. Code in
/// other files that calls it in a loop is for the crate-wide call index to
/// find.
fn call_in_loop(method: &(ast::Fn, String), root: &SyntaxNode) -> Option<TextRange> {
    let (function, type_name) = method;
    let name = function.name()?.text().to_string();
    root.descendants()
        .filter(|n| {
            matches!(
                n.kind(),
                SyntaxKind::METHOD_CALL_EXPR | SyntaxKind::CALL_EXPR
            )
        })
        .filter(|n| calls_method_of(n, &name, type_name))
        .find(|n| unbounded_loop(n, 0.into()).is_some())
        .map(|n| n.text_range())
}

fn calls_method_of(node: &SyntaxNode, name: &str, type_name: &str) -> bool {
    let in_impl_of_type = || {
        node.ancestors()
            .find_map(ast::Impl::cast)
            .and_then(|imp| impl_type_name(&imp))
            .is_some_and(|t| t == type_name)
    };
    if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
        if method_name(&call).is_none_or(|n| n != name) {
            return false;
        }
        let Some(ast::Expr::PathExpr(receiver)) = call.receiver().map(unparen) else {
            return false;
        };
        if receiver.syntax().text() == "self" {
            return in_impl_of_type();
        }
        return local_of_type(&receiver, type_name);
    }
    let Some(path) = ast::CallExpr::cast(node.clone()).and_then(|c| callee_path(&c)) else {
        return false;
    };
    let named = path
        .segment()
        .and_then(|s| s.name_ref())
        .is_some_and(|n| n.text() == name);
    let Some(qualifier) = path.qualifier().filter(|q| q.qualifier().is_none()) else {
        return false;
    };
    let owner = qualifier.syntax().text().to_string();
    named && (owner == type_name || (owner == "Self" && in_impl_of_type()))
}

/// Whether the local `receiver` holds a value of the file's type
/// `type_name`: a parameter or `let` typed `Type`, `&mut Type`,
/// `Arc<Type>`, or a `let` initialised by `Type::constructor(..)` or
/// `Type { .. }`.
fn local_of_type(receiver: &ast::PathExpr, type_name: &str) -> bool {
    let Some(name) = receiver.path().and_then(|p| p.as_single_name_ref()) else {
        return false;
    };
    let names_type = |ty: Option<ast::Type>| {
        ty.is_some_and(|ty| {
            ty.syntax()
                .descendants()
                .filter_map(ast::NameRef::cast)
                .any(|n| n.text() == type_name)
        })
    };
    match find_binding(receiver.syntax(), name.text()) {
        Some(Binding::Param(param)) => names_type(param.ty()),
        Some(Binding::Let(binding)) if binding.ty().is_some() => names_type(binding.ty()),
        Some(Binding::Let(binding)) => match binding.initializer().map(unparen) {
            Some(ast::Expr::CallExpr(call)) => callee_path(&call)
                .and_then(|p| p.qualifier())
                .is_some_and(|q| q.syntax().text() == type_name),
            Some(ast::Expr::RecordExpr(record)) => record
                .path()
                .is_some_and(|p| p.syntax().text() == type_name),
            _ => false,
        },
        _ => false,
    }
}
