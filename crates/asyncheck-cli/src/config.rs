//! Configuration files (config.md): `asyncheck.toml`, or the
//! `[workspace.metadata.asyncheck]` / `[package.metadata.asyncheck]` table of
//! a `Cargo.toml`.
//!
//! What users write is validated here, with the file, line and column of any
//! mistake, and kept apart from the resolved [`Settings`] the core sees.

use std::ops::Range;
use std::path::{Path, PathBuf};

use asyncheck::rule::OptionKind;
use asyncheck::settings::OptionValue;
use asyncheck::{registry, Level, Settings};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

pub const FILE_NAME: &str = "asyncheck.toml";

/// A configuration as written, validated.
#[derive(Debug)]
pub struct Config {
    /// The folder that relative globs start from.
    pub base: PathBuf,
    pub check_tests: Option<bool>,
    pub exclude: GlobSet,
    pub rules: Vec<RuleConfig>,
    /// Rules and groups to run instead of the default-on groups.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub overrides: Vec<Override>,
}

#[derive(Debug)]
pub struct RuleConfig {
    /// A rule's or a group's name.
    pub name: &'static str,
    pub level: Option<Level>,
    pub options: Vec<(String, OptionValue)>,
}

#[derive(Debug)]
pub struct Override {
    pub paths: GlobSet,
    pub levels: Vec<(&'static str, Level)>,
}

/// A mistake in a configuration file, where it is.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl Config {
    /// The resolved settings for a file at `path` (absolute), before the
    /// command line's own options are applied.
    pub fn apply(&self, settings: &mut Settings, path: &Path) {
        if let Some(check_tests) = self.check_tests {
            settings.check_tests = check_tests;
        }
        // Names were validated when the file was read.
        if let Some(select) = &self.select {
            let _ = settings.select(select);
        }
        let _ = settings.ignore(&self.ignore);
        for rule in &self.rules {
            if let Some(level) = rule.level {
                let _ = settings.set_level(rule.name, level);
            }
            if let Ok(options) = settings.options_mut(rule.name) {
                for (name, value) in &rule.options {
                    options.set(name, value.clone());
                }
            }
        }
        let relative = path.strip_prefix(&self.base).unwrap_or(path);
        for over in &self.overrides {
            if !over.paths.is_match(relative) {
                continue;
            }
            for (name, level) in &over.levels {
                let _ = settings.set_level(name, *level);
            }
        }
    }

    pub fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// Whether a discovered file is excluded.
    pub fn excludes(&self, path: &Path) -> bool {
        let relative = path.strip_prefix(&self.base).unwrap_or(path);
        self.exclude.is_match(relative)
    }
}

/// The configuration for files under `start`: the nearest `asyncheck.toml`
/// walking up, else the nearest `Cargo.toml` with an asyncheck metadata
/// table, else none.
pub fn discover(start: &Path) -> Result<Option<Config>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let folders: Vec<&Path> = start.ancestors().filter(|p| p.is_dir()).collect();
    for folder in &folders {
        let candidate = folder.join(FILE_NAME);
        if candidate.is_file() {
            return load(&candidate).map(Some);
        }
    }
    for folder in &folders {
        let manifest = folder.join("Cargo.toml");
        // A manifest that is not TOML at all is the crate index's to report
        // (crates.rs), beside the findings: the run goes on without it.
        if manifest.is_file() && parses_as_toml(&manifest) {
            if let Some(config) = load_manifest(&manifest)? {
                return Ok(Some(config));
            }
        }
    }
    Ok(None)
}

fn parses_as_toml(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.parse::<toml::Table>().is_ok())
}

/// Reads a config file named on the command line (`asyncheck.toml` syntax,
/// or a `Cargo.toml` with the metadata table).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return load_manifest(path)?.ok_or_else(|| ConfigError {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "no [workspace.metadata.asyncheck] or [package.metadata.asyncheck] table"
                .to_owned(),
        });
    }
    let text = read(path)?;
    let reader = Reader::new(path, &text);
    let table = reader.document()?;
    reader.config(table.get_ref())
}

fn load_manifest(path: &Path) -> Result<Option<Config>, ConfigError> {
    let text = read(path)?;
    let reader = Reader::new(path, &text);
    let document = reader.document()?;
    for section in ["workspace", "package"] {
        let table = document
            .get_ref()
            .get(section)
            .and_then(|s| table_of(s)?.get("metadata"))
            .and_then(|m| table_of(m)?.get("asyncheck"));
        if let Some(table) = table {
            let Some(table) = table_of(table) else {
                return Err(reader.error(table.span(), "`metadata.asyncheck` must be a table"));
            };
            return reader.config(table).map(Some);
        }
    }
    Ok(None)
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })
}

fn table_of<'a, 'i>(value: &'a Spanned<DeValue<'i>>) -> Option<&'a DeTable<'i>> {
    match value.get_ref() {
        DeValue::Table(table) => Some(table),
        _ => None,
    }
}

/// Validates one configuration text, turning spans into lines and columns.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl<'a> Reader<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        Reader { path, text }
    }

    fn document(&self) -> Result<Spanned<DeTable<'a>>, ConfigError> {
        DeTable::parse(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, e.message())
        })
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let offset = span.start.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            column: self.text[line_start..offset].chars().count() + 1,
            message: message.into(),
        }
    }

    fn config(&self, table: &DeTable<'_>) -> Result<Config, ConfigError> {
        let base = std::path::absolute(self.path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let mut config = Config {
            base,
            check_tests: None,
            exclude: GlobSet::empty(),
            rules: Vec::new(),
            select: None,
            ignore: Vec::new(),
            overrides: Vec::new(),
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "check-tests" => config.check_tests = Some(self.boolean(value, "check-tests")?),
                "exclude" => config.exclude = self.globs(value, "exclude")?,
                "rules" => config.rules = self.rules(value)?,
                "select" => config.select = Some(self.rule_names(value, "select")?),
                "ignore" => config.ignore = self.rule_names(value, "ignore")?,
                "overrides" => config.overrides = self.overrides(value)?,
                other => {
                    return Err(self.error(
                        key.span(),
                        format!(
                            "unknown key `{other}`; expected `check-tests`, `exclude`, `select`, `ignore`, `rules` or `overrides`"
                        ),
                    ))
                }
            }
        }
        Ok(config)
    }

    fn boolean(&self, value: &Spanned<DeValue<'_>>, what: &str) -> Result<bool, ConfigError> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.error(value.span(), format!("`{what}` must be true or false"))),
        }
    }

    fn strings(
        &self,
        value: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Result<Vec<Spanned<String>>, ConfigError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.error(value.span(), format!("`{what}` must be a list of strings")));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Ok(Spanned::new(item.span(), s.to_string())),
                _ => Err(self.error(item.span(), format!("`{what}` must be a list of strings"))),
            })
            .collect()
    }

    fn globs(&self, value: &Spanned<DeValue<'_>>, what: &str) -> Result<GlobSet, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in self.strings(value, what)? {
            let glob = Glob::new(pattern.get_ref()).map_err(|e| {
                self.error(
                    pattern.span(),
                    format!("invalid glob `{}`: {}", pattern.get_ref(), e.kind()),
                )
            })?;
            builder.add(glob);
        }
        builder
            .build()
            .map_err(|e| self.error(value.span(), format!("invalid globs: {e}")))
    }

    fn rule_names(
        &self,
        value: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Result<Vec<String>, ConfigError> {
        self.strings(value, what)?
            .iter()
            .map(|name| self.rule_name(name).map(str::to_owned))
            .collect()
    }

    /// A rule's or a group's name (or `all`), as the registry spells it.
    fn rule_name(&self, key: &Spanned<impl AsRef<str>>) -> Result<&'static str, ConfigError> {
        let name = key.get_ref().as_ref();
        match registry::find_target(name)
            .or_else(|| crate::other_diagnostics::find(name).map(|o| o.name))
        {
            Some(known) => Ok(known),
            None => {
                let hint = registry::closest(name)
                    .map(|known| format!("; did you mean `{known}`?"))
                    .unwrap_or_default();
                Err(self.error(key.span(), format!("unknown rule `{name}`{hint}")))
            }
        }
    }

    fn level(&self, value: &Spanned<DeValue<'_>>) -> Result<Level, ConfigError> {
        match value.get_ref() {
            DeValue::String(text) => Level::parse(text).ok_or_else(|| {
                self.error(
                    value.span(),
                    format!("unknown level `{text}`; expected `allow`, `warn` or `deny`"),
                )
            }),
            _ => Err(self.error(
                value.span(),
                "a level must be \"allow\", \"warn\" or \"deny\"",
            )),
        }
    }

    fn rules(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<RuleConfig>, ConfigError> {
        let Some(table) = table_of(value) else {
            return Err(self.error(value.span(), "`rules` must be a table"));
        };
        let mut rules = Vec::new();
        for (key, value) in table.iter() {
            let name = self.rule_name(key)?;
            let mut rule = RuleConfig {
                name,
                level: None,
                options: Vec::new(),
            };
            match value.get_ref() {
                DeValue::String(_) => rule.level = Some(self.level(value)?),
                DeValue::Table(entries) => {
                    for (option, value) in entries.iter() {
                        let option_name = option.get_ref().as_ref();
                        if option_name == "level" {
                            rule.level = Some(self.level(value)?);
                            continue;
                        }
                        rule.options
                            .push((option_name.to_owned(), self.option(name, option, value)?));
                    }
                }
                _ => {
                    return Err(self.error(
                        value.span(),
                        format!(
                            "`{name}` takes a level (\"allow\", \"warn\", \"deny\") or a table"
                        ),
                    ))
                }
            }
            rules.push(rule);
        }
        Ok(rules)
    }

    fn option(
        &self,
        rule: &str,
        key: &Spanned<impl AsRef<str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<OptionValue, ConfigError> {
        let name = key.get_ref().as_ref();
        let meta = registry::find(rule).map(|r| r.meta());
        if meta.is_none() {
            return Err(self.error(
                key.span(),
                format!("`{rule}` is a group: it takes a level only, not `{name}`"),
            ));
        }
        let Some(option) = meta.and_then(|m| m.options.iter().find(|o| o.name == name)) else {
            let known: Vec<String> = meta
                .map(|m| m.options.iter().map(|o| format!("`{}`", o.name)).collect())
                .unwrap_or_default();
            let expected = std::iter::once("`level`".to_owned())
                .chain(known)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(self.error(
                key.span(),
                format!("unknown option `{name}` for `{rule}`; expected {expected}"),
            ));
        };
        let what = format!("{rule}.{name}");
        Ok(match option.kind {
            OptionKind::Bool(_) => OptionValue::Bool(self.boolean(value, &what)?),
            OptionKind::Paths => OptionValue::Paths(
                self.strings(value, &what)?
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            ),
        })
    }

    fn overrides(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<Override>, ConfigError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.error(
                value.span(),
                "`overrides` must be an array of tables ([[overrides]])",
            ));
        };
        let mut overrides = Vec::new();
        for item in items.iter() {
            let Some(table) = table_of(item) else {
                return Err(self.error(item.span(), "each `[[overrides]]` entry must be a table"));
            };
            let mut paths = None;
            let mut levels = Vec::new();
            for (key, value) in table.iter() {
                match key.get_ref().as_ref() {
                    "paths" => paths = Some(self.globs(value, "paths")?),
                    "rules" => {
                        let Some(rules) = table_of(value) else {
                            return Err(
                                self.error(value.span(), "`rules` must be a table of rule = level")
                            );
                        };
                        for (rule, level) in rules.iter() {
                            levels.push((self.rule_name(rule)?, self.level(level)?));
                        }
                    }
                    other => {
                        return Err(self.error(
                            key.span(),
                            format!(
                            "unknown key `{other}` in `[[overrides]]`; expected `paths` or `rules`"
                        ),
                        ))
                    }
                }
            }
            let Some(paths) = paths else {
                return Err(self.error(item.span(), "`[[overrides]]` needs `paths`"));
            };
            overrides.push(Override { paths, levels });
        }
        Ok(overrides)
    }
}
