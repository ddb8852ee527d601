use std::sync::{Mutex, RwLock};

pub struct Registry {
    pub peers: Mutex<Vec<String>>,
    pub stats: RwLock<u64>,
    pub dials: tokio::sync::Semaphore,
}

impl Registry {
    pub fn add(&self, peer: String) {
        let mut peers = self.peers.lock().unwrap();
        peers.push(peer);
        // `log_count` (audit.rs) locks `peers` again.
        self.log_count(); //~ double-lock
    }

    pub fn add_counted(&self, peer: String) {
        let mut peers = self.peers.lock().unwrap();
        peers.push(peer);
        // Another lock: no self-deadlock.
        self.bump_stats();
    }

    pub fn add_then_log(&self, peer: String) {
        let mut peers = self.peers.lock().unwrap();
        peers.push(peer);
        drop(peers);
        self.log_count();
    }

    /// Through a parameter: the other registry's lock is another lock.
    pub fn merge(&self, other: &Registry) {
        let _peers = self.peers.lock().unwrap();
        other.log_count();
    }
}
