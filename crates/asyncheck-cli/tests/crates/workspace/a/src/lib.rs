//! Member `a` declares the shared state; member `b` locks it.

pub struct Registry {
    pub peers: std::sync::Mutex<Vec<String>>,
    pub routes: parking_lot::RwLock<Vec<String>>,
}

pub mod sync;

/// Blocks the thread on the disk: a wrapper other members call.
pub mod disk {
    pub fn load() -> Vec<u8> {
        std::fs::read("state.bin").unwrap_or_default()
    }
}
