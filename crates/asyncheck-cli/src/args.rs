//! The command line, as cli.md defines it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples, exit statuses and environment variables, after `--help`.
const AFTER_HELP: &str = "\
Examples:
  asyncheck check                          check the .rs files under the current folder
  asyncheck check src -D warnings          fail (status 1) on warnings too
  asyncheck check --select all             every rule, the pattern rules too
  asyncheck check -W patterns -A detached-spawn
  asyncheck check --fix                    apply the safe fixes
  asyncheck check --format sarif > asyncheck.sarif
  asyncheck check --format rustc-json      for rust-analyzer's check.overrideCommand
  cat src/lib.rs | asyncheck check --stdin-filename src/lib.rs
  asyncheck explain blocking-in-async
  asyncheck patterns cancellation          a pattern's page: rule of thumb, examples, rules
  cargo asyncheck -p my-crate

Exit status:
  0  no finding at level error (with -D warnings: no warning either)
  1  a finding at level error (or a warning, with -D warnings)
  2  a usage error, a path that does not exist, a bad config file or baseline,
     or an internal error

Environment:
  NO_COLOR             no colour (unless --color always)
  CLICOLOR_FORCE       colour even when the output is not a terminal
  TERM=dumb            no colour
  ASYNCHECK_CACHE_DIR  where the results cache lives (default: target/asyncheck)
  ASYNCHECK_DOCS_URL   where the rule pages are published (SARIF helpUri)";

#[derive(Debug, Parser)]
#[command(
    name = "asyncheck",
    version,
    about = "Finds async Rust anti-patterns without compiling the code",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the .rs files under each path (default: the current folder).
    #[command(after_help = AFTER_HELP)]
    Check(Box<CheckArgs>),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain a rule (its pattern, what it flags, why, examples, options), a
    /// group or a pattern.
    Explain {
        #[arg(value_name = "RULE|GROUP|PATTERN")]
        name: String,
    },
    /// The pattern catalogue: every pattern, or one pattern's page.
    Patterns {
        /// spawn, channels, cancellation, errors, structured-concurrency or
        /// blocking.
        pattern: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Run the language server on standard input and output.
    Server {
        /// Accepted for editors' generic clients, which pass it; standard
        /// input and output is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Run the MCP server (for AI coding assistants) on standard input and
    /// output; it reads files only under its root.
    Mcp {
        /// The folder whose files the server may read (default: the current
        /// folder).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The shape of rustc's messages, with the source and a summary line.
    Human,
    /// One line per finding: `path:line:col: rule message`.
    Concise,
    /// One JSON object with every finding and a summary.
    Json,
    /// One JSON object per finding, one per line.
    JsonLines,
    /// SARIF 2.1.0 (GitHub code scanning and others).
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// GitLab code-quality JSON.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// cargo's `compiler-message` lines with rustc's diagnostic JSON, for
    /// rust-analyzer's `check.overrideCommand`, bacon and other readers of
    /// `cargo check --message-format=json`.
    RustcJson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set or `TERM=dumb`;
    /// `CLICOLOR_FORCE` forces it.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check; `-` reads standard input.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Colour in the human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print a count per rule (and how many are fixable) instead of each
    /// finding.
    #[arg(long)]
    pub statistics: bool,

    /// Run only these rules or groups (`correctness`, `suspicious`,
    /// `patterns`; `all` is every rule).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,

    /// Also skip these rules or groups.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,

    /// Report a rule or group as a warning, beside the defaults
    /// (`-W patterns` adds the pattern rules).
    #[arg(short = 'W', value_name = "RULE")]
    pub warn: Vec<String>,

    /// Turn a rule or group off.
    #[arg(short = 'A', value_name = "RULE")]
    pub allow: Vec<String>,

    /// Report a rule or group as an error; `-D warnings` makes warnings set
    /// the exit status to 1.
    #[arg(short = 'D', value_name = "RULE|warnings")]
    pub deny: Vec<String>,

    /// Warnings make the exit status 1.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Use this configuration file (an `asyncheck.toml`, or a `Cargo.toml`
    /// with an asyncheck metadata table).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore configuration files.
    #[arg(long)]
    pub no_config: bool,

    /// Check standard input, reported as this path.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,

    /// Apply the safe fixes.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,

    /// Print the fixes as a unified diff; write nothing.
    #[arg(long)]
    pub diff: bool,

    /// With --fix or --diff: apply the unsafe fixes too.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Record today's findings in FILE (a baseline), and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Report only the findings not recorded in the baseline FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Neither read nor write the results cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Exit 0 whatever was found.
    #[arg(long)]
    pub exit_zero: bool,

    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `-D warnings` is clippy's spelling of "warnings fail the run".
const DENY_WARNINGS: &str = "warnings";

impl CheckArgs {
    pub fn warnings_are_errors(&self) -> bool {
        self.deny_warnings || self.deny.iter().any(|name| name == DENY_WARNINGS)
    }

    /// Levels asked for by `-A`, `-W` and `-D`, weakest first so that the
    /// strictest wins for a name given twice.
    pub fn levels(&self) -> impl Iterator<Item = (&str, asyncheck::Level)> {
        use asyncheck::Level;
        let allow = self.allow.iter().map(|name| (name.as_str(), Level::Allow));
        let warn = self.warn.iter().map(|name| (name.as_str(), Level::Warn));
        let deny = self.deny.iter().map(|name| (name.as_str(), Level::Deny));
        allow
            .chain(warn)
            .chain(deny)
            .filter(|(name, _)| *name != DENY_WARNINGS)
    }
}
