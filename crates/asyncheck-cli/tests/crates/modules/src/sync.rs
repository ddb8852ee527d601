//! The crate's lock of choice, renamed.

pub use parking_lot::Mutex as FastMutex;
