//! What a pattern can fail to match, read from its syntax alone.
//!
//! Without types, a pattern is taken as refutable only when its syntax says
//! so: a literal, a range, an or-pattern, `None`, `Some`/`Ok`/`Err`, a
//! path through a type (`Command::Stop`, `Event::Data { .. }`): an enum
//! variant or an associated constant, or a bare name the file imports from
//! a type (`Stop`, `Circle(r)` after `use Command::*;`/`use
//! Shape::Circle;`). Any other bare `Name(x)` or `Name { x }` could be a
//! variant imported otherwise, but is far more often a struct: it is taken
//! as irrefutable, so that nothing is flagged on a guess.

use ra_ap_syntax::{
    ast::{self, HasName},
    AstNode,
};

use super::Imports;

/// Patterns nest a bounded number of times in practice; deeper ones are
/// judged refutable, without looking further.
const MAX_DEPTH: usize = 16;

/// Whether `pat` matches every value of its type.
pub fn is_irrefutable(pat: &ast::Pat, imports: &Imports) -> bool {
    let mut pending = vec![(pat.clone(), 0usize)];
    while let Some((pat, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return false;
        }
        let children: Vec<ast::Pat> = match &pat {
            ast::Pat::WildcardPat(_) | ast::Pat::RestPat(_) => Vec::new(),
            ast::Pat::IdentPat(ident) => {
                let variant = ident.name().is_some_and(|n| {
                    n.text() == "None"
                        || (ident.pat().is_none()
                            && imports.imports_variant(n.text(), pat.syntax()))
                });
                if variant {
                    return false;
                }
                ident.pat().into_iter().collect()
            }
            ast::Pat::TuplePat(tuple) => tuple.fields().collect(),
            ast::Pat::ParenPat(paren) => paren.pat().into_iter().collect(),
            ast::Pat::RefPat(by_ref) => by_ref.pat().into_iter().collect(),
            ast::Pat::BoxPat(boxed) => boxed.pat().into_iter().collect(),
            ast::Pat::SlicePat(_) => return false,
            ast::Pat::TupleStructPat(tuple) => {
                if tuple.path().is_none_or(|p| names_variant(&p, imports)) {
                    return false;
                }
                tuple.fields().collect()
            }
            ast::Pat::RecordPat(record) => {
                if record.path().is_none_or(|p| names_variant(&p, imports)) {
                    return false;
                }
                let Some(fields) = record.record_pat_field_list() else {
                    return false;
                };
                fields.fields().filter_map(|f| f.pat()).collect()
            }
            _ => return false,
        };
        pending.extend(children.into_iter().map(|child| (child, depth + 1)));
    }
    true
}

/// What a pattern `Variant(inner)` holds, when it is written `Some(..)`,
/// `Ok(..)` or `Err(..)` (named by `variant`) with one field.
pub fn variant_field(pat: &ast::Pat, variant: &str) -> Option<ast::Pat> {
    let ast::Pat::TupleStructPat(tuple) = pat else {
        return None;
    };
    // `Err(e)`, `Result::Err(e)`, `std::result::Result::Err(e)`.
    if tuple.path()?.segment()?.name_ref()?.text() != variant {
        return None;
    }
    let mut fields = tuple.fields();
    let field = fields.next()?;
    fields.next().is_none().then_some(field)
}

/// Whether a pattern matches `None` of an `Option`: it binds or ignores the
/// whole value, or is (an or-pattern with) `None`.
pub fn accepts_none(pat: &ast::Pat, imports: &Imports) -> bool {
    match pat {
        ast::Pat::OrPat(or) => or.pats().any(|alt| accepts_none(&alt, imports)),
        ast::Pat::ParenPat(paren) => paren.pat().is_some_and(|p| accepts_none(&p, imports)),
        ast::Pat::IdentPat(ident) if ident.name().is_some_and(|n| n.text() == "None") => true,
        ast::Pat::PathPat(path) => path
            .path()
            .is_some_and(|p| p.qualifier().is_none() && p.syntax().text() == "None"),
        _ => is_irrefutable(pat, imports),
    }
}

/// A pattern path that names an enum variant (or an associated constant):
/// `Some`, `Ok`, `Err`, or a path whose qualifier ends in a type name
/// (`Command::Stop`, `Self::Idle`).
fn names_variant(path: &ast::Path, imports: &Imports) -> bool {
    let Some(qualifier) = path.qualifier() else {
        let name = path.segment().and_then(|s| s.name_ref());
        return name.is_some_and(|n| {
            matches!(n.text(), "Some" | "Ok" | "Err")
                || imports.imports_variant(n.text(), path.syntax())
        });
    };
    qualifier
        .segment()
        .and_then(|s| {
            if s.self_type_token().is_some() {
                return Some(true);
            }
            let name = s.name_ref()?;
            Some(name.text().starts_with(|c: char| c.is_ascii_uppercase()))
        })
        .unwrap_or(true)
}
