//! What a check produces: plain data, serialised only at the edges.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A byte range of the checked file.
pub type Span = Range<usize>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// Where in another file the label points (a lock taken in the other
    /// order, a blocking call inside a wrapper); `span` is then the place
    /// in this file it is about. SARIF gives it as a related location.
    pub elsewhere: Option<Elsewhere>,
}

/// A line of another file of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// Its display path.
    pub path: String,
    /// 1-based.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// Keeps the program's meaning: `--fix` applies it.
    Safe,
    /// Changes behaviour in a way the user must judge: only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// What a rule found, before the checker names the rule and its severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Finding {
            span,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            elsewhere: None,
        });
        self
    }

    /// A label about `span` of this file that points at `path:line` of
    /// another file of the crate.
    pub fn label_elsewhere(
        mut self,
        span: Span,
        message: impl Into<String>,
        path: &str,
        line: usize,
    ) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            elsewhere: Some(Elsewhere {
                path: path.to_owned(),
                line,
            }),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A rule name, or one of the input diagnostics (`parse-error`, `io-error`).
    pub rule: &'static str,
    pub pattern: &'static str,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// Diagnostics about the input rather than the code in it.
pub const PARSE_ERROR: &str = "parse-error";
pub const IO_ERROR: &str = "io-error";
/// A rule (or the parser) failed on a file: a bug in asyncheck.
pub const INTERNAL_ERROR: &str = "internal-error";
/// The pattern reported for diagnostics that belong to no rule's pattern.
pub const INPUT_PATTERN: &str = "input";

impl Diagnostic {
    pub fn from_finding(
        rule: &'static str,
        pattern: &'static str,
        severity: Severity,
        finding: Finding,
    ) -> Self {
        Diagnostic {
            rule,
            pattern,
            severity,
            span: finding.span,
            message: finding.message,
            labels: finding.labels,
            help: finding.help,
            fix: finding.fix,
        }
    }

    /// A file that could not be read or is not UTF-8.
    pub fn io_error(message: impl Into<String>) -> Self {
        Self::input(IO_ERROR, 0..0, message.into())
    }

    pub fn parse_error(span: Span, message: impl Into<String>) -> Self {
        Self::input(PARSE_ERROR, span, message.into())
    }

    pub fn internal_error(message: impl Into<String>) -> Self {
        Self::input(INTERNAL_ERROR, 0..0, message.into())
    }

    fn input(rule: &'static str, span: Span, message: String) -> Self {
        Diagnostic {
            rule,
            pattern: INPUT_PATTERN,
            severity: Severity::Error,
            span,
            message,
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// The order of reports: by offset, then rule name.
    pub fn sort_key(&self) -> (usize, &'static str, usize) {
        (self.span.start, self.rule, self.span.end)
    }
}
