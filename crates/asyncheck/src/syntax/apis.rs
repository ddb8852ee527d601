//! Recognising calls to known APIs: paths through imports, receivers through
//! the bindings, parameters and fields that give them their type.

use ra_ap_syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{enclosing_body, Imports};

/// The path a call expression calls, when its callee is a plain path.
pub fn callee_path(call: &ast::CallExpr) -> Option<ast::Path> {
    match call.expr()? {
        ast::Expr::PathExpr(path) => path.path(),
        _ => None,
    }
}

/// Which of `known` a call expression calls.
pub fn resolve_call<'k>(
    call: &ast::CallExpr,
    imports: &Imports,
    known: &[&'k str],
) -> Option<&'k str> {
    imports.resolve(&callee_path(call)?, known)
}

pub fn method_name(call: &ast::MethodCallExpr) -> Option<String> {
    Some(call.name_ref()?.text().to_string())
}

/// `expr` without surrounding parentheses.
pub fn unparen(mut expr: ast::Expr) -> ast::Expr {
    while let ast::Expr::ParenExpr(paren) = &expr {
        match paren.expr() {
            Some(inner) => expr = inner,
            None => break,
        }
    }
    expr
}

/// Types whose methods we recognise on a receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownType {
    JoinSet,
    TaskTracker,
    /// `tokio::runtime::Handle` or `Runtime`: both spawn detached tasks.
    Runtime,
    RuntimeBuilder,
}

const KNOWN_TYPES: &[(&str, KnownType)] = &[
    ("tokio::task::JoinSet", KnownType::JoinSet),
    ("tokio::task::join_set::JoinSet", KnownType::JoinSet),
    ("tokio_util::task::TaskTracker", KnownType::TaskTracker),
    (
        "tokio_util::task::task_tracker::TaskTracker",
        KnownType::TaskTracker,
    ),
    ("tokio::runtime::Handle", KnownType::Runtime),
    ("tokio::runtime::Runtime", KnownType::Runtime),
    ("tokio::runtime::Builder", KnownType::RuntimeBuilder),
];

fn known_type_of_path(path: &ast::Path, imports: &Imports) -> Option<KnownType> {
    let names: Vec<&str> = KNOWN_TYPES.iter().map(|(p, _)| *p).collect();
    let found = imports.resolve(path, &names)?;
    KNOWN_TYPES
        .iter()
        .find(|(p, _)| *p == found)
        .map(|(_, t)| *t)
}

/// Bindings are followed at most this many times (`let b = a; let c = b;`).
const MAX_BINDING_HOPS: usize = 4;

/// What we can tell of the type of `expr`, through constructors
/// (`JoinSet::new()`, `Handle::current()`, `Builder::..().build()`), local
/// bindings with a type or an initialiser, parameters, and struct fields of
/// the same file.
pub fn known_type(expr: &ast::Expr, imports: &Imports) -> Option<KnownType> {
    known_type_within(expr, imports, MAX_BINDING_HOPS)
}

fn known_type_within(expr: &ast::Expr, imports: &Imports, hops: usize) -> Option<KnownType> {
    match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => known_type_within(&r.expr()?, imports, hops),
        ast::Expr::TryExpr(t) => known_type_within(&t.expr()?, imports, hops),
        ast::Expr::CallExpr(call) => {
            let path = callee_path(&call)?;
            known_type_of_path(&path.qualifier()?, imports)
        }
        ast::Expr::MethodCallExpr(call) => {
            let receiver = known_type_within(&call.receiver()?, imports, hops);
            match (method_name(&call)?.as_str(), receiver) {
                ("unwrap" | "expect" | "clone", receiver) => receiver,
                ("build", Some(KnownType::RuntimeBuilder)) => Some(KnownType::Runtime),
                ("handle", Some(KnownType::Runtime)) => Some(KnownType::Runtime),
                (_, Some(KnownType::RuntimeBuilder)) => Some(KnownType::RuntimeBuilder),
                _ => None,
            }
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            if path.qualifier().is_some() {
                return None;
            }
            let name = path.segment()?.name_ref()?.text().to_string();
            if hops == 0 {
                return None;
            }
            binding_type(expr.syntax(), &name, imports, hops - 1)
        }
        ast::Expr::FieldExpr(field) => {
            let name = field.name_ref()?.text().to_string();
            let root = expr.syntax().ancestors().last()?;
            root.descendants()
                .filter_map(ast::RecordField::cast)
                .filter(|f| f.name().is_some_and(|n| n.text() == name))
                .find_map(|f| type_known(&f.ty()?, imports))
        }
        _ => None,
    }
}

/// The known type of a written type: `JoinSet<T>`, `&mut JoinSet<T>`,
/// `Arc<Runtime>`.
pub fn type_known(ty: &ast::Type, imports: &Imports) -> Option<KnownType> {
    match ty {
        ast::Type::RefType(r) => type_known(&r.ty()?, imports),
        ast::Type::PathType(p) => {
            let path = p.path()?;
            if let Some(known) = known_type_of_path(&path, imports) {
                return Some(known);
            }
            let segment = path.segment()?;
            let wrapper = segment.name_ref()?.text().to_string();
            if !matches!(wrapper.as_str(), "Arc" | "Rc" | "Box") {
                return None;
            }
            let arg = segment.generic_arg_list()?.generic_args().next()?;
            match arg {
                ast::GenericArg::TypeArg(t) => type_known(&t.ty()?, imports),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The type of the binding `name` visible at `at`.
fn binding_type(at: &SyntaxNode, name: &str, imports: &Imports, hops: usize) -> Option<KnownType> {
    match find_binding(at, name)? {
        Binding::Let(found) => match found.ty() {
            Some(ty) => type_known(&ty, imports),
            None => known_type_within(&found.initializer()?, imports, hops),
        },
        Binding::Param(param) => type_known(&param.ty()?, imports),
    }
}

/// Where a local name gets its value.
pub enum Binding {
    Let(ast::LetStmt),
    Param(ast::Param),
}

/// The binding `name` visible at `at`: the nearest `let` before it in the
/// enclosing bodies, or a parameter of them.
pub fn find_binding(at: &SyntaxNode, name: &str) -> Option<Binding> {
    let position = at.text_range().start();
    let mut scope = at.clone();
    while let Some((body, _)) = enclosing_body(&scope) {
        let lets = body
            .descendants()
            .filter_map(ast::LetStmt::cast)
            .filter(|l| l.syntax().text_range().end() <= position)
            .filter(|l| binds(l.pat(), name));
        if let Some(found) = lets.last() {
            return Some(Binding::Let(found));
        }
        let params: Vec<ast::Param> = match_params(&body);
        if let Some(param) = params.into_iter().find(|p| binds(p.pat(), name)) {
            return Some(Binding::Param(param));
        }
        scope = body;
    }
    None
}

fn match_params(body: &SyntaxNode) -> Vec<ast::Param> {
    let list = match body.kind() {
        SyntaxKind::FN => ast::Fn::cast(body.clone()).and_then(|f| f.param_list()),
        SyntaxKind::CLOSURE_EXPR => {
            ast::ClosureExpr::cast(body.clone()).and_then(|c| c.param_list())
        }
        _ => None,
    };
    list.map(|l| l.params().collect()).unwrap_or_default()
}

/// Whether a pattern binds `name` directly (`x`, `mut x`, `x: T`).
pub fn binds(pat: Option<ast::Pat>, name: &str) -> bool {
    match pat {
        Some(ast::Pat::IdentPat(ident)) => ident.name().is_some_and(|n| n.text() == name),
        _ => false,
    }
}

/// The kind of task a spawn call starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnKind {
    /// `tokio::spawn` and friends, or a `Handle`/`Runtime` method: the task
    /// is detached unless its `JoinHandle` is kept.
    Detachable,
    /// `JoinSet::spawn` or `TaskTracker::spawn`: the set owns the task.
    Owned,
}

pub struct Spawn {
    pub kind: SpawnKind,
    /// The spawned future or closure.
    pub task: Option<ast::Expr>,
    /// `spawn_blocking`: the task is a closure run on the blocking pool.
    pub blocking: bool,
}

const SPAWN_FUNCTIONS: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_local",
    "tokio::task::spawn_blocking",
];

/// Recognises `node` as a call that spawns a tokio task.
pub fn spawn_call(node: &SyntaxNode, imports: &Imports) -> Option<Spawn> {
    match node.kind() {
        SyntaxKind::CALL_EXPR => {
            let call = ast::CallExpr::cast(node.clone())?;
            let found = resolve_call(&call, imports, SPAWN_FUNCTIONS)?;
            Some(Spawn {
                kind: SpawnKind::Detachable,
                task: call.arg_list()?.args().next(),
                blocking: found.ends_with("spawn_blocking"),
            })
        }
        SyntaxKind::METHOD_CALL_EXPR => {
            let call = ast::MethodCallExpr::cast(node.clone())?;
            let name = method_name(&call)?;
            if !matches!(
                name.as_str(),
                "spawn" | "spawn_local" | "spawn_blocking" | "spawn_on" | "spawn_local_on"
            ) {
                return None;
            }
            let kind = match known_type(&call.receiver()?, imports)? {
                KnownType::Runtime => SpawnKind::Detachable,
                KnownType::JoinSet | KnownType::TaskTracker => SpawnKind::Owned,
                KnownType::RuntimeBuilder => return None,
            };
            Some(Spawn {
                kind,
                task: call.arg_list()?.args().next(),
                blocking: name == "spawn_blocking",
            })
        }
        _ => None,
    }
}
