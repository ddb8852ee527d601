use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::rule::{
    Context, FileCache, FixAvailability, Group, OptionKind, OptionMeta, Pattern, Rule, RuleMeta,
};
use crate::syntax::{
    ast::{self, HasGenericArgs, HasName},
    call_name, callee_path, chain_origin, configured_path, crate_function_called, enclosing_body,
    find_binding, is_block_on_future, is_startup_body, local_name, method_name, rooted_in_field,
    unparen, AstNode, Binding, FieldTypes, Imports, SyntaxKind, SyntaxNode,
};

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::index::{Manifest, Runtime};
use crate::settings::RuleOptions;

use super::{removal_span, span, span_of};

pub struct BlockingInAsync;

static META: RuleMeta = RuleMeta {
    name: "blocking-in-async",
    pattern: Pattern::Blocking,
    group: Group::Patterns,
    fix: FixAvailability::Safe,
    skips_tests: true,
    summary:
        "Flags blocking calls (sleep, file system, network, processes, thread waits) in async code.",
    flags: "A call in async context (an `async fn`, block or closure, not counting nested \
non-async closures and `fn` items) to `std::thread::sleep`; a `std::fs` function (`read`, \
`read_to_string`, `write`, `read_dir`, `create_dir_all`, `remove_file`, `rename`, `copy`, \
`metadata`, `canonicalize`, ...) and their `fs_err` twins, \
`std::fs::File::open`/`create`/`create_new` or `OpenOptions::open`; `read_line`/`read_to_string` \
on `std::io::stdin()`; \
`std::net::TcpStream::connect`, `std::net::TcpListener::bind`; `.output()`/`.status()` of a \
`std::process::Command`; anything under `reqwest::blocking`; a `ureq` request; waits on other \
threads: `.join()` of a `std::thread::JoinHandle` (from `std::thread::spawn`, \
`std::thread::Builder::spawn`, or typed), `.recv()` of a `std::sync::mpsc::Receiver` (from \
`channel()`/`sync_channel()`, or typed), `std::sync::Condvar` `wait*`, `std::sync::Barrier::wait`; \
write transactions of embedded stores: `heed::Env::write_txn`, `redb::Database::begin_write` \
and the `.commit()` of what they return (or of a value typed `heed::RwTxn` / \
`redb::WriteTransaction`), `rusqlite::Connection::execute`/`execute_batch`; and the paths \
of the `functions` option. A method counts only when its receiver is known: a binding made by \
one of those constructors, or a parameter, `let` or struct field of the crate with that type \
(through `Arc`, `Rc`, `Box`, and the elements that `if let Some(x) = ..`, a `for` loop or a \
tuple pattern such as `let (lock, cvar) = &*pair` take out of an `Option`, a `Vec` or a \
tuple). Paths are resolved through the file's imports (`tokio::fs::read` \
and `tokio::time::sleep` are not flagged) and an awaited call is never a blocking one. Not \
flagged: code in `spawn_blocking`, `block_in_place` or `std::thread::spawn` closures and any \
other non-async closure, the future that non-async code hands to `block_on` (it runs on the \
calling thread, not on a worker), the arguments of the `offload` functions, and the startup \
code of an async `main` (unless `check-main`). Also a call from async context to a crate \
function that is not async, not test code, and makes such a call in its own body (not in a \
closure, so not inside `spawn_blocking`), directly or through up to 3 levels of such functions, \
in any file of the crate: the finding is at the call, labelled with the blocking call inside \
(file:line).",
    why: "A tokio worker thread runs many tasks by taking turns at each `.await`. A blocking \
call never yields: while it waits for the disk, the network, a child process or a timer, \
every other task on that worker waits too, timers fire late, and with few workers (one, \
under `#[tokio::test]` or a current-thread runtime) the whole program stalls or deadlocks. \
Use the async equivalent (`tokio::time::sleep`, `tokio::fs`, `tokio::net`, \
`tokio::process`, async `reqwest`), or move the blocking work to \
`tokio::task::spawn_blocking`, whose threads exist for it.",
    example: r#"use std::time::Duration;

async fn reload(path: &str) -> std::io::Result<String> {
    std::thread::sleep(Duration::from_millis(100)); //~ blocking-in-async
    let config = std::fs::read_to_string(path)?; //~ blocking-in-async
    let status = std::process::Command::new("systemctl") //~ blocking-in-async
        .args(["reload", "app"])
        .status()?;
    println!("{status}");
    Ok(config)
}
"#,
    use_instead: r#"use std::time::Duration;

async fn reload(path: &str) -> std::io::Result<String> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    let config = tokio::fs::read_to_string(path).await?;
    let status = tokio::process::Command::new("systemctl")
        .args(["reload", "app"])
        .status()
        .await?;
    println!("{status}");
    Ok(config)
}
"#,
    options: &[
        OptionMeta {
            name: "functions",
            kind: OptionKind::Paths,
            doc: "Full paths of more blocking functions to flag, e.g. \
`[\"my_crate::db::query_sync\"]`.",
        },
        OptionMeta {
            name: "offload",
            kind: OptionKind::Paths,
            doc: "Full paths of functions that run their arguments off the async runtime, \
like a crate's own `asyncify(|| ..)`; nothing in their arguments is flagged.",
        },
        OptionMeta {
            name: "check-main",
            kind: OptionKind::Bool(false),
            doc: "Also check the body of an async `main` (`#[tokio::main]` or any \
`async fn main`), which usually does its startup I/O before anything else runs.",
        },
    ],
    fix_safety: Some(
        "`std::thread::sleep(d)` becomes `tokio::time::sleep(d).await` and \
`std::fs::X(..)` becomes `tokio::fs::X(..).await` when tokio has the same function with the \
same signature and result (`std::fs::read_dir` is left alone: tokio's `ReadDir` is not an \
iterator). The result is the same; only the waiting moves off the worker thread. Other \
findings have no automatic fix.",
    ),
    see_also: &["block-on-in-async", "lock-across-await"],
    clippy_twins: &[],
};

/// Blocking functions and, where tokio has the same function, its path.
const BLOCKING_FUNCTIONS: &[(&str, Option<&str>)] = &[
    ("std::thread::sleep", Some("tokio::time::sleep")),
    ("std::thread::sleep_ms", None),
    ("std::fs::canonicalize", Some("tokio::fs::canonicalize")),
    ("std::fs::copy", Some("tokio::fs::copy")),
    ("std::fs::create_dir", Some("tokio::fs::create_dir")),
    ("std::fs::create_dir_all", Some("tokio::fs::create_dir_all")),
    ("std::fs::exists", None),
    ("std::fs::hard_link", Some("tokio::fs::hard_link")),
    ("std::fs::metadata", Some("tokio::fs::metadata")),
    ("std::fs::read", Some("tokio::fs::read")),
    ("std::fs::read_dir", None),
    ("std::fs::read_link", Some("tokio::fs::read_link")),
    ("std::fs::read_to_string", Some("tokio::fs::read_to_string")),
    ("std::fs::remove_dir", Some("tokio::fs::remove_dir")),
    ("std::fs::remove_dir_all", Some("tokio::fs::remove_dir_all")),
    ("std::fs::remove_file", Some("tokio::fs::remove_file")),
    ("std::fs::rename", Some("tokio::fs::rename")),
    (
        "std::fs::set_permissions",
        Some("tokio::fs::set_permissions"),
    ),
    ("std::fs::soft_link", None),
    (
        "std::fs::symlink_metadata",
        Some("tokio::fs::symlink_metadata"),
    ),
    ("std::fs::write", Some("tokio::fs::write")),
    ("std::fs::File::open", None),
    ("std::fs::File::create", None),
    ("std::fs::File::create_new", None),
    ("std::os::unix::fs::symlink", None),
    ("std::net::TcpStream::connect", None),
    ("std::net::TcpStream::connect_timeout", None),
    ("std::net::TcpListener::bind", None),
    ("std::os::unix::net::UnixStream::connect", None),
    ("std::os::unix::net::UnixListener::bind", None),
];

/// fs-err wraps every `std::fs` function, same name and behaviour, under
/// this prefix (its async wrappers live in `fs_err::tokio`).
const FS_ERR: &str = "fs_err::";

/// ureq's request functions; each returns a request that `.call()` sends.
const UREQ_REQUESTS: &[&str] = &[
    "ureq::get",
    "ureq::post",
    "ureq::put",
    "ureq::delete",
    "ureq::head",
    "ureq::patch",
    "ureq::options",
    "ureq::trace",
    "ureq::connect",
    "ureq::request",
    "ureq::request_url",
];

const UREQ_HELP: &str =
    "use an async HTTP client (reqwest, hyper), or run the request in `tokio::task::spawn_blocking`";

/// Whether the file mentions reqwest at all.
struct MentionsReqwest(bool);

/// A blocking method, known by what its receiver was built from.
struct BlockingMethod {
    methods: &'static [&'static str],
    /// Constructor calls and types (full paths) of the receiver.
    receivers: &'static [&'static str],
    /// Every path under this module is a receiver too.
    receiver_module: Option<&'static str>,
    /// Only a receiver reached through a binding counts: one built in the
    /// same expression was already flagged at its constructor.
    only_indirect: bool,
    /// When not empty, the receiver must have been made by one of these
    /// methods called on a known receiver (`env.write_txn()?.commit()`):
    /// a read transaction's `commit()` is not a write.
    makers: &'static [&'static str],
    /// A word the file must contain for the receiver to be written in it.
    needle: &'static str,
    what: &'static str,
    help: &'static str,
}

const BLOCKING_METHODS: &[BlockingMethod] = &[
    BlockingMethod {
        methods: &["output", "status"],
        receivers: &["std::process::Command::new", "std::process::Command"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "Command",
        what: "`std::process::Command` waits for the child process",
        help: "use `tokio::process::Command` and `.await` it, or run it in `tokio::task::spawn_blocking`",
    },
    BlockingMethod {
        methods: &["open"],
        receivers: &[
            "std::fs::OpenOptions::new",
            "std::fs::File::options",
            "std::fs::OpenOptions",
            "fs_err::OpenOptions::new",
            "fs_err::File::options",
            "fs_err::OpenOptions",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "ptions",
        what: "`std::fs::OpenOptions::open` blocks on the file system",
        help: "use `tokio::fs::OpenOptions` and `.await` it, or run the file work in `tokio::task::spawn_blocking`",
    },
    BlockingMethod {
        methods: &["read_line", "read_to_string"],
        receivers: &["std::io::stdin", "std::io::Stdin", "std::io::StdinLock"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "tdin",
        what: "reading `std::io::stdin()` blocks until input arrives",
        help: "read `tokio::io::stdin()` through `tokio::io::BufReader` and `.await` it",
    },
    BlockingMethod {
        methods: &["send"],
        receivers: &[],
        receiver_module: Some("reqwest::blocking"),
        only_indirect: true,
        makers: &[],
        needle: "blocking::",
        what: "a `reqwest::blocking` request blocks until the response arrives",
        help: "use reqwest's async `Client` and `.await` the request",
    },
    BlockingMethod {
        methods: &[
            "call",
            "send",
            "send_bytes",
            "send_empty",
            "send_form",
            "send_json",
            "send_string",
        ],
        receivers: &[
            "ureq::agent",
            "ureq::builder",
            "ureq::Agent",
            "ureq::Agent::new",
            "ureq::Agent::new_with_config",
            "ureq::Agent::new_with_defaults",
            "ureq::AgentBuilder::new",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "ureq",
        what: "a `ureq` request blocks until the response arrives",
        help: UREQ_HELP,
    },
    BlockingMethod {
        methods: &["join"],
        receivers: &[
            "std::thread::spawn",
            "std::thread::Builder::new",
            "std::thread::JoinHandle",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "thread",
        what: "joining a thread waits until it finishes",
        help: "run the work in `tokio::task::spawn_blocking` and `.await` its `JoinHandle`, or join the thread inside `spawn_blocking`",
    },
    BlockingMethod {
        methods: &["recv"],
        receivers: &[
            "std::sync::mpsc::channel.1",
            "std::sync::mpsc::sync_channel.1",
            "std::sync::mpsc::Receiver",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "mpsc",
        what: "`std::sync::mpsc::Receiver::recv` waits for a message",
        help: "use a `tokio::sync::mpsc` channel and `.await` its `recv()`, or receive inside `tokio::task::spawn_blocking`",
    },
    BlockingMethod {
        methods: &[
            "wait",
            "wait_while",
            "wait_timeout",
            "wait_timeout_ms",
            "wait_timeout_while",
        ],
        receivers: &["std::sync::Condvar::new", "std::sync::Condvar"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "Condvar",
        what: "`std::sync::Condvar` waits for another thread's notification",
        help: "use `tokio::sync::Notify` and `.await` it",
    },
    BlockingMethod {
        methods: &["wait"],
        receivers: &["std::sync::Barrier::new", "std::sync::Barrier"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "Barrier",
        what: "`std::sync::Barrier::wait` waits for the other threads",
        help: "use `tokio::sync::Barrier` and `.await` its `wait()`",
    },
    BlockingMethod {
        methods: &["write_txn"],
        receivers: &["heed::Env"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "heed",
        what: "a heed write transaction waits for every other writer, and its `commit` for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["commit"],
        receivers: &["heed::Env"],
        receiver_module: None,
        only_indirect: false,
        makers: &["write_txn"],
        needle: "heed",
        what: "committing a heed write transaction waits for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["begin_write"],
        receivers: &[
            "redb::Database",
            "redb::Database::create",
            "redb::Database::open",
            "redb::Database::builder",
            "redb::Builder::new",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "redb",
        what: "a redb write transaction waits for every other writer, and its `commit` for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["commit"],
        receivers: &[
            "redb::Database",
            "redb::Database::create",
            "redb::Database::open",
            "redb::Database::builder",
            "redb::Builder::new",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &["begin_write"],
        needle: "redb",
        what: "committing a redb write transaction waits for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["commit"],
        receivers: &["heed::RwTxn"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "RwTxn",
        what: "committing a heed write transaction waits for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["commit"],
        receivers: &["redb::WriteTransaction"],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "WriteTransaction",
        what: "committing a redb write transaction waits for the disk",
        help: EMBEDDED_STORE_HELP,
    },
    BlockingMethod {
        methods: &["execute", "execute_batch"],
        receivers: &[
            "rusqlite::Connection",
            "rusqlite::Connection::open",
            "rusqlite::Connection::open_in_memory",
            "rusqlite::Connection::open_with_flags",
            "rusqlite::Transaction",
        ],
        receiver_module: None,
        only_indirect: false,
        makers: &[],
        needle: "rusqlite",
        what: "a rusqlite statement runs on this thread and waits for SQLite's write lock and the disk",
        help: EMBEDDED_STORE_HELP,
    },
];

const EMBEDDED_STORE_HELP: &str =
    "run the write in `tokio::task::spawn_blocking` (or on a thread that owns the store)";

impl BlockingMethod {
    fn accepts(&self, path: &str) -> bool {
        self.receivers.contains(&path)
            || self.receiver_module.is_some_and(|module| {
                path.strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with("::"))
            })
    }
}

/// Which entries of [`BLOCKING_METHODS`] the file's text could name at all:
/// computed once per file, it spares the receiver search at every
/// `.send()` or `.status()` of files that use none of these types.
struct Mentions(Vec<bool>);

/// What makes a call blocking.
struct Blocking {
    message: String,
    help: &'static str,
    /// tokio's function with the same signature, for the fix.
    tokio_equivalent: Option<&'static str>,
}

impl Rule for BlockingInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::CALL_EXPR, SyntaxKind::METHOD_CALL_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        if is_awaited(node) {
            return;
        }
        let Some(blocking) = blocking_call(node, cx) else {
            wrapper_call(node, cx);
            return;
        };
        if !runs_on_runtime(node, cx) {
            return;
        }
        let mut finding =
            Finding::new(span(node.text_range()), blocking.message).help(blocking.help);
        if let Some(fix) = blocking
            .tokio_equivalent
            .and_then(|path| async_fix(node, path, cx))
        {
            finding = finding.fix(fix);
        }
        cx.report(finding);
    }
}

/// The blocking call `node` is, as this rule's recognizer sees it with its
/// default options, named as written (`std::fs::read`, `.join()`): the
/// crate index records it for the functions whose bodies make one
/// (wrappers, rules.md "Across files").
pub(crate) fn blocking_call_named(
    node: &SyntaxNode,
    root: &SyntaxNode,
    text: &str,
    imports: &Imports,
    cache: &FileCache,
) -> Option<String> {
    let options = RuleOptions::new(&META);
    let mut findings = Vec::new();
    let cx = Context {
        text,
        root,
        imports,
        options: &options,
        in_test: false,
        cache,
        findings: &mut findings,
    };
    if is_awaited(node) {
        return None;
    }
    blocking_call(node, &cx)?;
    match ast::Expr::cast(node.clone())? {
        ast::Expr::CallExpr(call) => Some(call.expr()?.syntax().text().to_string()),
        ast::Expr::MethodCallExpr(call) => Some(format!(".{}()", method_name(&call)?)),
        _ => None,
    }
}

/// A call from async code to a crate function that is not async and whose
/// body blocks (directly or through up to 3 levels of such functions, in
/// any file of the crate): flagged at the call, labelled with the blocking
/// call inside.
fn wrapper_call(node: &SyntaxNode, cx: &mut Context<'_>) {
    let index = cx.imports.crate_index();
    let may_block = call_name(node)
        .is_some_and(|name| index.any_named(&name, |f| f.blocks.is_some() && !f.is_async));
    if !may_block {
        return;
    }
    let Some(call) = ast::Expr::cast(node.clone()) else {
        return;
    };
    let Some(function) = crate_function_called(&call, cx.imports) else {
        return;
    };
    let Some(inner) = function.blocks.as_ref().filter(|_| !function.is_async) else {
        return;
    };
    if !runs_on_runtime(node, cx) {
        return;
    }
    cx.report(
        Finding::new(
            span(node.text_range()),
            format!(
                "`{}` blocks the async worker thread: it calls `{}`",
                function.name, inner.what
            ),
        )
        .label_elsewhere(
            span(node.text_range()),
            format!(
                "`{}` is called at {}:{}",
                inner.what, inner.file, inner.line
            ),
            &inner.file,
            inner.line,
        )
        .help("make the function async, or call it inside `tokio::task::spawn_blocking`"),
    );
}

fn blocking_call(node: &SyntaxNode, cx: &Context<'_>) -> Option<Blocking> {
    match node.kind() {
        SyntaxKind::CALL_EXPR => blocking_function(&ast::CallExpr::cast(node.clone())?, cx),
        SyntaxKind::METHOD_CALL_EXPR => {
            blocking_method(&ast::MethodCallExpr::cast(node.clone())?, cx)
        }
        _ => None,
    }
}

/// The last path segment of every function `blocking_function` knows
/// by name (the fs-err twins of `std::fs` share theirs).
static KNOWN_LAST_SEGMENTS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    BLOCKING_FUNCTIONS
        .iter()
        .map(|(f, _)| *f)
        .chain(UREQ_REQUESTS.iter().copied())
        .filter_map(|f| f.rsplit("::").next())
        .collect()
});

fn blocking_function(call: &ast::CallExpr, cx: &Context<'_>) -> Option<Blocking> {
    let path = callee_path(call)?;
    // reqwest's blocking API is known by its module, whatever the name.
    let reqwest = cx.file_fact(|_, _| MentionsReqwest(cx.text.contains("reqwest")));
    let named = cx
        .imports
        .with_last_segment(&path, |last| KNOWN_LAST_SEGMENTS.contains(last))
        .unwrap_or(false);
    let candidates = if named || reqwest.0 {
        cx.imports.candidates(&path)
    } else {
        Vec::new()
    };
    for candidate in candidates {
        if let Some((function, tokio_equivalent)) =
            BLOCKING_FUNCTIONS.iter().find(|(f, _)| *f == candidate)
        {
            return Some(Blocking {
                message: format!("`{function}` blocks the async worker thread"),
                help: function_help(function),
                tokio_equivalent: *tokio_equivalent,
            });
        }
        if let Some(rest) = candidate.strip_prefix(FS_ERR) {
            let std_path = format!("std::fs::{rest}");
            if BLOCKING_FUNCTIONS.iter().any(|(f, _)| *f == std_path) {
                return Some(Blocking {
                    message: format!(
                        "`{candidate}` (`{std_path}` with better errors) blocks the async \
                         worker thread"
                    ),
                    help: function_help(&std_path),
                    tokio_equivalent: None,
                });
            }
        }
        if candidate.starts_with("reqwest::blocking::") {
            return Some(Blocking {
                message: format!(
                    "`{candidate}` is reqwest's blocking API: it blocks the async worker thread \
                     and panics in a runtime's context"
                ),
                help: "use reqwest's async `Client` and `.await` its requests",
                tokio_equivalent: None,
            });
        }
        if UREQ_REQUESTS.contains(&candidate.as_str()) {
            return Some(Blocking {
                message: format!("`{candidate}` starts a blocking `ureq` request"),
                help: UREQ_HELP,
                tokio_equivalent: None,
            });
        }
    }
    let configured = configured_path(&path, cx.imports, cx.options.paths("functions"))?;
    Some(Blocking {
        message: format!("`{configured}` is configured as blocking"),
        help: "run it in `tokio::task::spawn_blocking`, or use an async equivalent",
        tokio_equivalent: None,
    })
}

fn function_help(function: &str) -> &'static str {
    if function.starts_with("std::thread::") {
        "use `tokio::time::sleep(..).await`"
    } else if function.starts_with("std::fs::") || function.starts_with("std::os::unix::fs::") {
        "use `tokio::fs` and `.await` it, or run the file work in `tokio::task::spawn_blocking`"
    } else {
        "use the `tokio::net` equivalent and `.await` it"
    }
}

fn blocking_method(call: &ast::MethodCallExpr, cx: &Context<'_>) -> Option<Blocking> {
    let name = method_name(call)?;
    let receiver = call.receiver()?;
    let field = rooted_in_field(&receiver);
    let mentions = cx.file_fact(|_, _| {
        Mentions(
            BLOCKING_METHODS
                .iter()
                .map(|m| cx.text.contains(m.needle))
                .collect(),
        )
    });
    let mut candidates = BLOCKING_METHODS
        .iter()
        .zip(&mentions.0)
        .filter(|(entry, mentioned)| {
            (**mentioned || field) && entry.methods.contains(&name.as_str())
        })
        .map(|(entry, _)| entry)
        .peekable();
    candidates.peek()?;
    let fields = cx.file_fact(|root, _| FieldTypes::of(root));
    let entry = candidates.find(|entry| {
        let receiver = match entry.makers {
            [] => receiver.clone(),
            makers => match maker_receiver(&receiver, makers) {
                Some(maker) => maker,
                None => return false,
            },
        };
        chain_origin(&receiver, cx.imports, &fields, &|path| entry.accepts(path))
            .is_some_and(|origin| origin.indirect || !entry.only_indirect)
    })?;
    Some(Blocking {
        message: format!("`.{name}()` blocks the async worker thread: {}", entry.what),
        help: entry.help,
        tokio_equivalent: None,
    })
}

/// How many bindings and `?`/`.unwrap()` steps are followed back to what
/// made a value.
const MAX_STEPS: usize = 8;

/// The receiver of the call among `makers` that made `expr`, through `?`,
/// `.unwrap()`, `.expect(..)` and local bindings: for `wtxn.commit()` after
/// `let mut wtxn = env.write_txn()?;`, `env`.
fn maker_receiver(expr: &ast::Expr, makers: &[&str]) -> Option<ast::Expr> {
    let mut expr = unparen(expr.clone());
    for _ in 0..MAX_STEPS {
        expr = match expr {
            ast::Expr::TryExpr(t) => t.expr()?,
            ast::Expr::RefExpr(r) => r.expr()?,
            ast::Expr::MethodCallExpr(call) => {
                let name = method_name(&call)?;
                if makers.contains(&name.as_str()) {
                    return call.receiver();
                }
                if !matches!(name.as_str(), "unwrap" | "expect") {
                    return None;
                }
                call.receiver()?
            }
            ast::Expr::PathExpr(_) => {
                let Binding::Let(binding) = find_binding(expr.syntax(), &local_name(&expr)?)?
                else {
                    return None;
                };
                binding.initializer()?
            }
            _ => return None,
        };
        expr = unparen(expr);
    }
    None
}

/// `call.await`: whatever the callee, its result is a future, not a
/// blocking call.
fn is_awaited(node: &SyntaxNode) -> bool {
    node.parent()
        .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR)
}

/// Whether `node` runs on an async worker: in async context, outside the
/// future that sync code hands to `block_on` and the startup code of `main`
/// (unless `check-main`) and outside the arguments of an `offload` function.
fn runs_on_runtime(node: &SyntaxNode, cx: &Context<'_>) -> bool {
    let Some((body, kind)) = enclosing_body(node) else {
        return false;
    };
    if !kind.is_async() {
        return false;
    }
    let startup = is_block_on_future(&body, cx.imports)
        || (!cx.options.flag("check-main") && is_startup_body(&body));
    if startup {
        return false;
    }
    !is_offloaded(node, cx)
}

fn is_offloaded(node: &SyntaxNode, cx: &Context<'_>) -> bool {
    let offload = cx.options.paths("offload");
    if offload.is_empty() {
        return false;
    }
    node.ancestors()
        .take_while(|n| n.kind() != SyntaxKind::FN)
        .filter(|n| n.kind() == SyntaxKind::ARG_LIST)
        .filter_map(|list| ast::CallExpr::cast(list.parent()?))
        .filter_map(|call| callee_path(&call))
        .any(|path| configured_path(&path, cx.imports, offload).is_some())
}

/// `old::path(args)` becomes `twin(args).await`, where `twin` is the async
/// function with the same signature of the runtime the crate runs on
/// (rules.md "the runtime"): tokio's when it depends on tokio with the
/// feature the function needs and on no other runtime; async-std's or
/// smol's when that is its only runtime. The fix is safe there; with no
/// manifest to say, tokio's twin is offered as unsafe; with a runtime that
/// has no twin (tokio without the feature, a bare `futures` executor) none.
/// The `use` that brought the old path in goes with its last use.
fn async_fix(node: &SyntaxNode, tokio_path: &str, cx: &Context<'_>) -> Option<Fix> {
    let call = ast::CallExpr::cast(node.clone())?;
    let callee = call.expr()?;
    let ast::Expr::PathExpr(path) = &callee else {
        return None;
    };
    if path.path()?.segment()?.generic_arg_list().is_some() {
        return None;
    }
    let is_statement = call
        .syntax()
        .parent()
        .is_some_and(|p| p.kind() == SyntaxKind::EXPR_STMT);
    let (twin, mut applicability) =
        twin(tokio_path, &cx.imports.crate_index().manifest, is_statement)?;
    let end = span_of(&call).end;
    let mut edits = vec![
        Edit {
            span: span_of(&callee),
            replacement: twin,
        },
        Edit {
            span: end..end,
            replacement: ".await".to_owned(),
        },
    ];
    match import_left_unused(&path.path()?, node, cx) {
        ImportAfterFix::StillUsed => {}
        ImportAfterFix::Remove(item) => edits.push(Edit {
            span: removal_span(&item),
            replacement: String::new(),
        }),
        ImportAfterFix::LeftUnused => applicability = Applicability::Unsafe,
    }
    Some(Fix {
        applicability,
        edits,
    })
}

/// The async twin of a tokio function on the crate's runtime, and how safe
/// the rewrite is.
fn twin(
    tokio_path: &str,
    manifest: &Manifest,
    is_statement: bool,
) -> Option<(String, Applicability)> {
    if !manifest.known {
        return Some((tokio_path.to_owned(), Applicability::Unsafe));
    }
    let (module, name) = tokio_path.rsplit_once("::")?;
    let sleep = module == "tokio::time";
    match manifest.sole_runtime()? {
        Runtime::Tokio => manifest
            .tokio_has(if sleep { "time" } else { "fs" })
            .then(|| (tokio_path.to_owned(), Applicability::Safe)),
        Runtime::AsyncStd if sleep => {
            Some(("async_std::task::sleep".to_owned(), Applicability::Safe))
        }
        // async-std's path functions give its own `PathBuf`, not std's.
        Runtime::AsyncStd => (!matches!(name, "canonicalize" | "read_link"))
            .then(|| (format!("async_std::fs::{name}"), Applicability::Safe)),
        // `Timer::after` yields an `Instant`, not `()`: fine where the value
        // is dropped.
        Runtime::Smol if sleep => {
            is_statement.then(|| ("smol::Timer::after".to_owned(), Applicability::Safe))
        }
        Runtime::Smol => Some((format!("smol::fs::{name}"), Applicability::Safe)),
        Runtime::Futures => None,
    }
}

/// What becomes of the `use` that brought in a rewritten path's first name.
enum ImportAfterFix {
    /// No `use` brought it, or the name is still used elsewhere.
    StillUsed,
    /// This fix rewrites its last use: it removes the `use` item too.
    Remove(SyntaxNode),
    /// Unused once every fix is applied, but a group or glob `use` that this
    /// fix cannot take apart.
    LeftUnused,
}

/// Whether the rewrite of `path` (at `call`) leaves the `use` of its first
/// name unused: every other mention of that name in the file is the callee
/// of a call this rule rewrites too. The fix of the last such call removes
/// the `use`.
fn import_left_unused(path: &ast::Path, call: &SyntaxNode, cx: &Context<'_>) -> ImportAfterFix {
    let Some(first) = first_segment(path) else {
        return ImportAfterFix::StillUsed;
    };
    let name = first.text().to_string();
    let uses = cx.file_fact(|root, _| ImportUses::of(root));
    let Some((tree, mentions)) = uses.0.get(&name) else {
        return ImportAfterFix::StillUsed;
    };
    let mut last_rewritten = call.clone();
    for mention in mentions {
        let Some(rewritten) = rewritten_call(mention, cx) else {
            return ImportAfterFix::StillUsed;
        };
        if rewritten.text_range().start() > last_rewritten.text_range().start() {
            last_rewritten = rewritten;
        }
    }
    if &last_rewritten != call {
        return ImportAfterFix::StillUsed;
    }
    let item = tree.syntax().ancestors().find_map(ast::Use::cast);
    match item {
        Some(item) if item.use_tree().as_ref() == Some(tree) => {
            ImportAfterFix::Remove(item.syntax().clone())
        }
        _ => ImportAfterFix::LeftUnused,
    }
}

/// The names the file's `use` items bring in, each with its `use` tree and
/// the paths that start with it outside `use` items: one walk of the file,
/// whatever the number of findings.
struct ImportUses(HashMap<String, (ast::UseTree, Vec<ast::NameRef>)>);

impl ImportUses {
    fn of(root: &SyntaxNode) -> ImportUses {
        let mut uses: HashMap<String, (ast::UseTree, Vec<ast::NameRef>)> = HashMap::new();
        let mut mentions = Vec::new();
        for node in root.descendants() {
            if let Some(tree) = ast::UseTree::cast(node.clone()) {
                if let Some(name) = imported_name(&tree) {
                    uses.entry(name).or_insert((tree, Vec::new()));
                }
            } else if let Some(name) = ast::NameRef::cast(node) {
                if starts_a_path(&name) {
                    mentions.push(name);
                }
            }
        }
        for mention in mentions {
            if let Some((_, found)) = uses.get_mut(mention.text()) {
                if !mention
                    .syntax()
                    .ancestors()
                    .any(|a| a.kind() == SyntaxKind::USE)
                {
                    found.push(mention);
                }
            }
        }
        ImportUses(uses)
    }
}

/// Whether a name is the first segment of a path (`fs` in `fs::read`), so
/// that it may stand for what a `use` brought in; not `fs` in `std::fs::read`
/// nor a field or method name.
fn starts_a_path(name: &ast::NameRef) -> bool {
    let Some(path) = name.syntax().ancestors().find_map(ast::Path::cast) else {
        return false;
    };
    let outer = path
        .syntax()
        .ancestors()
        .map_while(ast::Path::cast)
        .last()
        .unwrap_or(path);
    first_segment(&outer).is_some_and(|first| first.syntax() == name.syntax())
}

/// The call whose callee `mention` starts, when this rule rewrites it.
fn rewritten_call(mention: &ast::NameRef, cx: &Context<'_>) -> Option<SyntaxNode> {
    let path = mention.syntax().ancestors().find_map(ast::Path::cast)?;
    let outer = path
        .syntax()
        .ancestors()
        .map_while(ast::Path::cast)
        .last()?;
    if first_segment(&outer)?.syntax() != mention.syntax() {
        return None;
    }
    let call = outer.syntax().parent()?.parent()?;
    let callee = ast::CallExpr::cast(call.clone())?.expr()?;
    if *callee.syntax() != outer.syntax().parent()? || is_awaited(&call) {
        return None;
    }
    let blocking = blocking_call(&call, cx)?;
    if !runs_on_runtime(&call, cx) {
        return None;
    }
    let is_statement = call
        .parent()
        .is_some_and(|p| p.kind() == SyntaxKind::EXPR_STMT);
    twin(
        blocking.tokio_equivalent?,
        &cx.imports.crate_index().manifest,
        is_statement,
    )?;
    Some(call)
}

fn first_segment(path: &ast::Path) -> Option<ast::NameRef> {
    let mut path = path.clone();
    while let Some(qualifier) = path.qualifier() {
        path = qualifier;
    }
    path.segment()?.name_ref()
}

/// The name a `use` tree brings into scope: its rename, else its last
/// segment (`None` for groups, globs and `self`).
fn imported_name(tree: &ast::UseTree) -> Option<String> {
    if tree.use_tree_list().is_some() || tree.star_token().is_some() {
        return None;
    }
    if let Some(rename) = tree.rename() {
        return Some(rename.name()?.text().to_string());
    }
    let segment = tree.path()?.segment()?;
    Some(segment.name_ref()?.text().to_string())
}
