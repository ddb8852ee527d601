use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::ast::{self, HasArgList};
use crate::syntax::{
    callee_path, let_bound, method_name, resolve_call, segments, spawn_call, unparen, AstNode,
    Imports, Mention, Names, SpawnKind, SyntaxKind, SyntaxNode, TextRange, TextSize, FORMAT_MACROS,
};

use super::{span, span_of};

pub struct MutexForTaskResults;

static META: RuleMeta = RuleMeta {
    name: "mutex-for-task-results",
    pattern: Pattern::Spawn,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags an `Arc<Mutex<..>>` used only to gather the results of spawned tasks.",
    flags: "`Arc::new(Mutex::new(INIT))` (std, tokio or parking_lot `Mutex` or `RwLock`; INIT \
an empty collection such as `Vec::new()`, `vec![]`, `HashMap::new()`, `String::new()`, \
`Default::default()`, or a number literal) bound to a name whose clones (`x.clone()`, \
`Arc::clone(&x)`) are moved into spawned tasks (`tokio::spawn`, `tokio::task::spawn`, \
`spawn_local`, `spawn_blocking`, a `Runtime`/`Handle` spawn, `JoinSet::spawn`, \
`std::thread::spawn`: every one of them returns the task's value through its handle) whose \
handle is kept (awaited, bound to a name that is used and not `.abort()`ed, pushed, collected; \
any task of a `JoinSet`), so that the owner can wait for it, where they are only added to through the guard (`push`, `push_back`, `push_front`, `extend`, \
`extend_from_slice`, `append`, `push_str`, a discarded `insert`, `*guard += n`), directly or \
through a guard bound with `let`, `if let Ok(g)` or the arms of a `match` on the lock (a \
poisoned lock's `into_inner()` counts as the guard, and so does \
`.unwrap_or_else(PoisonError::into_inner)`), while the function that made it locks, unwraps or prints it after the first spawn. Not \
flagged when any task reads the value (`len`, `get`, `contains`, iteration, comparison, any \
other method, or a used `insert` result), nor when the value or a clone goes anywhere we cannot \
follow (passed to a function, stored in a struct, captured by a closure that is not a spawned \
task).",
    why: "Independent tasks do not need shared state to hand back their results: a spawned \
task's `JoinHandle` already returns its value. Funnelling results through a lock makes every \
task contend for it, hides which task produced what, and needs an `Arc`, clones in the loop \
and an unwrap of the lock at the end; if a task panics or is cancelled, its missing result goes \
unnoticed.",
    example: r#"use std::sync::{Arc, Mutex};

async fn lengths(urls: Vec<String>) -> Vec<usize> {
    let results = Arc::new(Mutex::new(Vec::new())); //~ mutex-for-task-results
    let mut handles = Vec::new();
    for url in urls {
        let results = Arc::clone(&results);
        handles.push(tokio::spawn(async move {
            results.lock().unwrap().push(url.len());
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    let lengths = results.lock().unwrap().clone();
    lengths
}
"#,
    use_instead: r#"use tokio::task::JoinSet;

async fn lengths(urls: Vec<String>) -> Vec<usize> {
    let mut set = JoinSet::new();
    for url in urls {
        set.spawn(async move { url.len() });
    }
    let mut lengths = Vec::new();
    while let Some(length) = set.join_next().await {
        lengths.push(length.unwrap());
    }
    lengths
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["detached-spawn", "unbounded-fanout"],
    clippy_twins: &[],
};

const ARC_NEW: &[&str] = &["std::sync::Arc::new", "alloc::sync::Arc::new"];

const LOCK_NEW: &[&str] = &[
    "std::sync::Mutex::new",
    "std::sync::RwLock::new",
    "tokio::sync::Mutex::new",
    "tokio::sync::RwLock::new",
    "parking_lot::Mutex::new",
    "parking_lot::RwLock::new",
];

const CLONE: &[&str] = &[
    "std::sync::Arc::clone",
    "alloc::sync::Arc::clone",
    "Clone::clone",
    "std::clone::Clone::clone",
    "core::clone::Clone::clone",
];

const UNWRAP_ARC: &[&str] = &[
    "std::sync::Arc::try_unwrap",
    "std::sync::Arc::into_inner",
    "alloc::sync::Arc::try_unwrap",
    "alloc::sync::Arc::into_inner",
];

const THREAD_SPAWN: &[&str] = &["std::thread::spawn"];

const DEFAULT: &[&str] = &[
    "Default::default",
    "std::default::Default::default",
    "core::default::Default::default",
];

/// Types whose `new()`/`default()`/`with_capacity(n)` is an empty collection.
const COLLECTIONS: &[&str] = &[
    "Vec",
    "VecDeque",
    "LinkedList",
    "BinaryHeap",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "IndexMap",
    "IndexSet",
    "String",
];

/// Methods that only add to a collection and return `()`.
const ADDS: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "extend",
    "extend_from_slice",
    "append",
    "push_str",
];

/// Ways the owner gets at the value (after the tasks).
const OWNER_ACCESS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "try_read",
    "try_write",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "lock_owned",
    "read_owned",
    "write_owned",
];

/// Clones are followed this many times at most.
const MAX_ALIASES: usize = 64;

impl Rule for MutexForTaskResults {
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
        if resolve_call(&call, cx.imports, ARC_NEW).is_none() {
            return;
        }
        let Some(lock) = single_arg(&call).and_then(|arg| match unparen(arg) {
            ast::Expr::CallExpr(lock) => Some(lock),
            _ => None,
        }) else {
            return;
        };
        if resolve_call(&lock, cx.imports, LOCK_NEW).is_none() {
            return;
        }
        if !single_arg(&lock).is_some_and(|init| is_empty_init(&init, cx.imports)) {
            return;
        }
        let Some(binding) = let_bound(call.syntax()) else {
            return;
        };
        let names = cx.file_fact(|_, _| Names::default());
        let Some(first_add) = gathered_by_tasks(&binding, cx.imports, &names) else {
            return;
        };
        cx.report(
            Finding::new(
                span_of(&call),
                "this shared state only gathers the results of spawned tasks: they add to it and never read it",
            )
            .label(span(first_add), "a task adds its result here")
            .help("return each task's value from the task and collect them from its `JoinHandle` (or spawn them on a `JoinSet` and use `join_next`)"),
        );
    }
}

fn single_arg(call: &ast::CallExpr) -> Option<ast::Expr> {
    let mut args = call.arg_list()?.args();
    let first = args.next()?;
    args.next().is_none().then_some(first)
}

/// An empty collection, `Default::default()` or a number literal.
fn is_empty_init(init: &ast::Expr, imports: &Imports) -> bool {
    match unparen(init.clone()) {
        ast::Expr::Literal(literal) => matches!(
            literal.kind(),
            ast::LiteralKind::IntNumber(_) | ast::LiteralKind::FloatNumber(_)
        ),
        ast::Expr::CallExpr(call) => is_empty_constructor(&call, imports),
        ast::Expr::MacroExpr(expr) => expr.macro_call().is_some_and(|m| is_empty_vec(&m)),
        _ => false,
    }
}

fn is_empty_constructor(call: &ast::CallExpr, imports: &Imports) -> bool {
    let Some(path) = callee_path(call) else {
        return false;
    };
    let args = call.arg_list().map_or(0, |a| a.args().count());
    if resolve_call(call, imports, DEFAULT).is_some() {
        return args == 0;
    }
    let names = segments(&path);
    let [.., ty, function] = names.as_slice() else {
        return false;
    };
    COLLECTIONS.contains(&ty.as_str())
        && match function.as_str() {
            "new" | "default" => args == 0,
            "with_capacity" => args == 1,
            _ => false,
        }
}

/// `vec![]`.
fn is_empty_vec(call: &ast::MacroCall) -> bool {
    let Some(path) = call.path() else {
        return false;
    };
    let names = segments(&path);
    let is_vec = matches!(
        names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["vec"] | ["std", "vec"] | ["alloc", "vec"]
    );
    let Some(body) = call.syntax().last_child() else {
        return false;
    };
    let text = body.text().to_string();
    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("x");
    is_vec && inner.trim().is_empty()
}

/// What a mention of the shared value (or of a clone) does.
enum Use {
    /// `let b = a.clone();`: a new name to follow.
    Copy(ast::IdentPat),
    /// An addition inside the task spawned at `spawn`.
    TaskAdd { spawn: TextSize, add: TextRange },
    /// The owner gets at the value.
    OwnerAccess(TextSize),
}

/// Where a task first adds to the shared value, when every mention of it
/// and its clones is a clone, an addition inside a spawned task, or an
/// access by the owner; and the owner accesses it after a task was spawned.
fn gathered_by_tasks(
    binding: &ast::IdentPat,
    imports: &Imports,
    names: &Names,
) -> Option<TextRange> {
    let home = binding.syntax().parent()?.text_range();
    let mut aliases = vec![binding.clone()];
    let mut first: Option<(TextSize, TextRange)> = None;
    let mut owner_accesses = Vec::new();
    let mut next = 0;
    while let Some(alias) = aliases.get(next).cloned() {
        next += 1;
        if next > MAX_ALIASES {
            return None;
        }
        let is_owner = &alias == binding;
        for mention in names.mentions(&alias) {
            match classify(&mention, is_owner, home, imports, names)? {
                Use::Copy(copy) => aliases.push(copy),
                Use::TaskAdd { spawn, add } => {
                    if first.is_none_or(|(earliest, _)| spawn < earliest) {
                        first = Some((spawn, add));
                    }
                }
                Use::OwnerAccess(at) => owner_accesses.push(at),
            }
        }
    }
    let (spawn, add) = first?;
    owner_accesses
        .iter()
        .any(|access| *access > spawn)
        .then_some(add)
}

/// What `mention` does; `None` when it reads the value in a task or lets
/// it go where we cannot follow.
fn classify(
    mention: &Mention,
    is_owner: bool,
    home: TextRange,
    imports: &Imports,
    names: &Names,
) -> Option<Use> {
    let path = match mention {
        Mention::Path(path) => path,
        Mention::FormatCapture(token) => {
            let in_task = spawning_task(&token.parent()?, home, imports).is_some();
            return (is_owner && !in_task).then(|| Use::OwnerAccess(token.text_range().start()));
        }
        Mention::Unparsed(_) => return None,
    };
    if let Some(copy) = copied_into(path, imports) {
        return Some(Use::Copy(copy));
    }
    if let Some(spawn) = spawning_task(path.syntax(), home, imports) {
        let add = added_through(path, names)?;
        if !handle_kept(&spawn, imports, names) {
            return None;
        }
        let spawn = spawn.text_range().start();
        return Some(Use::TaskAdd { spawn, add });
    }
    (is_owner && is_owner_access(path, imports))
        .then(|| Use::OwnerAccess(path.syntax().text_range().start()))
}

/// The new binding when `path` is copied into one: `let b = a.clone();`,
/// `let b = Arc::clone(&a);` or `let b = a;`.
fn copied_into(path: &ast::PathExpr, imports: &Imports) -> Option<ast::IdentPat> {
    let parent = path.syntax().parent()?;
    let copy = if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
        let is_clone = method_name(&call)? == "clone"
            && call.arg_list()?.args().next().is_none()
            && call.receiver()?.syntax() == path.syntax();
        is_clone.then(|| call.syntax().clone())?
    } else if let Some(reference) = ast::RefExpr::cast(parent.clone()) {
        let call = ast::CallExpr::cast(reference.syntax().parent()?.parent()?)?;
        resolve_call(&call, imports, CLONE)?;
        call.syntax().clone()
    } else {
        path.syntax().clone()
    };
    let_bound(&copy)
}

/// The spawn call whose task (future or closure) contains `node`, looking
/// no further out than the shared value's `let` at `home`.
fn spawning_task(node: &SyntaxNode, home: TextRange, imports: &Imports) -> Option<SyntaxNode> {
    let inside = node.text_range();
    node.ancestors()
        .take_while(|a| !a.text_range().contains_range(home))
        .filter(|a| {
            matches!(
                a.kind(),
                SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR
            )
        })
        .find(|a| {
            task_of(a, imports).is_some_and(|t| t.syntax().text_range().contains_range(inside))
        })
}

/// Whether whoever spawned the task can wait for it to finish: it runs on
/// a `JoinSet` or `TaskTracker`, or its handle is kept (awaited, bound to a
/// name that is used and not `.abort()`ed, pushed, collected, passed on).
/// A task whose handle is thrown away may still be running when the owner
/// reads, like a recorder that outlives the reads; its value could not be
/// returned through the handle.
fn handle_kept(spawn: &SyntaxNode, imports: &Imports, names: &Names) -> bool {
    if spawn_call(spawn, imports).is_some_and(|s| s.kind == SpawnKind::Owned) {
        return true;
    }
    let mut handle = spawn.clone();
    while let Some(paren) = handle
        .parent()
        .filter(|p| p.kind() == SyntaxKind::PAREN_EXPR)
    {
        handle = paren;
    }
    let Some(parent) = handle.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::EXPR_STMT => false,
        SyntaxKind::LET_STMT => let_bound(&handle).is_some_and(|name| {
            let uses = names.mentions(&name);
            !uses.is_empty() && !uses.iter().any(is_aborted)
        }),
        _ => true,
    }
}

/// `handle.abort()`.
fn is_aborted(mention: &Mention) -> bool {
    mention
        .method_called()
        .is_some_and(|(_, name)| name == "abort")
}

/// The future or closure a spawn call runs.
fn task_of(call: &SyntaxNode, imports: &Imports) -> Option<ast::Expr> {
    if let Some(spawn) = spawn_call(call, imports) {
        return spawn.task;
    }
    let call = ast::CallExpr::cast(call.clone())?;
    resolve_call(&call, imports, THREAD_SPAWN)?;
    call.arg_list()?.args().next()
}

/// Where a task's mention of the shared value adds to it: `x.lock()` (or
/// `.write()`), awaited and unwrapped as needed, then an addition through
/// the guard, or a guard bound with `let` that is only added through.
fn added_through(path: &ast::PathExpr, names: &Names) -> Option<TextRange> {
    let guard = guard_expr(path)?;
    if adds_through(&guard) {
        return Some(guard.parent()?.text_range());
    }
    let mut adds = None;
    for binding in guard_bindings(&guard)? {
        for mention in &names.mentions(&binding) {
            let Mention::Path(path) = mention else {
                return None;
            };
            // `Err(poisoned) => poisoned.into_inner().push(..)`.
            let recovered = mention
                .method_called()
                .filter(|(_, name)| name == "into_inner")
                .map(|(call, _)| call.syntax().clone());
            let at = recovered.unwrap_or_else(|| path.syntax().clone());
            if adds_through(&at) {
                adds = adds.or(at.parent().map(|p| p.text_range()));
            } else if !is_dropped(path) {
                return None;
            }
        }
    }
    adds
}

/// The names a guard (or the `Result` of taking it) is bound to: `let g =
/// ..`, `if let Ok(g) = ..`, and the `Ok(g)`/`Err(poisoned)` arms of a
/// `match` on it. `None` when it goes anywhere else.
fn guard_bindings(guard: &SyntaxNode) -> Option<Vec<ast::IdentPat>> {
    if let Some(binding) = let_bound(guard) {
        return Some(vec![binding]);
    }
    let parent = guard.parent()?;
    let patterns: Vec<ast::Pat> = if let Some(test) = ast::LetExpr::cast(parent.clone()) {
        vec![test.pat()?]
    } else if let Some(matched) = ast::MatchExpr::cast(parent) {
        matched
            .match_arm_list()?
            .arms()
            .filter_map(|arm| arm.pat())
            .collect()
    } else {
        return None;
    };
    let mut bindings = Vec::new();
    for pattern in patterns {
        let ast::Pat::TupleStructPat(variant) = pattern else {
            continue;
        };
        let mut fields = variant.fields();
        if let (Some(ast::Pat::IdentPat(binding)), None) = (fields.next(), fields.next()) {
            bindings.push(binding);
        }
    }
    (!bindings.is_empty()).then_some(bindings)
}

/// `x.lock()` / `x.write()` with what unwraps the guard: `.await`,
/// `.unwrap()`, `.expect(..)`, `?`.
fn guard_expr(path: &ast::PathExpr) -> Option<SyntaxNode> {
    let lock = ast::MethodCallExpr::cast(path.syntax().parent()?)?;
    let locks = matches!(method_name(&lock)?.as_str(), "lock" | "write")
        && lock.arg_list()?.args().next().is_none()
        && lock.receiver()?.syntax() == path.syntax();
    if !locks {
        return None;
    }
    let mut guard = lock.syntax().clone();
    while let Some(parent) = guard.parent() {
        let unwraps = match parent.kind() {
            SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR => true,
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(parent.clone())
                .filter(|call| call.receiver().is_some_and(|r| r.syntax() == &guard))
                .and_then(|call| method_name(&call))
                .is_some_and(|name| {
                    // `.unwrap_or_else(PoisonError::into_inner)`: poison recovered.
                    matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or_else")
                }),
            _ => false,
        };
        if !unwraps {
            break;
        }
        guard = parent;
    }
    Some(guard)
}

/// `guard.push(..)` (and the other additions) or `*guard += n`.
fn adds_through(guard: &SyntaxNode) -> bool {
    let Some(parent) = guard.parent() else {
        return false;
    };
    if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
        let Some(name) = method_name(&call) else {
            return false;
        };
        let on_guard = call.receiver().is_some_and(|r| r.syntax() == guard);
        return on_guard
            && (ADDS.contains(&name.as_str()) || name == "insert" && is_discarded(call.syntax()));
    }
    let Some(deref) = ast::PrefixExpr::cast(parent) else {
        return false;
    };
    if deref.op_kind() != Some(ast::UnaryOp::Deref) {
        return false;
    }
    deref
        .syntax()
        .parent()
        .and_then(ast::BinExpr::cast)
        .is_some_and(|assign| {
            assign.op_kind()
                == Some(ast::BinaryOp::Assignment {
                    op: Some(ast::ArithOp::Add),
                })
                && assign
                    .lhs()
                    .is_some_and(|lhs| lhs.syntax() == deref.syntax())
        })
}

/// An expression statement, or `let _ = ..`.
fn is_discarded(expr: &SyntaxNode) -> bool {
    let Some(parent) = expr.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::EXPR_STMT => true,
        SyntaxKind::LET_STMT => ast::LetStmt::cast(parent)
            .and_then(|stmt| stmt.pat())
            .is_some_and(|pat| matches!(pat, ast::Pat::WildcardPat(_))),
        _ => false,
    }
}

/// `drop(guard)`.
fn is_dropped(path: &ast::PathExpr) -> bool {
    path.syntax()
        .parent()
        .filter(|list| list.kind() == SyntaxKind::ARG_LIST)
        .and_then(|list| list.parent())
        .and_then(ast::CallExpr::cast)
        .and_then(|call| callee_path(&call))
        .is_some_and(|callee| {
            let names = segments(&callee);
            names == ["drop"] || names == ["std", "mem", "drop"]
        })
}

/// The owner locks the value (`x.lock()`, `x.read()`, ...), takes it out
/// of the `Arc` (`Arc::try_unwrap(x)`, `Arc::into_inner(x)`) or prints it
/// (`println!("{:?}", x)`).
fn is_owner_access(path: &ast::PathExpr, imports: &Imports) -> bool {
    let Some(parent) = path.syntax().parent() else {
        return false;
    };
    if is_formatted(&parent) {
        return true;
    }
    if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
        return call.receiver().is_some_and(|r| r.syntax() == path.syntax())
            && method_name(&call).is_some_and(|name| OWNER_ACCESS.contains(&name.as_str()));
    }
    if parent.kind() != SyntaxKind::ARG_LIST {
        return false;
    }
    parent
        .parent()
        .and_then(ast::CallExpr::cast)
        .is_some_and(|call| resolve_call(&call, imports, UNWRAP_ARC).is_some())
}

/// Whether `args` (or the reference it makes) is the argument list of a
/// formatting or assertion macro, which only reads its arguments.
fn is_formatted(args: &SyntaxNode) -> bool {
    let list = match args.kind() {
        SyntaxKind::REF_EXPR => args.parent(),
        _ => Some(args.clone()),
    };
    list.filter(|l| matches!(l.kind(), SyntaxKind::TUPLE_EXPR | SyntaxKind::PAREN_EXPR))
        .and_then(|l| ast::MacroCall::cast(l.parent()?))
        .and_then(|call| call.path()?.segment()?.name_ref())
        .is_some_and(|name| FORMAT_MACROS.contains(&name.text()))
}
