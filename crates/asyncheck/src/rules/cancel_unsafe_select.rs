use crate::diagnostic::Finding;
use crate::index::FunctionFacts;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    always_leaves, ast, cancel_unsafe_call, crate_function_called, created_future, find_binding,
    local_name, same_body_nodes, select_in_loop, under_deadline, unparen, unref, AstNode, Binding,
    Imports, SelectBranch, SyntaxKind, SyntaxNode,
};

use super::span_of;

pub struct CancelUnsafeSelect;

static META: RuleMeta = RuleMeta {
    name: "cancel-unsafe-select",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags `select!` branches in a loop whose future loses data when another branch wins.",
    flags: "A branch of `tokio::select!` or `futures::select!` (resolved through the file's \
imports), inside a `loop`, `while` or `for` body, whose future is a call to a method tokio \
documents as not cancel safe: `read_exact`, `read_to_end`, `read_to_string`, `read_line`, \
`write_all`, and the multi-byte number reads and writes (`read_u16`, `read_i32_le`, `read_f64`, \
`write_u32`, ...), also called through its trait (`AsyncReadExt::read_exact(&mut s, ..)`), or \
a call of a crate `async fn` that awaits one (directly or through up to 3 levels of such \
functions; a label names the inner call), or an `async` block that awaits one on a stream it \
does not open itself. `.fuse()`, `Box::pin(..)`, `std::pin::pin!(..)` and `tokio::time::timeout(..)` \
are looked through (each drops the future inside with it), and so is a local bound inside the loop. Not flagged: cancel-safe methods (`recv`, `read`, `read_buf`, \
`read_u8`, `write`, `write_buf`, `flush`, `accept`, `next`, `next_line`, `tick`, ...), the \
resumable `read_until` and `write_all_buf`, `read_exact` into a one-byte array (read whole or \
not at all, like `read_u8`), a future created before the loop and polled by reference \
(`&mut fut`), and a branch whose every competing branch leaves the loop: its handler is or ends \
in `break`/`return` (or a panic) on every way through it (both sides of an `if .. else`, every \
arm of a `match`). tokio's `else` and futures' `complete` never compete, since \
they run only when no future is left; futures' `default` does. A method of the same name \
called with other arguments than tokio's (a type's own `read_line()` returning the line) is \
another method.",
    why: "When another branch of a `select!` completes first, the futures of the other \
branches are dropped. `read_exact` and its kin keep what they have read so far inside the \
future, so dropping it throws those bytes away; the next iteration starts a fresh read in the \
middle of a message, and the protocol silently goes out of step. `write_all` likewise leaves a \
half-written message on the wire with no way to know how much went out.",
    example: r#"use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

async fn serve(mut socket: TcpStream, mut commands: mpsc::Receiver<String>) {
    let mut header = [0u8; 4];
    loop {
        tokio::select! {
            read = socket.read_exact(&mut header) => { //~ cancel-unsafe-select
                if read.is_err() {
                    break;
                }
            }
            Some(command) = commands.recv() => println!("{command}"),
        }
    }
}
"#,
    use_instead: r#"use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

async fn serve(mut socket: TcpStream, mut commands: mpsc::Receiver<String>) {
    // `read_buf` is cancel safe: the bytes land in `buffer`, which outlives
    // the future, and complete headers are taken from there.
    let mut buffer = BytesMut::with_capacity(4096);
    loop {
        tokio::select! {
            read = socket.read_buf(&mut buffer) => {
                if matches!(read, Ok(0) | Err(_)) {
                    break;
                }
            }
            Some(command) = commands.recv() => println!("{command}"),
        }
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["uncancellable-loop", "missing-timeout"],
    clippy_twins: &[],
};

impl Rule for CancelUnsafeSelect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::MACRO_CALL]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some((looped, branches)) = select_in_loop(node, cx.imports) else {
            return;
        };
        for (index, branch) in branches.iter().enumerate() {
            let Some(future) = branch.future() else {
                continue;
            };
            let Some((method, wrapper)) = unsafe_method(future.clone(), &looped, cx.imports) else {
                continue;
            };
            if others_leave_the_loop(&branches, index) {
                continue;
            }
            let subject = match &wrapper {
                Some(function) => format!("`{}` awaits `{method}`, which", function.name),
                None => format!("`{method}`"),
            };
            let mut finding = Finding::new(
                span_of(&future),
                format!("{subject} is not cancel safe: when another branch of this `select!` wins, the data it has already transferred is lost, and the next iteration starts over in the middle of the stream"),
            )
            .help(help(&method));
            if let Some(function) = wrapper {
                let inner = function.cancel_unsafe.as_ref().map_or(0, |c| c.line);
                finding = finding.label_elsewhere(
                    span_of(&future),
                    format!("`{method}` is awaited at {}:{inner}", function.file),
                    &function.file,
                    inner,
                );
            }
            cx.report(finding);
        }
    }
}

/// The cancel-unsafe method a branch future calls, looking through
/// pinning and fusing, and through locals bound inside the loop (a future
/// bound before the loop lives across iterations and resumes).
fn unsafe_method(
    future: ast::Expr,
    looped: &SyntaxNode,
    imports: &Imports,
) -> Option<(String, Option<FunctionFacts>)> {
    let created = created_future(future, Some(looped), imports)?;
    // `timeout(d, fut)` drops `fut` when it is dropped.
    if let Some(inner) = under_deadline(&created, imports) {
        return unsafe_method(inner, looped, imports);
    }
    // `async { s.read_exact(&mut b).await }`: its awaits are dropped with
    // it; a stream the block opens itself goes with them, losing nothing.
    if is_async_block(&created) {
        let block = created.syntax();
        return own_awaits(block)
            .filter(|awaited| !reads_own_local(awaited, block))
            .find_map(|awaited| unsafe_method(awaited, looped, imports));
    }
    if let Some(method) = cancel_unsafe_call(&created, imports) {
        return Some((method, None));
    }
    let function = crate_function_called(&created, imports)?;
    if !function.is_async {
        return None;
    }
    let method = function.cancel_unsafe.as_ref()?.what.clone();
    Some((method, Some(function.clone())))
}

fn is_async_block(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::BlockExpr(block) if block.async_token().is_some())
}

/// Whether `awaited` is a method call on a local bound inside `block`.
fn reads_own_local(awaited: &ast::Expr, block: &SyntaxNode) -> bool {
    let ast::Expr::MethodCallExpr(call) = unparen(awaited.clone()) else {
        return false;
    };
    let Some(receiver) = call.receiver().map(|r| unref(unparen(r))) else {
        return false;
    };
    let Some(name) = local_name(&receiver) else {
        return false;
    };
    let bound_at = match find_binding(receiver.syntax(), &name) {
        Some(Binding::Let(statement) | Binding::Element(statement, _)) => {
            statement.syntax().text_range()
        }
        _ => return false,
    };
    block.text_range().contains_range(bound_at)
}

/// What a body awaits itself (not in the closures and async blocks in it).
fn own_awaits(body: &SyntaxNode) -> impl Iterator<Item = ast::Expr> + '_ {
    same_body_nodes(body)
        .filter_map(ast::AwaitExpr::cast)
        .filter_map(|awaited| awaited.expr())
}

/// Whether every branch that can win instead of `branches[index]` leaves
/// the loop: then the half-done operation is never followed by another on
/// the same stream. `else` and `complete` run only when no future is left to
/// poll, so they never cancel it; futures' `default` does.
fn others_leave_the_loop(branches: &[SelectBranch], index: usize) -> bool {
    branches
        .iter()
        .enumerate()
        .filter(|(i, branch)| *i != index && (!branch.is_fallback() || branch.is_default()))
        .all(|(_, branch)| branch.handler().is_some_and(|h| always_leaves(&h)))
}

fn help(method: &str) -> &'static str {
    if method.starts_with("write") {
        "create the write future once before the loop and poll it with `&mut fut`, or use the cancel-safe `write_all_buf`, which keeps its progress in the buffer"
    } else {
        "read into a buffer that outlives the future with a cancel-safe method (`read_buf`, a `FramedRead` codec, `read_until`) and parse complete messages from it, or create the future once before the loop and poll it with `&mut fut`"
    }
}
