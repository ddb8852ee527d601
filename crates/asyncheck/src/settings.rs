//! Resolved settings: what the core sees once config files and command-line
//! options have been read and merged.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::diagnostic::{Diagnostic, Severity, IO_ERROR, PARSE_ERROR};
use crate::registry;
use crate::rule::{Group, Level, OptionKind, RuleMeta};
use crate::suppression::{UNKNOWN_RULE, UNUSED_SUPPRESSION};

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
    /// The rule's defaults: nothing configured.
    pub(crate) fn new(meta: &'static RuleMeta) -> Self {
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
    /// The level the rule runs at, resolved from the requests below.
    pub level: Level,
    pub options: RuleOptions,
    /// The level set for this rule by name, which beats its group's.
    named: Option<Level>,
    /// Whether `select` names it (directly, by group or as `all`).
    selected: bool,
    ignored: bool,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// One entry per rule, in registry order.
    rules: Vec<RuleSettings>,
    /// Levels set for whole groups, by [`Group::ALL`] position.
    group_levels: [Option<Level>; 3],
    /// Whether a `select` replaced the default set of rules.
    selecting: bool,
    /// Levels given to the diagnostics that belong to no rule, by
    /// [`OTHERS`] position; `None` keeps their default.
    others: [Option<Level>; 4],
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
                    named: None,
                    selected: false,
                    ignored: false,
                })
                .collect(),
            group_levels: [None; 3],
            others: [None; 4],
            selecting: false,
            check_tests: false,
            check_broken_files: false,
        }
    }
}

/// A rule or group name that no rule or group has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

/// What a name on the command line or in a config file stands for.
enum Target {
    All,
    Group(Group),
    Rule(usize),
}

/// The diagnostics that belong to no rule but are levelled, ignored and
/// explained like one.
pub const OTHERS: [&str; 4] = [UNUSED_SUPPRESSION, UNKNOWN_RULE, PARSE_ERROR, IO_ERROR];

/// Whether `name` is one of [`OTHERS`].
pub fn is_other(name: &str) -> bool {
    OTHERS.contains(&name)
}

fn target(name: &str) -> Result<Target, UnknownRule> {
    if name == "all" {
        return Ok(Target::All);
    }
    if let Some(group) = Group::parse(name) {
        return Ok(Target::Group(group));
    }
    registry::index_of(name)
        .map(Target::Rule)
        .ok_or_else(|| UnknownRule(name.to_owned()))
}

impl Settings {
    pub fn rule(&self, index: usize) -> &RuleSettings {
        &self.rules[index]
    }

    /// A rule's options, by the rule's name.
    pub fn options_mut(&mut self, name: &str) -> Result<&mut RuleOptions, UnknownRule> {
        let index = registry::index_of(name).ok_or_else(|| UnknownRule(name.to_owned()))?;
        Ok(&mut self.rules[index].options)
    }

    /// Sets the level of a rule, a group or `all`. A rule's own level beats
    /// its group's whatever the order they were set in; for the same name the
    /// later call wins (config first, then the command line).
    pub fn set_level(&mut self, name: &str, level: Level) -> Result<(), UnknownRule> {
        if let Some(position) = OTHERS.iter().position(|other| *other == name) {
            self.others[position] = Some(level);
            return Ok(());
        }
        match target(name)? {
            Target::All => self.group_levels = [Some(level); 3],
            Target::Group(group) => self.group_levels[group_slot(group)] = Some(level),
            Target::Rule(index) => self.rules[index].named = Some(level),
        }
        self.resolve();
        Ok(())
    }

    /// Runs only the named rules and groups (`all` for every rule), replacing
    /// any earlier selection; a selected rule that would be off runs as a
    /// warning. `unused-suppression`, `unknown-rule` and `parse-error` are
    /// not rules: selecting them changes nothing.
    pub fn select(&mut self, names: &[String]) -> Result<(), UnknownRule> {
        let targets = names
            .iter()
            .filter(|name| !is_other(name))
            .map(|name| target(name))
            .collect::<Result<Vec<_>, _>>()?;
        self.selecting = true;
        for rule in &mut self.rules {
            rule.selected = false;
        }
        for target in targets {
            for index in self.indices(&target) {
                self.rules[index].selected = true;
            }
        }
        self.resolve();
        Ok(())
    }

    /// Turns off the named rules and groups.
    pub fn ignore(&mut self, names: &[String]) -> Result<(), UnknownRule> {
        for name in names {
            if is_other(name) {
                self.set_level(name, Level::Allow)?;
                continue;
            }
            let target = target(name)?;
            for index in self.indices(&target) {
                self.rules[index].ignored = true;
            }
        }
        self.resolve();
        Ok(())
    }

    /// Gives `unused-suppression`, `unknown-rule`, `parse-error` and
    /// `io-error` the levels set for them: drops those turned off.
    pub fn level_others(&self, diagnostics: &mut Vec<Diagnostic>) {
        for (name, level) in OTHERS.iter().zip(self.others) {
            let Some(level) = level else { continue };
            diagnostics.retain_mut(|d| {
                if d.rule != *name {
                    return true;
                }
                match level {
                    Level::Allow => false,
                    Level::Warn => {
                        d.severity = Severity::Warning;
                        true
                    }
                    Level::Deny => {
                        d.severity = Severity::Error;
                        true
                    }
                }
            });
        }
    }

    fn indices(&self, target: &Target) -> Vec<usize> {
        let rules = registry::rules().iter().enumerate();
        match target {
            Target::All => rules.map(|(i, _)| i).collect(),
            Target::Group(group) => rules
                .filter(|(_, rule)| rule.meta().group == *group)
                .map(|(i, _)| i)
                .collect(),
            Target::Rule(index) => vec![*index],
        }
    }

    fn resolve(&mut self) {
        for (rule, settings) in registry::rules().iter().zip(&mut self.rules) {
            let group = rule.meta().group;
            let level = settings
                .named
                .or(self.group_levels[group_slot(group)])
                .unwrap_or(group.default_level());
            settings.level = match (self.selecting, settings.selected, settings.ignored) {
                (_, _, true) | (true, false, _) => Level::Allow,
                (true, true, _) if level == Level::Allow => Level::Warn,
                _ => level,
            };
        }
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
}

fn group_slot(group: Group) -> usize {
    Group::ALL.iter().position(|g| *g == group).unwrap_or(0)
}
