use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList},
    enclosing_loop, find_binding, is_select_macro, local_name, method_name, strip_future_wrappers,
    AstNode, Binding, Imports, SelectBranch, SyntaxKind, SyntaxNode,
};

use super::span_of;

pub struct CancelUnsafeSelect;

static META: RuleMeta = RuleMeta {
    name: "cancel-unsafe-select",
    pattern: Pattern::Cancellation,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags `select!` branches in a loop whose future loses data when another branch wins.",
    flags: "A branch of `tokio::select!` or `futures::select!` (resolved through the file's \
imports), inside a `loop`, `while` or `for` body, whose future is a call to a method tokio \
documents as not cancel safe: `read_exact`, `read_to_end`, `read_to_string`, `read_line`, \
`write_all`, and the multi-byte number reads and writes (`read_u16`, `read_i32_le`, `read_f64`, \
`write_u32`, ...). `.fuse()`, `Box::pin(..)` and `std::pin::pin!(..)` are looked through, and so \
is a local bound inside the loop. Not flagged: cancel-safe methods (`recv`, `read`, `read_buf`, \
`read_u8`, `write`, `write_buf`, `flush`, `accept`, `next`, `next_line`, `tick`, ...), the \
resumable `read_until` and `write_all_buf`, `read_exact` into a one-byte array (read whole or \
not at all, like `read_u8`), a future created before the loop and polled by reference \
(`&mut fut`), and a branch whose every competing branch leaves the loop: its handler is or ends \
in `break`/`return` (or a panic). tokio's `else` and futures' `complete` never compete, since \
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
};

const NOT_CANCEL_SAFE: &[&str] = &[
    "read_exact",
    "read_to_end",
    "read_to_string",
    "read_line",
    "write_all",
];

/// Bindings are followed at most this many times (`let a = ..; let b = a;`).
const MAX_BINDING_HOPS: usize = 4;

impl Rule for CancelUnsafeSelect {
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
        if !is_select_macro(&select, cx.imports) {
            return;
        }
        let Some(looped) = enclosing_loop(node) else {
            return;
        };
        let branches = SelectBranch::of(&select);
        for (index, branch) in branches.iter().enumerate() {
            let Some(future) = branch.future() else {
                continue;
            };
            let Some(method) = unsafe_method(future.clone(), &looped, cx.imports) else {
                continue;
            };
            if others_leave_the_loop(&branches, index) {
                continue;
            }
            cx.report(
                Finding::new(
                    span_of(&future),
                    format!("`{method}` is not cancel safe: when another branch of this `select!` wins, the data it has already transferred is lost, and the next iteration starts over in the middle of the stream"),
                )
                .help(help(&method)),
            );
        }
    }
}

/// The cancel-unsafe method a branch future calls, looking through
/// pinning and fusing, and through locals bound inside the loop (a future
/// bound before the loop lives across iterations and resumes).
fn unsafe_method(future: ast::Expr, looped: &SyntaxNode, imports: &Imports) -> Option<String> {
    let mut future = strip_future_wrappers(future, imports);
    for _ in 0..MAX_BINDING_HOPS {
        let polled = match &future {
            ast::Expr::RefExpr(by_ref) => by_ref.expr()?,
            _ => future.clone(),
        };
        let Some(name) = local_name(&polled) else {
            break;
        };
        let Binding::Let(binding) = find_binding(polled.syntax(), &name)? else {
            return None;
        };
        let inside = looped
            .text_range()
            .contains_range(binding.syntax().text_range());
        if !inside {
            return None;
        }
        future = strip_future_wrappers(binding.initializer()?, imports);
    }
    let ast::Expr::MethodCallExpr(call) = future else {
        return None;
    };
    let name = method_name(&call)?;
    if (name == "read_exact" && reads_one_byte(&call)) || !has_tokio_arity(&call, &name) {
        return None;
    }
    is_not_cancel_safe(&name).then(|| name.to_string())
}

/// `read_exact(&mut buf)` into a one-byte array: like `read_u8`, it
/// completes in the poll that reads its byte, so nothing is half-read when
/// it is dropped.
fn reads_one_byte(call: &ast::MethodCallExpr) -> bool {
    let Some(ast::Expr::RefExpr(buffer)) = call.arg_list().and_then(|args| args.args().next())
    else {
        return false;
    };
    let Some(name) = buffer.expr().and_then(|b| local_name(&b)) else {
        return false;
    };
    let Some(Binding::Let(binding)) = find_binding(buffer.syntax(), &name) else {
        return false;
    };
    if let Some(ast::Type::ArrayType(array)) = binding.ty() {
        return array
            .const_arg()
            .is_some_and(|len| len.syntax().text() == "1");
    }
    let Some(ast::Expr::ArrayExpr(array)) = binding.initializer() else {
        return false;
    };
    match array.kind() {
        ast::ArrayExprKind::Repeat { repeat, .. } => {
            repeat.is_some_and(|len| len.syntax().text() == "1")
        }
        ast::ArrayExprKind::ElementList(mut elements) => {
            elements.next().is_some() && elements.next().is_none()
        }
    }
}

/// `read_exact` and friends, and the multi-byte number reads and writes
/// (`read_u16`, `write_i64_le`, `read_f32`, ...): a number read partly is
/// lost when the future is dropped. Single bytes (`read_u8`) are safe.
fn is_not_cancel_safe(method: &str) -> bool {
    if NOT_CANCEL_SAFE.contains(&method) {
        return true;
    }
    let Some(number) = method
        .strip_prefix("read_")
        .or_else(|| method.strip_prefix("write_"))
    else {
        return false;
    };
    let number = number.strip_suffix("_le").unwrap_or(number);
    matches!(
        number,
        "u16" | "i16" | "u32" | "i32" | "u64" | "i64" | "u128" | "i128" | "f32" | "f64"
    )
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
        .all(|(_, branch)| branch.handler().is_some_and(|h| leaves(&h)))
}

/// A handler that is or ends in `break` or `return`, or diverges with a
/// panic.
fn leaves(handler: &ast::Expr) -> bool {
    let mut expr = handler.clone();
    // Blocks nest a bounded number of times in practice; stop at a depth.
    for _ in 0..8 {
        match expr {
            ast::Expr::BreakExpr(_) | ast::Expr::ReturnExpr(_) => return true,
            ast::Expr::MacroExpr(mac) => return is_panic(&mac),
            ast::Expr::BlockExpr(block) => {
                let Some(last) = block.stmt_list().and_then(|list| last_expr(&list)) else {
                    return false;
                };
                expr = last;
            }
            _ => return false,
        }
    }
    false
}

/// The block's tail expression, or its last statement's expression.
fn last_expr(list: &ast::StmtList) -> Option<ast::Expr> {
    if let Some(tail) = list.tail_expr() {
        return Some(tail);
    }
    match list.statements().last()? {
        ast::Stmt::ExprStmt(statement) => statement.expr(),
        _ => None,
    }
}

fn is_panic(mac: &ast::MacroExpr) -> bool {
    let name = mac
        .macro_call()
        .and_then(|call| call.path())
        .and_then(|path| path.segment())
        .and_then(|segment| segment.name_ref())
        .map(|name| name.text().to_string());
    matches!(
        name.as_deref(),
        Some("panic" | "unreachable" | "todo" | "unimplemented")
    )
}

fn help(method: &str) -> &'static str {
    if method.starts_with("write") {
        "create the write future once before the loop and poll it with `&mut fut`, or use the cancel-safe `write_all_buf`, which keeps its progress in the buffer"
    } else {
        "read into a buffer that outlives the future with a cancel-safe method (`read_buf`, a `FramedRead` codec, `read_until`) and parse complete messages from it, or create the future once before the loop and poll it with `&mut fut`"
    }
}

/// Whether the call passes as many arguments as tokio's method of that
/// name takes: one buffer for `read_exact`, `read_line`, `write_all`, ...
/// and the number writes, none for the number reads. A type's own
/// `read_line()` that returns the line is another method.
fn has_tokio_arity(call: &ast::MethodCallExpr, name: &str) -> bool {
    let args = call.arg_list().map_or(0, |list| list.args().count());
    let expected = if NOT_CANCEL_SAFE.contains(&name) || name.starts_with("write_") {
        1
    } else {
        0
    };
    args == expected
}
