//! The diagnostics that belong to no rule but can be explained, ignored and
//! given a level like one: `unused-suppression`, `unknown-rule`,
//! `parse-error` and `io-error`: their pages. Their levels live in the settings like the
//! rules' (`Settings::level_others`).

use asyncheck::diagnostic::{IO_ERROR, PARSE_ERROR};
use asyncheck::suppression::{UNKNOWN_RULE, UNUSED_SUPPRESSION};
use asyncheck::Level;

pub struct Other {
    pub name: &'static str,
    pub default_level: Level,
    pub summary: &'static str,
    pub page: &'static str,
}

pub const OTHERS: [Other; 4] = [
    Other {
        name: UNUSED_SUPPRESSION,
        default_level: Level::Warn,
        summary: "A suppression comment suppresses nothing.",
        page: "A `// asyncheck: allow(rule)` comment (or `allow-file`) that no finding of \
the rule it names falls under. It is stale: the code changed, or the rule no longer \
flags it. Remove it, so that suppressions keep meaning something.",
    },
    Other {
        name: UNKNOWN_RULE,
        default_level: Level::Warn,
        summary: "A suppression comment names a rule asyncheck does not have.",
        page: "A suppression comment names a rule that asyncheck does not have, usually \
a typo (the closest name is suggested) or a rule that was renamed. It suppresses \
nothing.",
    },
    Other {
        name: PARSE_ERROR,
        default_level: Level::Deny,
        summary: "The file does not parse; it was not analysed.",
        page: "The file does not parse as Rust, so no rule was run on it (findings on a \
broken tree would not be trustworthy). The first error's position is reported, with \
the count of the others. A file nested deeper than 20,000 levels is reported the \
same way instead of being parsed. At `allow`, broken files are skipped silently.",
    },
    Other {
        name: IO_ERROR,
        default_level: Level::Deny,
        summary: "The file cannot be read or is not UTF-8; it was not analysed.",
        page: "A file given or found could not be read (permissions, a broken link, a \
file removed during the run) or is not valid UTF-8, so no rule was run on it. At \
`allow`, such files are skipped silently.",
    },
];

pub fn find(name: &str) -> Option<&'static Other> {
    OTHERS.iter().find(|o| o.name == name)
}

/// `asyncheck explain NAME` for one of them.
pub fn markdown(other: &Other) -> String {
    format!(
        "# {name}\n\n{summary}\n\nDefault level: {level}.\n\n{page}\n\nIt can be given a level \
like a rule: `-A {name}`, `-W {name}`, `-D {name}`, `--ignore {name}`, or \
`{name} = \"allow\"` under `[rules]` in the configuration.\n",
        name = other.name,
        summary = other.summary,
        level = other.default_level.as_str(),
        page = other.page,
    )
}
