//! Everything of tokio's sync module, for the crate's async code.

pub use tokio::sync::*;
