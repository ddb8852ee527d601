//! The only module that knows the parser. Rules see its re-exports and the
//! helpers below, so that a parser upgrade touches this folder alone.

mod apis;
mod bindings;
mod builders;
mod channels;
mod configured;
mod deadlines;
mod facts;
mod flow;
mod futures;
mod guards;
mod imports;
mod iteration;
mod joinsets;
mod locks;
mod macros;
use macros::node_at;
pub use macros::FORMAT_MACROS;
mod network;
mod origin;
mod parse;
mod patterns;
mod primitives;
mod returns;
mod runtime;
mod spawned;
mod tasks;
mod timers;
mod waits;

pub use apis::*;
pub use bindings::*;
pub use builders::*;
pub use channels::*;
pub use configured::configured_path;
pub use deadlines::*;
pub use facts::*;
pub use flow::*;
pub use futures::*;
pub use guards::*;
pub use imports::{
    inline_modules_around, is_crate_relative, segments, use_entries, Imports, UseEntry,
};
pub use iteration::{is_constant_for, iteration_chain, IterationChain};
pub use joinsets::*;
pub use locks::*;
pub use network::{network_io, network_operation, Fields, NetworkMentions, NetworkOperation};
pub use origin::{chain_origin, rooted_in_field, type_path, FieldTypes, Origin};
pub use parse::{ParseError, MAX_NESTING};
pub use patterns::*;
pub use primitives::*;
pub use ra_ap_syntax::{
    ast, match_ast, AstNode, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken,
    TextRange, TextSize, WalkEvent, T,
};
pub use returns::*;
pub use runtime::{
    block_on_call, blocks_on_future, is_block_on_future, is_startup_body, method_call_named,
    method_of_call_named, BLOCKING_METHODS,
};
pub use spawned::{free_async_fns_named, SpawnedTasks};
pub use tasks::*;
pub use timers::*;
pub use waits::{outside_wait, WaitFacts};

use ra_ap_parser::TopEntryPoint;

/// A parsed file: its tree (with macro bodies parsed in place), what its
/// names import, and what the parser could not read.
pub struct ParsedFile {
    pub root: SyntaxNode,
    pub imports: Imports,
    pub errors: Vec<ParseError>,
}

/// A parsed file in a form that can move between threads (a tree is tied to
/// the thread that made it): the summary pass keeps it for the check pass,
/// so a file is parsed once per run.
pub struct KeptParse {
    green: rowan::GreenNode,
    imports: Imports,
    errors: Vec<ParseError>,
}

impl KeptParse {
    /// The parsed file again, on this thread.
    pub fn file(self) -> ParsedFile {
        ParsedFile {
            root: SyntaxNode::new_root(self.green),
            imports: self.imports,
            errors: self.errors,
        }
    }
}

impl ParsedFile {
    /// The form to keep it in across threads.
    pub fn keep(self) -> KeptParse {
        KeptParse {
            green: self.root.green().to_owned(),
            imports: self.imports,
            errors: self.errors,
        }
    }
}

/// The range of the statement list that starts at `start`.
fn statement_list_at(root: &SyntaxNode, start: TextSize) -> Option<TextRange> {
    root.token_at_offset(start)
        .right_biased()?
        .parent_ancestors()
        .find(|n| n.kind() == SyntaxKind::STMT_LIST && n.text_range().start() == start)
        .map(|n| n.text_range())
}

/// Parses a whole file. `None` when it nests deeper than [`MAX_NESTING`].
pub fn parse_file(text: &str) -> Option<ParsedFile> {
    let mut parsed = parse::parse(text, TopEntryPoint::SourceFile)?;
    let root = SyntaxNode::new_root(parsed.green.clone());
    let mut imports = Imports::default();
    let mut extern_crates = Vec::new();
    for range in &parsed.marks.imports {
        if let Some(item) = node_at(&root, *range, SyntaxKind::USE).and_then(ast::Use::cast) {
            imports.record_use(&item);
        } else if let Some(item) =
            node_at(&root, *range, SyntaxKind::EXTERN_CRATE).and_then(ast::ExternCrate::cast)
        {
            imports.record_extern_crate(&item);
            extern_crates.push(item);
        }
    }
    imports.apply_extern_renames(&extern_crates);
    let in_blocks = std::mem::take(&mut parsed.marks.block_items)
        .into_iter()
        .filter_map(|(name, start)| Some((name, statement_list_at(&root, start)?)))
        .collect();
    imports.record_items(std::mem::take(&mut parsed.marks.item_names), in_blocks);
    let selects = imports.local_names_for(|target| futures::SELECT_MACROS.contains(&target));
    let expanded = macros::expand(&root, &parsed.marks.macro_calls, &selects);
    Some(ParsedFile {
        root: expanded.map(SyntaxNode::new_root).unwrap_or(root),
        imports,
        errors: parsed.errors,
    })
}

/// Parses a file and nothing else: no macro bodies, no imports. The
/// benchmark's floor, which `parse_file` and the rules are measured against.
/// Returns the number of parse errors (`None` when nesting is too deep).
pub fn parse_only(text: &str) -> Option<usize> {
    parse::parse(text, TopEntryPoint::SourceFile).map(|parsed| parsed.errors.len())
}

/// A branch of an expanded `select!`: `pattern = future, if guard => handler`.
pub struct SelectBranch(SyntaxNode);

impl SelectBranch {
    /// The `select!` branch `arm` is, when it is one (not a `match` arm).
    pub fn of_arm(arm: &SyntaxNode) -> Option<SelectBranch> {
        let list = arm.parent()?;
        (list.kind() == SyntaxKind::MATCH_ARM_LIST
            && list.parent()?.kind() == SyntaxKind::MACRO_CALL)
            .then(|| SelectBranch(arm.clone()))
    }

    /// The branches of a `select!` invocation whose body was expanded.
    pub fn of(call: &ast::MacroCall) -> Vec<SelectBranch> {
        call.syntax()
            .children()
            .find(|c| c.kind() == SyntaxKind::MATCH_ARM_LIST)
            .map(|list| {
                list.children()
                    .filter(|c| c.kind() == SyntaxKind::MATCH_ARM)
                    .map(SelectBranch)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn syntax(&self) -> &SyntaxNode {
        &self.0
    }

    /// The future polled by this branch; `None` for `else`/`complete`/`default`.
    pub fn future(&self) -> Option<ast::Expr> {
        self.0.children().find_map(ast::Pat::cast)?;
        self.0.children().find_map(ast::Expr::cast)
    }

    /// The pattern the future's output must match; `None` for a fallback.
    pub fn pattern(&self) -> Option<ast::Pat> {
        self.0.children().find_map(ast::Pat::cast)
    }

    /// tokio's `, if condition` precondition.
    pub fn guard(&self) -> Option<ast::Expr> {
        ast::MatchGuard::cast(
            self.0
                .children()
                .find(|c| c.kind() == SyntaxKind::MATCH_GUARD)?,
        )?
        .condition()
    }

    pub fn handler(&self) -> Option<ast::Expr> {
        self.0.children().filter_map(ast::Expr::cast).last()
    }

    /// An `else`/`complete`/`default` branch.
    pub fn is_fallback(&self) -> bool {
        self.future().is_none()
    }

    /// A futures `default` branch: it runs whenever no other branch is
    /// ready, so unlike `else` and `complete` it cancels the others.
    pub fn is_default(&self) -> bool {
        self.is_fallback()
            && self
                .0
                .first_token()
                .is_some_and(|token| token.text() == "default")
    }
}

/// The arguments of an expression-list macro whose body was expanded.
pub fn macro_args(call: &ast::MacroCall) -> Vec<ast::Expr> {
    let Some(body) = call.syntax().children().find_map(ast::Expr::cast) else {
        return Vec::new();
    };
    match body {
        ast::Expr::TupleExpr(tuple) => tuple.fields().collect(),
        ast::Expr::ParenExpr(paren) => paren.expr().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The modules a file declares at its top level, without a body, only for
/// tests: `#[cfg(test)] mod name;` (or a test attribute on the declaration),
/// or any `mod name;` of a file that is itself `#![cfg(test)]`. Their files
/// are test code even though nothing in them says so.
pub fn test_module_declarations(text: &str) -> Vec<String> {
    let Some(parsed) = parse_file(text) else {
        return Vec::new();
    };
    parsed
        .root
        .children()
        .filter_map(ast::Module::cast)
        .filter(|module| module.item_list().is_none() && is_test_code(module.syntax()))
        .filter_map(|module| Some(ast::HasName::name(&module)?.text().to_string()))
        .collect()
}
