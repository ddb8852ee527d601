//! Clippy twins allowed above a file reach it: the crate root's
//! `#![allow]`, and an `#[allow]` on the `mod` declaration of its module or
//! of a module above.
#![allow(clippy::unwrap_used)]

mod net;
#[allow(clippy::question_mark)]
mod parse;
mod plain;

pub async fn root(x: Option<u8>) -> Result<u8, String> {
    Ok(x.unwrap())
}
