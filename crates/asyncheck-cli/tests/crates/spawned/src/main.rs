mod worker;

use std::sync::Arc;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let handle = tokio::spawn(worker::run(rx));
    let beats = tokio::spawn(worker::Heartbeat::beat_forever());
    tx.send(1u8).await.ok();
    drop(tx);
    let _ = handle.await;
    beats.abort();
}

/// One task per connection: limited only when the spawned function, in
/// worker.rs, takes a permit first.
pub async fn accept(listener: TcpListener, limit: Arc<tokio::sync::Semaphore>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else { break };
        tokio::spawn(worker::serve_limited(limit.clone(), socket)); //~ detached-spawn
        let Ok((socket, _)) = listener.accept().await else { break };
        tokio::spawn(worker::serve(socket)); //~ unbounded-fanout detached-spawn
    }
}
