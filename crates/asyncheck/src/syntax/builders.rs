//! Following a builder from its constructor to the call that finishes it
//! (`Client::builder().timeout(d).build()`), through method chains and the
//! locals of the same function it is bound and re-bound to
//! (`let b = Client::builder(); let b = b.timeout(d); b.build()`).

use std::collections::HashSet;

use ra_ap_syntax::{ast, AstNode, SmolStr, SyntaxKind, SyntaxNode};

use super::{binding_of, method_name, Mention, Names};

/// Bindings followed at most (`let b = ..; let b = b.x(); ..`).
const MAX_BINDINGS: usize = 8;
/// Places holding the builder examined at most.
const MAX_PLACES: usize = 64;

/// What a builder goes through in the function that creates it.
#[derive(Debug, Default)]
pub struct BuilderUse {
    /// The methods called on it before it is finished, on any path.
    pub methods: Vec<SmolStr>,
    /// The calls that finish it (`.build()`), when some path does.
    pub finished: Vec<ast::MethodCallExpr>,
    /// Some path hands it to code we do not follow: passed to a function,
    /// returned, stored, mentioned in an unparsed macro. That code may
    /// configure it.
    pub escapes: bool,
}

impl BuilderUse {
    pub fn called(&self, any_of: &[&str]) -> bool {
        self.methods.iter().any(|m| any_of.contains(&m.as_str()))
    }
}

/// Follows the builder value that `constructor` (an expression) produces,
/// until one of the `finish` methods is called on it. `?` and parentheses
/// are looked through; a method that is not a finishing one is taken to
/// return the same builder, as builder methods do.
pub fn follow_builder(constructor: &SyntaxNode, finish: &[&str], names: &Names) -> BuilderUse {
    let mut found = BuilderUse::default();
    let mut places = vec![constructor.clone()];
    let mut bindings: HashSet<ast::IdentPat> = HashSet::new();
    let mut examined = 0;
    while let Some(place) = places.pop() {
        examined += 1;
        if examined > MAX_PLACES {
            found.escapes = true;
            break;
        }
        let Some(next) = follow_place(place, finish, &mut found) else {
            continue;
        };
        if bindings.len() >= MAX_BINDINGS {
            found.escapes = true;
            break;
        }
        if !bindings.insert(next.clone()) {
            continue;
        }
        for mention in names.mentions(&next) {
            match mention {
                Mention::Path(path) => places.push(path.syntax().clone()),
                Mention::FormatCapture(_) | Mention::Unparsed(_) => found.escapes = true,
            }
        }
    }
    found
}

/// Climbs from an expression holding the builder through its method chain;
/// returns the local it is then bound to, if any.
fn follow_place(
    mut place: SyntaxNode,
    finish: &[&str],
    found: &mut BuilderUse,
) -> Option<ast::IdentPat> {
    loop {
        let Some(parent) = place.parent() else {
            found.escapes = true;
            return None;
        };
        match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::TRY_EXPR => place = parent,
            SyntaxKind::METHOD_CALL_EXPR => {
                let call = ast::MethodCallExpr::cast(parent.clone())?;
                if call.receiver().is_none_or(|r| r.syntax() != &place) {
                    // An argument of a method: handed on.
                    found.escapes = true;
                    return None;
                }
                let name = method_name(&call)?;
                if finish.contains(&name.as_str()) {
                    found.finished.push(call);
                    return None;
                }
                found.methods.push(name);
                place = parent;
            }
            SyntaxKind::LET_STMT => {
                let statement = ast::LetStmt::cast(parent)?;
                let plain = match statement.pat() {
                    Some(ast::Pat::IdentPat(ident)) if ident.pat().is_none() => Some(ident),
                    _ => None,
                };
                let is_initializer = statement
                    .initializer()
                    .is_some_and(|i| i.syntax() == &place);
                match plain {
                    Some(ident) if is_initializer && statement.let_else().is_none() => {
                        return Some(ident)
                    }
                    _ => {
                        found.escapes = true;
                        return None;
                    }
                }
            }
            SyntaxKind::BIN_EXPR => return assigned(&parent, &place, found),
            // A statement of its own: the value is dropped unfinished.
            SyntaxKind::EXPR_STMT => return None,
            _ => {
                found.escapes = true;
                return None;
            }
        }
    }
}

/// `place` in an assignment: as its target it is being replaced (not a
/// use); as its value it goes on in the local assigned to.
fn assigned(
    assignment: &SyntaxNode,
    place: &SyntaxNode,
    found: &mut BuilderUse,
) -> Option<ast::IdentPat> {
    let Some(expr) = ast::BinExpr::cast(assignment.clone()) else {
        found.escapes = true;
        return None;
    };
    let is_assignment = matches!(expr.op_kind(), Some(ast::BinaryOp::Assignment { op: None }));
    if !is_assignment {
        found.escapes = true;
        return None;
    }
    if expr.lhs().is_some_and(|lhs| lhs.syntax() == place) {
        return None;
    }
    let target = match expr.lhs() {
        Some(ast::Expr::PathExpr(path)) => path.path()?.segment()?.name_ref(),
        _ => None,
    };
    let binding = target.as_ref().and_then(binding_of);
    if binding.is_none() {
        found.escapes = true;
    }
    binding
}
