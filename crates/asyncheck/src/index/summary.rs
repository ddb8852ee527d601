//! A file's summary for the crate index, from its parsed tree.

use ra_ap_syntax::{
    ast::{self, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{FileSummary, FunctionFacts, InnerCall, TypeFact};
use crate::line_index::LineIndex;
use crate::syntax::{
    cancel_unsafe_call, held_type_path, is_test_code, same_body_nodes, type_known, type_name,
    unparen, Imports, SpawnedTasks,
};

/// The summary of a parsed file.
pub fn summarize(root: &SyntaxNode, text: &str, imports: &Imports) -> FileSummary {
    let mut summary = FileSummary::default();
    let lines = LineIndex::new(text);
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
                if let Some(function) = ast::Fn::cast(node).and_then(|f| function_facts(&f, &lines))
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

fn function_facts(function: &ast::Fn, lines: &LineIndex<'_>) -> Option<FunctionFacts> {
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
        self_type,
        is_async: function.async_token().is_some(),
        returns: function
            .ret_type()
            .and_then(|r| r.ty())
            .and_then(|ty| type_name(&ty)),
        is_test: is_test_code(function.syntax()),
        cancel_unsafe: function
            .async_token()
            .and_then(|_| awaited_cancel_unsafe(function, lines)),
    })
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
                line: lines.line_of(offset) + 1,
            })
        })
}
