//! Timers: a call that starts one, how long it runs when that is written as
//! a constant, and an interval's period.

use ra_ap_syntax::{
    ast::{self, HasArgList, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{callee_path, find_binding, known_type, local_name, segments, unparen, Binding};
use super::{method_name, Imports, KnownType};

const SLEEP: &[&str] = &["tokio::time::sleep"];
const SLEEP_UNTIL: &[&str] = &["tokio::time::sleep_until"];
const INTERVAL: &[&str] = &["tokio::time::interval"];
const INTERVAL_AT: &[&str] = &["tokio::time::interval_at"];

/// Constants and bindings are followed at most this many times.
const MAX_HOPS: usize = 4;

/// A call that starts a timer running from now.
pub struct Timer {
    pub call: ast::CallExpr,
    /// How long it runs, as written.
    pub duration: Option<ast::Expr>,
}

/// `tokio::time::sleep(d)`, or `sleep_until(Instant::now() + d)` (a deadline
/// computed from the current time by the call itself, or by a `let` inside
/// `within`, the loop that makes the call again): a timer that starts over
/// whenever the call is made again.
pub fn timer_from_now(expr: &ast::Expr, within: &SyntaxNode, imports: &Imports) -> Option<Timer> {
    let ast::Expr::CallExpr(call) = unparen(expr.clone()) else {
        return None;
    };
    let path = callee_path(&call)?;
    let argument = call.arg_list()?.args().next()?;
    if imports.resolve(&path, SLEEP).is_some() {
        return Some(Timer {
            call,
            duration: Some(argument),
        });
    }
    imports.resolve(&path, SLEEP_UNTIL)?;
    let deadline = match local_name(&argument) {
        Some(name) => match find_binding(argument.syntax(), &name)? {
            Binding::Let(binding)
                if within
                    .text_range()
                    .contains_range(binding.syntax().text_range()) =>
            {
                binding.initializer()?
            }
            _ => return None,
        },
        None => argument,
    };
    let duration = from_now(&deadline)?;
    Some(Timer { call, duration })
}

/// `Instant::now() + d`: `Some(Some(d))`; a deadline that reads the clock
/// some other way (`Instant::now().checked_add(d)`): `Some(None)`.
fn from_now(deadline: &ast::Expr) -> Option<Option<ast::Expr>> {
    if let ast::Expr::BinExpr(sum) = unparen(deadline.clone()) {
        if sum.op_kind() == Some(ast::BinaryOp::ArithOp(ast::ArithOp::Add)) {
            if let (Some(lhs), Some(rhs)) = (sum.lhs(), sum.rhs()) {
                if is_now(&lhs) {
                    return Some(Some(rhs));
                }
            }
        }
    }
    deadline
        .syntax()
        .descendants()
        .filter_map(ast::Expr::cast)
        .any(|e| is_now(&e))
        .then_some(None)
}

/// `Instant::now()`, of std or tokio.
fn is_now(expr: &ast::Expr) -> bool {
    let ast::Expr::CallExpr(call) = unparen(expr.clone()) else {
        return false;
    };
    callee_path(&call).is_some_and(|path| {
        let names = segments(&path);
        matches!(names.as_slice(), [.., ty, now] if ty == "Instant" && now == "now")
    })
}

/// The period of `interval.tick()`'s interval when it was built in this
/// function by `tokio::time::interval(d)`/`interval_at(start, d)`.
pub fn tick_period(tick: &ast::MethodCallExpr, imports: &Imports) -> Option<ast::Expr> {
    let mut interval = unparen(tick.receiver()?);
    for _ in 0..MAX_HOPS {
        let Some(name) = local_name(&interval) else {
            break;
        };
        let Binding::Let(binding) = find_binding(interval.syntax(), &name)? else {
            return None;
        };
        interval = unparen(binding.initializer()?);
    }
    let ast::Expr::CallExpr(call) = interval else {
        return None;
    };
    let path = callee_path(&call)?;
    let mut args = call.arg_list()?.args();
    if imports.resolve(&path, INTERVAL).is_some() {
        return args.next();
    }
    imports.resolve(&path, INTERVAL_AT)?;
    args.nth(1)
}

/// `interval.tick()` on a `tokio::time::Interval`.
pub fn is_interval_tick(expr: &ast::Expr, imports: &Imports) -> Option<ast::MethodCallExpr> {
    let ast::Expr::MethodCallExpr(call) = unparen(expr.clone()) else {
        return None;
    };
    if method_name(&call)? != "tick" {
        return None;
    }
    (known_type(&call.receiver()?, imports)? == KnownType::Interval).then_some(call)
}

/// A duration written as a constant, in nanoseconds: `Duration::from_secs(5)`
/// (and `from_millis`, `from_micros`, `from_nanos`, `from_secs_f64`, `new`,
/// `ZERO`), with literal arithmetic, or a `const` of the same file holding one.
pub fn constant_nanos(expr: &ast::Expr) -> Option<u128> {
    constant_nanos_within(expr, MAX_HOPS)
}

fn constant_nanos_within(expr: &ast::Expr, hops: usize) -> Option<u128> {
    match unparen(expr.clone()) {
        ast::Expr::CallExpr(call) => {
            let names = segments(&callee_path(&call)?);
            let [.., ty, unit] = names.as_slice() else {
                return None;
            };
            if ty != "Duration" {
                return None;
            }
            let mut args = call.arg_list()?.args();
            let first = args.next()?;
            let scale: f64 = match unit.as_str() {
                "from_secs" | "from_secs_f64" | "from_secs_f32" => 1e9,
                "from_millis" => 1e6,
                "from_micros" => 1e3,
                "from_nanos" => 1.0,
                "new" => {
                    let nanos = args.next().and_then(|n| number(&n, hops))?;
                    return Some((number(&first, hops)? * 1e9 + nanos) as u128);
                }
                _ => return None,
            };
            Some((number(&first, hops)? * scale) as u128)
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            let names = segments(&path);
            if let [.., ty, name] = names.as_slice() {
                if ty == "Duration" && name == "ZERO" {
                    return Some(0);
                }
            }
            constant_nanos_within(&const_value(expr.syntax(), &path, hops)?, hops - 1)
        }
        ast::Expr::BinExpr(product) => {
            let op = product.op_kind()?;
            let (lhs, rhs) = (product.lhs()?, product.rhs()?);
            let duration = constant_nanos_within(&lhs, hops)? as f64;
            let factor = number(&rhs, hops)?;
            match op {
                ast::BinaryOp::ArithOp(ast::ArithOp::Mul) => Some((duration * factor) as u128),
                ast::BinaryOp::ArithOp(ast::ArithOp::Div) if factor > 0.0 => {
                    Some((duration / factor) as u128)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A number written as literals, `+ - * /` of them, or a `const` holding one.
fn number(expr: &ast::Expr, hops: usize) -> Option<f64> {
    match unparen(expr.clone()) {
        ast::Expr::Literal(literal) => {
            let text = literal.syntax().text().to_string().replace('_', "");
            let digits = text
                .find(['u', 'i', 'f'])
                .map_or(text.as_str(), |suffix| &text[..suffix]);
            digits.parse().ok()
        }
        ast::Expr::BinExpr(bin) => {
            let (lhs, rhs) = (number(&bin.lhs()?, hops)?, number(&bin.rhs()?, hops)?);
            match bin.op_kind()? {
                ast::BinaryOp::ArithOp(ast::ArithOp::Add) => Some(lhs + rhs),
                ast::BinaryOp::ArithOp(ast::ArithOp::Sub) => Some(lhs - rhs),
                ast::BinaryOp::ArithOp(ast::ArithOp::Mul) => Some(lhs * rhs),
                ast::BinaryOp::ArithOp(ast::ArithOp::Div) if rhs != 0.0 => Some(lhs / rhs),
                _ => None,
            }
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            number(&const_value(expr.syntax(), &path, hops)?, hops - 1)
        }
        _ => None,
    }
}

/// The initialiser of the `const` item a one-segment path names, declared in
/// the same file and not hidden by a local of the same name.
fn const_value(at: &SyntaxNode, path: &ast::Path, hops: usize) -> Option<ast::Expr> {
    if hops == 0 || path.qualifier().is_some() {
        return None;
    }
    let name = path.segment()?.name_ref()?.text().to_string();
    if find_binding(at, &name).is_some() {
        return None;
    }
    let root = at.ancestors().last()?;
    let mut consts = root
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::CONST)
        .filter_map(ast::Const::cast)
        .filter(|c| c.name().is_some_and(|n| n.text() == name));
    let found = consts.next()?;
    // Two constants of that name in one file (in different modules): which
    // one is meant is not known here.
    if consts.next().is_some() {
        return None;
    }
    found.body()
}
