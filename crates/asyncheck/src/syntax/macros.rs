//! Makes the bodies of expression macros part of the syntax tree.
//!
//! A macro's arguments are a token tree to the parser. For `select!` and for
//! every macro whose arguments read as comma-separated expressions (`join!`,
//! `pin!`, `vec!`, `println!`, `tracing::info!`, ...) we parse the token tree
//! again and put the result in its place, inside the same `MACRO_CALL` node.
//! The new subtree covers exactly the same text range as the token tree it
//! replaces, so every offset in the file stays what it was, rules see one
//! tree with real parents, and the macro's path still says which macro it was.
//!
//! Shapes produced, under the `MACRO_CALL` (whose path and `!` stay):
//! - expression lists: a `TUPLE_EXPR` (or `PAREN_EXPR` for one argument),
//!   with `[`/`{` delimiters read as `(`/`)`;
//! - `select!`: a `MATCH_ARM_LIST` whose `MATCH_ARM`s are the branches: the
//!   pattern, `=`, the future expression, an optional `MATCH_GUARD` for
//!   tokio's `, if cond`, `=>` and the handler expression. `else`,
//!   `complete` and `default` branches have no pattern and no future.
//!   [`super::SelectBranch`] reads these.

use ra_ap_parser::TopEntryPoint;
use ra_ap_syntax::{NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, TextRange, TextSize};
use rowan::{GreenNode, GreenToken, Language, NodeOrToken as GreenElement};

use super::parse::{parse, Parsed};
use ra_ap_syntax::RustLanguage;

/// Macros nested deeper than this inside one another keep their token trees.
const MAX_MACRO_DEPTH: usize = 32;

type Green = GreenElement<GreenNode, GreenToken>;

/// Returns the tree with the known macro bodies parsed in place, or `None`
/// when it has no macro body to expand. `macro_calls` are the ranges of the
/// tree's macro calls in expression position, as the parser noted them.
/// `selects` are the local names the file imports `select!` under
/// (`use tokio::select as race;`), besides `select` and `select_biased`.
pub(crate) fn expand(
    root: &SyntaxNode,
    macro_calls: &[TextRange],
    selects: &[String],
) -> Option<GreenNode> {
    expand_at_depth(root, macro_calls, Depth { level: 0, selects })
}

/// How deep in nested macros an expansion is, and what the file calls
/// `select!`.
#[derive(Clone, Copy)]
struct Depth<'a> {
    level: usize,
    selects: &'a [String],
}

impl Depth<'_> {
    fn deeper(self) -> Self {
        Depth {
            level: self.level + 1,
            ..self
        }
    }
}

fn expand_at_depth(
    root: &SyntaxNode,
    macro_calls: &[TextRange],
    depth: Depth<'_>,
) -> Option<GreenNode> {
    if depth.level >= MAX_MACRO_DEPTH {
        return None;
    }
    let replacements: Vec<(TextRange, GreenNode)> = macro_calls
        .iter()
        .filter_map(|range| {
            let call = node_at(root, *range, SyntaxKind::MACRO_CALL)?;
            let token_tree = call
                .last_child()
                .filter(|c| c.kind() == SyntaxKind::TOKEN_TREE)?;
            let green = expand_body(&call, &token_tree, depth)?;
            Some((token_tree.text_range(), green))
        })
        .collect();
    if replacements.is_empty() {
        return None;
    }
    Some(splice(root.green(), TextSize::new(0), &replacements))
}

/// The node of `kind` that covers exactly `range`.
pub(crate) fn node_at(root: &SyntaxNode, range: TextRange, kind: SyntaxKind) -> Option<SyntaxNode> {
    let covering = match root.covering_element(range) {
        NodeOrToken::Node(node) => node,
        NodeOrToken::Token(token) => token.parent()?,
    };
    covering
        .ancestors()
        .take_while(|n| n.text_range() == range)
        .find(|n| n.kind() == kind)
}

fn expand_body(call: &SyntaxNode, token_tree: &SyntaxNode, depth: Depth<'_>) -> Option<GreenNode> {
    if !is_delimited(token_tree) {
        return None;
    }
    let name = macro_name(call);
    if name
        .as_deref()
        .is_some_and(|name| FORMAT_MACROS.contains(&name))
        && is_flat(token_tree)
    {
        return None;
    }
    let is_select = name.is_some_and(|name| {
        name == "select" || name == "select_biased" || depth.selects.contains(&name)
    });
    if is_select {
        if let Some(green) = expand_select(token_tree, depth) {
            return Some(green);
        }
    }
    expand_expression_list(token_tree, depth)
}

/// Macros that only format, log or compare their arguments: they read them
/// (`dbg!` hands its argument back), and most calls pass only names and
/// literals.
pub const FORMAT_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "dbg",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "todo",
    "unimplemented",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "bail",
    "anyhow",
    "ensure",
];

/// A macro body of names, literals, paths and operators only: no call,
/// method, field, block, closure, `?` or `.await` for a rule to look at, so it is
/// left as tokens (its names are still mentions of their bindings, as in any
/// unparsed macro body). Read from the green tree.
fn is_flat(token_tree: &SyntaxNode) -> bool {
    token_tree.green().children().all(|child| match child {
        GreenElement::Node(_) => false,
        GreenElement::Token(token) => !matches!(
            RustLanguage::kind_from_raw(token.kind()),
            SyntaxKind::DOT
                | SyntaxKind::PIPE
                | SyntaxKind::PIPE2
                | SyntaxKind::QUESTION
                | SyntaxKind::AWAIT_KW
        ),
    })
}

/// A token tree that opens and closes with a matching pair of delimiters.
/// One the file ends inside (`foo!(a, b` at the end of a broken file) has
/// no closing delimiter: its last token is content, which the expansions
/// would otherwise take for the closer (and replace with `)`), so that the
/// tree no longer spelled the file.
fn is_delimited(token_tree: &SyntaxNode) -> bool {
    let mut children = token_tree.children_with_tokens();
    let (Some(first), Some(last)) = (children.next(), children.last()) else {
        return false;
    };
    let closer = match first.kind() {
        SyntaxKind::L_PAREN => SyntaxKind::R_PAREN,
        SyntaxKind::L_BRACK => SyntaxKind::R_BRACK,
        SyntaxKind::L_CURLY => SyntaxKind::R_CURLY,
        _ => return false,
    };
    // A token, not a nested tree ending in one: `foo!(a, (b)` is unclosed.
    last.as_token().is_some_and(|t| t.kind() == closer)
}

fn macro_name(call: &SyntaxNode) -> Option<String> {
    let path = call.children().find(|c| c.kind() == SyntaxKind::PATH)?;
    let segment = path
        .last_child()
        .filter(|c| c.kind() == SyntaxKind::PATH_SEGMENT)?;
    Some(segment.text().to_string())
}

/// Reads `(a, b)`, `[a, b]` or `{a, b}` as a tuple expression.
fn expand_expression_list(token_tree: &SyntaxNode, depth: Depth<'_>) -> Option<GreenNode> {
    let mut text = token_tree.text().to_string();
    if text.len() < 2 || !text.is_char_boundary(text.len() - 1) {
        return None;
    }
    // `name! { one expression }` is a block-bodied macro (`stream!`,
    // `try_stream!`, templates), whose body is not an argument list and may
    // be a context of its own: only a list of several is read there.
    let braced = text.starts_with('{');
    let last = text.len() - 1;
    text.replace_range(0..1, "(");
    text.replace_range(last.., ")");
    let parsed = parse_exact(&text, TopEntryPoint::Expr)?;
    let list = match kind_of(&parsed.green) {
        SyntaxKind::TUPLE_EXPR => true,
        SyntaxKind::PAREN_EXPR => !braced,
        _ => false,
    };
    list.then(|| expand_nested(parsed, depth))
}

/// Parses a fragment, accepting it only when the parser had nothing to say.
/// Tokens left over after the fragment's expression or pattern come back in
/// an `ERROR` root without an error message: that is a failure too.
fn parse_exact(text: &str, entry: TopEntryPoint) -> Option<Parsed> {
    let parsed = parse(text, entry)?;
    (parsed.errors.is_empty() && kind_of(&parsed.green) != SyntaxKind::ERROR).then_some(parsed)
}

/// A parsed fragment with the macros inside it expanded too.
fn expand_nested(parsed: Parsed, depth: Depth<'_>) -> GreenNode {
    let node = SyntaxNode::new_root(parsed.green.clone());
    expand_at_depth(&node, &parsed.marks.macro_calls, depth.deeper()).unwrap_or(parsed.green)
}

fn kind_of(green: &GreenNode) -> SyntaxKind {
    RustLanguage::kind_from_raw(green.kind())
}

fn raw(kind: SyntaxKind) -> rowan::SyntaxKind {
    RustLanguage::kind_to_raw(kind)
}

/// Rebuilds `node` (which starts at `start`) with each replacement put in
/// place of the child covering exactly its range. Only nodes on the way to a
/// replacement are copied; the rest of the tree is shared.
fn splice(
    node: &rowan::GreenNodeData,
    start: TextSize,
    replacements: &[(TextRange, GreenNode)],
) -> GreenNode {
    let mut offset = start;
    let mut pending = replacements;
    let children = node.children().map(|child| {
        let range = TextRange::at(offset, child.text_len());
        offset = range.end();
        let inside = pending
            .iter()
            .take_while(|(r, _)| r.start() < range.end())
            .count();
        let (mine, rest) = pending.split_at(inside);
        pending = rest;
        match child {
            GreenElement::Node(child) => match mine {
                [] => GreenElement::Node(child.to_owned()),
                [(r, green)] if *r == range => GreenElement::Node(green.clone()),
                _ => GreenElement::Node(splice(child, range.start(), mine)),
            },
            GreenElement::Token(token) => GreenElement::Token(token.to_owned()),
        }
    });
    GreenNode::new(node.kind(), children)
}

/// The elements of a token tree between its delimiters, trivia included.
fn inner_elements(token_tree: &SyntaxNode) -> Vec<SyntaxElement> {
    let mut elements: Vec<SyntaxElement> = token_tree.children_with_tokens().collect();
    if elements.len() < 2 {
        return Vec::new();
    }
    elements.pop();
    elements.remove(0);
    elements
}

fn is_trivia(element: &SyntaxElement) -> bool {
    element.kind().is_trivia()
}

/// Splits a `select!` body into its branches and parses each piece.
fn expand_select(token_tree: &SyntaxNode, depth: Depth<'_>) -> Option<GreenNode> {
    let elements = inner_elements(token_tree);
    let base = token_tree.text_range().start();
    let text = token_tree.text().to_string();
    let piece = |from: usize, to: usize| -> &str {
        let start = elements[from].text_range().start() - base;
        let end = elements[to].text_range().end() - base;
        &text[usize::from(start)..usize::from(end)]
    };
    let significant: Vec<usize> = (0..elements.len())
        .filter(|&i| !is_trivia(&elements[i]))
        .collect();

    let mut out: Vec<Green> = vec![token_green(token_tree.first_child_or_token()?)];
    let mut emitted = 0usize; // elements[..emitted] are in `out`
    let mut cursor = 0usize; // index into `significant`

    let flush_raw = |out: &mut Vec<Green>, emitted: &mut usize, until: usize| {
        while *emitted < until {
            out.push(element_green(&elements[*emitted]));
            *emitted += 1;
        }
    };

    if let [first, second, ..] = significant[..] {
        if elements[first].kind() == SyntaxKind::IDENT
            && elements[first].to_string() == "biased"
            && elements[second].kind() == SyntaxKind::SEMICOLON
        {
            cursor = 2;
        }
    }

    while cursor < significant.len() {
        let first = significant[cursor];
        flush_raw(&mut out, &mut emitted, first);
        let mut arm: Vec<Green> = Vec::new();
        let has_future = !is_bare_branch(&elements, &significant[cursor..]);
        if has_future {
            let eq = find_significant(&elements, &significant, cursor, is_binding_eq)
                .filter(|&eq| eq > cursor)?;
            let pat_end = significant[eq - 1];
            arm.push(GreenElement::Node(parse_piece(
                piece(first, pat_end),
                TopEntryPoint::Pattern,
                depth,
            )?));
            push_raw(&mut arm, &elements, pat_end + 1, significant[eq] + 1);
            cursor = eq + 1;
            let future_end = find_significant(&elements, &significant, cursor, |e, s, i| {
                is_fat_arrow(e, s, i) || is_guard_comma(e, s, i)
            })
            .filter(|&end| end > cursor)?;
            let (fut_from, fut_to) = (significant[cursor], significant[future_end - 1]);
            push_raw(&mut arm, &elements, significant[eq] + 1, fut_from);
            arm.push(GreenElement::Node(parse_piece(
                piece(fut_from, fut_to),
                TopEntryPoint::Expr,
                depth,
            )?));
            cursor = future_end;
            let mut last = fut_to;
            if is_guard_comma(&elements, &significant, cursor) {
                let arrow = find_significant(&elements, &significant, cursor, is_fat_arrow)
                    .filter(|&arrow| arrow >= cursor + 3)?;
                let (if_kw, cond_from, cond_to) = (
                    significant[cursor + 1],
                    significant[cursor + 2],
                    significant[arrow - 1],
                );
                push_raw(&mut arm, &elements, last + 1, if_kw);
                let mut guard = vec![element_green(&elements[if_kw])];
                push_raw(&mut guard, &elements, if_kw + 1, cond_from);
                guard.push(GreenElement::Node(parse_piece(
                    piece(cond_from, cond_to),
                    TopEntryPoint::Expr,
                    depth,
                )?));
                arm.push(GreenElement::Node(GreenNode::new(
                    raw(SyntaxKind::MATCH_GUARD),
                    guard,
                )));
                last = cond_to;
                cursor = arrow;
            }
            push_raw(&mut arm, &elements, last + 1, significant[cursor]);
        } else {
            arm.push(element_green(&elements[first]));
            cursor += 1;
            if !is_fat_arrow(&elements, &significant, cursor) {
                return None;
            }
            push_raw(&mut arm, &elements, first + 1, significant[cursor]);
        }
        // `=>`: two tokens in a token tree, one in the arm.
        arm.push(GreenElement::Token(GreenToken::new(
            raw(SyntaxKind::FAT_ARROW),
            "=>",
        )));
        let arrow_end = significant[cursor + 1];
        cursor += 2;
        let handler_from = *significant.get(cursor)?;
        push_raw(&mut arm, &elements, arrow_end + 1, handler_from);
        // A branch with nothing after its `=>` (`x = f() => , ..`) is no
        // `select!` we can read.
        let handler_end =
            Some(handler_end(&elements, &significant, cursor)).filter(|&end| end > cursor)?;
        let handler_to = significant[handler_end - 1];
        arm.push(GreenElement::Node(parse_piece(
            piece(handler_from, handler_to),
            TopEntryPoint::Expr,
            depth,
        )?));
        out.push(GreenElement::Node(GreenNode::new(
            raw(SyntaxKind::MATCH_ARM),
            arm,
        )));
        emitted = handler_to + 1;
        cursor = handler_end;
        if cursor < significant.len() && elements[significant[cursor]].kind() == SyntaxKind::COMMA {
            cursor += 1;
        }
    }
    flush_raw(&mut out, &mut emitted, elements.len());
    out.push(token_green(token_tree.last_child_or_token()?));
    Some(GreenNode::new(raw(SyntaxKind::MATCH_ARM_LIST), out))
}

fn parse_piece(text: &str, entry: TopEntryPoint, depth: Depth<'_>) -> Option<GreenNode> {
    parse_exact(text, entry).map(|parsed| expand_nested(parsed, depth))
}

fn push_raw(out: &mut Vec<Green>, elements: &[SyntaxElement], from: usize, to: usize) {
    out.extend(elements[from..to].iter().map(element_green));
}

fn element_green(element: &SyntaxElement) -> Green {
    match element {
        NodeOrToken::Node(node) => GreenElement::Node(node.green().to_owned()),
        NodeOrToken::Token(token) => GreenElement::Token(token.green().to_owned()),
    }
}

fn token_green(element: SyntaxElement) -> Green {
    element_green(&element)
}

/// `else => ..` (tokio) and `complete => ..` / `default => ..` (futures).
fn is_bare_branch(elements: &[SyntaxElement], significant: &[usize]) -> bool {
    let Some(&first) = significant.first() else {
        return false;
    };
    let element = &elements[first];
    let bare = element.kind() == SyntaxKind::ELSE_KW
        || (element.kind() == SyntaxKind::IDENT
            && matches!(element.to_string().as_str(), "complete" | "default"));
    bare && is_fat_arrow(elements, significant, 1)
}

/// The first position at or after `from` in `significant` where `probe` holds.
fn find_significant(
    elements: &[SyntaxElement],
    significant: &[usize],
    from: usize,
    probe: impl Fn(&[SyntaxElement], &[usize], usize) -> bool,
) -> Option<usize> {
    (from..significant.len()).find(|&i| probe(elements, significant, i))
}

fn kind_at(elements: &[SyntaxElement], significant: &[usize], i: usize) -> Option<SyntaxKind> {
    significant.get(i).map(|&e| elements[e].kind())
}

/// Two significant elements with no space between them.
fn adjacent(elements: &[SyntaxElement], significant: &[usize], i: usize) -> bool {
    match (significant.get(i), significant.get(i + 1)) {
        (Some(&a), Some(&b)) => elements[a].text_range().end() == elements[b].text_range().start(),
        _ => false,
    }
}

fn is_fat_arrow(elements: &[SyntaxElement], significant: &[usize], i: usize) -> bool {
    kind_at(elements, significant, i) == Some(SyntaxKind::EQ)
        && kind_at(elements, significant, i + 1) == Some(SyntaxKind::R_ANGLE)
        && adjacent(elements, significant, i)
}

/// A lone `=`: not part of `==`, `=>`, `<=`, `+=`, ...
fn is_binding_eq(elements: &[SyntaxElement], significant: &[usize], i: usize) -> bool {
    if kind_at(elements, significant, i) != Some(SyntaxKind::EQ) {
        return false;
    }
    let joins_next = adjacent(elements, significant, i)
        && matches!(
            kind_at(elements, significant, i + 1),
            Some(SyntaxKind::EQ | SyntaxKind::R_ANGLE)
        );
    let joins_previous = i > 0
        && adjacent(elements, significant, i - 1)
        && kind_at(elements, significant, i - 1).is_some_and(|k| k.is_punct() && !is_closer(k));
    !joins_next && !joins_previous
}

fn is_closer(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::R_PAREN | SyntaxKind::R_BRACK | SyntaxKind::R_CURLY
    )
}

fn is_guard_comma(elements: &[SyntaxElement], significant: &[usize], i: usize) -> bool {
    kind_at(elements, significant, i) == Some(SyntaxKind::COMMA)
        && kind_at(elements, significant, i + 1) == Some(SyntaxKind::IF_KW)
}

/// Where a handler starting at `from` ends (exclusive): after a block that
/// stands alone, or at the next top-level comma.
fn handler_end(elements: &[SyntaxElement], significant: &[usize], from: usize) -> usize {
    let first = &elements[significant[from]];
    let is_block = first.kind() == SyntaxKind::TOKEN_TREE
        && first
            .as_node()
            .and_then(|n| n.first_token())
            .map(|t| t.kind())
            == Some(SyntaxKind::L_CURLY);
    let continues = matches!(
        kind_at(elements, significant, from + 1),
        Some(SyntaxKind::DOT | SyntaxKind::QUESTION)
    );
    if is_block && !continues {
        return from + 1;
    }
    (from..significant.len())
        .find(|&i| kind_at(elements, significant, i) == Some(SyntaxKind::COMMA))
        .unwrap_or(significant.len())
}

#[cfg(test)]
mod tests {
    use ra_ap_syntax::{ast, AstNode};

    use crate::syntax::{parse_file, SelectBranch};

    fn branches(body: &str) -> Option<usize> {
        let text = format!("async fn f() {{ tokio::select! {{ {body} }} }}");
        let parsed = parse_file(&text)?;
        let call = parsed.root.descendants().find_map(ast::MacroCall::cast)?;
        let found = SelectBranch::of(&call);
        (!found.is_empty()).then_some(found.len())
    }

    #[test]
    fn select_syntax() {
        assert_eq!(
            branches("biased; _ = a => {} _ = b => {}, else => break,"),
            Some(3)
        );
        assert_eq!(
            branches("Some(x @ 1..=5) = rx.recv(), if x > 3 => f(x), _ = b => {}"),
            Some(2)
        );
        assert_eq!(branches("A | B = foo() => {} | C = bar() => 1"), Some(2));
        assert_eq!(
            branches("v = async { match x { A => 1, _ => 2 } } => v + 1,"),
            Some(1)
        );
        assert_eq!(
            branches("a = fa => a, complete => break, default => {}"),
            Some(3)
        );
    }

    #[test]
    fn a_handler_missing_its_comma_is_not_swallowed() {
        // `match` is no block: tokio wants a comma after it, and the next
        // branch must not be read as part of it.
        assert_eq!(
            branches("x = y => match x { _ => () } else => break,"),
            None
        );
    }

    #[test]
    fn an_unclosed_macro_keeps_its_token_tree() {
        for text in [
            "fn f() { foo!(a, bc",
            "fn f() { vec![x.lock().unwrap(), y",
            "fn f() { foo!(a, (b)",
            "async fn f() { tokio::select! { x = f() => g(x), _ = h() => {}",
        ] {
            let parsed = parse_file(text).unwrap();
            assert_eq!(parsed.root.to_string(), text);
        }
        // Closed, it is still expanded.
        let parsed = parse_file("fn f() { foo!(a, (b)) }").unwrap();
        assert!(parsed
            .root
            .descendants()
            .any(|n| ast::TupleExpr::can_cast(n.kind())));
    }

    #[test]
    fn a_branch_without_a_handler_is_not_read() {
        assert_eq!(branches("x = f() => , _ = g() => {}"), None);
        assert_eq!(branches("x = f() =>,"), None);
        assert_eq!(branches("else => ,"), None);
    }
}
