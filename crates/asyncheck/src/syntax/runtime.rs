//! Where async code meets the thread that runs it: calls that block a thread
//! on a future, and the entry points whose body is the program's startup.

use ra_ap_syntax::{
    ast::{self, HasAttrs, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{enclosing_body, method_name, resolve_call, Imports};

/// Functions that run a future to completion on the calling thread.
const BLOCK_ON_FUNCTIONS: &[&str] = &[
    "futures::executor::block_on",
    "futures_executor::block_on",
    "futures_lite::future::block_on",
    "futures_lite::future::FutureExt::block_on",
    "pollster::block_on",
    "pollster::FutureExt::block_on",
    "async_std::task::block_on",
    "smol::block_on",
    "async_io::block_on",
    "tokio_test::block_on",
];

/// A call that runs a future to completion on the calling thread: a
/// `.block_on(..)` method (tokio's `Runtime`/`Handle`, any executor) or one
/// of the [`BLOCK_ON_FUNCTIONS`]. Returns what it calls: `.block_on()` or
/// the function's path.
pub fn block_on_call(node: &SyntaxNode, imports: &Imports) -> Option<&'static str> {
    match node.kind() {
        SyntaxKind::METHOD_CALL_EXPR => {
            let call = ast::MethodCallExpr::cast(node.clone())?;
            (method_name(&call)? == "block_on").then_some(".block_on()")
        }
        SyntaxKind::CALL_EXPR => resolve_call(
            &ast::CallExpr::cast(node.clone())?,
            imports,
            BLOCK_ON_FUNCTIONS,
        ),
        _ => None,
    }
}

/// Whether the async body `body` (an `async fn`, block or closure) is the
/// program's startup: an `async fn main`, or an async function under a
/// runtime attribute (`#[tokio::main]`, `#[async_std::main]`, any attribute
/// whose path ends in `main`).
pub fn is_startup_body(body: &SyntaxNode) -> bool {
    ast::Fn::cast(body.clone()).is_some_and(|f| f.async_token().is_some() && is_entry_point(&f))
}

/// Whether the async block or closure `body` is the future that non-async
/// code hands to `block_on` (`rt.block_on(async { .. })`): it runs on the
/// calling thread, not on a runtime worker.
pub fn is_block_on_future(body: &SyntaxNode, imports: &Imports) -> bool {
    if !matches!(
        body.kind(),
        SyntaxKind::BLOCK_EXPR | SyntaxKind::CLOSURE_EXPR
    ) {
        return false;
    }
    let Some(call) = body
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
        .and_then(|list| list.parent())
    else {
        return false;
    };
    block_on_call(&call, imports).is_some()
        && enclosing_body(&call).is_none_or(|(_, kind)| !kind.is_async())
}

fn is_entry_point(function: &ast::Fn) -> bool {
    if function.name().is_some_and(|n| n.text() == "main") {
        return true;
    }
    function.attrs().any(|attr| {
        attr.path()
            .is_some_and(|path| path.qualifier().is_some() && segment_is(&path, "main"))
    })
}

fn segment_is(path: &ast::Path, name: &str) -> bool {
    path.segment()
        .and_then(|s| s.name_ref())
        .is_some_and(|n| n.text() == name)
}

/// Methods that block the thread on a future or a tokio primitive, as a
/// method call names them (`.blocking_lock()` is `blocking_lock`).
pub const BLOCKING_METHODS: &[&str] = &[
    "block_on",
    "blocking_lock",
    "blocking_lock_owned",
    "blocking_read",
    "blocking_write",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
];

/// What a call blocks the thread on, when it blocks on a future or a tokio
/// primitive: a `block_on` (`.block_on()`, `futures::executor::block_on`,
/// ...) or one of tokio's `blocking_*` methods (`.blocking_lock()`).
pub fn blocks_on_future(node: &SyntaxNode, imports: &Imports) -> Option<String> {
    if let Some(found) = block_on_call(node, imports) {
        return Some(found.to_owned());
    }
    let name = method_name(&ast::MethodCallExpr::cast(node.clone())?)?;
    BLOCKING_METHODS
        .contains(&name.as_str())
        .then(|| method_call_named(&name))
}

/// How a blocking method call is named in findings and effects
/// (`.blocking_lock()`).
pub fn method_call_named(name: &str) -> String {
    format!(".{name}()")
}

/// The method a blocking call's name names (`blocking_lock` of
/// `.blocking_lock()`), when it is a method call's.
pub fn method_of_call_named(what: &str) -> Option<&str> {
    what.strip_prefix('.')?.strip_suffix("()")
}
