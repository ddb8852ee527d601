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
    Check(CheckArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain a rule: its pattern, what it flags, why, examples, options.
    Explain { rule: String },
    /// Run the language server on standard input and output.
    Server,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Denied {
    Warnings,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check.
    pub paths: Vec<PathBuf>,

    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Run only these rules (`all` turns on rules that are off by default).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Vec<String>,

    /// Also skip these rules.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,

    /// `-D warnings`: warnings make the exit status 1.
    #[arg(short = 'D', value_enum, value_name = "warnings")]
    pub deny: Vec<Denied>,

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

impl CheckArgs {
    pub fn warnings_are_errors(&self) -> bool {
        self.deny_warnings || self.deny.contains(&Denied::Warnings)
    }
}
