use crate::diagnostic::Finding;
use crate::rule::{
    Context, FixAvailability, Group, OptionKind, OptionMeta, Pattern, Rule, RuleMeta,
};
use crate::syntax::{
    ast::{self, HasArgList},
    closed_channel_unwrap, enclosing_body, fallible_return, is_task_outcome, method_name, unparen,
    AstNode, BodyKind, ChannelFacts, Fallible, FieldTypes, Names, SyntaxKind, SyntaxNode,
};

use super::span;

pub struct UnwrapInFallibleAsync;

static META: RuleMeta = RuleMeta {
    name: "unwrap-in-fallible-async",
    pattern: Pattern::Errors,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags `.unwrap()` and `.expect(..)` in an `async fn` that returns a `Result`.",
    flags: "A call `.unwrap()` or `.expect(msg)` directly in the body of an `async fn` whose \
return type's last path segment ends in `Result` (`Result<T, E>`, `io::Result<T>`, \
`anyhow::Result<T>`), or is a crate alias of such a type (`type Fallible<T> = Result<T, Error>`; \
an alias of anything else is not one, whatever its name: `type JobResult = Vec<u8>`). Not flagged: the lock-poisoning idiom (`.lock()`, `.read()` or `.write()` \
with no arguments, then `.unwrap()`/`.expect(..)`); `.await.unwrap()` on a spawned task's \
`JoinHandle` (the spawn call itself, a local bound to one, a `JoinHandle` parameter, or the \
variable of a `for` over handles), which re-raises the task's panic, and the same result \
reached through `join!`/`try_join!` (`let (a, b) = tokio::join!(h1, h2)`), `join_all` or \
`try_join_all` over handles, or a `JoinSet`'s `join_next()`; `.expect(\"..\")` with a string \
literal, which states an invariant the author chose (unless `check-expect`); what \
`panic-on-closed-channel` flags (an unwrapped send, receive or oneshot receiver on a known \
channel end); calls inside closures, \
`async` blocks and nested functions, which are other bodies: an `async` block is a separate \
future whose output is not the function's `Result`, so `?` there would not reach the caller; \
functions that return anything but a `Result`.",
    why: "The function already has a way to report failure: its `Result`. A panic instead tears \
down the whole task (and, with `panic = \"abort\"`, the process), skips the caller's error \
handling and retry logic, and under tokio only surfaces as a `JoinError` far from the cause. \
`?` with context (`anyhow::Context`, a `thiserror` variant) sends the error to the caller, \
which can decide.",
    example: r#"use anyhow::Context;

async fn load_config(path: &str) -> anyhow::Result<Config> {
    let text = tokio::fs::read_to_string(path).await.unwrap(); //~ unwrap-in-fallible-async
    let config = toml::from_str(&text).expect(&format!("{path} is valid")); //~ unwrap-in-fallible-async
    Ok(config)
}
"#,
    use_instead: r#"use anyhow::Context;

async fn load_config(path: &str) -> anyhow::Result<Config> {
    let text = tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("reading {path}"))?;
    let config = toml::from_str(&text).context("parsing the config")?;
    Ok(config)
}
"#,
    options: &[OptionMeta {
        name: "check-expect",
        kind: OptionKind::Bool(false),
        doc: "Also flag `.expect(\"..\")` whose message is a string literal.",
    }],
    fix_safety: None,
    see_also: &["manual-question-mark", "panic-on-closed-channel"],
    clippy_twins: &["unwrap_used", "expect_used"],
};

impl Rule for UnwrapInFallibleAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(call) = ast::MethodCallExpr::cast(node.clone()) else {
            return;
        };
        let Some(name) = panicking_method(&call) else {
            return;
        };
        let Some((body, BodyKind::AsyncFn)) = enclosing_body(node) else {
            return;
        };
        if fallible_return(&body, cx.imports) != Some(Fallible::Result) {
            return;
        }
        let Some(receiver) = call.receiver() else {
            return;
        };
        if is_lock_poisoning(&receiver) || is_task_outcome(&receiver, cx.imports) {
            return;
        }
        if name == "expect" && states_invariant(&call) && !cx.options.flag("check-expect") {
            return;
        }
        // `panic-on-closed-channel` owns these: one finding per unwrap.
        let facts = ChannelFacts {
            fields: &|| cx.file_fact(|root, _| FieldTypes::of(root)),
            names: &|| cx.file_fact(|_, _| Names::default()),
        };
        if closed_channel_unwrap(&call, cx.imports, &facts).is_some() {
            return;
        }
        let Some(name_ref) = call.name_ref() else {
            return;
        };
        cx.report(
            Finding::new(
                span(name_ref.syntax().text_range()),
                format!("`.{name}()` panics the task although this `async fn` returns a `Result`"),
            )
            .help("propagate the error with `?`, adding context (`anyhow::Context::context`, a `thiserror` variant, `.ok_or(..)?` for an `Option`)"),
        );
    }
}

/// `unwrap()` or `expect(msg)`, by their std signatures.
fn panicking_method(call: &ast::MethodCallExpr) -> Option<&'static str> {
    let args = call.arg_list()?.args().count();
    match (method_name(call)?.as_str(), args) {
        ("unwrap", 0) => Some("unwrap"),
        ("expect", 1) => Some("expect"),
        _ => None,
    }
}

/// `.expect("..")` with a literal message: the author wrote down why the
/// value is always there.
fn states_invariant(call: &ast::MethodCallExpr) -> bool {
    call.arg_list()
        .and_then(|args| args.args().next())
        .is_some_and(|arg| match unparen(arg) {
            ast::Expr::Literal(literal) => {
                matches!(literal.kind(), ast::LiteralKind::String(_))
            }
            _ => false,
        })
}

/// `m.lock()`, `l.read()`, `l.write()` with no arguments: a std lock whose
/// `Err` only says another thread panicked while holding it.
fn is_lock_poisoning(receiver: &ast::Expr) -> bool {
    let ast::Expr::MethodCallExpr(lock) = unparen(receiver.clone()) else {
        return false;
    };
    let no_args = lock.arg_list().is_some_and(|a| a.args().next().is_none());
    no_args && method_name(&lock).is_some_and(|n| matches!(n.as_str(), "lock" | "read" | "write"))
}
