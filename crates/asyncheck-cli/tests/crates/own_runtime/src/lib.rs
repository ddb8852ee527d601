//! A crate with its own runtime wrapper, whose `block_on` moves off the
//! worker with `block_in_place`: calling it from async code is its purpose.

mod runtime;

use runtime::Runtime;

pub struct Table {
    io: Runtime,
}

impl Table {
    /// Safe: the crate's `block_on` does not block the worker.
    pub fn refresh(&self) -> u32 {
        self.io.block_on(async { 1 })
    }

    /// Not safe: the executor's own `block_on` blocks the worker.
    pub fn reload(&self) -> u32 {
        futures::executor::block_on(async { 2 }) //~ block-on-in-async
    }
}

pub async fn serve(table: &Table) -> u32 {
    let a = table.refresh();
    let b = table.reload(); //~ block-on-in-async
    let c = runtime::io().block_on(async { 3 });
    a + b + c
}
