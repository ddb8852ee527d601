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

pub struct Heartbeat;

impl Heartbeat {
    /// Spawned by its module path and type: `worker::Heartbeat::beat_forever()`.
    pub async fn beat_forever() {
        loop { //~ uncancellable-loop
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    /// Never spawned.
    pub async fn beat_while_called() {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}

/// Takes a permit before its work: spawned per connection, it is limited.
pub async fn serve_limited(
    limit: std::sync::Arc<tokio::sync::Semaphore>,
    socket: tokio::net::TcpStream,
) {
    let _permit = limit.acquire().await;
    drop(socket);
}

/// Does its work with no permit.
pub async fn serve(socket: tokio::net::TcpStream) {
    drop(socket);
}
