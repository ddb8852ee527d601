//! Which binding a local name refers to.

use ra_ap_syntax::{
    ast::{self, HasGenericArgs, HasLoopBody},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{binds, enclosing_body};

/// Where a local name was bound.
#[derive(Debug, Clone)]
pub enum Local {
    Let(ast::LetStmt),
    /// The loop variable of a `for` that encloses the use.
    For(ast::ForExpr),
    Param(ast::Param),
}

/// The binding of the plain name `name` as seen from `at`: the nearest
/// `let` before it or enclosing `for` loop in the enclosing bodies, else a
/// parameter of them. Block scopes are not tracked: a `let` in a block that
/// has ended still counts, as a name bound twice in one body is rare.
pub fn local_binding(at: &SyntaxNode, name: &str) -> Option<Local> {
    let position = at.text_range().start();
    let mut scope = at.clone();
    while let Some((body, _)) = enclosing_body(&scope) {
        let by_let = body
            .descendants()
            .filter_map(ast::LetStmt::cast)
            .filter(|l| l.syntax().text_range().end() <= position)
            .filter(|l| binds(l.pat(), name))
            .last();
        let by_for = at
            .ancestors()
            .take_while(|a| *a != body)
            .filter_map(ast::ForExpr::cast)
            .filter(|f| binds(f.pat(), name))
            .find(|f| in_loop_body(f, at));
        let nearest = match (by_let, by_for) {
            (Some(l), Some(f))
                if l.syntax().text_range().start() > f.syntax().text_range().start() =>
            {
                Some(Local::Let(l))
            }
            (_, Some(f)) => Some(Local::For(f)),
            (Some(l), None) => Some(Local::Let(l)),
            (None, None) => params(&body)
                .into_iter()
                .find(|p| binds(p.pat(), name))
                .map(Local::Param),
        };
        if nearest.is_some() {
            return nearest;
        }
        scope = body;
    }
    None
}

/// The name `expr` reads when it is a plain one-segment path (`x`, not
/// `a::x` or `x::<T>`), which may be a local.
pub fn plain_name(expr: &ast::Expr) -> Option<String> {
    let ast::Expr::PathExpr(path) = expr else {
        return None;
    };
    let path = path.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    let segment = path.segment()?;
    if segment.generic_arg_list().is_some() {
        return None;
    }
    Some(segment.name_ref()?.text().to_string())
}

/// A loop variable is in scope in the loop's body, not in its iterable.
fn in_loop_body(for_expr: &ast::ForExpr, node: &SyntaxNode) -> bool {
    for_expr
        .loop_body()
        .is_some_and(|b| b.syntax().text_range().contains_range(node.text_range()))
}

fn params(body: &SyntaxNode) -> Vec<ast::Param> {
    let list = match body.kind() {
        SyntaxKind::FN => ast::Fn::cast(body.clone()).and_then(|f| f.param_list()),
        SyntaxKind::CLOSURE_EXPR => {
            ast::ClosureExpr::cast(body.clone()).and_then(|c| c.param_list())
        }
        _ => None,
    };
    list.map(|l| l.params().collect()).unwrap_or_default()
}
