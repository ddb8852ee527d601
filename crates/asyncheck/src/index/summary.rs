//! A file's summary for the crate index, from its parsed tree.

use ra_ap_syntax::{
    ast::{self, HasArgList, HasName, HasVisibility},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    CallOwner, CallSite, FileSummary, FunctionFacts, InnerCall, LockOrder, ModDecl, ModuleUse,
    SetField, TypeFact,
};
use crate::line_index::LineIndex;
use crate::rule::FileCache;
use crate::rules::blocking_in_async::blocking_call_named;
use crate::suppression::clippy_lints_allowed;
use crate::syntax::{
    awaits_implicitly, blocks_on_future, body_kind, callee_path, cancel_unsafe_call,
    deadline_around, element_type, held_type_path, holds_set_inside, impl_type_around,
    inline_modules_around, is_constant_for, is_loop, is_self, is_test_code, is_type_name,
    made_by_call, method_name, named_type, outside_wait, parameter_count, receiver_binding,
    same_body_nodes, set_use, takes_permit_first, type_known, type_name, unparen, use_entries,
    written_type, Access, FileLocks, Imports, KnownType, SetUse, SpawnedTasks, WaitFacts,
};

/// The summary of a parsed file.
pub fn summarize(root: &SyntaxNode, text: &str, imports: &Imports) -> FileSummary {
    let mut summary = FileSummary::default();
    let lines = LineIndex::new(text);
    let file = FileParts {
        root,
        text,
        imports,
        cache: FileCache::default(),
        waits: std::cell::OnceCell::new(),
        mentions_acquire: text.contains("acquire"),
    };
    // `#![allow(clippy::x)]`: for the modules below too.
    if let Some(file) = ast::SourceFile::cast(root.clone()) {
        use ast::HasAttrs;
        summary.clippy_allows = file
            .attrs()
            .flat_map(|attr| clippy_lints_allowed(&attr))
            .collect();
    }
    // Fields whose written type may be an alias of the file's for a task set.
    let mut aliased_fields = Vec::new();
    // Only a file that names a deadline or a `select!` can put one on a call.
    let may_put_deadlines = ["timeout", "Timeout", "deadline", "Deadline", "select!"]
        .iter()
        .any(|word| text.contains(word));
    for node in root.descendants() {
        if body_kind(&node).is_some_and(|kind| kind.is_async()) && !is_test_code(&node) {
            async_calls(&node, imports, &lines, may_put_deadlines, &mut summary);
        }
        if is_loop(&node) && !is_test_code(&node) {
            loop_calls(&node, imports, &lines, &mut summary.loop_calls);
        }
        if let Some(name) = released_field(&node) {
            summary.released_fields.push(name);
        }
        match node.kind() {
            SyntaxKind::STRUCT => struct_fields(&node, imports, &mut summary, &mut aliased_fields),
            SyntaxKind::VARIANT => {
                if let Some(variant) = ast::Variant::cast(node) {
                    let owner = variant.name().map(|n| n.text().to_string());
                    if let Some(owner) = owner {
                        let fields = declared_fields(owner, variant.field_list(), imports);
                        summary.variant_fields.extend(fields);
                    }
                }
            }
            SyntaxKind::TYPE_ALIAS => {
                let Some(alias) = ast::TypeAlias::cast(node) else {
                    continue;
                };
                if let (Some(name), Some(ty)) = (alias.name(), alias.ty()) {
                    summary
                        .aliases
                        .push((name.text().to_string(), type_fact(&ty, imports)));
                }
            }
            SyntaxKind::STATIC | SyntaxKind::CONST => {
                let (name, ty) = match ast::Item::cast(node) {
                    Some(ast::Item::Static(item)) => (item.name(), item.ty()),
                    Some(ast::Item::Const(item)) => (item.name(), item.ty()),
                    _ => continue,
                };
                if let (Some(name), Some(ty)) = (name, ty) {
                    summary
                        .statics
                        .push((name.text().to_string(), type_fact(&ty, imports)));
                }
            }
            SyntaxKind::MODULE => {
                let Some(module) = ast::Module::cast(node) else {
                    continue;
                };
                if module.item_list().is_some() {
                    continue;
                }
                if let Some(name) = module.name() {
                    summary.mods.push(ModDecl {
                        within: inline_modules_around(module.syntax()),
                        name: name.text().to_string(),
                        path: path_attribute(&module),
                        for_tests: is_test_code(module.syntax()),
                        clippy_allows: ast::HasAttrs::attrs(&module)
                            .flat_map(|attr| clippy_lints_allowed(&attr))
                            .collect(),
                    });
                }
            }
            SyntaxKind::USE => {
                // Module-level only: a `use` in a function body reaches no
                // other file.
                let at_module_level = node.parent().is_some_and(|p| {
                    matches!(p.kind(), SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST)
                });
                let Some(item) = ast::Use::cast(node).filter(|_| at_module_level) else {
                    continue;
                };
                let within = inline_modules_around(item.syntax());
                summary
                    .uses
                    .extend(use_entries(&item).into_iter().map(|entry| ModuleUse {
                        within: within.clone(),
                        entry,
                    }));
            }
            SyntaxKind::FN => {
                if let Some(function) =
                    ast::Fn::cast(node).and_then(|f| function_facts(&f, &file, &lines))
                {
                    summary.functions.push(function);
                }
            }
            _ => {}
        }
    }
    let locks = FileLocks::for_index(root, text, imports);
    summary.lock_functions =
        locks.function_locks(&|range| lines.line_of(usize::from(range.start())) + 1);
    summary.lock_orders = locks
        .edges()
        .into_iter()
        .map(|edge| LockOrder {
            first_read: edge.first.1 == Access::Read,
            first: edge.first.0,
            second_read: edge.second.1 == Access::Read,
            second: edge.second.0,
            file: String::new(),
            line: lines.line_of(usize::from(edge.site.start())) + 1,
        })
        .collect();
    // The first call of each function is all the crate needs.
    for calls in [&mut summary.async_calls, &mut summary.loop_calls] {
        calls.sort_by(|a, b| {
            (&a.name, &a.owner, a.arguments, a.line).cmp(&(&b.name, &b.owner, b.arguments, b.line))
        });
        calls.dedup_by(|later, first| {
            (&later.name, &later.owner, later.arguments)
                == (&first.name, &first.owner, first.arguments)
        });
    }
    for (field, alias) in aliased_fields {
        let declared_here = summary.aliases.iter().find(|(name, _)| *name == alias);
        match declared_here {
            Some((_, ty)) if matches!(ty.known, Some(KnownType::JoinSet | KnownType::JoinMap)) => {
                summary.set_fields.push(field)
            }
            Some(_) => {}
            None => summary.alias_typed_fields.push((field, alias)),
        }
    }
    summary.released_fields.sort();
    summary.released_fields.dedup();
    summary.deadline_calls.sort();
    summary.deadline_calls.dedup();
    let tasks = SpawnedTasks::of_file(root, text, imports);
    (summary.spawned_functions, summary.spawned_methods) = tasks.called_names();
    summary
}

/// The name of a written type's type argument at `position` (`Conn` of
/// `io::Result<Conn>` at 0, `SendError` of `Result<(), SendError<T>>` at 1).
fn type_argument(ty: &ast::Type, position: usize) -> Option<String> {
    use ast::HasGenericArgs;
    let ast::Type::PathType(path) = ty else {
        return None;
    };
    let segment = path.path()?.segment()?;
    match segment.generic_arg_list()?.generic_args().nth(position)? {
        ast::GenericArg::TypeArg(arg) => named_type(&arg.ty()?),
        _ => None,
    }
}

/// The file a `#[path = "x.rs"] mod x;` names.
fn path_attribute(module: &ast::Module) -> Option<String> {
    use ast::HasAttrs;
    module.attrs().find_map(|attr| {
        let ast::Meta::KeyValueMeta(meta) = attr.meta()? else {
            return None;
        };
        if meta.path()?.as_single_name_ref()?.text() != "path" {
            return None;
        }
        let ast::Expr::Literal(literal) = meta.expr()? else {
            return None;
        };
        match literal.kind() {
            ast::LiteralKind::String(text) => Some(text.value().ok()?.to_string()),
            _ => None,
        }
    })
}

/// The fields of a struct with their declared types, and those that hold a
/// task set; a field whose type is a plain name is put in `aliased` with
/// that name, for the file's type aliases to say.
fn struct_fields(
    node: &SyntaxNode,
    imports: &Imports,
    summary: &mut FileSummary,
    aliased: &mut Vec<(SetField, String)>,
) {
    let Some(item) = ast::Struct::cast(node.clone()) else {
        return;
    };
    let Some(owner) = item.name().map(|n| n.text().to_string()) else {
        return;
    };
    if let Some(ast::FieldList::RecordFieldList(list)) = item.field_list() {
        for field in list.fields() {
            let (Some(ty), Some(name)) = (field.ty(), field.name()) else {
                continue;
            };
            let set_field = SetField {
                owner: owner.clone(),
                name: name.text().to_string(),
                public: is_pub(item.visibility()) && is_pub(field.visibility()),
            };
            match type_known(&ty, imports) {
                Some(KnownType::JoinSet | KnownType::JoinMap) => summary.set_fields.push(set_field),
                _ if holds_set_inside(&ty, imports) => summary.set_fields.push(set_field),
                Some(_) => {}
                None => aliased.extend(type_name(&ty).map(|alias| (set_field, alias))),
            }
        }
    }
    let fields = declared_fields(owner, item.field_list(), imports);
    summary.fields.extend(fields);
}

/// The field a node reaps or hands on, by name: `self.tasks.join_next()`,
/// `&mut self.tasks` passed to a call, or a pattern that takes it out of
/// its struct (`let Self { tasks, .. } = self;`).
fn released_field(node: &SyntaxNode) -> Option<String> {
    match node.kind() {
        SyntaxKind::FIELD_EXPR if matches!(set_use(node), SetUse::Reap | SetUse::Escape) => Some(
            ast::FieldExpr::cast(node.clone())?
                .name_ref()?
                .text()
                .to_string(),
        ),
        SyntaxKind::RECORD_PAT_FIELD => {
            let field = ast::RecordPatField::cast(node.clone())?;
            match field.name_ref() {
                Some(name) => Some(name.text().to_string()),
                None => match field.pat()? {
                    ast::Pat::IdentPat(ident) => Some(ident.name()?.text().to_string()),
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

/// Visible outside the crate, as far as the item says (`pub`, not
/// `pub(crate)`).
fn is_pub(visibility: Option<ast::Visibility>) -> bool {
    visibility.is_some_and(|v| v.syntax().text() == "pub")
}

/// The fields of a struct or an enum variant, with their declared types;
/// a tuple's by position.
fn declared_fields(
    owner: String,
    fields: Option<ast::FieldList>,
    imports: &Imports,
) -> Vec<(String, String, TypeFact)> {
    let mut found = Vec::new();
    match fields {
        Some(ast::FieldList::RecordFieldList(list)) => {
            for field in list.fields() {
                if let (Some(name), Some(ty)) = (field.name(), field.ty()) {
                    found.push((
                        owner.clone(),
                        name.text().to_string(),
                        type_fact(&ty, imports),
                    ));
                }
            }
        }
        Some(ast::FieldList::TupleFieldList(list)) => {
            for (position, field) in list.fields().enumerate() {
                if let Some(ty) = field.ty() {
                    found.push((owner.clone(), position.to_string(), type_fact(&ty, imports)));
                }
            }
        }
        None => {}
    }
    found
}

/// What a written type says, with the imports of the file that wrote it.
pub fn type_fact(ty: &ast::Type, imports: &Imports) -> TypeFact {
    TypeFact {
        known: type_known(ty, imports),
        name: type_name(ty).map(|name| imports.original_name(&name).to_owned()),
        paths: held_type_path(ty)
            .map(|path| imports.candidates(&path))
            .unwrap_or_default(),
        element: element_type(ty)
            .as_ref()
            .and_then(named_type)
            .map(|name| imports.original_name(&name).to_owned()),
    }
}

fn function_facts(
    function: &ast::Fn,
    file: &FileParts<'_>,
    lines: &LineIndex<'_>,
) -> Option<FunctionFacts> {
    let name = function.name()?.text().to_string();
    // A type imported under another name (`use crate::store::Store as Db;`)
    // is the crate's by its own.
    let own_name = |ty: String| file.imports.original_name(&ty).to_owned();
    let self_type = function
        .syntax()
        .ancestors()
        .skip(1)
        .take(3)
        .find_map(ast::Impl::cast)
        .and_then(|item| item.self_ty())
        .and_then(|ty| type_name(&ty))
        .map(own_name);
    let returned = function.ret_type().and_then(|r| r.ty());
    let effects = function
        .body()
        .map(|body| {
            Effects::of(
                body.syntax(),
                function.async_token().is_some(),
                self_type.as_ref(),
                file,
                lines,
            )
        })
        .unwrap_or_default();
    Some(FunctionFacts {
        name,
        module: inline_modules_around(function.syntax()).join("::"),
        file: String::new(),
        is_async: function.async_token().is_some(),
        returns: returned.as_ref().and_then(named_type).map(own_name),
        returns_ok: returned
            .as_ref()
            .and_then(|ty| type_argument(ty, 0))
            .map(own_name),
        returns_err: returned.as_ref().and_then(|ty| type_argument(ty, 1)),
        returns_known: returned
            .as_ref()
            .and_then(|ty| type_known(ty, file.imports)),
        returns_paths: returned
            .as_ref()
            .and_then(held_type_path)
            .map(|path| file.imports.candidates(&path))
            .unwrap_or_default(),
        takes_permit_first: function.async_token().is_some()
            && file.mentions_acquire
            && function
                .body()
                .is_some_and(|body| takes_permit_first(body.syntax())),
        is_test: is_test_code(function.syntax()),
        parameters: parameter_count(function),
        cancel_unsafe: effects.cancel_unsafe,
        blocks_on: effects.blocks_on,
        blocks: effects.blocks,
        calls: effects.calls,
        waits: effects.waits,
        awaited: effects.awaited,
        self_type,
    })
}

/// What a function's own body does (not its closures: one handed to
/// `spawn_blocking` runs elsewhere), found in one walk of the body.
#[derive(Default)]
struct Effects {
    cancel_unsafe: Option<InnerCall>,
    blocks_on: Option<InnerCall>,
    blocks: Option<InnerCall>,
    calls: Vec<(String, Option<String>)>,
    waits: Option<InnerCall>,
    awaited: Vec<(String, Option<String>)>,
}

impl Effects {
    fn of(
        body: &SyntaxNode,
        is_async: bool,
        self_type: Option<&String>,
        file: &FileParts<'_>,
        lines: &LineIndex<'_>,
    ) -> Effects {
        let mut effects = Effects::default();
        let at = |node: &SyntaxNode, what: String| InnerCall {
            what,
            file: String::new(),
            line: lines.line_of(usize::from(node.text_range().start())) + 1,
        };
        for node in same_body_nodes(body) {
            if is_async {
                // An async fn's effects: the first cancel-unsafe I/O it
                // awaits, the first wait outside the task, and the crate
                // functions it awaits.
                let Some(awaited) = ast::AwaitExpr::cast(node).and_then(|a| a.expr()) else {
                    continue;
                };
                let awaited = unparen(awaited);
                if effects.cancel_unsafe.is_none() {
                    effects.cancel_unsafe = cancel_unsafe_call(&awaited, file.imports)
                        .map(|what| at(awaited.syntax(), what));
                }
                if effects.waits.is_none() {
                    let what = outside_wait(&awaited, file.imports, file.wait_facts());
                    effects.waits = what.map(|what| at(awaited.syntax(), what));
                }
                effects
                    .awaited
                    .extend(called(awaited.syntax(), self_type, file.imports));
                continue;
            }
            if !matches!(
                node.kind(),
                SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR
            ) {
                continue;
            }
            if effects.blocks_on.is_none() {
                effects.blocks_on = blocks_on_future(&node, file.imports).map(|w| at(&node, w));
            }
            if effects.blocks.is_none() {
                effects.blocks =
                    blocking_call_named(&node, file.root, file.text, file.imports, &file.cache)
                        .map(|w| at(&node, w));
            }
            effects.calls.extend(called(&node, self_type, file.imports));
        }
        for calls in [&mut effects.calls, &mut effects.awaited] {
            calls.sort();
            calls.dedup();
        }
        effects
    }
}

/// The calls of an async body (its own level: a closure inside runs
/// elsewhere, an async block inside is a body of its own), in one walk:
/// those not awaited where they are made (`async_calls`), and the functions
/// it calls by path or on `self` (`connect(..)`, `net::connect(..)`,
/// `self.connect()`), by name, each with whether the call is made under a
/// deadline (`timeout(d, connect(..))`, a `select!` raced against a timer;
/// `deadline_calls`): what tells whether a function is only ever called
/// under one.
fn async_calls(
    body: &SyntaxNode,
    imports: &Imports,
    lines: &LineIndex<'_>,
    may_put_deadlines: bool,
    summary: &mut FileSummary,
) {
    let caller = Caller::of(body, imports);
    for node in same_body_nodes(body) {
        if !is_awaited(&node, imports) {
            summary.async_calls.extend(caller.call_site(&node, lines));
        }
        let name = match ast::Expr::cast(node.clone()) {
            Some(ast::Expr::CallExpr(call)) => callee_path(&call)
                .and_then(|path| path.segment()?.name_ref())
                .map(|name| name.text().to_string()),
            Some(ast::Expr::MethodCallExpr(call))
                if call.receiver().is_some_and(|r| is_self(&r)) =>
            {
                method_name(&call).map(|name| name.to_string())
            }
            _ => None,
        };
        if let Some(name) = name {
            let covered = may_put_deadlines && deadline_around(&node, imports);
            summary.deadline_calls.push((name, covered));
        }
    }
}

/// The method calls inside a loop that runs an unknown number of times
/// (its own level and the loops nested in it; a closure or async block
/// inside runs elsewhere).
fn loop_calls(
    found_loop: &SyntaxNode,
    imports: &Imports,
    lines: &LineIndex<'_>,
    found: &mut Vec<CallSite>,
) {
    if is_constant_for(found_loop) {
        return;
    }
    let caller = Caller::of(found_loop, imports);
    for node in same_body_nodes(found_loop) {
        // Only methods are asked about (which method spawns on a set).
        let call = caller.call_site(&node, lines);
        found.extend(call.filter(|call| call.owner != CallOwner::Free));
    }
}

/// What the code around calls says about the functions they call.
struct Caller<'i> {
    /// The file's imports: a type imported under another name
    /// (`use crate::pool::Pool as Workers;`) is the crate's by its own.
    imports: &'i Imports,
    /// The type of the `impl` around: what `self.f()` and `Self::f()` call.
    self_type: Option<String>,
    /// The function around, by name: a method that wraps another type's
    /// method of its own name (a sync facade: `fn update(&self) {
    /// rt.block_on(self.inner.update()) }`) calls that one, not itself.
    facade: Option<String>,
    /// Code inside an async block of a sync function: that mostly bridges to
    /// another crate's async API (handed to `block_on`), whose method names
    /// a facade repeats. There, and in a facade, a call on a receiver of
    /// unknown type is taken for the other crate's.
    bridged: bool,
}

impl<'i> Caller<'i> {
    fn of(node: &SyntaxNode, imports: &'i Imports) -> Caller<'i> {
        let function = node.ancestors().find_map(ast::Fn::cast);
        let in_async_body = node
            .ancestors()
            .take_while(|n| n.kind() != SyntaxKind::FN)
            .any(|n| body_kind(&n).is_some_and(|kind| kind.is_async()));
        Caller {
            imports,
            self_type: impl_type_around(node),
            facade: function
                .as_ref()
                .and_then(|f| f.name())
                .map(|n| n.text().to_string()),
            bridged: in_async_body && function.is_some_and(|f| f.async_token().is_none()),
        }
    }

    /// The call `node` is, as the crate can match it to its functions.
    fn call_site(&self, node: &SyntaxNode, lines: &LineIndex<'_>) -> Option<CallSite> {
        if !matches!(
            node.kind(),
            SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR
        ) {
            return None;
        }
        let (name, owner) = match called(node, self.self_type.as_ref(), self.imports) {
            Some((name, owner)) => (name, owner.map_or(CallOwner::Free, CallOwner::Type)),
            None => {
                let call = ast::MethodCallExpr::cast(node.clone())?;
                let name = method_name(&call)?.to_string();
                let binding = call.receiver().as_ref().and_then(receiver_binding);
                let unknown_is_ours = !self.bridged
                    && !STD_METHODS.contains(&name.as_str())
                    && self.facade.as_deref() != Some(name.as_str());
                if let Some(ast::Expr::FieldExpr(place)) = call.receiver().map(unparen) {
                    let field = place.name_ref()?.text().to_string();
                    let owner = CallOwner::FieldOf {
                        owner: place.expr().filter(is_self).and(self.self_type.clone()),
                        field,
                        or_unknown: unknown_is_ours,
                    };
                    return call_site(node, name, owner, lines);
                }
                match binding.as_ref().and_then(made_by_call) {
                    Some((owner, function, unwrapped)) => {
                        let owner = CallOwner::ReturnedBy {
                            owner,
                            function,
                            unwrapped,
                            or_unknown: unknown_is_ours,
                        };
                        (name, owner)
                    }
                    None if unknown_is_ours => (name, CallOwner::Unknown),
                    None => return None,
                }
            }
        };
        call_site(node, name, owner, lines)
    }
}

/// The call `node` as a call of `name` on `owner`.
fn call_site(
    node: &SyntaxNode,
    name: String,
    owner: CallOwner,
    lines: &LineIndex<'_>,
) -> Option<CallSite> {
    let arguments = match ast::Expr::cast(node.clone())? {
        ast::Expr::CallExpr(call) => call.arg_list(),
        ast::Expr::MethodCallExpr(call) => call.arg_list(),
        _ => None,
    };
    Some(CallSite {
        name,
        owner,
        // `T::f(x)` passes the receiver as an argument.
        arguments: arguments.map_or(0, |list| list.args().count())
            + usize::from(node.kind() == SyntaxKind::METHOD_CALL_EXPR),
        line: lines.line_of(usize::from(node.text_range().start())) + 1,
    })
}

/// Method names of the standard library's and the async ecosystem's common
/// types and traits (iterators, streams, collections, channels, I/O): a call
/// of one on a receiver of unknown type is far more likely theirs than a
/// crate method's of the same name.
const STD_METHODS: &[&str] = &[
    "next",
    "next_back",
    "poll",
    "poll_next",
    "get",
    "get_mut",
    "insert",
    "remove",
    "push",
    "pop",
    "len",
    "is_empty",
    "iter",
    "iter_mut",
    "into_iter",
    "clone",
    "drop",
    "take",
    "map",
    "collect",
    "send",
    "recv",
    "try_send",
    "try_recv",
    "call",
    "flush",
    "write",
    "read",
    "lock",
    "wait",
    "join",
    "contains",
    "contains_key",
    "extend",
    "entry",
    "load",
    "store",
    "from",
    "into",
    "as_ref",
    "as_mut",
    "fmt",
    "finish",
    "build",
    "run",
    "close",
    "shutdown",
    "first",
    "last",
    "keys",
    "values",
    "clear",
    "split",
    "parse",
    "to_string",
    "to_owned",
];

/// Whether a call's value is awaited where it is made: `.await`ed, or a
/// future of a `select!`/`join!` (which await their futures).
fn is_awaited(call: &SyntaxNode, imports: &Imports) -> bool {
    let Some(parent) = call.parent() else {
        return false;
    };
    if parent.kind() == SyntaxKind::AWAIT_EXPR {
        return true;
    }
    call.ancestors()
        .skip(1)
        .take_while(|node| {
            ast::Expr::cast(node.clone()).is_none() || node.kind() == SyntaxKind::MACRO_EXPR
        })
        .find_map(ast::MacroCall::cast)
        .is_some_and(|macro_call| awaits_implicitly(&macro_call, imports))
}

/// The crate function a call may reach: a free function by name, a method
/// where its type is written (`self.f()` in the `impl`, `T::f()`, `x.f()`
/// with `x: &T` or `let x: T`), by the type's own name when it is imported
/// under another.
fn called(
    node: &SyntaxNode,
    self_type: Option<&String>,
    imports: &Imports,
) -> Option<(String, Option<String>)> {
    match ast::Expr::cast(node.clone())? {
        ast::Expr::MethodCallExpr(call) => {
            let receiver = call.receiver()?;
            let owner = if is_self(&receiver) {
                self_type?.clone()
            } else {
                // `log.append(..)` with `log: &Log`: the written type's.
                let written = receiver_binding(&receiver).and_then(|b| written_type(&b))?;
                imports.original_name(&written).to_owned()
            };
            Some((method_name(&call)?.to_string(), Some(owner)))
        }
        ast::Expr::CallExpr(call) => {
            let path = callee_path(&call)?;
            let name = path.segment()?.name_ref()?.text().to_string();
            let owner = match path.qualifier().and_then(|q| q.segment()) {
                Some(segment) if segment.self_type_token().is_some() => Some(self_type?.clone()),
                Some(segment) => {
                    let owner = segment.name_ref()?.text().to_string();
                    is_type_name(&owner).then(|| imports.original_name(&owner).to_owned())
                }
                None => None,
            };
            Some((name, owner))
        }
        _ => None,
    }
}

/// What the recognizers of a file need besides the node.
struct FileParts<'a> {
    root: &'a SyntaxNode,
    text: &'a str,
    imports: &'a Imports,
    cache: FileCache,
    waits: std::cell::OnceCell<WaitFacts>,
    /// The file mentions `acquire`: only then can a function take a permit.
    mentions_acquire: bool,
}

impl FileParts<'_> {
    /// What the file tells about the receivers of waits, found on first ask.
    fn wait_facts(&self) -> &WaitFacts {
        self.waits
            .get_or_init(|| WaitFacts::new(self.root, self.text))
    }
}
