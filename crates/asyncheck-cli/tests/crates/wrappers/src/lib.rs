mod conn;
mod storage;

use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub async fn serve(mut stream: TcpStream, mut stop: mpsc::Receiver<()>) {
    let mut buf = Vec::new();
    loop {
        tokio::select! {
            header = conn::read_header(&mut stream) => { //~ cancel-unsafe-select
                let _ = header;
            }
            read = conn::read_some(&mut stream, &mut buf) => {
                let _ = read;
            }
            _ = stop.recv() => {}
        }
    }
}

pub async fn push(mut peer: conn::Peer, mut frames: mpsc::Receiver<Vec<u8>>, ticks: mpsc::Receiver<()>) {
    let mut ticks = ticks;
    loop {
        tokio::select! {
            sent = peer.send_frame(b"ping") => { //~ cancel-unsafe-select
                let _ = sent;
            }
            Some(frame) = frames.recv() => {
                let _ = frame;
            }
            _ = ticks.recv() => {}
        }
    }
}

pub async fn handle(store: &storage::Store) -> u32 {
    let a = storage::reopen(); //~ block-on-in-async
    let b = store.flush(); //~ block-on-in-async
    let c = storage::open_elsewhere();
    let d = tokio::task::spawn_blocking(storage::open).await.unwrap_or(0);
    let e = tokio::task::block_in_place(|| storage::open());
    a + b + c + d + e
}

/// Sync code may block on futures.
pub fn sync_caller() -> u32 {
    storage::reopen()
}

pub async fn configure() -> usize {
    let text = storage::load_config(); //~ blocking-in-async
    let more = storage::load_config_async().await;
    let n = storage::settings(); //~ blocking-in-async
    let m = tokio::task::spawn_blocking(storage::settings).await.unwrap_or(0);
    text.len() + more.len() + n + m
}

pub async fn maintain(make: fn() -> storage::Dataset, resp: &storage::Response, message: Message) -> u32 {
    let dataset = make();
    let a = dataset.checkpoint_now();
    let b = message.snapshot_at();
    let c = resp.leader_id();
    a + b + c
}

pub async fn only_sync_callers_block() -> u32 {
    tokio::task::spawn_blocking(storage::open_for_sync_callers)
        .await
        .unwrap_or(0)
}

pub struct Message;

/// Sync, bridging to async code that stops a sender made by its constructor.
pub fn execute(handle: tokio::runtime::Handle) -> u32 {
    let sender = storage::Sender::spawn(handle.clone());
    std::thread::spawn(move || handle.block_on(async move { sender.shutdown() })); //~ block-on-in-async
    0
}

pub async fn release() -> u32 {
    let ticket = storage::Lease::acquire();
    ticket.release_all()
}

#[cfg(test)]
mod tests {
    // A test that calls a blocking wrapper from async code fails when it
    // runs: not reported.
    #[tokio::test]
    async fn opens() {
        assert_eq!(crate::storage::reopen(), 8);
    }
}

/// Imported from the module without `crate::` (a path from this module,
/// as Rust 2018 reads it), also renamed.
pub async fn configure_again() -> usize {
    use storage::load_config as read_config;
    use storage::settings;
    read_config().len() + settings() //~ blocking-in-async
}

mod journal;
mod service;
