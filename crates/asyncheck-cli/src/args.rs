//! The command line, as cli.md defines it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "asyncheck",
    version,
    about = "Finds async Rust anti-patterns without compiling the code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the .rs files under each path (default: the current folder).
    Check(Box<CheckArgs>),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain a rule: its pattern, what it flags, why, examples, options.
    Explain { rule: String },
    /// Run the language server on standard input and output.
    Server,
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
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check.
    pub paths: Vec<PathBuf>,

    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

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
