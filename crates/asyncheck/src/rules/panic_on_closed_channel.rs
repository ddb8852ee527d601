use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast, closed_channel_unwrap, AstNode, ChannelFacts, ChannelUnwrap, FieldTypes, Names, Side,
    SyntaxKind, SyntaxNode, TextRange,
};

use super::span;

pub struct PanicOnClosedChannel;

static META: RuleMeta = RuleMeta {
    name: "panic-on-closed-channel",
    pattern: Pattern::Errors,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags `.unwrap()`/`.expect(..)` on a channel operation that fails once the other end is gone.",
    flags: "`.unwrap()` or `.expect(..)` on the result of `send(..)` (awaited or not) or \
`recv()` on a tokio, futures, async-channel, flume, crossbeam or std channel end, flume's \
`send_async(..)`/`recv_async()`, tokio's `blocking_send(..)`, an awaited tokio \
`oneshot::Receiver`, `watch::Receiver::changed()` and `broadcast::Receiver::recv()`. A channel \
end is known by its binding (`let (tx, rx) = mpsc::channel(8)` and the other constructors, a \
`clone()` of a known end, a broadcast `subscribe()`, the sender of tonic's \
`Channel::balance_channel`), by the declared type of a local, a parameter or a struct field of \
the same file or the declared return type of the crate function that made it \
(`fn start() -> mpsc::Sender<Job>`, in any file of the crate) (also taken out of an `Option`: `self.rx.take().unwrap()`, `if let Some(tx) = \
self.reply.take()`), or as an element of a received message whose type is written \
(`while let Some((job, reply)) = rx.recv().await` with \
`rx: mpsc::Receiver<(Job, oneshot::Sender<u64>)>` or `mpsc::channel::<(..)>(8)`), or as a \
field of a struct or enum variant pattern, by the field's declared type anywhere in the crate \
(`Request::Get { key, reply }`, `Write(answer, data)`: the request/reply shape of actors); a \
crate type that wraps an end is one when its method, declared anywhere in the crate, fails with \
the channel's own error (`fn send(&self, e: Event) -> Result<(), SendError<Event>>`; `RecvError` \
for a receive). The result \
may be unwrapped through a local (`let r = rx.recv().await;`, a `select!` branch \
`r = rx.recv() =>`) when the unwrap is the local's only use (a `debug_assert!` aside), or \
out of a deadline's `Ok` (`timeout(d, rx.recv()).await?.unwrap()`, also through `.ok()?`). Not flagged: `try_send`/`try_recv` (a full or \
empty channel is not a closed one); results handled any other way (`?`, `if let Err`, \
`let _ =`, `.ok()`); an end whose other end, from the same `channel()` call, is still owned by \
the function making the call (up to the call, only borrowed there, never moved into a task, a \
call or a struct, nor dropped): it cannot be gone; likewise a struct field whose struct also \
has a field holding the other end (not in an `Option`) (a broadcast receive is flagged even then: it \
also fails when it lags behind). `unwrap-in-fallible-async` leaves these calls to \
this rule.",
    why: "A send fails when every receiver is gone, a receive when every sender is gone (a \
broadcast receive also when it lags behind). That is what happens during shutdown, \
cancellation, or when the peer task crashed: the unwrap turns an orderly shutdown into a \
panic, and one task's failure into a cascade of panics in every task talking to it. Decide \
what a closed channel means here: stop the loop, return an error, or ignore it on purpose.",
    example: r#"use tokio::sync::{mpsc, oneshot};

struct Request {
    reply: oneshot::Sender<u64>,
}

async fn ask(requests: &mpsc::Sender<Request>) -> u64 {
    let (reply, answer) = oneshot::channel();
    requests.send(Request { reply }).await.unwrap(); //~ panic-on-closed-channel
    answer.await.expect("worker is running") //~ panic-on-closed-channel
}
"#,
    use_instead: r#"use tokio::sync::{mpsc, oneshot};

struct Request {
    reply: oneshot::Sender<u64>,
}

async fn ask(requests: &mpsc::Sender<Request>) -> Option<u64> {
    let (reply, answer) = oneshot::channel();
    requests.send(Request { reply }).await.ok()?;
    answer.await.ok()
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["unwrap-in-fallible-async"],
    clippy_twins: &[],
};

impl Rule for PanicOnClosedChannel {
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
        let facts = ChannelFacts {
            fields: &|| cx.file_fact(|root, _| FieldTypes::of(root)),
            names: &|| cx.file_fact(|_, _| Names::default()),
        };
        let Some(found) = closed_channel_unwrap(&call, cx.imports, &facts) else {
            return;
        };
        let Some(name) = call.name_ref() else {
            return;
        };
        let start = call
            .dot_token()
            .map_or(name.syntax().text_range().start(), |dot| {
                dot.text_range().start()
            });
        let range = TextRange::new(start, call.syntax().text_range().end());
        cx.report(
            Finding::new(span(range), message(&found, name.text()))
                .help("handle the closed channel: stop (`break`/`return`), propagate it with `?`, or ignore it on purpose with `let _ =`"),
        );
    }
}

fn message(found: &ChannelUnwrap, method: &str) -> String {
    let fails = match (found.end.side, found.operation.as_str()) {
        (Side::Sender, _) => "fails when every receiver is gone",
        (Side::Receiver, "await") => "fails when the sender is dropped without sending",
        (Side::Receiver, "changed") => "fails when the sender is gone",
        (Side::Receiver, _) => "fails when every sender is gone",
    };
    let operation = match found.operation.as_str() {
        "await" => "awaiting the oneshot receiver".to_owned(),
        op => format!("`{op}`"),
    };
    format!("`.{method}()` panics when the channel closes: {operation} {fails}, as during shutdown or after the peer task crashed")
}
