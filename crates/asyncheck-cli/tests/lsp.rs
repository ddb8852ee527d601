//! The language server, driven the way an editor drives it: the real
//! binary over standard input and output.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

struct Editor {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("asyncheck"))
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || read_messages(stdout, sender));
        Editor {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string());
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_raw(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        self.wait_for(|m| m["id"] == id)
    }

    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(20))
                .expect("the server answered in time");
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri` with at least `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"].as_i64().unwrap_or(0) >= version
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn read_messages(stdout: ChildStdout, sender: mpsc::Sender<Value>) {
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
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
            return;
        }
    }
}

/// A folder whose config turns on `blocking-in-async` (a pattern, off by
/// default), and the URI of `src/worker.rs` in it: the editor tests show a
/// fix with it. The file itself is only ever an open document.
fn workspace() -> (tempfile::TempDir, String) {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("asyncheck.toml"),
        "[rules]\nblocking-in-async = \"warn\"\n",
    )
    .unwrap();
    let uri = format!("file://{}/src/worker.rs", dir.path().display());
    (dir, uri)
}

const TEXT: &str = "use tokio::sync::Mutex;

// asyncheck: allow(block-on-in-async)
async fn quiet(m: &Mutex<u8>) { let _q = m.blocking_lock(); }

async fn work(m: &Mutex<u8>) {
    let _g = m.blocking_lock();
    std::thread::sleep(std::time::Duration::from_millis(1));
}
";

fn rules(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_editor_session() {
    let (_dir, uri) = workspace();
    let uri = uri.as_str();
    let mut editor = Editor::start();
    let init = editor.request(
        "initialize",
        json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    editor.notify("initialized", json!({}));

    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": TEXT}}),
    );
    let diagnostics = editor.diagnostics(uri, 1);
    assert_eq!(
        rules(&diagnostics),
        ["block-on-in-async", "blocking-in-async"]
    );
    let block_on = &diagnostics[0];
    assert_eq!(
        block_on["range"]["start"],
        json!({"line": 6, "character": 13})
    );
    assert_eq!(block_on["source"], "asyncheck");
    let docs = block_on["codeDescription"]["href"].as_str().unwrap();
    assert!(
        docs.starts_with("file://") && docs.ends_with("block-on-in-async.md"),
        "{docs}"
    );

    // Code actions: the fix, and suppressions for the line and the file.
    let blocking = diagnostics[1].clone();
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": blocking["range"], "context": {"diagnostics": [blocking]}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            // No manifest says which runtime this file runs on: the fix to
            // tokio's twin is offered, as an unsafe one.
            "Fix `blocking-in-async` (changes behaviour: review it)",
            "Suppress `blocking-in-async` on this line",
            "Suppress `blocking-in-async` in this file"
        ]
    );
    let fix_edits = &actions["result"][0]["edit"]["changes"][uri];
    let replacements: Vec<&str> = fix_edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert_eq!(replacements, ["tokio::time::sleep", ".await"]);

    // Hover over the rule named in a suppression comment.
    let hover = editor.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 25}}),
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("# block-on-in-async"), "{markdown}");

    // A bad request is answered with an error; the server goes on.
    let bad = editor.request("textDocument/hover", json!(42));
    assert_eq!(bad["error"]["code"], -32602);
    let unknown = editor.request("textDocument/nonsense", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    editor.send_raw("{ this is not json");
    let parse_error = editor.wait_for(|m| m["error"]["code"] == -32700);
    assert!(parse_error["id"].is_null());

    // Half-typed code: the parse error is reported, and what can still be
    // found is found.
    let half_typed = TEXT.replace(
        "async fn work(m: &Mutex<u8>) {",
        "async fn work(m: &Mutex<u8>) {\n    let x = ;",
    );
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": half_typed}]}),
    );
    let diagnostics = editor.diagnostics(uri, 2);
    assert_eq!(
        rules(&diagnostics),
        ["parse-error", "block-on-in-async", "blocking-in-async"]
    );

    editor.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let closed = editor.diagnostics(uri, 0);
    assert!(closed.is_empty());

    let shutdown = editor.request("shutdown", Value::Null);
    assert!(shutdown["error"].is_null());
    editor.notify("exit", Value::Null);
    let status = editor.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn positions_default_to_utf16() {
    let (_dir, uri) = workspace();
    let uri = uri.as_str();
    let mut editor = Editor::start();
    let init = editor.request("initialize", json!({"capabilities": {}}));
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    editor.notify("initialized", json!({}));
    let text = "async fn f() { let _s = \"😀\"; std::thread::sleep(d()); }\n";
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
    );
    let diagnostics = editor.diagnostics(uri, 1);
    // The emoji is 4 bytes, 1 character and 2 UTF-16 code units.
    let byte_column = text.find("std::thread").unwrap();
    assert_eq!(
        diagnostics[0]["range"]["start"]["character"],
        byte_column - 2
    );
}

/// `unused-suppression` and `parse-error` take the levels the config file
/// gives them, in the editor as on the command line.
#[test]
fn the_config_levels_diagnostics_that_are_not_rules() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("asyncheck.toml"),
        "[rules]\nunused-suppression = \"allow\"\nparse-error = \"warn\"\n",
    )
    .unwrap();
    let mut editor = Editor::start();
    editor.request("initialize", json!({"capabilities": {}}));
    editor.notify("initialized", json!({}));
    let open = |editor: &mut Editor, name: &str, text: &str| {
        let uri = format!("file://{}/src/{name}", dir.path().display());
        editor.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
        );
        editor.diagnostics(&uri, 1)
    };
    let stale = open(
        &mut editor,
        "stale.rs",
        "// asyncheck: allow(detached-spawn)\nfn f() {}\n",
    );
    assert!(stale.is_empty(), "{stale:?}");
    let broken = open(&mut editor, "broken.rs", "fn g( {}\n");
    assert_eq!(rules(&broken), ["parse-error"], "{broken:?}");
    // LSP severity 2 is a warning (parse-error is an error by default).
    assert_eq!(broken[0]["severity"], 2);
}

/// Facts cross files in the editor too: a field's type declared in state.rs
/// decides a finding in lib.rs, and editing state.rs re-checks lib.rs.
#[test]
fn editing_one_file_re_checks_the_open_files_it_affects() {
    let dir = tempfile::TempDir::new().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let state = "pub struct State {\n    pub table: parking_lot::RwLock<Vec<u8>>,\n}\n";
    let lib = "mod state;\n\npub async fn f(s: &state::State) {\n    let t = s.table.read();\n    tokio::task::yield_now().await;\n    drop(t);\n}\n";
    std::fs::write(root.join("src/state.rs"), state).unwrap();
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    let uri = |name: &str| format!("file://{}", root.join(name).display());

    let mut editor = Editor::start();
    editor.request("initialize", json!({"capabilities": {}}));
    editor.notify("initialized", json!({}));
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri("src/lib.rs"), "languageId": "rust", "version": 1, "text": lib}}),
    );
    assert_eq!(
        rules(&editor.diagnostics(&uri("src/lib.rs"), 1)),
        ["lock-across-await"]
    );

    // state.rs, opened and edited (not saved): `table` is no longer a lock.
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri("src/state.rs"), "languageId": "rust", "version": 1, "text": state}}),
    );
    let unlocked = state.replace("parking_lot::RwLock<Vec<u8>>", "Journal");
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri("src/state.rs"), "version": 2}, "contentChanges": [{"text": unlocked}]}),
    );
    editor.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri("src/state.rs")}}),
    );
    let republished = editor.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri("src/lib.rs")
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| d.is_empty())
    });
    assert!(republished["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// The server writes rule pages only into its own cache folder, and never
/// through a link planted there: the file the link points at is untouched.
#[test]
fn rule_pages_never_follow_a_planted_link() {
    let cache = tempfile::TempDir::new().unwrap();
    let victim = cache.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let folder = cache
        .path()
        .join("asyncheck")
        .join(format!("docs-{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::set_permissions(&folder, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&victim, folder.join("blocking-in-async.md")).unwrap();

    let mut child = Command::new(assert_cmd::cargo::cargo_bin("asyncheck"))
        .arg("server")
        .env("XDG_CACHE_HOME", cache.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for body in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        json!({"jsonrpc": "2.0", "method": "exit"}),
    ] {
        let body = body.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    }
    stdin.flush().unwrap();
    assert!(child.wait().unwrap().success());

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let page = folder.join("blocking-in-async.md");
    assert!(!std::fs::symlink_metadata(&page).unwrap().is_symlink());
    assert!(std::fs::read_to_string(page)
        .unwrap()
        .starts_with("# blocking-in-async"));
}
