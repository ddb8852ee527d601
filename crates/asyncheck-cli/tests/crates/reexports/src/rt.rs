pub use tokio::spawn as go;
pub use tokio::task::spawn_blocking as go_blocking;

/// Same last segment as nothing tokio exports: a function of the crate.
pub fn run_here<F>(_future: F) {}
