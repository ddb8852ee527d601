//! The journal's type imported under another name: its methods are still
//! the crate's `Journal`'s.
use crate::journal::Journal as Log;

pub struct Service {
    log: Log,
}

/// Not async: a wrapper that writes through `Log`.
fn record(log: &Log, entry: &[u8]) {
    log.append(entry);
}

impl Service {
    pub async fn handle(&self, entry: Vec<u8>) {
        self.log.append(&entry); //~ blocking-in-async
        record(&self.log, &entry); //~ blocking-in-async
        let log = Log::open("/var/log/service");
        let _ = tokio::task::spawn_blocking(move || log.append(&entry)).await;
    }
}
