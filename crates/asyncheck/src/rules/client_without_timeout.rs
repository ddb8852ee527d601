use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, follow_builder, is_generated_file, method_name, resolve_call, unparen, AstNode, Names,
    SyntaxKind, SyntaxNode,
};

use super::{span, span_of};

pub struct ClientWithoutTimeout;

static META: RuleMeta = RuleMeta {
    name: "client-without-timeout",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags network clients built with no timeout at all.",
    flags: "`reqwest::Client::new()` and `reqwest::Client::default()`; a \
`reqwest::Client::builder()`, `reqwest::ClientBuilder::new()` or `ClientBuilder::default()` built with `.build()` without \
`.timeout(..)`, `.connect_timeout(..)` or `.read_timeout(..)`; a `tonic::transport::Endpoint` \
(`Endpoint::new`, `Endpoint::from_static`, `Endpoint::from_shared`, `Channel::from_static`, \
`Channel::from_shared`) connected with `.connect()` or `.connect_lazy()` without `.timeout(..)` \
or `.connect_timeout(..)`. The builder is followed through its method chain and the locals of \
the same function it is bound to, so one configured in later statements \
(`let b = Client::builder(); let b = b.timeout(d);`) counts as configured. Not flagged: a \
builder passed to or returned from a function before it is built (it is configured there), \
`reqwest::blocking` clients (`blocking-in-async` covers their use in async code); a client \
made for one request that sets that request's own timeout \
(`Client::new().get(url).timeout(d).send()`); test code; generated files (`@generated` in \
their first lines, as prost and tonic write). \
No fix is offered: how long a request may take is the caller's decision, and no duration \
chosen for them would be right for every service.",
    why: "Without a timeout, reqwest and tonic wait as long as the peer lets them: a server \
that accepts the connection and never answers, or a connection that silently dies (a NAT or \
load balancer dropping it), keeps the request pending forever. Every task that sends a request \
through the client then hangs with it, holding whatever it holds. A client-wide timeout \
bounds every request made through it; per-request `.timeout(..)` calls have to be remembered \
at each one.",
    example: r#"use reqwest::Client;
use tonic::transport::Endpoint;

async fn clients() -> anyhow::Result<()> {
    let http = Client::new(); //~ client-without-timeout
    let api = Client::builder() //~ client-without-timeout
        .user_agent("svc/1.0")
        .build()?;
    let grpc = Endpoint::from_static("http://[::1]:50051").connect().await?; //~ client-without-timeout
    let _ = (http, api, grpc);
    Ok(())
}
"#,
    use_instead: r#"use std::time::Duration;

use reqwest::Client;
use tonic::transport::Endpoint;

async fn clients() -> anyhow::Result<()> {
    let api = Client::builder()
        .user_agent("svc/1.0")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()?;
    let grpc = Endpoint::from_static("http://[::1]:50051")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .connect()
        .await?;
    let _ = (api, grpc);
    Ok(())
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["missing-timeout"],
    clippy_twins: &[],
};

/// Constructors of a client that cannot be configured any more.
const UNCONFIGURED_CLIENTS: &[&str] = &["reqwest::Client::new", "reqwest::Client::default"];

/// A client's constructors whose value is configured until it is finished.
struct Builder {
    constructors: &'static [&'static str],
    finish: &'static [&'static str],
    timeouts: &'static [&'static str],
    /// What the help suggests.
    example: &'static str,
}

const BUILDERS: &[Builder] = &[
    Builder {
        constructors: &[
            "reqwest::Client::builder",
            "reqwest::ClientBuilder::new",
            "reqwest::ClientBuilder::default",
        ],
        finish: &["build"],
        timeouts: &["timeout", "connect_timeout", "read_timeout"],
        example: "`.connect_timeout(..)` and `.timeout(..)` before `.build()`",
    },
    Builder {
        constructors: &[
            "tonic::transport::Endpoint::new",
            "tonic::transport::Endpoint::from_static",
            "tonic::transport::Endpoint::from_shared",
            "tonic::transport::Channel::from_static",
            "tonic::transport::Channel::from_shared",
        ],
        // `connect_with_connector`: the connector may bound the connect.
        finish: &["connect", "connect_lazy"],
        timeouts: &["timeout", "connect_timeout"],
        example: "`.connect_timeout(..)` and `.timeout(..)` before `.connect()`",
    },
];

impl Rule for ClientWithoutTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(call) = ast::CallExpr::cast(node.clone()) else {
            return;
        };
        if let Some(constructor) = resolve_call(&call, cx.imports, UNCONFIGURED_CLIENTS) {
            if is_generated_file(cx.text) || request_has_timeout(&call) {
                return;
            }
            cx.report(
                Finding::new(
                    span_of(&call),
                    format!("`{constructor}()` builds a client with no timeout: a request through it can wait forever"),
                )
                .help("build it with `reqwest::Client::builder()` and set `.connect_timeout(..)` and `.timeout(..)`"),
            );
            return;
        }
        let Some((builder, constructor)) = BUILDERS
            .iter()
            .find_map(|b| resolve_call(&call, cx.imports, b.constructors).map(|found| (b, found)))
        else {
            return;
        };
        if is_generated_file(cx.text) {
            return;
        }
        let names = cx.file_fact(|_, _| Names::default());
        let used = follow_builder(node, builder.finish, &names);
        if used.escapes || used.called(builder.timeouts) {
            return;
        }
        let Some(finished) = used.finished.first() else {
            return;
        };
        let finish = finished
            .name_ref()
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        cx.report(
            Finding::new(
                span_of(&call),
                format!("`{constructor}(..)` builds a client with no timeout: a request through it can wait forever"),
            )
            .label(span(finished.name_ref().map_or(finished.syntax().text_range(), |n| n.syntax().text_range())), format!("finished by `.{finish}()` without a timeout"))
            .help(format!("set {}", builder.example)),
        );
    }
}

/// A client made for one request that carries its own timeout:
/// `Client::new().get(url).timeout(d).send()`.
fn request_has_timeout(client: &ast::CallExpr) -> bool {
    let mut expr = client.syntax().clone();
    while let Some(call) = expr.parent().and_then(ast::MethodCallExpr::cast) {
        let on_chain = call
            .receiver()
            .is_some_and(|r| unparen(r).syntax() == &expr);
        match method_name(&call) {
            Some(name) if on_chain && name == "timeout" => return true,
            Some(name) if on_chain && name != "send" => expr = call.syntax().clone(),
            _ => return false,
        }
    }
    false
}
