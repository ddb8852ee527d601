//! Facts about where a node stands: in which kind of body, in test code.

use ra_ap_syntax::{ast, AstNode, RustLanguage, SyntaxKind, SyntaxNode};
use rowan::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    AsyncFn,
    AsyncBlock,
    AsyncClosure,
    Fn,
    Closure,
    /// A `const`, `static` or other item initialiser.
    Item,
}

impl BodyKind {
    pub fn is_async(self) -> bool {
        matches!(
            self,
            BodyKind::AsyncFn | BodyKind::AsyncBlock | BodyKind::AsyncClosure
        )
    }
}

/// The innermost function, closure or async block whose body contains
/// `node` (not counting `node` itself), and what kind it is.
pub fn enclosing_body(node: &SyntaxNode) -> Option<(SyntaxNode, BodyKind)> {
    node.ancestors().skip(1).find_map(|ancestor| {
        let kind = body_kind(&ancestor)?;
        Some((ancestor, kind))
    })
}

/// What kind of body `node` opens, if it opens one.
pub fn body_kind(node: &SyntaxNode) -> Option<BodyKind> {
    match node.kind() {
        SyntaxKind::FN => Some(if has_async_token(node) {
            BodyKind::AsyncFn
        } else {
            BodyKind::Fn
        }),
        SyntaxKind::CLOSURE_EXPR => Some(if has_async_token(node) {
            BodyKind::AsyncClosure
        } else {
            BodyKind::Closure
        }),
        SyntaxKind::BLOCK_EXPR => has_async_token(node).then_some(BodyKind::AsyncBlock),
        SyntaxKind::CONST | SyntaxKind::STATIC | SyntaxKind::IMPL | SyntaxKind::TRAIT => {
            Some(BodyKind::Item)
        }
        _ => None,
    }
}

/// Methods of `Option`, `Result`, iterators, slices and map entries whose
/// closure argument runs before the call's statement is done (iterator
/// adapters when the iterator is consumed, which is nearly always in the
/// same statement).
const INLINE_COMBINATORS: &[&str] = &[
    "map",
    "and_then",
    "or_else",
    "map_or",
    "map_or_else",
    "map_err",
    "unwrap_or_else",
    "ok_or_else",
    "is_some_and",
    "is_none_or",
    "is_ok_and",
    "is_err_and",
    "inspect",
    "filter",
    "filter_map",
    "flat_map",
    "find",
    "find_map",
    "position",
    "any",
    "all",
    "for_each",
    "try_for_each",
    "fold",
    "try_fold",
    "take_while",
    "skip_while",
    "max_by_key",
    "min_by_key",
    "sort_by",
    "sort_by_key",
    "retain",
    "get_or_insert_with",
    "or_insert_with",
    "and_modify",
];

/// Whether `node` is a closure that runs where it is written, in the same
/// task and while the guards around it are alive: not async, and the
/// argument of a combinator such as `Option::and_then` or `Iterator::map`.
pub fn runs_inline(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::CLOSURE_EXPR
        && !has_async_token(node)
        && node
            .parent()
            .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
            .and_then(|list| list.parent())
            .and_then(ast::MethodCallExpr::cast)
            .and_then(|call| super::method_name(&call))
            .is_some_and(|name| INLINE_COMBINATORS.contains(&name.as_str()))
}

/// Whether `node` (a function, closure or block) has the `async` keyword
/// among its own tokens, read from the green tree: every walk asks this of
/// every block it passes.
fn has_async_token(node: &SyntaxNode) -> bool {
    node.green().children().any(|child| {
        child
            .into_token()
            .is_some_and(|token| RustLanguage::kind_from_raw(token.kind()) == SyntaxKind::ASYNC_KW)
    })
}

/// Async context as rules.md defines it: the body of an `async fn`, block or
/// closure, not counting nested non-async closures and `fn` items.
pub fn is_async_context(node: &SyntaxNode) -> bool {
    enclosing_body(node).is_some_and(|(_, kind)| kind.is_async())
}

/// Whether `node` is an item (or inside one) that only exists for tests: a
/// function with a test attribute, or anything under `#[cfg(test)]` or a
/// test-support `cfg` (`any(test, feature = "test-utils")`).
pub fn is_test_code(node: &SyntaxNode) -> bool {
    node.ancestors().any(|n| is_test_item(&n))
}

/// An item carrying `#[test]`, `#[tokio::test]`, `#[rstest]` (any attribute
/// whose last segment is `test` or `rstest`), or a `cfg` that needs `test`;
/// also a module or file that says so inside (`#![cfg(test)]`).
pub fn is_test_item(node: &SyntaxNode) -> bool {
    let kind = node.kind();
    let has_inner_attrs = matches!(kind, SyntaxKind::SOURCE_FILE | SyntaxKind::MODULE);
    if !(has_inner_attrs || is_item_kind(kind) || is_attributed_code(kind)) {
        return false;
    }
    // Most nodes have no attribute: say so from the green tree, which needs
    // no cursor for the children looked at.
    if !has_inner_attrs && !starts_with_attribute(node) {
        return false;
    }
    // Attributes come first among an item's children (and a module's or a
    // file's inner ones first in its body): reading only the leading ones
    // keeps this constant-time on a file or module of any size.
    let leading_attrs = |parent: &SyntaxNode| {
        parent
            .children()
            .take_while(|child| child.kind() == SyntaxKind::ATTR)
            .filter_map(ast::Attr::cast)
            .collect::<Vec<_>>()
    };
    let inner = ast::Module::cast(node.clone())
        .and_then(|module| module.item_list())
        .map(|list| leading_attrs(list.syntax()))
        .unwrap_or_default();
    leading_attrs(node)
        .into_iter()
        .chain(inner)
        .any(|attr| match attr.meta() {
            Some(ast::Meta::CfgMeta(cfg)) => cfg.cfg_predicate().is_some_and(|p| requires_test(&p)),
            Some(meta) => meta
                .path()
                .and_then(|path| path.segment()?.name_ref())
                .is_some_and(|name| name.text() == "test" || name.text() == "rstest"),
            None => false,
        })
}

/// Code inside a body that a `cfg` can leave out (`#[cfg(test)]` on a
/// `match` arm, a statement or a block): test code like a test item.
fn is_attributed_code(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::MATCH_ARM
            | SyntaxKind::LET_STMT
            | SyntaxKind::EXPR_STMT
            | SyntaxKind::BLOCK_EXPR
            | SyntaxKind::CALL_EXPR
            | SyntaxKind::METHOD_CALL_EXPR
            | SyntaxKind::MACRO_CALL
            | SyntaxKind::MACRO_EXPR
            | SyntaxKind::RECORD_EXPR_FIELD
    )
}

fn starts_with_attribute(node: &SyntaxNode) -> bool {
    node.green()
        .children()
        .find_map(|child| child.into_node())
        .is_some_and(|child| RustLanguage::kind_from_raw(child.kind()) == SyntaxKind::ATTR)
}

fn is_item_kind(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::SOURCE_FILE
            | SyntaxKind::FN
            | SyntaxKind::MODULE
            | SyntaxKind::IMPL
            | SyntaxKind::STRUCT
            | SyntaxKind::ENUM
            | SyntaxKind::CONST
            | SyntaxKind::STATIC
            | SyntaxKind::TRAIT
            | SyntaxKind::USE
    )
}

/// Whether a cfg predicate marks test code: `test`, `all(.., test, ..)`,
/// `any(test, ..)` whose other operands are `test` or test-support features
/// (`any(test, feature = "test-utils")`); never `not(..)`.
fn requires_test(predicate: &ast::CfgPredicate) -> bool {
    match predicate {
        ast::CfgPredicate::CfgAtom(atom) => {
            atom.eq_token().is_none() && atom.ident_token().is_some_and(|t| t.text() == "test")
        }
        ast::CfgPredicate::CfgComposite(composite) => {
            let mut operands = composite.cfg_predicates();
            match composite.keyword().as_ref().map(|k| k.text()) {
                Some("all") => operands.any(|p| requires_test(&p)),
                Some("any") => {
                    let operands: Vec<_> = operands.collect();
                    operands.iter().any(requires_test)
                        && operands
                            .iter()
                            .all(|p| requires_test(p) || is_test_support_feature(p))
                }
                _ => false,
            }
        }
    }
}

/// `feature = "X"` where the feature's name says it is for tests
/// (`test-utils`, `testing`, `test_helpers`).
fn is_test_support_feature(predicate: &ast::CfgPredicate) -> bool {
    let ast::CfgPredicate::CfgAtom(atom) = predicate else {
        return false;
    };
    atom.eq_token().is_some()
        && atom.ident_token().is_some_and(|t| t.text() == "feature")
        && atom
            .string_token()
            .is_some_and(|s| s.text().to_ascii_lowercase().contains("test"))
}

/// Whether the file says it is generated (`// This file is @generated by
/// prost-build.`, the convention of prost, tonic and many generators) in
/// its first lines: findings there are not the reader's to fix.
pub fn is_generated_file(text: &str) -> bool {
    text.lines()
        .take(5)
        .any(|line| line.trim_start().starts_with("//") && line.contains("@generated"))
}
