//! Applying fixes: never two that overlap, repeatedly until nothing changes,
//! and never a result that no longer parses.

use std::path::Path;

use crate::checker::Checker;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::syntax;

/// Passes over a file before giving up on reaching a fixed point.
const MAX_PASSES: usize = 8;

#[derive(Debug)]
pub struct Fixed {
    /// The text after every applicable fix.
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
    /// Fixes that would have broken the syntax and were left out.
    pub rejected: usize,
    /// What the checker reports on the fixed text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Fixes `text` with every fix of the allowed applicability (unsafe ones
/// only when `unsafe_fixes`). A file that does not parse is left alone.
pub fn fix_file(checker: &Checker<'_>, path: &Path, text: &str, unsafe_fixes: bool) -> Fixed {
    let allowed = |fix: &Fix| fix.applicability == Applicability::Safe || unsafe_fixes;
    let mut current = text.to_owned();
    let mut applied = 0;
    let mut rejected = 0;
    let mut diagnostics = checker.check(path, &current).diagnostics;
    for _ in 0..MAX_PASSES {
        if !parses(&current) {
            break;
        }
        let fixes: Vec<&Fix> = diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| allowed(f))
            .collect();
        let chosen = non_overlapping(&fixes);
        if chosen.is_empty() {
            break;
        }
        let (next, accepted, refused) = apply_checked(&current, &chosen);
        applied += accepted;
        rejected += refused;
        if accepted == 0 {
            break;
        }
        current = next;
        diagnostics = checker.check(path, &current).diagnostics;
    }
    Fixed {
        text: current,
        applied,
        rejected,
        diagnostics,
    }
}

fn parses(text: &str) -> bool {
    syntax::parse_file(text).is_some_and(|parsed| parsed.errors.is_empty())
}

/// The fixes to apply together: in order of position, skipping any whose
/// edits overlap an edit already chosen (it gets its turn in the next pass).
fn non_overlapping<'f>(fixes: &[&'f Fix]) -> Vec<&'f Fix> {
    let mut sorted: Vec<&Fix> = fixes.to_vec();
    sorted.sort_by_key(|f| f.edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut chosen = Vec::new();
    for fix in sorted {
        let overlaps = fix.edits.iter().any(|edit| {
            taken.iter().any(|t| {
                edit.span.start < t.span.end && t.span.start < edit.span.end
                    || edit.span.start == t.span.start
            })
        });
        if !overlaps && edits_are_disjoint(&fix.edits) {
            taken.extend(&fix.edits);
            chosen.push(fix);
        }
    }
    chosen
}

fn edits_are_disjoint(edits: &[Edit]) -> bool {
    let mut spans: Vec<_> = edits.iter().map(|e| e.span.clone()).collect();
    spans.sort_by_key(|s| s.start);
    spans.windows(2).all(|w| w[0].end <= w[1].start)
}

/// Applies the fixes together if the result parses; otherwise one at a
/// time, keeping those after which the text still parses. Returns the text
/// and how many fixes were applied and refused.
fn apply_checked(text: &str, fixes: &[&Fix]) -> (String, usize, usize) {
    if let Some(all) = apply(text, fixes) {
        if parses(&all) {
            return (all, fixes.len(), 0);
        }
    }
    let (mut accepted, mut refused) = (0, 0);
    let mut current = text.to_owned();
    // From the end of the file backwards, so earlier offsets stay valid.
    for fix in fixes.iter().rev() {
        match apply(&current, &[fix]) {
            Some(next) if parses(&next) => {
                current = next;
                accepted += 1;
            }
            _ => refused += 1,
        }
    }
    (current, accepted, refused)
}

/// The text with the fixes' edits applied; `None` when an edit does not fit
/// the text (out of bounds or not on character boundaries).
fn apply(text: &str, fixes: &[&Fix]) -> Option<String> {
    let mut edits: Vec<&Edit> = fixes.iter().flat_map(|f| &f.edits).collect();
    edits.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for edit in edits {
        let fits = edit.span.start >= cursor
            && edit.span.end <= text.len()
            && edit.span.start <= edit.span.end
            && text.is_char_boundary(edit.span.start)
            && text.is_char_boundary(edit.span.end);
        if !fits {
            return None;
        }
        out.push_str(&text[cursor..edit.span.start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end;
    }
    out.push_str(&text[cursor..]);
    Some(out)
}
