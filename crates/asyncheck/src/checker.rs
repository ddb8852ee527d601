//! One traversal per file, dispatching each node to the rules that asked
//! for its kind.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};
use crate::index::{self, CrateIndex, FileSummary};
use crate::registry;
use crate::rule::{Context, FileCache, Level};
use crate::settings::Settings;
use crate::suppression;
use crate::syntax::{self, WalkEvent};

#[derive(Debug, Default)]
pub struct FileReport {
    /// Sorted by offset, then rule.
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Checker<'s> {
    settings: &'s Settings,
    /// The facts of the crate the checked files belong to; without one, a
    /// file is its own crate.
    index: Option<CrateIndex>,
    /// Indexed by syntax kind: the enabled rules that want that kind.
    dispatch: Vec<Vec<usize>>,
}

impl<'s> Checker<'s> {
    pub fn new(settings: &'s Settings) -> Self {
        let mut dispatch: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in registry::rules().iter().enumerate() {
            if settings.rule(index).level == Level::Allow {
                continue;
            }
            for kind in rule.kinds() {
                let slot = u16::from(*kind) as usize;
                if dispatch.len() <= slot {
                    dispatch.resize(slot + 1, Vec::new());
                }
                dispatch[slot].push(index);
            }
        }
        Checker {
            settings,
            index: None,
            dispatch,
        }
    }

    pub fn settings(&self) -> &'s Settings {
        self.settings
    }

    /// Checks files as members of the crate `index` describes.
    pub fn with_index(mut self, index: CrateIndex) -> Self {
        self.index = Some(index);
        self
    }

    /// Checks one file's text. `path` decides whether the whole file is test
    /// code (under `tests/` or `benches/`).
    pub fn check(&self, path: &Path, text: &str) -> FileReport {
        self.check_module(path, text, false)
    }

    /// Checks one file's text; `test_module` says that its parent module
    /// declares it only for tests (`#[cfg(test)] mod name;`), which the file
    /// itself cannot show.
    pub fn check_module(&self, path: &Path, text: &str, test_module: bool) -> FileReport {
        self.check_parsed(path, text, test_module, syntax::parse_file(text))
    }

    /// Checks a file already parsed (`None`: it nests too deep to parse).
    pub fn check_parsed(
        &self,
        path: &Path,
        text: &str,
        test_module: bool,
        parsed: Option<syntax::ParsedFile>,
    ) -> FileReport {
        let mut report = self.run_rules(path, text, test_module, parsed);
        self.settings.level_others(&mut report.diagnostics);
        report
    }

    fn run_rules(
        &self,
        path: &Path,
        text: &str,
        test_module: bool,
        parsed: Option<syntax::ParsedFile>,
    ) -> FileReport {
        let Some(mut parsed) = parsed else {
            return FileReport {
                diagnostics: vec![Diagnostic::parse_error(
                    0..0,
                    format!(
                        "nesting deeper than {} levels; the file was not analysed",
                        syntax::MAX_NESTING
                    ),
                )],
            };
        };
        let mut diagnostics = Vec::new();
        if let Some(first) = parsed.errors.first() {
            let offset = usize::from(first.offset).min(text.len());
            let more = match parsed.errors.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            diagnostics.push(Diagnostic::parse_error(
                offset..offset,
                format!(
                    "could not parse this file: {}{more}",
                    rustc_wording(&first.message)
                ),
            ));
            if !self.settings.check_broken_files {
                return FileReport { diagnostics };
            }
        }

        let index = match &self.index {
            Some(index) => index.clone(),
            None => CrateIndex::of_file(&FileSummary {
                path: path.display().to_string(),
                ..index::summarize(&parsed.root, text, &parsed.imports)
            }),
        };
        let test_file = test_module || is_test_path(index.in_package.as_deref().unwrap_or(path));
        parsed.imports.set_crate_index(index);

        // The test items we are inside, innermost last.
        let mut test_items: Vec<syntax::SyntaxNode> = Vec::new();
        let mut findings = Vec::new();
        let cache = FileCache::default();
        // Rules that panicked on this file are not run on it again.
        let mut failed: Vec<usize> = Vec::new();
        for event in parsed.root.preorder() {
            let node = match event {
                WalkEvent::Enter(node) => node,
                WalkEvent::Leave(node) => {
                    if test_items.last() == Some(&node) {
                        test_items.pop();
                    }
                    continue;
                }
            };
            if syntax::is_test_item(&node) {
                test_items.push(node.clone());
            }
            let in_test = test_file || !test_items.is_empty();
            let Some(rules) = self.dispatch.get(u16::from(node.kind()) as usize) else {
                continue;
            };
            for &index in rules {
                if failed.contains(&index) {
                    continue;
                }
                let rule = registry::rules()[index];
                let meta = rule.meta();
                if meta.skips_tests && in_test && !self.settings.check_tests {
                    continue;
                }
                let settings = self.settings.rule(index);
                let mut cx = Context {
                    text,
                    root: &parsed.root,
                    imports: &parsed.imports,
                    cache: &cache,
                    options: &settings.options,
                    in_test,
                    findings: &mut findings,
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| rule.check(&node, &mut cx)));
                if let Err(panic) = outcome {
                    diagnostics.push(Diagnostic::internal_error(format!(
                        "rule `{}` failed on this file ({}); please report it",
                        meta.name,
                        panic_message(&*panic)
                    )));
                    failed.push(index);
                }
                let severity = match settings.level {
                    Level::Deny => Severity::Error,
                    _ => Severity::Warning,
                };
                diagnostics.extend(findings.drain(..).map(|finding| {
                    Diagnostic::from_finding(meta.name, meta.pattern.name(), severity, finding)
                }));
            }
        }
        let runs_at = |rule: &str, place: &syntax::SyntaxNode| {
            let Some(index) = registry::index_of(rule) else {
                return false;
            };
            let enabled = self.settings.rule(index).level != Level::Allow;
            let skipped_as_test = registry::rules()[index].meta().skips_tests
                && !self.settings.check_tests
                && (test_file || syntax::is_test_code(place));
            enabled && !skipped_as_test
        };
        let index = parsed.imports.crate_index();
        let inherited_clippy = |lint: &str| index.allows_clippy_lint(&index.module, lint);
        suppression::apply(
            &parsed.root,
            text,
            &mut diagnostics,
            &runs_at,
            &inherited_clippy,
        );
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        FileReport { diagnostics }
    }
}

/// Whether a file is under a `tests` or `benches` folder (of its package,
/// when `path` is relative to it): test code.
pub fn is_test_path(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")))
}

/// The text a panic was raised with.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// The parser's message in rustc's words: its token names (`SEMICOLON`,
/// `R_PAREN`, `FN_KW`) become the tokens themselves (`;`, `)`, `fn`).
fn rustc_wording(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| c.is_ascii_uppercase()) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        match token_text(word) {
            Some(text) => out.push_str(&text),
            None => out.push_str(word),
        }
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

fn token_text(kind: &str) -> Option<String> {
    if let Some(keyword) = kind.strip_suffix("_KW") {
        return Some(format!("`{}`", keyword.to_ascii_lowercase()));
    }
    let text = match kind {
        "SEMICOLON" => "`;`",
        "COMMA" => "`,`",
        "L_PAREN" => "`(`",
        "R_PAREN" => "`)`",
        "L_CURLY" => "`{`",
        "R_CURLY" => "`}`",
        "L_BRACK" => "`[`",
        "R_BRACK" => "`]`",
        "L_ANGLE" => "`<`",
        "R_ANGLE" => "`>`",
        "COLON" => "`:`",
        "COLON2" => "`::`",
        "EQ" => "`=`",
        "EQ2" => "`==`",
        "FAT_ARROW" => "`=>`",
        "THIN_ARROW" => "`->`",
        "DOT" => "`.`",
        "DOT2" => "`..`",
        "PIPE" => "`|`",
        "AMP" => "`&`",
        "STAR" => "`*`",
        "PLUS" => "`+`",
        "MINUS" => "`-`",
        "BANG" => "`!`",
        "POUND" => "`#`",
        "DOLLAR" => "`$`",
        "QUESTION" => "`?`",
        "AT" => "`@`",
        "UNDERSCORE" => "`_`",
        "IDENT" | "NAME" | "NAME_REF" => "an identifier",
        "LIFETIME_IDENT" | "LIFETIME" => "a lifetime",
        "INT_NUMBER" => "an integer",
        "STRING" => "a string literal",
        _ => return None,
    };
    Some(text.to_owned())
}

#[cfg(test)]
mod wording_tests {
    use super::rustc_wording;

    #[test]
    fn token_names_become_tokens() {
        assert_eq!(rustc_wording("expected SEMICOLON"), "expected `;`");
        assert_eq!(
            rustc_wording("expected R_PAREN or COMMA"),
            "expected `)` or `,`"
        );
        assert_eq!(rustc_wording("expected FN_KW"), "expected `fn`");
        assert_eq!(rustc_wording("expected a block"), "expected a block");
        assert_eq!(
            rustc_wording("expected type, found `{`"),
            "expected type, found `{`"
        );
    }
}
