mod notify;
mod state;

use state::{Queue, State};

pub struct Server {
    state: State,
    queue: Queue,
}

impl Server {
    pub async fn positives(&self) {
        let items = self.state.items.lock(); //~ lock-across-await
        tick().await;
        drop(items);

        let shared = self.state.shared.read().unwrap(); //~ lock-across-await
        tick().await;
        drop(shared);

        let hits = self.state.counters.hits.lock().unwrap(); //~ lock-across-await
        tick().await;
        drop(hits);

        // parking_lot's `read()` has no `Result` to tell it from I/O: only
        // the field's declared type in state.rs says it is a lock.
        let table = self.state.table.read(); //~ lock-across-await
        tick().await;
        drop(table);

        // A sharded map declared in state.rs, whose type this file never names.
        let session = self.state.sessions.get(&1); //~ lock-across-await
        tick().await;
        drop(session);
    }

    pub async fn negatives(&self) {
        // An async lock of the same field name in another type.
        let queued = self.queue.items.lock().await.len();
        tick().await;
        let _ = queued;

        // `table` is a lock in `State` and a journal in `Archive`: with the
        // receiver's type unknown, the field name tells nothing.
        let archive = state::archive();
        let rows = archive.table.read();
        tick().await;
        drop(rows);

        // A method named `read` on a type that is not a lock.
        let entries = self.state.journal.read();
        tick().await;
        drop(entries);

        // Dropped before the await.
        let items = self.state.items.lock();
        drop(items);
        tick().await;

        // The statement ends before the await.
        let n = self.state.counters.hits.lock().unwrap().saturating_add(1);
        tick().await;
        let _ = n;

        // The shard guard ends with its statement.
        let name = self.state.sessions.get(&1).map(|s| s.clone());
        tick().await;
        let _ = name;
    }
}

/// The type comes from the constructor's `Result<Self, _>`, through `?`.
pub async fn loaded() -> Result<(), String> {
    let state = State::load()?;
    let items = state.items.lock(); //~ lock-across-await
    tick().await;
    drop(items);

    // `Option<Self>` through `.expect(..)`: tokio's lock, awaited.
    let queue = Queue::open().expect("opened at start");
    let queued = queue.items.lock().await;
    tick().await;
    drop(queued);
    Ok(())
}

async fn tick() {
    tokio::task::yield_now().await;
}

/// An async lock held while a crate `async fn` of another file waits on a
/// channel (two levels down), and while one that only computes runs.
pub async fn publish(
    queue: &Queue,
    tx: &tokio::sync::mpsc::Sender<u8>,
) {
    let items = queue.items.lock().await; //~ async-lock-across-await
    notify::announce(tx, items.len() as u8).await;
    drop(items);

    let items = queue.items.lock().await;
    let sum = notify::checksum(&items).await;
    drop(items);
    let _ = sum;
}

/// A `static` of another file, reached through its module or renamed.
pub async fn statics() {
    let peers = state::PEERS.read(); //~ lock-across-await
    tick().await;
    drop(peers);

    let peers = crate::state::PEERS.write(); //~ lock-across-await
    tick().await;
    drop(peers);

    use state::PEERS as Known;
    let peers = Known.read(); //~ lock-across-await
    tick().await;
    drop(peers);
}
