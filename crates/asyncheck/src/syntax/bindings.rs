//! Local variables: which binding a name stands for, and every place a
//! binding is mentioned.
//!
//! Names are resolved lexically, the way rustc scopes locals: the nearest
//! preceding `let` of an enclosing block, a closure or function parameter,
//! a `match` arm, `for`, `if let` or `while let` pattern. A function item
//! ends the search (items do not capture locals).

use ra_ap_syntax::{
    ast::{self, HasGenericArgs, HasLoopBody, HasName},
    AstNode, SyntaxKind, SyntaxNode, SyntaxToken, TextSize,
};

/// A place where a binding is mentioned.
#[derive(Debug, Clone)]
pub enum Mention {
    /// A path expression: `x` in `x.foo()`, `f(x)`, `x?`.
    Path(ast::PathExpr),
    /// A field shorthand: `x` in `S { x }`.
    Shorthand(ast::RecordExprField),
    /// A `{x}` capture in a string literal of a macro call (a format
    /// string): the value is read.
    FormatCapture(SyntaxToken),
    /// The name in the token tree of a macro whose body is not parsed: it
    /// may be used in any way.
    Unparsed(SyntaxToken),
}

/// The name a binding pattern introduces.
fn binding_name(binding: &ast::IdentPat) -> Option<String> {
    Some(binding.name()?.text().to_string())
}

/// Every mention of `binding` in its scope, in source order.
pub fn mentions(binding: &ast::IdentPat) -> Vec<Mention> {
    let Some(name) = binding_name(binding) else {
        return Vec::new();
    };
    let Some(scope) = scope_of(binding) else {
        return Vec::new();
    };
    let after = binding.syntax().text_range().end();
    let mut found = Vec::new();
    for element in scope.descendants_with_tokens() {
        if element.text_range().start() < after {
            continue;
        }
        match element {
            ra_ap_syntax::NodeOrToken::Node(node) => {
                let Some(name_ref) = ast::NameRef::cast(node) else {
                    continue;
                };
                if name_ref.text() != name.as_str() {
                    continue;
                }
                let Some(mention) = as_variable(&name_ref) else {
                    continue;
                };
                if binding_of(&name_ref).as_ref() == Some(binding) {
                    found.push(mention);
                }
            }
            ra_ap_syntax::NodeOrToken::Token(token) => {
                let Some(parent) = token.parent() else {
                    continue;
                };
                let mention = match token.kind() {
                    SyntaxKind::IDENT
                        if token.text() == name && in_kind(&parent, SyntaxKind::TOKEN_TREE) =>
                    {
                        Mention::Unparsed(token.clone())
                    }
                    SyntaxKind::STRING | SyntaxKind::C_STRING
                        if in_kind(&parent, SyntaxKind::MACRO_CALL)
                            && captures(token.text(), &name) =>
                    {
                        Mention::FormatCapture(token.clone())
                    }
                    _ => continue,
                };
                let at = token.text_range().start();
                if resolve(&parent, &name, at).as_ref() == Some(binding) {
                    found.push(mention);
                }
            }
        }
    }
    found
}

/// A name reference read as a local variable: a one-segment path
/// expression or a field shorthand.
fn as_variable(name_ref: &ast::NameRef) -> Option<Mention> {
    let parent = name_ref.syntax().parent()?;
    if let Some(field) = ast::RecordExprField::cast(parent.clone()) {
        return field.expr().is_none().then_some(Mention::Shorthand(field));
    }
    let segment = ast::PathSegment::cast(parent)?;
    let path = segment.parent_path();
    if path.qualifier().is_some() || segment.generic_arg_list().is_some() {
        return None;
    }
    let expr = ast::PathExpr::cast(path.syntax().parent()?)?;
    Some(Mention::Path(expr))
}

fn in_kind(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.ancestors().any(|a| a.kind() == kind)
}

/// Whether a format string captures `name` (`{name}`, `{name:?}`).
fn captures(literal: &str, name: &str) -> bool {
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix(name) {
            if after.starts_with('}') || after.starts_with(':') {
                return true;
            }
        }
    }
    false
}

/// The node within which a binding can be mentioned.
fn scope_of(binding: &ast::IdentPat) -> Option<SyntaxNode> {
    binding.syntax().ancestors().find(|a| {
        matches!(
            a.kind(),
            SyntaxKind::STMT_LIST
                | SyntaxKind::CLOSURE_EXPR
                | SyntaxKind::FN
                | SyntaxKind::MATCH_ARM
                | SyntaxKind::FOR_EXPR
                | SyntaxKind::IF_EXPR
                | SyntaxKind::WHILE_EXPR
        )
    })
}

/// The binding a variable name refers to, when it is a local of the
/// enclosing function.
pub fn binding_of(name_ref: &ast::NameRef) -> Option<ast::IdentPat> {
    let at = name_ref.syntax().text_range().start();
    resolve(name_ref.syntax(), name_ref.text(), at)
}

/// The local binding `name`, mentioned at `at` inside `from`, stands for.
fn resolve(from: &SyntaxNode, name: &str, at: TextSize) -> Option<ast::IdentPat> {
    let mut child = from.clone();
    for ancestor in from.ancestors().skip(1) {
        let found = match ancestor.kind() {
            SyntaxKind::STMT_LIST => preceding_let(&ancestor, name, at),
            SyntaxKind::CLOSURE_EXPR => ast::ClosureExpr::cast(ancestor.clone())
                .filter(|c| c.body().is_some_and(|b| b.syntax() == &child))
                .and_then(|c| bound_in(c.param_list()?.syntax(), name)),
            SyntaxKind::FN => {
                return ast::Fn::cast(ancestor.clone())
                    .filter(|f| f.body().is_some_and(|b| b.syntax() == &child))
                    .and_then(|f| bound_in(f.param_list()?.syntax(), name));
            }
            SyntaxKind::MATCH_ARM => ast::MatchArm::cast(ancestor.clone())
                .and_then(|arm| arm.pat())
                .filter(|pat| pat.syntax() != &child)
                .and_then(|pat| bound_in(pat.syntax(), name)),
            SyntaxKind::FOR_EXPR => ast::ForExpr::cast(ancestor.clone())
                .filter(|f| f.loop_body().is_some_and(|b| b.syntax() == &child))
                .and_then(|f| bound_in(f.pat()?.syntax(), name)),
            SyntaxKind::IF_EXPR => ast::IfExpr::cast(ancestor.clone()).and_then(|e| {
                let body = e.then_branch().map(|b| b.syntax().clone());
                condition_binding(&e.condition()?, body, &child, name, at)
            }),
            SyntaxKind::WHILE_EXPR => ast::WhileExpr::cast(ancestor.clone()).and_then(|e| {
                let body = e.loop_body().map(|b| b.syntax().clone());
                condition_binding(&e.condition()?, body, &child, name, at)
            }),
            SyntaxKind::CONST
            | SyntaxKind::STATIC
            | SyntaxKind::IMPL
            | SyntaxKind::TRAIT
            | SyntaxKind::MODULE
            | SyntaxKind::SOURCE_FILE => return None,
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        child = ancestor;
    }
    None
}

/// The last `let` of a statement list that ends before `at` and binds `name`.
fn preceding_let(list: &SyntaxNode, name: &str, at: TextSize) -> Option<ast::IdentPat> {
    list.children()
        .filter_map(ast::LetStmt::cast)
        .take_while(|l| l.syntax().text_range().end() <= at)
        .filter_map(|l| bound_in(l.pat()?.syntax(), name))
        .last()
}

/// The `let` of an `if`/`while` condition binding `name` for a mention at
/// `at` reached through `child`: inside the body, or later in the same
/// condition (`let` chains); never in an `else` branch.
fn condition_binding(
    condition: &ast::Expr,
    body: Option<SyntaxNode>,
    child: &SyntaxNode,
    name: &str,
    at: TextSize,
) -> Option<ast::IdentPat> {
    let in_body = body.as_ref() == Some(child);
    if !in_body && condition.syntax() != child {
        return None;
    }
    condition
        .syntax()
        .descendants()
        .filter_map(ast::LetExpr::cast)
        .filter(|l| in_body || l.syntax().text_range().end() <= at)
        .filter_map(|l| bound_in(l.pat()?.syntax(), name))
        .last()
}

/// The binding of `name` inside a pattern or parameter list.
fn bound_in(pattern: &SyntaxNode, name: &str) -> Option<ast::IdentPat> {
    pattern
        .descendants()
        .filter_map(ast::IdentPat::cast)
        .find(|ident| ident.name().is_some_and(|n| n.text() == name))
}

/// The name `let name = expr;` binds `expr` to (a plain name pattern, with
/// or without a type, no `else`).
pub fn let_bound(expr: &SyntaxNode) -> Option<ast::IdentPat> {
    let stmt = ast::LetStmt::cast(expr.parent()?)?;
    if stmt.initializer()?.syntax() != expr || stmt.let_else().is_some() {
        return None;
    }
    match stmt.pat()? {
        ast::Pat::IdentPat(ident) if ident.ref_token().is_none() && ident.pat().is_none() => {
            Some(ident)
        }
        _ => None,
    }
}
