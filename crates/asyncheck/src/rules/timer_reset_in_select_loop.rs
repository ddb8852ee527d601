use std::collections::HashSet;

use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    always_leaves, ast, captures, constant_nanos, created_future, is_interval_tick, local_name,
    method_name, select_in_loop, tick_period, timer_from_now, unparen, written_text, AstNode,
    Imports, NodeOrToken, SelectBranch, SyntaxKind, SyntaxNode, SyntaxToken, TextRange,
};

use super::{span, span_of};

pub struct TimerResetInSelectLoop;

static META: RuleMeta = RuleMeta {
    name: "timer-reset-in-select-loop",
    pattern: Pattern::Cancellation,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags timers created in a `select!` branch inside a loop that another branch keeps restarting.",
    flags: "A branch of `tokio::select!` or `futures::select!` inside a loop whose future is a \
timer started by the branch itself (`tokio::time::sleep(d)`, `sleep_until(Instant::now() + \
d)`, directly or through a local bound inside the loop, the deadline too), so that it starts over whenever \
another branch wins, when (a) its handler does not always leave the loop and reads or drains \
a place (also as a macro argument: `println!(\"{}\", count)`) that another branch's handler fills \
(`buf.push(..)`, `map.insert(..)`, `count += 1`, `count = count.wrapping_add(1)`, \
`extend`, `fetch_add`, ...; also through `self.method(..)` calls to methods of the same \
`impl`, counting only the `self.field` places of their bodies), \
or (b) another branch is itself periodic (an `interval.tick()` of a `tokio::time::Interval`, \
another timer started in its branch) and does not leave the loop: unless both durations are \
constants and this timer's is the shorter. Not flagged: a timer created before the loop and \
polled by reference, `sleep_until(deadline)` with a deadline computed elsewhere, \
`interval.tick()` itself, an idle timeout (a handler that always leaves the loop, with no \
periodic sibling), and an idle action that touches nothing the other branches fill (a \
keep-alive ping).",
    why: "Every turn of the loop evaluates the branch futures again: a `sleep(d)` written in \
the branch is a new timer, started from zero, each time another branch wins. Under a steady \
stream of messages the periodic work it guards (flushing a buffer the other branch fills, \
renewing a lease, expiring entries) never runs, and a sibling that ticks more often than `d` \
restarts it every time, so it never fires at all. It works in tests, with little traffic, \
and stops working under load.",
    example: r#"use std::time::Duration;
use tokio::sync::mpsc;

async fn batch(mut rx: mpsc::Receiver<String>) {
    let mut pending = Vec::new();
    loop {
        tokio::select! {
            Some(line) = rx.recv() => pending.push(line),
            _ = tokio::time::sleep(Duration::from_secs(1)) => { //~ timer-reset-in-select-loop
                flush(&mut pending).await;
            }
        }
    }
}

async fn flush(lines: &mut Vec<String>) {
    lines.clear();
}
"#,
    use_instead: r#"use std::time::Duration;
use tokio::sync::mpsc;

async fn batch(mut rx: mpsc::Receiver<String>) {
    let mut pending = Vec::new();
    // One interval for the whole loop: it ticks every second however many
    // messages arrive in between.
    let mut flush_every = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            Some(line) = rx.recv() => pending.push(line),
            _ = flush_every.tick() => {
                flush(&mut pending).await;
            }
        }
    }
}

async fn flush(lines: &mut Vec<String>) {
    lines.clear();
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["cancel-unsafe-select", "missing-timeout"],
    clippy_twins: &[],
};

/// Methods that add to the collection or counter they are called on.
const FILLS: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "push_str",
    "insert",
    "extend",
    "extend_from_slice",
    "append",
    "entry",
    "put",
    "put_slice",
    "fetch_add",
];

/// Calls that reach the place behind a guard or wrapper: `buf.lock().await.push(..)`
/// fills `buf`.
const THROUGH: &[&str] = &[
    "lock",
    "write",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "unwrap",
    "expect",
];

impl Rule for TimerResetInSelectLoop {
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
            let Some(timer) = branch
                .future()
                .and_then(|f| created_future(f, Some(&looped), cx.imports))
                .and_then(|f| timer_from_now(&f, &looped, cx.imports))
            else {
                continue;
            };
            let others: Vec<&SelectBranch> = branches
                .iter()
                .enumerate()
                .filter(|(i, other)| *i != index && !other.is_fallback())
                .map(|(_, other)| other)
                .collect();
            let duration = timer.duration.as_ref().and_then(constant_nanos);
            if let Some(periodic) = others
                .iter()
                .filter(|other| !other.handler().is_some_and(|h| always_leaves(&h)))
                .find_map(|other| restarts(other, duration, &looped, cx.imports))
            {
                cx.report(
                    Finding::new(
                        span_of(&timer.call),
                        "this timer starts over whenever the periodic branch of this `select!` wins, and that branch wins first every time: the timer never fires",
                    )
                    .label(span(periodic), "this branch completes periodically, restarting the timer")
                    .help(HELP),
                );
                continue;
            }
            let Some(handler) = branch.handler() else {
                continue;
            };
            if always_leaves(&handler) {
                continue;
            }
            let touched = touched_places(handler.syntax());
            let filled = others
                .iter()
                .filter_map(|other| other.handler())
                .flat_map(|other| filled_places(other.syntax()))
                .find(|(place, _)| touches(&touched, place));
            if let Some((place, at)) = filled {
                cx.report(
                    Finding::new(
                        span_of(&timer.call),
                        format!("this timer starts over whenever another branch of this `select!` wins: while `{place}` keeps being filled, the work this branch does with it never runs"),
                    )
                    .label(span(at.text_range()), format!("`{place}` is filled here, restarting the timer"))
                    .help(HELP),
                );
            }
        }
    }
}

const HELP: &str = "create the timer once before the loop (`let timer = sleep(d); tokio::pin!(timer);`), poll `&mut timer` and reset it (`timer.as_mut().reset(..)`) only after its work ran, or use a `tokio::time::interval`";

/// The range of `other`'s future when it completes periodically and so
/// restarts a timer of `duration` nanoseconds before it fires: another timer
/// started in its branch, or an interval's `tick()`, unless both durations
/// are constants and the timer's is the shorter.
fn restarts(
    other: &SelectBranch,
    duration: Option<u128>,
    looped: &SyntaxNode,
    imports: &Imports,
) -> Option<TextRange> {
    let future = other.future()?;
    let created = created_future(future.clone(), Some(looped), imports)?;
    let period = if let Some(timer) = timer_from_now(&created, looped, imports) {
        timer.duration
    } else {
        tick_period(&is_interval_tick(&created, imports)?, imports)
    };
    let period = period.as_ref().and_then(constant_nanos);
    if let (Some(duration), Some(period)) = (duration, period) {
        if duration < period {
            return None;
        }
    }
    Some(future.syntax().text_range())
}

/// The places a handler reads or writes, as written (`pending`,
/// `self.buffer`), including those of methods of the same `impl` it calls on
/// `self`.
fn touched_places(handler: &SyntaxNode) -> HashSet<String> {
    let mut places = HashSet::new();
    for (root, method) in with_own_methods(handler) {
        for element in root.descendants_with_tokens() {
            let found: Vec<String> = match element {
                NodeOrToken::Node(node)
                    if matches!(node.kind(), SyntaxKind::PATH_EXPR | SyntaxKind::FIELD_EXPR) =>
                {
                    vec![written_text(&node)]
                }
                // `{name}` in a format string reads `name`.
                NodeOrToken::Token(token) if token.kind() == SyntaxKind::STRING => {
                    captures(token.text()).map(str::to_owned).collect()
                }
                // A name in a macro body left unparsed (`println!("{}", n)`)
                // may be used in any way, as for bindings' mentions; not the
                // name of a named argument (`info!(count = n)`).
                NodeOrToken::Token(token)
                    if token.kind() == SyntaxKind::IDENT
                        && token
                            .parent()
                            .is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE)
                        && !names_an_argument(&token) =>
                {
                    vec![token.text().to_owned()]
                }
                _ => continue,
            };
            places.extend(found.into_iter().filter(|p| shared(p, method)));
        }
    }
    places
}

/// `count` in `info!(count = n)`.
fn names_an_argument(name: &SyntaxToken) -> bool {
    std::iter::successors(name.next_token(), |t| t.next_token())
        .find(|t| !t.kind().is_trivia())
        .is_some_and(|t| t.kind() == SyntaxKind::EQ)
}

/// Whether one of `touched` is `place` or a part or a whole of it.
fn touches(touched: &HashSet<String>, place: &str) -> bool {
    touched.iter().any(|t| {
        t == place
            || place
                .strip_prefix(t.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
            || t.strip_prefix(place)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The places a handler adds to, with where it does.
fn filled_places(handler: &SyntaxNode) -> Vec<(String, SyntaxNode)> {
    let mut filled = Vec::new();
    for (root, method) in with_own_methods(handler) {
        for node in root.descendants() {
            let target = match node.kind() {
                SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(node.clone())
                    .filter(|call| method_name(call).is_some_and(|n| FILLS.contains(&n.as_str())))
                    .and_then(|call| call.receiver()),
                SyntaxKind::BIN_EXPR => ast::BinExpr::cast(node.clone())
                    .filter(adds_to_itself)
                    .and_then(|bin| bin.lhs()),
                _ => None,
            };
            if let Some(place) = target.and_then(place_of).filter(|p| shared(p, method)) {
                filled.push((place, node));
            }
        }
    }
    filled
}

/// `count += n`, `count = count + n` (either side), or
/// `count = count.wrapping_add(n)` (or `saturating_add`).
fn adds_to_itself(assign: &ast::BinExpr) -> bool {
    match assign.op_kind() {
        Some(ast::BinaryOp::Assignment {
            op: Some(ast::ArithOp::Add),
        }) => true,
        Some(ast::BinaryOp::Assignment { op: None }) => {
            let (Some(place), Some(value)) = (assign.lhs(), assign.rhs().map(unparen)) else {
                return false;
            };
            let place = place.syntax().text().to_string();
            let is_place = |side: Option<ast::Expr>| {
                side.is_some_and(|side| side.syntax().text() == place.as_str())
            };
            match value {
                ast::Expr::BinExpr(sum) => {
                    sum.op_kind() == Some(ast::BinaryOp::ArithOp(ast::ArithOp::Add))
                        && (is_place(sum.lhs()) || is_place(sum.rhs()))
                }
                ast::Expr::MethodCallExpr(call) => {
                    method_name(&call)
                        .is_some_and(|n| matches!(n.as_str(), "wrapping_add" | "saturating_add"))
                        && is_place(call.receiver())
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a place named in a handler (or, `in_method`, in the body of a
/// method it calls on `self`) is one the handlers can share: a method's own
/// locals and parameters are not the caller's, whatever their names.
fn shared(place: &str, in_method: bool) -> bool {
    place != "self" && (!in_method || place.starts_with("self."))
}

/// `root`, and the bodies of the methods of the enclosing `impl` that it
/// calls on `self` (marked `true`), one level deep: what the handler does
/// through them.
fn with_own_methods(root: &SyntaxNode) -> Vec<(SyntaxNode, bool)> {
    let mut roots = vec![(root.clone(), false)];
    let Some(owner) = root.ancestors().find_map(ast::Impl::cast) else {
        return roots;
    };
    let Some(items) = owner.assoc_item_list() else {
        return roots;
    };
    let called: HashSet<String> = root
        .descendants()
        .filter_map(ast::MethodCallExpr::cast)
        .filter(|call| {
            call.receiver()
                .is_some_and(|r| local_name(&r).as_deref() == Some("self"))
        })
        .filter_map(|call| method_name(&call).map(|n| n.to_string()))
        .collect();
    for item in items.assoc_items() {
        let ast::AssocItem::Fn(method) = item else {
            continue;
        };
        let named = ast::HasName::name(&method).is_some_and(|n| called.contains(n.text()));
        if let (true, Some(body)) = (named, method.body()) {
            roots.push((body.syntax().clone(), true));
        }
    }
    roots
}

/// The place a fill reaches: `buf` in `buf.push(..)`, `self.pending` in
/// `self.pending.lock().await.insert(..)`, `count` in `*count += 1`.
fn place_of(expr: ast::Expr) -> Option<String> {
    let mut expr = unparen(expr);
    // Guards and wrappers are stripped a bounded number of times.
    for _ in 0..8 {
        expr = match expr {
            ast::Expr::PrefixExpr(deref) => deref.expr()?,
            ast::Expr::RefExpr(by_ref) => by_ref.expr()?,
            ast::Expr::AwaitExpr(awaited) => awaited.expr()?,
            ast::Expr::TryExpr(tried) => tried.expr()?,
            ast::Expr::IndexExpr(index) => index.base()?,
            ast::Expr::MethodCallExpr(call)
                if method_name(&call).is_some_and(|n| THROUGH.contains(&n.as_str())) =>
            {
                call.receiver()?
            }
            ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => break,
            _ => return None,
        };
        expr = unparen(expr);
    }
    if !matches!(expr, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_)) {
        return None;
    }
    Some(written_text(expr.syntax()))
}
