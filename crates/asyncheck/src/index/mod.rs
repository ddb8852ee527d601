//! What a crate knows across its files (rules.md, "Across files").
//!
//! Each file yields a small [`FileSummary`] from its parse (struct fields
//! with their types, aliases, statics, functions, the functions it runs as
//! tasks); the summaries of a crate merge into a [`CrateIndex`], which the
//! rules reach through the file's [`Imports`](crate::syntax::Imports) while
//! they check each file. No tree outlives its file: memory grows with the
//! summaries, not with the code.
//!
//! Names are matched by their last segment and trusted only where the crate
//! agrees with itself: a field name whose declared types differ between
//! structs, or two aliases of one name with different types, tell nothing.

mod manifest;
mod modules;
mod summary;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use manifest::{Manifest, ManifestError, Runtime, Workspace};
pub use modules::module_paths;
pub use summary::summarize;

/// The summary of a file's text for its crate's index; `None` when it nests
/// too deep to parse (the check reports that).
pub fn summarize_text(text: &str) -> Option<FileSummary> {
    let parsed = crate::syntax::parse_file(text)?;
    Some(summarize(&parsed.root, text, &parsed.imports))
}

/// The summary of a file's text, and its parse kept for the check.
pub fn summarize_and_keep(text: &str) -> Option<(FileSummary, crate::syntax::KeptParse)> {
    let parsed = crate::syntax::parse_file(text)?;
    let summary = summarize(&parsed.root, text, &parsed.imports);
    Some((summary, parsed.keep()))
}

use crate::syntax::{returned_type, KnownType};

/// Parses are kept between the passes for files whose text adds up to no
/// more than this (a tree takes 10 to 30 times its text): memory stays
/// bounded whatever the number of files; the files past it are parsed twice.
pub const KEEP_BUDGET: u64 = 16 << 20;

/// What is left of [`KEEP_BUDGET`] in a run, taken file by file.
pub struct KeepBudget(AtomicU64);

impl KeepBudget {
    pub fn new(keep: bool) -> KeepBudget {
        KeepBudget(AtomicU64::new(if keep { KEEP_BUDGET } else { 0 }))
    }

    /// Whether a file of `len` bytes may keep its parse.
    pub fn take(&self, len: usize) -> bool {
        let len = len as u64;
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(len)
            })
            .is_ok()
    }
}

/// What a written type says: the lock, runtime or task type it is (seen
/// through `Arc`, `&`, `Box`, `LazyLock`), resolved with the imports of the
/// file that wrote it, and the name of the type itself (its last path
/// segment through the same wrappers) for following fields and aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeFact {
    pub known: Option<KnownType>,
    pub name: Option<String>,
    /// The full paths the type's name may stand for (through the writing
    /// file's imports), for rules that match types by path.
    pub paths: Vec<String>,
    /// For a collection (`Vec<Store>`, `[Store]`, `HashSet<Store>`, ...):
    /// the name of its elements' type, what a `for` over it binds.
    #[serde(default)]
    pub element: Option<String>,
}

/// A crate function, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FunctionFacts {
    pub name: String,
    /// The inline modules around it in its file (`a::b`); on merging, its
    /// full module path (`my_crate::net::a::b`).
    pub module: String,
    /// The display path of the file that defines it (set on merging).
    pub file: String,
    /// The type of the `impl` the function is a method of.
    pub self_type: Option<String>,
    pub is_async: bool,
    /// The written return type's last segment, through aliases the file
    /// itself cannot see (`Fallible`), when it is not a plain `Result`.
    pub returns: Option<String>,
    /// The name of the first type argument of the return type (`Conn` of
    /// `Result<Conn>`, `Self` of `Option<Self>`): what `?`, `.unwrap()` or
    /// `.expect(..)` on the call's result gives.
    pub returns_ok: Option<String>,
    /// The name of the second type argument of the return type (`SendError`
    /// of `Result<(), SendError<Event>>`): the error a call can fail with.
    #[serde(default)]
    pub returns_err: Option<String>,
    /// The lock, runtime or task type its written return type is (through
    /// `&`, `Arc`, ...), resolved with its file's imports: what a call of it
    /// gives (`fn pool() -> &'static Runtime`).
    #[serde(default)]
    pub returns_known: Option<KnownType>,
    /// The full paths its written return type may stand for, through `&`,
    /// `Arc`, `Option`, ... (`-> mpsc::Sender<Event>` with `use
    /// tokio::sync::mpsc;`: `tokio::sync::mpsc::Sender`), resolved with its
    /// file's imports, as a field's type is (`TypeFact::paths`).
    #[serde(default)]
    pub returns_paths: Vec<String>,
    pub is_test: bool,
    /// Its parameters, `self` counted.
    pub parameters: usize,
    /// For an `async fn`: the first cancel-unsafe tokio I/O call it awaits
    /// (`read_exact`, `write_all`, ...), which makes the whole function
    /// unsafe to race in a `select!`.
    pub cancel_unsafe: Option<InnerCall>,
    /// For a function that is not async: the call that blocks the thread on
    /// a future (`block_on`, `blocking_lock`), in its own body or through
    /// up to [`WRAPPER_DEPTH`] levels of such functions.
    pub blocks_on: Option<InnerCall>,
    /// For a function that is not async: the blocking call its body makes
    /// (what `blocking-in-async` flags in async code: a file read, a thread
    /// join, ...), directly or through up to [`WRAPPER_DEPTH`] levels.
    pub blocks: Option<InnerCall>,
    /// The crate functions its own body calls: their names and, for
    /// methods, the type they belong to (`self.f()` in an `impl T`,
    /// `T::f()`); what wrapper effects are closed over.
    pub calls: Vec<(String, Option<String>)>,
    /// For an `async fn`: the first await of its body that waits on
    /// something outside the task (a channel, a task, a sleep, the
    /// network), directly or through up to [`WRAPPER_DEPTH`] levels of the
    /// crate `async fn`s it awaits.
    pub waits: Option<InnerCall>,
    /// For an `async fn`: it takes a semaphore permit before anything else
    /// it awaits, so the work it does as a task is limited.
    #[serde(default)]
    pub takes_permit_first: bool,
    /// For an `async fn`: the crate functions it awaits, as [`Self::calls`].
    pub awaited: Vec<(String, Option<String>)>,
}

/// How many levels of crate calls a wrapper's effect is followed through.
pub const WRAPPER_DEPTH: usize = 3;

/// A call inside a crate function that gives the function its effect, for
/// labels that point into another file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InnerCall {
    /// What is called (`read_exact`, `std::fs::read`).
    pub what: String,
    /// The display path of its file (set on merging).
    pub file: String,
    /// 1-based.
    pub line: usize,
}

/// Two locks a function of the crate takes in one order (`first` held
/// while `second` is taken), identified by the place they live in
/// (`Server.users`): what `lock-order-inversion` pairs across files.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LockOrder {
    pub first: String,
    pub first_read: bool,
    pub second: String,
    pub second_read: bool,
    /// The display path of its file (set on merging).
    pub file: String,
    /// 1-based: the second acquisition, or the call that reaches it.
    pub line: usize,
}

/// A call of a crate function as a summary keeps it: what it calls, as far
/// as the calling file says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallSite {
    pub name: String,
    pub owner: CallOwner,
    /// What it passes, the receiver of a method call counted.
    pub arguments: usize,
    /// 1-based.
    pub line: usize,
}

/// What a [`CallSite`] says about the function it calls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CallOwner {
    /// A free function (`helper()`, `util::helper()`).
    Free,
    /// A method or associated function of this type (`T::f()`, `Self::f()`,
    /// `self.f()` in an `impl T`).
    Type(String),
    /// A method called on a receiver whose type the file does not write.
    Unknown,
    /// A method called on a local made by `let x = T::f(..)` (through `?`,
    /// `.await`, `.unwrap()`): the type `T::f` returns (its `Ok`/`Some`
    /// type when `unwrapped`), which the crate's facts know and the file may
    /// not. Placed on merging; `or_unknown` says whether the call counts as
    /// one of an unknown receiver when they do not know it either.
    ReturnedBy {
        owner: String,
        function: String,
        unwrapped: bool,
        or_unknown: bool,
    },
    /// A method called on a field (`self.inner.f()`, `state.backend.f()`):
    /// the type the crate declares for it, of the struct `owner` when known
    /// (`self`'s), else of every field of that name when they agree. Placed
    /// on merging, like `ReturnedBy`.
    FieldOf {
        owner: Option<String>,
        field: String,
        or_unknown: bool,
    },
}

/// A `mod x;` declaration: the module's file is found from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModDecl {
    /// The inline modules it is declared in (`mod a { mod x; }`).
    pub within: Vec<String>,
    pub name: String,
    /// Its `#[path = ".."]`.
    pub path: Option<String>,
    /// Declared only for tests (`#[cfg(test)] mod tests;`): the module's
    /// file is test code.
    pub for_tests: bool,
    /// The clippy lints its attributes allow (`#[allow(clippy::x)] mod x;`):
    /// allowed in the module's file and below.
    #[serde(default)]
    pub clippy_allows: Vec<String>,
}

/// A module-level `use` of a file: what a path through that module reaches
/// (`pub use parking_lot::Mutex;` in `sync.rs` makes `crate::sync::Mutex`
/// parking_lot's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModuleUse {
    /// The inline modules it is in, as in [`ModDecl::within`].
    pub within: Vec<String>,
    pub entry: crate::syntax::UseEntry,
}

/// One file's contribution to its crate's index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileSummary {
    /// How the file is reported (its display path), for labels in other
    /// files; set by whoever read the file.
    pub path: String,
    /// The file's module (`my_crate::net::tls`), set by whoever knows the
    /// crate's module tree; empty when nobody does.
    pub module: String,
    /// The file is under its package's `tests/` or `benches/` folder (test
    /// code), set by whoever knows the package.
    pub in_test_folder: bool,
    /// The clippy lints the file's inner attributes allow
    /// (`#![allow(clippy::x)]`): allowed in it and in the modules below.
    #[serde(default)]
    pub clippy_allows: Vec<String>,
    pub mods: Vec<ModDecl>,
    pub uses: Vec<ModuleUse>,
    pub lock_orders: Vec<LockOrder>,
    /// What its functions lock, for callers in other files.
    pub lock_functions: Vec<crate::syntax::FunctionLocks>,
    /// (struct, field, type).
    pub fields: Vec<(String, String, TypeFact)>,
    /// (enum variant, field, type): what a pattern of the variant binds.
    pub variant_fields: Vec<(String, String, TypeFact)>,
    pub aliases: Vec<(String, TypeFact)>,
    /// `static` and `const` items.
    pub statics: Vec<(String, TypeFact)>,
    pub functions: Vec<FunctionFacts>,
    /// Names of free functions called as a spawned future.
    pub spawned_functions: Vec<String>,
    /// Names of methods called as a spawned future.
    pub spawned_methods: Vec<String>,
    /// Calls made in async context outside test code and not awaited where
    /// they are made: how async code reaches a crate function that is not
    /// async (and may block on a future inside).
    pub async_calls: Vec<CallSite>,
    /// The crate functions the file's async code calls, by name, each with
    /// whether a call is made under a deadline (one entry per name and
    /// answer).
    #[serde(default)]
    pub deadline_calls: Vec<(String, bool)>,
    /// Method calls made inside loops that run an unknown number of times:
    /// what a method does there, it does again and again.
    pub loop_calls: Vec<CallSite>,
    /// Struct fields declared with a `JoinSet`/`JoinMap` type.
    pub set_fields: Vec<SetField>,
    /// Struct fields whose declared type is a name the file does not know,
    /// with that name: task sets when it is a crate alias of one declared in
    /// another file (`conns: Tasks`).
    #[serde(default)]
    pub alias_typed_fields: Vec<(SetField, String)>,
    /// Names of fields that some code reaps (`join_next`, ...) or hands on
    /// (`&mut self.tasks` passed to a call, returned, moved).
    pub released_fields: Vec<String>,
}

/// A struct field that holds a task set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SetField {
    pub owner: String,
    pub name: String,
    /// Declared `pub` in a `pub` struct: code outside a library may reap
    /// it.
    pub public: bool,
}

/// What a crate knows: the facts merged from the summaries of its files
/// (and of the other members of its cargo workspace, which resolve into each
/// other), and its own manifest.
#[derive(Debug, Default, Clone)]
pub struct CrateIndex {
    facts: Arc<Facts>,
    pub manifest: Manifest,
    /// The module of the file being checked (`my_crate::net`); empty when
    /// the crate's module tree is not known.
    pub module: String,
    /// The display path of the file being checked, as its summary has it.
    pub file: String,
    /// Its path from its package's folder, when it is in a package: whether
    /// it is under the crate's `tests/` or `benches/` is read from this, so
    /// that folders above the package do not count.
    pub in_package: Option<std::path::PathBuf>,
}

impl std::ops::Deref for CrateIndex {
    type Target = Facts;

    fn deref(&self) -> &Facts {
        &self.facts
    }
}

impl CrateIndex {
    pub fn new(facts: Arc<Facts>, manifest: Manifest) -> Self {
        CrateIndex {
            facts,
            manifest,
            module: String::new(),
            file: String::new(),
            in_package: None,
        }
    }

    /// The index as seen from the file `file` (its display path) of the
    /// module `module`.
    pub fn seen_from(
        self,
        file: String,
        module: String,
        in_package: Option<std::path::PathBuf>,
    ) -> Self {
        CrateIndex {
            file,
            module,
            in_package,
            ..self
        }
    }

    /// A hash of the crate's facts (every file's summary): findings that
    /// depend on other files through them change only when it does, and
    /// then only in files that mention a name whose facts changed
    /// ([`Facts::names_changed`]).
    pub fn facts_fingerprint(&self) -> u64 {
        self.facts.fingerprint
    }

    /// A hash of what the index says of the file itself: its manifest, its
    /// module and its path.
    pub fn frame_fingerprint(&self) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        (&self.manifest, &self.module, &self.file).hash(&mut hasher);
        hasher.finish()
    }

    /// Both: findings that depend on other files change only when it does.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        (self.facts_fingerprint(), self.frame_fingerprint()).hash(&mut hasher);
        hasher.finish()
    }

    /// The crate's facts, shared by every file of the crate.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The index of a lone file: what it says itself, no manifest.
    pub fn of_file(summary: &FileSummary) -> Self {
        CrateIndex::new(Arc::new(Facts::new([summary])), Manifest::default())
    }
}

/// The merged summaries of a crate's (or a workspace's) files.
#[derive(Debug, Default)]
pub struct Facts {
    fields: HashMap<(String, String), TypeFact>,
    /// Every declared type of a field name, across the crate's structs.
    fields_by_name: HashMap<String, Vec<TypeFact>>,
    /// `None` where two aliases of one name disagree.
    aliases: HashMap<String, Option<TypeFact>>,
    statics: HashMap<String, Option<TypeFact>>,
    functions: HashMap<String, Vec<FunctionFacts>>,
    /// A function's position among `functions[name]` by its name and the
    /// type it is a method of; `None` where several match (test functions
    /// left out).
    function_positions: HashMap<(String, Option<String>), Option<usize>>,
    spawned_functions: HashSet<String>,
    spawned_methods: HashSet<String>,
    /// The crates whose module trees are known (the first segment of their
    /// modules' paths): the workspace's members.
    crates: HashSet<String>,
    /// Full path of a name a module imports or re-exports to the full path
    /// it stands for (`my_crate::sync::Mutex` -> `parking_lot::Mutex`).
    exports: HashMap<String, String>,
    /// Module to the full paths it glob-imports.
    globs: HashMap<String, Vec<String>>,
    /// Full paths of the crates' own modules and functions.
    defined: HashSet<String>,
    /// By module: the clippy lints allowed on it (its file's `#![allow]`,
    /// its `mod` declaration's `#[allow]`), for it and the modules below.
    module_allows: HashMap<String, Vec<String>>,
    /// By the pair of locks, in the order they are taken.
    lock_orders: HashMap<(String, String), Vec<LockOrder>>,
    /// `None` where two functions that take locks are called the same way.
    lock_functions: HashMap<crate::syntax::Callee, Option<crate::syntax::FunctionLocks>>,
    /// Every file's functions by how they are called, before
    /// [`Facts::close_lock_functions`] makes `lock_functions` of them.
    lock_candidates: HashMap<crate::syntax::Callee, Vec<crate::syntax::FunctionLocks>>,
    lock_function_names: HashSet<String>,
    /// The names of the functions that return a guard of a lock they take.
    guard_function_names: HashSet<String>,
    /// Names under which a module imports or re-exports one of the crate's
    /// own items renamed (`pub use worker::run as run_worker;`).
    renamed: HashSet<String>,
    /// Names under which a module re-exports another crate's item renamed
    /// (`pub use tokio::spawn as go;`).
    renamed_external: HashSet<String>,
    /// Blocking method names (`block_on`, `blocking_lock`, ...) that the
    /// crate defines methods of, none of which blocks the calling worker
    /// (a runtime wrapper running the future inside `block_in_place` or on
    /// another thread, a lock of its own): a call of that name is taken for
    /// theirs.
    safe_own_methods: HashSet<String>,
    /// Task-set fields by name, with their owners and whether they are `pub`.
    set_fields: HashMap<String, Vec<SetField>>,
    released_fields: HashSet<String>,
    /// Calls in unbounded loops by the name called, with their files and
    /// crates.
    loop_calls: HashMap<String, Vec<(String, String, CallSite)>>,
    /// The `block_on` calls (by file and line) inside functions that are not
    /// async but that async code calls, directly or through wrappers: to the
    /// first such call (its callee's name, file and line).
    reached_from_async: HashMap<(String, usize), InnerCall>,
    /// A hash of the summaries merged, in order.
    fingerprint: u64,
    /// By the name of a function some code calls under a deadline: each
    /// file's calls of it, and whether they are under one.
    deadline_calls: HashMap<String, Vec<(String, bool)>>,
    /// What the crate's fields, statics and aliases are declared as: a file
    /// that never writes `DashMap` or `Semaphore` may still hold one.
    declared_kinds: HashSet<KnownType>,
}

/// The words of `text` that may be identifiers (`std::fs::read` is `std`,
/// `fs`, `read`; `x.0` has `0`): how facts are filed by name and how a
/// file's mentions of those names are found.
pub fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
}

/// Re-exports are followed at most this many times (cycles end there).
const MAX_EXPORT_HOPS: usize = 8;

/// At most this many locks are kept per crate function.
const MAX_TAKEN: usize = 256;

/// Aliases are followed at most this many times (`type A = B;`).
const MAX_ALIAS_HOPS: usize = 4;

impl Facts {
    pub fn new<'a>(summaries: impl IntoIterator<Item = &'a FileSummary>) -> Self {
        let mut facts = Facts::default();
        let mut hasher = std::hash::DefaultHasher::new();
        let mut async_calls = Vec::new();
        let mut alias_typed_fields = Vec::new();
        let mut deadline_calls: Vec<(&str, &str, bool)> = Vec::new();
        for summary in summaries {
            summary.hash(&mut hasher);
            facts.add(summary);
            deadline_calls.extend(
                summary
                    .deadline_calls
                    .iter()
                    .map(|(name, covered)| (name.as_str(), summary.path.as_str(), *covered)),
            );
            alias_typed_fields.extend(summary.alias_typed_fields.iter());
            // Test code's calls are not the crate's.
            if !summary.in_test_folder {
                let krate = crate_of(&summary.module);
                async_calls.extend(
                    summary
                        .async_calls
                        .iter()
                        .map(|call| (summary.path.as_str(), krate, call)),
                );
            }
        }
        facts.fingerprint = hasher.finish();
        facts.keep_deadline_calls(deadline_calls);
        facts.declared_kinds = facts
            .fields
            .values()
            .chain(facts.statics.values().flatten())
            .chain(facts.aliases.values().flatten())
            .filter_map(|ty| ty.known)
            .collect();
        facts.close_lock_functions();
        facts.place_functions();
        facts.trust_own_methods();
        facts.close_wrappers();
        facts.resolve_exported_types();
        facts.resolve_aliased_types(&alias_typed_fields);
        facts.place_loop_call_owners();
        facts.shorten_lock_ids();
        let async_calls = async_calls
            .into_iter()
            .filter_map(|(file, krate, call)| Some((file, krate, facts.placed_call(call)?)))
            .collect();
        facts.reach_block_ons(async_calls);
        facts
    }

    /// Adds to each function's locks those of the other files' functions it
    /// calls with its places (`util::touch(&self.entries)`, where `touch`
    /// passes its parameter on to `count`, which locks it), through up to
    /// [`crate::syntax::CALL_DEPTH`] levels of files; then keeps, for each
    /// way of calling, the one function that takes locks (`None` for two).
    fn close_lock_functions(&mut self) {
        use crate::syntax::{Callee, FunctionLocks, TakenLock};
        let mut candidates = std::mem::take(&mut self.lock_candidates);
        /// The one function called so that takes locks.
        fn locking<'a>(
            candidates: &'a HashMap<Callee, Vec<FunctionLocks>>,
            callee: &Callee,
        ) -> Option<&'a FunctionLocks> {
            let mut with_locks = candidates
                .get(callee)?
                .iter()
                .filter(|f| !f.taken.is_empty());
            let one = with_locks.next()?;
            with_locks.next().is_none().then_some(one)
        }
        for _ in 0..crate::syntax::CALL_DEPTH {
            // At most `MAX_TAKEN` new locks per function, each once: a
            // round's work is bounded by the functions, not by the product
            // of their calls and their callees' locks.
            let mut found: Vec<(Callee, usize, Vec<TakenLock>)> = Vec::new();
            for (callee, functions) in &candidates {
                for (position, function) in functions.iter().enumerate() {
                    let mut room = MAX_TAKEN.saturating_sub(function.taken.len());
                    if function.calls_elsewhere.is_empty() || room == 0 {
                        continue;
                    }
                    let known: HashSet<&TakenLock> = function.taken.iter().collect();
                    let mut new: HashSet<TakenLock> = HashSet::default();
                    let mut added = Vec::new();
                    'calls: for call in &function.calls_elsewhere {
                        let Some(target) = locking(&candidates, &call.callee) else {
                            continue;
                        };
                        if target.is_async && !call.awaited {
                            continue;
                        }
                        for taken in &target.taken {
                            if room == 0 {
                                break 'calls;
                            }
                            let Some(reached) = call.reaches(target.has_self, taken) else {
                                continue;
                            };
                            if !known.contains(&reached) && new.insert(reached.clone()) {
                                added.push(reached);
                                room -= 1;
                            }
                        }
                    }
                    if !added.is_empty() {
                        found.push((callee.clone(), position, added));
                    }
                }
            }
            if found.is_empty() {
                break;
            }
            for (callee, position, added) in found {
                if let Some(function) = candidates
                    .get_mut(&callee)
                    .and_then(|f| f.get_mut(position))
                {
                    function.taken.extend(added);
                }
            }
        }
        for (callee, mut functions) in candidates {
            functions.retain(|f| !f.taken.is_empty());
            let name = match &callee {
                Callee::Method { name, .. } | Callee::Free(name) => name.clone(),
            };
            if functions.iter().any(|f| f.guard.is_some()) {
                self.guard_function_names.insert(name.clone());
            }
            let single = match functions.len() {
                0 => continue,
                1 => functions.pop(),
                _ => None,
            };
            self.lock_function_names.insert(name);
            self.lock_functions.insert(callee, single);
        }
    }

    /// Keeps the calls of the names some code calls under a deadline: only
    /// those can be functions that are only ever called under one.
    fn keep_deadline_calls(&mut self, calls: Vec<(&str, &str, bool)>) {
        let timed: HashSet<&str> = calls
            .iter()
            .filter(|(_, _, covered)| *covered)
            .map(|(name, _, _)| *name)
            .collect();
        for (name, file, covered) in calls {
            if timed.contains(name) {
                self.deadline_calls
                    .entry(name.to_owned())
                    .or_default()
                    .push((file.to_owned(), covered));
            }
        }
    }

    /// Whether the calls of `name` made outside the file `file` include
    /// one under a deadline, and one without (`(false, false)` when no code
    /// calls it under one). A file checked alone (`file` empty) has no other
    /// files.
    pub fn deadline_calls_elsewhere(&self, name: &str, file: &str) -> (bool, bool) {
        let Some(calls) = self.deadline_calls.get(name).filter(|_| !file.is_empty()) else {
            return (false, false);
        };
        let mut elsewhere = calls.iter().filter(|(at, _)| at != file);
        let covered = elsewhere.clone().any(|(_, covered)| *covered);
        (covered, elsewhere.any(|(_, covered)| !covered))
    }

    /// `call` with a receiver made by a crate function given the type that
    /// function returns; `None` when the call then counts for nothing.
    fn placed_call(&self, call: &CallSite) -> Option<CallSite> {
        let (placed, or_unknown) = match &call.owner {
            CallOwner::ReturnedBy {
                owner,
                function,
                unwrapped,
                or_unknown,
            } => (
                self.functions(function)
                    .iter()
                    .filter(|f| !f.is_test && f.self_type.as_ref() == Some(owner))
                    .find_map(|f| returned_type(f, *unwrapped)),
                *or_unknown,
            ),
            CallOwner::FieldOf {
                owner,
                field,
                or_unknown,
            } => (
                self.field(owner.as_deref(), field).and_then(|ty| ty.name),
                *or_unknown,
            ),
            CallOwner::Free | CallOwner::Type(_) | CallOwner::Unknown => return Some(call.clone()),
        };
        let owner = match placed {
            Some(ty) => CallOwner::Type(ty),
            None if or_unknown => CallOwner::Unknown,
            None => return None,
        };
        Some(CallSite {
            owner,
            ..call.clone()
        })
    }

    /// Lock orders name a lock by the path from a type a summary knew
    /// (`Outer.inner.a`) when the types of the fields on the way are
    /// declared in other files: once every file is in, `Inner.a`, as the
    /// check of a file with the crate's facts names it.
    fn shorten_lock_ids(&mut self) {
        let orders = std::mem::take(&mut self.lock_orders);
        for ((first, second), found) in orders {
            let first = self.shortened_lock_id(&first);
            let second = self.shortened_lock_id(&second);
            for order in found {
                self.lock_orders
                    .entry((first.clone(), second.clone()))
                    .or_default()
                    .push(LockOrder {
                        first: first.clone(),
                        second: second.clone(),
                        ..order
                    });
            }
        }
    }

    fn shortened_lock_id(&self, id: &str) -> String {
        let parts: Vec<&str> = id.split('.').collect();
        let [ty, through @ .., last] = parts.as_slice() else {
            return id.to_owned();
        };
        // A root typed by an alias (`s: &Shared`, `type Shared = Arc<Server>;`).
        let mut owner = self
            .alias(ty)
            .and_then(|aliased| aliased.name)
            .unwrap_or_else(|| (*ty).to_owned());
        for field in through {
            match self.declared_field(&owner, field).and_then(|t| t.name) {
                Some(next) => owner = next,
                None => return id.to_owned(),
            }
        }
        format!("{owner}.{last}")
    }

    fn place_loop_call_owners(&mut self) {
        let mut loop_calls = std::mem::take(&mut self.loop_calls);
        for calls in loop_calls.values_mut() {
            let placed = calls
                .drain(..)
                .filter_map(|(file, krate, call)| Some((file, krate, self.placed_call(&call)?)))
                .collect();
            *calls = placed;
        }
        self.loop_calls = loop_calls;
    }

    fn add(&mut self, summary: &FileSummary) {
        self.add_module_tree(summary);
        let placed = |ty: &TypeFact| placed_in(ty, &summary.module);
        for (owner, field, ty) in &summary.fields {
            let ty = placed(ty);
            self.fields
                .insert((owner.clone(), field.clone()), ty.clone());
            self.fields_by_name
                .entry(field.clone())
                .or_default()
                .push(ty);
        }
        for (variant, field, ty) in &summary.variant_fields {
            self.fields
                .insert((variant.clone(), field.clone()), placed(ty));
        }
        for (name, ty) in &summary.aliases {
            agree(&mut self.aliases, name, &placed(ty));
        }
        for (name, ty) in &summary.statics {
            agree(&mut self.statics, name, &placed(ty));
        }
        for function in &summary.functions {
            let located = |inner: &Option<InnerCall>| {
                inner.clone().map(|inner| InnerCall {
                    file: summary.path.clone(),
                    ..inner
                })
            };
            let module = join_path(&summary.module, &function.module);
            if !summary.module.is_empty() {
                self.defined.insert(join_path(&module, &function.name));
            }
            self.functions
                .entry(function.name.clone())
                .or_default()
                .push(FunctionFacts {
                    file: summary.path.clone(),
                    module,
                    cancel_unsafe: located(&function.cancel_unsafe),
                    blocks_on: located(&function.blocks_on),
                    blocks: located(&function.blocks),
                    waits: located(&function.waits),
                    ..function.clone()
                });
        }
        for function in &summary.lock_functions {
            let mut located = crate::syntax::FunctionLocks {
                file: summary.path.clone(),
                ..function.clone()
            };
            for taken in located.taken.iter_mut().chain(located.guard.iter_mut()) {
                taken.file = summary.path.clone();
            }
            self.lock_candidates
                .entry(function.callee.clone())
                .or_default()
                .push(located);
        }
        for order in &summary.lock_orders {
            self.lock_orders
                .entry((order.first.clone(), order.second.clone()))
                .or_default()
                .push(LockOrder {
                    file: summary.path.clone(),
                    ..order.clone()
                });
        }
        for field in &summary.set_fields {
            self.set_fields
                .entry(field.name.clone())
                .or_default()
                .push(field.clone());
        }
        self.released_fields
            .extend(summary.released_fields.iter().cloned());
        if !summary.in_test_folder {
            for call in &summary.loop_calls {
                self.loop_calls.entry(call.name.clone()).or_default().push((
                    summary.path.clone(),
                    crate_of(&summary.module).to_owned(),
                    call.clone(),
                ));
            }
        }
        self.spawned_functions
            .extend(summary.spawned_functions.iter().cloned());
        self.spawned_methods
            .extend(summary.spawned_methods.iter().cloned());
    }

    /// What the file's modules declare and import, under their full paths.
    fn add_module_tree(&mut self, summary: &FileSummary) {
        let module = &summary.module;
        if module.is_empty() {
            return;
        }
        let krate = module.split("::").next().unwrap_or(module);
        self.crates.insert(krate.to_owned());
        let within = |inner: &[String]| {
            inner
                .iter()
                .fold(module.clone(), |path, name| join_path(&path, name))
        };
        if !summary.clippy_allows.is_empty() {
            self.module_allows
                .entry(module.clone())
                .or_default()
                .extend(summary.clippy_allows.iter().cloned());
        }
        for decl in &summary.mods {
            let path = join_path(&within(&decl.within), &decl.name);
            if !decl.clippy_allows.is_empty() {
                self.module_allows
                    .entry(path.clone())
                    .or_default()
                    .extend(decl.clippy_allows.iter().cloned());
            }
            self.defined.insert(path);
        }
        for item in &summary.uses {
            let at = within(&item.within);
            let target = absolute(&item.entry.path, &at, krate);
            match &item.entry.local {
                Some(local) => {
                    self.exports.insert(join_path(&at, local), target);
                }
                None => self.globs.entry(at).or_default().push(target),
            }
        }
    }

    /// Paths written relative to a module (`use net::tls::Config;` in
    /// the crate root, meaning `my_crate::net::tls::Config`) are told from
    /// external ones only once every file is in: they are rewritten then.
    fn absolutize_local_paths(&mut self) {
        let mut local = String::new();
        let local_roots: Vec<(String, String)> = self
            .exports
            .iter()
            .filter(|(_, target)| !self.is_own(target))
            .filter_map(|(key, target)| {
                let module = key.rsplit_once("::")?.0;
                let first = target.split("::").next()?;
                local.clear();
                local.push_str(module);
                local.push_str("::");
                local.push_str(first);
                // Not the import itself: `use tokio::{self, ..};` names
                // the external crate, whose name it also binds here.
                let is_local = self.defined.contains(&local)
                    || (self.exports.contains_key(&local) && local != **key);
                is_local.then(|| (key.clone(), join_path(module, target)))
            })
            .collect();
        self.exports.extend(local_roots);
        // The same for globs: `pub use util::*;` in the crate root.
        let mut globs = std::mem::take(&mut self.globs);
        for (module, targets) in globs.iter_mut() {
            for target in targets.iter_mut() {
                if self.is_own(target) {
                    continue;
                }
                if let Some(full) = self.module_relative(module, target) {
                    *target = full;
                }
            }
        }
        self.globs = globs;
    }

    /// Whether some crate function of this name takes a lock: a cheap test
    /// before a call is resolved.
    pub fn locks_named(&self, name: &str) -> bool {
        self.lock_function_names.contains(name)
    }

    /// Whether `text` mentions a crate function that returns a lock's
    /// guard: calling it takes the lock.
    pub fn mentions_guard_function(&self, text: &str) -> bool {
        self.guard_function_names
            .iter()
            .any(|name| text.contains(name.as_str()))
    }

    /// What the one crate function called as `callee` locks.
    pub fn lock_function(
        &self,
        callee: &crate::syntax::Callee,
    ) -> Option<&crate::syntax::FunctionLocks> {
        self.lock_functions.get(callee)?.as_ref()
    }

    /// The places in the crate that take `second` while `first` is held.
    pub fn lock_orders(&self, first: &str, second: &str) -> &[LockOrder] {
        self.lock_orders
            .get(&(first.to_owned(), second.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a full path is inside one of the crates whose tree is known.
    pub fn is_own(&self, path: &str) -> bool {
        let first = path.split("::").next().unwrap_or(path);
        self.crates.contains(first)
    }

    /// Where a full path leads through the crates' imports and re-exports
    /// (and glob re-exports): `my_crate::sync::Mutex` to
    /// `parking_lot::Mutex`, `my_crate::run` to `my_crate::worker::run`.
    /// A path that leaves the crates, or ends at an item of theirs, is
    /// returned as it then reads.
    pub fn resolve_path(&self, path: &str) -> String {
        let mut current = path.to_owned();
        'hops: for _ in 0..MAX_EXPORT_HOPS {
            if !self.is_own(&current) || self.defined.contains(&current) {
                break;
            }
            let segments: Vec<&str> = current.split("::").collect();
            for cut in (2..=segments.len()).rev() {
                let head = segments[..cut].join("::");
                if let Some(target) = self.exports.get(&head) {
                    if *target == head {
                        break 'hops;
                    }
                    current = segments[cut..]
                        .iter()
                        .fold(target.clone(), |path, s| join_path(&path, s));
                    continue 'hops;
                }
            }
            // The innermost module with a glob that brings in the name
            // after it (`my::net::Client::new` through `pub use
            // reqwest::*;` in `my::net`). A glob of another crate's module
            // cannot be checked: trusted.
            let through_glob = (1..segments.len()).rev().find_map(|cut| {
                let globs = self.globs.get(&segments[..cut].join("::"))?;
                let rest = &segments[cut + 1..];
                globs
                    .iter()
                    .map(|glob| join_path(glob, segments[cut]))
                    .find(|found| {
                        !self.is_own(found)
                            || self.defined.contains(found)
                            || self.exports.contains_key(found)
                    })
                    .map(|found| rest.iter().fold(found, |path, s| join_path(&path, s)))
            });
            match through_glob {
                Some(found) => current = found,
                None => break,
            }
        }
        current
    }

    /// The free function a full path names (after re-exports), when the
    /// crate's module tree places exactly one there.
    pub fn function_at(&self, path: &str) -> Option<&FunctionFacts> {
        let path = self.resolve_path(path);
        let (module, name) = path.rsplit_once("::")?;
        self.free_function_in(name, module)
    }

    /// What the crate's aliases stand for where the file that uses one does
    /// not declare it: a function returning one (`fn conf() -> Conf` with
    /// `type Conf = Arc<RwLock<..>>` in any file) returns that, and a field
    /// typed by an alias of a task set is a task set.
    fn resolve_aliased_types(&mut self, alias_typed_fields: &[&(SetField, String)]) {
        if self.aliases.is_empty() {
            return;
        }
        let known: HashMap<String, KnownType> = self
            .aliases
            .keys()
            .filter_map(|name| Some((name.clone(), self.alias(name)?.known?)))
            .collect();
        for function in self.functions.values_mut().flatten() {
            if function.returns_known.is_none() {
                function.returns_known = function
                    .returns
                    .as_ref()
                    .and_then(|r| known.get(r).copied());
            }
        }
        for (field, alias) in alias_typed_fields {
            if matches!(
                known.get(alias),
                Some(KnownType::JoinSet | KnownType::JoinMap)
            ) {
                let fields = self.set_fields.entry(field.name.clone()).or_default();
                if !fields.contains(field) {
                    fields.push(field.clone());
                }
            }
        }
    }

    /// Types written through a crate path (`state: crate::sync::Mutex<..>`,
    /// `use crate::sync::Mutex;`) are known once the re-exports are.
    fn resolve_exported_types(&mut self) {
        self.absolutize_local_paths();
        fn last_segment(path: &str) -> &str {
            path.rsplit("::").next().unwrap_or(path)
        }
        self.renamed = self
            .exports
            .iter()
            .filter(|(key, target)| {
                last_segment(key) != last_segment(target) && self.is_own(target)
            })
            .map(|(key, _)| last_segment(key).to_owned())
            .collect();
        self.renamed_external = self
            .exports
            .iter()
            .filter(|(key, target)| {
                last_segment(key) != last_segment(target) && !self.is_own(target)
            })
            .map(|(key, _)| last_segment(key).to_owned())
            .collect();
        if self.exports.is_empty() && self.globs.is_empty() {
            return;
        }
        let known_through_exports = |fact: &TypeFact| -> Option<KnownType> {
            if fact.known.is_some() {
                return None;
            }
            fact.paths
                .iter()
                .filter(|path| self.is_own(path))
                .find_map(|path| crate::syntax::known_type_named(&self.resolve_path(path)))
        };
        let fields: Vec<_> = self
            .fields
            .iter()
            .filter_map(|(key, fact)| Some((key.clone(), known_through_exports(fact)?)))
            .collect();
        let by_name: Vec<_> = self
            .fields_by_name
            .iter()
            .flat_map(|(name, facts)| {
                facts.iter().enumerate().filter_map(|(position, fact)| {
                    Some((name.clone(), position, known_through_exports(fact)?))
                })
            })
            .collect();
        let named = |map: &HashMap<String, Option<TypeFact>>| -> Vec<(String, KnownType)> {
            map.iter()
                .filter_map(|(name, fact)| {
                    Some((name.clone(), known_through_exports(fact.as_ref()?)?))
                })
                .collect()
        };
        let aliases = named(&self.aliases);
        let statics = named(&self.statics);
        for (key, known) in fields {
            if let Some(fact) = self.fields.get_mut(&key) {
                fact.known = Some(known);
            }
        }
        for (name, position, known) in by_name {
            if let Some(fact) = self
                .fields_by_name
                .get_mut(&name)
                .and_then(|facts| facts.get_mut(position))
            {
                fact.known = Some(known);
            }
        }
        for (map, found) in [(&mut self.aliases, aliases), (&mut self.statics, statics)] {
            for (name, known) in found {
                if let Some(Some(fact)) = map.get_mut(&name) {
                    fact.known = Some(known);
                }
            }
        }
    }

    fn place_functions(&mut self) {
        for (name, functions) in &self.functions {
            for (position, function) in functions.iter().enumerate() {
                if function.is_test {
                    continue;
                }
                self.function_positions
                    .entry((name.clone(), function.self_type.clone()))
                    .and_modify(|found| *found = None)
                    .or_insert(Some(position));
            }
        }
    }

    /// Gives each function the effects of the crate functions it calls (a
    /// sync function) or awaits (an `async fn`), level by level: a wrapper
    /// of a wrapper of a `block_on` blocks on it too. Cycles end with the
    /// depth.
    fn close_wrappers(&mut self) {
        type Effect = fn(&FunctionFacts) -> &Option<InnerCall>;
        type SetEffect = fn(&mut FunctionFacts, InnerCall);
        type Calls = fn(&FunctionFacts) -> &[(String, Option<String>)];
        // Sync functions take the blocking effects of the sync functions
        // they call; `async fn`s the waits, and the cancel-unsafe reads and
        // writes, of the `async fn`s they await.
        let effects: [(Effect, SetEffect, bool, Calls); 4] = [
            (
                |f| &f.blocks_on,
                |f, inner| f.blocks_on = Some(inner),
                false,
                |f| &f.calls,
            ),
            (
                |f| &f.blocks,
                |f, inner| f.blocks = Some(inner),
                false,
                |f| &f.calls,
            ),
            (
                |f| &f.waits,
                |f, inner| f.waits = Some(inner),
                true,
                |f| &f.awaited,
            ),
            (
                |f| &f.cancel_unsafe,
                |f, inner| f.cancel_unsafe = Some(inner),
                true,
                |f| &f.awaited,
            ),
        ];
        for (effect, set, is_async, calls) in effects {
            for _ in 0..WRAPPER_DEPTH {
                let mut found = Vec::new();
                for (name, functions) in &self.functions {
                    for (position, function) in functions.iter().enumerate() {
                        if function.is_async != is_async || effect(function).is_some() {
                            continue;
                        }
                        let inner = calls(function).iter().find_map(|(callee, self_type)| {
                            let callee = self.function(callee, self_type.as_deref())?;
                            // A free function called by its bare name is the
                            // caller's crate's (or imported, which the
                            // summary does not follow).
                            let reachable = self_type.is_some()
                                || crate_of(&callee.module) == crate_of(&function.module);
                            effect(callee)
                                .clone()
                                .filter(|_| callee.is_async == is_async && reachable)
                        });
                        if let Some(inner) = inner {
                            found.push((name.clone(), position, inner));
                        }
                    }
                }
                if found.is_empty() {
                    break;
                }
                for (name, position, inner) in found {
                    if let Some(function) = self
                        .functions
                        .get_mut(&name)
                        .and_then(|f| f.get_mut(position))
                    {
                        set(function, inner);
                    }
                }
            }
        }
    }

    /// Decides [`Facts::safe_own_methods`], and then forgets the calls of
    /// them that the functions of the crate make.
    fn trust_own_methods(&mut self) {
        for &name in crate::syntax::BLOCKING_METHODS {
            let mut own = self
                .functions(name)
                .iter()
                .filter(|f| !f.is_test && f.self_type.is_some())
                .peekable();
            if own.peek().is_some() && own.all(|f| f.blocks_on.is_none()) {
                self.safe_own_methods.insert(name.to_owned());
            }
        }
        if self.safe_own_methods.is_empty() {
            return;
        }
        let trusted: HashSet<String> = self
            .safe_own_methods
            .iter()
            .map(|name| crate::syntax::method_call_named(name))
            .collect();
        for function in self.functions.values_mut().flatten() {
            if function
                .blocks_on
                .as_ref()
                .is_some_and(|inner| trusted.contains(&inner.what))
            {
                function.blocks_on = None;
            }
        }
    }

    /// The task-set fields of the crate named `name`.
    pub fn set_fields(&self, name: &str) -> &[SetField] {
        self.set_fields.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether some code of the crate reaps a field named `name` or hands
    /// it on.
    pub fn is_released(&self, name: &str) -> bool {
        self.released_fields.contains(name)
    }

    /// A call, inside a loop of the crate, of the method `name` of the type
    /// `owner` taking `parameters` (`self` counted): by its type, or by its
    /// name alone on a receiver of unknown type in the same crate. The
    /// first by file and line.
    pub fn called_in_loop(
        &self,
        name: &str,
        owner: &str,
        parameters: usize,
        krate: &str,
    ) -> Option<(&str, usize)> {
        self.loop_calls
            .get(name)?
            .iter()
            .filter(|(_, calling_crate, call)| {
                call.arguments == parameters
                    && match &call.owner {
                        CallOwner::Type(written) => written == owner,
                        CallOwner::Unknown => krate.is_empty() || calling_crate == krate,
                        CallOwner::Free
                        | CallOwner::ReturnedBy { .. }
                        | CallOwner::FieldOf { .. } => false,
                    }
            })
            .map(|(file, _, call)| (file.as_str(), call.line))
            .min()
    }

    /// Whether a call of the blocking method `name` (`block_on`,
    /// `blocking_lock`) is taken for the crate's own, which does not block
    /// the worker.
    pub fn own_method_is_safe(&self, name: &str) -> bool {
        self.safe_own_methods.contains(name)
    }

    /// Marks the `block_on`s that async code reaches through the crate's
    /// functions that are not async. A call on a receiver of unknown type
    /// counts only when every method of that name in the crate blocks on
    /// a future (and none is async).
    fn reach_block_ons(&mut self, mut calls: Vec<(&str, &str, CallSite)>) {
        calls.sort_by(|a, b| (a.0, a.2.line).cmp(&(b.0, b.2.line)));
        for (file, krate, call) in calls {
            // Only a written type reaches into another member of the
            // workspace; a bare name stays in its own crate.
            let same_crate = |f: &FunctionFacts| krate.is_empty() || crate_of(&f.module) == krate;
            let candidates = self.functions(&call.name).iter().filter(|f| {
                !f.is_test
                    && f.parameters == call.arguments
                    && match &call.owner {
                        CallOwner::Free => f.self_type.is_none() && same_crate(f),
                        CallOwner::Type(owner) => f.self_type.as_ref() == Some(owner),
                        CallOwner::Unknown => f.self_type.is_some() && same_crate(f),
                        CallOwner::ReturnedBy { .. } | CallOwner::FieldOf { .. } => false,
                    }
            });
            // On a receiver of unknown type, the call may be any of them:
            // it blocks only if each does (`resp.get_leader()` on a message
            // type is not the client's blocking `get_leader`).
            let every_one = call.owner == CallOwner::Unknown;
            let mut inner = None;
            for function in candidates {
                match &function.blocks_on {
                    _ if function.is_async => {
                        inner = None;
                        break;
                    }
                    None if every_one => {
                        inner = None;
                        break;
                    }
                    blocks_on => inner = inner.or(blocks_on.as_ref()),
                }
            }
            let Some(inner) = inner.cloned() else {
                continue;
            };
            self.reached_from_async
                .entry((inner.file.clone(), inner.line))
                .or_insert_with(|| InnerCall {
                    what: call.name.clone(),
                    file: file.to_owned(),
                    line: call.line,
                });
        }
    }

    /// The names whose facts differ between `self` and `other` (the same
    /// crate at another time), each fact counted under every name a rule
    /// asks for it by (a field under its own name and its owner's, a lock
    /// order under the segments of both locks' ids, a re-export under the
    /// segments of its paths); `None` when facts no name stands for differ
    /// (the workspace's members, whether it has a `DashMap`). The facts are
    /// the merged ones, with wrappers closed over their callees: a function
    /// that blocks only through a callee that changed is among the names.
    /// `block_on`s reached from other files are compared by file
    /// ([`Facts::reached_fingerprints`]).
    pub fn names_changed(&self, other: &Facts) -> Option<std::collections::HashSet<String>> {
        if self.crates != other.crates || self.declared_kinds != other.declared_kinds {
            return None;
        }
        let (mine, theirs) = (self.by_name(), other.by_name());
        let mut changed: std::collections::HashSet<String> = mine
            .iter()
            .filter(|(name, hash)| theirs.get(*name) != Some(hash))
            .chain(theirs.iter().filter(|(name, _)| !mine.contains_key(*name)))
            .map(|(name, _)| name.clone())
            .collect();
        // Types are resolved through aliases when asked for: a field, static
        // or alias whose written type names a changed alias changed with it.
        loop {
            let names_one = |ty: &TypeFact| {
                ty.name.as_ref().is_some_and(|n| changed.contains(n))
                    || ty
                        .paths
                        .iter()
                        .any(|p| p.rsplit("::").next().is_some_and(|n| changed.contains(n)))
            };
            let typed = self
                .fields
                .iter()
                .map(|((_, field), ty)| (field, Some(ty)))
                .chain(self.aliases.iter().map(|(name, ty)| (name, ty.as_ref())))
                .chain(self.statics.iter().map(|(name, ty)| (name, ty.as_ref())));
            let added: Vec<String> = typed
                .filter(|(name, ty)| !changed.contains(*name) && ty.is_some_and(names_one))
                .map(|(name, _)| name.clone())
                .collect();
            if added.is_empty() {
                return Some(changed);
            }
            changed.extend(added);
        }
    }

    /// For each name, an order-independent hash of the facts filed under it.
    fn by_name(&self) -> HashMap<String, u64> {
        let mut names: HashMap<String, u64> = HashMap::default();
        let mut file = |keys: &[&str], kind: u8, fact: &dyn Fn(&mut std::hash::DefaultHasher)| {
            let mut hasher = std::hash::DefaultHasher::new();
            kind.hash(&mut hasher);
            fact(&mut hasher);
            let hash = hasher.finish();
            for name in keys.iter().flat_map(|key| identifiers(key)) {
                let slot = names.entry(name.to_owned()).or_default();
                *slot = slot.wrapping_add(hash);
            }
        };
        for ((owner, field), ty) in &self.fields {
            file(&[owner, field], 0, &|h| (owner, field, ty).hash(h));
        }
        for (field, types) in &self.fields_by_name {
            file(&[field], 1, &|h| types.hash(h));
        }
        for (name, ty) in &self.aliases {
            file(&[name], 2, &|h| ty.hash(h));
        }
        for (name, ty) in &self.statics {
            file(&[name], 3, &|h| ty.hash(h));
        }
        for (name, functions) in &self.functions {
            file(&[name], 4, &|h| functions.hash(h));
        }
        for ((name, owner), position) in &self.function_positions {
            file(&[name], 5, &|h| (owner, position).hash(h));
        }
        for name in &self.spawned_functions {
            file(&[name], 6, &|_| {});
        }
        for name in &self.spawned_methods {
            file(&[name], 7, &|_| {});
        }
        for (path, target) in &self.exports {
            file(&[path, target], 8, &|h| (path, target).hash(h));
        }
        for (module, paths) in &self.globs {
            let keys: Vec<&str> = std::iter::once(module.as_str())
                .chain(paths.iter().map(String::as_str))
                .collect();
            file(&keys, 9, &|h| (module, paths).hash(h));
        }
        for path in &self.defined {
            // Asked for by the item's name; its modules are the module
            // tree's, which a `mod` change moves (then nothing is kept).
            let name = path.rsplit("::").next().unwrap_or(path);
            file(&[name], 10, &|h| path.hash(h));
        }
        for ((first, second), orders) in &self.lock_orders {
            file(&[first, second], 11, &|h| (first, second, orders).hash(h));
        }
        for (name, calls) in &self.deadline_calls {
            file(&[name], 21, &|h| calls.hash(h));
        }
        for (callee, locks) in &self.lock_functions {
            let (ty, name) = match callee {
                crate::syntax::Callee::Method { ty, name } => (ty.as_str(), name.as_str()),
                crate::syntax::Callee::Free(name) => ("", name.as_str()),
            };
            file(&[ty, name], 12, &|h| (callee, locks).hash(h));
        }
        for (kind, set) in [
            (13, &self.lock_function_names),
            (14, &self.guard_function_names),
            (15, &self.renamed),
            (16, &self.safe_own_methods),
            (17, &self.released_fields),
            (20, &self.renamed_external),
        ] {
            for name in set {
                file(&[name], kind, &|_| {});
            }
        }
        for (name, fields) in &self.set_fields {
            file(&[name], 18, &|h| fields.hash(h));
        }
        for (name, calls) in &self.loop_calls {
            file(&[name], 19, &|h| calls.hash(h));
        }
        names
    }

    /// For each file with a `block_on` that async code reaches through the
    /// crate's functions, a hash of those (they are flagged where they are,
    /// whatever file the async caller is in).
    pub fn reached_fingerprints(&self) -> std::collections::HashMap<String, u64> {
        let mut by_file: HashMap<&str, Vec<(usize, &InnerCall)>> = HashMap::default();
        for ((file, line), inner) in &self.reached_from_async {
            by_file.entry(file).or_default().push((*line, inner));
        }
        by_file
            .into_iter()
            .map(|(file, mut reached)| {
                reached.sort_by_key(|(line, _)| *line);
                let mut hasher = std::hash::DefaultHasher::new();
                reached.hash(&mut hasher);
                (file.to_owned(), hasher.finish())
            })
            .collect()
    }

    /// The first call from async code that reaches the `block_on` at this
    /// file and line through the crate's functions that are not async.
    pub fn block_on_reached_from(&self, file: &str, line: usize) -> Option<&InnerCall> {
        self.reached_from_async.get(&(file.to_owned(), line))
    }

    /// The known type of `owner.field` (`owner` a struct name), else of
    /// every field of that name in the crate when they all agree.
    pub fn field(&self, owner: Option<&str>, field: &str) -> Option<TypeFact> {
        if let Some(owner) = owner {
            if let Some(found) = self.fields.get(&(owner.to_owned(), field.to_owned())) {
                return Some(self.resolve(found));
            }
        }
        let mut all = self
            .fields_by_name
            .get(field)?
            .iter()
            .map(|t| self.resolve(t));
        let first = all.next()?;
        all.all(|other| other == first).then_some(first)
    }

    /// The declared type of the field `field` of the struct or enum variant
    /// `owner`, and nothing else.
    pub fn declared_field(&self, owner: &str, field: &str) -> Option<TypeFact> {
        let found = self.fields.get(&(owner.to_owned(), field.to_owned()))?;
        Some(self.resolve(found))
    }

    /// Whether the crate declares a field, static or alias of this kind
    /// anywhere (a `DashMap`, a `Semaphore`).
    pub fn declares(&self, kind: KnownType) -> bool {
        self.declared_kinds.contains(&kind)
    }

    /// The type a `static` or `const` of the crate was declared with.
    pub fn static_type(&self, name: &str) -> Option<TypeFact> {
        self.statics
            .get(name)?
            .as_ref()
            .map(|found| self.resolve(found))
    }

    /// What a type name means after the crate's aliases.
    pub fn alias(&self, name: &str) -> Option<TypeFact> {
        self.aliases
            .get(name)?
            .as_ref()
            .map(|found| self.resolve(found))
    }

    fn resolve(&self, fact: &TypeFact) -> TypeFact {
        let mut fact = fact.clone();
        for _ in 0..MAX_ALIAS_HOPS {
            if fact.known.is_some() {
                break;
            }
            let Some(Some(target)) = fact.name.as_ref().and_then(|n| self.aliases.get(n)) else {
                break;
            };
            fact = target.clone();
        }
        fact
    }

    /// The full path of `path` written in the module `module` when its
    /// first segment is an item or import of that module (`use
    /// storage::save;` in the crate root, where `mod storage;` is): since
    /// Rust 2018 such paths start from the module they are written in.
    pub fn module_relative(&self, module: &str, path: &str) -> Option<String> {
        let first = path.split("::").next().unwrap_or(path);
        let local = join_path(module, first);
        (self.defined.contains(&local) || self.exports.contains_key(&local))
            .then(|| join_path(module, path))
    }

    /// Every path `name` in the crate's module `module` may stand for
    /// through its imports, re-exports and glob imports: each glob of
    /// another crate's module is a candidate, as none of them can be
    /// checked.
    pub fn resolve_in_module(&self, module: &str, name: &str) -> Vec<String> {
        let module = self.resolve_path(module);
        let mut found = vec![self.resolve_path(&join_path(&module, name))];
        if let Some(globs) = self.globs.get(&module) {
            for glob in globs.iter().filter(|glob| !self.is_own(glob)) {
                let path = join_path(glob, name);
                if !found.contains(&path) {
                    found.push(path);
                }
            }
        }
        found
    }

    /// Whether the clippy lint `lint` is allowed on the module `module` or
    /// on a module above it (a crate root's `#![allow(clippy::x)]`, an
    /// `#[allow(clippy::x)] mod x;`).
    pub fn allows_clippy_lint(&self, module: &str, lint: &str) -> bool {
        if self.module_allows.is_empty() {
            return false;
        }
        let mut at = module;
        loop {
            if self
                .module_allows
                .get(at)
                .is_some_and(|lints| lints.iter().any(|l| l == lint))
            {
                return true;
            }
            match at.rsplit_once("::") {
                Some((parent, _)) => at = parent,
                None => return false,
            }
        }
    }

    /// Whether a module of the crate re-exports another crate's item
    /// under the name `name` (`pub use tokio::spawn as go;`).
    pub fn renames_external(&self, name: &str) -> bool {
        self.renamed_external.contains(name)
    }

    /// Whether some crate function of this name has the effect `effect`, or
    /// the name may be a renamed import of one: a cheap test before a call
    /// is resolved.
    pub fn any_named(&self, name: &str, effect: impl Fn(&FunctionFacts) -> bool) -> bool {
        self.functions(name).iter().any(effect) || self.renamed.contains(name)
    }

    /// The crate's functions of this name.
    pub fn functions(&self, name: &str) -> &[FunctionFacts] {
        self.functions.get(name).map_or(&[], Vec::as_slice)
    }

    /// The one crate function a call can be: a free function of this name
    /// (`self_type` `None`), or a method of the type `self_type`. `None` when
    /// the crate has none, or several.
    pub fn function(&self, name: &str, self_type: Option<&str>) -> Option<&FunctionFacts> {
        let key = (name.to_owned(), self_type.map(str::to_owned));
        let position = (*self.function_positions.get(&key)?)?;
        self.functions(name).get(position)
    }

    /// The one free function `name` of the module `module` (its full path,
    /// as [`FunctionFacts::module`] has it after merging): how a call is
    /// placed when the crate has several functions of that name.
    pub fn free_function_in(&self, name: &str, module: &str) -> Option<&FunctionFacts> {
        let mut found = self
            .functions(name)
            .iter()
            .filter(|f| f.self_type.is_none() && !f.is_test && f.module == module);
        let only = found.next()?;
        found.next().is_none().then_some(only)
    }

    /// Whether some file of the crate runs the function `name` as a task
    /// (`tokio::spawn(worker::run(rx))`); methods apart from free functions.
    pub fn is_spawned(&self, name: &str, is_method: bool) -> bool {
        if is_method {
            self.spawned_methods.contains(name)
        } else {
            self.spawned_functions.contains(name)
        }
    }
}

/// A type as its file wrote it, with the paths it may stand for made full
/// from the file's module: through `crate::`/`self::`/`super::`, and
/// relative to the module (`sync::Mutex` with `mod sync;`).
fn placed_in(ty: &TypeFact, module: &str) -> TypeFact {
    if module.is_empty() || ty.known.is_some() {
        return ty.clone();
    }
    let krate = module.split("::").next().unwrap_or(module);
    let mut paths = Vec::with_capacity(ty.paths.len());
    for path in &ty.paths {
        let full = absolute(path, module, krate);
        if full == *path {
            paths.push(join_path(module, path));
        }
        paths.push(full);
    }
    TypeFact {
        paths,
        ..ty.clone()
    }
}

/// The crate of a full module path (`my_crate` of `my_crate::net`); empty
/// when the module tree is not known.
fn crate_of(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

fn join_path(prefix: &str, name: &str) -> String {
    match (prefix.is_empty(), name.is_empty()) {
        (true, _) => name.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{name}"),
    }
}

/// The full path of `path` as written in the module `at` of the crate
/// `krate`: `crate::`, `self::` and `super::` resolved; other paths are
/// left as written (external, or made absolute later).
pub(crate) fn absolute(path: &str, at: &str, krate: &str) -> String {
    let mut segments = path.split("::").peekable();
    let mut base = match segments.peek() {
        Some(&"crate") => {
            segments.next();
            krate.to_owned()
        }
        Some(&"self") => {
            segments.next();
            at.to_owned()
        }
        Some(&"super") => at.to_owned(),
        _ => return path.to_owned(),
    };
    while segments.peek() == Some(&"super") {
        segments.next();
        match base.rsplit_once("::") {
            Some((parent, _)) => base = parent.to_owned(),
            // Above the crate root: nothing there.
            None => base = krate.to_owned(),
        }
    }
    segments.fold(base, |path, s| join_path(&path, s))
}

fn agree(map: &mut HashMap<String, Option<TypeFact>>, name: &str, ty: &TypeFact) {
    map.entry(name.to_owned())
        .and_modify(|known| {
            if known.as_ref() != Some(ty) {
                *known = None;
            }
        })
        .or_insert_with(|| Some(ty.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Summaries of `(module, text)` pairs, as one crate.
    fn facts(files: &[(&str, &str)]) -> Facts {
        let summaries: Vec<FileSummary> = files
            .iter()
            .map(|(module, text)| FileSummary {
                path: format!("{module}.rs"),
                module: (*module).to_owned(),
                ..summarize_text(text).unwrap()
            })
            .collect();
        Facts::new(summaries.iter())
    }

    #[test]
    fn re_exports_resolve_through_renames_globs_and_parents() {
        let facts = facts(&[
            (
                "app",
                "pub mod sync;\npub mod prelude;\npub use sync::FastLock as Lock;\n",
            ),
            ("app::sync", "pub use parking_lot::Mutex as FastLock;\n"),
            (
                "app::prelude",
                "pub use tokio::sync::*;\npub use super::Lock;\n",
            ),
        ]);
        assert_eq!(
            facts.resolve_path("app::sync::FastLock"),
            "parking_lot::Mutex"
        );
        assert_eq!(facts.resolve_path("app::Lock"), "parking_lot::Mutex");
        assert_eq!(
            facts.resolve_path("app::prelude::Lock"),
            "parking_lot::Mutex"
        );
        assert_eq!(
            facts.resolve_path("app::prelude::RwLock"),
            "tokio::sync::RwLock"
        );
    }

    #[test]
    fn cycles_of_re_exports_end() {
        let facts = facts(&[
            ("app", "pub mod a;\npub mod b;\n"),
            ("app::a", "pub use crate::b::Thing;\npub use crate::b::*;\n"),
            ("app::b", "pub use crate::a::Thing;\npub use crate::a::*;\n"),
        ]);
        // Whatever it ends at, it ends, and stays in the crate.
        assert!(facts.is_own(&facts.resolve_path("app::a::Thing")));
        assert!(facts.is_own(&facts.resolve_path("app::b::Other")));
    }
}
