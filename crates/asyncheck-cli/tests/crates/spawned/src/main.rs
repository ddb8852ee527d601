mod worker;

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
