//! The `asyncheck` and `cargo-asyncheck` command lines.

mod args;
mod baseline;
mod cache;
mod check;
mod config;
mod crates;
mod discover;
mod mcp;
mod other_diagnostics;
mod output;
mod pages;
mod reuse;
mod test_modules;

/// Every asyncheck binary allocates through mimalloc (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;

use args::{CheckArgs, Cli, ColorChoice, Command, ListFormat, OutputFormat};
use asyncheck::{docs, registry, Settings, Severity};
use config::Config;

/// Exit statuses, as cli.md defines them.
const OK: i32 = 0;
const FOUND: i32 = 1;
const FAILURE: i32 = 2;

/// Runs `asyncheck` with `args` (the first is the program name) and returns
/// the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    dispatch(args, &|| Ok(Vec::new()))
}

/// Runs `cargo asyncheck`: like `asyncheck`, but `check` without a path
/// checks the members of the current cargo workspace.
pub fn run_cargo(args: Vec<OsString>) -> i32 {
    let (mut args, workspace) = CargoWorkspace::from_args(args);
    // `cargo asyncheck`, `cargo asyncheck PATH` and `cargo asyncheck
    // --option` mean `check`; `--version` and `--help` are asyncheck's.
    let first = args.get(1).map(|a| a.to_string_lossy().into_owned());
    let is_command = |name: &str| {
        use clap::CommandFactory;
        Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == name)
            || name == "help"
    };
    match first.as_deref() {
        Some("--version" | "-V" | "--help" | "-h") => {}
        Some(name) if is_command(name) => {}
        _ => args.insert(1, "check".into()),
    }
    dispatch(cargo_message_format(args), &|| workspace.members())
}

/// cargo's way of naming what to check: `--manifest-path` and
/// `-p`/`--package`, taken out of the arguments before asyncheck reads them.
#[derive(Default)]
struct CargoWorkspace {
    manifest_path: Option<OsString>,
    packages: Vec<String>,
}

impl CargoWorkspace {
    fn from_args(args: Vec<OsString>) -> (Vec<OsString>, CargoWorkspace) {
        let mut workspace = CargoWorkspace::default();
        let mut rest = Vec::with_capacity(args.len());
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let text = arg.to_string_lossy().into_owned();
            if text == "--manifest-path" {
                workspace.manifest_path = args.next();
            } else if let Some(path) = text.strip_prefix("--manifest-path=") {
                workspace.manifest_path = Some(path.into());
            } else if text == "-p" || text == "--package" {
                workspace
                    .packages
                    .extend(args.next().map(|p| p.to_string_lossy().into_owned()));
            } else if let Some(name) = text
                .strip_prefix("--package=")
                .or_else(|| text.strip_prefix("-p").filter(|n| !n.is_empty()))
            {
                workspace.packages.push(name.to_owned());
            } else {
                rest.push(arg);
            }
        }
        (rest, workspace)
    }

    fn members(&self) -> Result<Vec<PathBuf>, String> {
        cargo_workspace_members(self.manifest_path.as_deref(), &self.packages)
    }
}

/// cargo's `--message-format` spelled as asyncheck's `--format`: `json` (and
/// its `json-*` variants) is `rustc-json`, what cargo would print, with
/// colour in `rendered` for `json-diagnostic-rendered-ansi`; `short` is
/// `concise`; `human` is `human`.
fn cargo_message_format(args: Vec<OsString>) -> Vec<OsString> {
    let format = |value: &str| -> Vec<OsString> {
        let format = match value {
            "short" => "concise",
            json if json.starts_with("json") => "rustc-json",
            other => other,
        };
        let mut args = vec!["--format".into(), format.into()];
        if value.contains("rendered-ansi") {
            args.push("--color=always".into());
        }
        args
    };
    let mut out = Vec::with_capacity(args.len());
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if let Some(value) = text.strip_prefix("--message-format=") {
            out.extend(format(value));
        } else if text == "--message-format" {
            if let Some(value) = args.next() {
                out.extend(format(&value.to_string_lossy()));
            }
        } else {
            out.push(arg);
        }
    }
    out
}

/// Parses the command line and runs its command; `default_paths` gives what
/// `check` checks when it is given no path.
fn dispatch(
    args: impl IntoIterator<Item = OsString>,
    default_paths: &dyn Fn() -> Result<Vec<PathBuf>, String>,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { FAILURE } else { OK };
        }
    };
    match cli.command {
        Command::Check(args) => {
            let defaults = if args.paths.is_empty() && args.stdin_filename.is_none() {
                match default_paths() {
                    Ok(paths) => paths,
                    Err(message) => return fail(&message),
                }
            } else {
                Vec::new()
            };
            run_check(*args, defaults)
        }
        Command::Rules { format } => print_rules(format),
        Command::Explain { name } => explain(&name),
        Command::Patterns { pattern, format } => print_patterns(pattern.as_deref(), format),
        Command::Server { stdio: _ } => serve(),
        Command::Mcp { root } => match mcp::serve(root) {
            Ok(()) => OK,
            Err(message) => fail(&message),
        },
    }
}

/// The language server, with settings from the configuration files around
/// each document.
fn serve() -> i32 {
    #[derive(Default)]
    struct ConfigFiles {
        summaries: crates::SummaryCache,
    }
    impl asyncheck_lsp::Host for ConfigFiles {
        fn settings_for(&self, path: &Path) -> Result<Settings, String> {
            let start = path.parent().unwrap_or(path);
            let config = config::discover(start).map_err(|e| e.to_string())?;
            Ok(configured_settings(config.as_ref(), Some(path)))
        }

        fn crate_index(
            &self,
            path: &Path,
            open: &[(PathBuf, String)],
        ) -> Option<asyncheck::index::CrateIndex> {
            self.summaries.index_for(path, open)
        }
    }
    match asyncheck_lsp::run(&ConfigFiles::default()) {
        Ok(()) => OK,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> i32 {
    eprintln!("error: {message}");
    FAILURE
}

/// Checks `args.paths`, else `default_paths`, else the current folder.
fn run_check(mut args: CheckArgs, default_paths: Vec<PathBuf>) -> i32 {
    // Panics are caught per file and reported as internal errors; the
    // default hook would also print them in the middle of the output.
    std::panic::set_hook(Box::new(|_| {}));
    // `-` is standard input, named by `--stdin-filename` if given.
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        args.paths.clear();
        args.stdin_filename
            .get_or_insert_with(|| PathBuf::from("-"));
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        return fail("--unsafe-fixes goes with --fix or --diff");
    }
    if let Err(message) = apply_command_line(&mut Settings::default(), &args) {
        return fail(&message);
    }
    // A path that does not exist is a mistake on the command line, not a
    // finding: `--exit-zero` must not hide it.
    if let Some(missing) = args
        .paths
        .iter()
        .find(|p| std::fs::symlink_metadata(p).is_err())
    {
        return fail(&format!("`{}` does not exist", missing.display()));
    }
    let paths = match (args.paths.is_empty(), default_paths.is_empty()) {
        (false, _) => args.paths.clone(),
        (true, false) => default_paths,
        (true, true) => vec![PathBuf::from(".")],
    };
    let config_start = match &args.stdin_filename {
        Some(name) => name.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => paths[0].clone(),
    };
    let config = match find_config(&args, &config_start) {
        Ok(config) => config,
        Err(error) => return fail(&error.to_string()),
    };
    let base = settings_for(config.as_ref(), &args, None);
    let settings_of = |input: &discover::Input| -> Cow<'_, Settings> {
        match &config {
            Some(config) if config.has_overrides() => {
                Cow::Owned(settings_for(Some(config), &args, Some(&input.path)))
            }
            _ => Cow::Borrowed(&base),
        }
    };
    let outcome = match &args.stdin_filename {
        Some(name) if args.fix || args.diff => {
            let display = discover::display_path(name);
            let input = discover::Input {
                display: display.clone(),
                path: name.clone(),
                explicit: true,
            };
            return fix_stdin(&display, &settings_of(&input), &args);
        }
        Some(name) => {
            let input = discover::Input {
                display: discover::display_path(name),
                path: name.clone(),
                explicit: true,
            };
            check::check_stdin(&input.display, &settings_of(&input))
        }
        None => {
            let (mut inputs, unreadable) = discover::discover(&paths);
            if let Some(config) = &config {
                inputs.retain(|input| input.explicit || !config.excludes(&absolute(&input.path)));
            }
            let mode = if args.fix || args.diff {
                check::Mode::Fix {
                    write: args.fix,
                    unsafe_fixes: args.unsafe_fixes,
                }
            } else {
                check::Mode::Check
            };
            let cache = (mode == check::Mode::Check && !args.no_cache)
                .then(|| cache::Cache::open(&paths))
                .flatten();
            let outcome = check::check_files(
                &inputs,
                unreadable,
                &settings_of,
                args.threads,
                mode,
                cache.as_ref(),
                None,
            );
            if let Some(cache) = cache {
                cache.save();
            }
            outcome
        }
    };
    let mut outcome = match outcome {
        Ok(outcome) => outcome,
        Err(message) => return fail(&message),
    };
    // The checker levels what it reports; this covers what the run itself
    // reports (a manifest or a file that could not be read).
    let levels = settings_for(config.as_ref(), &args, None);
    for file in &mut outcome.files {
        levels.level_others(&mut file.diagnostics);
    }
    if let Some(file) = &args.baseline {
        match baseline::Baseline::at(file).filter(file, &mut outcome) {
            Ok(hidden) if hidden > 0 && !args.quiet => eprintln!(
                "{hidden} finding{} recorded in {} not reported",
                if hidden == 1 { "" } else { "s" },
                file.display()
            ),
            Ok(_) => {}
            Err(message) => return fail(&message),
        }
    }
    if let Some(file) = &args.write_baseline {
        return match baseline::Baseline::at(file).write(file, &outcome) {
            Ok(count) => {
                eprintln!("recorded {count} findings in {}", file.display());
                if outcome.internal_error {
                    FAILURE
                } else {
                    OK
                }
            }
            Err(message) => fail(&message),
        };
    }
    if args.diff {
        return print_diff(&outcome);
    }
    let text = if args.statistics {
        output::statistics::render(&outcome, args.format)
    } else {
        match args.format {
            OutputFormat::Human => output::human::render(&outcome, styled(args.color), args.quiet),
            OutputFormat::Concise => output::concise::render(&outcome, args.quiet),
            OutputFormat::Json => output::json::render(&outcome),
            OutputFormat::JsonLines => output::json::render_lines(&outcome),
            OutputFormat::Sarif => output::sarif::render(&outcome),
            OutputFormat::Github => output::github::render(&outcome),
            OutputFormat::Gitlab => output::gitlab::render(&outcome),
            OutputFormat::Junit => output::junit::render(&outcome),
            // Colour in `rendered` only when asked for: the output is JSON.
            OutputFormat::RustcJson => {
                output::rustc_json::render(&outcome, args.color == ColorChoice::Always)
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return FAILURE;
    }
    exit_status(&outcome, &args)
}

/// Whether the human output is coloured: `--color`; else never with
/// `NO_COLOR`, always with `CLICOLOR_FORCE`, else on a terminal that is not
/// `TERM=dumb`.
fn styled(choice: ColorChoice) -> bool {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if var("NO_COLOR").is_some() => false,
        ColorChoice::Auto if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && var("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// `--fix` or `--diff` on standard input: `--fix` prints the fixed text
/// (all of it, fixed or not, so that an editor can replace its buffer with
/// it), `--diff` the diff; the status is as for files.
fn fix_stdin(display: &str, settings: &Settings, args: &CheckArgs) -> i32 {
    let (text, fixed) = match check::fix_stdin(display, settings, args.unsafe_fixes) {
        Ok(result) => result,
        Err(message) => return fail(&message),
    };
    let out = if args.fix {
        fixed.text.clone()
    } else {
        similar::TextDiff::from_lines(&text, &fixed.text)
            .unified_diff()
            .header(display, display)
            .to_string()
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return FAILURE;
    }
    if fixed.rejected > 0 {
        eprintln!(
            "warning: {} fixes were left out because the result would not parse",
            fixed.rejected
        );
    }
    if args.diff {
        return if fixed.applied > 0 { FOUND } else { OK };
    }
    if !args.quiet {
        eprintln!(
            "applied {} fix{}; {} finding{} left",
            fixed.applied,
            if fixed.applied == 1 { "" } else { "es" },
            fixed.diagnostics.len(),
            if fixed.diagnostics.len() == 1 {
                ""
            } else {
                "s"
            },
        );
    }
    if !args.exit_zero && fixed.diagnostics.iter().any(|d| denied(d.severity, args)) {
        FOUND
    } else {
        OK
    }
}

/// `--diff`: the diffs alone; status 1 when there is something to fix.
fn print_diff(outcome: &check::Outcome) -> i32 {
    let diffs: String = outcome
        .files
        .iter()
        .filter_map(|f| f.diff.as_deref())
        .collect();
    let counts = outcome.fix_counts();
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(diffs.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return FAILURE;
    }
    if counts.rejected > 0 {
        eprintln!(
            "warning: {} fixes were left out because the result would not parse",
            counts.rejected
        );
    }
    match (outcome.internal_error, counts.applied) {
        (true, _) => FAILURE,
        (false, 0) => OK,
        (false, _) => FOUND,
    }
}

fn find_config(args: &CheckArgs, start: &Path) -> Result<Option<Config>, config::ConfigError> {
    if args.no_config {
        return Ok(None);
    }
    match &args.config {
        Some(file) => config::load(file).map(Some),
        None => config::discover(start),
    }
}

/// The settings for a file: defaults, then the config file (with the
/// overrides matching `path`), then the command line, which wins.
fn settings_for(config: Option<&Config>, args: &CheckArgs, path: Option<&Path>) -> Settings {
    let mut settings = configured_settings(config, path);
    // Validated once before any file is checked.
    let _ = apply_command_line(&mut settings, args);
    settings
}

/// The defaults with the config file (and its overrides matching `path`).
fn configured_settings(config: Option<&Config>, path: Option<&Path>) -> Settings {
    let mut settings = Settings::default();
    if let Some(config) = config {
        let path = path.map(absolute).unwrap_or_default();
        config.apply(&mut settings, &path);
    }
    settings
}

fn apply_command_line(settings: &mut Settings, args: &CheckArgs) -> Result<(), String> {
    let unknown = |e: asyncheck::settings::UnknownRule| {
        let hint = registry::closest(&e.0)
            .map(|known| format!("; did you mean `{known}`?"))
            .unwrap_or_default();
        format!("unknown rule or group `{}`{hint}", e.0)
    };
    if !args.select.is_empty() {
        settings.select(&args.select).map_err(unknown)?;
    }
    for (name, level) in args.levels() {
        settings.set_level(name, level).map_err(unknown)?;
    }
    settings.ignore(&args.ignore).map_err(unknown)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn exit_status(outcome: &check::Outcome, args: &CheckArgs) -> i32 {
    if outcome.internal_error {
        return FAILURE;
    }
    if args.exit_zero {
        return OK;
    }
    let found = outcome
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .any(|d| denied(d.severity, args));
    if found {
        FOUND
    } else {
        OK
    }
}

/// Whether a finding of this severity makes the exit status 1.
fn denied(severity: Severity, args: &CheckArgs) -> bool {
    severity == Severity::Error || (severity == Severity::Warning && args.warnings_are_errors())
}

fn print_rules(format: ListFormat) -> i32 {
    let rules = registry::rules().iter().map(|r| r.meta());
    let text = match format {
        ListFormat::Text => rules
            .map(|m| {
                format!(
                    "{:<28} {:<12} {:<23} {:<6} fix:{:<7} {}\n",
                    m.name,
                    m.group.name(),
                    m.pattern.name(),
                    m.default_level().as_str(),
                    m.fix.as_str(),
                    m.summary
                )
            })
            .collect::<String>(),
        ListFormat::Json => {
            let list: Vec<_> = rules
                .map(|m| {
                    serde_json::json!({
                        "name": m.name,
                        "pattern": m.pattern.name(),
                        "group": m.group.name(),
                        "default_level": m.default_level().as_str(),
                        "fix": m.fix.as_str(),
                        "summary": m.summary,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            )
        }
    };
    print!("{text}");
    OK
}

fn explain(name: &str) -> i32 {
    match pages::explain(name) {
        Some(page) => {
            print!("{page}");
            OK
        }
        None => {
            let hint = pages::closest_explainable(name)
                .map(|known| format!("did you mean `{known}`? "))
                .unwrap_or_default();
            fail(&format!(
                "unknown rule, group or pattern `{name}`; {hint}`asyncheck rules` and `asyncheck patterns` list them"
            ))
        }
    }
}

/// `asyncheck patterns [PATTERN]`: the list, or one pattern's page.
fn print_patterns(name: Option<&str>, format: ListFormat) -> i32 {
    let chosen = match name {
        None => None,
        Some(name) => match asyncheck::Pattern::parse(name) {
            Some(pattern) => Some(pattern),
            None => {
                let hint = pages::closest_pattern(name)
                    .map(|known| format!("did you mean `{known}`? "))
                    .unwrap_or_default();
                return fail(&format!(
                    "unknown pattern `{name}`; {hint}the patterns are {}",
                    asyncheck::Pattern::ALL.map(|p| p.name()).join(", ")
                ));
            }
        },
    };
    let text = match (chosen, format) {
        (Some(pattern), ListFormat::Text) => docs::pattern_markdown(pattern),
        (Some(pattern), ListFormat::Json) => format!(
            "{}\n",
            serde_json::to_string_pretty(&pages::pattern_json(pattern)).unwrap_or_default()
        ),
        (None, ListFormat::Text) => {
            let mut out = String::new();
            for pattern in asyncheck::Pattern::ALL {
                let doc = pattern.doc();
                let rules: Vec<&str> = pattern.rules().map(|meta| meta.name).collect();
                out.push_str(&format!(
                    "{:<23} {}\n{:<23} tags: {}; rules: {}\n",
                    pattern.name(),
                    doc.rule_of_thumb,
                    "",
                    doc.tags.join(", "),
                    rules.join(", ")
                ));
            }
            out.push_str("\n`asyncheck patterns PATTERN` shows a pattern's page.\n");
            out
        }
        (None, ListFormat::Json) => {
            let all: Vec<_> = asyncheck::Pattern::ALL
                .into_iter()
                .map(pages::pattern_json)
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&all).unwrap_or_default()
            )
        }
    };
    print!("{text}");
    OK
}

fn contains(outer: &Path, inner: &Path) -> bool {
    if outer == Path::new(".") {
        inner.is_relative()
    } else {
        inner.starts_with(outer)
    }
}

/// The source folders of the cargo workspace around the current folder:
/// each member's, from `cargo metadata --no-deps`, relative to the current
/// folder where they are under it.
fn cargo_workspace_members(
    manifest_path: Option<&std::ffi::OsStr>,
    packages: &[String],
) -> Result<Vec<PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.args(["metadata", "--no-deps", "--format-version", "1"]);
    if let Some(manifest_path) = manifest_path {
        command.arg("--manifest-path").arg(manifest_path);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read `cargo metadata` output: {e}"))?;
    let here = std::env::current_dir().unwrap_or_default();
    let all_packages = metadata["packages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    if let Some(unknown) = packages
        .iter()
        .find(|name| !all_packages.iter().any(|p| p["name"] == name.as_str()))
    {
        return Err(format!(
            "package `{unknown}` is not a member of the cargo workspace"
        ));
    }
    // As with cargo: the manifest of a package (not of a virtual workspace)
    // selects that package.
    let manifest_package = manifest_path
        .and_then(|path| std::fs::canonicalize(path).ok())
        .and_then(|manifest| {
            all_packages.iter().find(|p| {
                p["manifest_path"]
                    .as_str()
                    .and_then(|m| std::fs::canonicalize(m).ok())
                    .is_some_and(|m| m == manifest)
            })
        });
    let mut members: Vec<PathBuf> = all_packages
        .iter()
        .filter(|package| match (packages.is_empty(), manifest_package) {
            (false, _) => packages.iter().any(|name| package["name"] == name.as_str()),
            (true, Some(only)) => package["manifest_path"] == only["manifest_path"],
            (true, None) => true,
        })
        .filter_map(|package| {
            Path::new(package["manifest_path"].as_str()?)
                .parent()
                .map(Path::to_path_buf)
        })
        .map(|dir| discover::relative_folder(dir, &here))
        .collect();
    members.sort();
    members.dedup();
    // A member inside another member's folder is checked with it.
    let all = members.clone();
    members.retain(|member| {
        !all.iter()
            .any(|outer| outer != member && contains(outer, member))
    });
    if members.is_empty() {
        return Err("the cargo workspace has no members".to_owned());
    }
    Ok(members)
}
