//! One file per rule: its documentation, then its detection.

pub mod mutex_for_task_results;
pub mod prefer_try_join;
pub mod unbounded_channel;

use crate::diagnostic::Span;
use crate::syntax::{AstNode, TextRange};

/// The byte span of a syntax range.
pub(crate) fn span(range: TextRange) -> Span {
    usize::from(range.start())..usize::from(range.end())
}

/// The byte span of a node.
pub(crate) fn span_of(node: &impl AstNode) -> Span {
    span(node.syntax().text_range())
}
