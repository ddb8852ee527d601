//! APIs reached through the crate's own re-exports: renamed, and through
//! a glob import of a module that glob-re-exports another crate's module.
mod error;
mod handlers;
pub mod queues;

pub use error::Fallible as Res;
pub mod rt;
mod prelude;
mod own_name;
mod tasks;
mod settings;

async fn work() {}

pub async fn start() {
    crate::rt::go(work()); //~ detached-spawn
    rt::go_blocking(|| ()); //~ detached-spawn
    let kept = rt::go(work());
    kept.await.ok();
    rt::run_here(work());
}

pub fn queues() {
    let (_tx, _rx) = queues::make_queue::<u8>(); //~ unbounded-channel
    let (_tx, _rx) = queues::bounded_queue::<u8>(4);
}

// A glob of the crate's prelude imported inside a body is in scope there.
pub async fn from_the_body() {
    use crate::prelude::*;
    spawn_local(work()); //~ detached-spawn
    let (_tx, _rx) = unbounded::<u8>(); //~ unbounded-channel
}

// ...and only there: this `spawn_local` is no import's.
pub async fn elsewhere() {
    spawn_local(work());
}

fn spawn_local<F>(_future: F) {}
