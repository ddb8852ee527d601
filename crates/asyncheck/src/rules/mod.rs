//! One file per rule: its documentation, then its detection.

pub mod detached_spawn;
pub mod unbounded_channel;
pub mod unbounded_fanout;
pub mod uncancellable_loop;

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
