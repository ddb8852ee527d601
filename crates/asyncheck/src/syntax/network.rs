//! Operations that wait on the network: connecting, DNS, TLS and QUIC
//! handshakes, HTTP requests and bodies, and reads and writes on network
//! streams. Calls are known through imports, methods through their
//! receivers (`origin.rs`). `missing-timeout` flags them without a deadline;
//! `async-lock-across-await` counts them as waits on something outside the
//! task.

use std::rc::Rc;

use ra_ap_syntax::{
    ast::{self, HasArgList},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    binding_of, callee_path, chain_origin, configured_path, find_binding, local_name, method_name,
    rooted_in_field, under_deadline, unparen, Binding, FieldTypes, Imports, SelectBranch,
};

/// Functions that reach the network. `tokio::net::UnixStream::connect` is
/// not one: a local socket fails fast.
pub const OPERATIONS: &[&str] = &[
    "tokio::net::TcpStream::connect",
    "tokio::net::lookup_host",
    "reqwest::get",
    "hyper::client::conn::handshake",
    "hyper::client::conn::http1::handshake",
    "hyper::client::conn::http2::handshake",
];

/// A method that reaches the network, known by its receiver.
struct Method {
    names: &'static [&'static str],
    /// The receiver's constructors and types (full paths; `path.N` is the
    /// element `N` of the tuple a call returns).
    receivers: &'static [&'static str],
    /// A word the file must contain for the receiver to be named in it.
    needle: &'static str,
    /// What it is, for a message.
    operation: &'static str,
}

const HYPER_SEND_REQUEST: &[&str] = &[
    "hyper::client::conn::SendRequest",
    "hyper::client::conn::http1::SendRequest",
    "hyper::client::conn::http2::SendRequest",
    "hyper::client::conn::handshake.0",
    "hyper::client::conn::http1::handshake.0",
    "hyper::client::conn::http2::handshake.0",
    "hyper::client::conn::Builder::new.0",
    "hyper::client::conn::http1::Builder::new.0",
    "hyper::client::conn::http2::Builder::new.0",
];

const METHODS: &[Method] = &[
    Method {
        names: &["connect"],
        receivers: &[
            "tokio_rustls::TlsConnector",
            "tokio_rustls::TlsConnector::from",
        ],
        needle: "tokio_rustls",
        operation: "`tokio_rustls::TlsConnector::connect`",
    },
    Method {
        names: &["accept"],
        receivers: &[
            "tokio_rustls::TlsAcceptor",
            "tokio_rustls::TlsAcceptor::from",
        ],
        needle: "tokio_rustls",
        operation: "`tokio_rustls::TlsAcceptor::accept`",
    },
    Method {
        names: &["connect"],
        receivers: &[
            "tokio_native_tls::TlsConnector",
            "tokio_native_tls::TlsConnector::from",
        ],
        needle: "tokio_native_tls",
        operation: "`tokio_native_tls::TlsConnector::connect`",
    },
    Method {
        names: &["accept"],
        receivers: &[
            "tokio_native_tls::TlsAcceptor",
            "tokio_native_tls::TlsAcceptor::from",
        ],
        needle: "tokio_native_tls",
        operation: "`tokio_native_tls::TlsAcceptor::accept`",
    },
    Method {
        names: &["connect", "accept"],
        receivers: &["tokio_openssl::SslStream", "tokio_openssl::SslStream::new"],
        needle: "tokio_openssl",
        operation: "a `tokio_openssl::SslStream` handshake",
    },
    Method {
        names: &["connect", "connect_with"],
        receivers: &[
            "quinn::Endpoint",
            "quinn::Endpoint::client",
            "quinn::Endpoint::server",
            "quinn::Endpoint::new",
        ],
        needle: "quinn",
        operation: "`quinn::Endpoint::connect`",
    },
    Method {
        names: &["send_request"],
        receivers: HYPER_SEND_REQUEST,
        needle: "hyper",
        operation: "hyper's `SendRequest::send_request`",
    },
    Method {
        names: &["handshake"],
        receivers: &[
            "hyper::client::conn::Builder",
            "hyper::client::conn::Builder::new",
            "hyper::client::conn::http1::Builder",
            "hyper::client::conn::http1::Builder::new",
            "hyper::client::conn::http2::Builder",
            "hyper::client::conn::http2::Builder::new",
        ],
        needle: "hyper",
        operation: "hyper's client `handshake`",
    },
];

/// Functions that collect a whole body: from a hyper response, they wait on
/// the peer as long as it sends.
const BODY_COLLECTORS: &[&str] = &["hyper::body::to_bytes", "hyper::body::aggregate"];

/// Which entries of [`METHODS`] the file's text could name at all, and
/// whether it can name `quinn::Connecting` or hyper: compute it once per file
/// (`Context::file_fact`); it spares the receiver search at every
/// `.connect(..)` or `.await` of other files.
pub struct NetworkMentions {
    methods: Vec<bool>,
    connecting: bool,
    hyper: bool,
    streams: bool,
}

/// The file's struct field types, computed only when a receiver needs them.
pub type Fields<'a> = &'a dyn Fn() -> Rc<FieldTypes>;

/// How many `?`, `.await`, `.unwrap()` and binding steps lead back from a
/// body to the response it came from.
const MAX_STEPS: usize = 16;

impl NetworkMentions {
    pub fn of(text: &str) -> NetworkMentions {
        NetworkMentions {
            methods: METHODS.iter().map(|m| text.contains(m.needle)).collect(),
            connecting: text.contains("Connecting"),
            hyper: text.contains("hyper"),
            streams: text.contains("Stream") || text.contains("Socket") || text.contains("Half"),
        }
    }
}

/// An operation that waits on the network.
pub struct NetworkOperation {
    /// The call (or the awaited `quinn::Connecting` value).
    pub future: SyntaxNode,
    /// `` `tokio::net::TcpStream::connect` ``, as a message names it.
    pub name: String,
}

/// Whether `node` makes a future that waits on the network: a call of
/// [`OPERATIONS`] or of `extra` (full paths, as configured), a method of
/// [`METHODS`] on a known receiver, a hyper response body collected, or a
/// `quinn::Connecting` awaited (`node` is then the `.await`).
pub fn network_operation(
    node: &SyntaxNode,
    imports: &Imports,
    mentions: &NetworkMentions,
    fields: Fields<'_>,
    extra: &[String],
) -> Option<NetworkOperation> {
    let name = match node.kind() {
        SyntaxKind::CALL_EXPR => {
            let call = ast::CallExpr::cast(node.clone())?;
            let path = callee_path(&call)?;
            if let Some(found) = imports.resolve(&path, OPERATIONS) {
                format!("`{found}`")
            } else if let Some(found) = configured_path(&path, imports, extra) {
                format!("`{found}`")
            } else {
                collected_call(&call, imports, mentions, fields)?
            }
        }
        SyntaxKind::METHOD_CALL_EXPR => {
            let call = ast::MethodCallExpr::cast(node.clone())?;
            method_operation(&call, imports, mentions, fields)?
        }
        SyntaxKind::AWAIT_EXPR => {
            let operand = ast::AwaitExpr::cast(node.clone())?.expr()?;
            if !matches!(operand, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_))
                || !mentions.connecting
            {
                return None;
            }
            chain_origin(&operand, imports, &fields(), &|p| p == "quinn::Connecting")?;
            return Some(NetworkOperation {
                future: operand.syntax().clone(),
                name: "a QUIC handshake (`quinn::Connecting`)".to_owned(),
            });
        }
        _ => return None,
    };
    Some(NetworkOperation {
        future: node.clone(),
        name,
    })
}

/// A method of [`METHODS`] on a receiver known to have it, or `.collect()`
/// of a hyper response body.
fn method_operation(
    call: &ast::MethodCallExpr,
    imports: &Imports,
    mentions: &NetworkMentions,
    fields: Fields<'_>,
) -> Option<String> {
    let name = method_name(call)?;
    if name == "collect" {
        return (mentions.hyper && is_response_body(&call.receiver()?, imports, fields))
            .then(|| "collecting a hyper response body".to_owned());
    }
    let receiver = unpin(call.receiver()?, imports);
    let field = rooted_in_field(&receiver);
    let mut candidates = METHODS
        .iter()
        .zip(&mentions.methods)
        .filter(|(m, mentioned)| (**mentioned || field) && m.names.contains(&name.as_str()))
        .map(|(m, _)| m)
        .peekable();
    candidates.peek()?;
    let fields = fields();
    let found = candidates.find(|m| {
        chain_origin(&receiver, imports, &fields, &|p| m.receivers.contains(&p)).is_some()
    })?;
    Some(found.operation.to_owned())
}

/// `Pin::new(&mut stream)`: the stream (tokio-openssl's handshakes take a
/// pinned `SslStream`).
fn unpin(expr: ast::Expr, imports: &Imports) -> ast::Expr {
    let ast::Expr::CallExpr(call) = &expr else {
        return expr;
    };
    let pins = callee_path(call).is_some_and(|path| {
        imports
            .resolve(&path, &["std::pin::Pin::new", "core::pin::Pin::new"])
            .is_some()
    });
    match call.arg_list().and_then(|args| args.args().next()) {
        Some(inner) if pins => inner,
        _ => expr,
    }
}

/// `hyper::body::to_bytes(response.into_body())`.
fn collected_call(
    call: &ast::CallExpr,
    imports: &Imports,
    mentions: &NetworkMentions,
    fields: Fields<'_>,
) -> Option<String> {
    if !mentions.hyper {
        return None;
    }
    let found = imports.resolve(&callee_path(call)?, BODY_COLLECTORS)?;
    let body = call.arg_list()?.args().next()?;
    is_response_body(&body, imports, fields).then(|| format!("`{found}` of a hyper response body"))
}

/// Whether `expr` is a response that hyper's `send_request` returned, or its
/// body (`response.into_body()`, `response.body_mut()`; http-body makes a
/// response a body itself), through `?`, `.await`, `.unwrap()` and local
/// bindings.
fn is_response_body(expr: &ast::Expr, imports: &Imports, fields: Fields<'_>) -> bool {
    let mut expr = unparen(expr.clone());
    for _ in 0..MAX_STEPS {
        let next = match &expr {
            ast::Expr::TryExpr(t) => t.expr(),
            ast::Expr::AwaitExpr(a) => a.expr(),
            ast::Expr::RefExpr(r) => r.expr(),
            ast::Expr::MethodCallExpr(call) => match method_name(call).as_deref() {
                Some("into_body" | "body_mut" | "body" | "unwrap" | "expect") => call.receiver(),
                Some("send_request") => {
                    let Some(receiver) = call.receiver() else {
                        return false;
                    };
                    return chain_origin(&receiver, imports, &fields(), &|p| {
                        HYPER_SEND_REQUEST.contains(&p)
                    })
                    .is_some();
                }
                _ => None,
            },
            ast::Expr::PathExpr(path) => {
                match local_name(&expr).and_then(|n| find_binding(expr.syntax(), &n)) {
                    Some(Binding::Let(binding)) => binding.initializer(),
                    // `r = sender.send_request(req) => { r.. }`: what the
                    // branch's future gave.
                    _ => path
                        .path()
                        .and_then(|p| p.as_single_name_ref())
                        .and_then(|name| binding_of(&name))
                        .and_then(|pattern| SelectBranch::of_arm(&pattern.syntax().parent()?))
                        .and_then(|branch| branch.future()),
                }
            }
            // `timeout(d, sender.send_request(req))`: the response in time.
            ast::Expr::CallExpr(_) => under_deadline(&expr, imports),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        expr = unparen(next);
    }
    false
}

/// Reads and writes that wait on the peer of a network stream.
const STREAM_IO: &[&str] = &[
    "read",
    "read_exact",
    "read_to_end",
    "read_to_string",
    "read_buf",
    "read_line",
    "read_u8",
    "read_u16",
    "read_u32",
    "read_u64",
    "read_i32",
    "read_i64",
    "write",
    "write_all",
    "write_buf",
    "write_all_buf",
    "write_u8",
    "write_u16",
    "write_u32",
    "write_u64",
    "flush",
    "shutdown",
    "readable",
    "writable",
    "peek",
    "recv",
    "recv_from",
    "send",
    "send_to",
];

/// Types (and constructors, and tuple elements of what returns them) of
/// network streams and sockets.
const NETWORK_STREAMS: &[&str] = &[
    "tokio::net::TcpStream",
    "tokio::net::TcpStream::connect",
    "tokio::net::TcpStream::from_std",
    "tokio::net::TcpListener::accept.0",
    "tokio::net::TcpListener::bind.0",
    "tokio::net::TcpListener.0",
    "tokio::net::UdpSocket",
    "tokio::net::UdpSocket::bind",
    "tokio::net::UdpSocket::from_std",
    "tokio::net::UnixStream",
    "tokio::net::UnixStream::connect",
    "tokio::net::tcp::OwnedReadHalf",
    "tokio::net::tcp::OwnedWriteHalf",
    "tokio::net::tcp::ReadHalf",
    "tokio::net::tcp::WriteHalf",
    "tokio::net::TcpStream::into_split.0",
    "tokio::net::TcpStream::into_split.1",
    "tokio::net::TcpStream::connect.0",
    "tokio::net::TcpStream::connect.1",
    "tokio_rustls::client::TlsStream",
    "tokio_rustls::server::TlsStream",
    "tokio_rustls::TlsStream",
    "tokio_native_tls::TlsStream",
    "tokio_openssl::SslStream",
];

/// Whether `call` reads or writes a known network stream or socket
/// (`stream.write_all(..)`, `socket.recv_from(..)`), named for a message.
pub fn network_io(
    call: &ast::MethodCallExpr,
    imports: &Imports,
    mentions: &NetworkMentions,
    fields: Fields<'_>,
) -> Option<String> {
    let name = method_name(call)?;
    if !mentions.streams || !STREAM_IO.contains(&name.as_str()) {
        return None;
    }
    let origin = chain_origin(&call.receiver()?, imports, &fields(), &|p| {
        NETWORK_STREAMS.contains(&p)
    })?;
    let stream = origin.path.split(['.']).next().unwrap_or(&origin.path);
    Some(format!("`{name}` on a network stream (`{stream}`)"))
}
