//! Parsing with rust-analyzer's parser, keeping only the parser's own errors.
//!
//! `ra_ap_syntax::Parse::errors()` also runs rust-analyzer's semantic
//! validation (literal escapes, visibility placement, ...), which costs a
//! second walk and reports things rustc accepts in macro input. We build the
//! tree from the parser's events ourselves so that `parse-error` means "the
//! parser could not read this".

use ra_ap_parser::{LexedStr, StrStep, TopEntryPoint};
use ra_ap_syntax::{Edition, RustLanguage, SyntaxKind, TextRange, TextSize};
use rowan::{GreenNode, GreenToken, Language};
use rustc_hash::FxHashMap;

/// Every file is read as edition 2021: 2024 reserves `gen`, which older
/// crates still use as an identifier (`rng.gen()`).
pub(crate) const EDITION: Edition = Edition::Edition2021;

/// How deep brackets and prefix-operator runs may nest before a file is
/// refused. The parser recurses once per level; this bound keeps it far
/// inside the analysis threads' stacks whatever the input.
pub const MAX_NESTING: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub offset: TextSize,
}

pub(crate) struct Parsed {
    pub green: GreenNode,
    pub errors: Vec<ParseError>,
    /// Where the nodes later stages look for are, noted while the tree is
    /// built so that finding them needs no walk of the whole tree.
    pub marks: Marks,
}

/// Ranges of the nodes that indexing and macro expansion start from, in
/// source order.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    /// `MACRO_CALL`s in expression position (under a `MACRO_EXPR`).
    pub macro_calls: Vec<TextRange>,
    /// `use` and `extern crate` items.
    pub imports: Vec<TextRange>,
    /// The names of the functions, types, traits and modules defined here,
    /// each with the inline modules it is in (`a::b`, empty at the file's
    /// own level).
    pub item_names: Vec<(String, String)>,
    /// The names of the items defined in a function's body (or any block),
    /// with the start of the innermost statement list around them: they
    /// are in scope in that block only.
    pub block_items: Vec<(String, TextSize)>,
}

/// Parses `text` as `entry`. Returns `None` when the input nests deeper than
/// [`MAX_NESTING`].
pub(crate) fn parse(text: &str, entry: TopEntryPoint) -> Option<Parsed> {
    let lexed = LexedStr::new(EDITION, text);
    if nesting_depth(&lexed) > MAX_NESTING {
        return None;
    }
    let output = entry.parse(&lexed.to_input(EDITION));
    let mut builder = TreeBuilder::default();
    let mut errors = Vec::new();
    lexed.intersperse_trivia(&output, &mut |step| match step {
        StrStep::Token { kind, text } => builder.token(kind, text),
        StrStep::Enter { kind } => builder.start_node(kind),
        StrStep::Exit => builder.finish_node(),
        StrStep::Error { msg, pos } => errors.push(ParseError {
            message: msg.to_owned(),
            offset: text_size(pos),
        }),
    });
    errors.extend(lexed.errors().map(|(i, msg)| ParseError {
        message: msg.to_owned(),
        offset: text_size(lexed.text_start(i)),
    }));
    let mut marks = std::mem::take(&mut builder.marks);
    marks.macro_calls.sort_by_key(|r| r.start());
    marks.imports.sort_by_key(|r| r.start());
    Some(Parsed {
        green: builder.finish()?,
        errors,
        marks,
    })
}

/// Builds green trees without rowan's `GreenNodeBuilder`, whose node cache
/// rehashes whole subtrees recursively when it grows: quadratic on deeply
/// nested input (20,000 nested blocks took seconds). Nodes are not shared;
/// tokens are, since allocating each whitespace and `(` anew costs more
/// than looking it up.
#[derive(Default)]
struct TreeBuilder {
    /// Each open node, innermost last, with where its children start in
    /// `children` and where its text starts.
    open: Vec<(SyntaxKind, usize, TextSize)>,
    /// The length of the text built so far.
    offset: TextSize,
    marks: Marks,
    /// The children of every open node, one after the other.
    children: Vec<GreenElement>,
    tokens: FxHashMap<Box<str>, (SyntaxKind, GreenToken)>,
    /// The open inline modules, outermost first: where each is in `open`,
    /// and where its name starts in `module_path`.
    modules: Vec<(usize, usize)>,
    /// The names of the open inline modules, joined with `::`.
    module_path: String,
}

type GreenElement = rowan::NodeOrToken<GreenNode, GreenToken>;

impl TreeBuilder {
    fn token(&mut self, kind: SyntaxKind, text: &str) {
        let token = match self.tokens.get(text) {
            Some((known, token)) if *known == kind => token.clone(),
            _ => {
                let token = GreenToken::new(raw(kind), text);
                self.tokens.insert(text.into(), (kind, token.clone()));
                token
            }
        };
        self.offset += TextSize::of(text);
        self.children.push(rowan::NodeOrToken::Token(token));
    }

    fn start_node(&mut self, kind: SyntaxKind) {
        self.open.push((kind, self.children.len(), self.offset));
    }

    fn finish_node(&mut self) {
        let Some((kind, first, start)) = self.open.pop() else {
            return;
        };
        let range = TextRange::new(start, self.offset);
        match kind {
            SyntaxKind::MACRO_CALL
                if self.open.last().map(|(parent, ..)| *parent) == Some(SyntaxKind::MACRO_EXPR) =>
            {
                self.marks.macro_calls.push(range)
            }
            SyntaxKind::USE | SyntaxKind::EXTERN_CRATE => self.marks.imports.push(range),
            SyntaxKind::NAME if self.names_an_item() => {
                let name = self.children[first..].iter().find_map(|child| match child {
                    rowan::NodeOrToken::Token(token) if token.kind() == raw(SyntaxKind::IDENT) => {
                        Some(token.text().to_owned())
                    }
                    _ => None,
                });
                if let Some(name) = name {
                    if let Some((SyntaxKind::MODULE, ..)) = self.open.last() {
                        let start = self.module_path.len();
                        self.modules.push((self.open.len() - 1, start));
                        self.marks.item_names.push((name, self.module_path.clone()));
                        if start > 0 {
                            self.module_path.push_str("::");
                        }
                        let (name, _) = self.marks.item_names.last().expect("just pushed");
                        self.module_path.push_str(name);
                    } else if let Some(block) = self.innermost_block() {
                        self.marks.block_items.push((name, block));
                    } else {
                        self.marks.item_names.push((name, self.module_path.clone()));
                    }
                }
            }
            SyntaxKind::MODULE
                if self
                    .modules
                    .last()
                    .is_some_and(|(at, _)| *at == self.open.len()) =>
            {
                if let Some((_, start)) = self.modules.pop() {
                    self.module_path.truncate(start);
                }
            }
            _ => {}
        }
        let node = GreenNode::new(raw(kind), self.children.drain(first..));
        self.children.push(rowan::NodeOrToken::Node(node));
    }

    /// Whether the `NAME` being closed is that of an item a path can name
    /// by itself: not a method (of an `impl` or a trait), which only a
    /// receiver or its type reaches.
    /// The start of the statement list the node being built is in, when it
    /// is in one below the innermost module.
    fn innermost_block(&self) -> Option<TextSize> {
        self.open
            .iter()
            .rev()
            .take_while(|(kind, ..)| *kind != SyntaxKind::MODULE)
            .find(|(kind, ..)| *kind == SyntaxKind::STMT_LIST)
            .map(|(_, _, start)| *start)
    }

    fn names_an_item(&self) -> bool {
        let mut open = self.open.iter().rev().map(|(kind, ..)| *kind);
        match (open.next(), open.next()) {
            (Some(SyntaxKind::FN), Some(SyntaxKind::ASSOC_ITEM_LIST)) => false,
            (Some(item), _) => is_named_item(item),
            (None, _) => false,
        }
    }

    /// The root, once every node is closed.
    fn finish(mut self) -> Option<GreenNode> {
        match (self.open.is_empty(), self.children.pop()) {
            (true, Some(rowan::NodeOrToken::Node(root))) => Some(root),
            _ => None,
        }
    }
}

fn is_named_item(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::FN
            | SyntaxKind::STRUCT
            | SyntaxKind::ENUM
            | SyntaxKind::MODULE
            | SyntaxKind::TRAIT
    )
}

fn raw(kind: SyntaxKind) -> rowan::SyntaxKind {
    RustLanguage::kind_to_raw(kind)
}

fn text_size(offset: usize) -> TextSize {
    TextSize::try_from(offset).unwrap_or(TextSize::new(u32::MAX))
}

/// The deepest the parser will have to recurse, or our trees to nest: open
/// brackets, plus the operators of the current statement (prefix operators
/// and closures are parsed by recursion, long operator chains become trees
/// as deep as they are long).
fn nesting_depth(lexed: &LexedStr<'_>) -> usize {
    let (mut brackets, mut operators, mut deepest) = (0usize, 0usize, 0usize);
    for i in 0..lexed.len() {
        let kind = lexed.kind(i);
        match kind {
            SyntaxKind::L_PAREN | SyntaxKind::L_BRACK => brackets += 1,
            SyntaxKind::R_PAREN | SyntaxKind::R_BRACK => brackets = brackets.saturating_sub(1),
            SyntaxKind::L_CURLY => {
                brackets += 1;
                operators = 0;
            }
            SyntaxKind::R_CURLY => {
                brackets = brackets.saturating_sub(1);
                operators = 0;
            }
            SyntaxKind::SEMICOLON | SyntaxKind::COMMA => operators = 0,
            _ if kind.is_punct() || kind.is_keyword(EDITION) => operators += 1,
            _ => {}
        }
        deepest = deepest.max(brackets + operators);
    }
    deepest
}
