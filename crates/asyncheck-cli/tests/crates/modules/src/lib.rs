//! Paths across files: re-exports (renamed and glob), `#[path]`, and two
//! functions of one name in different modules.

pub mod fast;
pub mod net;
pub mod prelude;
pub mod server;
pub mod state;
pub mod sync;
pub mod worker;

#[path = "platform/unix.rs"]
pub mod sys;

// Generated elsewhere, or for another target: nothing to read, no crash.
#[cfg(windows)]
mod generated;

pub use worker::run as run_worker;

// A private module whose items the root re-exports by a glob.
mod storage;
pub use storage::*;
