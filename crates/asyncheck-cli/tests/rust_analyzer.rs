//! The no-plug-in route into editors: the real rust-analyzer, configured
//! with `check.overrideCommand` to run `asyncheck check --format rustc-json`,
//! publishes asyncheck's findings as diagnostics when a file is saved.
//!
//! Skipped, with a message saying so, where no working `rust-analyzer` is
//! installed (`rustup component add rust-analyzer` installs it); the
//! `RUST_ANALYZER` environment variable names another binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;

const SOURCE: &str = "pub async fn pause() {
    std::thread::sleep(std::time::Duration::from_secs(1));
}
";

/// The rust-analyzer binary, if one runs here: rustup installs a proxy
/// named `rust-analyzer` even where the component is missing.
fn rust_analyzer() -> Option<PathBuf> {
    let candidates = std::env::var_os("RUST_ANALYZER")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/rust-analyzer")))
        .chain([PathBuf::from("rust-analyzer")]);
    candidates.into_iter().find(|binary| {
        Command::new(binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
}

impl Client {
    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message before `deadline`, answering the server's own
    /// requests (progress tokens, capability registrations) on the way.
    fn next(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let message = self.messages.recv_timeout(left).ok()?;
            if message.get("method").is_some() && message.get("id").is_some() {
                let id = message["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                continue;
            }
            return Some(message);
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_messages(stdout: impl Read, sender: mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let Ok(message) = serde_json::from_slice(&body) else {
            continue;
        };
        if sender.send(message).is_err() {
            return;
        }
    }
}

#[test]
fn rust_analyzer_publishes_asyncheck_findings_on_save() {
    let Some(binary) = rust_analyzer() else {
        eprintln!(
            "SKIPPED: no working rust-analyzer (install it with `rustup component add rust-analyzer`, or set RUST_ANALYZER)"
        );
        return;
    };
    let dir = common::project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        ("src/lib.rs", SOURCE),
    ]);
    let root = dir.path().canonicalize().unwrap();
    let root_uri = format!("file://{}", root.display());
    let file_uri = format!("{root_uri}/src/lib.rs");
    let asyncheck = assert_cmd::cargo::cargo_bin("asyncheck");

    let mut child = Command::new(&binary)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, messages) = mpsc::channel();
    std::thread::spawn(move || read_messages(stdout, sender));
    let mut client = Client {
        child,
        stdin,
        messages,
    };

    let deadline = Instant::now() + Duration::from_secs(120);
    client.send(json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "processId": null,
            "rootUri": root_uri,
            "workspaceFolders": [{"uri": root_uri, "name": "demo"}],
            "capabilities": {"textDocument": {"publishDiagnostics": {}}},
            "initializationOptions": {
                "check": {"overrideCommand": [
                    asyncheck.to_str().unwrap(), "check", "--format", "rustc-json", "--no-cache",
                    "-W", "blocking-in-async"
                ]},
                "checkOnSave": true,
                "cachePriming": {"enable": false},
                "cargo": {"buildScripts": {"enable": false}, "sysroot": null},
                "procMacro": {"enable": false},
            },
        },
    }));
    while client
        .next(deadline)
        .expect("rust-analyzer answered initialize")["id"]
        != 1
    {}
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file_uri, "languageId": "rust", "version": 1, "text": SOURCE}}),
    );

    // A save before the workspace is loaded runs nothing: save again until
    // the check has run.
    let mut next_save = Instant::now();
    let diagnostic = loop {
        if Instant::now() >= next_save {
            client.notify(
                "textDocument/didSave",
                json!({"textDocument": {"uri": file_uri}}),
            );
            next_save = Instant::now() + Duration::from_secs(3);
        }
        let message = client
            .next(deadline.min(next_save))
            .or_else(|| (Instant::now() < deadline).then(|| json!({})))
            .expect("rust-analyzer published asyncheck's finding within two minutes");
        if message["method"] != "textDocument/publishDiagnostics"
            || message["params"]["uri"] != file_uri.as_str()
        {
            continue;
        }
        let found = message["params"]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["code"] == "blocking-in-async")
            .cloned();
        if let Some(found) = found {
            break found;
        }
    };
    assert_eq!(
        diagnostic["range"],
        json!({"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 57}})
    );
    assert_eq!(diagnostic["severity"], 2, "a warning");
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("`std::thread::sleep` blocks the async worker thread"),
        "{diagnostic}"
    );
}
