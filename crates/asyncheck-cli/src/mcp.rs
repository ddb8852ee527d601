//! `asyncheck mcp`: a Model Context Protocol server on standard input and
//! output (cli.md "MCP server"), so that AI coding assistants can check the
//! code they write and read the patterns. It reads only under its root,
//! honours the config files as `check` does, and writes nothing (not even
//! the results cache).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use asyncheck::rule::Pattern;
use asyncheck::{docs, registry, Checker, Settings};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{json, Value};

use crate::check::{self, Mode, Outcome};
use crate::config::{self, Config};
use crate::crates::SummaryCache;
use crate::discover;
use crate::pages;

/// Texts larger than this are refused: a file this large is checked by its
/// path, and a client that sends megabytes in one message is mistaken.
const MAX_CODE: usize = 2 * 1024 * 1024;

/// A call that takes longer is answered with an error, so that no client
/// waits forever on an input that is slow to check (the work itself cannot
/// be interrupted and finishes in the background).
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The name `code` is checked as when the client gives none.
const DEFAULT_FILENAME: &str = "snippet.rs";

const RULES_URI: &str = "asyncheck://rules/";
const PATTERNS_URI: &str = "asyncheck://patterns/";

/// Serves one client on standard input and output until it disconnects.
pub fn serve(root: Option<PathBuf>) -> Result<(), String> {
    let root = root.unwrap_or_else(|| PathBuf::from("."));
    let root = std::fs::canonicalize(&root)
        .map_err(|e| format!("cannot use `{}` as the root: {e}", root.display()))?;
    // Paths in findings are relative to the root, as `check` makes them
    // relative to the current folder.
    std::env::set_current_dir(&root)
        .map_err(|e| format!("cannot enter `{}`: {e}", root.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let server = Server {
        root,
        summaries: Arc::default(),
    };
    let result = runtime.block_on(async {
        let session = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("the MCP session did not start: {e}"))?;
        session
            .waiting()
            .await
            .map(drop)
            .map_err(|e| format!("the MCP session failed: {e}"))
    });
    // A check still running for a client that has gone is not waited for.
    runtime.shutdown_background();
    result
}

#[derive(Clone)]
struct Server {
    /// Canonical: every path read is checked against it after resolving
    /// `..` and symbolic links.
    root: PathBuf,
    summaries: Arc<SummaryCache>,
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("asyncheck", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "asyncheck finds async Rust anti-patterns without compiling. Call `check` on the \
             code you wrote (`code` with its `filename`, or `paths`), `fix` for the safe fixes \
             as a diff, `explain` for a rule, group or pattern, and `patterns` for the rules \
             of thumb of async Rust.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if !TOOLS.contains(&name.as_str()) {
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{name}`; the tools are {}",
                    TOOLS.map(|t| format!("`{t}`")).join(", ")
                ),
                None,
            ));
        }
        let arguments = Arguments {
            tool: name.clone(),
            map: request.arguments.unwrap_or_default(),
        };
        let server = self.clone();
        // Checking is CPU work: it leaves the protocol's threads free.
        let work = tokio::task::spawn_blocking(move || server.call(&arguments));
        let result = match tokio::time::timeout(TIME_LIMIT, work).await {
            Ok(finished) => finished.map_err(|e| {
                ErrorData::internal_error(format!("the `{name}` tool failed: {e}"), None)
            })?,
            Err(_) => Err(format!(
                "`{name}` did not finish within {} s; check fewer files at a time",
                TIME_LIMIT.as_secs()
            )),
        };
        Ok(result
            .unwrap_or_else(|message| CallToolResult::error(vec![ContentBlock::text(message)]))
            .into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let rules = registry::rules().iter().map(|rule| {
            let meta = rule.meta();
            Resource::new(format!("{RULES_URI}{}", meta.name), meta.name)
                .with_description(meta.summary)
                .with_mime_type("text/markdown")
        });
        let patterns = Pattern::ALL.iter().map(|pattern| {
            Resource::new(
                format!("{PATTERNS_URI}{}", pattern.name()),
                format!("pattern: {}", pattern.name()),
            )
            .with_description(pattern.rule_of_thumb())
            .with_mime_type("text/markdown")
        });
        Ok(ListResourcesResult::with_all_items(
            rules.chain(patterns).collect(),
        ))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(format!("{RULES_URI}{{name}}"), "rule")
                .with_description("A rule's page: what it flags, why, examples, options")
                .with_mime_type("text/markdown"),
            ResourceTemplate::new(format!("{PATTERNS_URI}{{name}}"), "pattern")
                .with_description(
                    "A pattern's rule of thumb, examples, best practices and the rules that enforce it",
                )
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let page = if let Some(name) = uri.strip_prefix(RULES_URI) {
            registry::find(name)
                .map(|rule| docs::rule_markdown(rule.meta()))
                .ok_or_else(|| pages::unknown("rule", name, registry::closest(name)))
        } else if let Some(name) = uri.strip_prefix(PATTERNS_URI) {
            Pattern::parse(name)
                .map(docs::pattern_markdown)
                .ok_or_else(|| pages::unknown("pattern", name, pages::closest_pattern(name)))
        } else {
            Err(format!(
                "no resource `{uri}`; they are {RULES_URI}NAME and {PATTERNS_URI}NAME"
            ))
        };
        match page {
            Ok(text) => Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, uri).with_mime_type("text/markdown")
            ])
            .into()),
            Err(message) => Err(ErrorData::resource_not_found(message, None)),
        }
    }
}

const TOOLS: [&str; 4] = ["check", "fix", "explain", "patterns"];

fn tools() -> Vec<Tool> {
    let strings = |description: &str| json!({"type": "array", "items": {"type": "string"}, "description": description});
    let target = json!({
        "paths": strings("Files or folders to check, under the server's root"),
        "code": {"type": "string", "description": "A file's text, checked instead of `paths`"},
        "filename": {"type": "string", "description": "The path of `code` under the root: the text stands for that file in its crate (default: snippet.rs)"},
        "select": strings("Run only these rules or groups: correctness, suspicious, patterns, all (default: every group, patterns included, at the config file's levels)"),
    });
    let read_only = ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    [
        (
            "check",
            "Check Rust code for async anti-patterns (blocking in async, locks held across \
             .await, lost tasks, cancellation bugs). Give `code` with its `filename`, or \
             `paths`. Findings come as structured content, the objects of \
             `asyncheck check --format json` with each rule's group.",
            target.clone(),
        ),
        (
            "fix",
            "The safe fixes for the same arguments as `check`, as a unified diff (and the \
             fixed text for `code`). Nothing is written.",
            target,
        ),
        (
            "explain",
            "A rule's, a group's or a pattern's page in Markdown: what it flags, why, and \
             what to write instead.",
            json!({"name": {"type": "string", "description": "A rule (blocking-in-async), a group (correctness) or a pattern (cancellation)"}}),
        ),
        (
            "patterns",
            "The async Rust patterns asyncheck enforces: rule of thumb, tags, a bad and a \
             good example, best practices, which tool to choose when, and the rules that \
             enforce each. All of them, or by `name` or `tag`.",
            json!({
                "name": {"type": "string", "description": "A pattern: spawn, channels, cancellation, errors, structured-concurrency, blocking"},
                "tag": {"type": "string", "description": "A tag, such as shutdown or locks"},
            }),
        ),
    ]
    .into_iter()
    .map(|(name, description, properties)| {
        let required = if name == "explain" {
            json!(["name"])
        } else {
            json!([])
        };
        let schema = json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        let schema: JsonObject = serde_json::from_value(schema).unwrap_or_default();
        Tool::new(name, description, schema).with_annotations(read_only.clone())
    })
    .collect()
}

/// A tool call's arguments, read with messages that name the argument.
struct Arguments {
    tool: String,
    map: JsonObject,
}

impl Arguments {
    fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.map.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => Err(format!(
                "unknown argument `{key}`; `{}` takes {}",
                self.tool,
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => Ok(()),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&str>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(format!(
                "`{key}` must be a string, not {}",
                type_name(other)
            )),
        }
    }

    fn strings(&self, key: &str) -> Result<Option<Vec<&str>>, String> {
        let wrong = |other: &Value| {
            format!(
                "`{key}` must be an array of strings, not {}",
                type_name(other)
            )
        };
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().ok_or_else(|| wrong(item)))
                .collect::<Result<_, _>>()
                .map(Some),
            Some(other) => Err(wrong(other)),
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What `check` and `fix` look at.
enum Target {
    /// Relative to the root (the current folder).
    Paths(Vec<PathBuf>),
    Code {
        display: String,
        path: PathBuf,
        text: String,
    },
}

impl Server {
    fn call(&self, arguments: &Arguments) -> Result<CallToolResult, String> {
        match arguments.tool.as_str() {
            "check" => self.check(arguments, Mode::Check),
            "fix" => self.check(
                arguments,
                Mode::Fix {
                    write: false,
                    unsafe_fixes: false,
                },
            ),
            "explain" => explain(arguments),
            _ => patterns(arguments),
        }
    }

    fn check(&self, arguments: &Arguments, mode: Mode) -> Result<CallToolResult, String> {
        arguments.only(&["paths", "code", "filename", "select"])?;
        let select: Vec<String> = arguments
            .strings("select")?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if !select.is_empty() {
            Settings::default().select(&select).map_err(|e| {
                let hint = registry::closest(&e.0)
                    .map(|known| format!("; did you mean `{known}`?"))
                    .unwrap_or_default();
                format!("unknown rule or group `{}` in `select`{hint}", e.0)
            })?;
        }
        let target = self.target(arguments)?;
        let config_start = match &target {
            Target::Paths(paths) => paths[0].clone(),
            Target::Code { path, .. } => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let config = config::discover(&config_start).map_err(|e| e.to_string())?;
        let settings_of = |path: &Path| {
            let mut settings = crate::configured_settings(config.as_ref(), Some(path));
            if select.is_empty() {
                // An assistant writes new code: the patterns apply to it, as
                // `-W patterns` adds them beside the defaults.
                let _ = settings.set_level("patterns", asyncheck::Level::Warn);
            } else {
                // Validated above.
                let _ = settings.select(&select);
            }
            settings
        };
        Ok(match target {
            Target::Paths(paths) => {
                let (mut inputs, unreadable) = discover::discover(&paths);
                if let Some(config) = &config {
                    inputs.retain(|input| {
                        input.explicit || !config.excludes(&crate::absolute(&input.path))
                    });
                }
                let base = settings_of(Path::new(""));
                let overrides = config.as_ref().is_some_and(Config::has_overrides);
                let settings_for = |input: &discover::Input| -> Cow<'_, Settings> {
                    if overrides {
                        Cow::Owned(settings_of(&input.path))
                    } else {
                        Cow::Borrowed(&base)
                    }
                };
                let outcome = check::check_files(
                    &inputs,
                    unreadable,
                    &settings_for,
                    None,
                    mode,
                    None,
                    Some(&self.root),
                )?;
                match mode {
                    Mode::Check => check_result(&outcome),
                    Mode::Fix { .. } => fix_result(&outcome, None),
                }
            }
            Target::Code {
                display,
                path,
                text,
            } => {
                let settings = settings_of(&path);
                let mut checker = Checker::new(&settings);
                let open = [(self.root.join(&path), text.clone())];
                if let Some(index) =
                    self.summaries
                        .index_within(&open[0].0, &open, Some(&self.root))
                {
                    checker = checker.with_index(index);
                }
                match mode {
                    Mode::Check => {
                        check_result(&check::check_text(&display, text.into_bytes(), &checker)?)
                    }
                    Mode::Fix { .. } => {
                        let (outcome, fixed) = check::fix_text(&display, &text, &checker)?;
                        fix_result(&outcome, Some(&fixed))
                    }
                }
            }
        })
    }

    fn target(&self, arguments: &Arguments) -> Result<Target, String> {
        let paths = arguments.strings("paths")?;
        let code = arguments.string("code")?;
        let filename = arguments.string("filename")?;
        match (paths, code) {
            (Some(_), Some(_)) => Err("give either `paths` or `code`, not both".to_owned()),
            (None, None) => Err(
                "give `code` (a file's text) with its `filename`, or `paths` (files or folders under the root)"
                    .to_owned(),
            ),
            (Some(paths), None) => {
                if filename.is_some() {
                    return Err("`filename` goes with `code`, not with `paths`".to_owned());
                }
                if paths.is_empty() {
                    return Err("`paths` is empty: name files or folders under the root".to_owned());
                }
                paths
                    .into_iter()
                    .map(|given| {
                        let path = self.under_root(given)?;
                        if path.exists() {
                            Ok(path)
                        } else {
                            Err(format!("`{given}` does not exist under the root {}", self.root.display()))
                        }
                    })
                    .collect::<Result<_, _>>()
                    .map(Target::Paths)
            }
            (None, Some(code)) => {
                if code.len() > MAX_CODE {
                    return Err(format!(
                        "`code` is {:.1} MB, over the limit of {} MB: save the file and check it by its path",
                        code.len() as f64 / 1e6,
                        MAX_CODE / (1024 * 1024)
                    ));
                }
                let filename = filename.unwrap_or(DEFAULT_FILENAME);
                let path = self.under_root(filename)?;
                Ok(Target::Code {
                    display: discover::display_path(&path),
                    path,
                    text: code.to_owned(),
                })
            }
        }
    }

    /// `given` (relative to the root, or absolute) as a path relative to
    /// the root, refused when it leads outside it, by `..` or by a
    /// symbolic link.
    fn under_root(&self, given: &str) -> Result<PathBuf, String> {
        let outside = || {
            format!(
                "`{given}` is outside the server's root {}: only files under it are read",
                self.root.display()
            )
        };
        let mut path = PathBuf::new();
        for component in self.root.join(given).components() {
            match component {
                Component::ParentDir => {
                    if !path.pop() {
                        return Err(outside());
                    }
                }
                Component::CurDir => {}
                other => path.push(other),
            }
        }
        if !path.starts_with(&self.root) {
            return Err(outside());
        }
        if let Some(existing) = path.ancestors().find(|a| a.exists()) {
            let real = std::fs::canonicalize(existing)
                .map_err(|e| format!("cannot read `{given}`: {e}"))?;
            if !real.starts_with(&self.root) {
                return Err(outside());
            }
        }
        Ok(match path.strip_prefix(&self.root) {
            Ok(relative) if !relative.as_os_str().is_empty() => relative.to_path_buf(),
            _ => PathBuf::from("."),
        })
    }
}

/// The findings as `--format json` has them, each with its rule's group.
fn findings(outcome: &Outcome) -> Value {
    let mut report: Value =
        serde_json::from_str(&crate::output::json::render(outcome)).unwrap_or_default();
    if let Some(diagnostics) = report["diagnostics"].as_array_mut() {
        for diagnostic in diagnostics {
            let group = diagnostic["rule"]
                .as_str()
                .and_then(registry::find)
                .map(|rule| rule.meta().group.name());
            diagnostic["group"] = json!(group);
        }
    }
    json!({
        "diagnostics": report["diagnostics"].take(),
        "summary": report["summary"].take(),
    })
}

fn check_result(outcome: &Outcome) -> CallToolResult {
    let structured = findings(outcome);
    let diagnostics = structured["diagnostics"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let mut text = match diagnostics.len() {
        0 => format!("No findings in {} files.", outcome.file_count),
        count => format!("{count} findings in {} files:", outcome.file_count),
    };
    for d in diagnostics {
        text.push_str(&format!(
            "\n{}:{}:{}: {}[{}] {}",
            d["path"].as_str().unwrap_or(""),
            d["start"]["line"],
            d["start"]["column"],
            d["severity"].as_str().unwrap_or(""),
            d["rule"].as_str().unwrap_or(""),
            d["message"].as_str().unwrap_or(""),
        ));
    }
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

/// `fix`: the diff; for `code`, the fixed text too.
fn fix_result(outcome: &Outcome, fixed: Option<&str>) -> CallToolResult {
    let diff: String = outcome
        .files
        .iter()
        .filter_map(|f| f.diff.as_deref())
        .collect();
    let counts = outcome.fix_counts();
    let mut structured = json!({
        "diff": diff,
        "applied": counts.applied,
        "rejected": counts.rejected,
    });
    if let Some(fixed) = fixed {
        structured["fixed"] = json!(fixed);
    }
    let text = if diff.is_empty() {
        "No safe fixes to apply.".to_owned()
    } else {
        diff
    };
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

fn explain(arguments: &Arguments) -> Result<CallToolResult, String> {
    arguments.only(&["name"])?;
    let name = arguments
        .string("name")?
        .ok_or("`name` is required: a rule, a group or a pattern")?;
    let page = pages::explain(name).ok_or_else(|| {
        pages::unknown(
            "rule, group or pattern",
            name,
            pages::closest_explainable(name),
        )
    })?;
    Ok(CallToolResult::success(vec![ContentBlock::text(page)]))
}

fn patterns(arguments: &Arguments) -> Result<CallToolResult, String> {
    arguments.only(&["name", "tag"])?;
    let name = arguments.string("name")?;
    let tag = arguments.string("tag")?;
    let named = match name {
        Some(name) => Some(
            Pattern::parse(name)
                .ok_or_else(|| pages::unknown("pattern", name, pages::closest_pattern(name)))?,
        ),
        None => None,
    };
    let matching: Vec<Pattern> = Pattern::ALL
        .into_iter()
        .filter(|p| named.is_none_or(|named| named == *p))
        .filter(|p| tag.is_none_or(|tag| p.doc().tags.iter().any(|t| t.eq_ignore_ascii_case(tag))))
        .collect();
    let text = if matching.is_empty() {
        let mut all: Vec<&str> = Pattern::ALL
            .into_iter()
            .flat_map(|p| p.doc().tags)
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        format!("No pattern matches. The tags are: {}.", all.join(", "))
    } else {
        matching
            .iter()
            .map(|p| docs::pattern_markdown(*p))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let entries: Vec<Value> = matching
        .iter()
        .map(|p| {
            let mut entry = pages::pattern_json(*p);
            entry["uri"] = json!(format!("{PATTERNS_URI}{}", p.name()));
            entry
        })
        .collect();
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(json!({ "patterns": entries }));
    Ok(result)
}
