//! The `asyncheck` and `cargo-asyncheck` command lines.

mod args;
mod check;
mod config;
mod discover;
mod output;

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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { FAILURE } else { OK };
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args, None),
        Command::Rules { format } => print_rules(format),
        Command::Explain { rule } => explain(&rule),
    }
}

/// Runs `cargo asyncheck`: like `asyncheck`, but `check` without a path
/// checks the current cargo workspace.
pub fn run_cargo(args: Vec<OsString>) -> i32 {
    let mut args = args;
    // `cargo asyncheck` alone, or with only options, means `check`.
    if args
        .get(1)
        .is_none_or(|a| a.to_string_lossy().starts_with('-'))
    {
        args.insert(1, "check".into());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { FAILURE } else { OK };
        }
    };
    match cli.command {
        Command::Check(args) => {
            let workspace = if args.paths.is_empty() && args.stdin_filename.is_none() {
                match cargo_workspace_root() {
                    Ok(root) => Some(root),
                    Err(message) => return fail(&message),
                }
            } else {
                None
            };
            run_check(args, workspace)
        }
        Command::Rules { format } => print_rules(format),
        Command::Explain { rule } => explain(&rule),
    }
}

fn fail(message: &str) -> i32 {
    eprintln!("error: {message}");
    FAILURE
}

fn run_check(args: CheckArgs, default_root: Option<PathBuf>) -> i32 {
    // Panics are caught per file and reported as internal errors; the
    // default hook would also print them in the middle of the output.
    std::panic::set_hook(Box::new(|_| {}));
    if let Err(message) = apply_command_line(&mut Settings::default(), &args) {
        return fail(&message);
    }
    let paths = match (args.paths.is_empty(), default_root) {
        (false, _) => args.paths.clone(),
        (true, Some(root)) => vec![root],
        (true, None) => vec![PathBuf::from(".")],
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
            check::check_files(&inputs, unreadable, &settings_of, args.threads)
        }
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(message) => return fail(&message),
    };
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
    let mut settings = Settings::default();
    if let Some(config) = config {
        let path = path.map(absolute).unwrap_or_default();
        config.apply(&mut settings, &path);
    }
    // Validated once before any file is checked.
    let _ = apply_command_line(&mut settings, args);
    settings
}

fn apply_command_line(settings: &mut Settings, args: &CheckArgs) -> Result<(), String> {
    let unknown = |e: asyncheck::settings::UnknownRule| {
        let hint = registry::closest(&e.0)
            .map(|known| format!("; did you mean `{known}`?"))
            .unwrap_or_default();
        format!("unknown rule `{}`{hint}", e.0)
    };
    if !args.select.is_empty() {
        settings.select(&args.select).map_err(unknown)?;
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
                    "{:<26} {:<23} {:<6} fix:{:<7} {}\n",
                    m.name,
                    m.pattern.name(),
                    m.default_level.as_str(),
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
                        "default_level": m.default_level.as_str(),
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

/// The root of the cargo workspace around the current folder.
fn cargo_workspace_root() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "not in a cargo workspace: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(|p| p.to_path_buf())
        .ok_or_else(|| "cargo gave no workspace manifest".to_owned())
}
