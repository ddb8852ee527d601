//! Matching written paths against paths a user configured (a rule's
//! `functions` or `offload` option).

use ra_ap_syntax::ast;

use super::{is_crate_relative, segments, Imports};

/// Which of `configured` (full paths such as `my_crate::fs::asyncify`) the
/// written `path` stands for: through the file's imports, or as written.
/// A path into the file's own crate (`crate::fs::asyncify`, `super::x`, or
/// a name imported from them) matches a configured path that it ends, since
/// the crate's name is not written; a function of the file itself matches
/// only its bare name.
pub fn configured_path<'c>(
    path: &ast::Path,
    imports: &Imports,
    configured: &'c [String],
) -> Option<&'c str> {
    if configured.is_empty() {
        return None;
    }
    let written = segments(path).join("::");
    let mut forms = imports.candidates(path);
    if forms.is_empty() {
        forms.push(written.clone());
    }
    // A path the module tree placed (`my_crate::fs::asyncify`) also counts
    // as `crate::..`, for configured paths that name the crate otherwise.
    let placed: Vec<String> = forms
        .iter()
        .filter(|form| imports.crate_index().is_own(form))
        .filter_map(|form| Some(format!("crate::{}", form.split_once("::")?.1)))
        .collect();
    forms.extend(placed);
    configured
        .iter()
        .find(|c| *c == &written || forms.iter().any(|form| same_item(form, c)))
        .map(String::as_str)
}

fn same_item(form: &str, configured: &str) -> bool {
    if form == configured {
        return true;
    }
    let mut parts = form.split("::").peekable();
    if !parts.peek().is_some_and(|first| is_crate_relative(first)) {
        return false;
    }
    let tail: Vec<&str> = parts
        .skip_while(|s| matches!(*s, "crate" | "self" | "super"))
        .collect();
    let full: Vec<&str> = configured.split("::").collect();
    !tail.is_empty() && full.len() >= tail.len() && full[full.len() - tail.len()..] == *tail
}
