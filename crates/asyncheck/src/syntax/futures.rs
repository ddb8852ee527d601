//! Facts about futures: which macro polls them, which wrappers leave them the
//! same operation, which loop re-creates them, and where a bound future is
//! used.

use ra_ap_syntax::{
    ast::{self, HasArgList, HasLoopBody},
    AstNode, SmolStr, SyntaxKind, SyntaxNode,
};

use super::{
    body_kind, callee_path, find_binding, macro_args, method_name, resolve_call, unparen, Binding,
    Imports,
};

pub(crate) const SELECT_MACROS: &[&str] = &[
    "tokio::select",
    "futures::select",
    "futures::select_biased",
    "futures_util::select",
    "futures_util::select_biased",
];

const JOIN_MACROS: &[&str] = &[
    "tokio::join",
    "tokio::try_join",
    "futures::join",
    "futures::try_join",
    "futures_util::join",
    "futures_util::try_join",
];

/// The expression form of `pin!`: it pins its argument and yields it.
const PIN_MACROS: &[&str] = &["std::pin::pin", "core::pin::pin"];

const BOX_PIN: &[&str] = &["Box::pin", "std::boxed::Box::pin", "alloc::boxed::Box::pin"];

fn macro_is(call: &ast::MacroCall, imports: &Imports, known: &[&str]) -> bool {
    call.path()
        .is_some_and(|path| imports.resolve(&path, known).is_some())
}

/// `tokio::select!`, through the file's imports: its patterns may be
/// refutable (a branch whose pattern fails is disabled).
pub fn is_tokio_select(call: &ast::MacroCall, imports: &Imports) -> bool {
    macro_is(call, imports, &["tokio::select"])
}

/// `tokio::select!` or `futures::select!` (or `select_biased!`), through
/// the file's imports.
pub fn is_select_macro(call: &ast::MacroCall, imports: &Imports) -> bool {
    macro_is(call, imports, SELECT_MACROS)
}

/// `join!`/`try_join!` of tokio or futures: each argument is awaited there.
pub fn is_join_macro(call: &ast::MacroCall, imports: &Imports) -> bool {
    macro_is(call, imports, JOIN_MACROS)
}

/// `std::pin::pin!(fut)`, the expression form that yields the pinned future.
pub fn is_pin_macro(call: &ast::MacroCall, imports: &Imports) -> bool {
    macro_is(call, imports, PIN_MACROS)
}

/// The future inside wrappers that pin, box or fuse it without changing
/// what it does when dropped: parentheses, `.fuse()`, `.boxed()`,
/// `Box::pin(..)` and `std::pin::pin!(..)`.
pub fn strip_future_wrappers(expr: ast::Expr, imports: &Imports) -> ast::Expr {
    let mut expr = unparen(expr);
    while let Some(inner) = wrapped_future(&expr, imports) {
        expr = unparen(inner);
    }
    expr
}

/// Functions that put a deadline on the future they are given (their last
/// argument): `tokio::time::timeout(d, fut)`.
pub const DEADLINE_FUNCTIONS: &[&str] = &[
    "tokio::time::timeout",
    "tokio::time::timeout_at",
    "async_std::future::timeout",
];

/// The future a deadline function is given, when `expr` calls one.
pub fn under_deadline(expr: &ast::Expr, imports: &Imports) -> Option<ast::Expr> {
    let ast::Expr::CallExpr(call) = unparen(expr.clone()) else {
        return None;
    };
    resolve_call(&call, imports, DEADLINE_FUNCTIONS)?;
    call.arg_list()?.args().last()
}

/// The future under its wrappers and decorators: `Box::pin(..)`, `pin!`,
/// `.boxed()`, `.fuse()`, and the tracing and await-tree decorators
/// (`.instrument(span)`, `.in_current_span()`, `.instrument_await(..)`),
/// which only dress the same future.
pub fn future_inside(expr: ast::Expr, imports: &Imports) -> ast::Expr {
    let mut expr = strip_future_wrappers(expr, imports);
    while let ast::Expr::MethodCallExpr(call) = &expr {
        let Some(receiver) = call
            .receiver()
            .filter(|_| method_name(call).is_some_and(|n| is_decorator(&n)))
        else {
            break;
        };
        expr = strip_future_wrappers(receiver, imports);
    }
    expr
}

fn is_decorator(method: &str) -> bool {
    matches!(
        method,
        "instrument"
            | "in_current_span"
            | "with_current_subscriber"
            | "instrument_await"
            | "stack_trace"
            | "verbose_stack_trace"
    )
}

/// The future one such wrapper holds, when `expr` is one.
pub fn wrapped_future(expr: &ast::Expr, imports: &Imports) -> Option<ast::Expr> {
    match expr {
        ast::Expr::MethodCallExpr(call) => {
            let name = method_name(call)?;
            matches!(name.as_str(), "fuse" | "boxed" | "boxed_local")
                .then(|| call.receiver())
                .flatten()
        }
        ast::Expr::CallExpr(call) => {
            imports.resolve(&callee_path(call)?, BOX_PIN)?;
            single(call.arg_list()?.args())
        }
        ast::Expr::MacroExpr(mac) => {
            let call = mac.macro_call()?;
            if !is_pin_macro(&call, imports) {
                return None;
            }
            single(macro_args(&call).into_iter())
        }
        _ => None,
    }
}

/// Bindings are followed at most this many times (`let a = ..; let b = a;`).
const MAX_BINDING_HOPS: usize = 4;

/// What a `select!` branch (or any awaited place) polls: the expression that
/// created its future, looking through the wrappers of
/// [`strip_future_wrappers`], `&mut`, and locals bound by `let` to a future.
/// A binding outside `within` (a future created before the loop, polled
/// again and again) gives `None`; a name bound some other way (a parameter,
/// a tuple pattern) or a field gives that place itself.
pub fn created_future(
    future: ast::Expr,
    within: Option<&SyntaxNode>,
    imports: &Imports,
) -> Option<ast::Expr> {
    let mut future = unref(strip_future_wrappers(future, imports));
    for _ in 0..MAX_BINDING_HOPS {
        let Some(name) = local_name(&future) else {
            break;
        };
        let Some(Binding::Let(binding)) = find_binding(future.syntax(), &name) else {
            break;
        };
        let inside = within.is_none_or(|scope| {
            scope
                .text_range()
                .contains_range(binding.syntax().text_range())
        });
        if !inside {
            return None;
        }
        future = unref(strip_future_wrappers(binding.initializer()?, imports));
    }
    Some(future)
}

/// The future a `&mut fut` polls (a future is polled by reference to keep it
/// across iterations).
pub fn unref(expr: ast::Expr) -> ast::Expr {
    match &expr {
        ast::Expr::RefExpr(by_ref) => by_ref.expr().map_or(expr, unparen),
        _ => expr,
    }
}

fn single(mut items: impl Iterator<Item = ast::Expr>) -> Option<ast::Expr> {
    let first = items.next()?;
    items.next().is_none().then_some(first)
}

/// The innermost loop that runs `node` again on each iteration, within the
/// same function, closure or async block: `node` in the body of a `loop`,
/// `while` (its condition too) or `for` (not its iterable, evaluated once).
/// A `select!` (tokio's or futures') macro call inside a loop: the loop
/// around it and its branches, for the rules about select loops.
pub fn select_in_loop(
    node: &SyntaxNode,
    imports: &Imports,
) -> Option<(SyntaxNode, Vec<super::SelectBranch>)> {
    let select = ast::MacroCall::cast(node.clone())?;
    if !is_select_macro(&select, imports) {
        return None;
    }
    let looped = enclosing_loop(node)?;
    Some((looped, super::SelectBranch::of(&select)))
}

pub fn enclosing_loop(node: &SyntaxNode) -> Option<SyntaxNode> {
    let mut child = node.clone();
    for ancestor in node.ancestors().skip(1) {
        // An async block awaited where it is written runs in place, as a
        // plain block would (`loop { async { .. }.await }`).
        let awaited_in_place = ancestor.kind() == SyntaxKind::BLOCK_EXPR
            && ancestor
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR);
        if body_kind(&ancestor).is_some() && !awaited_in_place {
            return None;
        }
        let repeats = match ancestor.kind() {
            SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR => true,
            SyntaxKind::FOR_EXPR => ast::ForExpr::cast(ancestor.clone())
                .and_then(|f| f.loop_body())
                .is_some_and(|body| body.syntax() == &child),
            _ => false,
        };
        if repeats {
            return Some(ancestor);
        }
        child = ancestor;
    }
    None
}

/// The name a path expression reads when it is a single plain identifier.
pub fn local_name(expr: &ast::Expr) -> Option<String> {
    let ast::Expr::PathExpr(path) = expr else {
        return None;
    };
    let path = path.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    Some(path.segment()?.name_ref()?.text().to_string())
}

/// The expressions reading `name` after `binding` in the block that holds it,
/// in order. Shadowing is not tracked: a later `let` of the same name (as
/// `tokio::pin!` makes) usually holds the same future.
pub fn uses_after(binding: &ast::LetStmt, name: &str) -> Vec<ast::PathExpr> {
    let Some(block) = binding.syntax().parent() else {
        return Vec::new();
    };
    let end = binding.syntax().text_range().end();
    block
        .descendants()
        .filter(|n| n.text_range().start() >= end)
        .filter_map(ast::PathExpr::cast)
        .filter(|p| local_name(&ast::Expr::PathExpr(p.clone())).as_deref() == Some(name))
        .collect()
}

const NOT_CANCEL_SAFE: &[&str] = &[
    "read_exact",
    "read_to_end",
    "read_to_string",
    "read_line",
    "write_all",
];

/// The tokio I/O method a call is when that method is not cancel safe
/// (tokio's documentation): dropped half-way, it loses what it transferred.
/// A method call (`sock.read_exact(&mut buf)`) or the same method called
/// through its trait (`AsyncReadExt::read_exact(&mut sock, &mut buf)`).
pub fn cancel_unsafe_call(call: &ast::Expr, imports: &Imports) -> Option<String> {
    let (name, args, one_byte) = match call {
        ast::Expr::MethodCallExpr(call) => {
            let args = call.arg_list().map_or(0, |list| list.args().count());
            let buffer = call.arg_list().and_then(|list| list.args().next());
            (method_name(call)?, args, reads_one_byte(buffer))
        }
        ast::Expr::CallExpr(call) => {
            let path = callee_path(call)?;
            imports.resolve(&path.qualifier()?, IO_EXTENSION_TRAITS)?;
            let mut args = call.arg_list()?.args();
            let _receiver = args.next()?;
            let buffer = args.next();
            let count = usize::from(buffer.is_some()) + args.count();
            (
                SmolStr::new(path.segment()?.name_ref()?.text()),
                count,
                reads_one_byte(buffer),
            )
        }
        _ => return None,
    };
    if (name.as_str() == "read_exact" && one_byte) || !has_tokio_arity(args, &name) {
        return None;
    }
    is_not_cancel_safe(&name).then(|| name.to_string())
}

/// The traits tokio's I/O methods come from, for calls through them.
const IO_EXTENSION_TRAITS: &[&str] = &[
    "tokio::io::AsyncReadExt",
    "tokio::io::AsyncWriteExt",
    "tokio::io::AsyncBufReadExt",
];

/// `read_exact(&mut buf)` into a one-byte array: like `read_u8`, it
/// completes in the poll that reads its byte, so nothing is half-read when
/// it is dropped.
fn reads_one_byte(buffer: Option<ast::Expr>) -> bool {
    let Some(ast::Expr::RefExpr(buffer)) = buffer else {
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

/// Whether the call passes as many arguments as tokio's method of that
/// name takes: one buffer for `read_exact`, `read_line`, `write_all`, ...
/// and the number writes, none for the number reads. A type's own
/// `read_line()` that returns the line is another method.
fn has_tokio_arity(args: usize, name: &str) -> bool {
    let expected = if NOT_CANCEL_SAFE.contains(&name) || name.starts_with("write_") {
        1
    } else {
        0
    };
    args == expected
}
