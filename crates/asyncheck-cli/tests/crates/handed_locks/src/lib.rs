//! A lock handed on through a file that takes none: the caller holds the
//! guard, a helper in a second file passes the lock to a third, which locks
//! it.

pub mod pool;
pub mod queue;
