use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasName, HasVisibility},
    callee_path, impl_type_around, is_test_item, method_name, path_last_name, segments, unparen,
    AstNode, Edition, GuardLife, Imports, Mention, Names, NodeOrToken, SyntaxKind, SyntaxNode,
    TextRange,
};

use super::span;

pub struct UnnecessaryAsyncMutex;

static META: RuleMeta = RuleMeta {
    name: "unnecessary-async-mutex",
    pattern: Pattern::Blocking,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags a `tokio::sync::Mutex` or `RwLock` whose guards never live across an `.await`.",
    flags: "A `tokio::sync::Mutex` or `tokio::sync::RwLock` (possibly inside `Arc`, `Rc` or \
`Box`) every use of which is known and none of whose guards is alive at a later await point: a \
private field of a struct (every `.field` of that name in the file, except `self.field` in the \
`impl` of another struct), a private `static`, or a \
local built with `Mutex::new(..)`/`RwLock::new(..)` (with the clones bound from it). Each use \
must be an awaited `.lock()`, `.read()` or `.write()` whose guard is neither alive at a later \
`.await` (or `select!`/`join!`) of its body nor moved out of sight (returned, stored, passed by \
value to a call other than `drop`, captured by a `move` closure or async block), or one of \
`try_lock`, `try_read`, `try_write`, `blocking_lock`, `blocking_read`, `blocking_write`, \
`get_mut`, `into_inner`. Not flagged: a lock whose guard crosses an await anywhere; one used in \
any other way (passed to a function, cloned into a value, locked with `lock_owned`, \
`read_owned` or `write_owned`, named in a macro that is not parsed, bound by a pattern); fields \
with any visibility (`pub`, `pub(crate)`, ...) or of a file that declares modules in other \
files, since code this file does not show may lock them. Primary span: the \
`Mutex::new(..)`/`RwLock::new(..)` call, or the field's or static's type when the lock is built \
elsewhere.",
    why: "An async mutex is slower than a blocking one and its `lock()` has to be awaited; its \
only advantage is that its guard may be held across an `.await`. When no guard ever is, \
`std::sync::Mutex` or `parking_lot::Mutex` does the same job more cheaply and keeps the critical \
sections visibly short, as tokio's own documentation advises.",
    example: r#"use std::collections::HashMap;
use tokio::sync::Mutex;

struct Registry {
    peers: Mutex<HashMap<u64, String>>, //~ unnecessary-async-mutex
}

impl Registry {
    async fn add(&self, id: u64, name: String) {
        self.peers.lock().await.insert(id, name);
    }

    async fn name(&self, id: u64) -> Option<String> {
        self.peers.lock().await.get(&id).cloned()
    }
}
"#,
    use_instead: r#"use std::collections::HashMap;
use std::sync::Mutex;

struct Registry {
    peers: Mutex<HashMap<u64, String>>,
}

impl Registry {
    async fn add(&self, id: u64, name: String) {
        self.peers.lock().unwrap().insert(id, name);
    }

    async fn name(&self, id: u64) -> Option<String> {
        self.peers.lock().unwrap().get(&id).cloned()
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["async-lock-across-await", "lock-across-await"],
    clippy_twins: &[],
};

const TOKIO_LOCKS: &[&str] = &["tokio::sync::Mutex", "tokio::sync::RwLock"];

const TOKIO_LOCK_NEW: &[&str] = &[
    "tokio::sync::Mutex::new",
    "tokio::sync::Mutex::const_new",
    "tokio::sync::RwLock::new",
    "tokio::sync::RwLock::const_new",
];

/// Uses that neither wait nor hand the lock on.
const NEUTRAL_METHODS: &[&str] = &[
    "try_lock",
    "try_read",
    "try_write",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "get_mut",
    "into_inner",
];

/// Clones of a local are followed this many times.
const MAX_CLONE_HOPS: usize = 3;

impl Rule for UnnecessaryAsyncMutex {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::SOURCE_FILE]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if !cx.text.contains("Mutex") && !cx.text.contains("RwLock") {
            return;
        }
        // Built when the first tokio lock is found: most files that name
        // `Mutex` hold none.
        let uses = OnceCell::new();
        let uses = || uses.get_or_init(|| Uses::of(node));
        let mut findings = Vec::new();
        for item in node.descendants() {
            let found = match item.kind() {
                SyntaxKind::RECORD_FIELD => field(&item, uses, cx.imports),
                SyntaxKind::STATIC => static_item(&item, uses, cx.imports),
                SyntaxKind::LET_STMT => {
                    let names = || cx.file_fact(|_, _| Names::default());
                    local(&item, names, cx.imports)
                }
                _ => None,
            };
            findings.extend(found);
        }
        for range in findings {
            cx.report(
                Finding::new(
                    span(range),
                    "this async lock's guards are never held across an `.await`",
                )
                .help("use `std::sync::Mutex` (or `RwLock`, or parking_lot's): it is faster and needs no `.await`; keep each guard out of the awaits as now"),
            );
        }
    }
}

/// What the file shows of names that may reach a lock.
struct Uses {
    /// `x.name`, by field name.
    fields: HashMap<String, Vec<ast::FieldExpr>>,
    /// Plain names read as expressions (`NAME`), by name.
    paths: HashMap<String, Vec<ast::PathExpr>>,
    /// Field names bound by record patterns (`let Self { name, .. } = self`).
    destructured: HashSet<String>,
    /// Identifiers in macro bodies that are not parsed.
    unparsed: HashSet<String>,
    /// The file declares a module whose body is in another file (other than
    /// for tests): code there may use private fields of this one.
    has_child_files: bool,
    /// The values the file's struct literals give each field name (`None`
    /// for a shorthand `name`, a local).
    initialisers: HashMap<String, Vec<Option<ast::Expr>>>,
}

impl Uses {
    fn of(root: &SyntaxNode) -> Uses {
        let mut uses = Uses {
            fields: HashMap::new(),
            paths: HashMap::new(),
            destructured: HashSet::new(),
            unparsed: HashSet::new(),
            has_child_files: false,
            initialisers: HashMap::new(),
        };
        for element in root.descendants_with_tokens() {
            let node = match element {
                NodeOrToken::Token(token) => {
                    let in_tree = token
                        .parent()
                        .is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE);
                    if in_tree && token.kind() == SyntaxKind::IDENT {
                        uses.unparsed.insert(token.text().to_owned());
                    }
                    continue;
                }
                NodeOrToken::Node(node) => node,
            };
            match node.kind() {
                SyntaxKind::FIELD_EXPR => {
                    let Some(field) = ast::FieldExpr::cast(node) else {
                        continue;
                    };
                    if let Some(name) = field.name_ref() {
                        let list = uses.fields.entry(name.text().to_string()).or_default();
                        list.push(field);
                    }
                }
                SyntaxKind::PATH_EXPR => {
                    let Some(path) = ast::PathExpr::cast(node) else {
                        continue;
                    };
                    let written = path.path();
                    let name = written.as_ref().and_then(path_last_name);
                    if let Some((false, name)) = name {
                        let name = name.to_owned();
                        uses.paths.entry(name).or_default().push(path);
                    }
                }
                SyntaxKind::RECORD_PAT_FIELD => {
                    let name = ast::RecordPatField::cast(node.clone()).and_then(|f| {
                        f.field_name()
                            .map(|n| n.to_string())
                            .or_else(|| Some(f.pat()?.syntax().text().to_string()))
                    });
                    uses.destructured.extend(name);
                }
                SyntaxKind::RECORD_EXPR_FIELD => {
                    let Some(field) = ast::RecordExprField::cast(node.clone()) else {
                        continue;
                    };
                    if let Some(name) = field.field_name() {
                        uses.initialisers
                            .entry(name.to_string())
                            .or_default()
                            .push(field.expr());
                    }
                }
                SyntaxKind::MODULE => {
                    let module = ast::Module::cast(node.clone());
                    if module.is_some_and(|m| m.item_list().is_none()) && !is_test_item(&node) {
                        uses.has_child_files = true;
                    }
                }
                _ => {}
            }
        }
        uses
    }
}

/// A private field typed as a tokio lock, every use of which is fine.
fn field<'u>(
    item: &SyntaxNode,
    uses: impl Fn() -> &'u Uses,
    imports: &Imports,
) -> Option<TextRange> {
    let field = ast::RecordField::cast(item.clone())?;
    let ty = field.ty()?;
    if field.visibility().is_some() || !is_tokio_lock(&ty, imports) {
        return None;
    }
    let uses = uses();
    if uses.has_child_files {
        return None;
    }
    let name = field.name()?.text().to_string();
    if uses.destructured.contains(&name) || uses.unparsed.contains(&name) {
        return None;
    }
    let accesses = uses.fields.get(&name).map_or(&[][..], Vec::as_slice);
    // `self.state` in another struct's `impl` is that struct's field.
    let owner = item
        .ancestors()
        .find_map(ast::Struct::cast)
        .and_then(|owner| owner.name())
        .map(|name| name.text().to_string());
    let others_field = |access: &&ast::FieldExpr| {
        let on_self = access
            .expr()
            .is_some_and(|receiver| receiver.syntax().text() == "self");
        on_self
            && owner.is_some()
            && impl_type_around(access.syntax()).is_some_and(|ty| Some(ty) != owner)
    };
    let mut locked = false;
    for access in accesses.iter().filter(|a| !others_field(a)) {
        match use_of(&ast::Expr::FieldExpr(access.clone()), imports) {
            Use::Fine { locks } => locked |= locks,
            Use::Needed => return None,
        }
    }
    if !locked {
        return None;
    }
    let inits = uses.initialisers.get(&name).map_or(&[][..], Vec::as_slice);
    let built: Vec<TextRange> = inits
        .iter()
        .filter_map(|e| lock_new(e.as_ref()?, imports))
        .collect();
    // A shared lock (`Arc<Mutex<..>>`) may also be reached through the
    // value it was cloned from: only one built here is known.
    if is_shared(&ty) && (inits.is_empty() || built.len() < inits.len()) {
        return None;
    }
    match built.as_slice() {
        [one] => Some(*one),
        _ => Some(ty.syntax().text_range()),
    }
}

/// `Arc<..>` or `Rc<..>`: the lock may have other owners.
fn is_shared(ty: &ast::Type) -> bool {
    let ast::Type::PathType(path) = ty else {
        return false;
    };
    path.path()
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|n| matches!(n.text(), "Arc" | "Rc"))
}

/// A private `static` typed as a tokio lock, every use of which is fine.
fn static_item<'u>(
    item: &SyntaxNode,
    uses: impl Fn() -> &'u Uses,
    imports: &Imports,
) -> Option<TextRange> {
    let item = ast::Static::cast(item.clone())?;
    let ty = item.ty()?;
    if item.visibility().is_some() || !is_tokio_lock(&ty, imports) {
        return None;
    }
    let uses = uses();
    let name = item.name()?.text().to_string();
    if uses.unparsed.contains(&name) {
        return None;
    }
    let accesses = uses.paths.get(&name).map_or(&[][..], Vec::as_slice);
    let mut locked = false;
    for access in accesses {
        match use_of(&ast::Expr::PathExpr(access.clone()), imports) {
            Use::Fine { locks } => locked |= locks,
            Use::Needed => return None,
        }
    }
    if !locked {
        return None;
    }
    let built = item.body().and_then(|body| lock_new(&body, imports));
    Some(built.unwrap_or(ty.syntax().text_range()))
}

/// `let m = Mutex::new(..)` (or inside `Arc::new`) of a tokio lock, every
/// use of which (and of its clones) is fine.
fn local(
    item: &SyntaxNode,
    names: impl FnOnce() -> Rc<Names>,
    imports: &Imports,
) -> Option<TextRange> {
    let stmt = ast::LetStmt::cast(item.clone())?;
    let built = lock_new(&stmt.initializer()?, imports)?;
    let ast::Pat::IdentPat(binding) = stmt.pat()? else {
        return None;
    };
    let names = names();
    let mut locked = false;
    let mut pending = vec![(binding, MAX_CLONE_HOPS)];
    while let Some((binding, hops)) = pending.pop() {
        for mention in names.mentions(&binding) {
            let Mention::Path(path) = mention else {
                return None;
            };
            if let Some(clone) = bound_clone(&path).filter(|_| hops > 0) {
                pending.push((clone, hops - 1));
                continue;
            }
            match use_of(&ast::Expr::PathExpr(path), imports) {
                Use::Fine { locks } => locked |= locks,
                Use::Needed => return None,
            }
        }
    }
    locked.then_some(built)
}

/// `let other = name.clone();` or `let other = Arc::clone(&name);`: the binding `other`.
fn bound_clone(path: &ast::PathExpr) -> Option<ast::IdentPat> {
    let parent = path.syntax().parent()?;
    let clone = match ast::Expr::cast(parent.clone())? {
        ast::Expr::MethodCallExpr(call) if method_name(&call)? == "clone" => parent,
        ast::Expr::RefExpr(_) => {
            let call = ast::CallExpr::cast(parent.parent()?.parent()?)?;
            let names = segments(&callee_path(&call)?);
            let shared =
                matches!(names.as_slice(), [.., w, c] if (w == "Arc" || w == "Rc") && c == "clone");
            if !shared {
                return None;
            }
            call.syntax().clone()
        }
        _ => return None,
    };
    let stmt = ast::LetStmt::cast(clone.parent()?)?;
    match stmt.pat()? {
        ast::Pat::IdentPat(pat) => Some(pat),
        _ => None,
    }
}

enum Use {
    /// A lock (`locks`) or another use that needs nothing of an async lock.
    Fine { locks: bool },
    /// A guard held across an await, or a use we cannot follow.
    Needed,
}

/// What the use of the lock at `expr` (the receiver of what follows) asks of it.
fn use_of(expr: &ast::Expr, imports: &Imports) -> Use {
    let Some(call) = expr
        .syntax()
        .parent()
        .and_then(ast::MethodCallExpr::cast)
        .filter(|c| c.receiver().is_some_and(|r| r.syntax() == expr.syntax()))
    else {
        return Use::Needed;
    };
    let Some(name) = method_name(&call) else {
        return Use::Needed;
    };
    if NEUTRAL_METHODS.contains(&name.as_str()) {
        return Use::Fine { locks: false };
    }
    if !matches!(name.as_str(), "lock" | "read" | "write") {
        return Use::Needed;
    }
    let Some(awaited) = call.syntax().parent().and_then(ast::AwaitExpr::cast) else {
        return Use::Needed;
    };
    let Some(life) = GuardLife::of(
        &ast::Expr::AwaitExpr(awaited),
        imports,
        Edition::of(imports),
    ) else {
        return Use::Needed;
    };
    if life.first_await().is_some() || life.escapes(imports) {
        return Use::Needed;
    }
    Use::Fine { locks: true }
}

/// `Mutex::new(..)` of tokio (inside `Arc::new`/`Rc::new`/`Box::new` or not).
fn lock_new(expr: &ast::Expr, imports: &Imports) -> Option<TextRange> {
    let ast::Expr::CallExpr(call) = unparen(expr.clone()) else {
        return None;
    };
    let path = callee_path(&call)?;
    if imports.resolve(&path, TOKIO_LOCK_NEW).is_some() {
        return Some(call.syntax().text_range());
    }
    let names = segments(&path);
    let wrapped = matches!(names.as_slice(), [.., w, n] if matches!(w.as_str(), "Arc" | "Rc" | "Box") && n == "new");
    if !wrapped {
        return None;
    }
    lock_new(&call.arg_list()?.args().next()?, imports)
}

/// A written tokio `Mutex`/`RwLock` type, through `Arc`, `Rc`, `Box`.
fn is_tokio_lock(ty: &ast::Type, imports: &Imports) -> bool {
    let mut ty = ty.clone();
    for _ in 0..4 {
        let ast::Type::PathType(path_type) = ty else {
            return false;
        };
        let Some(path) = path_type.path() else {
            return false;
        };
        if imports.resolve(&path, TOKIO_LOCKS).is_some() {
            return true;
        }
        let Some(segment) = path.segment() else {
            return false;
        };
        let wrapper = segment
            .name_ref()
            .is_some_and(|n| matches!(n.text(), "Arc" | "Rc" | "Box"));
        let inner = segment
            .generic_arg_list()
            .and_then(|args| args.generic_args().next());
        match inner {
            Some(ast::GenericArg::TypeArg(arg)) if wrapper => match arg.ty() {
                Some(next) => ty = next,
                None => return false,
            },
            _ => return false,
        }
    }
    false
}
