use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasName},
    binds, body_kind, enclosing_body, is_drop_call, spawn_call, AstNode, BodyKind, SpawnKind,
    SyntaxKind, SyntaxNode,
};

use super::span_of;

pub struct DetachedSpawn;

static META: RuleMeta = RuleMeta {
    name: "detached-spawn",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags task spawns whose `JoinHandle` is thrown away.",
    flags: "A call to `tokio::spawn`, `tokio::task::spawn`, `tokio::task::spawn_local` or \
`tokio::task::spawn_blocking` (or the same method on a `tokio::runtime::Handle` or `Runtime` \
value) whose `JoinHandle` is discarded: the call is an expression statement, is bound to `_` \
(`let _ =`, or assigned to it: `_ = spawn(..);`), is passed to `drop(..)`, or is bound to an `_name` that the rest of the block never mentions. \
A handle that is used, pushed, passed to a call, stored, returned (the tail expression of a \
function, closure or async block), awaited or aborted is kept; spawns on a `JoinSet` or a \
`tokio_util::task::TaskTracker` own their tasks; `std::thread::spawn` is not a task spawn. \
A trait method that only hands the future it was given to the runtime (`impl Executor<F> for \
TokioExecutor { fn execute(&self, fut: F) { tokio::spawn(fut); } }`) is an executor adapter: \
the trait leaves it no handle to return, and its caller owns the task.",
    why: "Dropping a `JoinHandle` does not stop the task: it keeps running, detached from the \
code that started it. Nobody waits for it to finish before shutting down, nobody sees its \
panic or its error, and nothing can cancel it. Child tasks should complete before their parent \
returns: keep the handle and await it, put the task in a `JoinSet`, or track it with a \
`TaskTracker` so that shutdown can wait for it.",
    example: r#"async fn handle(job: u64) {
    let _ = job;
}

async fn start(jobs: Vec<u64>) {
    for job in jobs {
        tokio::spawn(handle(job)); //~ detached-spawn
    }
    let _ = tokio::task::spawn_blocking(|| std::fs::read("config.toml")); //~ detached-spawn
}
"#,
    use_instead: r#"use tokio::task::JoinSet;

async fn handle(job: u64) {
    let _ = job;
}

async fn start(jobs: Vec<u64>) -> std::io::Result<Vec<u8>> {
    let mut set = JoinSet::new();
    for job in jobs {
        set.spawn(handle(job));
    }
    let config = tokio::task::spawn_blocking(|| std::fs::read("config.toml"));
    while let Some(done) = set.join_next().await {
        done.ok();
    }
    config.await?
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["unbounded-fanout", "uncancellable-loop"],
    clippy_twins: &[],
};

/// How a spawn's `JoinHandle` is thrown away.
enum Discard {
    Statement,
    Wildcard,
    Dropped,
    UnusedBinding(String),
}

impl Rule for DetachedSpawn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR, SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(spawn) = spawn_call(node, cx.imports) else {
            return;
        };
        if spawn.kind != SpawnKind::Detachable {
            return;
        }
        if spawn
            .task
            .as_ref()
            .is_some_and(|task| is_executor_adapter(node, task))
        {
            return;
        }
        let Some(discard) = discard(node, cx) else {
            return;
        };
        let how = match &discard {
            Discard::Statement => "is thrown away".to_owned(),
            Discard::Wildcard => "is bound to `_`".to_owned(),
            Discard::Dropped => "is dropped".to_owned(),
            Discard::UnusedBinding(name) => format!("is bound to `{name}` and never used"),
        };
        let Some(call) = ast::Expr::cast(node.clone()) else {
            return;
        };
        cx.report(
            Finding::new(
                span_of(&call),
                format!("the spawned task is detached: its `JoinHandle` {how}, so nothing waits for it, sees its failure or can cancel it"),
            )
            .help("keep the `JoinHandle` and await it, or spawn on a `JoinSet` (or a `TaskTracker`) that shutdown waits for"),
        );
    }
}

/// A trait method that hands the future it was given to the runtime
/// (`impl Executor<F> for TokioExecutor { fn execute(&self, fut: F) {
/// tokio::spawn(fut); } }`): the trait's signature leaves no handle to
/// keep, and its caller owns the task.
fn is_executor_adapter(spawn: &SyntaxNode, task: &ast::Expr) -> bool {
    let ast::Expr::PathExpr(path) = task else {
        return false;
    };
    let Some(name) = path.path().and_then(|p| p.as_single_name_ref()) else {
        return false;
    };
    let Some((body, BodyKind::Fn)) = enclosing_body(spawn) else {
        return false;
    };
    let Some(function) = ast::Fn::cast(body) else {
        return false;
    };
    let forwards_param = function
        .param_list()
        .is_some_and(|params| params.params().any(|param| binds(param.pat(), name.text())));
    let in_trait_impl = function
        .syntax()
        .parent()
        .and_then(|list| list.parent())
        .and_then(ast::Impl::cast)
        .is_some_and(|imp| imp.trait_().is_some());
    forwards_param && in_trait_impl
}

/// Follows the value of the spawn call `node` up through parentheses and
/// the branches of `if`/`match` and blocks that produce it, to where it
/// lands.
fn discard(node: &SyntaxNode, cx: &Context<'_>) -> Option<Discard> {
    let mut value = node.clone();
    loop {
        let parent = value.parent()?;
        match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::MATCH_ARM | SyntaxKind::MATCH_ARM_LIST => {
                value = parent
            }
            // A branch of the `if` or the `match`, not what it tests.
            SyntaxKind::IF_EXPR => {
                let condition = parent.children().find_map(ast::Expr::cast)?;
                if *condition.syntax() == value {
                    return None;
                }
                value = parent;
            }
            SyntaxKind::MATCH_EXPR if value.kind() == SyntaxKind::MATCH_ARM_LIST => value = parent,
            SyntaxKind::STMT_LIST => value = block_value(&parent)?,
            SyntaxKind::EXPR_STMT => return Some(Discard::Statement),
            SyntaxKind::LET_STMT => return let_discard(&parent),
            // `_ = spawn(..);`: assigned to nothing, as `let _ =`.
            SyntaxKind::BIN_EXPR => {
                let assign = ast::BinExpr::cast(parent)?;
                let to_nothing = matches!(
                    assign.op_kind(),
                    Some(ast::BinaryOp::Assignment { op: None })
                ) && matches!(assign.lhs(), Some(ast::Expr::UnderscoreExpr(_)))
                    && assign.rhs().is_some_and(|rhs| *rhs.syntax() == value);
                return to_nothing.then_some(Discard::Wildcard);
            }
            SyntaxKind::ARG_LIST => {
                return is_drop_call(&parent.parent()?, cx.imports).then_some(Discard::Dropped)
            }
            _ => return None,
        }
    }
}

/// The block whose value is the tail expression of `stmt_list`, when that
/// value goes on to its parent; `None` when it is returned from a function,
/// closure or async block.
fn block_value(stmt_list: &SyntaxNode) -> Option<SyntaxNode> {
    let block = stmt_list.parent()?;
    if body_kind(&block).is_some() {
        return None;
    }
    let returned = block
        .parent()
        .is_none_or(|p| matches!(p.kind(), SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR));
    (!returned).then_some(block)
}

/// `let _ = spawn(..)`, or `let _name = spawn(..)` with `_name` never
/// mentioned again in the block.
fn let_discard(stmt: &SyntaxNode) -> Option<Discard> {
    let stmt = ast::LetStmt::cast(stmt.clone())?;
    match stmt.pat()? {
        ast::Pat::WildcardPat(_) => Some(Discard::Wildcard),
        ast::Pat::IdentPat(ident) => {
            let name = ident.name()?.text().to_string();
            let unused = name.len() > 1 && name.starts_with('_') && !mentioned_after(&stmt, &name);
            unused.then_some(Discard::UnusedBinding(name))
        }
        _ => None,
    }
}

/// Whether any later statement of the block names `name` (also inside
/// macro token trees, which stay tokens when they are not expressions).
fn mentioned_after(stmt: &ast::LetStmt, name: &str) -> bool {
    std::iter::successors(stmt.syntax().next_sibling(), |s| s.next_sibling())
        .flat_map(|sibling| sibling.descendants_with_tokens())
        .any(|element| {
            element
                .as_token()
                .is_some_and(|t| t.kind() == SyntaxKind::IDENT && t.text() == name)
        })
}
