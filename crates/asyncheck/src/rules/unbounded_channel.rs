use crate::diagnostic::Finding;
use crate::rule::{
    Context, FixAvailability, Group, OptionKind, OptionMeta, Pattern, Rule, RuleMeta,
};
use crate::syntax::{ast, resolve_call, AstNode, SyntaxKind, SyntaxNode};

use super::span_of;

pub struct UnboundedChannel;

static META: RuleMeta = RuleMeta {
    name: "unbounded-channel",
    pattern: Pattern::Channels,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags constructors of unbounded channels.",
    flags: "A call to `tokio::sync::mpsc::unbounded_channel`, `futures::channel::mpsc::unbounded` \
(or `futures_channel::mpsc::unbounded`), `async_channel::unbounded`, `flume::unbounded`, \
`crossbeam_channel::unbounded`, `crossbeam::channel::unbounded`, `kanal::unbounded`, \
`kanal::unbounded_async`, or `std::sync::mpsc::channel` (std's `channel` is unbounded; \
`sync_channel` is not). Paths are resolved through the file's imports; a local function with \
the same name is not a channel.",
    why: "An unbounded channel never makes its producers wait. When the consumer falls behind \
(a slow database, a burst of traffic), messages pile up in memory until the process is killed, \
and nothing in the code shows where the pressure went. A bounded channel turns that into \
backpressure: a full channel makes `send().await` wait, so the producer slows to the \
consumer's pace.",
    example: r#"use tokio::sync::mpsc;

async fn start() {
    let (tx, mut rx) = mpsc::unbounded_channel(); //~ unbounded-channel
    tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            println!("{line}");
        }
    });
    tx.send(String::from("hello")).unwrap();
}
"#,
    use_instead: r#"use tokio::sync::mpsc;

async fn start() {
    let (tx, mut rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            println!("{line}");
        }
    });
    tx.send(String::from("hello")).await.unwrap();
}
"#,
    options: &[OptionMeta {
        name: "allow",
        kind: OptionKind::Paths,
        doc: "Full paths of constructors not to flag, e.g. `[\"crossbeam_channel::unbounded\"]` \
where the producer's rate is bounded elsewhere.",
    }],
    fix_safety: None,
    see_also: &["unbounded-fanout"],
    clippy_twins: &[],
};

const UNBOUNDED: &[&str] = &[
    "tokio::sync::mpsc::unbounded_channel",
    "futures::channel::mpsc::unbounded",
    "futures_channel::mpsc::unbounded",
    "async_channel::unbounded",
    "flume::unbounded",
    "crossbeam_channel::unbounded",
    "crossbeam::channel::unbounded",
    "kanal::unbounded",
    "kanal::unbounded_async",
    "std::sync::mpsc::channel",
];

impl Rule for UnboundedChannel {
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
        let Some(constructor) = resolve_call(&call, cx.imports, UNBOUNDED) else {
            return;
        };
        if cx.options.paths("allow").iter().any(|p| p == constructor) {
            return;
        }
        cx.report(
            Finding::new(
                span_of(&call),
                format!("`{constructor}` creates an unbounded channel: if the consumer falls behind, its queue grows without limit"),
            )
            .help(help(constructor)),
        );
    }
}

fn help(constructor: &str) -> &'static str {
    match constructor {
        "std::sync::mpsc::channel" => "use `std::sync::mpsc::sync_channel(capacity)`, or a bounded async channel, so that producers wait when it is full",
        c if c.starts_with("tokio") => "use `tokio::sync::mpsc::channel(capacity)`: a full channel makes `send().await` wait (backpressure)",
        _ => "use the crate's bounded constructor with a capacity, so that producers wait when the channel is full",
    }
}
