//! Crate `async fn`s that the lock holders in lib.rs await.

use tokio::sync::mpsc;

/// Waits for room in a bounded channel: on the receiving task.
pub async fn announce(tx: &mpsc::Sender<u8>, value: u8) {
    relay(tx, value).await;
}

async fn relay(tx: &mpsc::Sender<u8>, value: u8) {
    let _ = tx.send(value).await;
}

/// Pure computation: nothing outside the task.
pub async fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |sum, b| sum.wrapping_add(*b))
}
