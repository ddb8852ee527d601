//! Control-flow facts read from the tree alone: what runs in the same body
//! as a node, loops and their labels.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode, WalkEvent};

use super::body_kind;

/// The nodes under `root` (itself included) that run in the same body as
/// `root`: nested closures, async blocks and items are left out whole, since
/// their code runs elsewhere or later. Tokens of unexpanded macros are not
/// nodes and are not seen either.
pub fn same_body_nodes(root: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    nodes_skipping(root, |node| body_kind(node).is_some())
}

/// [`same_body_nodes`] without nested loops either: what one turn of the
/// loop whose body is `root` runs at its own level.
pub fn same_iteration_nodes(root: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    nodes_skipping(root, |node| body_kind(node).is_some() || is_loop(node))
}

fn nodes_skipping(
    root: &SyntaxNode,
    skip: impl Fn(&SyntaxNode) -> bool,
) -> impl Iterator<Item = SyntaxNode> {
    let root = root.clone();
    let mut walk = root.preorder();
    std::iter::from_fn(move || loop {
        let WalkEvent::Enter(node) = walk.next()? else {
            continue;
        };
        if node != root && skip(&node) {
            walk.skip_subtree();
            continue;
        }
        return Some(node);
    })
}

/// Whether `node` is a `loop`, `while` or `for` expression.
pub fn is_loop(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR
    )
}

/// The body block of a `loop`, `while` or `for` expression.
pub fn loop_body(node: &SyntaxNode) -> Option<ast::BlockExpr> {
    use ast::HasLoopBody;
    match node.kind() {
        SyntaxKind::LOOP_EXPR => ast::LoopExpr::cast(node.clone())?.loop_body(),
        SyntaxKind::WHILE_EXPR => ast::WhileExpr::cast(node.clone())?.loop_body(),
        SyntaxKind::FOR_EXPR => ast::ForExpr::cast(node.clone())?.loop_body(),
        _ => None,
    }
}

/// The label of a loop or block expression (`'outer`), as written.
pub fn label_of(node: &SyntaxNode) -> Option<String> {
    let label = node.children().find_map(ast::Label::cast)?;
    Some(label.lifetime()?.syntax().text().to_string())
}

/// An expression that is or ends in `break` or `return`, or diverges with a
/// panic, on every way through it (both sides of an `if .. else`, every arm
/// of a `match`): a `select!` handler that ends so leaves the loop around it.
pub fn always_leaves(handler: &ast::Expr) -> bool {
    leaves_within(handler, 8)
}

/// [`always_leaves`], through at most `depth` nested blocks, `if`s and
/// `match`es (they nest a bounded number of times in practice).
fn leaves_within(expr: &ast::Expr, depth: usize) -> bool {
    let Some(depth) = depth.checked_sub(1) else {
        return false;
    };
    match expr {
        ast::Expr::BreakExpr(_) | ast::Expr::ReturnExpr(_) => true,
        ast::Expr::MacroExpr(mac) => is_panic(mac),
        ast::Expr::BlockExpr(block) => block
            .stmt_list()
            .and_then(|list| last_expr(&list))
            .is_some_and(|last| leaves_within(&last, depth)),
        // Every way through leaves: both sides of an `if .. else`, every
        // arm of a `match`.
        ast::Expr::IfExpr(branch) => {
            let then_leaves = branch
                .then_branch()
                .is_some_and(|then| leaves_within(&ast::Expr::BlockExpr(then), depth));
            let else_leaves = match branch.else_branch() {
                Some(ast::ElseBranch::Block(block)) => {
                    leaves_within(&ast::Expr::BlockExpr(block), depth)
                }
                Some(ast::ElseBranch::IfExpr(next)) => {
                    leaves_within(&ast::Expr::IfExpr(next), depth)
                }
                None => false,
            };
            then_leaves && else_leaves
        }
        ast::Expr::MatchExpr(found) => {
            let mut arms = found
                .match_arm_list()
                .into_iter()
                .flat_map(|list| list.arms())
                .peekable();
            arms.peek().is_some()
                && arms.all(|arm| arm.expr().is_some_and(|e| leaves_within(&e, depth)))
        }
        _ => false,
    }
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

/// Whether a `break` in the loop `node` leaves it: an unlabelled `break`
/// of no inner loop, or one labelled with the label of `node` or of a loop
/// around it. `return` and `?` leave the function, not just the loop.
pub fn has_break_out(node: &SyntaxNode) -> bool {
    let Some(body) = loop_body(node) else {
        return false;
    };
    same_body_nodes(body.syntax())
        .filter_map(ast::BreakExpr::cast)
        .any(|brk| {
            let label = brk.lifetime().map(|l| l.syntax().text().to_string());
            let inner = brk
                .syntax()
                .ancestors()
                .skip(1)
                .take_while(|a| a != node)
                .find(|a| match &label {
                    Some(label) => label_of(a).as_ref() == Some(label),
                    None => is_loop(a),
                });
            inner.is_none()
        })
}
