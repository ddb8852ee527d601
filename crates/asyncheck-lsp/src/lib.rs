//! The asyncheck language server: diagnostics as you type, fixes and
//! suppressions as code actions, rule documentation on hover. The only crate
//! that knows LSP types.

mod actions;
mod documents;
mod positions;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asyncheck::index::CrateIndex;
use asyncheck::{docs, registry, Settings};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionProviderCapability, HoverProviderCapability, InitializeParams, InitializeResult,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};

use documents::Documents;
use positions::Encoding;

/// How long typing must pause before a changed document is checked again.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// What the server needs from its host: the settings for a file, from the
/// configuration files around it (read anew each time, so edits to
/// `asyncheck.toml` take effect on the next check).
pub trait Host {
    fn settings_for(&self, path: &Path) -> Result<Settings, String>;

    /// What the crate of the file at `path` knows, with the open documents'
    /// texts (`open`) in place of what is on disk. `None`: the file is its
    /// own crate.
    fn crate_index(&self, path: &Path, open: &[(PathBuf, String)]) -> Option<CrateIndex>;
}

/// Serves LSP on standard input and output until the client says `exit`.
///
/// Unlike `Connection::stdio`, a message that is not valid JSON-RPC gets a
/// parse-error response and the server reads on, instead of stopping.
pub fn run(host: &dyn Host) -> Result<(), String> {
    let (server, client) = Connection::memory();
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let reader = {
        let stdout = Arc::clone(&stdout);
        let sender = client.sender.clone();
        std::thread::spawn(move || read_stdin(&sender, &stdout))
    };
    let writer = {
        let receiver = client.receiver.clone();
        std::thread::spawn(move || {
            for message in receiver {
                let Ok(mut out) = stdout.lock() else { return };
                if message.write(&mut *out).and_then(|_| out.flush()).is_err() {
                    return;
                }
            }
        })
    };
    drop(client);
    let result = serve(&server, host);
    drop(server);
    let _ = writer.join();
    // The reader ends with standard input; it is not waited for.
    drop(reader);
    result
}

fn read_stdin(sender: &crossbeam_channel::Sender<Message>, stdout: &Mutex<std::io::Stdout>) {
    let mut input = std::io::stdin().lock();
    loop {
        match Message::read(&mut input) {
            Ok(Some(message)) => {
                if sender.send(message).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                let reply = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": null,
                    "error": {"code": ErrorCode::ParseError as i32, "message": error.to_string()},
                });
                let text = reply.to_string();
                let Ok(mut out) = stdout.lock() else { return };
                let framed = format!("Content-Length: {}\r\n\r\n{text}", text.len());
                if out
                    .write_all(framed.as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// Serves one client over `connection`.
pub fn serve(connection: &Connection, host: &dyn Host) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = Encoding::negotiate(&params);
    let result = InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "asyncheck".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        connection,
        host,
        encoding,
        documents: Documents::default(),
        docs: RuleDocs::write(),
    };
    server.main_loop()
}

struct Server<'a> {
    connection: &'a Connection,
    host: &'a dyn Host,
    encoding: Encoding,
    documents: Documents,
    docs: RuleDocs,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            let timeout = self
                .documents
                .next_due(DEBOUNCE)
                .map(|due| due.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600));
            match self.connection.receiver.recv_timeout(timeout) {
                Ok(Message::Request(request)) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let response = self.handle_request(request);
                    self.send(Message::Response(response));
                }
                Ok(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.handle_notification(notification);
                }
                Ok(Message::Response(_)) => {}
                Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => {}
                Err(_) => return Ok(()),
            }
            for uri in self.documents.take_due(DEBOUNCE) {
                self.check(&uri);
            }
        }
    }

    fn send(&self, message: Message) {
        let _ = self.connection.sender.send(message);
    }

    fn handle_request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            CodeActionRequest::METHOD => parse(request).map(|p| {
                serde_json::to_value(actions::code_actions(
                    &self.documents,
                    self.encoding,
                    &self.docs,
                    &p,
                ))
                .unwrap_or_default()
            }),
            HoverRequest::METHOD => parse(request).map(|p| {
                serde_json::to_value(actions::hover(&self.documents, self.encoding, &p))
                    .unwrap_or_default()
            }),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request `{other}`"),
            )),
        };
        respond(id, result)
    }

    fn handle_notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidOpenTextDocumentParams>(notification) {
                    let uri = params.text_document.uri.clone();
                    self.documents.open(params);
                    self.check(&uri);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidChangeTextDocumentParams>(notification) {
                    self.documents.change(params);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidSaveTextDocumentParams>(notification) {
                    self.check(&params.text_document.uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidCloseTextDocumentParams>(notification) {
                    self.documents.close(&params.text_document.uri);
                    self.publish(params.text_document.uri, Vec::new(), None);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                // A configuration file changed: check every open document again.
                for uri in self.documents.uris() {
                    self.check(&uri);
                }
            }
            _ => {}
        }
    }

    fn check(&mut self, uri: &Uri) {
        let path = positions::uri_to_path(uri);
        let settings = match self.host.settings_for(&path) {
            Ok(mut settings) => {
                settings.check_broken_files = true;
                settings
            }
            Err(message) => {
                self.show_error(&format!("asyncheck: {message}"));
                return;
            }
        };
        let open = self.documents.texts();
        let index = self.host.crate_index(&path, &open);
        let summary_changed = index
            .as_ref()
            .is_some_and(|index| self.documents.note_facts(uri, index));
        let Some((version, diagnostics)) = self.documents.check(uri, &path, &settings, index)
        else {
            return;
        };
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let converted = diagnostics
            .iter()
            .map(|d| {
                positions::to_lsp_diagnostic(d, uri, &document.text, self.encoding, &self.docs)
            })
            .collect();
        self.publish(uri.clone(), converted, version);
        // The file's facts changed (a field's type, a spawned function):
        // findings in the other open files of the crate may follow.
        if summary_changed {
            for other in self.documents.uris() {
                if &other != uri {
                    self.check_alone(&other);
                }
            }
        }
    }

    /// Checks a document without passing its facts on to the others again.
    fn check_alone(&mut self, uri: &Uri) {
        let path = positions::uri_to_path(uri);
        let Ok(mut settings) = self.host.settings_for(&path) else {
            return;
        };
        settings.check_broken_files = true;
        let open = self.documents.texts();
        let index = self.host.crate_index(&path, &open);
        if let Some(index) = &index {
            self.documents.note_facts(uri, index);
        }
        let Some((version, diagnostics)) = self.documents.check(uri, &path, &settings, index)
        else {
            return;
        };
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let converted = diagnostics
            .iter()
            .map(|d| {
                positions::to_lsp_diagnostic(d, uri, &document.text, self.encoding, &self.docs)
            })
            .collect();
        self.publish(uri.clone(), converted, version);
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            params,
        )));
    }

    fn show_error(&self, message: &str) {
        let params = lsp_types::ShowMessageParams {
            typ: lsp_types::MessageType::ERROR,
            message: message.to_owned(),
        };
        self.send(Message::Notification(Notification::new(
            "window/showMessage".to_owned(),
            params,
        )));
    }
}

fn parse<P: serde::de::DeserializeOwned>(
    message: impl Into<Params>,
) -> Result<P, (ErrorCode, String)> {
    let params = message.into().0;
    serde_json::from_value(params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

/// The parameters of a request or a notification.
struct Params(serde_json::Value);

impl From<Request> for Params {
    fn from(request: Request) -> Self {
        Params(request.params)
    }
}

impl From<Notification> for Params {
    fn from(notification: Notification) -> Self {
        Params(notification.params)
    }
}

fn respond(id: RequestId, result: Result<serde_json::Value, (ErrorCode, String)>) -> Response {
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

/// Each rule's documentation, written once per server to the user's cache
/// folder so that a diagnostic can link to a page the editor can open.
///
/// Nothing is written outside that folder, and nothing through a link: the
/// folder is made owner-only and refused unless it is a real folder of this
/// user, and each page is written to a new temporary file in it and renamed
/// over its name (a rename replaces a planted link, it never follows it).
pub(crate) struct RuleDocs {
    pages: HashMap<&'static str, Uri>,
}

impl RuleDocs {
    fn write() -> Self {
        let mut pages = HashMap::new();
        let Some(folder) = docs_folder() else {
            return RuleDocs { pages };
        };
        for rule in registry::rules() {
            let meta = rule.meta();
            let page: PathBuf = folder.join(format!("{}.md", meta.name));
            if write_page(&folder, &page, &docs::rule_markdown(meta)).is_ok() {
                if let Some(uri) = positions::path_to_uri(&page) {
                    pages.insert(meta.name, uri);
                }
            }
        }
        RuleDocs { pages }
    }

    pub(crate) fn page(&self, rule: &str) -> Option<Uri> {
        self.pages.get(rule).cloned()
    }
}

/// `$XDG_CACHE_HOME/asyncheck/docs-VERSION` (else `~/.cache/..`), made with
/// owner-only permissions; `None` when it is not a plain folder of ours.
fn docs_folder() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    let folder = cache
        .join("asyncheck")
        .join(format!("docs-{}", env!("CARGO_PKG_VERSION")));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&folder).ok()?;
    let metadata = std::fs::symlink_metadata(&folder).ok()?;
    if !metadata.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // A file we create in the folder is ours: the folder must be too,
        // and private.
        let probe = tempfile::NamedTempFile::new_in(&folder).ok()?;
        let ours = probe.as_file().metadata().ok()?.uid() == metadata.uid();
        if !ours || metadata.mode() & 0o077 != 0 {
            return None;
        }
    }
    Some(folder)
}

fn write_page(folder: &Path, page: &Path, text: &str) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(text.as_bytes())?;
    file.persist(page).map_err(|e| e.error)?;
    Ok(())
}
