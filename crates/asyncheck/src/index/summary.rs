//! A file's summary for the crate index, from its parsed tree.

use ra_ap_syntax::{
    ast::{self, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{FileSummary, FunctionFacts, InnerCall, TypeFact};
use crate::line_index::LineIndex;
use crate::rule::FileCache;
use crate::rules::blocking_in_async::blocking_call_named;
use crate::syntax::{
    blocks_on_future, callee_path, cancel_unsafe_call, held_type_path, is_test_code, method_name,
    same_body_nodes, type_known, type_name, unparen, Imports, SpawnedTasks,
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
    };
    for node in root.descendants() {
        match node.kind() {
            SyntaxKind::STRUCT => struct_fields(&node, imports, &mut summary),
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
    let tasks = SpawnedTasks::of_file(root, text, imports);
    (summary.spawned_functions, summary.spawned_methods) = tasks.called_names();
    summary
}

fn struct_fields(node: &SyntaxNode, imports: &Imports, summary: &mut FileSummary) {
    let Some(item) = ast::Struct::cast(node.clone()) else {
        return;
    };
    let Some(owner) = item.name().map(|n| n.text().to_string()) else {
        return;
    };
    match item.field_list() {
        Some(ast::FieldList::RecordFieldList(list)) => {
            for field in list.fields() {
                if let (Some(name), Some(ty)) = (field.name(), field.ty()) {
                    summary.fields.push((
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
                    summary.fields.push((
                        owner.clone(),
                        position.to_string(),
                        type_fact(&ty, imports),
                    ));
                }
            }
        }
        None => {}
    }
}

/// What a written type says, with the imports of the file that wrote it.
pub fn type_fact(ty: &ast::Type, imports: &Imports) -> TypeFact {
    TypeFact {
        known: type_known(ty, imports),
        name: type_name(ty),
        paths: held_type_path(ty)
            .map(|path| imports.candidates(&path))
            .unwrap_or_default(),
    }
}

fn function_facts(
    function: &ast::Fn,
    file: &FileParts<'_>,
    lines: &LineIndex<'_>,
) -> Option<FunctionFacts> {
    let imports = file.imports;
    let name = function.name()?.text().to_string();
    let self_type = function
        .syntax()
        .ancestors()
        .skip(1)
        .take(3)
        .find_map(ast::Impl::cast)
        .and_then(|item| item.self_ty())
        .and_then(|ty| type_name(&ty));
    Some(FunctionFacts {
        name,
        file: String::new(),
        is_async: function.async_token().is_some(),
        returns: function
            .ret_type()
            .and_then(|r| r.ty())
            .and_then(|ty| type_name(&ty)),
        is_test: is_test_code(function.syntax()),
        cancel_unsafe: function
            .async_token()
            .and_then(|_| awaited_cancel_unsafe(function, lines)),
        blocks_on: match function.async_token() {
            Some(_) => None,
            None => own_body_blocks_on(function, imports, lines),
        },
        blocks: match function.async_token() {
            Some(_) => None,
            None => own_body_blocks(function, file, lines),
        },
        calls: called_names(function, self_type.as_ref()),
        self_type,
    })
}

/// The first call of a function's own body (not its closures: one handed
/// to `spawn_blocking` runs elsewhere) that blocks on a future.
fn own_body_blocks_on(
    function: &ast::Fn,
    imports: &Imports,
    lines: &LineIndex<'_>,
) -> Option<InnerCall> {
    let body = function.body()?;
    same_body_nodes(body.syntax()).find_map(|node| {
        let what = blocks_on_future(&node, imports)?;
        Some(InnerCall {
            what,
            file: String::new(),
            line: lines.line_of(usize::from(node.text_range().start())) + 1,
        })
    })
}

/// The first blocking call of a function's own body (not its closures: one
/// handed to `spawn_blocking` runs elsewhere), as `blocking-in-async` sees
/// blocking calls.
fn own_body_blocks(
    function: &ast::Fn,
    file: &FileParts<'_>,
    lines: &LineIndex<'_>,
) -> Option<InnerCall> {
    let body = function.body()?;
    same_body_nodes(body.syntax()).find_map(|node| {
        if !matches!(
            node.kind(),
            SyntaxKind::CALL_EXPR | SyntaxKind::METHOD_CALL_EXPR
        ) {
            return None;
        }
        let what = blocking_call_named(&node, file.root, file.text, file.imports, &file.cache)?;
        Some(InnerCall {
            what,
            file: String::new(),
            line: lines.line_of(usize::from(node.text_range().start())) + 1,
        })
    })
}

/// What the recognizers of a file need besides the node.
struct FileParts<'a> {
    root: &'a SyntaxNode,
    text: &'a str,
    imports: &'a Imports,
    cache: FileCache,
}

/// The functions a function's own body calls: free functions by name,
/// methods where their type is written (`self.f()` in the `impl`, `T::f()`).
fn called_names(function: &ast::Fn, self_type: Option<&String>) -> Vec<(String, Option<String>)> {
    let Some(body) = function.body() else {
        return Vec::new();
    };
    let mut names: Vec<(String, Option<String>)> = same_body_nodes(body.syntax())
        .filter_map(|node| match ast::Expr::cast(node)? {
            ast::Expr::MethodCallExpr(call) => {
                let on_self = matches!(call.receiver()?, ast::Expr::PathExpr(p) if p.path()?.segment()?.self_token().is_some());
                on_self.then(|| Some((method_name(&call)?.to_string(), Some(self_type?.clone()))))?
            }
            ast::Expr::CallExpr(call) => {
                let path = callee_path(&call)?;
                let name = path.segment()?.name_ref()?.text().to_string();
                let owner = match path.qualifier().and_then(|q| q.segment()) {
                    Some(segment) if segment.self_type_token().is_some() => Some(self_type?.clone()),
                    Some(segment) => {
                        let owner = segment.name_ref()?.text().to_string();
                        owner.starts_with(|c: char| c.is_ascii_uppercase()).then_some(owner)
                    }
                    None => None,
                };
                Some((name, owner))
            }
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The first cancel-unsafe I/O call an async fn's own body awaits.
fn awaited_cancel_unsafe(function: &ast::Fn, lines: &LineIndex<'_>) -> Option<InnerCall> {
    let body = function.body()?;
    same_body_nodes(body.syntax())
        .filter_map(ast::AwaitExpr::cast)
        .find_map(|awaited| {
            let ast::Expr::MethodCallExpr(call) = unparen(awaited.expr()?) else {
                return None;
            };
            let what = cancel_unsafe_call(&call)?;
            let offset = usize::from(call.syntax().text_range().start());
            Some(InnerCall {
                what,
                file: String::new(),
                line: lines.line_of(offset) + 1,
            })
        })
}
