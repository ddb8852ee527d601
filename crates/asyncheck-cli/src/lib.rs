//! The `asyncheck` and `cargo-asyncheck` command lines.

mod args;
mod check;
mod discover;
mod output;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Parser;

use args::{CheckArgs, Cli, Command, ListFormat, OutputFormat};
use asyncheck::{docs, registry, Settings, Severity};

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
    let settings = match settings(&args) {
        Ok(settings) => settings,
        Err(message) => return fail(&message),
    };
    let outcome = match &args.stdin_filename {
        Some(name) => check::check_stdin(&discover::display_path(name), &settings),
        None => {
            let paths = match (args.paths.is_empty(), default_root) {
                (false, _) => args.paths.clone(),
                (true, Some(root)) => vec![root],
                (true, None) => vec![PathBuf::from(".")],
            };
            let (inputs, unreadable) = discover::discover(&paths);
            check::check_files(&inputs, unreadable, &settings, args.threads)
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

fn settings(args: &CheckArgs) -> Result<Settings, String> {
    let mut settings = Settings::default();
    let unknown = |e: asyncheck::settings::UnknownRule| format!("unknown rule `{}`", e.0);
    if !args.select.is_empty() {
        settings.select(&args.select).map_err(unknown)?;
    }
    settings.ignore(&args.ignore).map_err(unknown)?;
    Ok(settings)
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
