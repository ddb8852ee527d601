use tokio::sync::mpsc::Receiver;

/// Spawned from main.rs: an endless loop with no way out.
pub async fn run(mut rx: Receiver<u8>) {
    loop { //~ uncancellable-loop
        if let Some(n) = rx.recv().await {
            let _ = n;
        }
    }
}

/// The same shape, never spawned: not a task.
pub async fn poll_forever(mut rx: Receiver<u8>) {
    loop {
        if let Some(n) = rx.recv().await {
            let _ = n;
        }
    }
}
