//! What a function or closure gives back, as far as `?` is concerned.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

use super::Imports;

/// The two families of return types `?` propagates into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallible {
    /// Any type whose last path segment ends in `Result` (`Result<T, E>`,
    /// `io::Result<T>`, `anyhow::Result<T>`, a crate's `FetchResult<T>`).
    Result,
    /// `Option<T>`.
    Option,
}

/// What the written return type of a function or closure (`body` is the
/// `FN` or `CLOSURE_EXPR` node, as [`super::enclosing_body`] gives it) says
/// `?` would propagate into. `None` for anything else, including closures
/// whose return type is inferred (there, `?`'s `From` conversion can leave
/// the error type ambiguous) and `const fn`s, where `?` is not allowed.
///
/// A type named `..Result` that the file defines itself as a struct or enum
/// (`struct WaitResult(bool)`) is not a `Result`; a crate alias to one is.
pub fn fallible_return(body: &SyntaxNode, imports: &Imports) -> Option<Fallible> {
    let ret = match body.kind() {
        SyntaxKind::FN => {
            let function = ast::Fn::cast(body.clone())?;
            if function.const_token().is_some() {
                return None;
            }
            function.ret_type()?
        }
        SyntaxKind::CLOSURE_EXPR => ast::ClosureExpr::cast(body.clone())?.ret_type()?,
        _ => return None,
    };
    let ast::Type::PathType(ty) = ret.ty()? else {
        return None;
    };
    let path = ty.path()?;
    let name = path.segment()?.name_ref()?;
    // A type imported or re-exported under another name (`use
    // std::io::Result as IoResult;`, `pub use error::Fallible as Res;` in
    // the crate root) by its own.
    let through_crate = imports.through_crate(&path, &super::segments(&path));
    let own = match through_crate.as_deref().and_then(|p| p.rsplit("::").next()) {
        Some(last) => last,
        None => imports.original_name(name.text()),
    };
    match own {
        "Option" => Some(Fallible::Option),
        "Result" => Some(Fallible::Result),
        // A crate alias (`type Fallible<T> = Result<T, Error>` in error.rs),
        // whatever its name says (`type JobResult = Vec<u8>`).
        text if imports.crate_index().alias(text).is_some() => {
            match imports.crate_index().alias(text)?.name?.as_str() {
                "Option" => Some(Fallible::Option),
                target if target.ends_with("Result") => Some(Fallible::Result),
                _ => None,
            }
        }
        text if text.ends_with("Result") && !imports.defines(text) => Some(Fallible::Result),
        _ => None,
    }
}
