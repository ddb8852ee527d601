use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasLoopBody},
    awaits_implicitly, enclosing_body, is_drop_call, known_type, method_name, same_body_nodes,
    spawn_call, strip_future_wrappers, type_path, value_use, AstNode, Imports, KnownType, Mention,
    Names, SyntaxKind, SyntaxNode, TextRange, ValueUse, PERMIT_METHODS,
};

use super::{span, span_of};

pub struct PermitReleasedEarly;

static META: RuleMeta = RuleMeta {
    name: "permit-released-early",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Suspicious,
    fix: FixAvailability::Unsafe,
    skips_tests: false,
    summary: "Flags a semaphore permit that is released before the work it is meant to limit.",
    flags: "A permit taken by `acquire`, `acquire_owned`, `acquire_many`, `acquire_many_owned` \
or a `try_acquire*` call on a `tokio::sync::Semaphore` (a binding made by `Semaphore::new(..)`, \
also inside `Arc::new(..)`, or a parameter, local or same-file struct field typed `Semaphore` or \
`Arc<Semaphore>`), followed by `.await`, `?`, `.unwrap()`, `.expect(..)`, `.ok()`, `.map_err(..)` or \
`.context(..)`, that is\n\
- not bound at all: `let _ = sem.acquire().await;` or `let Ok(_) = sem.try_acquire() else { .. }` \
(any of the acquires), or the acquire as a statement (not for `acquire_many*`, which is also how code waits until every permit is \
back);\n\
- bound by `let` (`let permit = ..`, `let Ok(permit) = .. else { .. }`, `let permit = match \
.. { Ok(p) => p, .. }`), by an `if let`/`while let` condition (alive through its body; so is the unnamed permit of \
`if let Ok(_) = sem.try_acquire()`, the condition's temporary) or by \
the pattern of a `match` arm on the acquire (`Ok(permit) => { .. }`, alive through the arm) and \
alive at a spawn later in its block (`tokio::spawn`, `spawn_blocking`, a `JoinSet`, runtime handle or \
`TaskTracker` spawn) that does not take it: the binding is not mentioned in the spawned future \
or closure nor in the call's arguments, no `.await` (nor `select!`/`join!`) of the same body \
follows the spawn in the permit's block, awaiting the spawn's handle included, and the binding \
is not mentioned before the spawn nor after it (other than `drop(permit)`, or a borrow outside \
the spawn: `permit.num_permits()`, `&permit`, a format argument): a mention can move it into the work, store it with the work or `forget()` it (`let _ = permit;` is no mention: a \
wildcard binds nothing, and an async block that only does that does not capture the permit);\n\
- bound by `let` at the top of a function that returns a stream or a future (`impl Stream`, \
`BoxStream`, `BoxFuture`, `SendableRecordBatchStream`, ...) and never mentioned, with no `.await` \
after it: the value returned runs after the permit is gone;\n\
- handed in as a parameter typed `OwnedSemaphorePermit`/`SemaphorePermit` (also through a crate \
that re-exports tokio) of a closure or function that is not async and returns an async block it \
builds (through `Box::pin(..)`, `.boxed()`), when the parameter is `_` or never mentioned: it is \
dropped when the call returns, before the future runs. The primary span is then the parameter.",
    why: "A semaphore limits concurrency only while the permit is held by the work it counts. \
A permit bound to `_` is dropped at once; a permit that stays in the loop body while the work \
goes to `tokio::spawn` is dropped when the iteration ends, right after the spawn, while the task \
is just starting. Either way the limit no longer holds: the spawned tasks run unbounded and the \
code only looks bounded. Move the permit into the task (`acquire_owned` on an `Arc<Semaphore>`) \
so that it is released when the work ends.",
    example: r#"use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

async fn process(job: u64) {
    let _ = job;
}

async fn run(mut jobs: mpsc::Receiver<u64>) {
    let limit = Arc::new(Semaphore::new(8));
    while let Some(job) = jobs.recv().await {
        let _permit = limit.clone().acquire_owned().await.unwrap(); //~ permit-released-early
        tokio::spawn(process(job));
    }
}
"#,
    use_instead: r#"use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

async fn process(job: u64) {
    let _ = job;
}

async fn run(mut jobs: mpsc::Receiver<u64>) {
    let limit = Arc::new(Semaphore::new(8));
    while let Some(job) = jobs.recv().await {
        let permit = limit.clone().acquire_owned().await.unwrap();
        tokio::spawn(async move {
            process(job).await;
            drop(permit);
        });
    }
}
"#,
    options: &[],
    fix_safety: Some(
        "Only a permit bound to `_` (or acquired as a statement) gets a fix: it is bound to \
`_permit` instead, which keeps it to the end of its block. This is unsafe: the block then holds \
the permit for longer, which can wait forever if the same block acquires from that semaphore \
again or waits for work that needs a permit. A permit left behind by a spawn gets no fix: \
moving it into the task needs an owned permit (`acquire_owned` on an `Arc<Semaphore>`) and a \
place in the task where it should end.",
    ),
    see_also: &["unbounded-fanout", "detached-spawn"],
    clippy_twins: &[],
};

/// Return types of functions that hand out lazy work: a stream or future.
const LAZY_TYPES: &[&str] = &[
    "Stream",
    "TryStream",
    "Future",
    "TryFuture",
    "BoxStream",
    "BoxFuture",
    "LocalBoxStream",
    "LocalBoxFuture",
    "SendableRecordBatchStream",
];

impl Rule for PermitReleasedEarly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR, SyntaxKind::PARAM]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if let Some(param) = ast::Param::cast(node.clone()) {
            check_permit_param(&param, cx);
            return;
        }
        let Some(call) = ast::MethodCallExpr::cast(node.clone()) else {
            return;
        };
        let Some(method) = method_name(&call) else {
            return;
        };
        if !PERMIT_METHODS.contains(&method.as_str()) {
            return;
        }
        let is_semaphore = call
            .receiver()
            .is_some_and(|r| known_type(&r, cx.imports) == Some(KnownType::Semaphore));
        if !is_semaphore {
            return;
        }
        let permit = permit_value(node);
        let Some(mut parent) = permit.parent() else {
            return;
        };
        // `let permit = match sem.acquire().await { Ok(p) => p, Err(_) => return };`
        // binds the permit as the `let` does.
        if parent.kind() == SyntaxKind::MATCH_EXPR {
            match parent.parent().filter(|p| p.kind() == SyntaxKind::LET_STMT) {
                Some(statement) => parent = statement,
                // `match sem.try_acquire_owned() { Ok(permit) => { .. } .. }`:
                // the permit lives through its arm.
                None => {
                    let names = cx.file_fact(|_, _| Names::default());
                    let arms = ast::MatchExpr::cast(parent).and_then(|m| m.match_arm_list());
                    for arm in arms.iter().flat_map(|list| list.arms()) {
                        let Some(binding) = arm.pat().and_then(permit_binding) else {
                            continue;
                        };
                        let Some(scope) = Scope::of_arm(&arm) else {
                            continue;
                        };
                        if let Some(released) =
                            released_early(&scope, Some(&binding), &names, cx.imports)
                        {
                            report_released(&call, Some(&binding), &released, cx);
                            return;
                        }
                    }
                    return;
                }
            }
        }
        let waits_for_all =
            method.starts_with("acquire_many") || method.starts_with("try_acquire_many");
        match parent.kind() {
            SyntaxKind::LET_STMT => {
                let Some(statement) = ast::LetStmt::cast(parent) else {
                    return;
                };
                let Some(pat) = statement.pat() else {
                    return;
                };
                match unnamed(&pat) {
                    // `let _ = ..`, `let Ok(_) = .. else { .. }`.
                    Some(wildcard) => {
                        let rename = Edit {
                            span: span_of(&wildcard),
                            replacement: "_permit".to_owned(),
                        };
                        report_unbound(&call, rename, cx);
                    }
                    None => {
                        let Some(binding) = permit_binding(pat) else {
                            return;
                        };
                        let names = cx.file_fact(|_, _| Names::default());
                        let scope = Scope::after_let(&statement);
                        if let Some(released) =
                            released_early(&scope, Some(&binding), &names, cx.imports)
                        {
                            report_released(&call, Some(&binding), &released, cx);
                        }
                    }
                }
            }
            // `if let Ok(permit) = sem.try_acquire() { .. }`, `while let ..`:
            // the permit lives through the body.
            // `if let Ok(_) = sem.try_acquire() { .. }`: no name, but the
            // scrutinee's temporary, the permit, lives through the body too.
            SyntaxKind::LET_EXPR => {
                let Some(pat) = ast::LetExpr::cast(parent.clone()).and_then(|l| l.pat()) else {
                    return;
                };
                let binding = match unnamed(&pat) {
                    Some(_) => None,
                    None => {
                        let Some(binding) = permit_binding(pat) else {
                            return;
                        };
                        Some(binding)
                    }
                };
                let Some(scope) = Scope::of_condition(&parent) else {
                    return;
                };
                let names = cx.file_fact(|_, _| Names::default());
                if let Some(released) = released_early(&scope, binding.as_ref(), &names, cx.imports)
                {
                    report_released(&call, binding.as_ref(), &released, cx);
                }
            }
            SyntaxKind::EXPR_STMT if !waits_for_all => {
                let bind = Edit {
                    span: span(TextRange::empty(parent.text_range().start())),
                    replacement: "let _permit = ".to_owned(),
                };
                report_unbound(&call, bind, cx);
            }
            _ => {}
        }
    }
}

fn report_unbound(call: &ast::MethodCallExpr, edit: Edit, cx: &mut Context<'_>) {
    cx.report(
        Finding::new(
            span_of(call),
            "the permit is dropped as soon as it is acquired: nothing holds it, so the semaphore limits nothing",
        )
        .help("bind the permit to a name (`let _permit = ..`) for as long as the work it limits runs, or move it into that work")
        .fix(Fix {
            applicability: Applicability::Unsafe,
            edits: vec![edit],
        }),
    );
}

fn report_released(
    call: &ast::MethodCallExpr,
    binding: Option<&ast::IdentPat>,
    released: &Released,
    cx: &mut Context<'_>,
) {
    let (name, permit) = match binding {
        Some(binding) => {
            let name = binding.syntax().text().to_string();
            (format!("`{name}`"), format!("the permit `{name}`"))
        }
        None => ("the permit".to_owned(), "the permit".to_owned()),
    };
    let (label, what) = match released {
        Released::AtSpawn(spawn) => (
            (
                span(spawn_head(spawn)),
                format!("this task does not take {name}: it runs on after the permit is released"),
            ),
            "the task spawned after it",
        ),
        Released::AtReturn(value) => (
            (
                span_of(value),
                format!(
                    "this value is returned without {name}: it runs after the permit is released"
                ),
            ),
            "the stream or future returned after it",
        ),
    };
    cx.report(
        Finding::new(
            span_of(call),
            format!("{permit} is released at the end of its block, before {what} runs: the semaphore does not limit that work"),
        )
        .label(label.0, label.1)
        .help("move the permit into the work it limits: take it with `acquire_owned()` on an `Arc<Semaphore>` and drop it inside the spawned future (`async move { let _permit = permit; .. }`)"),
    );
}

/// A spawn call up to its arguments (`tokio::spawn`, `set.spawn`): the
/// spawned future can be long.
fn spawn_head(spawn: &SyntaxNode) -> TextRange {
    let start = spawn.text_range().start();
    spawn
        .children()
        .find(|c| c.kind() == SyntaxKind::ARG_LIST)
        .map_or(spawn.text_range(), |args| {
            TextRange::new(start, args.text_range().start())
        })
}

/// The expression whose value is the permit: the call with its `.await`,
/// `?`, `.unwrap()`, `.expect(..)`, `.ok()`, `.map_err(..)`, `.context(..)`
/// and parentheses.
fn permit_value(call: &SyntaxNode) -> SyntaxNode {
    let mut value = call.clone();
    while let Some(parent) = value.parent() {
        let unwraps = match parent.kind() {
            SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR | SyntaxKind::PAREN_EXPR => true,
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(parent.clone())
                .filter(|c| c.receiver().is_some_and(|r| *r.syntax() == value))
                .and_then(|c| method_name(&c))
                .is_some_and(|n| {
                    matches!(
                        n.as_str(),
                        "unwrap" | "expect" | "ok" | "map_err" | "context" | "with_context"
                    )
                }),
            _ => false,
        };
        if !unwraps {
            break;
        }
        value = parent;
    }
    value
}

/// The name a `let` binds the permit to: `permit`, `_permit`, or the one
/// name of `Ok(permit)`/`Some(permit)` (with `let .. else`).
/// The `_` of a pattern that binds the permit to no name: `_`, `Ok(_)`,
/// `Some(_)`.
fn unnamed(pat: &ast::Pat) -> Option<ast::WildcardPat> {
    match pat {
        ast::Pat::WildcardPat(wildcard) => Some(wildcard.clone()),
        ast::Pat::TupleStructPat(wrapper) => {
            let mut fields = wrapper.fields();
            match (fields.next(), fields.next()) {
                (Some(ast::Pat::WildcardPat(wildcard)), None) => Some(wildcard),
                _ => None,
            }
        }
        _ => None,
    }
}

fn permit_binding(pat: ast::Pat) -> Option<ast::IdentPat> {
    let ident = match pat {
        ast::Pat::IdentPat(ident) => ident,
        ast::Pat::TupleStructPat(wrapper) => {
            let mut fields = wrapper.fields();
            let only = fields.next()?;
            if fields.next().is_some() {
                return None;
            }
            match only {
                ast::Pat::IdentPat(ident) => ident,
                _ => return None,
            }
        }
        _ => return None,
    };
    (ident.ref_token().is_none() && ident.pat().is_none()).then_some(ident)
}

/// What runs after the permit is gone.
enum Released {
    AtSpawn(SyntaxNode),
    AtReturn(ast::Expr),
}

/// The spawn (or the returned value) that the permit bound by `statement`
/// is meant to limit but does not.
/// Where a permit binding lives: what runs after it while it is alive.
struct Scope {
    /// Where the binding is made.
    binding: TextRange,
    /// The statements after it, to the end of its scope.
    later: Vec<SyntaxNode>,
    /// The block whose tail is returned from the function, for a binding by
    /// `let` in the function's own block.
    block: Option<SyntaxNode>,
}

impl Scope {
    fn after_let(statement: &ast::LetStmt) -> Scope {
        Scope {
            binding: statement.syntax().text_range(),
            later: std::iter::successors(statement.syntax().next_sibling(), |s| s.next_sibling())
                .collect(),
            block: statement.syntax().parent(),
        }
    }

    /// The arm a `match` pattern binds in.
    fn of_arm(arm: &ast::MatchArm) -> Option<Scope> {
        let later = match arm.expr()? {
            ast::Expr::BlockExpr(block) => block.stmt_list()?.syntax().children().collect(),
            expr => vec![expr.syntax().clone()],
        };
        Some(Scope {
            binding: arm.pat()?.syntax().text_range(),
            later,
            block: None,
        })
    }

    /// The body an `if let`/`while let` condition guards.
    fn of_condition(let_expr: &SyntaxNode) -> Option<Scope> {
        let holder = let_expr
            .ancestors()
            .skip(1)
            .find(|n| matches!(n.kind(), SyntaxKind::IF_EXPR | SyntaxKind::WHILE_EXPR))?;
        let body = match ast::Expr::cast(holder)? {
            ast::Expr::IfExpr(expr) => expr.then_branch()?,
            ast::Expr::WhileExpr(expr) => expr.loop_body()?,
            _ => return None,
        };
        Some(Scope {
            binding: let_expr.text_range(),
            later: body.stmt_list()?.syntax().children().collect(),
            block: None,
        })
    }
}

/// `binding` is `None` for a permit no name holds (an `if let Ok(_)`
/// scrutinee's).
fn released_early(
    scope: &Scope,
    binding: Option<&ast::IdentPat>,
    names: &Names,
    imports: &Imports,
) -> Option<Released> {
    // Each mention, whether it only drops the permit, and whether it only
    // borrows it (`permit.num_permits()`, `&permit`, a format argument):
    // a borrow moves it nowhere.
    let owner = scope
        .later
        .first()
        .and_then(enclosing_body)
        .map(|(owner, _)| owner);
    let borrows = |m: &Mention| {
        owner
            .as_ref()
            .is_some_and(|owner| value_use(m, owner) == ValueUse::Borrowed)
            // `permit.forget()` keeps it from going back.
            && m.method_called().is_none_or(|(_, name)| name != "forget")
    };
    let mentions: Vec<(TextRange, bool, bool)> = binding
        .map(|binding| names.mentions(binding))
        .unwrap_or_default()
        .iter()
        .filter(|m| !matches!(m, Mention::Path(path) if is_ignored(path)))
        .map(|m| match m {
            Mention::Path(path) => (
                path.syntax().text_range(),
                is_dropped(path, imports),
                borrows(m),
            ),
            Mention::FormatCapture(token) => (token.text_range(), false, true),
            Mention::Unparsed(token) => (token.text_range(), false, false),
        })
        .collect();
    let later: Vec<SyntaxNode> = scope
        .later
        .iter()
        .flat_map(|sibling| same_body_nodes(sibling).collect::<Vec<_>>())
        .collect();
    let awaits_after = |at: TextRange| {
        later.iter().any(|n| {
            n.text_range().end() > at.end()
                && (n.kind() == SyntaxKind::AWAIT_EXPR
                    || ast::MacroCall::cast(n.clone())
                        .is_some_and(|m| awaits_implicitly(&m, imports)))
        })
    };
    if let Some(spawn) = later.iter().find(|n| spawn_call(n, imports).is_some()) {
        let at = spawn.text_range();
        // A mention before the spawn or in it may move the permit (into the
        // task, into storage, to `forget`); one after it may store it with
        // the work. Only a `drop` after the spawn, or a borrow outside it,
        // leaves it where it was.
        let untouched = mentions.iter().all(|(range, dropped, borrow)| {
            (*dropped && range.start() >= at.end()) || (*borrow && !at.contains_range(*range))
        });
        return (untouched && !awaits_after(at)).then(|| Released::AtSpawn(spawn.clone()));
    }
    if !mentions.is_empty() || awaits_after(scope.binding) {
        return None;
    }
    let block = scope.block.clone()?;
    let function = block.parent()?.parent().and_then(ast::Fn::cast)?;
    let returns_lazy = function.ret_type().and_then(|r| r.ty()).is_some_and(|ty| {
        ty.syntax()
            .descendants()
            .filter_map(ast::NameRef::cast)
            .any(|n| LAZY_TYPES.contains(&n.text()))
    });
    if !returns_lazy {
        return None;
    }
    ast::StmtList::cast(block)?
        .tail_expr()
        .map(Released::AtReturn)
}

const PERMIT_TYPES: &[&str] = &[
    "tokio::sync::OwnedSemaphorePermit",
    "tokio::sync::SemaphorePermit",
];

/// A permit handed in as a parameter of a closure or function that is not
/// async and returns a future it builds (`move |_: OwnedSemaphorePermit|
/// Box::pin(async move { .. })`): the parameter is dropped when the call
/// returns, before that future runs, unless the future takes it.
fn check_permit_param(param: &ast::Param, cx: &mut Context<'_>) {
    let Some(ty) = param.ty() else {
        return;
    };
    // Also through a crate that re-exports tokio (`base::tokio::sync::..`).
    let is_permit = |p: &str| {
        PERMIT_TYPES
            .iter()
            .any(|t| p == *t || p.strip_suffix(t).is_some_and(|head| head.ends_with("::")))
    };
    if type_path(&ty, cx.imports, &is_permit).is_none() {
        return;
    }
    let Some(owner) = param.syntax().parent().and_then(|list| list.parent()) else {
        return;
    };
    let body = if let Some(closure) = ast::ClosureExpr::cast(owner.clone()) {
        if closure.async_token().is_some() {
            return;
        }
        closure.body()
    } else if let Some(function) = ast::Fn::cast(owner) {
        if function.async_token().is_some() {
            return;
        }
        function.body().map(ast::Expr::BlockExpr)
    } else {
        return;
    };
    let Some(body) = body else {
        return;
    };
    let unused = match param.pat() {
        Some(ast::Pat::WildcardPat(_)) => true,
        Some(ast::Pat::IdentPat(binding)) => {
            let names = cx.file_fact(|_, _| Names::default());
            names.mentions(&binding).is_empty()
        }
        _ => false,
    };
    let Some(future) = returned_async_block(&body, cx.imports) else {
        return;
    };
    if !unused {
        return;
    }
    cx.report(
        Finding::new(
            span_of(param),
            "the permit handed in here is released when this call returns, before the future it returns runs: the semaphore does not limit that work",
        )
        .label(
            span_of(&future),
            "this future is returned without the permit: it runs after the permit is released",
        )
        .help("move the permit into the future: name it and take it inside (`async move { let _permit = permit; .. }`)"),
    );
}

/// The async block a body returns as its value (through `Box::pin(..)`,
/// `.boxed()`, a block's tail), when it builds one and awaits nothing itself.
fn returned_async_block(body: &ast::Expr, imports: &Imports) -> Option<ast::Expr> {
    let mut value = strip_future_wrappers(body.clone(), imports);
    for _ in 0..8 {
        let ast::Expr::BlockExpr(block) = &value else {
            return None;
        };
        if block.async_token().is_some() {
            return Some(value);
        }
        if block.modifier().is_some() {
            return None;
        }
        let returns_early = same_body_nodes(block.syntax())
            .any(|n| matches!(n.kind(), SyntaxKind::RETURN_EXPR | SyntaxKind::AWAIT_EXPR));
        if returns_early {
            return None;
        }
        value = strip_future_wrappers(block.stmt_list()?.tail_expr()?, imports);
    }
    None
}

/// `let _ = permit;`: a wildcard binds nothing, so the permit is neither
/// moved nor dropped there (and a closure or async block that mentions it
/// only so does not capture it).
fn is_ignored(path: &ast::PathExpr) -> bool {
    path.syntax()
        .parent()
        .and_then(ast::LetStmt::cast)
        .is_some_and(|statement| {
            matches!(statement.pat(), Some(ast::Pat::WildcardPat(_)))
                && statement
                    .initializer()
                    .is_some_and(|init| init.syntax() == path.syntax())
        })
}

/// `drop(permit)`: the permit ends there, it goes nowhere.
fn is_dropped(path: &ast::PathExpr, imports: &Imports) -> bool {
    path.syntax()
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
        .and_then(|args| args.parent())
        .is_some_and(|call| is_drop_call(&call, imports))
}
