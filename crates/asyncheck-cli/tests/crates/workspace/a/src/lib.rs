//! Member `a` declares the shared state; member `b` locks it.

pub struct Registry {
    pub peers: std::sync::Mutex<Vec<String>>,
    pub routes: parking_lot::RwLock<Vec<String>>,
}
