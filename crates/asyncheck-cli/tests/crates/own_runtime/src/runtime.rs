use tokio::runtime::Handle;

pub struct Runtime {
    handle: Handle,
}

impl Runtime {
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        tokio::task::block_in_place(|| self.handle.block_on(future))
    }
}

pub fn io() -> Runtime {
    Runtime {
        handle: Handle::current(),
    }
}
