//! Lock guards and how long they live: which method calls take a lock, and
//! whether the guard they return is still alive at a later await point of
//! the same body.
//!
//! Without types, liveness follows Rust's drop rules on the syntax:
//! - a guard bound by `let` (to a name, not `_`) lives to the end of its
//!   block, unless a name bound to it is moved first: `drop(guard)`, any call
//!   taking it by value, `return guard`, `let other = guard`, `guard = ..`.
//!   Shadowing it with another `let guard` does not drop it;
//! - `let r = &*m.lock().unwrap();` (a borrow of the guard, through `*`,
//!   fields and parentheses) extends the temporary to the end of the block;
//! - a temporary guard lives to the end of its statement, or through the
//!   whole `match` whose scrutinee holds it, the `then` block of an `if let`
//!   (and its `else` before edition 2024) and the body of a `while let`;
//! - a guard passed by value to a call lives until that call;
//! - a guard carried by a value a `let` keeps (a tuple, a struct literal,
//!   `Some(guard)`, the value of an `if`/`match` branch) lives like one
//!   bound by that `let`; taken in one branch only, it is *conditional*, and
//!   the lock rules that pair two acquisitions leave it out.
//!
//! A move inside an `if`/`match` branch that then leaves (`return`, `break`
//! or `continue` past the await, a panic) does not count for the code after
//! the branch: the guard is still held on the path that reaches the await.

use ra_ap_syntax::{
    ast::{self, HasArgList, HasLoopBody},
    AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize, WalkEvent,
};

use super::{
    body_kind, is_join_macro, is_pin_macro, is_select_macro, known_type, local_name, method_name,
    runs_inline, unparen, Imports, KnownType,
};

/// The Rust edition of the crate: it decides how long an `if let`
/// scrutinee's temporaries live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edition {
    /// 2015 to 2021: an `if let` scrutinee's temporaries live through `else`.
    E2021,
    /// 2024: they are dropped before `else`.
    E2024,
}

impl Edition {
    /// The edition of the crate the file belongs to, from its `Cargo.toml`
    /// (the crate index); 2021 without a manifest, the edition under which
    /// guards live longest.
    pub fn of(imports: &Imports) -> Edition {
        if imports.crate_index().manifest.edition_before_2024() {
            Edition::E2021
        } else {
            Edition::E2024
        }
    }
}

/// Whether a lock's guard is taken by blocking the thread or by awaiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFlavor {
    /// `.lock()`, `.read()`, `.write()` without `.await`.
    Sync,
    /// `.lock().await`, `.read().await`, `.write().await`.
    Async,
}

/// A method call that takes a lock.
pub struct LockCall {
    /// `m.lock()`.
    pub call: ast::MethodCallExpr,
    pub flavor: LockFlavor,
    /// The expression whose value is the guard: the call with its
    /// `.unwrap()`/`.expect(..)`/`?`, or with its `.await`.
    pub guard: ast::Expr,
    /// `.read()` or `.write()` rather than `.lock()`.
    rw: bool,
    /// A DashMap's `get`, `entry`, `iter`, ...: a guard into one shard.
    shard: bool,
    /// The guard comes in an `Option` (DashMap's `get`): where a pattern
    /// on it fails, there is no guard.
    optional: bool,
    /// A sync call followed by `.unwrap()`, `?`, ...; an awaited one
    /// directly followed by one of these.
    adapted: bool,
}

/// A lock guard still alive at a later await point of its body.
pub struct HeldGuard {
    pub lock: LockCall,
    /// The first await point where the guard is alive.
    pub await_point: AwaitPoint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitPoint {
    /// `.await`, or the whole `select!`/`join!` invocation.
    pub range: TextRange,
    /// A macro that awaits what it is given (`select!`, `join!`, ...).
    pub is_macro: bool,
}

/// Methods whose result, after a sync `.read()`/`.write()`, shows a std
/// `RwLock`: its guard comes in a `Result`.
const RESULT_ADAPTERS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "map_err"];

/// Statement macros that pin a future in place: `tokio::pin!(fut);`.
const PIN_IN_PLACE: &[&str] = &[
    "tokio::pin",
    "futures::pin_mut",
    "futures_util::pin_mut",
    "pin_utils::pin_mut",
];

/// Recognises `node` as a call taking a lock: `.lock()`, `.read()` or
/// `.write()` with no argument.
///
/// Without `.await`, `.lock()` is a sync mutex (std, parking_lot) unless its
/// receiver is known to be an async lock; `.read()`/`.write()` are a sync
/// `RwLock` only when the receiver is known to be one (parking_lot, spin,
/// std) or the call is followed by `.unwrap()`, `.expect(..)`,
/// `.unwrap_or_else(..)`, `.map_err(..)` or `?` (std's `RwLock` returns a
/// `Result`): other APIs have argument-less `read()`s too. A `.lock()` whose
/// result is locked again (`store.lock().lock().await`) is an accessor.
/// With `.await`, the call is an async lock; an awaited `.read()`/`.write()`
/// followed by `?` or `.unwrap()` is taken for an I/O read, since async lock
/// guards come bare.
pub fn lock_call(node: &SyntaxNode, imports: &Imports) -> Option<LockCall> {
    lock_call_typed(node, &|receiver| known_type(receiver, imports), imports)
}

/// [`lock_call`] with the receiver's type told by `type_of` (a caller that
/// knows the file's field types already).
pub fn lock_call_typed(
    node: &SyntaxNode,
    type_of: &dyn Fn(&ast::Expr) -> Option<KnownType>,
    imports: &Imports,
) -> Option<LockCall> {
    lock_shape(node).filter(|lock| lock.receiver_fits(type_of, imports))
}

/// The syntactic half of [`lock_call`]: everything but the receiver's type,
/// which costs a lookup through the file.
fn lock_shape(node: &SyntaxNode) -> Option<LockCall> {
    let call = ast::MethodCallExpr::cast(node.clone())?;
    // tokio's `lock_owned()`, `read_owned()`, `write_owned()` are only ever
    // awaited.
    let (rw, owned) = match method_name(&call)?.as_str() {
        "lock" => (false, false),
        "read" | "write" => (true, false),
        "lock_owned" => (false, true),
        "read_owned" | "write_owned" => (true, true),
        _ => return None,
    };
    if call.arg_list()?.args().next().is_some() {
        return None;
    }
    let parent = call.syntax().parent()?;
    let awaited = awaited_around(call.syntax());
    if owned && awaited.is_none() {
        return None;
    }
    if let Some(awaited) = awaited {
        let guard = ast::Expr::AwaitExpr(awaited);
        let adapted = adapter_after(&guard).is_some();
        return Some(LockCall {
            call,
            flavor: LockFlavor::Async,
            guard,
            rw,
            shard: false,
            optional: false,
            adapted,
        });
    }
    // `store.lock().lock().await`: the first `lock()` returns a lock.
    if takes_lock(&parent) {
        return None;
    }
    let bare = ast::Expr::MethodCallExpr(call.clone());
    let guard = with_adapters(bare.clone());
    let adapted = guard.syntax() != bare.syntax();
    Some(LockCall {
        call,
        flavor: LockFlavor::Sync,
        guard,
        rw,
        shard: false,
        optional: false,
        adapted,
    })
}

/// The `.await` of a lock call's result: right after it, around its
/// parentheses, or around a macro it is the one argument of
/// (`frame!(files.read()).await`: such a macro wraps the future it is given,
/// and a blocking lock's guard is no future).
fn awaited_around(call: &SyntaxNode) -> Option<ast::AwaitExpr> {
    let mut node = call.parent()?;
    loop {
        match node.kind() {
            SyntaxKind::AWAIT_EXPR => return ast::AwaitExpr::cast(node),
            SyntaxKind::PAREN_EXPR | SyntaxKind::MACRO_CALL | SyntaxKind::MACRO_EXPR => {
                node = node.parent()?;
            }
            _ => return None,
        }
    }
}

impl LockCall {
    /// Whether what we know of the receiver's type, or else the call's
    /// shape, makes this a lock of its flavor. An awaited call needs no
    /// type: no type we know has an awaitable `lock()`, `read()` or
    /// `write()` but the async locks.
    fn receiver_fits(
        &self,
        type_of: &dyn Fn(&ast::Expr) -> Option<KnownType>,
        imports: &Imports,
    ) -> bool {
        if self.shard {
            let receiver = self.call.receiver().and_then(|r| type_of(&r));
            return receiver == Some(KnownType::DashMap);
        }
        if self.flavor == LockFlavor::Async {
            return !self.rw || !self.adapted;
        }
        let receiver = self.call.receiver().and_then(|r| type_of(&r));
        match receiver {
            Some(KnownType::SyncMutex | KnownType::ReentrantMutex) => !self.rw,
            Some(KnownType::SyncRwLock) => self.rw,
            Some(_) => false,
            None => (!self.rw || self.adapted) && !self.is_own_method(imports),
        }
    }

    /// Whether the call is a method the crate defines for the receiver's
    /// declared type that gives no guard (`impl Gate { fn lock(&self) ->
    /// Ticket }`): that type is known to be something else than a lock.
    fn is_own_method(&self, imports: &Imports) -> bool {
        let call = ast::Expr::MethodCallExpr(self.call.clone());
        super::crate_function_called(&call, imports).is_some_and(|function| {
            let gives_guard = [&function.returns, &function.returns_ok]
                .into_iter()
                .flatten()
                .any(|ty| ty.ends_with("Guard"));
            !function.is_async && !gives_guard
        })
    }
}

/// What a value made from a DashMap call is, while it still holds the
/// shard's lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ShardValue {
    /// `iter()`, and iterator adapters over it.
    Iter,
    /// `get()`, or an element taken from an iterator: `Option<Ref>`.
    Maybe,
    /// `Ref`, `RefMut`, `Entry`.
    Guard,
}

/// Iterator adapters: the adapted iterator still holds the shard.
const ITER_ADAPTERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "skip",
    "take",
    "skip_while",
    "take_while",
    "map_while",
    "enumerate",
    "peekable",
    "step_by",
    "zip",
    "chain",
    "inspect",
    "flat_map",
    "fuse",
    "by_ref",
];

/// Iterator methods returning an element (a guard of its own), not a sum.
const ITER_ELEMENTS: &[&str] = &[
    "next",
    "find",
    "last",
    "nth",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
];

/// `Option` methods that take the option by value and return no guard: the
/// guard inside is dropped within the call.
const OPTION_CONSUMERS: &[&str] = &[
    "map",
    "and_then",
    "map_or",
    "map_or_else",
    "is_some_and",
    "is_none_or",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok_or",
    "ok_or_else",
    "and",
    "or",
    "or_else",
    "xor",
    "zip",
    "into_iter",
    "inspect",
];

/// `Entry` methods that return a guard (`RefMut`, `Entry`) for the same shard.
const ENTRY_GUARDS: &[&str] = &[
    "or_insert",
    "or_insert_with",
    "or_insert_with_key",
    "or_default",
    "or_try_insert_with",
    "and_modify",
    "insert",
    "insert_entry",
];

/// Recognises `node` as a DashMap call returning a shard guard, with the
/// expression that holds the guard: through `.unwrap()`, `?`, iterator
/// adapters and `Entry` methods that keep it. `None` when the guard is
/// consumed in the same expression (`map.get(&k).map(|r| r.clone())`,
/// `map.iter().count()`): it is gone before anything else runs.
fn shard_shape(node: &SyntaxNode) -> Option<LockCall> {
    let call = ast::MethodCallExpr::cast(node.clone())?;
    let mut value = match method_name(&call)?.as_str() {
        "get" | "get_mut" => ShardValue::Maybe,
        "entry" => ShardValue::Guard,
        "iter" | "iter_mut" => ShardValue::Iter,
        _ => return None,
    };
    let mut guard = ast::Expr::MethodCallExpr(call.clone());
    loop {
        let Some(parent) = guard.syntax().parent().and_then(ast::Expr::cast) else {
            break;
        };
        let next = match &parent {
            ast::Expr::AwaitExpr(_) => return None,
            ast::Expr::TryExpr(_) if value == ShardValue::Maybe => ShardValue::Guard,
            ast::Expr::MethodCallExpr(outer)
                if outer
                    .receiver()
                    .is_some_and(|r| r.syntax() == guard.syntax()) =>
            {
                let name = method_name(outer)?;
                let name = name.as_str();
                match value {
                    ShardValue::Iter if ITER_ADAPTERS.contains(&name) => ShardValue::Iter,
                    ShardValue::Iter if ITER_ELEMENTS.contains(&name) => ShardValue::Maybe,
                    // Every other iterator method takes the iterator by value.
                    ShardValue::Iter => return None,
                    ShardValue::Maybe if matches!(name, "unwrap" | "expect") => ShardValue::Guard,
                    ShardValue::Maybe if name == "filter" => ShardValue::Maybe,
                    ShardValue::Maybe if OPTION_CONSUMERS.contains(&name) => return None,
                    ShardValue::Guard if ENTRY_GUARDS.contains(&name) => ShardValue::Guard,
                    // A borrowing method: the guard is a temporary that
                    // lives on to the end of its statement.
                    _ => break,
                }
            }
            _ => break,
        };
        value = next;
        guard = parent;
    }
    Some(LockCall {
        call,
        flavor: LockFlavor::Sync,
        guard,
        rw: false,
        shard: true,
        optional: value == ShardValue::Maybe,
        adapted: false,
    })
}

/// A call of `.lock()`, `.read()` or `.write()` without arguments.
fn takes_lock(node: &SyntaxNode) -> bool {
    let Some(call) = ast::MethodCallExpr::cast(node.clone()) else {
        return false;
    };
    let no_args = call
        .arg_list()
        .is_some_and(|args| args.args().next().is_none());
    no_args && method_name(&call).is_some_and(|n| matches!(n.as_str(), "lock" | "read" | "write"))
}

/// `expr` with the calls that unwrap it around it: what a `Result` or
/// `Option` of a guard becomes the guard through.
pub fn with_adapters(mut expr: ast::Expr) -> ast::Expr {
    while let Some(outer) = adapter_after(&expr) {
        expr = outer;
    }
    expr
}

/// `expr?`, `expr.unwrap()`, `expr.expect(..)`, `expr.unwrap_or_else(..)`,
/// `expr.map_err(..)`.
fn adapter_after(expr: &ast::Expr) -> Option<ast::Expr> {
    let parent = expr.syntax().parent()?;
    match ast::Expr::cast(parent)? {
        ast::Expr::TryExpr(t) => Some(ast::Expr::TryExpr(t)),
        ast::Expr::MethodCallExpr(m)
            if RESULT_ADAPTERS.contains(&method_name(&m)?.as_str())
                && m.receiver()?.syntax() == expr.syntax() =>
        {
            Some(ast::Expr::MethodCallExpr(m))
        }
        _ => None,
    }
}

/// Whether `call` is a macro that awaits what it is given: `select!`,
/// `join!`, `try_join!` of tokio or futures. A bare `select!`/`join!` is
/// taken for one whatever its import (`#[macro_use] extern crate tokio`):
/// a macro of that name that does not await would be a trap of its own.
pub fn awaits_implicitly(call: &ast::MacroCall, imports: &Imports) -> bool {
    if is_select_macro(call, imports) || is_join_macro(call, imports) {
        return true;
    }
    let Some(path) = call.path() else {
        return false;
    };
    path.qualifier().is_none()
        && path
            .segment()
            .and_then(|s| s.name_ref())
            .is_some_and(|n| matches!(n.text(), "select" | "select_biased" | "join" | "try_join"))
}

/// The lock of `flavor` taken at `node` when its guard is still alive at a
/// later await point of the same async body.
pub fn held_guard(node: &SyntaxNode, imports: &Imports, flavor: LockFlavor) -> Option<HeldGuard> {
    held(
        lock_shape(node).filter(|lock| lock.flavor == flavor)?,
        node,
        imports,
    )
}

/// The DashMap shard guard taken at `node` (`get`, `get_mut`, `entry`,
/// `iter`, `iter_mut` on a receiver known to be a `DashMap`/`DashSet`) when
/// it is still alive at a later await point of the same async body.
pub fn held_shard_guard(node: &SyntaxNode, imports: &Imports) -> Option<HeldGuard> {
    held(shard_shape(node)?, node, imports)
}

fn held(lock: LockCall, node: &SyntaxNode, imports: &Imports) -> Option<HeldGuard> {
    let (_, body) = super::enclosing_body(node)?;
    if !body.is_async() {
        return None;
    }
    let life = match lock.optional {
        true => GuardLife::of_option(&lock.guard, imports, Edition::of(imports))?,
        false => GuardLife::of(&lock.guard, imports, Edition::of(imports))?,
    };
    let await_point = life.first_await()?;
    if !lock.receiver_fits(&|receiver| known_type(receiver, imports), imports) {
        return None;
    }
    Some(HeldGuard { await_point, lock })
}

/// Where a guard is alive once taken, and what becomes of it.
pub struct GuardLife {
    /// `None` when the guard ends where it is taken (the place of an
    /// assignment, locked after the right side ran).
    hold: Option<Hold>,
    events: Events,
}

impl GuardLife {
    /// The life of the guard computed by `guard` (a lock call with its
    /// `.unwrap()`/`?`/`.await`). `None` when a name bound to it is awaited
    /// or pinned: it was a future, not a guard.
    pub fn of(guard: &ast::Expr, imports: &Imports, edition: Edition) -> Option<GuardLife> {
        GuardLife::with(guard, imports, edition, false)
    }

    /// The life of a guard that comes in an `Option` (DashMap's `get`):
    /// where a scrutinee's pattern fails (`else`, a `None` arm) there is
    /// no guard to hold.
    pub fn of_option(guard: &ast::Expr, imports: &Imports, edition: Edition) -> Option<GuardLife> {
        GuardLife::with(guard, imports, edition, true)
    }

    fn with(
        guard: &ast::Expr,
        imports: &Imports,
        edition: Edition,
        optional: bool,
    ) -> Option<GuardLife> {
        let hold = hold(guard, edition, optional);
        let events = match &hold {
            Some(hold) => scan(hold, imports)?,
            None => Events::default(),
        };
        Some(GuardLife { hold, events })
    }

    /// The first await point of the body at which the guard is alive.
    pub fn first_await(&self) -> Option<AwaitPoint> {
        let point = self
            .events
            .awaits
            .iter()
            .find(|point| !self.events.released_before(point))?;
        Some(AwaitPoint {
            range: point.range,
            is_macro: point.is_macro,
        })
    }

    /// Every await point of the body at which the guard is alive, in order.
    pub fn awaits(&self) -> Vec<GuardAwait> {
        self.events
            .awaits
            .iter()
            .filter(|point| !self.events.released_before(point))
            .map(|found| GuardAwait {
                node: found.node.clone(),
                point: AwaitPoint {
                    range: found.range,
                    is_macro: found.is_macro,
                },
            })
            .collect()
    }

    /// The local names the guard is bound to (none for a temporary).
    pub fn names(&self) -> Vec<String> {
        self.hold
            .as_ref()
            .map(|hold| hold.names.clone())
            .unwrap_or_default()
    }

    /// Whether the guard is alive when `node` (an expression after the
    /// guard, in the same body) runs.
    pub fn alive_at(&self, node: &SyntaxNode) -> bool {
        let Some(hold) = &self.hold else {
            return false;
        };
        let range = node.text_range();
        if range.start() < hold.from {
            return false;
        }
        let inside = hold.regions.iter().any(|region| {
            region.text_range().contains_range(range)
                && node
                    .ancestors()
                    .skip(1)
                    .take_while(|a| a != region)
                    .all(|a| body_kind(&a).is_none() || runs_inline(&a))
        });
        inside && !self.events.released_at(range.start(), node)
    }

    /// Whether the guard is taken on some paths only, as the value of one
    /// branch (see [`Hold::conditional`]).
    pub fn is_conditional(&self) -> bool {
        self.hold.as_ref().is_some_and(|hold| hold.conditional)
    }

    /// Whether the guard is moved into `call` (`f(guard)`, `f(Some(guard))`):
    /// the callee then works with it rather than locking again.
    pub fn passed_to(&self, call: &SyntaxNode) -> bool {
        let Some(args) = call.children().find(|c| c.kind() == SyntaxKind::ARG_LIST) else {
            return false;
        };
        let args = args.text_range();
        self.events
            .moves
            .iter()
            .any(|moved| args.contains_range(moved.text_range()))
    }

    /// Whether the guard may outlive what this body shows: returned, the
    /// value of a block or arm, stored, passed by value to a call other than
    /// `drop`, captured by a `move` closure or async block.
    pub fn escapes(&self, imports: &Imports) -> bool {
        let Some(hold) = &self.hold else {
            return false;
        };
        hold.escapes || self.events.moves.iter().any(|m| !is_dropped(m, imports))
    }
}

/// `drop(name)`, `std::mem::drop(name)`.
fn is_dropped(moved: &SyntaxNode, imports: &Imports) -> bool {
    let Some(path) = moved
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
        .and_then(|list| list.parent())
        .and_then(ast::CallExpr::cast)
        .and_then(|call| super::callee_path(&call))
    else {
        return false;
    };
    imports.is_prelude(&path, "drop")
        || imports
            .resolve(&path, &["std::mem::drop", "core::mem::drop"])
            .is_some()
}

/// Every await point at which the guard of the lock of `flavor` taken at
/// `node` is alive, in order, and the names bound to the guard.
pub struct GuardAwaits {
    pub lock: LockCall,
    /// The local names the guard is bound to (none for a temporary).
    pub names: Vec<String>,
    pub awaits: Vec<GuardAwait>,
}

pub struct GuardAwait {
    /// The `.await` expression, or the `select!`/`join!` macro call.
    pub node: SyntaxNode,
    pub point: AwaitPoint,
}

/// The await points the guard taken at `node` lives across, when there is
/// at least one.
pub fn guard_awaits(
    node: &SyntaxNode,
    imports: &Imports,
    flavor: LockFlavor,
) -> Option<GuardAwaits> {
    let lock = lock_shape(node).filter(|lock| lock.flavor == flavor)?;
    let (_, body) = super::enclosing_body(node)?;
    if !body.is_async() {
        return None;
    }
    let life = GuardLife::of(&lock.guard, imports, Edition::of(imports))?;
    let awaits = life.awaits();
    if awaits.is_empty() || !lock.receiver_fits(&|receiver| known_type(receiver, imports), imports)
    {
        return None;
    }
    Some(GuardAwaits {
        names: life.names(),
        lock,
        awaits,
    })
}

/// Where a guard lives once taken.
struct Hold {
    /// The nodes the guard is alive in, from `from` on.
    regions: Vec<SyntaxNode>,
    from: TextSize,
    /// The names bound to the guard: moving one of them releases it.
    names: Vec<String>,
    /// The patterns that bind `names` (not a shadowing of them).
    binders: Vec<SyntaxNode>,
    /// The guard leaves for a place this body does not follow.
    escapes: bool,
    /// The guard is the value of one branch of an `if`/`match` only
    /// (`let g = if c { Some(m.lock()) } else { None }`): the code after it
    /// may run without it, and often does so on purpose.
    conditional: bool,
}

impl Hold {
    fn temporary(region: SyntaxNode, from: TextSize) -> Option<Hold> {
        Some(Hold {
            regions: vec![region],
            from,
            names: Vec::new(),
            binders: Vec::new(),
            escapes: false,
            conditional: false,
        })
    }

    /// A guard that is moved out, alive in `regions` until then.
    fn escaping(regions: Vec<SyntaxNode>, from: TextSize) -> Option<Hold> {
        Some(Hold {
            regions,
            from,
            names: Vec::new(),
            binders: Vec::new(),
            escapes: true,
            conditional: false,
        })
    }

    /// A guard bound by `binders`, or a temporary when they bind nothing.
    fn bound(regions: Vec<SyntaxNode>, from: TextSize, binders: Vec<SyntaxNode>) -> Option<Hold> {
        let names = binders.iter().flat_map(bindings).collect();
        Some(Hold {
            regions,
            from,
            names,
            binders,
            escapes: false,
            conditional: false,
        })
    }
}

/// How long the guard computed by `guard` lives, climbing from it to the
/// construct that ends it.
fn hold(guard: &ast::Expr, edition: Edition, optional: bool) -> Option<Hold> {
    let from = guard.syntax().text_range().end();
    let mut node = guard.syntax().clone();
    // `node` is the guard itself (maybe parenthesised), not a value made from it.
    let mut is_guard = true;
    // `node` is reached from the guard through `*`, `.field`, `&` and
    // parentheses only: a `let` of a borrow of it extends the guard.
    let mut place = true;
    loop {
        let parent = node.parent()?;
        // Asked once per step, where no earlier arm below decides.
        let ends_here = matches!(
            parent.kind(),
            SyntaxKind::LET_STMT
                | SyntaxKind::EXPR_STMT
                | SyntaxKind::MATCH_EXPR
                | SyntaxKind::LET_EXPR
        );
        let stored = (is_guard && !ends_here)
            .then(|| stored_by_let(&node))
            .flatten();
        match parent.kind() {
            SyntaxKind::LET_STMT => return let_hold(&parent, &node, is_guard, place, from),
            SyntaxKind::EXPR_STMT => return Hold::temporary(parent, from),
            SyntaxKind::MATCH_EXPR if optional && is_guard => {
                let arms = some_arms(&parent);
                let binders = arms
                    .iter()
                    .filter_map(|arm| arm.pat())
                    .map(|p| p.syntax().clone());
                let binders = binders.collect();
                let regions = arms.into_iter().map(|arm| arm.syntax().clone()).collect();
                return Hold::bound(regions, from, binders);
            }
            // `match m.lock() { Ok(g) => g, Err(p) => p.into_inner() }`:
            // the `match` is the guard.
            SyntaxKind::MATCH_EXPR if is_guard && !optional && yields_guard(&parent) => {
                node = parent;
                continue;
            }
            SyntaxKind::MATCH_EXPR => {
                let binders = match is_guard {
                    true => arm_patterns(&parent),
                    false => Vec::new(),
                };
                return Hold::bound(vec![parent], from, binders);
            }
            SyntaxKind::LET_EXPR => {
                // `if let Some(r) = map.get(..) {} else {}`: no guard in `else`.
                let edition = match optional && is_guard {
                    true => Edition::E2024,
                    false => edition,
                };
                return let_expr_hold(&parent, is_guard, from, edition);
            }
            _ if stored.is_some() => {
                let (stmt, pattern, conditional) = stored?;
                if bindings(&pattern).is_empty() {
                    return Hold::temporary(stmt, from);
                }
                let after = stmt.text_range().end();
                let hold = Hold::bound(vec![stmt.parent()?], after, vec![pattern])?;
                return Some(Hold {
                    conditional,
                    ..hold
                });
            }
            SyntaxKind::ARG_LIST if is_guard => return Hold::escaping(vec![parent], from),
            // The right side of an assignment runs before its place.
            SyntaxKind::BIN_EXPR if is_assignment_lhs(&parent, &node) => return None,
            SyntaxKind::BIN_EXPR if is_guard && is_assignment(&parent) => {
                return assignment_hold(&parent, from)
            }
            SyntaxKind::BIN_EXPR if is_lazy(&parent) => return Hold::temporary(node, from),
            // `let g = { ..; m.lock().unwrap() };`: a plain block's value.
            SyntaxKind::STMT_LIST if is_guard && plain_block(&parent).is_some() => {
                node = plain_block(&parent)?;
                continue;
            }
            // The value of a block, an arm or a closure.
            SyntaxKind::STMT_LIST | SyntaxKind::MATCH_ARM | SyntaxKind::CLOSURE_EXPR
                if is_guard =>
            {
                return Hold::escaping(vec![node], from)
            }
            // A tail expression, a condition, an arm, a closure body: each
            // ends the temporaries made in it.
            SyntaxKind::STMT_LIST
            | SyntaxKind::IF_EXPR
            | SyntaxKind::WHILE_EXPR
            | SyntaxKind::MATCH_ARM
            | SyntaxKind::MATCH_GUARD
            | SyntaxKind::CLOSURE_EXPR => return Hold::temporary(node, from),
            // The guard moves into a value we do not follow.
            SyntaxKind::RETURN_EXPR
            | SyntaxKind::BREAK_EXPR
            | SyntaxKind::RECORD_EXPR_FIELD
            | SyntaxKind::ARRAY_EXPR
                if is_guard =>
            {
                return Hold::escaping(Vec::new(), from)
            }
            SyntaxKind::TUPLE_EXPR if is_guard && !is_macro_body(&parent) => {
                return Hold::escaping(Vec::new(), from)
            }
            _ => {}
        }
        is_guard &= parent.kind() == SyntaxKind::PAREN_EXPR;
        place &= match parent.kind() {
            SyntaxKind::PAREN_EXPR | SyntaxKind::REF_EXPR | SyntaxKind::FIELD_EXPR => true,
            SyntaxKind::PREFIX_EXPR => ast::PrefixExpr::cast(parent.clone())
                .and_then(|p| p.op_kind())
                .is_some_and(|op| op == ast::UnaryOp::Deref),
            _ => false,
        };
        node = parent;
    }
}

/// The block expression whose statements are `stmts`, when it is a plain
/// block within an expression (not a function's or closure's body, nor an
/// `async`, `unsafe` or labelled block, nor a branch of an `if`/`loop`).
fn plain_block(stmts: &SyntaxNode) -> Option<SyntaxNode> {
    let block = ast::BlockExpr::cast(stmts.parent()?)?;
    let plain = block.async_token().is_none()
        && block.unsafe_token().is_none()
        && block.label().is_none()
        && block.syntax().parent().is_some_and(|p| {
            matches!(
                p.kind(),
                SyntaxKind::LET_STMT | SyntaxKind::PAREN_EXPR | SyntaxKind::STMT_LIST
            )
        });
    plain.then(|| block.syntax().clone())
}

/// Whether a `match` on a lock's `Result` gives the guard whatever the
/// outcome: every arm gives its `Ok(g)`/`Err(poisoned)` binding (the
/// poisoned one through `into_inner()`) or leaves, and some arm gives one.
fn yields_guard(matched: &SyntaxNode) -> bool {
    let Some(arms) = ast::MatchExpr::cast(matched.clone()).and_then(|m| m.match_arm_list()) else {
        return false;
    };
    let mut gives = false;
    for arm in arms.arms() {
        let Some(value) = arm.expr() else {
            return false;
        };
        let bound = arm.pat().and_then(|pattern| match pattern {
            ast::Pat::TupleStructPat(variant) => match variant.fields().next()? {
                ast::Pat::IdentPat(binding) => {
                    Some(ast::HasName::name(&binding)?.text().to_string())
                }
                _ => None,
            },
            _ => None,
        });
        let names_binding = |expr: &ast::Expr| {
            local_name(&unparen(expr.clone())).is_some_and(|name| Some(name) == bound)
        };
        let recovered = match unparen(value.clone()) {
            ast::Expr::MethodCallExpr(call) => {
                method_name(&call).is_some_and(|n| n == "into_inner")
                    && call.receiver().is_some_and(|r| names_binding(&r))
            }
            other => names_binding(&other),
        };
        if recovered {
            gives = true;
        } else if !super::always_leaves(&value) {
            return false;
        }
    }
    gives
}

/// A guard carried by a value that a `let` keeps: a tuple, array or struct
/// literal, a tuple-struct or variant constructor (`Some(guard)`), the value
/// of an `if`/`match` branch, or a plain block's value, up to the `let`'s
/// initialiser. The `let` statement and the part of its pattern that binds
/// the guard (`x` of `let (x, y) = (guard, other)`), and whether the guard
/// is the value of a branch.
fn stored_by_let(guard: &SyntaxNode) -> Option<(SyntaxNode, SyntaxNode, bool)> {
    // How to reach the guard from the outermost value: element `n` of a
    // tuple or constructor call, or anything else (`None`).
    let mut steps: Vec<Option<usize>> = Vec::new();
    let mut conditional = false;
    let mut node = guard.clone();
    loop {
        let parent = node.parent()?;
        match parent.kind() {
            SyntaxKind::PAREN_EXPR => {}
            SyntaxKind::LET_STMT => {
                let stmt = ast::LetStmt::cast(parent.clone())?;
                let init = stmt.initializer()?;
                if init.syntax() != &node {
                    return None;
                }
                let mut pattern = stmt.pat()?;
                for step in steps.iter().rev() {
                    let fields: Vec<ast::Pat> = match (&pattern, step) {
                        (ast::Pat::TuplePat(tuple), Some(_)) => tuple.fields().collect(),
                        (ast::Pat::TupleStructPat(tuple), Some(_)) => tuple.fields().collect(),
                        _ => break,
                    };
                    let rest = fields.iter().any(|f| matches!(f, ast::Pat::RestPat(_)));
                    match step.and_then(|n| fields.get(n)) {
                        Some(field) if !rest => pattern = field.clone(),
                        _ => break,
                    }
                }
                return Some((parent, pattern.syntax().clone(), conditional));
            }
            SyntaxKind::TUPLE_EXPR if !is_macro_body(&parent) => {
                let index = parent.children().position(|c| c == node);
                steps.push(index);
            }
            SyntaxKind::ARRAY_EXPR | SyntaxKind::RECORD_EXPR_FIELD => {
                steps.push(None);
            }
            SyntaxKind::RECORD_EXPR_FIELD_LIST | SyntaxKind::RECORD_EXPR => {}
            SyntaxKind::ARG_LIST => {
                let call = ast::CallExpr::cast(parent.parent()?)?;
                if !constructs(&call) {
                    return None;
                }
                steps.push(parent.children().position(|c| c == node));
                node = call.syntax().clone();
                continue;
            }
            SyntaxKind::STMT_LIST => {
                let stmts = ast::StmtList::cast(parent.clone())?;
                if stmts.tail_expr()?.syntax() != &node {
                    return None;
                }
                let block = ast::BlockExpr::cast(parent.parent()?)?;
                if block.async_token().is_some()
                    || block.unsafe_token().is_some()
                    || block.label().is_some()
                    || block.syntax().parent()?.kind() == SyntaxKind::CLOSURE_EXPR
                {
                    return None;
                }
                steps.push(None);
                node = block.syntax().clone();
                continue;
            }
            // A branch of an `if`, not its condition.
            SyntaxKind::IF_EXPR => {
                let if_expr = ast::IfExpr::cast(parent.clone())?;
                if if_expr.condition().is_some_and(|c| c.syntax() == &node) {
                    return None;
                }
                conditional = true;
            }
            SyntaxKind::MATCH_ARM => {
                let arm = ast::MatchArm::cast(parent.clone())?;
                if arm.expr()?.syntax() != &node {
                    return None;
                }
                steps.push(None);
                conditional = true;
            }
            SyntaxKind::MATCH_ARM_LIST | SyntaxKind::MATCH_EXPR => {}
            _ => return None,
        }
        node = parent;
    }
}

/// A call of a tuple struct or enum variant (`Some(..)`, `Held(..)`): its
/// value holds its arguments.
fn constructs(call: &ast::CallExpr) -> bool {
    let Some(ast::Expr::PathExpr(callee)) = call.expr() else {
        return false;
    };
    callee
        .path()
        .and_then(|p| p.segment())
        .and_then(|s| s.name_ref())
        .is_some_and(|name| name.text().starts_with(|c: char| c.is_ascii_uppercase()))
}

fn let_hold(
    stmt: &SyntaxNode,
    init: &SyntaxNode,
    is_guard: bool,
    place: bool,
    from: TextSize,
) -> Option<Hold> {
    let stmt = ast::LetStmt::cast(stmt.clone())?;
    let block = stmt.syntax().parent()?;
    let after = stmt.syntax().text_range().end();
    if is_guard {
        let pat = stmt.pat()?.syntax().clone();
        if bindings(&pat).is_empty() {
            return Hold::temporary(init.clone(), from);
        }
        return Hold::bound(vec![block], after, vec![pat]);
    }
    let borrowed =
        ast::Expr::cast(init.clone()).is_some_and(|e| matches!(unparen(e), ast::Expr::RefExpr(_)));
    if place && borrowed {
        return Hold::temporary(block, after);
    }
    Hold::temporary(init.clone(), from)
}

/// The scrutinee of an `if let` or `while let` (maybe in a `&&` chain): its
/// temporaries live through the `then` block (and before edition 2024 the
/// `else` branch) or the loop body.
fn let_expr_hold(
    let_expr: &SyntaxNode,
    is_guard: bool,
    from: TextSize,
    edition: Edition,
) -> Option<Hold> {
    let owner = let_expr
        .ancestors()
        .skip(1)
        .find(|n| !matches!(n.kind(), SyntaxKind::BIN_EXPR | SyntaxKind::PAREN_EXPR))?;
    let regions = match owner.kind() {
        SyntaxKind::IF_EXPR => {
            let if_expr = ast::IfExpr::cast(owner)?;
            let mut regions = vec![
                if_expr.condition()?.syntax().clone(),
                if_expr.then_branch()?.syntax().clone(),
            ];
            if edition < Edition::E2024 {
                regions.extend(if_expr.else_branch().map(|e| match e {
                    ast::ElseBranch::Block(b) => b.syntax().clone(),
                    ast::ElseBranch::IfExpr(i) => i.syntax().clone(),
                }));
            }
            regions
        }
        SyntaxKind::WHILE_EXPR => {
            let while_expr = ast::WhileExpr::cast(owner)?;
            vec![
                while_expr.condition()?.syntax().clone(),
                while_expr.loop_body()?.syntax().clone(),
            ]
        }
        _ => return None,
    };
    let binders = match is_guard {
        true => ast::LetExpr::cast(let_expr.clone())
            .and_then(|l| l.pat())
            .map(|p| vec![p.syntax().clone()])
            .unwrap_or_default(),
        false => Vec::new(),
    };
    Hold::bound(regions, from, binders)
}

/// `name = guard;`: the variable holds it to the end of the block.
fn assignment_hold(assign: &SyntaxNode, from: TextSize) -> Option<Hold> {
    let assign = ast::BinExpr::cast(assign.clone())?;
    let name = local_name(&unparen(assign.lhs()?))?;
    let stmt = assign.syntax().parent()?;
    if stmt.kind() != SyntaxKind::EXPR_STMT {
        return None;
    }
    Some(Hold {
        regions: vec![stmt.parent()?],
        from: stmt.text_range().end().max(from),
        names: vec![name],
        binders: Vec::new(),
        escapes: false,
        conditional: false,
    })
}

/// `name = cv.wait(name, ..).unwrap()`: an assignment of what a `Condvar`
/// wait returns (std's `wait`, `wait_while`, `wait_timeout`,
/// `wait_timeout_while` take a guard by value and hand it back once woken);
/// the wait call, through `.unwrap()` and `?`.
fn condvar_wait_assigned(assignment: &SyntaxNode) -> Option<SyntaxNode> {
    let value = super::peel_errors(ast::BinExpr::cast(assignment.clone())?.rhs()?);
    let ast::Expr::MethodCallExpr(call) = &value else {
        return None;
    };
    let name = method_name(call)?;
    matches!(
        name.as_str(),
        "wait" | "wait_while" | "wait_timeout" | "wait_timeout_while"
    )
    .then(|| value.syntax().clone())
}

/// `call` (whose arguments hold `path`) is a `Condvar` wait assigned back to
/// the name `path` is: the guard comes back to where it was.
fn waits_back_into(call: &SyntaxNode, path: &SyntaxNode) -> bool {
    let Some(assignment) = call
        .ancestors()
        .find(|n| n.kind() == SyntaxKind::BIN_EXPR && is_assignment(n))
    else {
        return false;
    };
    let assigned = ast::BinExpr::cast(assignment.clone())
        .and_then(|b| b.lhs())
        .and_then(|lhs| local_name(&unparen(lhs)));
    let given = ast::Expr::cast(path.clone()).and_then(|p| local_name(&unparen(p)));
    condvar_wait_assigned(&assignment).as_ref() == Some(call)
        && assigned.is_some()
        && assigned == given
}

/// `node` is the place of `=`, `+=`, ...
fn is_assignment_lhs(bin: &SyntaxNode, node: &SyntaxNode) -> bool {
    ast::BinExpr::cast(bin.clone()).is_some_and(|b| {
        matches!(b.op_kind(), Some(ast::BinaryOp::Assignment { .. }))
            && b.lhs().is_some_and(|lhs| lhs.syntax() == node)
    })
}

/// A plain `=`.
fn is_assignment(node: &SyntaxNode) -> bool {
    ast::BinExpr::cast(node.clone())
        .and_then(|b| b.op_kind())
        .is_some_and(|op| op == ast::BinaryOp::Assignment { op: None })
}

/// `&&` or `||`: each operand ends the temporaries made in it.
fn is_lazy(bin: &SyntaxNode) -> bool {
    ast::BinExpr::cast(bin.clone())
        .is_some_and(|b| matches!(b.op_kind(), Some(ast::BinaryOp::LogicOp(_))))
}

fn is_macro_body(node: &SyntaxNode) -> bool {
    node.parent()
        .is_some_and(|p| p.kind() == SyntaxKind::MACRO_CALL)
}

/// The names a pattern binds.
pub fn bindings(pat: &SyntaxNode) -> Vec<String> {
    pat.descendants()
        .filter_map(ast::IdentPat::cast)
        .filter_map(|p| ast::HasName::name(&p))
        .map(|n| n.text().to_string())
        .collect()
}

/// The arms of a `match` on an `Option` that may hold its value: all but
/// `None => ..`.
fn some_arms(match_expr: &SyntaxNode) -> Vec<ast::MatchArm> {
    let Some(list) = ast::MatchExpr::cast(match_expr.clone()).and_then(|m| m.match_arm_list())
    else {
        return Vec::new();
    };
    list.arms()
        .filter(|arm| {
            !matches!(arm.pat(), Some(ast::Pat::IdentPat(p)) if p.syntax().text() == "None")
                && !matches!(arm.pat(), Some(ast::Pat::PathPat(p)) if p.syntax().text() == "None")
        })
        .collect()
}

fn arm_patterns(match_expr: &SyntaxNode) -> Vec<SyntaxNode> {
    ast::MatchExpr::cast(match_expr.clone())
        .and_then(|m| m.match_arm_list())
        .map(|list| {
            list.arms()
                .filter_map(|arm| arm.pat())
                .map(|pat| pat.syntax().clone())
                .collect()
        })
        .unwrap_or_default()
}

struct FoundAwait {
    /// Where the await happens: the `await` keyword, or the macro's start.
    at: TextSize,
    range: TextRange,
    node: SyntaxNode,
    is_macro: bool,
}

/// What happens to a guard in its regions, in order.
#[derive(Default)]
struct Events {
    awaits: Vec<FoundAwait>,
    /// Uses that move a name bound to the guard.
    moves: Vec<SyntaxNode>,
    /// Later bindings of the same names: uses in their scope are not ours.
    shadows: Vec<SyntaxNode>,
}

/// Walks the regions of `hold`, not entering nested closures, async blocks
/// or items: their awaits belong to another body. `None` when a name bound
/// to the "guard" is awaited or pinned: it was a future, not a guard.
fn scan(hold: &Hold, imports: &Imports) -> Option<Events> {
    let mut events = Events::default();
    for region in &hold.regions {
        let mut walk = region.preorder();
        while let Some(event) = walk.next() {
            let WalkEvent::Enter(node) = event else {
                continue;
            };
            if node.text_range().end() <= hold.from {
                walk.skip_subtree();
                continue;
            }
            if node != *region && body_kind(&node).is_some() {
                // A nested body runs elsewhere; a `move` one that names the
                // guard takes it along, which releases it here.
                if node.text_range().start() >= hold.from && captures_by_move(&node, &hold.names) {
                    events.moves.push(node.clone());
                }
                walk.skip_subtree();
                continue;
            }
            let after = node.text_range().start() >= hold.from;
            match node.kind() {
                SyntaxKind::AWAIT_EXPR => {
                    let Some(point) = await_of(&node) else {
                        continue;
                    };
                    if point.at >= hold.from {
                        events.awaits.push(point);
                    }
                }
                SyntaxKind::MACRO_CALL => {
                    let Some(call) = ast::MacroCall::cast(node.clone()) else {
                        continue;
                    };
                    if after && awaits_implicitly(&call, imports) {
                        events.awaits.push(FoundAwait {
                            at: node.text_range().start(),
                            range: node.text_range(),
                            node: node.clone(),
                            is_macro: true,
                        });
                    }
                }
                SyntaxKind::PATH_EXPR if after && !hold.names.is_empty() => {
                    let Some(name) = ast::Expr::cast(node.clone()).and_then(|e| local_name(&e))
                    else {
                        continue;
                    };
                    if !hold.names.contains(&name) {
                        continue;
                    }
                    match use_of(&node, imports) {
                        Use::NotAGuard => return None,
                        Use::Move => events.moves.push(node),
                        Use::Overwritten(assignment) => events.moves.push(assignment),
                        Use::Other => {}
                    }
                }
                SyntaxKind::IDENT_PAT if after && !hold.names.is_empty() => {
                    let name = ast::IdentPat::cast(node.clone())
                        .and_then(|p| ast::HasName::name(&p))
                        .map(|n| n.text().to_string());
                    let own = hold
                        .binders
                        .iter()
                        .any(|b| b.text_range().contains_range(node.text_range()));
                    if !own && name.is_some_and(|n| hold.names.contains(&n)) {
                        events.shadows.push(node);
                    }
                }
                _ => {}
            }
        }
    }
    events.awaits.sort_by_key(|a| a.at);
    Some(events)
}

/// A `move` closure or `async move` block that mentions one of `names`.
fn captures_by_move(body: &SyntaxNode, names: &[String]) -> bool {
    let moves = match body.kind() {
        SyntaxKind::CLOSURE_EXPR => {
            ast::ClosureExpr::cast(body.clone()).and_then(|c| c.move_token())
        }
        SyntaxKind::BLOCK_EXPR => ast::BlockExpr::cast(body.clone()).and_then(|b| b.move_token()),
        _ => None,
    };
    moves.is_some()
        && body
            .descendants()
            .filter_map(ast::PathExpr::cast)
            .filter_map(|p| local_name(&ast::Expr::PathExpr(p)))
            .any(|name| names.contains(&name))
}

fn await_of(node: &SyntaxNode) -> Option<FoundAwait> {
    let awaited = ast::AwaitExpr::cast(node.clone())?;
    let keyword = awaited.await_token()?.text_range();
    let start = awaited
        .dot_token()
        .map(|dot| dot.text_range().start())
        .unwrap_or(keyword.start());
    Some(FoundAwait {
        at: keyword.start(),
        range: TextRange::new(start, keyword.end()),
        node: node.clone(),
        is_macro: false,
    })
}

enum Use {
    /// `name.await`, `pin!(name)`, `join!(name, ..)`, `name.lock()`: the
    /// name holds a future or a lock, not a guard.
    NotAGuard,
    /// The value leaves the name: passed by value, returned, rebound.
    Move,
    /// `name = value;`: the old value is dropped once the new one is made,
    /// at the end of this assignment (`g = m.lock().unwrap()` locks while
    /// the old guard is still held).
    Overwritten(SyntaxNode),
    Other,
}

fn use_of(path: &SyntaxNode, imports: &Imports) -> Use {
    let mut node = path.clone();
    let mut through_ref = false;
    while let Some(parent) = node.parent() {
        if is_macro_body(&parent) {
            let polled = parent
                .parent()
                .and_then(ast::MacroCall::cast)
                .is_some_and(|call| pins(&call, imports) || awaits_implicitly(&call, imports));
            return if polled { Use::NotAGuard } else { Use::Other };
        }
        match parent.kind() {
            SyntaxKind::PAREN_EXPR => {}
            SyntaxKind::REF_EXPR => through_ref = true,
            SyntaxKind::AWAIT_EXPR => return Use::NotAGuard,
            SyntaxKind::MATCH_ARM if is_select_future(&parent, &node) => return Use::NotAGuard,
            SyntaxKind::METHOD_CALL_EXPR if !through_ref && takes_lock(&parent) => {
                return Use::NotAGuard
            }
            _ if through_ref => return Use::Other,
            // `guard = cv.wait(guard).unwrap()`: the guard comes back to its name.
            SyntaxKind::ARG_LIST
                if parent
                    .parent()
                    .is_some_and(|call| waits_back_into(&call, path)) =>
            {
                return Use::Other
            }
            SyntaxKind::ARG_LIST
            | SyntaxKind::RETURN_EXPR
            | SyntaxKind::BREAK_EXPR
            | SyntaxKind::RECORD_EXPR_FIELD
            | SyntaxKind::ARRAY_EXPR
            | SyntaxKind::TUPLE_EXPR => return Use::Move,
            SyntaxKind::LET_STMT => {
                let binds = ast::LetStmt::cast(parent)
                    .and_then(|l| l.pat())
                    .is_some_and(|p| !matches!(p, ast::Pat::WildcardPat(_)));
                return if binds { Use::Move } else { Use::Other };
            }
            // `guard = cv.wait_while(guard, ..).unwrap()`: the same guard, back.
            SyntaxKind::BIN_EXPR if is_assignment_lhs(&parent, &node) => {
                return match condvar_wait_assigned(&parent) {
                    Some(_) => Use::Other,
                    None => Use::Overwritten(parent),
                };
            }
            SyntaxKind::BIN_EXPR if is_assignment(&parent) => return Use::Move,
            _ => return Use::Other,
        }
        node = parent;
    }
    Use::Other
}

/// `node` is the future of a `select!` branch (`pattern = node => ..`).
fn is_select_future(arm: &SyntaxNode, node: &SyntaxNode) -> bool {
    let in_macro = arm
        .parent()
        .and_then(|list| list.parent())
        .is_some_and(|p| p.kind() == SyntaxKind::MACRO_CALL);
    let mut exprs = arm.children().filter(|c| ast::Expr::can_cast(c.kind()));
    in_macro && exprs.next().is_some_and(|first| first == *node) && exprs.next().is_some()
}

/// `tokio::pin!(fut)`, `futures::pin_mut!(fut)`, `std::pin::pin!(fut)`.
fn pins(call: &ast::MacroCall, imports: &Imports) -> bool {
    is_pin_macro(call, imports)
        || call
            .path()
            .is_some_and(|path| imports.resolve(&path, PIN_IN_PLACE).is_some())
}

impl Events {
    /// Whether a move of the guard happens on every path from the guard to
    /// `point`.
    fn released_before(&self, point: &FoundAwait) -> bool {
        // The futures a `join!`/`select!` polls are made before it awaits.
        let made_for_the_macro =
            |moved: &SyntaxNode| point.is_macro && point.range.contains_range(moved.text_range());
        self.moves.iter().any(made_for_the_macro) || self.released_at(point.at, &point.node)
    }

    /// Whether a move of the guard happens on every path from the guard to
    /// `node`, which runs at `at`.
    fn released_at(&self, at: TextSize, node: &SyntaxNode) -> bool {
        self.moves.iter().any(|moved| {
            moved.text_range().end() <= at
                && !self.is_shadowed(moved)
                && moved_on_the_way(moved, node, &self.moves)
        })
    }

    /// Whether the name used at `use_node` is bound by a later `let` or
    /// pattern than the guard's.
    fn is_shadowed(&self, use_node: &SyntaxNode) -> bool {
        let at = use_node.text_range().start();
        self.shadows.iter().any(|shadow| {
            shadow.text_range().end() <= at
                && binding_scope(shadow).is_some_and(|(scope, from)| {
                    from <= at && scope.text_range().contains_range(use_node.text_range())
                })
        })
    }
}

/// Where a binding is visible: its block after its `let`, or the arm,
/// `if let`, `while let`, `for` or closure it belongs to.
fn binding_scope(pat: &SyntaxNode) -> Option<(SyntaxNode, TextSize)> {
    let owner = pat.ancestors().find(|n| {
        matches!(
            n.kind(),
            SyntaxKind::LET_STMT
                | SyntaxKind::MATCH_ARM
                | SyntaxKind::IF_EXPR
                | SyntaxKind::WHILE_EXPR
                | SyntaxKind::FOR_EXPR
                | SyntaxKind::CLOSURE_EXPR
        )
    })?;
    if owner.kind() == SyntaxKind::LET_STMT {
        return Some((owner.parent()?, owner.text_range().end()));
    }
    Some((owner, pat.text_range().end()))
}

/// Whether the move at `moved` happens before `point` on every path that
/// reaches `point`: not in another branch of an `if`/`match`, and not in a
/// branch that leaves (returns, breaks past `point`, panics) after moving,
/// and not in a branch that other paths go around (`if c { drop(g) }`)
/// unless every branch there moves it too (`moves` are all the guard's).
fn moved_on_the_way(moved: &SyntaxNode, point: &SyntaxNode, moves: &[SyntaxNode]) -> bool {
    let target = point.text_range();
    let mut child = moved.clone();
    let Some(common) = moved
        .ancestors()
        .find(|n| n.text_range().contains_range(target))
    else {
        return false;
    };
    for ancestor in moved.ancestors().skip(1) {
        if ancestor == common {
            break;
        }
        if is_branch(&ancestor, &child)
            && (leaves(&child, point) || !every_branch_moves(&ancestor, &child, moves))
        {
            return false;
        }
        if ancestor.kind() == SyntaxKind::LET_ELSE {
            return false;
        }
        child = ancestor;
    }
    // `child` is the branch of `common` holding the move; the point is in
    // another one.
    match common.kind() {
        SyntaxKind::IF_EXPR => !is_branch(&common, &child),
        SyntaxKind::MATCH_ARM_LIST => false,
        _ => true,
    }
}

/// Whether the branches of the `if` or `match` arm `node` other than
/// `branch` (which moves the guard) move it too, so that every path through
/// the conditional does.
fn every_branch_moves(node: &SyntaxNode, branch: &SyntaxNode, moves: &[SyntaxNode]) -> bool {
    let moves_in = |other: &SyntaxNode| {
        moves
            .iter()
            .any(|m| other.text_range().contains_range(m.text_range()))
    };
    match node.kind() {
        SyntaxKind::IF_EXPR => {
            let Some(conditional) = ast::IfExpr::cast(node.clone()) else {
                return false;
            };
            let then = conditional.then_branch().map(|b| b.syntax().clone());
            let otherwise = conditional.else_branch().map(|e| match e {
                ast::ElseBranch::Block(block) => block.syntax().clone(),
                ast::ElseBranch::IfExpr(nested) => nested.syntax().clone(),
            });
            let other = if then.as_ref() == Some(branch) {
                otherwise
            } else {
                then
            };
            other.is_some_and(|other| moves_in(&other))
        }
        SyntaxKind::MATCH_ARM => node.parent().is_some_and(|arms| {
            arms.children()
                .filter_map(ast::MatchArm::cast)
                .all(|arm| arm.expr().is_some_and(|e| moves_in(e.syntax())))
        }),
        _ => false,
    }
}

/// Whether `child` is a branch of `node`: the `then` or `else` of an `if`,
/// the body of a match arm.
fn is_branch(node: &SyntaxNode, child: &SyntaxNode) -> bool {
    match node.kind() {
        SyntaxKind::IF_EXPR => ast::IfExpr::cast(node.clone())
            .and_then(|i| i.condition())
            .is_some_and(|c| c.syntax() != child),
        SyntaxKind::MATCH_ARM => node
            .children()
            .filter_map(ast::Expr::cast)
            .last()
            .is_some_and(|e| e.syntax() == child),
        _ => false,
    }
}

/// Whether `branch` always leaves before `point` can run: it returns,
/// panics, or breaks out of / continues a loop containing `point`, outside
/// any condition or loop of its own.
fn leaves(branch: &SyntaxNode, point: &SyntaxNode) -> bool {
    let mut walk = branch.preorder();
    while let Some(event) = walk.next() {
        let WalkEvent::Enter(node) = event else {
            continue;
        };
        if node != *branch && (body_kind(&node).is_some() || is_conditional(&node)) {
            walk.skip_subtree();
            continue;
        }
        let leaves = match node.kind() {
            SyntaxKind::RETURN_EXPR => true,
            SyntaxKind::BREAK_EXPR | SyntaxKind::CONTINUE_EXPR => jump_target(&node)
                .is_some_and(|target| target.text_range().contains_range(point.text_range())),
            SyntaxKind::MACRO_CALL => ast::MacroCall::cast(node.clone())
                .and_then(|c| c.path()?.segment()?.name_ref())
                .is_some_and(|n| {
                    matches!(n.text(), "panic" | "unreachable" | "todo" | "unimplemented")
                }),
            _ => false,
        };
        if leaves {
            return true;
        }
    }
    false
}

/// Constructs whose inside may not run: branches, loops, `let .. else`.
fn is_conditional(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::IF_EXPR
            | SyntaxKind::MATCH_ARM_LIST
            | SyntaxKind::WHILE_EXPR
            | SyntaxKind::FOR_EXPR
            | SyntaxKind::LOOP_EXPR
            | SyntaxKind::LET_ELSE
    ) || is_lazy(node)
}

/// The loop (or labelled block) a `break`/`continue` leaves.
fn jump_target(jump: &SyntaxNode) -> Option<SyntaxNode> {
    let label = jump
        .children()
        .find(|c| c.kind() == SyntaxKind::LIFETIME)
        .map(|l| l.text().to_string());
    jump.ancestors()
        .skip(1)
        .take_while(|n| body_kind(n).is_none())
        .find(|n| match &label {
            Some(label) => n
                .children()
                .find(|c| c.kind() == SyntaxKind::LABEL)
                .and_then(|l| l.children().find(|c| c.kind() == SyntaxKind::LIFETIME))
                .is_some_and(|l| l.text() == label.as_str()),
            None => matches!(
                n.kind(),
                SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR
            ),
        })
}
