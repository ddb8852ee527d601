//! What every rule declares about itself, and the interface the checker
//! calls.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::diagnostic::Finding;
use crate::settings::RuleOptions;
use crate::syntax::{Imports, SyntaxKind, SyntaxNode};

/// The async patterns of rules.md; every rule enforces one. Their
/// catalogue pages are in [`crate::patterns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Spawn,
    Channels,
    Cancellation,
    Errors,
    StructuredConcurrency,
    Blocking,
}

impl Pattern {
    pub const ALL: [Pattern; 6] = [
        Pattern::Spawn,
        Pattern::Channels,
        Pattern::Cancellation,
        Pattern::Errors,
        Pattern::StructuredConcurrency,
        Pattern::Blocking,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pattern::Spawn => "spawn",
            Pattern::Channels => "channels",
            Pattern::Cancellation => "cancellation",
            Pattern::Errors => "errors",
            Pattern::StructuredConcurrency => "structured-concurrency",
            Pattern::Blocking => "blocking",
        }
    }
}

/// What kind of problem a rule finds; the group sets the rule's default
/// level (clippy's lint groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Code that deadlocks, panics or never wakes whenever its path runs.
    Correctness,
    /// Code that hangs, stalls, leaks or loses work under load, failure or
    /// shutdown.
    Suspicious,
    /// The async patterns as style: worth enforcing where a team adopts them.
    Patterns,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Correctness, Group::Suspicious, Group::Patterns];

    pub fn name(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::Patterns => "patterns",
        }
    }

    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }

    pub fn default_level(self) -> Level {
        match self {
            Group::Correctness => Level::Deny,
            Group::Suspicious => Level::Warn,
            Group::Patterns => Level::Allow,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Group::Correctness => "code that deadlocks, panics or never wakes whenever its path runs",
            Group::Suspicious => "code that hangs, stalls, leaks or loses work under load, failure or shutdown",
            Group::Patterns => "the async patterns as style: worth enforcing where a team adopts them (a new service, behind a baseline), not nearly always worth changing in existing code",
        }
    }
}

/// How a rule's findings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    /// Some findings come with a fix that `--fix` applies.
    Safe,
    /// Some findings come with a fix that only `--unsafe-fixes` applies.
    Unsafe,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Bool(bool),
    /// A list of strings, empty by default.
    Paths,
}

/// A rule option, as written in the config file.
#[derive(Debug)]
pub struct OptionMeta {
    pub name: &'static str,
    pub kind: OptionKind,
    pub doc: &'static str,
}

/// Everything a rule says about itself. Every surface (`rules`, `explain`,
/// the README table, SARIF metadata) renders from this.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub pattern: Pattern,
    /// The group sets the default level.
    pub group: Group,
    pub fix: FixAvailability,
    /// Whether the rule stays silent in test code unless `check-tests` is on.
    pub skips_tests: bool,
    /// *What it does*, one line.
    pub summary: &'static str,
    /// *What it flags*, precisely.
    pub flags: &'static str,
    /// *Why is this bad?*
    pub why: &'static str,
    /// *Example*: Rust code in which each line marked `//~` is flagged.
    pub example: &'static str,
    /// *Use instead*: the same code, clean.
    pub use_instead: &'static str,
    pub options: &'static [OptionMeta],
    /// *Fix safety*, for rules with a fix.
    pub fix_safety: Option<&'static str>,
    /// Related rules, by name.
    pub see_also: &'static [&'static str],
    /// Clippy lints that find the same thing (without `clippy::`): the
    /// code's `#[allow]`/`#[expect]` of one silences this rule there.
    pub clippy_twins: &'static [&'static str],
}

impl RuleMeta {
    pub fn default_level(&self) -> Level {
        self.group.default_level()
    }
}

/// What a rule sees of the file it checks, besides the node.
pub struct Context<'a> {
    pub text: &'a str,
    /// The file's tree, with macro bodies expanded.
    pub root: &'a SyntaxNode,
    pub imports: &'a Imports,
    pub options: &'a RuleOptions,
    /// Whether the node is test code (rules.md): in a test item or a test
    /// file.
    pub in_test: bool,
    pub(crate) cache: &'a FileCache,
    pub(crate) findings: &'a mut Vec<Finding>,
}

impl Context<'_> {
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// A fact about the whole file, computed once per file on first use
    /// (for example "which functions are spawned"), so that rules need not
    /// rescan the file at every node. Keyed by the fact's type.
    pub fn file_fact<T: 'static>(&self, compute: impl FnOnce(&SyntaxNode, &Imports) -> T) -> Rc<T> {
        let key = TypeId::of::<T>();
        if let Some(found) = self.cache.0.borrow().get(&key) {
            if let Ok(fact) = Rc::clone(found).downcast::<T>() {
                return fact;
            }
        }
        let fact = Rc::new(compute(self.root, self.imports));
        self.cache
            .0
            .borrow_mut()
            .insert(key, Rc::clone(&fact) as Rc<dyn Any>);
        fact
    }
}

/// Per-file facts shared by the rules, see [`Context::file_fact`].
#[derive(Default)]
pub(crate) struct FileCache(RefCell<HashMap<TypeId, Rc<dyn Any>>>);

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// The node kinds this rule wants to see; the checker calls `check` on
    /// each node of these kinds, once.
    fn kinds(&self) -> &'static [SyntaxKind];

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>);
}
