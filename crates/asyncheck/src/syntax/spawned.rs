//! What runs as a spawned task: the async blocks handed to a spawn, and the
//! `async fn`s of the file that are called as (or awaited directly by) them.
//!
//! Only the future the spawn runs counts, seen through `Box::pin(..)` and
//! decorators such as `.instrument(span)`: an async block passed to another
//! call first (`spawn(cancelable(drain, async { .. }))`, `timeout(..)`) or
//! raced in a `select!` may get its cancellation path from that wrapper.

use std::collections::HashSet;

use ra_ap_syntax::{
    ast::{self, HasArgList, HasGenericParams, HasName},
    AstNode, SyntaxKind, SyntaxNode, TextRange,
};

use super::{
    callee_path, find_binding, future_inside, impl_type_around, inline_modules_around,
    is_type_name, method_name, same_body_nodes, segments, spawn_call, unparen, written_type_of,
    Binding, Imports,
};

/// Every task spawned in a file: computed once per file through
/// `Context::file_fact`.
#[derive(Debug, Default)]
pub struct SpawnedTasks {
    /// Text ranges of the async blocks a (non-blocking) spawn runs.
    blocks: Vec<TextRange>,
    /// Free functions called as a spawned future, by name and the inline
    /// module of the call (`a::b`, empty at the file's top).
    functions: HashSet<(String, String)>,
    /// Methods and associated functions called as one, by name and the type
    /// the call names (`self.run()` in an `impl Server`, `Server::run(..)`,
    /// a receiver of written type), `None` when it names none.
    methods: HashSet<(String, Option<String>)>,

    /// Names of functions of other modules called as one
    /// (`spawn(worker::run(rx))`): the crate index finds their bodies.
    module_functions: HashSet<String>,
}

impl SpawnedTasks {
    /// The tasks spawned in a file. Every spawn call names `spawn` (a spawn
    /// method, a spawn function, or an alias imported for one), so only the
    /// calls around those words in `text` are looked at, not the whole tree.
    pub fn of_file(root: &SyntaxNode, text: &str, imports: &Imports) -> SpawnedTasks {
        let mut tasks = SpawnedTasks::default();
        // Every spawn API has `spawn` in its name: a file without the word
        // runs no task, and need not be searched for spawns.
        if !text.contains("spawn") {
            return tasks;
        }
        let mut names = imports.local_names_for(|target| {
            target
                .rsplit("::")
                .next()
                .is_some_and(|last| last.contains("spawn"))
        });
        names.push("spawn".to_owned());
        let mut seen = HashSet::new();
        for name in &names {
            for (at, _) in text.match_indices(name.as_str()) {
                let Some(call) = call_around(root, at) else {
                    continue;
                };
                if seen.insert(call.text_range()) {
                    tasks.consider(&call, imports);
                }
            }
        }
        tasks
    }

    fn consider(&mut self, node: &SyntaxNode, imports: &Imports) {
        let future = match spawn_call(node, imports) {
            Some(spawn) => spawn.task.filter(|_| !spawn.blocking),
            None => generic_spawn_task(node),
        };
        if let Some(future) = future {
            self.record(future, imports);
        }
    }

    /// The names of the free functions and of the methods called as a
    /// spawned future.
    pub(crate) fn called_names(&self) -> (Vec<String>, Vec<String>) {
        let mut functions: Vec<String> = self
            .functions
            .iter()
            .map(|(name, _)| name)
            .chain(&self.module_functions)
            .cloned()
            .collect();
        let mut methods: Vec<String> = self.methods.iter().map(|(name, _)| name.clone()).collect();
        functions.sort();
        functions.dedup();
        methods.sort();
        methods.dedup();
        (functions, methods)
    }

    /// Whether `block` is an async block that a spawn runs as its task.
    pub fn runs_block(&self, block: &SyntaxNode) -> bool {
        block.kind() == SyntaxKind::BLOCK_EXPR && self.blocks.contains(&block.text_range())
    }

    /// Whether `function` (an `async fn` of this file) is called as a
    /// spawned future: `spawn(worker(rx))`, `spawn(self.run())`,
    /// `spawn(Self::run(..))`, or awaited directly in a spawned async block
    /// (`spawn(async move { worker(rx).await })`). Matched by name, free
    /// functions apart from methods.
    pub fn runs_as_task(&self, function: &ast::Fn, imports: &Imports) -> bool {
        if function.async_token().is_none() {
            return false;
        }
        let Some(name) = function.name() else {
            return false;
        };
        let name = name.text().to_string();
        let is_method = function
            .syntax()
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST);
        let here = if is_method {
            // `self.run()` in `impl Client` is not `Server::run`.
            let owner = impl_type_around(function.syntax());
            self.methods.contains(&(name.clone(), owner))
                || self.methods.contains(&(name.clone(), None))
        } else {
            // A bare `worker()` calls the `worker` of its own module, or the
            // file's only async `worker` (imported from another module).
            let module = inline_modules_around(function.syntax()).join("::");
            self.functions.contains(&(name.clone(), module))
                || (self.functions.iter().any(|(called, _)| *called == name)
                    && only_async_function_named(function.syntax(), &name))
        };
        here || spawned_elsewhere(&name, is_method, imports)
    }

    fn record(&mut self, future: ast::Expr, imports: &Imports) {
        let future = bound_future(future_inside(future, imports), imports);
        let ast::Expr::BlockExpr(block) = &future else {
            self.record_callee(&future);
            return;
        };
        if block.async_token().is_none() {
            return;
        }
        self.blocks.push(block.syntax().text_range());
        for node in same_body_nodes(block.syntax()) {
            if let Some(awaited) = ast::AwaitExpr::cast(node).and_then(|a| a.expr()) {
                self.record_callee(&unparen(awaited));
            }
        }
    }

    fn record_callee(&mut self, call: &ast::Expr) {
        match call {
            ast::Expr::CallExpr(call) => {
                let Some(path) = callee_path(call) else {
                    return;
                };
                let names = segments(&path);
                match names.as_slice() {
                    [name] => {
                        let module = inline_modules_around(call.syntax()).join("::");
                        self.functions.insert((name.clone(), module));
                    }
                    // `Worker::run(..)`, also by a module path
                    // (`crate::jobs::Worker::run(..)`).
                    [.., owner, name] if is_type_name(owner) => {
                        let owner = match owner.as_str() {
                            "Self" => impl_type_around(call.syntax()),
                            _ => Some(owner.clone()),
                        };
                        self.methods.insert((name.clone(), owner));
                    }
                    [.., module, name] if !is_type_name(module) => {
                        self.module_functions.insert(name.clone());
                    }
                    _ => {}
                }
            }
            ast::Expr::MethodCallExpr(call) => {
                if let Some(name) = method_name(call) {
                    let owner =
                        call.receiver()
                            .and_then(|receiver| match unparen(receiver.clone()) {
                                ast::Expr::PathExpr(path) if path.syntax().text() == "self" => {
                                    impl_type_around(call.syntax())
                                }
                                // A unit struct's value: `Worker.run()`.
                                ast::Expr::PathExpr(path)
                                    if is_type_name(&path.syntax().text().to_string()) =>
                                {
                                    Some(path.syntax().text().to_string())
                                }
                                _ => written_type_of(&receiver),
                            });
                    self.methods.insert((name.to_string(), owner));
                }
            }
            _ => {}
        }
    }
}

/// What a local handed to a spawn was bound to (`let fut = async { .. };
/// tokio::spawn(fut)`), or `future` itself.
fn bound_future(future: ast::Expr, imports: &Imports) -> ast::Expr {
    let ast::Expr::PathExpr(path) = &future else {
        return future;
    };
    let initializer = path
        .path()
        .and_then(|p| p.as_single_name_ref())
        .and_then(|name| find_binding(path.syntax(), name.text()))
        .and_then(|binding| match binding {
            Binding::Let(statement) if statement.ty().is_none() => statement.initializer(),
            _ => None,
        });
    match initializer {
        Some(initializer) => future_inside(initializer, imports),
        None => future,
    }
}

/// The future handed to a runtime abstraction's `spawn` through a generic
/// type parameter (`C::AsyncRuntime::spawn(fut)`, `R::spawn(fut)` with `R`
/// a parameter of the enclosing impl or fn): whatever runtime fills it in,
/// the argument runs as a task. A method or a concrete type's `spawn` is not
/// known by its name alone (a local `Executor::spawn` may do anything).
fn generic_spawn_task(node: &SyntaxNode) -> Option<ast::Expr> {
    let call = ast::CallExpr::cast(node.clone())?;
    let path = callee_path(&call)?;
    let names = segments(&path);
    let [first, .., last] = names.as_slice() else {
        return None;
    };
    if last != "spawn" || !is_generic_param(node, first) {
        return None;
    }
    let mut args = call.arg_list()?.args();
    let task = args.next()?;
    args.next().is_none().then_some(task)
}

/// Whether `name` is a type parameter of an item enclosing `at`.
fn is_generic_param(at: &SyntaxNode, name: &str) -> bool {
    at.ancestors()
        .filter_map(|item| {
            ast::Fn::cast(item.clone())
                .and_then(|f| f.generic_param_list())
                .or_else(|| ast::Impl::cast(item).and_then(|i| i.generic_param_list()))
        })
        .flat_map(|list| list.type_or_const_params())
        .any(|param| match param {
            ast::TypeOrConstParam::Type(param) => param.name().is_some_and(|n| n.text() == name),
            ast::TypeOrConstParam::Const(_) => false,
        })
}

/// Whether another file of the crate spawns the async fn `name`
/// (`tokio::spawn(worker::run(rx))` in main.rs, `run` in worker.rs): by
/// name, trusted only when the crate has one async fn of that name and kind.
fn spawned_elsewhere(name: &str, is_method: bool, imports: &Imports) -> bool {
    let index = imports.crate_index();
    if !index.is_spawned(name, is_method) {
        return false;
    }
    let candidates = index
        .functions(name)
        .iter()
        .filter(|f| f.is_async && f.self_type.is_some() == is_method)
        .count();
    candidates == 1
}

/// The call whose callee or method name is the word at `offset`: the name
/// is an identifier in a path (`tokio::spawn(..)`) or a method name
/// (`set.spawn(..)`).
fn call_around(root: &SyntaxNode, offset: usize) -> Option<SyntaxNode> {
    let offset = ra_ap_syntax::TextSize::try_from(offset).ok()?;
    let token = root
        .token_at_offset(offset)
        .find(|t| t.kind() == SyntaxKind::IDENT)?;
    token.parent_ancestors().take(6).find(|n| {
        matches!(
            n.kind(),
            SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR
        )
    })
}

/// Whether the file of `function` defines no other async free function
/// named `name`: then a bare call of that name anywhere reaches it.
fn only_async_function_named(function: &SyntaxNode, name: &str) -> bool {
    let Some(root) = function.ancestors().last() else {
        return false;
    };
    free_async_fns_named(&root, name).count() == 1
}

/// The free `async fn`s (not methods) of the tree `root` named `name`.
pub fn free_async_fns_named<'a>(
    root: &SyntaxNode,
    name: &'a str,
) -> impl Iterator<Item = ast::Fn> + 'a {
    root.descendants()
        .filter_map(ast::Fn::cast)
        .filter(|f| f.async_token().is_some())
        .filter(|f| {
            f.syntax()
                .parent()
                .is_none_or(|p| p.kind() != SyntaxKind::ASSOC_ITEM_LIST)
        })
        .filter(move |f| f.name().is_some_and(|n| n.text() == name))
}
