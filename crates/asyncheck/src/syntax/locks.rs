//! The locks a function takes: each acquisition with its lock kind and
//! mode, identified by the place the lock lives in (a path from `self`, a
//! parameter, a `static` or a local), and what the function does while each
//! guard is alive (another acquisition, a call to a function of the crate).
//!
//! A [`LockSummary`] is plain data, so that the crate index can keep one per
//! function and resolve callees in other files; [`FileLocks`] holds the
//! summaries of one file and resolves callees by name within it:
//! `self.method()` (or `self.field.method()`, `param.method()` when the
//! receiver's type is written in the file) to a method of that type's impl
//! blocks, `helper(..)` to a free function, `Type::f(..)` to an associated
//! function. The lock rules read acquisitions through callees with
//! [`FileLocks::reached`], up to [`CALL_DEPTH`] levels of calls.

use std::collections::{HashMap, HashSet};

use crate::index::CrateIndex;
use ra_ap_syntax::{
    ast::{self, HasArgList, HasName},
    AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize, WalkEvent,
};

use super::{
    binding_of, body_kind, callee_path, find_binding, is_constant_name, is_type_name, known_type,
    lock_call_typed, method_name, runs_inline, segments, type_name, unparen, with_adapters,
    Binding, BodyKind, Edition, GuardLife, Imports, KnownType,
};

/// How many levels of calls an acquisition is looked for through.
pub const CALL_DEPTH: usize = 3;

/// At most this many acquisitions of one body are paired with what follows
/// them: bounded work on generated code.
const MAX_ACQUISITIONS: usize = 128;

/// At most this many acquisitions are collected through one call.
const MAX_REACHED: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LockKind {
    Mutex,
    RwLock,
    Semaphore,
    /// A `dashmap::DashMap` or `DashSet`: its shards are read-write locks.
    DashMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Access {
    /// `read()`, a DashMap `get`/`iter`.
    Read,
    /// `lock()`, `write()`, a permit, a DashMap write.
    Write,
}

/// Where a lock lives, as a path from the function's point of view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    pub root: Root,
    /// Field names from the root: `self.inner.users` is `[inner, users]`.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    SelfValue,
    /// The function's parameter at this index, `self` not counted.
    Param(usize),
    /// A `static` of the crate, by name.
    Static(String),
    /// A local binding, by the offset of the pattern that binds it.
    Local(TextSize),
}

impl Place {
    /// `self` read as `base`: `self.a` through `base = x.inner` is `x.inner.a`.
    fn rebased(&self, base: &Place) -> Place {
        let mut fields = base.fields.clone();
        fields.extend(self.fields.iter().cloned());
        Place {
            root: base.root.clone(),
            fields,
        }
    }
}

/// One lock taken in a body.
#[derive(Debug, Clone)]
pub struct Acquired {
    /// `None` when the receiver is not a place (a call's result).
    pub place: Option<Place>,
    pub kind: LockKind,
    pub access: Access,
    /// parking_lot's `ReentrantMutex`: its holder may lock it again.
    pub reentrant: bool,
    /// Taken by awaiting rather than by blocking.
    pub awaited: bool,
    /// The lock call.
    pub range: TextRange,
    /// Its receiver, the lock as written.
    pub receiver: TextRange,
}

impl Acquired {
    /// This acquisition as a call of `function` (the function around it)
    /// reaches it, the lock at `place` in the caller's terms.
    fn reached(&self, place: Option<Place>, function: &Option<String>) -> Reached {
        Reached {
            place,
            kind: self.kind,
            access: self.access,
            reentrant: self.reentrant,
            range: self.range,
            function: function.clone().unwrap_or_default(),
            elsewhere: None,
        }
    }
}

/// A call to a function of the crate.
#[derive(Debug, Clone)]
pub struct CrateCall {
    pub callee: Callee,
    /// The receiver of a method call.
    pub receiver: Option<Place>,
    /// The arguments, as places where they are one.
    pub args: Vec<Option<Place>>,
    /// The call runs in this task: it is not async, or it is awaited here.
    pub awaited: bool,
    pub range: TextRange,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Callee {
    /// A method or associated function of the type named `ty`.
    Method { ty: String, name: String },
    /// A free function.
    Free(String),
}

/// What happens while a guard is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Then {
    /// The body's acquisition at this index.
    Acquisition(usize),
    /// The body's call at this index.
    Call(usize),
}

/// The locks of one body and what runs while each guard is alive.
#[derive(Debug, Clone, Default)]
pub struct LockSummary {
    /// The function's name; `None` for closures and async blocks.
    pub name: Option<String>,
    /// The type of `self`, for a function of an `impl` block (closures and
    /// async blocks inherit their function's).
    pub self_ty: Option<String>,
    /// The type names of the parameters, `self` not counted.
    pub param_types: Vec<Option<String>>,
    /// Whether `self` is a parameter.
    pub has_self: bool,
    pub is_async: bool,
    /// In source order.
    pub acquisitions: Vec<Acquired>,
    pub calls: Vec<CrateCall>,
    /// `(held, then)`: `then` runs while the guard of acquisition `held` is alive.
    pub nested: Vec<(usize, Then)>,
    /// `(held, call)`: the guard of acquisition `held` is moved into the
    /// call, which then has it (held all the same).
    pub guard_passed: Vec<(usize, usize)>,
    /// The acquisition whose guard the function returns (`fn state(&self)
    /// -> MutexGuard<'_, State> { self.state.lock().unwrap() }`): a call of
    /// it takes that lock, and its caller holds the guard.
    pub returns_guard: Option<usize>,
}

/// An acquisition reached through calls, with its place in the caller's terms.
#[derive(Debug, Clone)]
pub struct Reached {
    pub place: Option<Place>,
    pub kind: LockKind,
    pub access: Access,
    pub reentrant: bool,
    /// The acquisition, in the innermost callee; the call itself when that
    /// callee is in another file.
    pub range: TextRange,
    /// The name of the function that takes it.
    pub function: String,
    /// Where the acquisition is when it is in another file (path, line).
    pub elsewhere: Option<(String, usize)>,
}

/// Where a lock a function takes lives, from the function's point of view,
/// as the crate index keeps it: locals of the function are left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PlaceRoot {
    SelfValue,
    Param(usize),
    Static(String),
}

/// A lock a crate function takes, directly or through the calls of its own
/// file, for callers in other files (`double-lock`, `lock-order-inversion`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TakenLock {
    pub root: PlaceRoot,
    pub fields: Vec<String>,
    pub kind: LockKind,
    pub access: Access,
    pub reentrant: bool,
    /// The function that takes it (the callee itself or one it calls).
    pub function: String,
    /// 1-based, in the file of `function`.
    pub line: usize,
    /// The display path of the file of `function` (set on merging).
    #[serde(default)]
    pub file: String,
}

impl TakenLock {
    /// Where the lock lives, in the terms of the function that takes it.
    fn place(&self) -> Place {
        place_kept(&self.root, &self.fields)
    }
}

/// A place the crate index keeps, back in a function's terms.
fn place_kept(root: &PlaceRoot, fields: &[String]) -> Place {
    let root = match root {
        PlaceRoot::SelfValue => Root::SelfValue,
        PlaceRoot::Param(i) => Root::Param(*i),
        PlaceRoot::Static(name) => Root::Static(name.clone()),
    };
    Place {
        root,
        fields: fields.to_vec(),
    }
}

/// The locks a crate function takes, by how it is called.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FunctionLocks {
    pub callee: Callee,
    pub has_self: bool,
    pub is_async: bool,
    pub taken: Vec<TakenLock>,
    /// The lock whose guard the function returns, for its callers to hold.
    pub guard: Option<TakenLock>,
    /// The display path of its file (set on merging).
    pub file: String,
    /// The calls it makes (directly or through its own file's functions)
    /// to functions its file does not define, in its own terms: what the
    /// crate index adds to `taken` once every file is known.
    #[serde(default)]
    pub calls_elsewhere: Vec<CallElsewhere>,
}

/// A call to a function of another file, as the crate index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CallElsewhere {
    pub callee: Callee,
    /// The receiver and the arguments, where they are a place of the
    /// caller's `self`, parameters or statics.
    pub receiver: Option<(PlaceRoot, Vec<String>)>,
    pub args: Vec<Option<(PlaceRoot, Vec<String>)>>,
    /// The call runs in the caller's task (see [`CrateCall::awaited`]).
    pub awaited: bool,
}

/// At most this many calls to other files are kept per function.
const MAX_CALLS_ELSEWHERE: usize = 32;

impl CallElsewhere {
    fn of(call: &CrateCall) -> CallElsewhere {
        CallElsewhere {
            callee: call.callee.clone(),
            receiver: call.receiver.as_ref().and_then(kept_place),
            args: call
                .args
                .iter()
                .map(|a| a.as_ref().and_then(kept_place))
                .collect(),
            awaited: call.awaited,
        }
    }

    /// The locks of a callee that takes `taken`, in the caller's terms.
    pub fn reaches(&self, callee_has_self: bool, taken: &TakenLock) -> Option<TakenLock> {
        let place = |kept: &Option<(PlaceRoot, Vec<String>)>| {
            kept.as_ref().map(|(root, fields)| place_kept(root, fields))
        };
        let call = CrateCall {
            callee: self.callee.clone(),
            receiver: place(&self.receiver),
            args: self.args.iter().map(place).collect(),
            awaited: self.awaited,
            range: TextRange::default(),
        };
        let (receiver, args) = bind_arguments(callee_has_self, &call);
        let reached = substitute(&taken.place(), receiver, args)?;
        let root = index_root(reached.root)?;
        Some(TakenLock {
            root,
            fields: reached.fields,
            ..taken.clone()
        })
    }
}

/// A place as the crate index keeps it: none for a local.
fn kept_place(place: &Place) -> Option<(PlaceRoot, Vec<String>)> {
    Some((index_root(place.root.clone())?, place.fields.clone()))
}

fn index_root(root: Root) -> Option<PlaceRoot> {
    match root {
        Root::SelfValue => Some(PlaceRoot::SelfValue),
        Root::Param(i) => Some(PlaceRoot::Param(i)),
        Root::Static(name) => Some(PlaceRoot::Static(name)),
        Root::Local(_) => None,
    }
}

/// The written types of the file's struct fields, and its statics.
#[derive(Debug, Default)]
pub struct TypeFacts {
    /// `(struct, field)` to the field's type name, through references and
    /// `Arc`/`Rc`/`Box`.
    fields: HashMap<(String, String), String>,
    statics: HashSet<String>,
    /// The names of the file's functions: calls to other names are not
    /// looked at.
    functions: HashSet<String>,
    /// Fields of structs declared in other files.
    index: CrateIndex,
}

impl TypeFacts {
    /// Records what `node` declares: call it on every node of the file.
    fn record(&mut self, node: &SyntaxNode) {
        match node.kind() {
            SyntaxKind::STRUCT => {
                let Some(item) = ast::Struct::cast(node.clone()) else {
                    return;
                };
                let Some(name) = item.name() else { return };
                let Some(ast::FieldList::RecordFieldList(list)) = item.field_list() else {
                    return;
                };
                for field in list.fields() {
                    let (Some(field_name), Some(ty)) = (field.name(), field.ty()) else {
                        continue;
                    };
                    if let Some(ty) = type_name(&ty) {
                        let key = (name.text().to_string(), field_name.text().to_string());
                        self.fields.insert(key, ty);
                    }
                }
            }
            SyntaxKind::STATIC => {
                if let Some(name) = ast::Static::cast(node.clone()).and_then(|s| s.name()) {
                    self.statics.insert(name.text().to_string());
                }
            }
            SyntaxKind::MACRO_CALL => self.statics.extend(lazy_statics(node)),
            SyntaxKind::FN => {
                if let Some(name) = ast::Fn::cast(node.clone()).and_then(|f| f.name()) {
                    self.functions.insert(name.text().to_string());
                }
            }
            _ => {}
        }
    }

    /// The type name of `ty.field`, declared in this file or another.
    pub fn field(&self, ty: &str, field: &str) -> Option<String> {
        match self.fields.get(&(ty.to_owned(), field.to_owned())) {
            Some(found) => Some(found.clone()),
            None => self.index.declared_field(ty, field)?.name,
        }
    }

    fn is_static(&self, name: &str) -> bool {
        self.statics.contains(name)
    }
}

/// `static ref NAME` in a `lazy_static!` body.
fn lazy_statics(call: &SyntaxNode) -> Vec<String> {
    let is_lazy = ast::MacroCall::cast(call.clone())
        .and_then(|c| c.path()?.segment()?.name_ref())
        .is_some_and(|n| n.text() == "lazy_static");
    if !is_lazy {
        return Vec::new();
    }
    let tokens: Vec<_> = call
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    tokens
        .windows(3)
        .filter(|w| w[0].text() == "static" && w[1].text() == "ref")
        .map(|w| w[2].text().to_owned())
        .collect()
}

/// The lock summaries of a file's bodies, with its functions by name.
#[derive(Debug, Default)]
pub struct FileLocks {
    pub types: TypeFacts,
    /// Every function, closure and async block that takes a lock or calls
    /// a function of the file.
    pub bodies: Vec<LockSummary>,
    functions: HashMap<Callee, usize>,
    /// For callees in other files of the crate.
    index: CrateIndex,
}

impl FileLocks {
    /// Compute it once per file (`Context::file_fact`).
    pub fn of(root: &SyntaxNode, text: &str, imports: &Imports) -> FileLocks {
        let index = imports.crate_index().clone();
        FileLocks {
            index,
            ..Self::of_file(root, text, imports, false)
        }
    }

    /// For the crate index: also the calls to functions other files may
    /// define, where they are given the caller's places, so that the index
    /// can follow a lock through files (see [`FunctionLocks::calls_elsewhere`]).
    pub fn for_index(root: &SyntaxNode, text: &str, imports: &Imports) -> FileLocks {
        Self::of_file(root, text, imports, true)
    }

    fn of_file(root: &SyntaxNode, text: &str, imports: &Imports, elsewhere: bool) -> FileLocks {
        let index = imports.crate_index();
        let semaphores = (text.contains("Semaphore") || index.declares(KnownType::Semaphore))
            && text.contains("acquire");
        let dashmaps = text.contains("Dash") || index.declares(KnownType::DashMap);
        let locks = ["lock()", "read()", "write()"];
        // For the index, a file that names a lock type may hand a lock on
        // (`fn touch(m: &Mutex<..>) { count(m) }`) without taking one.
        let hands_on = elsewhere
            && ["Mutex", "RwLock", "Semaphore"]
                .iter()
                .any(|t| text.contains(t));
        if !hands_on
            && !semaphores
            && !dashmaps
            && !locks.iter().any(|l| text.contains(l))
            && !index.mentions_guard_function(text)
        {
            return FileLocks::default();
        }
        let mut types = TypeFacts {
            index: imports.crate_index().clone(),
            ..TypeFacts::default()
        };
        let mut found = Vec::new();
        for node in root.descendants() {
            types.record(&node);
            match body_kind(&node) {
                Some(BodyKind::Item) | None => {}
                Some(kind) => found.push((node, kind)),
            }
        }
        let no_accessors = HashMap::new();
        let recognise = Recognise {
            imports,
            types: &types,
            accessors: &no_accessors,
            semaphores,
            dashmaps,
            elsewhere,
        };
        let mut summaries: Vec<Option<LockSummary>> = found
            .iter()
            .map(|(node, kind)| recognise.summary(node, *kind))
            .collect();
        // The file's functions that return a guard are known once every
        // body is summarised; the bodies that call one are summarised again.
        let accessors: HashMap<Callee, Accessor> = found
            .iter()
            .zip(&summaries)
            .filter(|((_, kind), _)| is_fn(*kind))
            .filter_map(|((node, _), summary)| {
                let summary = summary.as_ref()?;
                Some((callee_key(node, summary)?, Accessor::of_body(summary)?))
            })
            .collect();
        if !accessors.is_empty() {
            let recognise = Recognise {
                accessors: &accessors,
                ..recognise
            };
            for ((node, kind), summary) in found.iter().zip(summaries.iter_mut()) {
                let calls_one = summary
                    .as_ref()
                    .is_some_and(|s| s.calls.iter().any(|c| accessors.contains_key(&c.callee)));
                if calls_one {
                    *summary = recognise.summary(node, *kind);
                }
            }
        }
        let mut bodies = Vec::new();
        let mut functions = HashMap::new();
        let mut ambiguous = HashSet::new();
        for ((node, kind), summary) in found.into_iter().zip(summaries) {
            let Some(summary) = summary else {
                continue;
            };
            if is_fn(kind) {
                if let Some(key) = callee_key(&node, &summary) {
                    if functions.insert(key.clone(), bodies.len()).is_some() {
                        ambiguous.insert(key);
                    }
                }
            }
            bodies.push(summary);
        }
        for key in ambiguous {
            functions.remove(&key);
        }
        FileLocks {
            types,
            bodies,
            functions,
            index: CrateIndex::default(),
        }
    }

    /// What each function of the file locks, through the calls of the file,
    /// in its own terms: for the crate index.
    pub fn function_locks(&self, line_of: &dyn Fn(TextRange) -> usize) -> Vec<FunctionLocks> {
        let mut out = Vec::new();
        for (callee, &position) in &self.functions {
            let body = &self.bodies[position];
            let call = CrateCall {
                callee: callee.clone(),
                receiver: body.has_self.then(|| Place {
                    root: Root::SelfValue,
                    fields: Vec::new(),
                }),
                args: (0..body.param_types.len())
                    .map(|i| {
                        Some(Place {
                            root: Root::Param(i),
                            fields: Vec::new(),
                        })
                    })
                    .collect(),
                awaited: true,
                range: TextRange::default(),
            };
            let (reached, elsewhere) = self.reached_and_elsewhere(&call);
            let taken: Vec<TakenLock> = reached
                .into_iter()
                .filter(|reached| reached.elsewhere.is_none())
                .filter_map(|reached| taken_lock(reached, line_of))
                .collect();
            let mut calls_elsewhere: Vec<CallElsewhere> =
                elsewhere.iter().map(CallElsewhere::of).collect();
            calls_elsewhere.dedup();
            let guard = body.returns_guard.and_then(|index| {
                let acquired = &body.acquisitions[index];
                taken_lock(
                    acquired.reached(acquired.place.clone(), &body.name),
                    line_of,
                )
            });
            if !taken.is_empty() || !calls_elsewhere.is_empty() {
                out.push(FunctionLocks {
                    callee: callee.clone(),
                    has_self: body.has_self,
                    is_async: body.is_async,
                    taken,
                    guard,
                    file: String::new(),
                    calls_elsewhere,
                });
            }
        }
        out.sort_by(|a, b| a.callee.cmp(&b.callee));
        out
    }

    /// The body of the function `call` calls, when the file has exactly one.
    pub fn target(&self, call: &CrateCall) -> Option<&LockSummary> {
        let target = &self.bodies[*self.functions.get(&call.callee)?];
        (call.awaited || !target.is_async).then_some(target)
    }

    /// The acquisitions `call` (made by `caller`) leads to, directly or
    /// through up to [`CALL_DEPTH`] levels of calls, with their places in
    /// the caller's terms.
    pub fn reached(&self, call: &CrateCall) -> Vec<Reached> {
        self.reached_and_elsewhere(call).0
    }

    /// [`Self::reached`], and the calls on the way to functions the file
    /// does not define, in the caller's terms.
    fn reached_and_elsewhere(&self, call: &CrateCall) -> (Vec<Reached>, Vec<CrateCall>) {
        let mut out = Vec::new();
        let mut elsewhere = Vec::new();
        let mut visiting = Vec::new();
        self.reach(
            call,
            call,
            CALL_DEPTH,
            &mut visiting,
            &mut out,
            &mut elsewhere,
        );
        (out, elsewhere)
    }

    /// `frame` is `call` with its receiver and arguments in the outermost
    /// caller's terms.
    fn reach(
        &self,
        call: &CrateCall,
        frame: &CrateCall,
        depth: usize,
        visiting: &mut Vec<Callee>,
        out: &mut Vec<Reached>,
        elsewhere: &mut Vec<CrateCall>,
    ) {
        if depth == 0 || visiting.contains(&call.callee) {
            return;
        }
        let Some(target) = self.target(call) else {
            if !self.functions.contains_key(&call.callee) && elsewhere.len() < MAX_CALLS_ELSEWHERE {
                elsewhere.push(frame.clone());
            }
            self.reach_elsewhere(call, frame, out);
            return;
        };
        let (receiver, args) = bind_arguments(target.has_self, frame);
        let outer = |place: &Option<Place>| substitute(place.as_ref()?, receiver, args);
        for acquired in &target.acquisitions {
            if out.len() >= MAX_REACHED {
                return;
            }
            out.push(acquired.reached(outer(&acquired.place), &target.name));
        }
        visiting.push(call.callee.clone());
        for inner in &target.calls {
            let inner_frame = CrateCall {
                receiver: outer(&inner.receiver),
                args: inner.args.iter().map(outer).collect(),
                ..inner.clone()
            };
            self.reach(inner, &inner_frame, depth - 1, visiting, out, elsewhere);
        }
        visiting.pop();
    }
}

impl FileLocks {
    /// The locks a callee the file does not define takes, from the crate
    /// index (its own file's calls already followed there).
    fn reach_elsewhere(&self, call: &CrateCall, frame: &CrateCall, out: &mut Vec<Reached>) {
        let Some(target) = self.index.lock_function(&call.callee) else {
            return;
        };
        if target.is_async && !call.awaited {
            return;
        }
        let (receiver, args) = bind_arguments(target.has_self, frame);
        for taken in &target.taken {
            if out.len() >= MAX_REACHED {
                return;
            }
            out.push(Reached {
                place: substitute(&taken.place(), receiver, args),
                kind: taken.kind,
                access: taken.access,
                reentrant: taken.reentrant,
                range: call.range,
                function: taken.function.clone(),
                elsewhere: Some((taken.file.clone(), taken.line)),
            });
        }
    }
}

/// A lock reached in the function's own terms, as the crate index keeps it
/// (none for a local of the function).
fn taken_lock(reached: Reached, line_of: &dyn Fn(TextRange) -> usize) -> Option<TakenLock> {
    let (root, fields) = kept_place(&reached.place?)?;
    Some(TakenLock {
        root,
        fields,
        kind: reached.kind,
        access: reached.access,
        reentrant: reached.reentrant,
        function: reached.function,
        line: line_of(reached.range),
        file: String::new(),
    })
}

/// A function that returns the guard of a lock it takes, in its own terms.
#[derive(Debug, Clone)]
struct Accessor {
    place: Place,
    kind: LockKind,
    access: Access,
    reentrant: bool,
    has_self: bool,
    is_async: bool,
}

impl Accessor {
    fn of_body(body: &LockSummary) -> Option<Accessor> {
        let acquired = &body.acquisitions[body.returns_guard?];
        let place = acquired.place.clone()?;
        if matches!(place.root, Root::Local(_)) {
            return None;
        }
        Some(Accessor {
            place,
            kind: acquired.kind,
            access: acquired.access,
            reentrant: acquired.reentrant,
            has_self: body.has_self,
            is_async: body.is_async,
        })
    }

    fn of_function(function: &FunctionLocks) -> Option<Accessor> {
        let guard = function.guard.as_ref()?;
        Some(Accessor {
            place: guard.place(),
            kind: guard.kind,
            access: guard.access,
            reentrant: guard.reentrant,
            has_self: function.has_self,
            is_async: function.is_async,
        })
    }
}

/// The receiver and the arguments of `call` for the callee's `self` and
/// parameters: `Type::f(x, y)` passes `x` as `self` when `f` has one.
fn bind_arguments(has_self: bool, call: &CrateCall) -> (Option<&Place>, &[Option<Place>]) {
    if call.receiver.is_some() || !has_self {
        return (call.receiver.as_ref(), &call.args);
    }
    match call.args.split_first() {
        Some((first, rest)) => (first.as_ref(), rest),
        None => (None, &[]),
    }
}

/// A callee's place in its caller's terms; `None` for its locals.
fn substitute(place: &Place, receiver: Option<&Place>, args: &[Option<Place>]) -> Option<Place> {
    match &place.root {
        Root::SelfValue => Some(place.rebased(receiver?)),
        Root::Param(i) => Some(place.rebased(args.get(*i)?.as_ref()?)),
        Root::Static(_) => Some(place.clone()),
        Root::Local(_) => None,
    }
}

/// How a function is called: `Type::name` for an `impl` member, its name
/// for a free function. Trait declarations are not targets.
fn callee_key(node: &SyntaxNode, summary: &LockSummary) -> Option<Callee> {
    let name = summary.name.clone()?;
    let parent = node.parent()?;
    if parent.kind() != SyntaxKind::ASSOC_ITEM_LIST {
        return Some(Callee::Free(name));
    }
    let owner = parent.parent()?;
    if owner.kind() != SyntaxKind::IMPL {
        return None;
    }
    Some(Callee::Method {
        ty: summary.self_ty.clone()?,
        name,
    })
}

fn is_fn(kind: BodyKind) -> bool {
    matches!(kind, BodyKind::Fn | BodyKind::AsyncFn)
}

/// What the summaries are built with.
struct Recognise<'a> {
    imports: &'a Imports,
    types: &'a TypeFacts,
    /// The file's functions that return a guard (the crate's others are in
    /// its index).
    accessors: &'a HashMap<Callee, Accessor>,
    /// The file mentions these types at all: only then are the common
    /// method names they use (`acquire`, `get`, `insert`) looked at.
    semaphores: bool,
    dashmaps: bool,
    /// Calls to functions the file does not define are kept too (for the
    /// crate index, built before any file knows the others).
    elsewhere: bool,
}

/// The expression whose value is a guard.
enum Guard {
    Plain(ast::Expr),
    /// An `Option` of a guard.
    Optional(ast::Expr),
}

/// An acquisition while the body is walked.
struct Found {
    acquired: Acquired,
    node: SyntaxNode,
    life: Option<GuardLife>,
    /// The expression whose value is the guard.
    guard: Option<SyntaxNode>,
}

impl Recognise<'_> {
    fn summary(&self, body: &SyntaxNode, kind: BodyKind) -> Option<LockSummary> {
        let function = match is_fn(kind) {
            true => ast::Fn::cast(body.clone()),
            false => body.ancestors().find_map(ast::Fn::cast),
        };
        let (self_ty, param_types, has_self) = match &function {
            Some(f) => signature(f),
            None => (None, Vec::new(), false),
        };
        let mut summary = LockSummary {
            name: is_fn(kind)
                .then(|| function.as_ref()?.name().map(|n| n.text().to_string()))
                .flatten(),
            self_ty,
            param_types,
            has_self,
            is_async: kind.is_async(),
            ..LockSummary::default()
        };
        let own: Vec<String> = match &function {
            Some(f) if self.elsewhere => f
                .param_list()
                .into_iter()
                .flat_map(|list| list.params())
                .filter_map(|p| p.pat())
                .flat_map(|pat| super::bindings(pat.syntax()))
                .collect(),
            _ => Vec::new(),
        };
        let mut found: Vec<Found> = Vec::new();
        let mut call_nodes: Vec<SyntaxNode> = Vec::new();
        // Closures that run in place (`opt.and_then(|k| map.read()..)`): what
        // they lock is locked while this body's guards are alive; their own
        // guards are their body's to follow.
        let mut inline: Vec<SyntaxNode> = Vec::new();
        let mut walk = body.preorder();
        while let Some(event) = walk.next() {
            let node = match event {
                WalkEvent::Enter(node) => node,
                WalkEvent::Leave(node) => {
                    if inline.last() == Some(&node) {
                        inline.pop();
                    }
                    continue;
                }
            };
            if node != *body && body_kind(&node).is_some() {
                if runs_inline(&node) {
                    inline.push(node);
                } else {
                    walk.skip_subtree();
                }
                continue;
            }
            if let Some(mut acquisition) = self.acquisition(&node) {
                if !inline.is_empty() {
                    acquisition.life = None;
                    acquisition.guard = None;
                }
                found.push(acquisition);
            } else if let Some(call) = self.crate_call(&node, &summary, &own) {
                match self.accessor_call(&call, &node) {
                    Some(acquisition) => found.push(acquisition),
                    None => {
                        summary.calls.push(call);
                        call_nodes.push(node);
                    }
                }
            }
        }
        if found.is_empty() && summary.calls.is_empty() {
            return None;
        }
        if let Some(tail) = function
            .as_ref()
            .filter(|_| is_fn(kind))
            .and_then(|f| f.body()?.stmt_list()?.tail_expr())
        {
            summary.returns_guard = found
                .iter()
                .position(|f| f.guard.as_ref() == Some(tail.syntax()));
        }
        for (held, first) in found.iter().enumerate().take(MAX_ACQUISITIONS) {
            // A guard taken on some paths only is, in practice, left out on
            // the paths that lock again (anvil's request handler skips its
            // lifecycle lock for the requests that take it for writing).
            let Some(life) = first.life.as_ref().filter(|l| !l.is_conditional()) else {
                continue;
            };
            for (then, later) in found.iter().enumerate().skip(held + 1) {
                if life.alive_at(&later.node) {
                    summary.nested.push((held, Then::Acquisition(then)));
                }
            }
            for (then, call) in call_nodes.iter().enumerate() {
                if life.alive_at(call) {
                    summary.nested.push((held, Then::Call(then)));
                    if life.passed_to(call) {
                        summary.guard_passed.push((held, then));
                    }
                }
            }
        }
        summary.acquisitions = found.into_iter().map(|f| f.acquired).collect();
        Some(summary)
    }

    fn acquisition(&self, node: &SyntaxNode) -> Option<Found> {
        if node.kind() != SyntaxKind::METHOD_CALL_EXPR {
            return None;
        }
        let call = ast::MethodCallExpr::cast(node.clone())?;
        let name = method_name(&call)?;
        let type_of = |receiver: &ast::Expr| self.type_of(receiver);
        let (kind, access, reentrant, guard) =
            if let Some(lock) = lock_call_typed(node, &type_of, self.imports) {
                let (kind, access) = match name.as_str() {
                    "lock" => (LockKind::Mutex, Access::Write),
                    "read" => (LockKind::RwLock, Access::Read),
                    _ => (LockKind::RwLock, Access::Write),
                };
                let reentrant = kind == LockKind::Mutex
                    && lock.flavor == super::LockFlavor::Sync
                    && self.receiver_type(&call) == Some(KnownType::ReentrantMutex);
                (kind, access, reentrant, Some(Guard::Plain(lock.guard)))
            } else {
                self.semaphore_or_map(&call, &name)?
            };
        let awaited = node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR);
        let guard_node = match &guard {
            Some(Guard::Plain(guard) | Guard::Optional(guard)) => Some(guard.syntax().clone()),
            None => None,
        };
        let life = match guard {
            Some(Guard::Plain(guard)) => Some(GuardLife::of(
                &guard,
                self.imports,
                Edition::of(self.imports),
            )?),
            Some(Guard::Optional(guard)) => Some(GuardLife::of_option(
                &guard,
                self.imports,
                Edition::of(self.imports),
            )?),
            None => None,
        };
        let receiver = call.receiver()?;
        Some(Found {
            guard: guard_node,
            acquired: Acquired {
                place: place_of(&receiver, self.types),
                kind,
                access,
                reentrant,
                awaited,
                range: node.text_range(),
                receiver: receiver.syntax().text_range(),
            },
            node: node.clone(),
            life,
        })
    }

    /// A semaphore's `acquire*().await` or a DashMap operation, with the
    /// expression whose value is the guard (none for a write that releases
    /// its shard before returning).
    fn semaphore_or_map(
        &self,
        call: &ast::MethodCallExpr,
        name: &str,
    ) -> Option<(LockKind, Access, bool, Option<Guard>)> {
        let semaphore = matches!(
            name,
            "acquire" | "acquire_many" | "acquire_owned" | "acquire_many_owned"
        );
        let map_guard = match name {
            "get" | "iter" => Some(Access::Read),
            "get_mut" | "entry" | "iter_mut" => Some(Access::Write),
            _ => None,
        };
        let map_write = matches!(name, "insert" | "remove" | "alter" | "retain" | "clear");
        if semaphore && self.semaphores {
            let awaited = ast::AwaitExpr::cast(call.syntax().parent()?)?;
            if self.receiver_type(call) != Some(KnownType::Semaphore) {
                return None;
            }
            let guard = with_adapters(ast::Expr::AwaitExpr(awaited));
            return Some((
                LockKind::Semaphore,
                Access::Write,
                false,
                Some(Guard::Plain(guard)),
            ));
        }
        if !self.dashmaps || map_guard.is_none() && !map_write {
            return None;
        }
        if self.receiver_type(call) != Some(KnownType::DashMap) {
            return None;
        }
        match map_guard {
            Some(access) => {
                let bare = ast::Expr::MethodCallExpr(call.clone());
                let guard = with_adapters(bare.clone());
                // `get`/`get_mut` give an `Option`, the rest the guard itself.
                let optional = matches!(name, "get" | "get_mut") && guard.syntax() == bare.syntax();
                let guard = match optional {
                    true => Guard::Optional(guard),
                    false => Guard::Plain(guard),
                };
                Some((LockKind::DashMap, access, false, Some(guard)))
            }
            None => Some((LockKind::DashMap, Access::Write, false, None)),
        }
    }

    /// A call of a crate function that returns a guard: an acquisition of
    /// that lock, in the caller's terms, whose guard the caller holds.
    fn accessor_call(&self, call: &CrateCall, node: &SyntaxNode) -> Option<Found> {
        let accessor = match self.accessors.get(&call.callee) {
            Some(accessor) => accessor.clone(),
            None => Accessor::of_function(self.imports.crate_index().lock_function(&call.callee)?)?,
        };
        if accessor.is_async && !call.awaited {
            return None;
        }
        let (receiver, args) = bind_arguments(accessor.has_self, call);
        let place = substitute(&accessor.place, receiver, args);
        let value = match accessor.is_async {
            true => ast::Expr::cast(node.parent()?)?,
            false => ast::Expr::cast(node.clone())?,
        };
        let guard = with_adapters(value);
        let life = GuardLife::of(&guard, self.imports, Edition::of(self.imports))?;
        Some(Found {
            acquired: Acquired {
                place,
                kind: accessor.kind,
                access: accessor.access,
                reentrant: accessor.reentrant,
                awaited: accessor.is_async,
                range: node.text_range(),
                receiver: node.text_range(),
            },
            node: node.clone(),
            life: Some(life),
            guard: Some(guard.syntax().clone()),
        })
    }

    fn receiver_type(&self, call: &ast::MethodCallExpr) -> Option<KnownType> {
        self.type_of(&call.receiver()?)
    }

    fn type_of(&self, expr: &ast::Expr) -> Option<KnownType> {
        known_type(expr, self.imports)
    }

    /// A call of a function of the file or of the crate index; for the
    /// index, also a call that may be of another file's function and gives
    /// it one of `own` (`self`, the parameters) or a static, as written.
    fn crate_call(
        &self,
        node: &SyntaxNode,
        summary: &LockSummary,
        own: &[String],
    ) -> Option<CrateCall> {
        let name = match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(node.clone())?.name_ref()?,
            SyntaxKind::CALL_EXPR => callee_path(&ast::CallExpr::cast(node.clone())?)?
                .segment()?
                .name_ref()?,
            _ => return None,
        };
        let here = self.crate_defines(name.text());
        let kept = here || self.elsewhere && gives_own_place(node, own);
        kept.then(|| self.any_crate_call(node, summary, here))?
    }

    /// The call at `node`, `here` when its name is the file's (or the crate
    /// index's).
    fn any_crate_call(
        &self,
        node: &SyntaxNode,
        summary: &LockSummary,
        here: bool,
    ) -> Option<CrateCall> {
        let awaited = node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR);
        match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR => {
                let call = ast::MethodCallExpr::cast(node.clone())?;
                let receiver = place_of(&call.receiver()?, self.types)?;
                let ty = place_type(&receiver, self.types, summary)?;
                Some(CrateCall {
                    callee: Callee::Method {
                        ty,
                        name: method_name(&call)?.to_string(),
                    },
                    receiver: Some(receiver),
                    args: self.arg_places(call.arg_list()?),
                    awaited,
                    range: node.text_range(),
                })
            }
            SyntaxKind::CALL_EXPR => {
                let call = ast::CallExpr::cast(node.clone())?;
                let path = callee_path(&call)?;
                let index = self.imports.crate_index();
                // For the index, any call of a function by a name that is
                // not a type's (`Some(x)`) may be of another file's.
                let elsewhere = |callee: &Callee| match callee {
                    Callee::Free(name) if !here => !is_type_name(name),
                    Callee::Method { ty, .. } if !here => is_type_name(ty),
                    _ => index.lock_function(callee).is_some(),
                };
                let callee = match segments(&path).as_slice() {
                    [name]
                        if self.imports.defines(name) || elsewhere(&Callee::Free(name.clone())) =>
                    {
                        Callee::Free(name.clone())
                    }
                    [ty, name] if ty == "Self" => Callee::Method {
                        ty: summary.self_ty.clone()?,
                        name: name.clone(),
                    },
                    // `helpers::count(db)`, `crate::count(db)`: a function of
                    // a module of the crate.
                    [modules @ .., name]
                        if modules.last().is_some_and(|m| !is_type_name(m))
                            && self.imports.starts_in_crate(&modules[0])
                            && (self.imports.defines(name)
                                || elsewhere(&Callee::Free(name.clone()))) =>
                    {
                        Callee::Free(name.clone())
                    }
                    [ty, name]
                        if self.imports.defines(ty)
                            || elsewhere(&Callee::Method {
                                ty: ty.clone(),
                                name: name.clone(),
                            }) =>
                    {
                        Callee::Method {
                            ty: ty.clone(),
                            name: name.clone(),
                        }
                    }
                    _ => return None,
                };
                Some(CrateCall {
                    callee,
                    receiver: None,
                    args: self.arg_places(call.arg_list()?),
                    awaited,
                    range: node.text_range(),
                })
            }
            _ => None,
        }
    }

    /// Whether the file, or another file of the crate, has a function
    /// `name` whose locks are known.
    fn crate_defines(&self, name: &str) -> bool {
        self.types.functions.contains(name) || self.imports.crate_index().locks_named(name)
    }

    fn arg_places(&self, args: ast::ArgList) -> Vec<Option<Place>> {
        args.args().map(|arg| place_of(&arg, self.types)).collect()
    }
}

/// The type of `self`, the parameters' type names, and whether `self` is one.
fn signature(function: &ast::Fn) -> (Option<String>, Vec<Option<String>>, bool) {
    let self_ty = function
        .syntax()
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST)
        .and_then(|list| list.parent())
        .and_then(ast::Impl::cast)
        .and_then(|item| type_name(&item.self_ty()?));
    let Some(params) = function.param_list() else {
        return (self_ty, Vec::new(), false);
    };
    let types = params.params().map(|p| type_name(&p.ty()?)).collect();
    (self_ty, types, params.self_param().is_some())
}

/// Whether the receiver or an argument of the call at `node` is, as
/// written, `self`, one of `own` or a static, or a field of one (through
/// `&`, `*`, parentheses and `.clone()`): what a callee may lock.
fn gives_own_place(node: &SyntaxNode, own: &[String]) -> bool {
    let receiver = ast::MethodCallExpr::cast(node.clone()).and_then(|call| call.receiver());
    let args = node
        .children()
        .find_map(ast::ArgList::cast)
        .into_iter()
        .flat_map(|list| list.args());
    receiver.into_iter().chain(args).any(|expr| {
        let mut current = Some(expr);
        while let Some(expr) = current {
            current = match expr {
                ast::Expr::RefExpr(e) => e.expr(),
                ast::Expr::ParenExpr(e) => e.expr(),
                ast::Expr::PrefixExpr(e) => e.expr(),
                ast::Expr::FieldExpr(e) => e.expr(),
                ast::Expr::MethodCallExpr(call)
                    if method_name(&call).is_some_and(|n| n == "clone") =>
                {
                    call.receiver()
                }
                ast::Expr::PathExpr(path) => {
                    let name = path.path().and_then(|p| p.segment()).map(|s| s.to_string());
                    return name.is_some_and(|name| {
                        name == "self" || is_constant_name(&name) || own.contains(&name)
                    });
                }
                _ => return false,
            };
        }
        false
    })
}

/// Bindings are followed at most this many times (`let a = &self.a;`).
const MAX_BINDING_HOPS: usize = 4;

/// The place `expr` reads, looking through `&`, `*`, parentheses,
/// `.clone()` and `Arc::clone(..)`, and through a `let` whose initialiser
/// is itself a place.
fn place_of(expr: &ast::Expr, types: &TypeFacts) -> Option<Place> {
    let mut fields = Vec::new();
    let mut expr = expr.clone();
    let mut hops = MAX_BINDING_HOPS;
    let root = loop {
        expr = match unparen(expr) {
            ast::Expr::RefExpr(r) => r.expr()?,
            ast::Expr::PrefixExpr(p) if p.op_kind() == Some(ast::UnaryOp::Deref) => p.expr()?,
            ast::Expr::MethodCallExpr(call)
                if method_name(&call)? == "clone" && call.arg_list()?.args().next().is_none() =>
            {
                call.receiver()?
            }
            ast::Expr::CallExpr(call) if is_shared_clone(&call) => {
                call.arg_list()?.args().next()?
            }
            // One slot of a sharded lock (`self.shards[i]`): a segment that
            // no other place shares (two slots may differ), which
            // [`lock_id`] reads as the collection's field.
            ast::Expr::IndexExpr(index) => {
                let at = u32::from(index.syntax().text_range().start());
                fields.push(format!("{INDEX}{at}"));
                index.base()?
            }
            ast::Expr::FieldExpr(field) => {
                let name = match field.name_ref() {
                    Some(name) => name.text().to_string(),
                    None => field.syntax().last_token()?.text().to_owned(),
                };
                fields.push(name);
                field.expr()?
            }
            ast::Expr::PathExpr(path) => {
                let path = path.path()?;
                let segment = path.segment()?;
                if path.qualifier().is_some() {
                    // `crate::globals::STATE`: a static by its path.
                    let name = segment.name_ref()?.text().to_string();
                    if is_constant_name(&name) {
                        break Root::Static(name);
                    }
                    return None;
                }
                if segment.self_token().is_some() {
                    break Root::SelfValue;
                }
                let name = segment.name_ref()?.text().to_string();
                match find_binding(path.syntax(), &name) {
                    Some(Binding::Let(binding)) => {
                        let initializer = binding.initializer().filter(|_| hops > 0);
                        match initializer.filter(is_place_shaped) {
                            Some(init) => {
                                hops -= 1;
                                init
                            }
                            None => {
                                break Root::Local(binding.pat()?.syntax().text_range().start())
                            }
                        }
                    }
                    Some(Binding::Param(param)) => break param_root(&param)?,
                    Some(Binding::For(for_expr)) => {
                        break Root::Local(for_expr.pat()?.syntax().text_range().start())
                    }
                    // `let (a, b) = ..`: not followed, as before tuple
                    // elements were bindings of their own.
                    Some(Binding::Element(..)) => return None,
                    // A `match` arm or `if let` binding the name would hide
                    // a static; statics are SCREAMING_CASE and bindings not.
                    // One the file does not declare is imported (from another
                    // file of the crate, whose summary this one is made
                    // without): its name says what it is.
                    None if types.is_static(&name) || is_constant_name(&name) => {
                        break Root::Static(name)
                    }
                    // Bound by a pattern (`if let Some(ext) = ..`, a `match`
                    // arm): the same binding is the same value.
                    None => {
                        let pattern = binding_of(&segment.name_ref()?)?;
                        break Root::Local(pattern.syntax().text_range().start());
                    }
                }
            }
            _ => return None,
        }
    };
    fields.reverse();
    Some(Place { root, fields })
}

/// An expression [`place_of`] can read through: a path, a field, a
/// reference or clone of one.
fn is_place_shaped(expr: &ast::Expr) -> bool {
    match unparen(expr.clone()) {
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) => true,
        ast::Expr::RefExpr(r) => r.expr().is_some_and(|e| is_place_shaped(&e)),
        ast::Expr::MethodCallExpr(call) => {
            method_name(&call).is_some_and(|n| n == "clone")
                && call.receiver().is_some_and(|r| is_place_shaped(&r))
        }
        ast::Expr::CallExpr(call) => is_shared_clone(&call),
        _ => false,
    }
}

/// `Arc::clone(x)`, `Rc::clone(x)`: the same value.
fn is_shared_clone(call: &ast::CallExpr) -> bool {
    callee_path(call).is_some_and(|path| {
        matches!(
            segments(&path).as_slice(),
            [.., wrapper, clone] if matches!(wrapper.as_str(), "Arc" | "Rc") && clone == "clone"
        )
    })
}

/// A parameter of the enclosing function (a closure's parameter is a local).
fn param_root(param: &ast::Param) -> Option<Root> {
    let list = ast::ParamList::cast(param.syntax().parent()?)?;
    let owner = list.syntax().parent()?;
    if owner.kind() != SyntaxKind::FN {
        return Some(Root::Local(param.syntax().text_range().start()));
    }
    let index = list.params().position(|p| p.syntax() == param.syntax())?;
    Some(Root::Param(index))
}

/// The type name of a place: its root's type, then each field's declared
/// type in the file.
pub fn place_type(place: &Place, types: &TypeFacts, summary: &LockSummary) -> Option<String> {
    let written = match &place.root {
        Root::SelfValue => summary.self_ty.clone()?,
        Root::Param(i) => summary.param_types.get(*i)?.clone()?,
        Root::Static(_) | Root::Local(_) => return None,
    };
    // `s: &Shared` with `type Shared = Arc<Server>;` (in any file) is a
    // `Server`.
    let mut ty = types
        .index
        .alias(&written)
        .and_then(|aliased| aliased.name)
        .unwrap_or(written);
    for field in &place.fields {
        ty = types.field(&ty, field)?;
    }
    Some(ty)
}

/// Marks a [`Place`] segment that indexes a collection of locks.
const INDEX: &str = "[]@";

/// A lock identified across functions: `Type.field`, or a `static` (with
/// the fields reached from it). A slot of a field's collection of locks
/// (`self.shards[i]`) is the field's lock.
pub fn lock_id(place: &Place, types: &TypeFacts, summary: &LockSummary) -> Option<String> {
    let slots = place
        .fields
        .iter()
        .rev()
        .take_while(|f| f.starts_with(INDEX))
        .count();
    let fields = &place.fields[..place.fields.len() - slots];
    if let Root::Static(name) = &place.root {
        let mut id = name.clone();
        for field in fields {
            id.push('.');
            id.push_str(field);
        }
        return Some(id);
    }
    let (last, through) = fields.split_last()?;
    let owner = Place {
        root: place.root.clone(),
        fields: through.to_vec(),
    };
    if let Some(ty) = place_type(&owner, types, summary) {
        return Some(format!("{ty}.{last}"));
    }
    // A field whose type no file read yet declares (a summary is made
    // without the other files): the path from the root's type, which the
    // crate's facts shorten to `Type.field` on merging.
    let root = Place {
        root: place.root.clone(),
        fields: Vec::new(),
    };
    let mut id = place_type(&root, types, summary)?;
    for field in fields {
        id.push('.');
        id.push_str(field);
    }
    Some(id)
}

/// One lock taken while another's guard is alive, both identified by the
/// place they live in ([`lock_id`]): what lock orders are made of.
#[derive(Debug, Clone)]
pub struct LockEdge {
    /// The lock held, and how.
    pub first: (String, Access),
    /// The lock taken under it, and how.
    pub second: (String, Access),
    /// The first lock's acquisition.
    pub held: TextRange,
    /// The second acquisition, or the call that reaches it.
    pub site: TextRange,
}

impl FileLocks {
    /// Every identified lock taken while another identified lock is held.
    pub fn edges(&self) -> Vec<LockEdge> {
        let locks = self;
        let mut edges = Vec::new();
        for body in &locks.bodies {
            let id = |place: &Option<Place>| lock_id(place.as_ref()?, &locks.types, body);
            for &(held, then) in &body.nested {
                let first = &body.acquisitions[held];
                if !orders(first.kind) {
                    continue;
                }
                let Some(first_id) = id(&first.place) else {
                    continue;
                };
                let mut add = |second_id: String, access: Access, site: TextRange| {
                    if second_id != first_id {
                        edges.push(LockEdge {
                            first: (first_id.clone(), first.access),
                            second: (second_id, access),
                            held: first.range,
                            site,
                        });
                    }
                };
                match then {
                    Then::Acquisition(index) => {
                        let second = &body.acquisitions[index];
                        if let Some(second_id) = id(&second.place).filter(|_| orders(second.kind)) {
                            add(second_id, second.access, second.range);
                        }
                    }
                    Then::Call(index) => {
                        let call = &body.calls[index];
                        for reached in locks.reached(call) {
                            if let Some(second_id) =
                                id(&reached.place).filter(|_| orders(reached.kind))
                            {
                                add(second_id, reached.access, call.range);
                            }
                        }
                    }
                }
            }
        }
        edges
    }
}

/// The locks whose order matters here: mutexes and read-write locks.
pub fn orders(kind: LockKind) -> bool {
    matches!(kind, LockKind::Mutex | LockKind::RwLock)
}
