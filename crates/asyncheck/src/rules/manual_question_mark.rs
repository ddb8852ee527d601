use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasName},
    callee_path, enclosing_body, fallible_return, find_binding, local_name, method_name, segments,
    unparen, AstNode, Binding, BodyKind, Fallible, Imports, SyntaxKind, SyntaxNode, SyntaxToken,
    TextRange, TextSize,
};

use super::span;

pub struct ManualQuestionMark;

static META: RuleMeta = RuleMeta {
    name: "manual-question-mark",
    pattern: Pattern::Errors,
    group: Group::Patterns,
    fix: FixAvailability::Safe,
    skips_tests: false,
    summary: "Flags `match`, `if let` and `let .. else` that propagate an error or `None` by hand.",
    flags: "In a function, or a closure with a written return type, returning a `Result` (any \
type whose last path segment ends in `Result`) or an `Option`: \
`match e { Ok(v) => v, Err(x) => return Err(x) }` (arms in either order; the `Err` arm may \
return `Err(x.into())`, `Err(From::from(x))`, `Err(Into::into(x))` or `Err(Path(x))`, with or \
without a block around the `return`; `Ok(()) => {}` / `Ok(_) => {}` when the `match` is a \
statement), `if let Err(x) = e { return Err(x); }` without `else`, \
`match e { Some(v) => v, None => return None }` and `let Some(v) = e else { return None };`. \
Not flagged: arms with guards, arms that do anything else (log, clean up, return another \
value, transform the value), a binding returned under another name, `async` blocks and \
closures whose return type is inferred (`?` there can leave the error type ambiguous), \
`const fn`s (no `?` there), a borrowed scrutinee (`&x`, or a local bound to a reference: `?` \
does not apply to `&Result`), and `Err(f(x))` when `f` is a local variable (`map_err(f)` \
would move it).",
    why: "`?` says \"propagate\" in one character, converts the error with `From` on the way \
out, and leaves room for context (`.context(..)?`, `.map_err(..)?`). A hand-written `match` \
spends four lines on it, hides the one line that matters, and invites drift: the copy that \
forgot the conversion, the arm that started logging and now logs twice.",
    example: r#"use std::io;

fn read_port(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port = match text.trim().parse::<u16>() { //~ manual-question-mark
        Ok(port) => port,
        Err(e) => return Err(e),
    };
    Ok(port)
}

async fn send(stream: &mut tokio::net::TcpStream, data: &[u8]) -> io::Result<()> {
    if let Err(e) = write_frame(stream, data).await { //~ manual-question-mark
        return Err(e);
    }
    Ok(())
}

fn first_word(text: &str) -> Option<&str> {
    let Some(word) = text.split_whitespace().next() else { //~ manual-question-mark
        return None;
    };
    Some(word)
}
"#,
    use_instead: r#"use std::io;

fn read_port(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port = text.trim().parse::<u16>()?;
    Ok(port)
}

async fn send(stream: &mut tokio::net::TcpStream, data: &[u8]) -> io::Result<()> {
    write_frame(stream, data).await?;
    Ok(())
}

fn first_word(text: &str) -> Option<&str> {
    let word = text.split_whitespace().next()?;
    Some(word)
}
"#,
    options: &[],
    fix_safety: Some(
        "Safe: the `?` form evaluates the same expression once and returns the \
same error (`?` applies `From::from`, which is the identity for the same type and what \
`.into()`/`From::from` did; `Err(Box::new(x))` becomes plain `?`, which boxes the same way, \
rather than `map_err(Box::new)?`, which would box twice). No fix is offered when the matched \
value is a place (`self.field`, `*r`) or a local used again afterwards or in a later loop \
iteration, because `?` moves it. The fix can fail to compile, never change behaviour, where \
the scrutinee's error type was only inferred from the `return` (`s.parse()` without a type): \
add the type. Comments inside the replaced code go with it.",
    ),
    see_also: &["unwrap-in-fallible-async"],
    clippy_twins: &["question_mark"],
};

impl Rule for ManualQuestionMark {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[
            SyntaxKind::MATCH_EXPR,
            SyntaxKind::IF_EXPR,
            SyntaxKind::LET_STMT,
        ]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        // Inside what the parser could only half read, the statement and arm
        // structure the fix relies on is not there.
        if node.ancestors().any(|a| a.kind() == SyntaxKind::ERROR) {
            return;
        }
        let found = match node.kind() {
            SyntaxKind::MATCH_EXPR => {
                ast::MatchExpr::cast(node.clone()).and_then(|m| manual_match(&m, cx.imports))
            }
            SyntaxKind::IF_EXPR => {
                ast::IfExpr::cast(node.clone()).and_then(|i| manual_if_let(&i, cx.imports))
            }
            SyntaxKind::LET_STMT => {
                ast::LetStmt::cast(node.clone()).and_then(|l| manual_let_else(&l, cx.imports))
            }
            _ => None,
        };
        let Some(found) = found else {
            return;
        };
        if !is_borrowed(&found.scrutinee, node) {
            cx.report(finding(node, &found));
        }
    }
}

/// Manual propagation that `?` replaces.
struct Manual {
    keyword: SyntaxToken,
    fallible: Fallible,
    scrutinee: ast::Expr,
    convert: Convert,
    /// What replaces the node.
    shape: Shape,
}

/// How the error is converted on its way out.
enum Convert {
    /// Returned as is, or through `From`/`Into`: plain `?` does it.
    Plain,
    /// `Err(Path(x))`: `.map_err(Path)?`.
    MapErr(String),
}

enum Shape {
    /// `e?` in place of the node, then `suffix`. `statement`: it starts a
    /// statement, where a block-like operand needs parentheses.
    Try {
        statement: bool,
        suffix: &'static str,
    },
    /// `let Some(v) = e else { return None };` becomes `let v = e?;`.
    Let { pat: String },
}

/// Where a node stands among statements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Inside another expression: its value is used.
    Expr,
    /// The body of a match arm without a `,` after it, which only a
    /// block-like body may omit.
    BareArm,
    /// An expression statement, with or without its `;`.
    Stmt { semicolon: bool },
    /// The tail of a block.
    Tail,
}

fn manual_match(expr: &ast::MatchExpr, imports: &Imports) -> Option<Manual> {
    let fallible = propagates_into(expr.syntax(), imports)?;
    let scrutinee = expr.expr()?;
    let arms: Vec<ast::MatchArm> = expr.match_arm_list()?.arms().collect();
    let [first, second] = arms.as_slice() else {
        return None;
    };
    let (pass, convert) = match (pass_arm(first, fallible), pass_arm(second, fallible)) {
        (Some(pass), None) => (pass, exit_arm(second, fallible)?),
        (None, Some(pass)) => (pass, exit_arm(first, fallible)?),
        _ => return None,
    };
    Some(Manual {
        keyword: expr.match_token()?,
        fallible,
        scrutinee,
        convert,
        shape: try_shape(expr.syntax(), pass)?,
    })
}

fn manual_if_let(expr: &ast::IfExpr, imports: &Imports) -> Option<Manual> {
    if expr.else_branch().is_some() || expr.syntax().parent()?.kind() == SyntaxKind::IF_EXPR {
        return None;
    }
    let ast::Expr::LetExpr(condition) = expr.condition()? else {
        return None;
    };
    if propagates_into(expr.syntax(), imports)? != Fallible::Result {
        return None;
    }
    let error = variant_binding(&condition.pat()?, "Err")?;
    let returned = returned_value(&ast::Expr::BlockExpr(expr.then_branch()?))?;
    let convert = error_conversion(&returned, &error, expr.syntax())?;
    Some(Manual {
        keyword: expr.if_token()?,
        fallible: Fallible::Result,
        scrutinee: condition.expr()?,
        convert,
        shape: try_shape(expr.syntax(), Pass::Unit)?,
    })
}

fn manual_let_else(stmt: &ast::LetStmt, imports: &Imports) -> Option<Manual> {
    let otherwise = stmt.let_else()?.block_expr()?;
    if stmt.ty().is_some() || propagates_into(stmt.syntax(), imports)? != Fallible::Option {
        return None;
    }
    let value = variant_binding(&stmt.pat()?, "Some")?;
    if !is_none(&returned_value(&ast::Expr::BlockExpr(otherwise))?) {
        return None;
    }
    Some(Manual {
        keyword: stmt.let_token()?,
        fallible: Fallible::Option,
        scrutinee: stmt.initializer()?,
        convert: Convert::Plain,
        shape: Shape::Let {
            pat: value.syntax().text().to_string(),
        },
    })
}

/// What `?` would propagate into at `node`: the written return type of the
/// function or closure whose body holds it. A `return` in an `async` block
/// leaves the block, whose output type is never written.
fn propagates_into(node: &SyntaxNode, imports: &Imports) -> Option<Fallible> {
    let (body, kind) = enclosing_body(node)?;
    if !matches!(
        kind,
        BodyKind::Fn | BodyKind::AsyncFn | BodyKind::Closure | BodyKind::AsyncClosure
    ) {
        return None;
    }
    fallible_return(&body, imports)
}

/// How `e?` replaces `node`. Without a success value to give (`Pass::Unit`)
/// it must stand as a statement; a statement without its own `;` gets one,
/// and so does a bare arm body its `,`.
fn try_shape(node: &SyntaxNode, pass: Pass) -> Option<Shape> {
    let (statement, suffix) = match (pass, position(node)) {
        (_, Position::Stmt { semicolon: true }) | (Pass::Value, Position::Tail) => (true, ""),
        (_, Position::Stmt { semicolon: false }) | (Pass::Unit, Position::Tail) => (true, ";"),
        (Pass::Value, Position::Expr) => (false, ""),
        (Pass::Value, Position::BareArm) => (false, ","),
        (Pass::Unit, Position::Expr | Position::BareArm) => return None,
    };
    Some(Shape::Try { statement, suffix })
}

fn position(node: &SyntaxNode) -> Position {
    let Some(parent) = node.parent() else {
        return Position::Expr;
    };
    match parent.kind() {
        SyntaxKind::EXPR_STMT => Position::Stmt {
            semicolon: ast::ExprStmt::cast(parent).is_some_and(|s| s.semicolon_token().is_some()),
        },
        SyntaxKind::STMT_LIST => Position::Tail,
        SyntaxKind::MATCH_ARM if !followed_by_comma(node) => Position::BareArm,
        _ => Position::Expr,
    }
}

/// Whether the next token after `node`, past whitespace and comments, is a
/// `,` (inside a `select!` body the comma is not part of the branch node).
fn followed_by_comma(node: &SyntaxNode) -> bool {
    let mut token = node.last_token().and_then(|t| t.next_token());
    while let Some(t) = token {
        if !t.kind().is_trivia() {
            return t.kind() == SyntaxKind::COMMA;
        }
        token = t.next_token();
    }
    false
}

/// What the success arm gives.
#[derive(Clone, Copy)]
enum Pass {
    /// `Ok(v) => v`
    Value,
    /// `Ok(()) => {}`, `Ok(_) => {}`
    Unit,
}

/// `Ok(v) => v` / `Ok(_) => {}` (`Some` for an `Option`), without guard.
fn pass_arm(arm: &ast::MatchArm, fallible: Fallible) -> Option<Pass> {
    if arm.guard().is_some() {
        return None;
    }
    let variant = match fallible {
        Fallible::Result => "Ok",
        Fallible::Option => "Some",
    };
    let ast::Pat::TupleStructPat(pat) = arm.pat()? else {
        return None;
    };
    if !is_variant(&pat.path()?, variant) {
        return None;
    }
    let fields: Vec<ast::Pat> = pat.fields().collect();
    let [field] = fields.as_slice() else {
        return None;
    };
    let body = arm.expr()?;
    match field {
        ast::Pat::IdentPat(binding) => {
            let name = plain_binding(binding)?;
            is_name(&block_value(body, false)?, &name).then_some(Pass::Value)
        }
        ast::Pat::WildcardPat(_) | ast::Pat::RestPat(_) => is_unit(&body).then_some(Pass::Unit),
        ast::Pat::TuplePat(unit) if unit.fields().next().is_none() => {
            is_unit(&body).then_some(Pass::Unit)
        }
        _ => None,
    }
}

/// `Err(x) => return Err(x)` (with a conversion) or `None => return None`,
/// without guard; the conversion it applies.
fn exit_arm(arm: &ast::MatchArm, fallible: Fallible) -> Option<Convert> {
    if arm.guard().is_some() {
        return None;
    }
    let returned = returned_value(&arm.expr()?)?;
    match fallible {
        Fallible::Result => {
            let error = variant_binding(&arm.pat()?, "Err")?;
            error_conversion(&returned, &error, arm.syntax())
        }
        Fallible::Option => {
            let is_none_pat = match arm.pat()? {
                ast::Pat::IdentPat(ident) => {
                    ident.name().is_some_and(|n| n.text() == "None") && ident.pat().is_none()
                }
                ast::Pat::PathPat(path) => path.path().is_some_and(|p| is_variant(&p, "None")),
                ast::Pat::WildcardPat(_) => true,
                _ => false,
            };
            (is_none_pat && is_none(&returned)).then_some(Convert::Plain)
        }
    }
}

/// The binding `v` of the pattern `Variant(v)`.
fn variant_binding(pat: &ast::Pat, variant: &str) -> Option<ast::IdentPat> {
    let ast::Pat::TupleStructPat(pat) = pat else {
        return None;
    };
    if !is_variant(&pat.path()?, variant) {
        return None;
    }
    let fields: Vec<ast::Pat> = pat.fields().collect();
    match fields.as_slice() {
        [ast::Pat::IdentPat(binding)] => {
            plain_binding(binding)?;
            Some(binding.clone())
        }
        _ => None,
    }
}

/// The name a by-value binding (`x`, `mut x`) binds; `ref x` and `x @ ..`
/// do not move the value out the way `?` does.
fn plain_binding(binding: &ast::IdentPat) -> Option<String> {
    if binding.ref_token().is_some() || binding.pat().is_some() {
        return None;
    }
    Some(binding.name()?.text().to_string())
}

/// `Ok`, `Result::Ok`, `std::result::Result::Ok` (likewise for the others).
fn is_variant(path: &ast::Path, variant: &str) -> bool {
    let names = segments(path);
    match names.as_slice() {
        [name] => name == variant,
        [.., ty, name] => name == variant && (ty == "Result" || ty == "Option"),
        [] => false,
    }
}

/// What `return X` (alone, or alone in a plain block) returns.
fn returned_value(expr: &ast::Expr) -> Option<ast::Expr> {
    match block_value(expr.clone(), true)? {
        ast::Expr::ReturnExpr(ret) => ret.expr(),
        _ => None,
    }
}

/// `expr`, or the only thing a plain block around it does: its tail
/// (`{ x }`), or with `statement` its one statement (`{ return x; }`, where
/// the `;` changes nothing). `None` for a block that does more, or a
/// labelled, `unsafe`, `async` or `const` block.
fn block_value(expr: ast::Expr, statement: bool) -> Option<ast::Expr> {
    let ast::Expr::BlockExpr(block) = &expr else {
        return Some(expr);
    };
    let first = block.syntax().first_child_or_token()?;
    if first.kind() != SyntaxKind::STMT_LIST {
        return None;
    }
    let list = block.stmt_list()?;
    let statements: Vec<ast::Stmt> = list.statements().collect();
    match (statements.as_slice(), list.tail_expr()) {
        ([], Some(tail)) => Some(tail),
        ([ast::Stmt::ExprStmt(stmt)], None) if statement => stmt.expr(),
        _ => None,
    }
}

fn is_name(expr: &ast::Expr, name: &str) -> bool {
    local_name(expr).is_some_and(|n| n == name)
}

fn is_none(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::PathExpr(path) => path.path().is_some_and(|p| is_variant(&p, "None")),
        _ => false,
    }
}

/// `{}` or `()`.
fn is_unit(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::TupleExpr(tuple) => tuple.fields().next().is_none(),
        ast::Expr::BlockExpr(block) => {
            block.syntax().first_child_or_token().map(|c| c.kind()) == Some(SyntaxKind::STMT_LIST)
                && block.stmt_list().is_some_and(|list| {
                    list.statements().next().is_none() && list.tail_expr().is_none()
                })
        }
        _ => false,
    }
}

/// How `Err(..)` in `returned` converts the bound error `error`: as is,
/// `.into()`, `From::from`, `Into::into` or `Box::new` (all what `?` does),
/// or another one-argument path call (`map_err`).
fn error_conversion(
    returned: &ast::Expr,
    error: &ast::IdentPat,
    at: &SyntaxNode,
) -> Option<Convert> {
    let name = plain_binding(error)?;
    let ast::Expr::CallExpr(wrap) = returned else {
        return None;
    };
    if !callee_path(wrap).is_some_and(|p| is_variant(&p, "Err")) {
        return None;
    }
    let arg = only_arg(wrap)?;
    if is_name(&arg, &name) {
        return Some(Convert::Plain);
    }
    match arg {
        ast::Expr::MethodCallExpr(call) => {
            let into = method_name(&call).as_deref() == Some("into")
                && call.generic_arg_list().is_none()
                && call.arg_list()?.args().next().is_none()
                && is_name(&call.receiver()?, &name);
            into.then_some(Convert::Plain)
        }
        ast::Expr::CallExpr(call) => {
            if !is_name(&only_arg(&call)?, &name) {
                return None;
            }
            let path = callee_path(&call)?;
            if converts_like_question_mark(&path) {
                return Some(Convert::Plain);
            }
            if path.qualifier().is_none() && may_be_local(at, &path) {
                return None;
            }
            Some(Convert::MapErr(path.syntax().text().to_string()))
        }
        _ => None,
    }
}

/// `From::from`, `Into::into`: what `?` applies anyway. `Box::new`: `?`
/// boxes into `Box<dyn Error>` (or `Box<E>`) the same way, whereas
/// `map_err(Box::new)?` would box the box.
fn converts_like_question_mark(path: &ast::Path) -> bool {
    let names = segments(path);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let tail = match names.as_slice() {
        ["std" | "core" | "alloc", "convert" | "boxed", tail @ ..] => tail,
        tail => tail,
    };
    matches!(
        tail,
        ["From", "from"] | ["Into", "into"] | ["Box", "new" | "from"]
    )
}

/// Whether a one-segment callee may name a local variable (a closure),
/// which `map_err(f)` would move: some pattern of the enclosing function
/// binds that name.
fn may_be_local(at: &SyntaxNode, path: &ast::Path) -> bool {
    let Some(name) = path.segment().and_then(|s| s.name_ref()) else {
        return false;
    };
    let Some(function) = at.ancestors().find(|a| a.kind() == SyntaxKind::FN) else {
        return false;
    };
    function
        .descendants()
        .filter_map(ast::IdentPat::cast)
        .any(|ident| ident.name().is_some_and(|n| n.text() == name.text()))
}

fn only_arg(call: &ast::CallExpr) -> Option<ast::Expr> {
    let mut args = call.arg_list()?.args();
    let arg = args.next()?;
    args.next().is_none().then_some(arg)
}

/// Suggestions longer than this are described rather than spelled out.
const MAX_SUGGESTION: usize = 80;

fn finding(node: &SyntaxNode, manual: &Manual) -> Finding {
    let construct = match (&manual.shape, manual.keyword.kind()) {
        (Shape::Let { .. }, _) => "let .. else",
        (_, SyntaxKind::IF_KW) => "if let",
        _ => "match",
    };
    let propagates = match manual.fallible {
        Fallible::Result => "propagates the error",
        Fallible::Option => "returns `None`",
    };
    let message = format!("this `{construct}` {propagates} by hand, which is what `?` does");
    let replacement = replacement(manual);
    let suggestion = match &manual.convert {
        _ if replacement.len() <= MAX_SUGGESTION && !replacement.contains('\n') => {
            format!("`{replacement}`")
        }
        Convert::Plain => "`?` on the matched expression".to_owned(),
        Convert::MapErr(path) => format!("`.map_err({path})?` on the matched expression"),
    };
    let finding = Finding::new(span(manual.keyword.text_range()), message);
    let Some(range) = fix_range(node, manual) else {
        return finding.help(format!(
            "use {suggestion}, borrowing or cloning the matched value if it is used again (`?` moves it)"
        ));
    };
    finding.help(format!("use {suggestion}")).fix(Fix {
        applicability: Applicability::Safe,
        edits: vec![Edit {
            span: span(range),
            replacement,
        }],
    })
}

fn replacement(manual: &Manual) -> String {
    let statement = matches!(
        manual.shape,
        Shape::Try {
            statement: true,
            ..
        }
    );
    let operand = postfix_operand(&manual.scrutinee, statement);
    let tried = match &manual.convert {
        Convert::Plain => format!("{operand}?"),
        Convert::MapErr(path) => format!("{operand}.map_err({path})?"),
    };
    match &manual.shape {
        Shape::Try { suffix, .. } => format!("{tried}{suffix}"),
        Shape::Let { pat } => format!("let {pat} = {tried};"),
    }
}

/// The text of `expr` as the operand of a postfix `?`/`.map_err(..)`,
/// parenthesised unless it binds at least as tightly. At the start of a
/// statement, an operand that begins with a block-like expression is
/// parenthesised too, or the statement would end after the block.
fn postfix_operand(expr: &ast::Expr, statement: bool) -> String {
    let text = expr.syntax().text().to_string();
    let tight = match expr {
        ast::Expr::PathExpr(_)
        | ast::Expr::CallExpr(_)
        | ast::Expr::MethodCallExpr(_)
        | ast::Expr::FieldExpr(_)
        | ast::Expr::IndexExpr(_)
        | ast::Expr::TryExpr(_)
        | ast::Expr::AwaitExpr(_)
        | ast::Expr::ParenExpr(_)
        | ast::Expr::TupleExpr(_)
        | ast::Expr::ArrayExpr(_)
        | ast::Expr::Literal(_) => true,
        ast::Expr::MacroExpr(_) => !text.ends_with('}'),
        _ => false,
    };
    if tight && !(statement && starts_with_block(expr)) {
        text
    } else {
        format!("({text})")
    }
}

/// Whether the leftmost operand of a postfix chain is block-like
/// (`match x {..}.y()`).
fn starts_with_block(expr: &ast::Expr) -> bool {
    let mut current = expr.clone();
    loop {
        let next = match &current {
            ast::Expr::MethodCallExpr(e) => e.receiver(),
            ast::Expr::CallExpr(e) => e.expr(),
            ast::Expr::FieldExpr(e) => e.expr(),
            ast::Expr::IndexExpr(e) => e.base(),
            ast::Expr::TryExpr(e) => e.expr(),
            ast::Expr::AwaitExpr(e) => e.expr(),
            other => return other.is_block_like(),
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
}

/// A scrutinee that is a reference (`&x`, or a local bound to one): the
/// patterns bind through it, but `?` does not apply to `&Result`/`&Option`.
fn is_borrowed(scrutinee: &ast::Expr, at: &SyntaxNode) -> bool {
    let scrutinee = unparen(scrutinee.clone());
    if matches!(scrutinee, ast::Expr::RefExpr(_)) {
        return true;
    }
    let Some(name) = local_name(&scrutinee) else {
        return false;
    };
    let is_ref = |ty: Option<ast::Type>| matches!(ty, Some(ast::Type::RefType(_)));
    match find_binding(at, &name) {
        Some(Binding::Param(param)) => is_ref(param.ty()),
        Some(Binding::Let(binding)) => {
            is_ref(binding.ty())
                || binding
                    .initializer()
                    .is_some_and(|init| matches!(unparen(init), ast::Expr::RefExpr(_)))
        }
        _ => false,
    }
}

/// The range the fix replaces, unless `?` would move a value that the
/// manual form only moved on the error path: a place (`self.field`, `*r`,
/// `v[i]`), or a local of another body, used again afterwards, or bound
/// outside a loop around the match.
fn fix_range(node: &SyntaxNode, manual: &Manual) -> Option<TextRange> {
    if !moves_freely(&manual.scrutinee, node)? {
        return None;
    }
    match &manual.shape {
        Shape::Try { .. } => Some(node.text_range()),
        Shape::Let { .. } => Some(TextRange::new(
            manual.keyword.text_range().start(),
            node.text_range().end(),
        )),
    }
}

fn moves_freely(scrutinee: &ast::Expr, node: &SyntaxNode) -> Option<bool> {
    let scrutinee = unparen(scrutinee.clone());
    let place = match &scrutinee {
        ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_) => true,
        ast::Expr::PrefixExpr(prefix) => prefix.op_kind() == Some(ast::UnaryOp::Deref),
        _ => false,
    };
    if place {
        return Some(false);
    }
    let Some(name) = local_name(&scrutinee) else {
        return Some(true);
    };
    let (body, _) = enclosing_body(node)?;
    let bound_at = match find_binding(node, &name)? {
        Binding::Let(l) => l.syntax().text_range(),
        Binding::For(f) => f.syntax().text_range(),
        Binding::Param(p) => p.syntax().text_range(),
        Binding::Element(..) => return None,
    };
    let same_body = body.text_range().contains_range(bound_at);
    let looped = node
        .ancestors()
        .take_while(|a| *a != body)
        .filter(|a| {
            matches!(
                a.kind(),
                SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR
            )
        })
        .any(|l| !l.text_range().contains_range(bound_at));
    Some(same_body && !looped && !used_after(&body, &name, node.text_range().end()))
}

/// Whether `name` appears in `body` after `offset`, in code or in a macro's
/// unparsed tokens.
fn used_after(body: &SyntaxNode, name: &str, offset: TextSize) -> bool {
    body.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .any(|t| {
            t.kind() == SyntaxKind::IDENT && t.text() == name && t.text_range().start() >= offset
        })
}
