use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, callee_path, created_future, is_broadcast_receiver, is_irrefutable, is_task_handle,
    is_tokio_select, known_type, method_name, segments, strip_future_wrappers, unparen, unref,
    variant_field, AstNode, Imports, KnownType, SelectBranch, SyntaxKind, SyntaxNode,
};

use super::span_of;

pub struct SelectPatternDropsValue;

static META: RuleMeta = RuleMeta {
    name: "select-pattern-drops-value",
    pattern: Pattern::Errors,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary:
        "Flags `tokio::select!` branch patterns that drop a produced value when they do not match.",
    flags: "A branch of `tokio::select!` (resolved through the file's imports) whose pattern \
can fail on a value the future produced: a pattern with `Some`, `Ok` or `Err`, `None`, a \
literal, a range, an or-pattern or an enum variant (`Command::Stop`, or a bare `Stop`/`Circle(r)` \
the file imports from its enum: `use Command::*;`, `use Shape::Circle;`), such as \
`Some(Err(e)) = set.join_next()`, `Ok(Some(msg)) = read_frame(..)`, \
`Some(Command::Stop) = rx.recv()`, `Ok(n) = sock.read(&mut buf)`. Not flagged: patterns \
whose only refuted case means the source has closed: `Some(x)` (`x` irrefutable) on `recv()`, \
`recv_many`, `next()`, `join_next()`/`join_next_with_id()`; `Ok(x)` on `changed()`, on \
`recv()` of a receiver not known to be a broadcast one (whose error may be a lag); \
`Some(x)` and `Ok(x)` on a future polled by place (`&mut rx`, `self.reply`: a oneshot \
receiver, or a future bound from a call the file cannot type), unless it is a task's \
`JoinHandle`; `Some(x)` on an `OptionFuture` and on quinn's `accept()`. Futures created in \
the branch are followed through `.fuse()`, pinning, `&mut`, `let` bindings, and \
`async { fut.await }`. `futures::select!` is not checked: its patterns \
must be irrefutable. An `else` branch does not exempt a branch.",
    why: "When a branch's future completes with a value its pattern does not match, \
`tokio::select!` disables the branch for the rest of that call and the value is gone: a \
task's result, a message, an error. Nothing logs it, and in a loop the next iteration starts \
a fresh future as if nothing had happened. `Some(Ok(x)) = set.join_next()` silently loses \
every task that failed or panicked; `Ok(n) = sock.read(&mut buf)` hides an I/O error. The \
`else` branch does not help: it runs only when every branch is disabled and never sees the \
dropped value.",
    example: r#"use tokio::sync::mpsc;
use tokio::task::JoinSet;

enum Command {
    Work(u32),
    Stop,
}

async fn run(mut rx: mpsc::Receiver<Command>, mut tasks: JoinSet<anyhow::Result<()>>) {
    loop {
        tokio::select! {
            Some(Ok(Ok(()))) = tasks.join_next() => {} //~ select-pattern-drops-value
            Some(Command::Work(n)) = rx.recv() => { //~ select-pattern-drops-value
                tasks.spawn(async move { work(n).await });
            }
            else => break,
        }
    }
}

async fn work(_n: u32) -> anyhow::Result<()> {
    Ok(())
}
"#,
    use_instead: r#"use tokio::sync::mpsc;
use tokio::task::JoinSet;

enum Command {
    Work(u32),
    Stop,
}

async fn run(mut rx: mpsc::Receiver<Command>, mut tasks: JoinSet<anyhow::Result<()>>) {
    loop {
        tokio::select! {
            Some(done) = tasks.join_next() => match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => eprintln!("task failed: {error}"),
                Err(error) => eprintln!("task panicked: {error}"),
            },
            Some(command) = rx.recv() => match command {
                Command::Work(n) => {
                    tasks.spawn(async move { work(n).await });
                }
                Command::Stop => break,
            },
            else => break,
        }
    }
}

async fn work(_n: u32) -> anyhow::Result<()> {
    Ok(())
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["cancel-unsafe-select", "select-on-empty-set"],
    clippy_twins: &[],
};

/// Methods whose `None` means the stream or set has ended (quinn's
/// `accept()` is `None` once its endpoint is closed).
const ENDS_WITH_NONE: &[&str] = &[
    "recv",
    "recv_many",
    "next",
    "join_next",
    "join_next_with_id",
    "accept",
];

/// `async { fut.await }` blocks are looked into at most this many times.
const MAX_ASYNC_HOPS: usize = 2;

impl Rule for SelectPatternDropsValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::MACRO_CALL]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(select) = ast::MacroCall::cast(node.clone()) else {
            return;
        };
        if !is_tokio_select(&select, cx.imports) {
            return;
        }
        for branch in SelectBranch::of(&select) {
            let (Some(pattern), Some(future)) = (branch.pattern(), branch.future()) else {
                continue;
            };
            if is_irrefutable(&pattern, cx.imports)
                || refutes_only_the_end(&pattern, future, cx.imports)
            {
                continue;
            }
            cx.report(
                Finding::new(
                    span_of(&pattern),
                    "when the future completes with a value this pattern does not match, `select!` disables the branch and the value is dropped unseen",
                )
                .help("bind the whole output (`res = fut =>`, or `Some(res)` on a stream) and handle every case in the handler"),
            );
        }
    }
}

/// Whether the only output `pattern` refutes means that the source has
/// closed, judged by what created the branch's future.
fn refutes_only_the_end(pattern: &ast::Pat, future: ast::Expr, imports: &Imports) -> bool {
    let irrefutable = |inner: &ast::Pat| is_irrefutable(inner, imports);
    let some = variant_field(pattern, "Some").filter(irrefutable);
    let ok = variant_field(pattern, "Ok").filter(irrefutable);
    // An `OptionFuture` is `None` when it holds no future: nothing was produced.
    if some.is_some() && known_type(&future, imports) == Some(KnownType::OptionFuture) {
        return true;
    }
    // A future polled by place may be a receiver bound from any call (a
    // oneshot's): only a task's handle is known to drop a value on `Ok(x)`.
    let polled = unref(strip_future_wrappers(future.clone(), imports));
    if matches!(polled, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_))
        && (some.is_some() || ok.is_some())
    {
        return !is_task_handle(&polled, imports);
    }
    let Some(source) = source_of(future, imports) else {
        return true;
    };
    match &source {
        // `StreamExt::next(&mut stream)`, `Receiver::recv(&mut rx)`.
        ast::Expr::CallExpr(call) => {
            some.is_some()
                && callee_path(call).is_some_and(|path| {
                    path.qualifier().is_some()
                        && segments(&path)
                            .last()
                            .is_some_and(|name| ENDS_WITH_NONE.contains(&name.as_str()))
                })
        }
        ast::Expr::MethodCallExpr(call) => {
            let Some(name) = method_name(call) else {
                return false;
            };
            if some.is_some() {
                return ENDS_WITH_NONE.contains(&name.as_str());
            }
            ok.is_some()
                && match name.as_str() {
                    "changed" => true,
                    "recv" | "recv_async" => call
                        .receiver()
                        .is_some_and(|receiver| !is_broadcast_receiver(&receiver, imports)),
                    _ => false,
                }
        }
        // A place whose type is not written here: a oneshot receiver's
        // `Ok(x)`, or a stream-like `Some(x)`, refutes only its closing.
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => {
            (some.is_some() || ok.is_some()) && !is_task_handle(&source, imports)
        }
        _ => false,
    }
}

/// The expression that created the future, looking into `async { f.await }`.
fn source_of(future: ast::Expr, imports: &Imports) -> Option<ast::Expr> {
    let mut source = created_future(future, None, imports)?;
    for _ in 0..MAX_ASYNC_HOPS {
        let Some(awaited) = awaited_alone(&source) else {
            break;
        };
        source = created_future(awaited, None, imports)?;
    }
    Some(source)
}

/// `fut` of a block `async { fut.await }` with nothing else in it.
fn awaited_alone(expr: &ast::Expr) -> Option<ast::Expr> {
    let ast::Expr::BlockExpr(block) = expr else {
        return None;
    };
    block.async_token()?;
    let list = block.stmt_list()?;
    if list.statements().next().is_some() {
        return None;
    }
    let ast::Expr::AwaitExpr(awaited) = unparen(list.tail_expr()?) else {
        return None;
    };
    awaited.expr()
}
