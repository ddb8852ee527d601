mod aliases;
mod dispatch;
mod gateway;
mod pool;
mod reaper;
mod server;

pub use server::serve;

/// Public, with a public set: callers outside the crate may reap it.
pub struct Jobs {
    pub running: tokio::task::JoinSet<()>,
}

impl Jobs {
    pub fn add(&mut self) {
        self.running.spawn(async {});
    }
}
