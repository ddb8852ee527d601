//! Resolved settings: what the core sees once config files and command-line
//! options have been read and merged.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::registry;
use crate::rule::{Level, OptionKind, RuleMeta};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Bool(bool),
    Paths(Vec<String>),
}

/// A rule's options: what was configured, else the rule's defaults.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    meta: &'static RuleMeta,
    values: BTreeMap<&'static str, OptionValue>,
}

impl RuleOptions {
    fn new(meta: &'static RuleMeta) -> Self {
        RuleOptions {
            meta,
            values: BTreeMap::new(),
        }
    }

    /// Sets an option the rule declares; `false` for an unknown name or a
    /// value of the wrong kind.
    pub fn set(&mut self, name: &str, value: OptionValue) -> bool {
        let Some(option) = self.meta.options.iter().find(|o| o.name == name) else {
            return false;
        };
        let fits = matches!(
            (option.kind, &value),
            (OptionKind::Bool(_), OptionValue::Bool(_))
                | (OptionKind::Paths, OptionValue::Paths(_))
        );
        if fits {
            self.values.insert(option.name, value);
        }
        fits
    }

    pub fn flag(&self, name: &str) -> bool {
        match self.values.get(name) {
            Some(OptionValue::Bool(b)) => *b,
            _ => self
                .meta
                .options
                .iter()
                .find(|o| o.name == name)
                .is_some_and(|o| o.kind == OptionKind::Bool(true)),
        }
    }

    pub fn paths(&self, name: &str) -> &[String] {
        match self.values.get(name) {
            Some(OptionValue::Paths(paths)) => paths,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub level: Level,
    pub options: RuleOptions,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// One entry per rule, in registry order.
    rules: Vec<RuleSettings>,
    /// Run the rules that skip test code on test code too.
    pub check_tests: bool,
    /// Run the rules on files that did not parse cleanly (editors want this;
    /// batch runs report the parse error and stop there).
    pub check_broken_files: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rules: registry::rules()
                .iter()
                .map(|rule| RuleSettings {
                    level: rule.meta().default_level(),
                    options: RuleOptions::new(rule.meta()),
                })
                .collect(),
            check_tests: false,
            check_broken_files: false,
        }
    }
}

/// A rule name that no rule has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl Settings {
    pub fn rule(&self, index: usize) -> &RuleSettings {
        &self.rules[index]
    }

    pub fn rule_mut(&mut self, name: &str) -> Result<&mut RuleSettings, UnknownRule> {
        let index = registry::index_of(name).ok_or_else(|| UnknownRule(name.to_owned()))?;
        Ok(&mut self.rules[index])
    }

    /// Runs only the named rules (`all` for every rule); a selected rule that
    /// is off by default is turned on as a warning.
    pub fn select(&mut self, names: &[String]) -> Result<(), UnknownRule> {
        let mut selected = vec![false; self.rules.len()];
        for name in names {
            if name == "all" {
                selected.fill(true);
                continue;
            }
            let index = registry::index_of(name).ok_or_else(|| UnknownRule(name.clone()))?;
            selected[index] = true;
        }
        for (rule, selected) in self.rules.iter_mut().zip(selected) {
            rule.level = match (selected, rule.level) {
                (false, _) => Level::Allow,
                (true, Level::Allow) => Level::Warn,
                (true, level) => level,
            };
        }
        Ok(())
    }

    /// A text that differs whenever the findings could: every rule's level
    /// and options, and the flags. Results caches key on it.
    pub fn cache_key(&self) -> String {
        let mut key = format!(
            "check_tests={} check_broken_files={}",
            self.check_tests, self.check_broken_files
        );
        for (rule, settings) in registry::rules().iter().zip(&self.rules) {
            let _ = write!(
                key,
                ";{}={}{:?}",
                rule.meta().name,
                settings.level.as_str(),
                settings.options.values
            );
        }
        key
    }

    pub fn ignore(&mut self, names: &[String]) -> Result<(), UnknownRule> {
        for name in names {
            self.rule_mut(name)?.level = Level::Allow;
        }
        Ok(())
    }
}
