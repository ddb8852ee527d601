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
