use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{held_guard, held_shard_guard, KnownType, LockFlavor, SyntaxKind, SyntaxNode};

pub struct LockAcrossAwait;

static META: RuleMeta = RuleMeta {
    name: "lock-across-await",
    pattern: Pattern::Blocking,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags a synchronous lock guard that is still alive at a later `.await`.",
    flags: "A guard of a blocking lock that is alive at a later await point of the same async \
body. The lock is `.lock()`, `.read()` or `.write()` called with no argument and not awaited \
(neither directly nor as the one argument of a macro whose result is: `frame!(m.lock()).await`), \
optionally followed by `.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)`, `.map_err(..)` or `?`. \
An await point is an `.await` or a `select!`/`join!`/`try_join!` of tokio or futures; awaits \
inside a nested closure or async block belong to that body, not this one. The guard is alive \
there when it is bound with `let` to a name (`_guard` counts, `_` does not) and neither moved \
(`drop(guard)`, any call taking it by value, `return guard`, `let other = guard`) nor out of \
scope before the await (a later `let` of the same name shadows it but does not drop it); when \
it is a temporary of the statement that awaits (`tx.send(m.lock().unwrap().clone()).await`, \
`for x in m.lock().unwrap().iter() { .. .await }`); a temporary in the scrutinee of a `match`, \
`if let` or `while let` whose body awaits; or a temporary kept to the end of its block by \
`let r = &*m.lock().unwrap();`. A move inside an `if`/`match` branch that then returns, panics, \
or breaks or continues past the await does not release it for the code after the branch. \
`.lock()` on a receiver of unknown type is taken for a blocking mutex (std, parking_lot), \
unless its result is locked again (`store.lock().lock().await`: an accessor) or is awaited, \
pinned or raced later (a future). An argument-less `.read()`/`.write()` is a blocking \
`RwLock` only when followed by one of the calls above or when its receiver is known to be one: \
a `let`, parameter, struct field or `static` of this file typed or built as \
`std::sync::RwLock`, `parking_lot::RwLock` or `spin::RwLock`, possibly inside `Arc`, `Rc`, \
`Box`, `LazyLock` or `Lazy`. A receiver known to be an async lock is never flagged. \
The shard guards of a `dashmap::DashMap`/`DashSet` count too when the map's type is known (a \
`let` made by `DashMap::new()`/`default()`/`with_capacity(..)`, or a parameter, `let`, struct \
field or `static` of this file with that type, possibly inside `Arc`): `get`, `get_mut` (and \
their `.unwrap()`/`?`), `entry` (and the `RefMut` of `.or_insert(..)`/`.or_default()`), `iter`, \
`iter_mut` (and adapters over them, or an element taken with `next()`/`find(..)`), held the same \
ways. Not flagged: a guard consumed in its own expression (`map.get(&k).map(|r| r.clone())`, \
`map.iter().count()`). Primary span: the lock call; a label marks the await.",
    why: "A blocking lock's guard held across an `.await` keeps the lock while the task is \
suspended. Another task on the same worker thread that asks for the lock then blocks the \
thread, and the task holding it may need that very thread to resume: the runtime deadlocks. \
Even without a deadlock, every other task contending for the lock blocks its worker thread for \
as long as the awaited operation takes. (With std's `Mutex` the future also stops being `Send`, \
so `tokio::spawn` refuses it.)",
    example: r#"use std::sync::{Arc, Mutex};

async fn record(log: Arc<Mutex<Vec<String>>>, line: String) {
    let mut entries = log.lock().unwrap(); //~ lock-across-await
    entries.push(line);
    flush_to_disk().await;
}

async fn flush_to_disk() {}
"#,
    use_instead: r#"use std::sync::{Arc, Mutex};

async fn record(log: Arc<Mutex<Vec<String>>>, line: String) {
    {
        let mut entries = log.lock().unwrap();
        entries.push(line);
    }
    flush_to_disk().await;
}

async fn flush_to_disk() {}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["async-lock-across-await", "blocking-in-async"],
    clippy_twins: &["await_holding_lock"],
};

impl Rule for LockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if let Some(held) = held_guard(node, cx.imports, LockFlavor::Sync) {
            cx.report(
                super::held_guard_finding(
                    &held,
                    "a blocking lock's guard is held across an await point",
                    "release the guard before awaiting: end its scope with a block or call `drop(guard)`; if it must stay locked across the await, use an async lock such as `tokio::sync::Mutex`"),
            );
            return;
        }
        let mentions = cx.file_fact(|_, imports| {
            MentionsDashMap(
                cx.text.contains("Dash") || imports.crate_index().declares(KnownType::DashMap),
            )
        });
        if !mentions.0 {
            return;
        }
        if let Some(held) = held_shard_guard(node, cx.imports) {
            cx.report(
                super::held_guard_finding(
                    &held,
                    "a DashMap guard (a lock on one of its shards) is held across an await point",
                    "copy what you need out of the guard (`.value().clone()`) and drop it before awaiting: any other task touching the same shard blocks its thread until then, and one on the same thread deadlocks"),
            );
        }
    }
}

/// Whether the file can hold a `DashMap`/`DashSet` at all (it names one, or
/// the crate declares one): spares the receiver lookup at every `get` and
/// `iter` of the files that cannot.
struct MentionsDashMap(bool);
