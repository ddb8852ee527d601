use futures::executor::block_on;
use std::future::Future;
use std::sync::Arc;

pub trait Provider {
    fn point(&self) -> u64;
}

pub trait Source {
    fn fetch(&self) -> impl Future<Output = u64>;
}

// A blanket impl: its `T` is any type.
impl<T: Source> Provider for Arc<T> {
    fn point(&self) -> u64 {
        block_on(self.as_ref().fetch())
    }
}

pub struct Reply {
    point: u64,
}

impl Reply {
    pub fn point(&self) -> u64 {
        self.point
    }
}

pub fn checked<T>(reply: Result<T, String>) -> Result<T, String> {
    reply
}
