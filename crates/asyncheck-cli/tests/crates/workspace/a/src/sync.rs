//! The workspace's lock of choice.

pub use parking_lot::Mutex as Lock;
