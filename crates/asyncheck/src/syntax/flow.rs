//! Control-flow facts read from the tree alone: what runs in the same body
//! as a node, which loop a `break` or `continue` leaves.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode, WalkEvent};

use super::body_kind;

/// The nodes under `root` (itself included) that run in the same body as
/// `root`: nested closures, async blocks and items are left out whole, since
/// their code runs elsewhere or later. Tokens of unexpanded macros are not
/// nodes and are not seen either.
pub fn same_body_nodes(root: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    let root = root.clone();
    let mut walk = root.preorder();
    std::iter::from_fn(move || loop {
        let WalkEvent::Enter(node) = walk.next()? else {
            continue;
        };
        if node != root && body_kind(&node).is_some() {
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

/// Whether the `break` or `continue` expression `jump`, found inside
/// `target` (a loop) and in the same body, makes execution leave `target`:
/// a `break` of `target` or of anything around it, a labelled `continue` of
/// an outer loop. A `break` or `continue` of a loop or labelled block
/// nested inside `target` does not leave it.
pub fn leaves_loop(jump: &SyntaxNode, target: &SyntaxNode) -> bool {
    let is_break = jump.kind() == SyntaxKind::BREAK_EXPR;
    let label = jump
        .children()
        .find_map(ast::Lifetime::cast)
        .map(|l| l.syntax().text().to_string());
    for ancestor in jump.ancestors().skip(1) {
        if ancestor == *target {
            let own_label = label.is_none() || label == label_of(target);
            return is_break || !own_label;
        }
        let catches = match &label {
            None => is_loop(&ancestor),
            Some(label) => {
                (is_loop(&ancestor) || ancestor.kind() == SyntaxKind::BLOCK_EXPR)
                    && label_of(&ancestor).as_ref() == Some(label)
            }
        };
        if catches {
            return false;
        }
    }
    false
}
