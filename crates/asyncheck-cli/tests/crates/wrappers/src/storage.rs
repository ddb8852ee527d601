use tokio::runtime::Handle;

pub struct Store {
    handle: Handle,
}

async fn connect() -> u32 {
    7
}

/// Sync API for sync callers: blocks the thread until connected.
pub fn open() -> u32 {
    futures::executor::block_on(connect()) //~ block-on-in-async
}

/// A wrapper of the wrapper.
pub fn reopen() -> u32 {
    open() + 1
}

/// Blocks on another thread, not this one.
pub fn open_elsewhere() -> u32 {
    std::thread::spawn(|| futures::executor::block_on(connect()));
    0
}

impl Store {
    pub fn flush(&self) -> u32 {
        self.handle.block_on(connect()) //~ block-on-in-async
    }
}

/// Reads the whole config file: blocks on the file system.
pub fn load_config() -> String {
    std::fs::read_to_string("config.toml").unwrap_or_default()
}

/// The same work, on the blocking pool: not blocking here.
pub async fn load_config_async() -> String {
    tokio::task::spawn_blocking(|| std::fs::read_to_string("config.toml").unwrap_or_default())
        .await
        .unwrap_or_default()
}

/// Reaches the file read two levels down.
pub fn settings() -> usize {
    parsed().len()
}

fn parsed() -> String {
    load_config()
}

/// Only sync code calls it: blocking there is its purpose.
pub fn open_for_sync_callers() -> u32 {
    futures::executor::block_on(connect())
}

/// A client of another crate, whose async methods a sync facade wraps.
pub struct Remote;

pub struct Dataset {
    handle: Handle,
    remote: std::sync::Arc<Remote>,
}

impl Dataset {
    pub fn open(handle: Handle, remote: std::sync::Arc<Remote>) -> Dataset {
        Dataset { handle, remote }
    }

    /// The facade: the call inside is the other crate's `compact_files`.
    pub fn compact_files(&self) -> u32 {
        let remote = std::sync::Arc::clone(&self.remote);
        self.handle.block_on(async move { remote.compact_files().with_limit(2).await })
    }

    /// The async block bridges to the other crate: `rebuild_index` there is
    /// its method, not this type's.
    pub fn optimize(&self) -> u32 {
        let remote = std::sync::Arc::clone(&self.remote);
        self.handle.block_on(async move { remote.rebuild_index().in_background().await })
    }

    pub fn rebuild_index(&self) -> u32 {
        self.handle.block_on(connect())
    }

    /// Async code calls it on a value whose type it does not write.
    pub fn checkpoint_now(&self) -> u32 {
        self.handle.block_on(connect()) //~ block-on-in-async
    }

    /// Two parameters: a call that passes none is another function.
    pub fn snapshot_at(&self, version: u64) -> u32 {
        let _ = version;
        self.handle.block_on(connect())
    }

    /// Another type's `leader_id` is what async code calls.
    pub fn leader_id(&self) -> u32 {
        self.handle.block_on(connect())
    }
}

pub struct Response;

impl Response {
    pub fn leader_id(&self) -> u32 {
        1
    }
}

/// A background task's handle: stopping it waits for the task.
pub struct Sender {
    handle: Handle,
}

impl Sender {
    pub fn spawn(handle: Handle) -> Sender {
        Sender { handle }
    }

    /// For sync teardown; async code reaches it through a value that
    /// `Sender::spawn` made, whose type is not written.
    pub fn shutdown(&self) -> u32 {
        self.handle.block_on(connect()) //~ block-on-in-async
    }
}

/// A lease whose constructor hands out a `Ticket`, not a `Lease`.
pub struct Lease {
    handle: Handle,
}

pub struct Ticket;

impl Lease {
    pub fn acquire() -> Ticket {
        Ticket
    }

    /// Only sync code calls a `Lease`'s: the async caller holds a `Ticket`.
    pub fn release_all(&self) -> u32 {
        self.handle.block_on(connect())
    }
}

impl Ticket {
    pub fn release_all(&self) -> u32 {
        0
    }
}
