use tokio::runtime::Handle;

pub struct Store {
    handle: Handle,
}

async fn connect() -> u32 {
    7
}

/// Sync API for sync callers: blocks the thread until connected.
pub fn open() -> u32 {
    futures::executor::block_on(connect())
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
        self.handle.block_on(connect())
    }
}
