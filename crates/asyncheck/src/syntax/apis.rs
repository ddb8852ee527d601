//! Recognising calls to known APIs: paths through imports, receivers through
//! the bindings, parameters and fields that give them their type.

use std::collections::HashMap;

use ra_ap_syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasLoopBody, HasName},
    AstNode, RustLanguage, SmolStr, SyntaxKind, SyntaxNode,
};
use rowan::Language;

use super::{is_crate_relative, node_at, peel_errors, segments, Imports};
use crate::index::{FunctionFacts, TypeFact};

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

/// The called method's name (inline for names up to 23 bytes: no
/// allocation, as this runs at most method calls).
pub fn method_name(call: &ast::MethodCallExpr) -> Option<SmolStr> {
    name_ref_text(call.syntax()).map(SmolStr::new)
}

/// The text of the name reference among `node`'s children (the name of a
/// method call or of a path segment), read from the green tree: asking the
/// typed tree allocates a cursor for every child passed on the way, and
/// rules ask this of nearly every call.
pub fn name_ref_text(node: &SyntaxNode) -> Option<&str> {
    green_name_ref(node.green())
}

fn green_name_ref(node: &rowan::GreenNodeData) -> Option<&str> {
    let name_ref = green_children(node).find(|child| green_kind(child) == SyntaxKind::NAME_REF)?;
    name_ref
        .children()
        .find_map(|t| t.into_token())
        .map(|t| t.text())
}

/// A path's last name and whether it has a qualifier (`a::b` gives
/// `(true, "b")`), read from the green tree like [`name_ref_text`].
pub fn path_last_name(path: &ast::Path) -> Option<(bool, &str)> {
    let mut qualified = false;
    let mut segment = None;
    for child in green_children(path.syntax().green()) {
        match green_kind(child) {
            SyntaxKind::PATH => qualified = true,
            SyntaxKind::PATH_SEGMENT => segment = Some(child),
            _ => {}
        }
    }
    Some((qualified, green_name_ref(segment?)?))
}

/// The nodes of `kinds` under `root`, in source order, found by a walk of
/// the green tree: only the nodes found get a cursor, which makes a search
/// for rare kinds (struct fields, statics) cost a fraction of a cursor walk.
pub fn descendants_of_kind(root: &SyntaxNode, kinds: &[SyntaxKind]) -> Vec<SyntaxNode> {
    let mut ranges = Vec::new();
    let mut pending = vec![(root.green(), root.text_range().start())];
    while let Some((node, start)) = pending.pop() {
        let kind = green_kind(node);
        if kinds.contains(&kind) {
            ranges.push((ra_ap_syntax::TextRange::at(start, node.text_len()), kind));
        }
        // Last child first, so that the first is popped first.
        let mut end = start + node.text_len();
        for child in node.children().rev() {
            end -= child.text_len();
            if let Some(child_node) = child.as_node() {
                pending.push((*child_node, end));
            }
        }
    }
    ranges
        .into_iter()
        .filter_map(|(range, kind)| node_at(root, range, kind))
        .collect()
}

fn green_children(node: &rowan::GreenNodeData) -> impl Iterator<Item = &rowan::GreenNodeData> {
    node.children().filter_map(|child| child.into_node())
}

fn green_kind(node: &rowan::GreenNodeData) -> SyntaxKind {
    RustLanguage::kind_from_raw(node.kind())
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

/// A place or expression as written, without whitespace (`self.tasks`), for
/// telling whether two mentions name the same place.
pub fn written_text(node: &SyntaxNode) -> String {
    node.text()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Types whose methods we recognise on a receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KnownType {
    JoinSet,
    /// `tokio_util::task::JoinMap`: a `JoinSet` whose tasks have keys.
    JoinMap,
    Semaphore,
    TaskTracker,
    /// `tokio::runtime::Handle` or `Runtime`: both spawn detached tasks.
    Runtime,
    RuntimeBuilder,
    /// A mutex locked by blocking the thread: std, parking_lot, spin.
    SyncMutex,
    /// A read-write lock taken by blocking the thread: std, parking_lot, spin.
    SyncRwLock,
    /// A mutex locked by awaiting: tokio, futures, async-std, async-lock.
    AsyncMutex,
    /// A read-write lock taken by awaiting: tokio, async-std, async-lock.
    AsyncRwLock,
    /// A set of futures or streams polled as one stream, whose `next()`
    /// yields `None` whenever it is empty: `FuturesUnordered`,
    /// `FuturesOrdered`, `SelectAll`, tokio-stream's `StreamMap`.
    FutureSet,
    /// `tokio::time::Interval`, whose `tick()` completes periodically.
    Interval,
    /// A broadcast receiver (tokio's, `async_broadcast`'s): its `recv()`
    /// fails when it lagged behind, not only when the channel closed.
    BroadcastReceiver,
    /// `futures::future::OptionFuture`: `None` when it holds no future.
    OptionFuture,
    /// parking_lot's `ReentrantMutex`: a blocking mutex its holder may lock again.
    ReentrantMutex,
    /// `dashmap::DashMap` or `DashSet`: a map of locked shards.
    DashMap,
    /// `tokio::task::LocalSet`: spawns detached tasks on the thread that
    /// drives it.
    LocalSet,
}

const KNOWN_TYPES: &[(&str, KnownType)] = &[
    ("tokio::task::JoinSet", KnownType::JoinSet),
    ("tokio::task::join_set::JoinSet", KnownType::JoinSet),
    ("tokio_util::task::JoinMap", KnownType::JoinMap),
    ("tokio_util::task::join_map::JoinMap", KnownType::JoinMap),
    ("tokio::sync::Semaphore", KnownType::Semaphore),
    ("tokio_util::task::TaskTracker", KnownType::TaskTracker),
    (
        "tokio_util::task::task_tracker::TaskTracker",
        KnownType::TaskTracker,
    ),
    ("tokio::runtime::Handle", KnownType::Runtime),
    ("tokio::runtime::Runtime", KnownType::Runtime),
    ("tokio::runtime::Builder", KnownType::RuntimeBuilder),
    ("std::sync::Mutex", KnownType::SyncMutex),
    ("std::sync::RwLock", KnownType::SyncRwLock),
    ("parking_lot::Mutex", KnownType::SyncMutex),
    ("parking_lot::FairMutex", KnownType::SyncMutex),
    ("parking_lot::ReentrantMutex", KnownType::ReentrantMutex),
    ("parking_lot::RwLock", KnownType::SyncRwLock),
    ("spin::Mutex", KnownType::SyncMutex),
    ("spin::RwLock", KnownType::SyncRwLock),
    ("tokio::sync::Mutex", KnownType::AsyncMutex),
    ("tokio::sync::RwLock", KnownType::AsyncRwLock),
    ("futures::lock::Mutex", KnownType::AsyncMutex),
    ("futures_util::lock::Mutex", KnownType::AsyncMutex),
    ("async_std::sync::Mutex", KnownType::AsyncMutex),
    ("async_std::sync::RwLock", KnownType::AsyncRwLock),
    ("async_lock::Mutex", KnownType::AsyncMutex),
    ("async_lock::RwLock", KnownType::AsyncRwLock),
    ("smol::lock::Mutex", KnownType::AsyncMutex),
    ("smol::lock::RwLock", KnownType::AsyncRwLock),
    ("futures::stream::FuturesUnordered", KnownType::FutureSet),
    ("futures::stream::FuturesOrdered", KnownType::FutureSet),
    ("futures::stream::SelectAll", KnownType::FutureSet),
    (
        "futures_util::stream::FuturesUnordered",
        KnownType::FutureSet,
    ),
    ("futures_util::stream::FuturesOrdered", KnownType::FutureSet),
    ("futures_util::stream::SelectAll", KnownType::FutureSet),
    ("tokio_stream::StreamMap", KnownType::FutureSet),
    ("tokio::time::Interval", KnownType::Interval),
    (
        "tokio::sync::broadcast::Receiver",
        KnownType::BroadcastReceiver,
    ),
    ("async_broadcast::Receiver", KnownType::BroadcastReceiver),
    ("futures::future::OptionFuture", KnownType::OptionFuture),
    (
        "futures_util::future::OptionFuture",
        KnownType::OptionFuture,
    ),
    ("dashmap::DashMap", KnownType::DashMap),
    ("dashmap::DashSet", KnownType::DashMap),
    ("tokio::task::LocalSet", KnownType::LocalSet),
];

/// Functions that build a value of a known type (besides `Type::new(..)`
/// and the other associated functions of the type itself).
const KNOWN_CONSTRUCTORS: &[(&str, KnownType)] = &[
    ("futures::stream::select_all", KnownType::FutureSet),
    ("futures_util::stream::select_all", KnownType::FutureSet),
    ("tokio::time::interval", KnownType::Interval),
    ("tokio::time::interval_at", KnownType::Interval),
];

fn known_constructor(path: &ast::Path, imports: &Imports) -> Option<KnownType> {
    let names: Vec<&str> = KNOWN_CONSTRUCTORS.iter().map(|(p, _)| *p).collect();
    let found = imports.resolve(path, &names)?;
    KNOWN_CONSTRUCTORS
        .iter()
        .find(|(p, _)| *p == found)
        .map(|(_, t)| *t)
}

/// The known type a written path names (`JoinSet`, `tokio::sync::Semaphore`).
pub fn known_type_of_path(path: &ast::Path, imports: &Imports) -> Option<KnownType> {
    let names: Vec<&str> = KNOWN_TYPES.iter().map(|(p, _)| *p).collect();
    let Some(found) = imports.resolve(path, &names) else {
        // A crate's alias: `Tasks::new()` with `type Tasks = JoinSet<()>`.
        if path.qualifier().is_some() {
            return None;
        }
        let name = path.segment()?.name_ref()?;
        return imports.crate_index().alias(name.text())?.known;
    };
    KNOWN_TYPES
        .iter()
        .find(|(p, _)| *p == found)
        .map(|(_, t)| *t)
}

/// The known type a full path names (`parking_lot::Mutex`).
pub fn known_type_named(path: &str) -> Option<KnownType> {
    KNOWN_TYPES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

/// Bindings are followed at most this many times (`let b = a; let c = b;`).
const MAX_BINDING_HOPS: usize = 4;

/// What we can tell of the type of `expr`, through constructors
/// (`JoinSet::new()`, `Handle::current()`, `Builder::..().build()`, seen
/// through `Arc::new(..)`, `Rc::new(..)`, `Box::new(..)`), local
/// bindings with a type or an initialiser, parameters, and struct fields and
/// `static`/`const` items of the same file.
pub fn known_type(expr: &ast::Expr, imports: &Imports) -> Option<KnownType> {
    known_type_within(expr, imports, MAX_BINDING_HOPS)
}

/// What a call of a crate function gives, by its declared return type.
fn returned_known(call: &ast::Expr, imports: &Imports) -> Option<KnownType> {
    crate_function_called(call, imports)?.returns_known
}

/// The known types of a file's struct fields (by field name: the first
/// field of that name with one) and of its `static`/`const` items.
#[derive(Debug, Default)]
pub struct ItemTypes {
    fields: HashMap<String, KnownType>,
    statics: HashMap<String, KnownType>,
}

impl ItemTypes {
    /// Records `node` when it is a field, `static` or `const`: call it on
    /// every node of the file, in order.
    pub fn record(&mut self, node: &SyntaxNode, imports: &Imports) {
        let (map, name, ty) = if let Some(field) = ast::RecordField::cast(node.clone()) {
            (&mut self.fields, field.name(), field.ty())
        } else if let Some(item) = ast::Static::cast(node.clone()) {
            (&mut self.statics, item.name(), item.ty())
        } else if let Some(item) = ast::Const::cast(node.clone()) {
            (&mut self.statics, item.name(), item.ty())
        } else {
            return;
        };
        let (Some(name), Some(ty)) = (name, ty) else {
            return;
        };
        if let Some(known) = type_known(&ty, imports) {
            map.entry(name.text().to_string()).or_insert(known);
        }
    }
}

fn known_type_within(expr: &ast::Expr, imports: &Imports, hops: usize) -> Option<KnownType> {
    match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => known_type_within(&r.expr()?, imports, hops),
        ast::Expr::TryExpr(t) => known_type_within(&t.expr()?, imports, hops),
        ast::Expr::CallExpr(call) => {
            let path = callee_path(&call)?;
            if let Some(known) = known_constructor(&path, imports) {
                return Some(known);
            }
            let Some(qualifier) = path.qualifier() else {
                return returned_known(expr, imports);
            };
            if is_wrapper_new(&path) {
                let inner = call.arg_list()?.args().next()?;
                return known_type_within(&inner, imports, hops);
            }
            known_type_of_path(&qualifier, imports).or_else(|| returned_known(expr, imports))
        }
        ast::Expr::MethodCallExpr(call) => {
            let receiver = known_type_within(&call.receiver()?, imports, hops);
            match (method_name(&call)?.as_str(), receiver) {
                ("unwrap" | "expect" | "clone", receiver) => receiver,
                ("collect", _) => collected_type(&call, imports),
                ("build", Some(KnownType::RuntimeBuilder)) => Some(KnownType::Runtime),
                ("handle", Some(KnownType::Runtime)) => Some(KnownType::Runtime),
                (_, Some(KnownType::RuntimeBuilder)) => Some(KnownType::RuntimeBuilder),
                _ => returned_known(expr, imports),
            }
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            let name = path.segment()?.name_ref()?.text().to_string();
            let static_type = || {
                let items = imports.file_items(expr.syntax());
                let original = imports.original_name(&name);
                items
                    .statics
                    .get(original)
                    .copied()
                    .or_else(|| imports.crate_index().static_type(original)?.known)
            };
            if path.qualifier().is_some() {
                // `globals::C`, `crate::globals::C`: a static of the crate.
                let first = segments(&path).into_iter().next()?;
                return imports.starts_in_crate(&first).then(static_type).flatten();
            }
            if hops == 0 {
                return None;
            }
            // A `let` or parameter cannot shadow a `static`: fall back to one.
            binding_type(expr.syntax(), &name, imports, hops - 1).or_else(static_type)
        }
        ast::Expr::FieldExpr(field) => {
            let name = field.name_ref()?.text().to_string();
            let items = imports.file_items(expr.syntax());
            items
                .fields
                .get(&name)
                .copied()
                .or_else(|| crate_field(&field, imports)?.known)
        }
        _ => None,
    }
}

/// The type a turbofish `collect::<T>()` names.
fn collected_type(call: &ast::MethodCallExpr, imports: &Imports) -> Option<KnownType> {
    let arg = call.generic_arg_list()?.generic_args().next()?;
    match arg {
        ast::GenericArg::TypeArg(t) => type_known(&t.ty()?, imports),
        _ => None,
    }
}

/// `Arc::new`, `Rc::new`, `Box::new` and their `clone`: the value keeps its type.
pub(crate) fn is_wrapper_new(path: &ast::Path) -> bool {
    let names = segments(path);
    match names.as_slice() {
        [.., wrapper, call] => {
            matches!(wrapper.as_str(), "Arc" | "Rc" | "Box")
                && matches!(call.as_str(), "new" | "clone")
        }
        _ => false,
    }
}

/// The crate's declared type of a field access: the field of the
/// receiver's struct when the receiver's type name is known
/// (`self.state` in an `impl Server`, `self.inner.state`, `server.state` with
/// `server: &Server`), else the type every field of that name agrees on.
pub fn crate_field(field: &ast::FieldExpr, imports: &Imports) -> Option<TypeFact> {
    let name = field.name_ref()?.text().to_string();
    let owner = field
        .expr()
        .and_then(|receiver| type_name_of(&receiver, imports, MAX_BINDING_HOPS));
    imports.crate_index().field(owner.as_deref(), &name)
}

/// The name a call calls: the method's, or the callee path's last segment.
pub fn call_name(node: &SyntaxNode) -> Option<String> {
    match node.kind() {
        SyntaxKind::METHOD_CALL_EXPR => {
            Some(method_name(&ast::MethodCallExpr::cast(node.clone())?)?.to_string())
        }
        SyntaxKind::CALL_EXPR => {
            let path = callee_path(&ast::CallExpr::cast(node.clone())?)?;
            Some(path.segment()?.name_ref()?.text().to_string())
        }
        _ => None,
    }
}

/// The crate function a call expression calls, when the crate has exactly
/// one it can be: a free function (`read_frame(..)`, `conn::read_frame(..)`,
/// imported from the crate or defined in the file), or a method of a type
/// the call names (`Conn::read_frame(..)`, `Self::f(..)`) or the receiver's
/// written type says (`self.read_frame()`, `conn.read_frame()` with
/// `conn: &Conn`).
pub fn crate_function_called<'i>(
    call: &ast::Expr,
    imports: &'i Imports,
) -> Option<&'i FunctionFacts> {
    function_called_within(call, imports, MAX_BINDING_HOPS)
}

/// [`crate_function_called`], following at most `hops` bindings to the
/// receiver's type.
fn function_called_within<'i>(
    call: &ast::Expr,
    imports: &'i Imports,
    hops: usize,
) -> Option<&'i FunctionFacts> {
    let (name, owner) = match unparen(call.clone()) {
        ast::Expr::MethodCallExpr(call) => {
            let owner = type_name_of(&call.receiver()?, imports, hops)?;
            (method_name(&call)?.to_string(), Some(owner))
        }
        ast::Expr::CallExpr(call) => {
            let path = callee_path(&call)?;
            let names = segments(&path);
            let (name, qualifier) = names.split_last()?;
            let owner = match qualifier.last() {
                Some(owner) if owner == "Self" => {
                    let item = call.syntax().ancestors().find_map(ast::Impl::cast)?;
                    Some(type_name(&item.self_ty()?)?)
                }
                Some(owner) if is_type_name(owner) => Some(imports.original_name(owner).to_owned()),
                _ => None,
            };
            let first = names.first()?;
            let index = imports.crate_index();
            if owner.is_none() {
                // Placed by the crate's module tree: the one function there.
                let placed = imports
                    .through_crate(&path, &names)
                    .and_then(|full| index.function_at(&full));
                if placed.is_some() {
                    return placed;
                }
                // A bare name a crate glob brings in, maybe renamed (`use
                // crate::prelude::*;` where the prelude has `pub use
                // crate::config::read_cfg as cfg;`).
                let through_glob = qualifier
                    .is_empty()
                    .then(|| imports.own_through_crate_globs(name, call.syntax()))
                    .flatten()
                    .and_then(|full| index.function_at(&full));
                if through_glob.is_some() {
                    return through_glob;
                }
            }
            // The crate's own: through `crate`/`self`/`super`, a name or
            // module the file defines, a type, or an import from the crate.
            let own = matches!(first.as_str(), "crate" | "self" | "super" | "Self")
                || imports.defines(first)
                || is_type_name(first)
                || imports
                    .candidates(&path)
                    .iter()
                    .all(|c| is_crate_relative(c) || index.is_own(c));
            if !own {
                return None;
            }
            if owner.is_none() {
                // A local closure of the name is what a bare call calls.
                if qualifier.is_empty() && find_binding(call.syntax(), name).is_some() {
                    return None;
                }
                if let Some(found) = index.function(name, None) {
                    return Some(found);
                }
                // Several functions of the name: the one of the module the
                // path names from where it is written (`disk::load()` in
                // the file's top, `load()` inside `mod mem`), through the
                // file's import of the name if any.
                let imported: Vec<String> = match imports.candidates(&path).as_slice() {
                    [only] if qualifier.is_empty() && only != name => {
                        only.split("::").map(str::to_owned).collect()
                    }
                    _ => names.clone(),
                };
                let (_, qualifier) = imported.split_last()?;
                let module = module_named(&call, qualifier, &index.module)?;
                return index.free_function_in(name, &module);
            }
            (name.clone(), owner)
        }
        _ => return None,
    };
    imports.crate_index().function(&name, owner.as_deref())
}

/// The full path of the module a call's path `qualifier` names from the
/// inline module it is written in, in the file of module `file_module`;
/// `None` for paths through `crate::` or `super::`, which the crate's module
/// tree places.
fn module_named(call: &ast::CallExpr, qualifier: &[String], file_module: &str) -> Option<String> {
    let qualifier = match qualifier.split_first() {
        Some((first, rest)) if first == "self" => rest,
        Some((first, _)) if first == "crate" || first == "super" => return None,
        _ => qualifier,
    };
    let around = super::inline_modules_around(call.syntax());
    let parts: Vec<&str> = std::iter::once(file_module)
        .chain(around.iter().map(String::as_str))
        .chain(qualifier.iter().map(String::as_str))
        .filter(|part| !part.is_empty())
        .collect();
    Some(parts.join("::"))
}

/// The name of the type of `expr`, as far as the crate says: `self` in an
/// `impl`, a parameter or a `let` with a written type, a field of those.
fn type_name_of(expr: &ast::Expr, imports: &Imports, hops: usize) -> Option<String> {
    match unparen(expr.clone()) {
        ast::Expr::RefExpr(r) => type_name_of(&r.expr()?, imports, hops),
        ast::Expr::FieldExpr(field) => {
            let owner = type_name_of(&field.expr()?, imports, hops.checked_sub(1)?);
            let name = field.name_ref()?.text().to_string();
            imports.crate_index().field(owner.as_deref(), &name)?.name
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            if path.qualifier().is_some() {
                return None;
            }
            let segment = path.segment()?;
            if segment.self_token().is_some() {
                let item = expr.syntax().ancestors().find_map(ast::Impl::cast)?;
                return type_name(&item.self_ty()?);
            }
            let name = segment.name_ref()?;
            let Some(binding) = find_binding(expr.syntax(), name.text()) else {
                let (owner, field) = field_binding(expr.syntax(), name.text())?;
                return imports.crate_index().declared_field(&owner, &field)?.name;
            };
            let ty = match binding {
                Binding::Let(binding) => match binding.ty() {
                    Some(ty) => ty,
                    None => {
                        let init = binding.initializer()?;
                        return constructed_type(&init, imports, hops.checked_sub(1)?);
                    }
                },
                Binding::Param(param) => param.ty()?,
                Binding::For(for_expr) => {
                    return element_type_name(&for_expr.iterable()?, imports, hops.checked_sub(1)?)
                }
                Binding::Element(..) => return None,
            };
            named_type(&ty).map(|name| imports.original_name(&name).to_owned())
        }
        _ => None,
    }
}

/// The type name of the elements a `for` over `iterable` binds: a field or
/// a binding of a collection type (`for d in &self.dbs`, `for s in
/// stores.iter()` with `stores: &[Store]`).
fn element_type_name(iterable: &ast::Expr, imports: &Imports, hops: usize) -> Option<String> {
    let mut iterable = unparen(iterable.clone());
    loop {
        iterable = match iterable {
            ast::Expr::RefExpr(r) => unparen(r.expr()?),
            ast::Expr::MethodCallExpr(call)
                if method_name(&call)
                    .is_some_and(|n| matches!(n.as_str(), "iter" | "iter_mut" | "into_iter")) =>
            {
                unparen(call.receiver()?)
            }
            other => break iterable_of(other, imports, hops),
        };
    }
}

fn iterable_of(collection: ast::Expr, imports: &Imports, hops: usize) -> Option<String> {
    match collection {
        ast::Expr::FieldExpr(field) => {
            let owner = type_name_of(&field.expr()?, imports, hops)?;
            let name = field.name_ref()?.text().to_string();
            imports.crate_index().field(Some(&owner), &name)?.element
        }
        ast::Expr::PathExpr(path) => {
            let name = path.path()?.as_single_name_ref()?;
            let ty = match find_binding(path.syntax(), name.text())? {
                Binding::Let(binding) => binding.ty()?,
                Binding::Param(param) => param.ty()?,
                _ => return None,
            };
            named_type(&element_type(&ty)?).map(|name| imports.original_name(&name).to_owned())
        }
        _ => None,
    }
}

/// The crate type an untyped `let` initialiser builds: a struct literal
/// (`Conn { .. }`, `Self { .. }`), a call of a crate function or method whose declared
/// return type names it (`Conn::open(..)` returning `Self` or `Conn`, through
/// `?`, `.await`, `.unwrap()`), through `Arc::new(..)`/`Arc::clone(..)`/`.clone()`,
/// or another binding or field of a known type; `Conn::open(..)?` (or
/// `.unwrap()`, `.expect(..)`) of one returning `Result<Conn, E>` or
/// `Option<Self>` is its first type argument. Calls to functions the crate
/// does not define give nothing.
fn constructed_type(init: &ast::Expr, imports: &Imports, hops: usize) -> Option<String> {
    match peel_errors(init.clone()) {
        ast::Expr::RecordExpr(record) => match record.path()?.segment()?.name_ref() {
            Some(name) => Some(name.text().to_string()),
            None => type_name(
                &record
                    .syntax()
                    .ancestors()
                    .find_map(ast::Impl::cast)?
                    .self_ty()?,
            ),
        },
        // `Arc::new(Server { .. })`, `Arc::clone(&server)`: the same type.
        ast::Expr::CallExpr(call) if callee_path(&call).is_some_and(|p| is_wrapper_new(&p)) => {
            constructed_type(&call.arg_list()?.args().next()?, imports, hops)
        }
        ast::Expr::MethodCallExpr(call)
            if method_name(&call).is_some_and(|n| n == "clone")
                && call.arg_list().is_some_and(|a| a.args().next().is_none()) =>
        {
            constructed_type(&call.receiver()?, imports, hops)
        }
        call @ (ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)) => {
            let function = function_called_within(&call, imports, hops)?;
            returned_type(function, unwraps_a_result(init))
        }
        place @ (ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) | ast::Expr::RefExpr(_)) => {
            type_name_of(&place, imports, hops)
        }
        _ => None,
    }
}

/// The crate type a call of `function` gives: its declared return type
/// (`Self` is its own type), or what its `Result`/`Option` holds when the
/// value is `unwrapped` (`Conn::open(..)?` is the `Conn` of its
/// `Result<Conn>`); nothing for a container or an unknown type.
pub fn returned_type(function: &FunctionFacts, unwrapped: bool) -> Option<String> {
    let returned = if unwrapped {
        function.returns_ok.as_deref()?
    } else {
        function.returns.as_deref()?
    };
    match returned {
        "Self" => function.self_type.clone(),
        "Option" | "Result" | "Vec" | "Box" | "Pin" => None,
        named => Some(named.to_owned()),
    }
}

/// A path segment that names a type (`Conn`, `Self`), as opposed to a
/// module or a function: Rust's naming, the only sign left without types.
pub fn is_type_name(segment: &str) -> bool {
    segment.starts_with(|c: char| c.is_ascii_uppercase())
}

/// `MAX_RETRIES`, `GLOBAL_STATE`: the way constants and statics are named,
/// and locals never are.
pub fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// For a local (a receiver's [`receiver_binding`]) made by `let x = T::f(..)` (or
/// `self.f(..)`) with no
/// written type (through `?`, `.await`, `.unwrap()`, `.expect(..)`): the
/// type `T` (`Self` is the `impl`'s), the function `f`, and whether the
/// value was taken out of a `Result`/`Option`. What `T::f` returns is the
/// crate's to say ([`returned_type`]).
pub fn made_by_call(binding: &Binding) -> Option<(String, String, bool)> {
    let Binding::Let(binding) = binding else {
        return None;
    };
    if binding.ty().is_some() {
        return None;
    }
    let init = binding.initializer()?;
    let (owner, function) = match peel_errors(init.clone()) {
        ast::Expr::CallExpr(call) => {
            let names = segments(&callee_path(&call)?);
            let [.., owner, function] = names.as_slice() else {
                return None;
            };
            let owner = match owner.as_str() {
                "Self" => impl_type_around(call.syntax())?,
                ty if is_type_name(ty) => ty.to_owned(),
                _ => return None,
            };
            (owner, function.clone())
        }
        // `let members = self.load_members().await?`: the `impl`'s method.
        ast::Expr::MethodCallExpr(call) if is_self(&call.receiver()?) => (
            impl_type_around(call.syntax())?,
            method_name(&call)?.to_string(),
        ),
        _ => return None,
    };
    Some((owner, function, unwraps_a_result(&init)))
}

/// `self` (in parentheses or not).
pub fn is_self(expr: &ast::Expr) -> bool {
    let ast::Expr::PathExpr(path) = unparen(expr.clone()) else {
        return false;
    };
    path.path()
        .and_then(|p| p.as_single_segment())
        .is_some_and(|segment| segment.self_token().is_some())
}

/// Whether `expr` takes the value out of a `Result` or `Option` (`?`,
/// `.unwrap()`, `.expect(..)`, also after an `.await`).
fn unwraps_a_result(expr: &ast::Expr) -> bool {
    match unparen(expr.clone()) {
        ast::Expr::TryExpr(_) => true,
        ast::Expr::MethodCallExpr(call) => {
            method_name(&call).is_some_and(|n| matches!(n.as_str(), "unwrap" | "expect"))
        }
        _ => false,
    }
}

/// The known type of a written type: `JoinSet<T>`, `&mut JoinSet<T>`,
/// `Arc<Runtime>`, `LazyLock<RwLock<T>>`.
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
            if !matches!(wrapper.as_str(), "Arc" | "Rc" | "Box" | "LazyLock" | "Lazy") {
                // A crate's alias: `type Shared = Arc<std::sync::RwLock<..>>`.
                return imports.crate_index().alias(&wrapper)?.known;
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

/// The type of the binding `name` visible at `at`, from its declared type or
/// its initialiser.
fn binding_type(at: &SyntaxNode, name: &str, imports: &Imports, hops: usize) -> Option<KnownType> {
    let Some(binding) = find_binding(at, name) else {
        let (owner, field) = field_binding(at, name)?;
        return imports.crate_index().declared_field(&owner, &field)?.known;
    };
    match binding {
        Binding::Let(found) => match found.ty() {
            Some(ty) => type_known(&ty, imports),
            None => known_type_within(&found.initializer()?, imports, hops),
        },
        Binding::Param(param) => type_known(&param.ty()?, imports),
        Binding::Element(statement, index) => match statement.ty() {
            Some(ty) => type_known(&tuple_element_type(&ty, index)?, imports),
            None => element_known(&statement.initializer()?, index, imports, hops),
        },
        Binding::For(_) => None,
    }
}

/// The known type of element `index` of the tuple `expr` gives.
fn element_known(
    expr: &ast::Expr,
    index: usize,
    imports: &Imports,
    hops: usize,
) -> Option<KnownType> {
    match tuple_element_of(expr, index, hops)? {
        Element::Expr(element) => known_type_within(&element, imports, hops),
        Element::Type(element) => type_known(&element, imports),
    }
}

/// Element `index` of a tuple, as the code shows it.
pub enum Element {
    /// The expression that makes it (`Condvar::new()` in `(m, Condvar::new())`).
    Expr(ast::Expr),
    /// Its written type (`Condvar` in `Arc<(Mutex<bool>, Condvar)>`).
    Type(ast::Type),
}

/// Element `index` of the tuple `expr` gives, seen through `&`, `*`,
/// `Arc::new(..)`, `.clone()` and at most `hops` bindings: `let (lock,
/// cvar) = &*pair;` with `pair = Arc::new((Mutex::new(..), Condvar::new()))`
/// or `pair: Arc<(Mutex<bool>, Condvar)>`.
pub fn tuple_element_of(expr: &ast::Expr, index: usize, hops: usize) -> Option<Element> {
    match unparen(expr.clone()) {
        ast::Expr::TupleExpr(tuple) => tuple.fields().nth(index).map(Element::Expr),
        ast::Expr::RefExpr(inner) => tuple_element_of(&inner.expr()?, index, hops),
        ast::Expr::PrefixExpr(deref) if deref.op_kind() == Some(ast::UnaryOp::Deref) => {
            tuple_element_of(&deref.expr()?, index, hops)
        }
        ast::Expr::CallExpr(call) if callee_path(&call).is_some_and(|p| is_wrapper_new(&p)) => {
            tuple_element_of(&call.arg_list()?.args().next()?, index, hops)
        }
        ast::Expr::MethodCallExpr(call) if method_name(&call).is_some_and(|n| n == "clone") => {
            tuple_element_of(&call.receiver()?, index, hops)
        }
        ast::Expr::PathExpr(path) => {
            let name = path.path()?.as_single_name_ref()?;
            let written = match find_binding(path.syntax(), name.text())? {
                Binding::Let(found) => match found.ty() {
                    Some(ty) => ty,
                    None => {
                        return tuple_element_of(&found.initializer()?, index, hops.checked_sub(1)?)
                    }
                },
                Binding::Param(param) => param.ty()?,
                Binding::For(_) | Binding::Element(..) => return None,
            };
            tuple_element_type(&written, index).map(Element::Type)
        }
        _ => None,
    }
}

/// Element `index` of a written tuple type, through `&`, `Arc<..>`,
/// `Rc<..>` and `Box<..>`.
fn tuple_element_type(ty: &ast::Type, index: usize) -> Option<ast::Type> {
    use ast::HasGenericArgs;
    match ty {
        ast::Type::TupleType(tuple) => tuple.fields().nth(index),
        ast::Type::RefType(reference) => tuple_element_type(&reference.ty()?, index),
        ast::Type::PathType(path) => {
            let segment = path.path()?.segment()?;
            let wrapper = segment.name_ref()?;
            if !matches!(wrapper.text(), "Arc" | "Rc" | "Box") {
                return None;
            }
            match segment.generic_arg_list()?.generic_args().next()? {
                ast::GenericArg::TypeArg(arg) => tuple_element_type(&arg.ty()?, index),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Where a local name was bound.
pub enum Binding {
    Let(ast::LetStmt),
    /// `let (a, b) = init;`: the name is the element at this index of the
    /// tuple `init` returns (`let (tx, rx) = mpsc::channel();`).
    Element(ast::LetStmt, usize),
    Param(ast::Param),
    /// `for name in ..`, seen from the loop's body: its type is that of the
    /// iterable's items.
    For(ast::ForExpr),
}

/// The binding `name` visible at `at`: the nearest `let` before it in the
/// enclosing blocks (as a plain name or an element of a tuple pattern), the
/// variable of an enclosing `for` loop, or a parameter of the enclosing
/// closures and function. `None` when another pattern (`let Some(a)`, a
/// `match` arm, `if let`, `for (i, x)`) binds it: its type is not written
/// anywhere.
pub fn find_binding(at: &SyntaxNode, name: &str) -> Option<Binding> {
    match binding_site(at, name)? {
        Site::Binding(binding) => Some(binding),
        Site::Pattern(_) => None,
    }
}

/// Where a name is bound, as [`find_binding`] looks for it.
enum Site {
    Binding(Binding),
    /// Inside another pattern: of a `let`, or the header of a `match` arm,
    /// `if let` or `while let`.
    Pattern(SyntaxNode),
}

fn binding_site(at: &SyntaxNode, name: &str) -> Option<Site> {
    let mut child = at.clone();
    for ancestor in at.ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::STMT_LIST => {
                let earlier = std::iter::successors(child.prev_sibling(), |s| s.prev_sibling());
                for statement in earlier.filter_map(ast::LetStmt::cast) {
                    if binds(statement.pat(), name) {
                        return Some(Site::Binding(Binding::Let(statement)));
                    }
                    if let Some(index) = tuple_element(statement.pat(), name) {
                        return Some(Site::Binding(Binding::Element(statement, index)));
                    }
                    if pattern_binds(statement.pat(), name) {
                        return Some(Site::Pattern(statement.syntax().clone()));
                    }
                }
            }
            SyntaxKind::FOR_EXPR if header_binds(&ancestor, name) => {
                return ast::ForExpr::cast(ancestor)
                    .filter(|f| binds(f.pat(), name))
                    .filter(|f| f.loop_body().is_some_and(|body| *body.syntax() == child))
                    .map(|f| Site::Binding(Binding::For(f)));
            }
            SyntaxKind::MATCH_ARM | SyntaxKind::IF_EXPR | SyntaxKind::WHILE_EXPR
                if header_binds(&ancestor, name) =>
            {
                return Some(Site::Pattern(ancestor));
            }
            SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR => {
                let params = match_params(&ancestor);
                if let Some(param) = params.into_iter().find(|p| pattern_binds(p.pat(), name)) {
                    return binds(param.pat(), name)
                        .then_some(Site::Binding(Binding::Param(param)));
                }
                if ancestor.kind() == SyntaxKind::FN {
                    return None;
                }
            }
            _ => {}
        }
        child = ancestor;
    }
    None
}

/// The struct or enum variant and field that a pattern binds `name` to, seen
/// from `at`: `Write(tx, data)` binds `tx` to the field `0` of `Write`,
/// `Command::Get { key, resp }` binds `resp` to `Get.resp`. Its type is
/// that field's declared type.
pub fn field_binding(at: &SyntaxNode, name: &str) -> Option<(String, String)> {
    pattern_field(&pattern_ident(at, name)?)
}

/// The name pattern that binds `name` inside another pattern (of a `let`,
/// or the header of a `match` arm, `if let` or `while let`), seen from `at`.
fn pattern_ident(at: &SyntaxNode, name: &str) -> Option<ast::IdentPat> {
    let Site::Pattern(site) = binding_site(at, name)? else {
        return None;
    };
    site.descendants()
        .filter(|node| node.kind() != SyntaxKind::BLOCK_EXPR)
        .filter_map(ast::IdentPat::cast)
        .find(|ident| ident.name().is_some_and(|n| n.text() == name))
}

/// The value that a `Some(name)`/`Ok(name)` pattern takes `name` out of,
/// seen from `at`: `self.worker.take()` in `if let Some(handle) =
/// self.worker.take()` (also `while let`, a `match` arm, `let .. else`).
pub fn unwrapped_from(at: &SyntaxNode, name: &str) -> Option<ast::Expr> {
    let ident = pattern_ident(at, name)?;
    let wrapper = ast::TupleStructPat::cast(ident.syntax().parent()?)?;
    let variant = wrapper.path()?.segment()?.name_ref()?;
    if !matches!(variant.text(), "Some" | "Ok") || wrapper.fields().count() != 1 {
        return None;
    }
    let holder = wrapper.syntax().parent()?;
    match holder.kind() {
        SyntaxKind::LET_EXPR => ast::LetExpr::cast(holder)?.expr(),
        SyntaxKind::LET_STMT => ast::LetStmt::cast(holder)?.initializer(),
        SyntaxKind::MATCH_ARM => ast::MatchExpr::cast(holder.parent()?.parent()?)?.expr(),
        _ => None,
    }
}

/// The struct or enum variant and field a name pattern stands in:
/// `tx` in `Write(tx, data)` is the field `0` of `Write`, `resp` in
/// `Get { key, resp }` the field `resp` of `Get`.
pub fn pattern_field(ident: &ast::IdentPat) -> Option<(String, String)> {
    let name = ident.name()?.text().to_string();
    let parent = ident.syntax().parent()?;
    let owner_of = |path: Option<ast::Path>| -> Option<String> {
        Some(path?.segment()?.name_ref()?.text().to_string())
    };
    if let Some(tuple) = ast::TupleStructPat::cast(parent.clone()) {
        let fields: Vec<ast::Pat> = tuple.fields().collect();
        let position = fields.iter().position(|f| f.syntax() == ident.syntax())?;
        // After a `..` the position no longer says which field it is.
        if fields[..position]
            .iter()
            .any(|f| matches!(f, ast::Pat::RestPat(_)))
        {
            return None;
        }
        return Some((owner_of(tuple.path())?, position.to_string()));
    }
    let field = ast::RecordPatField::cast(parent)?;
    let record = field.syntax().ancestors().find_map(ast::RecordPat::cast)?;
    let field_name = match field.name_ref() {
        Some(written) => written.text().to_string(),
        None => name,
    };
    Some((owner_of(record.path())?, field_name))
}

/// Whether the patterns of a `match` arm, `for`, `if let` or `while let`
/// (outside its blocks) bind `name`.
fn header_binds(node: &SyntaxNode, name: &str) -> bool {
    node.children()
        .filter(|c| c.kind() != SyntaxKind::BLOCK_EXPR)
        .flat_map(|c| c.descendants())
        .filter_map(ast::Pat::cast)
        .any(|pat| pattern_binds(Some(pat), name))
}

/// Whether a pattern binds `name` anywhere in it (`(a, name)`, `Some(name)`).
fn pattern_binds(pat: Option<ast::Pat>, name: &str) -> bool {
    pat.is_some_and(|pat| {
        pat.syntax()
            .descendants()
            .filter_map(ast::IdentPat::cast)
            .any(|ident| ident.name().is_some_and(|n| n.text() == name))
    })
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

/// The index of the element of a tuple pattern that binds `name` directly
/// (`(tx, mut rx)`).
fn tuple_element(pat: Option<ast::Pat>, name: &str) -> Option<usize> {
    let Some(ast::Pat::TuplePat(tuple)) = pat else {
        return None;
    };
    tuple.fields().position(|field| binds(Some(field), name))
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

/// What a spawn call goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spawner {
    /// `tokio::spawn`, `tokio::task::spawn`, `spawn_local`, `spawn_blocking`.
    Function,
    /// A `tokio::runtime::Handle` or `Runtime` value.
    Runtime,
    JoinSet,
    TaskTracker,
    /// A `tokio::task::LocalSet` value: awaiting it (or `run_until`) runs
    /// its tasks to completion, so it owns them.
    LocalSet,
}

pub struct Spawn {
    pub spawner: Spawner,
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
                spawner: Spawner::Function,
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
            let receiver = known_type(&call.receiver()?, imports)?;
            let (spawner, kind) = match receiver {
                KnownType::Runtime => (Spawner::Runtime, SpawnKind::Detachable),
                KnownType::LocalSet => (Spawner::LocalSet, SpawnKind::Owned),
                KnownType::JoinSet | KnownType::JoinMap => (Spawner::JoinSet, SpawnKind::Owned),
                KnownType::TaskTracker => (Spawner::TaskTracker, SpawnKind::Owned),
                _ => return None,
            };
            // `JoinMap::spawn(key, task)`: the task comes after its key.
            let task = match receiver {
                KnownType::JoinMap => call.arg_list()?.args().nth(1),
                _ => call.arg_list()?.args().next(),
            };
            Some(Spawn {
                spawner,
                kind,
                task,
                blocking: name == "spawn_blocking",
            })
        }
        _ => None,
    }
}

const BROADCAST_CHANNELS: &[&str] = &[
    "tokio::sync::broadcast::channel",
    "async_broadcast::broadcast",
];

/// Whether `expr` is a broadcast receiver: of a known type, the receiving
/// half of `let (tx, rx) = broadcast::channel(..)`, or a local bound to a
/// `subscribe()`/`resubscribe()` call (how broadcast receivers are made).
pub fn is_broadcast_receiver(expr: &ast::Expr, imports: &Imports) -> bool {
    if known_type(expr, imports) == Some(KnownType::BroadcastReceiver) {
        return true;
    }
    let ast::Expr::PathExpr(path) = unparen(expr.clone()) else {
        return false;
    };
    let Some(binding) = path
        .path()
        .and_then(|p| p.segment())
        .and_then(|s| s.name_ref())
        .and_then(|name| super::binding_of(&name))
    else {
        return false;
    };
    let Some(parent) = binding.syntax().parent() else {
        return false;
    };
    if let Some(tuple) = ast::TuplePat::cast(parent.clone()) {
        let second = tuple.fields().nth(1);
        let Some(statement) = tuple.syntax().parent().and_then(ast::LetStmt::cast) else {
            return false;
        };
        return second.is_some_and(|p| p.syntax() == binding.syntax())
            && matches!(statement.initializer(), Some(ast::Expr::CallExpr(call))
                if resolve_call(&call, imports, BROADCAST_CHANNELS).is_some());
    }
    let Some(ast::Expr::MethodCallExpr(call)) =
        ast::LetStmt::cast(parent).and_then(|statement| statement.initializer())
    else {
        return false;
    };
    method_name(&call).is_some_and(|name| matches!(name.as_str(), "subscribe" | "resubscribe"))
}

/// Types that only hold or share the value they wrap.
const HOLDERS: &[&str] = &[
    "Arc", "Rc", "Box", "LazyLock", "Lazy", "OnceLock", "OnceCell",
];

/// The path of the type a written type holds, through references and
/// [`HOLDERS`].
pub fn held_type_path(ty: &ast::Type) -> Option<ast::Path> {
    let mut ty = ty.clone();
    for _ in 0..8 {
        ty = match ty {
            ast::Type::RefType(r) => r.ty()?,
            ast::Type::PathType(p) => {
                let path = p.path()?;
                let segment = path.segment()?;
                let name = segment.name_ref()?;
                if !HOLDERS.iter().any(|holder| name.text() == *holder) {
                    return Some(path);
                }
                match segment.generic_arg_list()?.generic_args().next()? {
                    ast::GenericArg::TypeArg(arg) => arg.ty()?,
                    _ => return None,
                }
            }
            _ => return None,
        };
    }
    None
}

/// The last segment of a written type, through references and [`HOLDERS`]:
/// `&Arc<state::Shared>` is `Shared`.
pub fn type_name(ty: &ast::Type) -> Option<String> {
    Some(
        held_type_path(ty)?
            .segment()?
            .name_ref()?
            .text()
            .to_string(),
    )
}

/// `drop(..)` of the prelude or `std::mem::drop(..)`.
pub fn is_drop_call(call: &SyntaxNode, imports: &Imports) -> bool {
    let Some(call) = ast::CallExpr::cast(call.clone()) else {
        return false;
    };
    if resolve_call(&call, imports, &["std::mem::drop", "core::mem::drop"]).is_some() {
        return true;
    }
    callee_path(&call).is_some_and(|path| imports.is_prelude(&path, "drop"))
}

/// How many parameters a function takes, `self` counted: what a call of it
/// passes (a method call's receiver counted).
pub fn parameter_count(function: &ast::Fn) -> usize {
    function.param_list().map_or(0, |list| {
        list.params().count() + usize::from(list.self_param().is_some())
    })
}

/// The type written for a receiver that is a parameter or a `let` of the
/// same function (`previous: &Response`): the method is that type's.
pub fn written_type_of(receiver: &ast::Expr) -> Option<String> {
    written_type(&receiver_binding(receiver)?)
}

/// The type written for a parameter or a `let`, unless it is a generic
/// parameter (`client: C`), which names no type of the crate.
pub fn written_type(binding: &Binding) -> Option<String> {
    let ty = match binding {
        Binding::Let(binding) => binding.ty()?,
        Binding::Param(param) => param.ty()?,
        Binding::For(_) | Binding::Element(..) => return None,
    };
    named_type(&ty)
}

/// [`type_name`], unless the name is a type parameter of the function,
/// `impl` or trait around `ty`: `fn f<T>(x: T)`'s `T` is any type, and a
/// method looked up on it would be matched to whatever the crate's
/// `impl<T> .. for T` declares.
/// The written type of the elements of a collection type: `Store` of
/// `Vec<Store>`, `&[Store]`, `VecDeque<Store>`, `HashSet<Store>`,
/// `BTreeSet<Store>`, `[Store; 4]` (through `&`, `Arc`, `Box`, ...).
pub fn element_type(ty: &ast::Type) -> Option<ast::Type> {
    match ty {
        ast::Type::RefType(r) => element_type(&r.ty()?),
        ast::Type::SliceType(slice) => slice.ty(),
        ast::Type::ArrayType(array) => array.ty(),
        ast::Type::PathType(p) => {
            let segment = p.path()?.segment()?;
            let name = segment.name_ref()?;
            let first_arg = || match segment.generic_arg_list()?.generic_args().next()? {
                ast::GenericArg::TypeArg(arg) => arg.ty(),
                _ => None,
            };
            match name.text() {
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" => first_arg(),
                "Arc" | "Rc" | "Box" => element_type(&first_arg()?),
                _ => None,
            }
        }
        _ => None,
    }
}

pub fn named_type(ty: &ast::Type) -> Option<String> {
    let path = held_type_path(ty)?;
    let segment = path.segment()?;
    let name = segment.name_ref()?.text().to_string();
    // A type parameter is a bare name: `T`, never `a::T` or `T<U>`.
    let bare = path.qualifier().is_none() && segment.generic_arg_list().is_none();
    (!bare || !is_type_parameter(&name, ty.syntax())).then_some(name)
}

fn is_type_parameter(name: &str, node: &SyntaxNode) -> bool {
    node.ancestors()
        .filter_map(|n| generic_params_of(&n))
        .flat_map(|list| list.type_or_const_params())
        .any(|param| match param {
            ast::TypeOrConstParam::Type(param) => param.name().is_some_and(|n| n.text() == name),
            ast::TypeOrConstParam::Const(_) => false,
        })
}

fn generic_params_of(node: &SyntaxNode) -> Option<ast::GenericParamList> {
    use ast::HasGenericParams;
    match node.kind() {
        SyntaxKind::FN => ast::Fn::cast(node.clone())?.generic_param_list(),
        SyntaxKind::IMPL => ast::Impl::cast(node.clone())?.generic_param_list(),
        SyntaxKind::TRAIT => ast::Trait::cast(node.clone())?.generic_param_list(),
        _ => None,
    }
}

/// The local a receiver that is a plain name stands for.
pub fn receiver_binding(receiver: &ast::Expr) -> Option<Binding> {
    let ast::Expr::PathExpr(path) = unparen(receiver.clone()) else {
        return None;
    };
    let path = path.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    let name = path.segment()?.name_ref()?;
    find_binding(receiver.syntax(), name.text())
}

/// The type of the `impl` block around `node`, by name.
pub fn impl_type_around(node: &SyntaxNode) -> Option<String> {
    type_name(&node.ancestors().find_map(ast::Impl::cast)?.self_ty()?)
}
