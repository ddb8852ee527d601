//! How many items an iteration walks, as far as the code shows: a range
//! with constant bounds, an array literal, or data of unknown size.

use ra_ap_syntax::{
    ast::{self, HasArgList},
    AstNode, SyntaxNode,
};

use super::{find_binding, is_constant_name, method_name, unparen, Binding};

/// What a chain of iterator calls shows: whether it walks a constant
/// number of items, and whether it is an iterator at all.
pub struct IterationChain {
    pub constant: bool,
    pub iterator: bool,
}

/// Reads `expr` down its receivers: through adapters that keep the number
/// of items (or lower it) to the range, array or collection it walks.
pub fn iteration_chain(expr: &ast::Expr) -> IterationChain {
    let mut expr = unparen(expr.clone());
    let mut iterator = false;
    let mut hops = MAX_BINDING_HOPS;
    loop {
        let next = match &expr {
            ast::Expr::RangeExpr(range) => {
                return IterationChain {
                    constant: range_is_constant(range),
                    iterator: true,
                }
            }
            ast::Expr::ArrayExpr(array) => {
                return IterationChain {
                    constant: array_is_constant(array),
                    iterator,
                }
            }
            ast::Expr::MacroExpr(mac) => {
                return IterationChain {
                    constant: is_listed_vec(mac),
                    iterator,
                }
            }
            ast::Expr::RefExpr(reference) => reference.expr(),
            ast::Expr::PathExpr(path) if hops > 0 => {
                hops -= 1;
                local_initializer(path)
            }
            ast::Expr::MethodCallExpr(call) => {
                let name = method_name(call).unwrap_or_default();
                iterator |= is_iterator_method(&name);
                let first_arg = call.arg_list().and_then(|a| a.args().next());
                if name == "take" && first_arg.is_some_and(|n| is_constant(&n)) {
                    return IterationChain {
                        constant: true,
                        iterator: true,
                    };
                }
                if !is_size_keeping(&name) {
                    return IterationChain {
                        constant: false,
                        iterator,
                    };
                }
                call.receiver()
            }
            _ => None,
        };
        let Some(next) = next else {
            return IterationChain {
                constant: false,
                iterator,
            };
        };
        expr = unparen(next);
    }
}

/// Local bindings are followed at most this many times
/// (`let ports = [80, 443]; for port in &ports`).
const MAX_BINDING_HOPS: usize = 4;

/// The value an immutable local `let` gave the name `path`.
fn local_initializer(path: &ast::PathExpr) -> Option<ast::Expr> {
    let name = path.path()?.as_single_name_ref()?;
    let Binding::Let(binding) = find_binding(path.syntax(), name.text())? else {
        return None;
    };
    let ast::Pat::IdentPat(ident) = binding.pat()? else {
        return None;
    };
    if ident.mut_token().is_some() {
        return None;
    }
    binding.initializer()
}

/// Adapters that walk as many items as their receiver, or fewer.
fn is_size_keeping(method: &str) -> bool {
    matches!(
        method,
        "iter"
            | "into_iter"
            | "iter_mut"
            | "rev"
            | "step_by"
            | "enumerate"
            | "copied"
            | "cloned"
            | "skip"
            | "take"
            | "filter"
            | "map"
            | "filter_map"
            | "zip"
            | "inspect"
            | "peekable"
            | "skip_while"
            | "take_while"
    )
}

/// `0..8`, `1..=N`, `..LIMIT`; not `0..n` nor the endless `0..`.
fn range_is_constant(range: &ast::RangeExpr) -> bool {
    use ast::RangeItem;
    let start_constant = range.start().is_none_or(|start| is_constant(&start));
    start_constant && range.end().is_some_and(|end| is_constant(&end))
}

/// `[a, b, c]`, or `[x; N]` with a constant `N`.
fn array_is_constant(array: &ast::ArrayExpr) -> bool {
    if array.semicolon_token().is_none() {
        return true;
    }
    array
        .exprs()
        .last()
        .is_some_and(|count| is_constant(&count))
}

/// `vec![a, b, c]`: a macro named `vec` whose elements were listed.
fn is_listed_vec(mac: &ast::MacroExpr) -> bool {
    let Some(call) = mac.macro_call() else {
        return false;
    };
    let named_vec = call
        .path()
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|n| n.text() == "vec");
    named_vec && call.token_tree().is_none()
}

/// A literal, a `const` (an `UPPER_CASE` path such as `N`, `Self::MAX`,
/// `u8::MAX`), an immutable local bound to one (`let n = 8;`), or
/// arithmetic and casts of those.
fn is_constant(expr: &ast::Expr) -> bool {
    let mut pending = vec![(expr.clone(), MAX_BINDING_HOPS)];
    while let Some((expr, hops)) = pending.pop() {
        let inner = match unparen(expr) {
            ast::Expr::Literal(_) => continue,
            ast::Expr::PathExpr(path) => {
                let named_const = path
                    .path()
                    .and_then(|p| p.segment()?.name_ref())
                    .is_some_and(|name| is_constant_name(name.text()));
                if named_const {
                    continue;
                }
                let Some(hops) = hops.checked_sub(1) else {
                    return false;
                };
                let Some(value) = local_initializer(&path) else {
                    return false;
                };
                pending.push((value, hops));
                continue;
            }
            ast::Expr::BinExpr(bin) => {
                let Some(lhs) = bin.lhs() else {
                    return false;
                };
                pending.push((lhs, hops));
                bin.rhs()
            }
            ast::Expr::PrefixExpr(prefix) => prefix.expr(),
            ast::Expr::CastExpr(cast) => cast.expr(),
            _ => return false,
        };
        let Some(inner) = inner else {
            return false;
        };
        pending.push((inner, hops));
    }
    true
}

/// Methods that make or adapt iterators and that `Option`, `Result` and
/// futures do not have.
fn is_iterator_method(method: &str) -> bool {
    matches!(
        method,
        "iter"
            | "into_iter"
            | "iter_mut"
            | "drain"
            | "keys"
            | "values"
            | "values_mut"
            | "into_keys"
            | "into_values"
            | "lines"
            | "chars"
            | "bytes"
            | "split"
            | "split_whitespace"
            | "chunks"
            | "chunks_exact"
            | "windows"
            | "enumerate"
            | "rev"
            | "skip"
            | "step_by"
            | "peekable"
            | "flat_map"
            | "filter_map"
            | "take_while"
            | "skip_while"
    )
}

/// A `for` loop over a range with constant bounds or listed items: it runs
/// a known number of times.
pub fn is_constant_for(found: &SyntaxNode) -> bool {
    ast::ForExpr::cast(found.clone())
        .and_then(|f| f.iterable())
        .is_some_and(|iterable| iteration_chain(&iterable).constant)
}
