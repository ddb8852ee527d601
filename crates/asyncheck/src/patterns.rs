//! The pattern catalogue: the six async patterns the rules come from, each
//! declared once here and rendered by every surface (`asyncheck patterns`,
//! `explain PATTERN`, docs/patterns/, the MCP server). The rules that
//! enforce a pattern are not listed here: they are read from each rule's
//! `RuleMeta::pattern`.

use crate::registry;
use crate::rule::{Pattern, RuleMeta};

/// One pattern's page.
#[derive(Debug)]
pub struct PatternDoc {
    /// The rule of thumb, as rules.md states it.
    pub rule_of_thumb: &'static str,
    /// Topics to find the pattern by.
    pub tags: &'static [&'static str],
    /// Why the pattern holds.
    pub rationale: &'static str,
    /// Code that breaks the pattern. With every rule on, each line marked
    /// `//~ rule` is flagged by that rule and nothing else is; at least one
    /// mark names a rule of this pattern.
    pub bad: &'static str,
    /// The same code following the pattern: no rule flags it.
    pub good: &'static str,
    pub best_practices: &'static [&'static str],
    /// Which tool fits which situation.
    pub choose_between: &'static [Choice],
    pub related: &'static [Pattern],
}

/// A tool and when it is the one to use.
#[derive(Debug)]
pub struct Choice {
    pub tool: &'static str,
    pub when: &'static str,
}

impl Pattern {
    /// The pattern's page in the catalogue.
    pub fn doc(self) -> &'static PatternDoc {
        match self {
            Pattern::Spawn => &SPAWN,
            Pattern::Channels => &CHANNELS,
            Pattern::Cancellation => &CANCELLATION,
            Pattern::Errors => &ERRORS,
            Pattern::StructuredConcurrency => &STRUCTURED_CONCURRENCY,
            Pattern::Blocking => &BLOCKING,
        }
    }

    pub fn rule_of_thumb(self) -> &'static str {
        self.doc().rule_of_thumb
    }

    /// A pattern by name, also as written with underscores or capitals.
    pub fn parse(name: &str) -> Option<Pattern> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        Pattern::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The rules that enforce the pattern, in the registry's order.
    pub fn rules(self) -> impl Iterator<Item = &'static RuleMeta> {
        registry::rules()
            .iter()
            .map(|rule| rule.meta())
            .filter(move |meta| meta.pattern == self)
    }
}

const SPAWN: PatternDoc = PatternDoc {
    rule_of_thumb: "Independent concurrent work goes to `tokio::spawn`; independent tasks do not share state.",
    tags: &["tasks", "spawn", "shared-state", "results"],
    rationale: "A spawned task runs on its own, possibly on another worker thread, for as long \
as it needs. That independence is what makes it cheap to reason about, and it is lost as soon \
as tasks reach into shared state to hand back what they computed: every task then contends on \
one lock, the lock's poisoning and ordering become part of the program, and the parent has to \
guess when the shared value is complete. A task that owns its inputs and returns its output \
through its `JoinHandle` needs no lock at all, and its result arrives exactly when the task \
ends, with its panic or error attached.",
    bad: r#"use std::sync::{Arc, Mutex};

async fn manifest_sizes(dir: &str) -> Vec<u64> {
    let sizes = Arc::new(Mutex::new(Vec::new())); //~ mutex-for-task-results
    let mut tasks = Vec::new();
    for name in ["Cargo.toml", "Cargo.lock", "README.md"] {
        let path = format!("{dir}/{name}");
        let sizes = Arc::clone(&sizes);
        tasks.push(tokio::spawn(async move {
            let size = tokio::fs::metadata(&path).await.map_or(0, |m| m.len());
            sizes.lock().unwrap().push(size);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let sizes = sizes.lock().unwrap().clone();
    sizes
}
"#,
    good: r#"use tokio::task::JoinSet;

async fn manifest_sizes(dir: &str) -> Vec<u64> {
    let mut set = JoinSet::new();
    for name in ["Cargo.toml", "Cargo.lock", "README.md"] {
        let path = format!("{dir}/{name}");
        set.spawn(async move { tokio::fs::metadata(&path).await.map_or(0, |m| m.len()) });
    }
    let mut sizes = Vec::new();
    while let Some(size) = set.join_next().await {
        sizes.extend(size.ok());
    }
    sizes
}
"#,
    best_practices: &[
        "Move what a task needs into it (`async move`) and return what it computes: the `JoinHandle` or `JoinSet` carries the result back.",
        "Share state only when the tasks really collaborate on it (a cache, a connection pool), and then behind a type made for it rather than a bare `Arc<Mutex<Vec<_>>>`.",
        "Spawn work that is independent and long enough to pay for a task; a few futures awaited together (`join!`) need no task at all.",
        "Keep every handle a spawn returns: what is not awaited is neither observed nor stopped (see structured-concurrency).",
    ],
    choose_between: &[
        Choice {
            tool: "`tokio::spawn`",
            when: "the work is independent and should run in parallel with the caller, possibly on another thread",
        },
        Choice {
            tool: "`join!` / `try_join!` without spawning",
            when: "a few futures only need to make progress together inside the current task",
        },
        Choice {
            tool: "`spawn_blocking`",
            when: "the work blocks or is long CPU work (see blocking)",
        },
    ],
    related: &[Pattern::StructuredConcurrency, Pattern::Blocking],
};

const CHANNELS: PatternDoc = PatternDoc {
    rule_of_thumb: "Prefer bounded channels: a full channel makes producers wait (backpressure). Unbounded only where the producer rate is bounded or backpressure is applied elsewhere.",
    tags: &["channels", "backpressure", "mpsc", "memory"],
    rationale: "A channel sits between a producer and a consumer that run at different speeds. \
When the consumer falls behind, something has to give: with a bounded channel the producer \
waits at `send().await` until there is room, so the slowdown travels upstream to whoever can \
absorb it. With an unbounded channel nothing gives: messages pile up in memory until the \
process runs out of it, and the latency of every queued message grows with the queue. The \
same holds for tasks: spawning one per input item with nothing limiting how many run at once \
is an unbounded queue of work.",
    bad: r#"use tokio::sync::mpsc;

async fn pipeline(events: Vec<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel(); //~ unbounded-channel
    let writer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            store(event).await;
        }
    });
    for event in events {
        if tx.send(event).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

async fn store(event: String) {
    let _ = event;
}
"#,
    good: r#"use tokio::sync::mpsc;

async fn pipeline(events: Vec<String>) {
    let (tx, mut rx) = mpsc::channel(64);
    let writer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            store(event).await;
        }
    });
    for event in events {
        if tx.send(event).await.is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

async fn store(event: String) {
    let _ = event;
}
"#,
    best_practices: &[
        "Size a bounded channel for the bursts you expect, not for the worst case: the bound is where backpressure starts.",
        "Treat a failed `send` or a `None` from `recv` as the other side having gone away (usually shutdown), not as a bug to `unwrap`.",
        "Close a channel by dropping every sender; the receiver then drains what is left and ends its loop.",
        "Bound concurrency as well as queues: a `Semaphore`, `buffer_unordered(n)` or a fixed worker pool instead of one task per input item.",
        "Keep an unbounded channel only where the producer's rate is bounded by construction (one message per request already admitted, say) and write down why.",
    ],
    choose_between: &[
        Choice {
            tool: "`mpsc::channel(n)`",
            when: "a stream of work or events from one or many producers to one consumer",
        },
        Choice {
            tool: "`oneshot`",
            when: "exactly one reply, such as the answer to a request sent over an mpsc channel",
        },
        Choice {
            tool: "`broadcast`",
            when: "every subscriber should see every message, and slow ones may miss some (they are told so)",
        },
        Choice {
            tool: "`watch`",
            when: "only the latest value matters (configuration, state, a shutdown flag)",
        },
    ],
    related: &[Pattern::Cancellation, Pattern::StructuredConcurrency],
};

const CANCELLATION: PatternDoc = PatternDoc {
    rule_of_thumb: "Every long-running task has a cancellation path (`tokio::select!` on a shutdown signal or token), external operations have timeouts, resources are cleaned up on cancellation.",
    tags: &["cancellation", "shutdown", "timeouts", "select", "retries"],
    rationale: "In async Rust a future is cancelled by dropping it, at any `.await`. That makes \
stopping cheap, but only for code that is built to stop: a task that loops forever with no \
way to hear a shutdown keeps a service from exiting cleanly, and an operation on the network \
with no deadline can wait forever on a peer that went silent, holding its connection, its \
permits and its caller with it. Cancellation is a path through the program like any other: \
it should be reachable (a token or signal every long-running task listens to), bounded (a \
timeout on everything external) and tidy (state flushed or rolled back, the stop logged).",
    bad: r#"use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

async fn report(addr: &str, line: &[u8]) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?; //~ missing-timeout
    stream.write_all(line).await
}

fn start(addr: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop { //~ uncancellable-loop
            tick.tick().await;
            let _ = report(&addr, b"alive\n").await;
        }
    })
}
"#,
    good: r#"use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

async fn report(addr: &str, line: &[u8]) -> std::io::Result<()> {
    let mut stream = timeout(Duration::from_secs(5), TcpStream::connect(addr)).await??;
    timeout(Duration::from_secs(5), stream.write_all(line)).await?
}

fn start(addr: String, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    tracing::info!("heartbeat to {addr} stopped: shutting down");
                    let _ = report(&addr, b"bye\n").await;
                    break;
                }
                _ = tick.tick() => {
                    if let Err(error) = report(&addr, b"alive\n").await {
                        tracing::warn!("heartbeat to {addr} failed: {error}");
                    }
                }
            }
        }
    })
}
"#,
    best_practices: &[
        "Give every long-running task a shutdown path: a `CancellationToken` (or a `watch`/`broadcast` signal) that its loop `select!`s on beside its work.",
        "Put a timeout on every external operation (connect, handshake, request, query): `tokio::time::timeout`, or the client's own timeout settings.",
        "Clean up on cancellation: flush buffers, roll back or commit what was half done, release what is held; code after an `.await` may never run, so keep such state in guards whose `Drop` tidies up or handle the shutdown branch explicitly.",
        "Log cancellation: say which task stopped and why (shutdown, timeout, caller gone), so that an exit or a lost request can be explained afterwards.",
        "Only put cancel-safe futures in a `select!` loop (`recv`, `tick`, `accept`); create the others once, pin them, and poll them by reference.",
        "Retry with a growing delay and a limit, never in a tight loop.",
    ],
    choose_between: &[
        Choice {
            tool: "`CancellationToken`",
            when: "a tree of tasks should stop on one signal (child tokens for parts of it)",
        },
        Choice {
            tool: "`tokio::time::timeout`",
            when: "one operation must finish within a deadline",
        },
        Choice {
            tool: "dropping the future or `JoinHandle::abort`",
            when: "the work can stop at any `.await` with nothing to clean up",
        },
        Choice {
            tool: "closing a channel",
            when: "a consumer should stop once its producers are gone",
        },
    ],
    related: &[Pattern::StructuredConcurrency, Pattern::Channels, Pattern::Errors],
};

const ERRORS: PatternDoc = PatternDoc {
    rule_of_thumb: "Propagate errors with `?` on `Result`; keep context with anyhow/thiserror instead of manual matching or panics.",
    tags: &["errors", "panics", "result", "unwrap"],
    rationale: "A function that returns `Result` has promised its caller to report failure as \
a value. A panic inside it breaks the promise: in a task it ends the task (and poisons any \
std lock it holds), the caller sees a `JoinError` with no context, and a failure that was \
expected, such as a missing file, a closed channel or a peer that went away, is reported as a \
crash. Matching on every `Result` by hand to return its error says the same as `?` in five \
lines and drops the chance to add context. `?` with a context message keeps the happy path \
readable and makes the eventual error say what was being done.",
    bad: r#"use serde::Deserialize;

#[derive(Deserialize)]
struct Config {
    port: u16,
}

async fn load(path: &str) -> anyhow::Result<Config> {
    let text = match tokio::fs::read_to_string(path).await { //~ manual-question-mark
        Ok(text) => text,
        Err(error) => return Err(error.into()),
    };
    let config: Config = toml::from_str(&text).unwrap(); //~ unwrap-in-fallible-async
    Ok(config)
}
"#,
    good: r#"use anyhow::Context;
use serde::Deserialize;

#[derive(Deserialize)]
struct Config {
    port: u16,
}

async fn load(path: &str) -> anyhow::Result<Config> {
    let text = tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("reading {path}"))?;
    let config: Config = toml::from_str(&text).with_context(|| format!("parsing {path}"))?;
    Ok(config)
}
"#,
    best_practices: &[
        "Return `Result` from fallible async functions and propagate with `?`.",
        "Add context where an error crosses a boundary (`with_context` in applications, an error variant with `thiserror` in libraries).",
        "Keep `unwrap`/`expect` for invariants the code itself guarantees, with an `expect` message that says which.",
        "Handle a closed channel as an outcome (the other side stopped), not with `unwrap`.",
        "Await every task's `JoinHandle` and look at its result: a task's error or panic is only seen there.",
    ],
    choose_between: &[
        Choice {
            tool: "`?`",
            when: "the caller can do something about the error, or should report it",
        },
        Choice {
            tool: "`.context(..)` / `.with_context(..)`",
            when: "the error alone would not say what was being attempted",
        },
        Choice {
            tool: "`expect(\"why this cannot fail\")`",
            when: "failure would be a bug in this code, not a condition of the world",
        },
    ],
    related: &[Pattern::Cancellation, Pattern::StructuredConcurrency],
};

const STRUCTURED_CONCURRENCY: PatternDoc = PatternDoc {
    rule_of_thumb: "Child tasks complete before their parent returns: `join!` for a fixed set, `try_join!` when any error should cancel the others, `JoinSet` for dynamic sets, a kept `JoinHandle` only when a task must outlive its parent.",
    tags: &["tasks", "join", "joinset", "shutdown", "lifetimes"],
    rationale: "Concurrency is easy to follow when it nests like function calls: work started in \
a function has finished (or been stopped) by the time the function returns, so its errors \
reach the caller and nothing keeps running behind its back. A spawned task whose handle is \
dropped breaks that: its panic or error is seen by nobody, nothing waits for it at shutdown, \
and it may still be writing when the caller believes the work is done. `join!` and \
`try_join!` keep a fixed set of futures inside the caller, `JoinSet` does the same for a set \
whose size is known only at run time (and aborts what is left when it is dropped), and a \
kept `JoinHandle` makes a longer-lived task an explicit, owned thing.",
    bad: r#"async fn refresh_all(users: Vec<u64>) {
    for user in users {
        tokio::spawn(refresh(user)); //~ detached-spawn, unbounded-fanout
    }
}

async fn refresh(user: u64) -> anyhow::Result<()> {
    tokio::spawn(audit(user)); //~ detached-spawn
    let (profile, orders) = tokio::join!(fetch_profile(user), fetch_orders(user)); //~ prefer-try-join
    let profile = profile?;
    let orders = orders?;
    render(profile, orders);
    Ok(())
}

async fn audit(user: u64) {
    let _ = user;
}

async fn fetch_profile(user: u64) -> anyhow::Result<String> {
    Ok(user.to_string())
}

async fn fetch_orders(user: u64) -> anyhow::Result<usize> {
    Ok(user as usize)
}

fn render(profile: String, orders: usize) {
    println!("{profile}: {orders}");
}
"#,
    good: r#"use tokio::task::JoinSet;

async fn refresh_all(users: Vec<u64>) -> anyhow::Result<()> {
    let mut set = JoinSet::new();
    for user in users {
        if set.len() >= 16 {
            if let Some(done) = set.join_next().await {
                done??;
            }
        }
        set.spawn(refresh(user));
    }
    while let Some(done) = set.join_next().await {
        done??;
    }
    Ok(())
}

async fn refresh(user: u64) -> anyhow::Result<()> {
    let audit = tokio::spawn(audit(user));
    let (profile, orders) = tokio::try_join!(fetch_profile(user), fetch_orders(user))?;
    render(profile, orders);
    audit.await?;
    Ok(())
}

async fn audit(user: u64) {
    let _ = user;
}

async fn fetch_profile(user: u64) -> anyhow::Result<String> {
    Ok(user.to_string())
}

async fn fetch_orders(user: u64) -> anyhow::Result<usize> {
    Ok(user as usize)
}

fn render(profile: String, orders: usize) {
    println!("{profile}: {orders}");
}
"#,
    best_practices: &[
        "Keep every `JoinHandle` or `JoinSet` you create, and await it before the owner returns.",
        "Reap a `JoinSet` as it goes (`join_next` in the loop that fills it) so that finished tasks do not pile up.",
        "Give a task that must outlive its parent an owner: store its handle where shutdown can reach it, and stop and await it there.",
        "Look at each task's result: `JoinError` says whether it panicked or was cancelled.",
        "Hold a semaphore permit for as long as the work it limits, by moving it into the task.",
    ],
    choose_between: &[
        Choice {
            tool: "`join!`",
            when: "a fixed set of futures that should all run to completion, whatever each returns",
        },
        Choice {
            tool: "`try_join!`",
            when: "a fixed set of fallible futures where the first error should cancel the rest",
        },
        Choice {
            tool: "`JoinSet`",
            when: "a dynamic set of tasks, known only at run time; results arrive as tasks finish, and dropping the set aborts the rest",
        },
        Choice {
            tool: "`spawn` + a kept `JoinHandle`",
            when: "a task that must outlive the function that starts it; its owner awaits or aborts it later",
        },
    ],
    related: &[Pattern::Spawn, Pattern::Cancellation, Pattern::Errors],
};

const BLOCKING: PatternDoc = PatternDoc {
    rule_of_thumb: "Async code never blocks its worker thread: blocking work goes to `spawn_blocking`, sync locks are never held across `.await`.",
    tags: &["blocking", "locks", "spawn-blocking", "runtime"],
    rationale: "An async runtime runs many tasks on a few worker threads, and a task gives its \
thread back only at an `.await`. A blocking call (a sleep, a file or socket read, a lock \
wait, a long computation) keeps the thread from every other task it could be running: \
timers fire late, requests queue, and with enough of them the runtime stalls. A `std` lock \
guard held across an `.await` is worse: the task may sleep with the lock held while another \
task on the same thread waits for it, which deadlocks. Blocking work belongs on threads made \
to block (`spawn_blocking`), and sync locks belong in short critical sections with no \
`.await` inside.",
    bad: r#"use std::sync::{Arc, Mutex};

async fn save(cache: Arc<Mutex<Vec<String>>>, path: &str) -> std::io::Result<()> {
    let entries = cache.lock().unwrap(); //~ lock-across-await
    std::fs::write(path, entries.join("\n"))?; //~ blocking-in-async
    notify(path).await;
    Ok(())
}

async fn notify(path: &str) {
    let _ = path;
}
"#,
    good: r#"use std::sync::{Arc, Mutex};

async fn save(cache: Arc<Mutex<Vec<String>>>, path: &str) -> std::io::Result<()> {
    let text = cache.lock().unwrap().join("\n");
    tokio::fs::write(path, text).await?;
    notify(path).await;
    Ok(())
}

async fn notify(path: &str) {
    let _ = path;
}
"#,
    best_practices: &[
        "Use the runtime's versions of blocking APIs: `tokio::time::sleep`, `tokio::fs`, `tokio::process`, async clients.",
        "Move blocking or CPU-heavy work to `spawn_blocking` (or a dedicated thread or pool) and await its handle.",
        "Hold a `std` or `parking_lot` lock only in a block with no `.await`: take what you need, drop the guard, then await.",
        "Use an async mutex only when a guard must live across an `.await`; otherwise the sync one is faster.",
        "Take locks in one order everywhere, and never the same lock twice.",
        "Never start or block on a runtime from inside async code (`block_on`, `Runtime::new`).",
    ],
    choose_between: &[
        Choice {
            tool: "an async API (`tokio::fs`, `tokio::time::sleep`)",
            when: "the runtime offers one for the operation",
        },
        Choice {
            tool: "`spawn_blocking`",
            when: "a blocking call or a burst of CPU work with no async twin",
        },
        Choice {
            tool: "a dedicated thread",
            when: "blocking work that runs for the life of the program (a loop on a blocking API)",
        },
        Choice {
            tool: "`std::sync::Mutex` vs `tokio::sync::Mutex`",
            when: "the std one for short critical sections with no `.await`; tokio's only when the guard must be held across one",
        },
    ],
    related: &[Pattern::Spawn, Pattern::Cancellation],
};
