use crate::registry::Registry;

impl Registry {
    pub fn log_count(&self) {
        println!("{}", self.peers.lock().unwrap().len());
    }

    pub fn bump_stats(&self) {
        *self.stats.write().unwrap() += 1;
    }
}
