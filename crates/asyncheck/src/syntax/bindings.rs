//! Local variables: which binding a name stands for, and every place a
//! binding is mentioned.
//!
//! Names are resolved lexically, the way rustc scopes locals: the nearest
//! preceding `let` of an enclosing block, a closure or function parameter,
//! a `match` arm, `for`, `if let` or `while let` pattern. A function item
//! ends the search (items do not capture locals).

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap as HashMap;

use ra_ap_syntax::{
    ast::{self, HasGenericArgs, HasLoopBody, HasName},
    AstNode, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize,
    WalkEvent,
};

/// A place where a binding is mentioned.
#[derive(Debug, Clone)]
pub enum Mention {
    /// A path expression: `x` in `x.foo()`, `f(x)`, `x?`, `S { x }`.
    Path(ast::PathExpr),
    /// A `{x}` capture in a string literal of a macro call (a format
    /// string): the value is read.
    FormatCapture(SyntaxToken),
    /// The name in the token tree of a macro whose body is not parsed: it
    /// may be used in any way.
    Unparsed(SyntaxToken),
}

impl Mention {
    /// The method called on the binding here (`x.abort()`, `rt.block_on(..)`),
    /// with its name.
    pub fn method_called(&self) -> Option<(ast::MethodCallExpr, String)> {
        let Mention::Path(path) = self else {
            return None;
        };
        let call = ast::MethodCallExpr::cast(path.syntax().parent()?)?;
        if call.receiver()?.syntax() != path.syntax() {
            return None;
        }
        let name = call.name_ref()?.text().to_string();
        Some((call, name))
    }
}

/// Where each name is mentioned, so that a binding's mentions cost what
/// they are rather than a scan of its scope. Build it once per file
/// (`Context::file_fact(|_, _| Names::default())`); each item (function,
/// `const`, `static`) is indexed the first time one of its bindings is
/// asked about, since a binding is never mentioned outside its item and
/// most files never ask about most of their items.
#[derive(Debug, Default)]
pub struct Names {
    items: RefCell<HashMap<TextRange, Rc<ItemNames>>>,
}

#[derive(Debug, Default)]
struct ItemNames {
    /// Name references, identifiers in unparsed macro bodies and format
    /// strings capturing the name, in source order.
    by_name: HashMap<String, Vec<SyntaxElement>>,
    /// The patterns binding each name, in source order.
    binders: HashMap<String, Vec<ast::IdentPat>>,
}

impl Names {
    /// Every mention of `binding` in its scope, in source order.
    pub fn mentions(&self, binding: &ast::IdentPat) -> Vec<Mention> {
        let Some(name) = binding.name().map(|n| n.text().to_string()) else {
            return Vec::new();
        };
        let item = self.item_of(binding);
        let binders = item.binders.get(&name).map_or(&[][..], Vec::as_slice);
        let (Some(candidates), Some(region)) = (item.by_name.get(&name), region(binding, binders))
        else {
            return Vec::new();
        };
        let first = candidates.partition_point(|c| c.text_range().start() < region.start());
        candidates[first..]
            .iter()
            .take_while(|c| c.text_range().start() < region.end())
            .filter_map(|c| mention_in(c, &name, binding))
            .collect()
    }

    /// The index of the item holding `binding`, built on first use.
    fn item_of(&self, binding: &ast::IdentPat) -> Rc<ItemNames> {
        let mut ancestors = binding.syntax().ancestors();
        let item = ancestors
            .find(|a| {
                matches!(
                    a.kind(),
                    SyntaxKind::FN | SyntaxKind::CONST | SyntaxKind::STATIC
                )
            })
            .or_else(|| binding.syntax().ancestors().last())
            .unwrap_or_else(|| binding.syntax().clone());
        let key = item.text_range();
        if let Some(found) = self.items.borrow().get(&key) {
            return Rc::clone(found);
        }
        let names = Rc::new(ItemNames::of(&item));
        self.items.borrow_mut().insert(key, Rc::clone(&names));
        names
    }
}

impl ItemNames {
    fn of(item: &SyntaxNode) -> ItemNames {
        let mut names = ItemNames::default();
        let mut in_macro = 0usize;
        for event in item.preorder_with_tokens() {
            let element = match event {
                WalkEvent::Enter(element) => element,
                WalkEvent::Leave(element) => {
                    if element.kind() == SyntaxKind::MACRO_CALL {
                        in_macro = in_macro.saturating_sub(1);
                    }
                    continue;
                }
            };
            match &element {
                NodeOrToken::Node(node) => match node.kind() {
                    SyntaxKind::MACRO_CALL => in_macro += 1,
                    SyntaxKind::NAME_REF => {
                        // A name reference is one token: no text assembled.
                        let name = node
                            .first_token()
                            .map_or_else(|| node.text().to_string(), |t| t.text().to_owned());
                        names.add(name, element)
                    }
                    SyntaxKind::IDENT_PAT => {
                        if let Some(pat) = ast::IdentPat::cast(node.clone()) {
                            if let Some(name) = pat.name() {
                                let list = names.binders.entry(name.text().to_string());
                                list.or_default().push(pat);
                            }
                        }
                    }
                    _ => {}
                },
                NodeOrToken::Token(token) => match token.kind() {
                    SyntaxKind::IDENT
                        if token
                            .parent()
                            .is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE) =>
                    {
                        names.add(token.text().to_owned(), element.clone());
                    }
                    SyntaxKind::STRING | SyntaxKind::C_STRING if in_macro > 0 => {
                        for name in captures(token.text()) {
                            names.add(name.to_owned(), element.clone());
                        }
                    }
                    _ => {}
                },
            }
        }
        names
    }

    fn add(&mut self, name: String, element: SyntaxElement) {
        let list = self.by_name.entry(name).or_default();
        if list.last() != Some(&element) {
            list.push(element);
        }
    }
}

/// The text that may mention `binding`: for a `let`, the statements after
/// it, up to one that binds the name again (which hides it from the rest of
/// the block); otherwise the rest of its scope. `binders` are the patterns
/// binding the same name in the file.
fn region(binding: &ast::IdentPat, binders: &[ast::IdentPat]) -> Option<TextRange> {
    let scope = scope_of(binding)?;
    let start = binding.syntax().text_range().end();
    let scope_end = scope.text_range().end();
    let Some(statement) = statement_in(binding, &scope) else {
        return (start <= scope_end).then(|| TextRange::new(start, scope_end));
    };
    let later = binders.partition_point(|b| b.syntax().text_range().start() < start);
    let end = binders[later..]
        .iter()
        .take_while(|b| b.syntax().text_range().start() < scope_end)
        .find_map(|b| statement_in(b, &scope).filter(|s| s != &statement))
        .map_or(scope_end, |rebinding| rebinding.text_range().end());
    (start <= end).then(|| TextRange::new(start, end))
}

/// The `let` statement of `scope` whose pattern holds `binding`.
fn statement_in(binding: &ast::IdentPat, scope: &SyntaxNode) -> Option<SyntaxNode> {
    let statement = binding
        .syntax()
        .ancestors()
        .find(|a| a.parent().as_ref() == Some(scope))?;
    let pat = ast::LetStmt::cast(statement.clone())?.pat()?;
    pat.syntax()
        .text_range()
        .contains_range(binding.syntax().text_range())
        .then_some(statement)
}

/// `element` as a mention of `binding` (named `name`).
fn mention_in(element: &SyntaxElement, name: &str, binding: &ast::IdentPat) -> Option<Mention> {
    match element {
        NodeOrToken::Node(node) => {
            let name_ref = ast::NameRef::cast(node.clone())?;
            let mention = as_variable(&name_ref)?;
            (binding_of(&name_ref).as_ref() == Some(binding)).then_some(mention)
        }
        NodeOrToken::Token(token) => {
            let parent = token.parent()?;
            let mention = match token.kind() {
                SyntaxKind::IDENT => Mention::Unparsed(token.clone()),
                _ => Mention::FormatCapture(token.clone()),
            };
            let at = token.text_range().start();
            (resolve(&parent, name, at).as_ref() == Some(binding)).then_some(mention)
        }
    }
}

/// A name reference read as a local variable: a one-segment path
/// expression (field shorthands are parsed as one too).
fn as_variable(name_ref: &ast::NameRef) -> Option<Mention> {
    let segment = ast::PathSegment::cast(name_ref.syntax().parent()?)?;
    let path = segment.parent_path();
    if path.qualifier().is_some() || segment.generic_arg_list().is_some() {
        return None;
    }
    let expr = ast::PathExpr::cast(path.syntax().parent()?)?;
    Some(Mention::Path(expr))
}

/// The names a format string captures (`{name}`, `{name:?}`).
pub fn captures(literal: &str) -> impl Iterator<Item = &str> {
    literal.split('{').skip(1).filter_map(|piece| {
        let end = piece.find(['}', ':'])?;
        let name = &piece[..end];
        let is_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        is_name.then_some(name)
    })
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
            SyntaxKind::STMT_LIST => preceding_let(&child, name),
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

/// The nearest `let` before `statement` in its block that binds `name`.
fn preceding_let(statement: &SyntaxNode, name: &str) -> Option<ast::IdentPat> {
    std::iter::successors(statement.prev_sibling(), |s| s.prev_sibling())
        .filter_map(ast::LetStmt::cast)
        .find_map(|l| bound_in(l.pat()?.syntax(), name))
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

/// How a mention of a local uses its value, seen from the body that owns
/// the local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueUse {
    /// Borrowed: the receiver of a method call (methods that consume their
    /// receiver are for the caller to single out by name), `&x`, a format
    /// capture. The owner still has it afterwards.
    Borrowed,
    /// Handed on: an argument, returned, stored, assigned, or captured by a
    /// `move` closure or `async move` block. The owner may not have it any
    /// more.
    Moved,
    /// Named in a macro whose body is not parsed.
    Unknown,
}

/// How `mention` uses its local, whose binding is in `owner` (the body of
/// the function, closure or async block that declares it).
pub fn value_use(mention: &Mention, owner: &SyntaxNode) -> ValueUse {
    let path = match mention {
        Mention::Path(path) => path.syntax(),
        Mention::FormatCapture(_) => return ValueUse::Borrowed,
        Mention::Unparsed(_) => return ValueUse::Unknown,
    };
    let captured_by_move = path
        .ancestors()
        .take_while(|a| a != owner)
        .any(|a| match a.kind() {
            SyntaxKind::CLOSURE_EXPR => {
                ast::ClosureExpr::cast(a).is_some_and(|c| c.move_token().is_some())
            }
            SyntaxKind::BLOCK_EXPR => {
                ast::BlockExpr::cast(a).is_some_and(|b| b.move_token().is_some())
            }
            _ => false,
        });
    if captured_by_move {
        return ValueUse::Moved;
    }
    let Some(parent) = path.parent() else {
        return ValueUse::Moved;
    };
    let borrowed = match parent.kind() {
        SyntaxKind::REF_EXPR => true,
        SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(parent)
            .and_then(|call| call.receiver())
            .is_some_and(|receiver| receiver.syntax() == path),
        _ => false,
    };
    if borrowed {
        ValueUse::Borrowed
    } else {
        ValueUse::Moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    /// The mentions of the first binding of `name` in `text`, as
    /// (kind, line) pairs.
    fn mentions_of(text: &str, name: &str) -> Vec<(&'static str, usize)> {
        let parsed = parse_file(text).unwrap();
        let names = Names::default();
        let binding = parsed
            .root
            .descendants()
            .filter_map(ast::IdentPat::cast)
            .find(|p| p.name().is_some_and(|n| n.text() == name))
            .unwrap();
        let line = |offset: TextSize| text[..usize::from(offset)].lines().count();
        names
            .mentions(&binding)
            .iter()
            .map(|m| match m {
                Mention::Path(p) => ("path", line(p.syntax().text_range().start())),
                Mention::FormatCapture(t) => ("capture", line(t.text_range().start())),
                Mention::Unparsed(t) => ("unparsed", line(t.text_range().start())),
            })
            .collect()
    }

    #[test]
    fn shadowing_ends_a_binding() {
        let text = "fn f() {
    let x = 1;
    let y = x + 1;
    let x = x * 2;
    println!(\"{x}\");
}";
        assert_eq!(mentions_of(text, "x"), vec![("path", 3), ("path", 4)]);
    }

    #[test]
    fn nested_scopes_hide_a_binding() {
        let text = "fn f(v: Vec<u8>) {
    let x = 1;
    let g = |x: u8| x;
    match v.first() {
        Some(x) => drop(x),
        None => drop(x),
    }
    if let Some(x) = v.last() { drop(x) } else { drop(x) }
    for x in &v { drop(x); }
    fn inner() { let _ = x; }
    let s = S { x };
    my_macro!(x + 1; x);
    format!(\"{x:?} {y}\", y = 2);
}";
        assert_eq!(
            mentions_of(text, "x"),
            vec![
                ("path", 6),
                ("path", 8),
                ("path", 11),
                ("unparsed", 12),
                ("unparsed", 12),
                ("capture", 13),
            ]
        );
    }

    #[test]
    fn closures_and_async_blocks_capture() {
        let text = "async fn f() {
    let x = 1;
    let c = move || x + 1;
    tokio::spawn(async move { x });
}";
        assert_eq!(mentions_of(text, "x"), vec![("path", 3), ("path", 4)]);
    }
}
