//! Where the receiver of a method call comes from: the call that built it
//! (`Command::new("ls").arg("-l")`) or the type it was declared with
//! (`cmd: &mut Command`), followed through method chains, local bindings,
//! parameters and struct fields (the file's, else the crate index's). Lets
//! a rule know a method call only when it knows its receiver.

use std::collections::HashMap;

use ra_ap_syntax::{
    ast::{self, HasArgList, HasGenericArgs, HasName},
    AstNode, SyntaxKind, SyntaxNode,
};

use super::{
    callee_path, crate_field, descendants_of_kind, find_binding, is_wrapper_new, method_name,
    tuple_element_of, unparen, unwrapped_from, Binding, Element, Imports,
};

/// Bindings are followed at most this many times (`let b = a; let c = b;`).
const MAX_BINDING_HOPS: usize = 4;

/// Wrappers looked through in declared types: `Arc<Client>` is a `Client`,
/// and the elements of an `Option` or a `Vec` are what a `Some(x)` pattern
/// or a `for` loop takes out of it.
const WRAPPERS: &[&str] = &["Arc", "Rc", "Box", "Option", "Vec", "VecDeque"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The full path of the call that built the value, or of its type.
    pub path: String,
    /// Found through a binding, parameter or field rather than in the
    /// expression itself.
    pub indirect: bool,
}

/// The origin of the value at the root of `expr`'s method chain, when
/// `accept` takes its full path. Method calls, `?`, `&` and `Arc::new(..)`
/// (`Rc`, `Box`) are looked through: the chain is assumed to keep building
/// the same value, so callers ask only about methods that the accepted types
/// have. A name bound by a tuple pattern from a call has the origin
/// `call_path.index` (`let (tx, rx) = mpsc::channel();`: `rx` is
/// `std::sync::mpsc::channel.1`).
pub fn chain_origin(
    expr: &ast::Expr,
    imports: &Imports,
    fields: &FieldTypes,
    accept: &dyn Fn(&str) -> bool,
) -> Option<Origin> {
    let mut expr = expr.clone();
    let mut indirect = false;
    let mut hops = MAX_BINDING_HOPS;
    loop {
        expr = match unparen(expr) {
            ast::Expr::MethodCallExpr(call) => call.receiver()?,
            ast::Expr::TryExpr(t) => t.expr()?,
            ast::Expr::RefExpr(r) => r.expr()?,
            ast::Expr::CallExpr(call) => {
                let callee = callee_path(&call)?;
                if is_wrapper_new(&callee) {
                    call.arg_list()?.args().next()?
                } else {
                    let path = accepted(imports.candidates(&callee), accept)?;
                    return Some(Origin { path, indirect });
                }
            }
            ast::Expr::FieldExpr(field) => {
                let path = match fields.declares(&field) {
                    true => fields.accepted(&field, imports, accept)?,
                    // Declared in another file: the crate index knows it.
                    false => crate_field(&field, imports)?
                        .paths
                        .into_iter()
                        .find(|p| accept(p))?,
                };
                return Some(Origin {
                    path,
                    indirect: true,
                });
            }
            ast::Expr::PathExpr(path_expr) => {
                let path = path_expr.path()?;
                if path.qualifier().is_some() || hops == 0 {
                    return None;
                }
                hops -= 1;
                indirect = true;
                let name = path.segment()?.name_ref()?;
                let Some(binding) = find_binding(path_expr.syntax(), name.text()) else {
                    // `if let Some(handle) = self.worker.take()`: what the
                    // option holds.
                    expr = unwrapped_from(path_expr.syntax(), name.text())?;
                    continue;
                };
                let declared = match binding {
                    Binding::Let(binding) => match binding.ty() {
                        Some(ty) => ty,
                        None => {
                            expr = binding.initializer()?;
                            continue;
                        }
                    },
                    Binding::Element(binding, index) => {
                        let init = binding.initializer()?;
                        return element_origin(&init, index, imports, fields, accept);
                    }
                    Binding::Param(param) => param.ty()?,
                    // `for handle in handles`: an element of what it walks.
                    Binding::For(found) => {
                        expr = found.iterable()?;
                        continue;
                    }
                };
                let path = type_path(&declared, imports, accept)?;
                return Some(Origin { path, indirect });
            }
            _ => return None,
        }
    }
}

/// Whether the chain of `expr` starts at a struct field (`self.conn.lock()`):
/// its type may be declared in another file, whose words the text of this
/// one does not contain.
pub fn rooted_in_field(expr: &ast::Expr) -> bool {
    let mut expr = unparen(expr.clone());
    loop {
        let inner = match &expr {
            ast::Expr::FieldExpr(_) => return true,
            ast::Expr::MethodCallExpr(call) => call.receiver(),
            ast::Expr::TryExpr(t) => t.expr(),
            ast::Expr::RefExpr(r) => r.expr(),
            _ => None,
        };
        match inner {
            Some(inner) => expr = unparen(inner),
            None => return false,
        }
    }
}

/// The origin of element `index` of the tuple that `init` gives, named
/// `path.index` after the call that made it (`std::sync::mpsc::channel.1` is
/// a channel's receiver), through `.await`, `?`, `.unwrap()` and a builder's
/// method chain (`http1::Builder::new().handshake(io).await?`).
fn element_origin(
    init: &ast::Expr,
    index: usize,
    imports: &Imports,
    fields: &FieldTypes,
    accept: &dyn Fn(&str) -> bool,
) -> Option<Origin> {
    // A tuple the code builds or types itself: `let (lock, cvar) = &*pair;`.
    match tuple_element_of(init, index, MAX_TUPLE_HOPS) {
        Some(Element::Expr(element)) => return chain_origin(&element, imports, fields, accept),
        Some(Element::Type(element)) => {
            let path = type_path(&element, imports, accept)?;
            return Some(Origin {
                path,
                indirect: true,
            });
        }
        None => {}
    }
    let mut init = unparen(init.clone());
    loop {
        init = match init {
            ast::Expr::AwaitExpr(a) => a.expr()?,
            ast::Expr::TryExpr(t) => t.expr()?,
            ast::Expr::MethodCallExpr(call)
                if matches!(method_name(&call)?.as_str(), "unwrap" | "expect") =>
            {
                call.receiver()?
            }
            ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_) => break,
            _ => return None,
        };
        init = unparen(init);
    }
    let element = |path: &str| format!("{path}.{index}");
    let root = chain_origin(&init, imports, fields, &|path| accept(&element(path)))?;
    Some(Origin {
        path: element(&root.path),
        indirect: true,
    })
}

/// Bindings followed to find a tuple (`let pair = Arc::new((..))`).
const MAX_TUPLE_HOPS: usize = 4;

fn accepted(candidates: Vec<String>, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    candidates.into_iter().find(|c| accept(c))
}

/// The accepted path of a written type, through references and the
/// [`WRAPPERS`].
pub fn type_path(
    ty: &ast::Type,
    imports: &Imports,
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let mut ty = ty.clone();
    loop {
        ty = match ty {
            ast::Type::RefType(r) => r.ty()?,
            ast::Type::PathType(p) => {
                let path = p.path()?;
                if let Some(found) = accepted(imports.candidates(&path), accept) {
                    return Some(found);
                }
                let segment = path.segment()?;
                let wrapper = segment.name_ref()?;
                if !WRAPPERS.contains(&wrapper.text()) {
                    // A crate alias, wherever it is declared:
                    // `type EventSender = mpsc::UnboundedSender<Event>;`.
                    let alias = imports.crate_index().alias(wrapper.text())?;
                    return accepted(alias.paths, accept);
                }
                match segment.generic_arg_list()?.generic_args().next()? {
                    ast::GenericArg::TypeArg(arg) => arg.ty()?,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// The written types of a file's struct fields, by field name: compute it
/// once per file (`Context::file_fact`).
#[derive(Default)]
pub struct FieldTypes(HashMap<String, Vec<Option<ast::Type>>>);

impl FieldTypes {
    pub fn of(root: &SyntaxNode) -> Self {
        let mut types: HashMap<String, Vec<Option<ast::Type>>> = HashMap::new();
        let fields = descendants_of_kind(root, &[SyntaxKind::RECORD_FIELD]);
        for field in fields.into_iter().filter_map(ast::RecordField::cast) {
            if let Some(name) = field.name() {
                types
                    .entry(name.text().to_string())
                    .or_default()
                    .push(field.ty());
            }
        }
        FieldTypes(types)
    }

    /// Whether a struct of the file declares a field of this name.
    fn declares(&self, field: &ast::FieldExpr) -> bool {
        field
            .name_ref()
            .is_some_and(|name| self.0.contains_key(name.text()))
    }

    /// The accepted type of a field, when every struct field of the file
    /// with that name has it: a field name shared by structs of different
    /// types tells nothing.
    pub fn accepted(
        &self,
        field: &ast::FieldExpr,
        imports: &Imports,
        accept: &dyn Fn(&str) -> bool,
    ) -> Option<String> {
        let name = field.name_ref()?;
        let Some(types) = self.0.get(name.text()) else {
            let fact = super::crate_field(field, imports)?;
            return accepted(fact.paths, accept);
        };
        let mut found: Option<String> = None;
        for ty in types {
            let path = type_path(ty.as_ref()?, imports, accept)?;
            if found.get_or_insert_with(|| path.clone()) != &path {
                return None;
            }
        }
        found
    }
}
