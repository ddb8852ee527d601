//! The `asyncheck` and `cargo-asyncheck` command lines.

mod args;
mod baseline;
mod cache;
mod check;
mod config;
mod crates;
mod discover;
mod mcp;
mod output;
mod test_modules;

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;

use args::{CheckArgs, Cli, Command, ListFormat, OutputFormat};
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
    let mut args = args;
    // `cargo asyncheck` alone, or with only options, means `check`.
    if args
        .get(1)
        .is_none_or(|a| a.to_string_lossy().starts_with('-'))
    {
        args.insert(1, "check".into());
    }
    dispatch(args, &cargo_workspace_members)
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
        Command::Explain { rule } => explain(&rule),
        Command::Server => serve(),
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
fn run_check(args: CheckArgs, default_paths: Vec<PathBuf>) -> i32 {
    // Panics are caught per file and reported as internal errors; the
    // default hook would also print them in the middle of the output.
    std::panic::set_hook(Box::new(|_| {}));
    if args.stdin_filename.is_some() && (args.fix || args.diff) {
        return fail("--fix and --diff work on files, not on standard input");
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        return fail("--unsafe-fixes goes with --fix or --diff");
    }
    if let Err(message) = apply_command_line(&mut Settings::default(), &args) {
        return fail(&message);
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
    if let Some(file) = &args.baseline {
        if let Err(message) = baseline::Baseline::at(file).filter(file, &mut outcome) {
            return fail(&message);
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
    let text = match args.format {
        OutputFormat::Human => {
            let styled = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            output::human::render(&outcome, styled, args.quiet)
        }
        OutputFormat::Json => output::json::render(&outcome),
        OutputFormat::Sarif => output::sarif::render(&outcome),
        OutputFormat::Github => output::github::render(&outcome),
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
    let denied = |severity: Severity| {
        severity == Severity::Error || (severity == Severity::Warning && args.warnings_are_errors())
    };
    let found = outcome
        .files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .any(|d| denied(d.severity));
    if found {
        FOUND
    } else {
        OK
    }
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
    match registry::find(name) {
        Some(rule) => {
            print!("{}", docs::rule_markdown(rule.meta()));
            OK
        }
        None => fail(&format!(
            "unknown rule `{name}`; `asyncheck rules` lists them"
        )),
    }
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
fn cargo_workspace_members() -> Result<Vec<PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
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
    let mut members: Vec<PathBuf> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|package| {
            Path::new(package["manifest_path"].as_str()?)
                .parent()
                .map(Path::to_path_buf)
        })
        .map(|dir| match dir.strip_prefix(&here) {
            Ok(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
            Ok(relative) => relative.to_path_buf(),
            Err(_) => dir,
        })
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
