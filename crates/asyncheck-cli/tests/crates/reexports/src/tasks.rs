use crate::prelude::*;

async fn work() {}

pub async fn run() {
    spawn_local(work()); //~ detached-spawn
    let (_tx, _rx) = unbounded::<u8>(); //~ unbounded-channel
    let (_tx, _rx) = bounded::<u8>(4);
    // The crate's own helper, renamed by the prelude.
    let _settings = settings(); //~ blocking-in-async
}

mod helpers {
    // Not a module-level glob of the file: the names here are the file's.
    use super::*;

    pub fn spawn_local(_job: u32) {}

    pub fn run() {
        spawn_local(1);
    }
}
