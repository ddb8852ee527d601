use crate::diagnostic::{Applicability, Edit, Finding, Fix, Span};
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::ast::{self, HasArgList, HasGenericArgs};
use crate::syntax::{
    callee_path, enclosing_body, let_bound, method_name, resolve_call, unparen, AstNode, Imports,
    Mention, Names, SyntaxKind, SyntaxNode, SyntaxToken,
};

use super::{removal_span, span, span_of};

pub struct PreferTryJoin;

static META: RuleMeta = RuleMeta {
    name: "prefer-try-join",
    pattern: Pattern::StructuredConcurrency,
    group: Group::Patterns,
    fix: FixAvailability::Unsafe,
    skips_tests: false,
    summary: "Flags `join!` results that are only propagated with `?`, where `try_join!` would stop at the first error.",
    flags: "`let (a, b, ..) = tokio::join!(..)` (or `futures::join!`, or \
`futures::future::join(..).await` and its `join3`..`join5`) when every bound name is used, and \
only as the operand of `?` (`let x = a?;`, `a?.foo()`; also after converting its error, \
`a.map_err(E::from)?`, `a.context(..)?`, then with no fix: the conversion belongs on the \
future) in the same body; and \
`join_all(..).await.into_iter().collect::<Result<Vec<_>, _>>()` that is `?`-ed (or collected \
into a `let` of type `Result<Vec<_>, _>` that is only used through `?`), also when the awaited \
`join_all` is first bound to a name used only there. Not flagged when a \
result is inspected otherwise (matched, logged, collected, passed on, `if let`), when a \
tuple element is `_` (its error is ignored on purpose), or in a function returning `Option`.",
    why: "`join!` waits for every future even after one has failed, and the error is only \
looked at afterwards. When every result is `?`-ed anyway, the other futures keep running (and \
holding connections, locks and time) for a result that will be thrown away. `try_join!` and \
`try_join_all` return at the first error and drop, so cancel, the futures still running.",
    example: r#"async fn load(user: u64) -> Result<(), std::io::Error> {
    let (profile, orders) = tokio::join!(fetch(user), fetch(user + 1)); //~ prefer-try-join
    let profile = profile?;
    println!("{profile} {}", orders?);
    Ok(())
}

async fn fetch(id: u64) -> Result<u64, std::io::Error> {
    Ok(id)
}
"#,
    use_instead: r#"async fn load(user: u64) -> Result<(), std::io::Error> {
    let (profile, orders) = tokio::try_join!(fetch(user), fetch(user + 1))?;
    println!("{profile} {orders}");
    Ok(())
}

async fn fetch(id: u64) -> Result<u64, std::io::Error> {
    Ok(id)
}
"#,
    options: &[],
    fix_safety: Some("The fix rewrites `join!` to `try_join!` (`join` to `try_join`, `join_all` to \
`try_join_all`), moves the `?` onto the join and removes it from each use. It is unsafe because \
it changes cancellation: the futures still running when one fails are dropped instead of run to \
completion, and the error returned is the first to happen rather than the first in order. \
`try_join!` also needs every future to have the same error type, where separate `?`s could \
convert different ones."),
    see_also: &["detached-spawn"],
    clippy_twins: &[],
};

const JOIN_MACROS: &[&str] = &["tokio::join", "futures::join", "futures_util::join"];

const JOIN_FUNCTIONS: &[&str] = &[
    "futures::future::join",
    "futures::future::join3",
    "futures::future::join4",
    "futures::future::join5",
    "futures_util::future::join",
    "futures_util::future::join3",
    "futures_util::future::join4",
    "futures_util::future::join5",
];

const JOIN_ALL: &[&str] = &[
    "futures::future::join_all",
    "futures_util::future::join_all",
];

impl Rule for PreferTryJoin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::LET_STMT, SyntaxKind::CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let finding = if let Some(stmt) = ast::LetStmt::cast(node.clone()) {
            tuple_join(&stmt, cx)
        } else if let Some(call) = ast::CallExpr::cast(node.clone()) {
            collected_join_all(&call, cx)
        } else {
            None
        };
        if let Some(finding) = finding {
            cx.report(finding);
        }
    }
}

/// A join whose results could go through one `?`.
struct Join {
    /// The `join!` invocation or the `join(..)` call.
    primary: Span,
    /// The path naming the macro or function, and what it resolved to.
    path: ast::Path,
    resolved: &'static str,
    is_macro: bool,
}

/// `let (a, b) = join!(..);` with every name used only through `?`.
fn tuple_join(stmt: &ast::LetStmt, cx: &Context<'_>) -> Option<Finding> {
    if stmt.ty().is_some() || stmt.let_else().is_some() {
        return None;
    }
    let ast::Pat::TuplePat(tuple) = stmt.pat()? else {
        return None;
    };
    let initializer = stmt.initializer()?;
    let (join, joined) = tuple_joiner(&initializer, cx.imports)?;
    let (body, _) = enclosing_body(stmt.syntax())?;
    if returns_option(&body) {
        return None;
    }
    let names = cx.file_fact(|_, _| Names::default());
    let mut edits = vec![rename_edit(&join)];
    edits.push(Edit {
        span: span(joined.syntax().text_range()).end..span(joined.syntax().text_range()).end,
        replacement: "?".to_owned(),
    });
    // A result whose error is converted first (`x.map_err(E::from)?`) is
    // propagated all the same, but the `try_` form needs the conversion on
    // its future: no mechanical fix then.
    let mut converted = false;
    for field in tuple.fields() {
        let (uses, converts) = question_uses(&field, &body, &names)?;
        converted |= converts;
        // A result only checked (`a?;`) has no value left once the one `?`
        // checks them all: its statements go, and its name becomes `_`, so
        // the fixed code has neither a path statement nor an unused binding.
        let only_checked = uses.iter().all(|q| statement_of(q).is_some());
        if only_checked {
            edits.push(Edit {
                span: span(field.syntax().text_range()),
                replacement: "_".to_owned(),
            });
        }
        edits.extend(
            uses.iter()
                .map(|q| match statement_of(q).filter(|_| only_checked) {
                    Some(statement) => Edit {
                        span: removal_span(&statement),
                        replacement: String::new(),
                    },
                    None => Edit {
                        span: span(q.text_range()),
                        replacement: String::new(),
                    },
                }),
        );
    }
    let bang = if join.is_macro { "!" } else { "" };
    let name = format!("{}{bang}", short_name(join.resolved));
    let finding = Finding::new(
        join.primary.clone(),
        format!("every result of this `{name}` is only propagated with `?`: the other futures keep running after one fails"),
    )
    .help(format!("use `try_{name}`, which returns at the first error and cancels the rest (convert each future's error first where its result is converted)"));
    if converted {
        return Some(finding);
    }
    Some(finding.fix(Fix {
        applicability: Applicability::Unsafe,
        edits,
    }))
}

/// The join an initializer calls, and the expression that yields the tuple.
fn tuple_joiner(initializer: &ast::Expr, imports: &Imports) -> Option<(Join, ast::Expr)> {
    match unparen(initializer.clone()) {
        ast::Expr::MacroExpr(expr) => {
            let call = expr.macro_call()?;
            let path = call.path()?;
            let resolved = imports.resolve(&path, JOIN_MACROS)?;
            let join = Join {
                primary: span_of(&call),
                path,
                resolved,
                is_macro: true,
            };
            Some((join, ast::Expr::MacroExpr(expr)))
        }
        ast::Expr::AwaitExpr(awaited) => {
            let ast::Expr::CallExpr(call) = unparen(awaited.expr()?) else {
                return None;
            };
            let resolved = resolve_call(&call, imports, JOIN_FUNCTIONS)?;
            let join = Join {
                primary: span_of(&call),
                path: callee_path(&call)?,
                resolved,
                is_macro: false,
            };
            Some((join, ast::Expr::AwaitExpr(awaited)))
        }
        _ => None,
    }
}

/// The `?` tokens applied to a tuple element's binding, when that is all
/// that is done with it, in the same body as the join, and whether some
/// use converts the error first (`x.map_err(..)?`, `x.context(..)?`).
fn question_uses(
    field: &ast::Pat,
    body: &SyntaxNode,
    names: &Names,
) -> Option<(Vec<SyntaxToken>, bool)> {
    let ast::Pat::IdentPat(binding) = field else {
        return None;
    };
    if binding.ref_token().is_some() || binding.pat().is_some() {
        return None;
    }
    let uses = names.mentions(binding);
    if uses.is_empty() {
        return None;
    }
    let mut converts = false;
    let questions = uses
        .iter()
        .map(|mention| {
            let Mention::Path(path) = mention else {
                return None;
            };
            let mut value = path.syntax().clone();
            if let Some(conversion) = error_conversion(&value) {
                converts = true;
                value = conversion;
            }
            let question = ast::TryExpr::cast(value.parent()?)?;
            let (use_body, _) = enclosing_body(question.syntax())?;
            if &use_body != body {
                return None;
            }
            question.question_mark_token()
        })
        .collect::<Option<Vec<_>>>()?;
    Some((questions, converts))
}

/// `value.map_err(..)`, `value.context(..)`, `value.with_context(..)`,
/// `value.wrap_err(..)`: the call that converts the error of `value`.
fn error_conversion(value: &SyntaxNode) -> Option<SyntaxNode> {
    let call = ast::MethodCallExpr::cast(value.parent()?)?;
    let converts = call.receiver().is_some_and(|r| r.syntax() == value)
        && method_name(&call).is_some_and(|name| {
            matches!(
                name.as_str(),
                "map_err" | "context" | "with_context" | "wrap_err" | "wrap_err_with"
            )
        });
    converts.then(|| call.syntax().clone())
}

/// The statement `name?;` a question mark ends, if it is one.
fn statement_of(question: &SyntaxToken) -> Option<SyntaxNode> {
    let try_expr = question.parent()?;
    let statement = try_expr.parent()?;
    (statement.kind() == SyntaxKind::EXPR_STMT).then_some(statement)
}

/// `join_all(..).await.into_iter().collect::<Result<Vec<_>, _>>()?`, or the
/// same collected into a `Result<Vec<_>, _>` binding used only through `?`,
/// the awaited `join_all` possibly bound to a name first.
fn collected_join_all(call: &ast::CallExpr, cx: &Context<'_>) -> Option<Finding> {
    let resolved = resolve_call(call, cx.imports, JOIN_ALL)?;
    let awaited = ast::AwaitExpr::cast(call.syntax().parent()?)?;
    let names = cx.file_fact(|_, _| Names::default());
    let results = joined_results(&awaited, &names)?;
    let into_iter = receiver_call(&results, "into_iter")?;
    let collect = receiver_call(into_iter.syntax(), "collect")?;
    if !is_propagated(&collect, &names) {
        return None;
    }
    let join = Join {
        primary: span_of(call),
        path: callee_path(call)?,
        resolved,
        is_macro: false,
    };
    // `results.into_iter().collect::<..>()` becomes `results`, which
    // `try_join_all` makes the `Result<Vec<_>, _>` that was collected.
    let chain_start = span(results.text_range()).end;
    let edits = vec![
        rename_edit(&join),
        Edit {
            span: chain_start..span(collect.syntax().text_range()).end,
            replacement: String::new(),
        },
    ];
    Some(
        Finding::new(
            join.primary,
            "the results of this `join_all` are collected into a `Result` and propagated with `?`: the other futures keep running after one fails",
        )
        .help("use `try_join_all`, which returns at the first error and cancels the rest")
        .fix(Fix {
            applicability: Applicability::Unsafe,
            edits,
        }),
    )
}

/// The expression holding the awaited results: the `.await` itself, or the
/// only mention of the name it is bound to (`let results = join_all(..).await;`)
/// in the same body.
fn joined_results(awaited: &ast::AwaitExpr, names: &Names) -> Option<SyntaxNode> {
    let Some(binding) = let_bound(awaited.syntax()) else {
        return Some(awaited.syntax().clone());
    };
    let stmt = ast::LetStmt::cast(binding.syntax().parent()?)?;
    if stmt.ty().is_some() {
        return None;
    }
    let uses = names.mentions(&binding);
    let [Mention::Path(results)] = uses.as_slice() else {
        return None;
    };
    let same_body = enclosing_body(results.syntax())?.0 == enclosing_body(stmt.syntax())?.0;
    same_body.then(|| results.syntax().clone())
}

/// Whether a `collect` into `Result<Vec<_>, _>` is propagated with `?`, at
/// once or through a `let` of that type used only through `?`.
fn is_propagated(collect: &ast::MethodCallExpr, names: &Names) -> bool {
    let target = collect_target(collect);
    let Some(parent) = collect.syntax().parent() else {
        return false;
    };
    if let Some(question) = ast::TryExpr::cast(parent.clone()) {
        return match target {
            Some(Target::ResultOfVec) => true,
            Some(Target::ResultOfInferred) => question
                .syntax()
                .parent()
                .and_then(ast::LetStmt::cast)
                .and_then(|stmt| stmt.ty())
                .is_some_and(|ty| is_named(&ty, "Vec")),
            None => false,
        };
    }
    let Some(stmt) = ast::LetStmt::cast(parent) else {
        return false;
    };
    let declared_vec = stmt
        .ty()
        .and_then(|ty| result_ok_type(&ty))
        .is_some_and(|ok| is_named(&ok, "Vec"));
    let only_questioned = || {
        let (body, _) = enclosing_body(stmt.syntax())?;
        question_uses(&stmt.pat()?, &body, names).filter(|(_, converts)| !converts)
    };
    target.is_none_or(|t| t == Target::ResultOfVec)
        && declared_vec
        && stmt.let_else().is_none()
        && only_questioned().is_some()
}

/// The argument-less method call `name` whose receiver is `receiver`.
fn receiver_call(receiver: &SyntaxNode, name: &str) -> Option<ast::MethodCallExpr> {
    let call = ast::MethodCallExpr::cast(receiver.parent()?)?;
    let is_receiver = call.receiver().is_some_and(|r| r.syntax() == receiver);
    let no_args = call.arg_list().is_some_and(|a| a.args().next().is_none());
    (is_receiver && no_args && method_name(&call)? == name).then_some(call)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `collect::<Result<Vec<_>, _>>()`
    ResultOfVec,
    /// `collect::<Result<_, _>>()`
    ResultOfInferred,
}

/// What a `collect` turbofish collects into, when it is a `Result`.
fn collect_target(collect: &ast::MethodCallExpr) -> Option<Target> {
    let ast::GenericArg::TypeArg(arg) = collect.generic_arg_list()?.generic_args().next()? else {
        return None;
    };
    match result_ok_type(&arg.ty()?)? {
        ast::Type::InferType(_) => Some(Target::ResultOfInferred),
        ok if is_named(&ok, "Vec") => Some(Target::ResultOfVec),
        _ => None,
    }
}

/// `T` of a `Result<T, ..>` (or of an alias such as `anyhow::Result<T>`).
fn result_ok_type(ty: &ast::Type) -> Option<ast::Type> {
    if !is_named(ty, "Result") {
        return None;
    }
    let ast::Type::PathType(path) = ty else {
        return None;
    };
    let segment = path.path()?.segment()?;
    match segment.generic_arg_list()?.generic_args().next()? {
        ast::GenericArg::TypeArg(arg) => arg.ty(),
        _ => None,
    }
}

/// Whether a written type's last path segment is `name`.
fn is_named(ty: &ast::Type, name: &str) -> bool {
    let ast::Type::PathType(path) = ty else {
        return false;
    };
    path.path()
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|n| n.text() == name)
}

/// Whether the function or closure `body` declares an `Option` return type:
/// `?` there propagates `None`, which `try_join!` cannot express.
fn returns_option(body: &SyntaxNode) -> bool {
    let ret = match_ret_type(body);
    ret.is_some_and(|ty| is_named(&ty, "Option"))
}

fn match_ret_type(body: &SyntaxNode) -> Option<ast::Type> {
    if let Some(function) = ast::Fn::cast(body.clone()) {
        return function.ret_type()?.ty();
    }
    ast::ClosureExpr::cast(body.clone())?.ret_type()?.ty()
}

/// `join`/`join_all` of a resolved path, without its module.
fn short_name(resolved: &str) -> &str {
    resolved.rsplit("::").next().unwrap_or(resolved)
}

/// Renames the join to its `try_` form: the last segment of a qualified
/// path, or the whole imported name (which may be renamed, and whose
/// `try_` twin may not be imported) by the full path.
fn rename_edit(join: &Join) -> Edit {
    let name = short_name(join.resolved);
    let try_name = format!("try_{name}");
    let last = join
        .path
        .segment()
        .and_then(|s| s.name_ref())
        .filter(|_| join.path.qualifier().is_some());
    match last {
        Some(name_ref) => Edit {
            span: span_of(&name_ref),
            replacement: try_name,
        },
        None => {
            let module = join.resolved.strip_suffix(name).unwrap_or_default();
            Edit {
                span: span_of(&join.path),
                replacement: format!("{module}{try_name}"),
            }
        }
    }
}
