//! Keeps a fleet of peers in step: registers them, pushes updates, and
//! gathers their answers. Every defect here is one that real async code
//! shipped and its maintainers later fixed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, RwLock, Semaphore};
use tokio::task::JoinSet;

pub struct Fleet {
    peers: RwLock<Vec<String>>,
    updates: mpsc::Sender<String>,
    limit: Arc<Semaphore>,
    http: reqwest::Client,
}

impl Fleet {
    pub fn new(updates: mpsc::Sender<String>) -> Fleet {
        Fleet {
            peers: RwLock::new(Vec::new()),
            updates,
            limit: Arc::new(Semaphore::new(8)),
            // No timeout: a peer that never answers holds the request forever.
            http: reqwest::Client::new(),
        }
    }

    /// Re-registers the first peer: the read guard of the `if let`
    /// scrutinee is still alive when `write()` waits for it.
    pub async fn rotate(&self) {
        if let Some(first) = self.peers.read().await.first() {
            self.peers.write().await.push(first.clone());
        }
    }

    pub async fn push(&self, update: String) {
        // Fails exactly when the consumer is gone: during shutdown.
        self.updates.send(update).await.unwrap();
    }

    /// Sends to every peer, eight at a time — or so it looks: the permit is
    /// dropped at the end of each turn, before the spawned request runs.
    pub async fn broadcast(self: Arc<Self>, body: String) {
        let peers = self.peers.read().await.clone();
        for peer in peers {
            let _permit = self.limit.acquire().await;
            let fleet = self.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let _ = fleet.http.post(&peer).body(body).send().await;
            });
        }
    }

    /// Asks two peers; returns before either answers, and dropping the set
    /// aborts both questions.
    pub async fn ask_both(&self, a: oneshot::Receiver<u32>, b: oneshot::Receiver<u32>) -> bool {
        let mut answers = JoinSet::new();
        answers.spawn(a);
        answers.spawn(b);
        !answers.is_empty()
    }
}

/// Flushes batched updates every second — unless updates keep coming: each
/// one restarts the sleep, so under steady traffic nothing is ever flushed.
pub async fn batch(mut updates: mpsc::Receiver<String>) {
    let mut pending = Vec::new();
    loop {
        tokio::select! {
            Some(update) = updates.recv() => pending.push(update),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                println!("flushing {}", pending.len());
                pending.clear();
            }
        }
    }
}
