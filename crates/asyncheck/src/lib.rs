//! asyncheck's core: Rust source text in, diagnostics out.
//!
//! No I/O beyond what the caller hands in, no printing, no command line:
//! see `ARCHITECTURE.md` for the map.

pub mod checker;
pub mod diagnostic;
pub mod docs;
pub mod fix;
pub mod index;
pub mod line_index;
pub mod patterns;
pub mod registry;
pub mod rule;
mod rules;
pub mod settings;
pub mod suppression;
pub mod syntax;

pub use checker::{Checker, FileReport};
pub use diagnostic::{Applicability, Diagnostic, Edit, Finding, Fix, Label, Severity, Span};
pub use rule::{FixAvailability, Level, Pattern, Rule, RuleMeta};
pub use settings::Settings;

/// Checks one file with `settings`.
pub fn check_file(path: &std::path::Path, text: &str, settings: &Settings) -> FileReport {
    Checker::new(settings).check(path, text)
}
