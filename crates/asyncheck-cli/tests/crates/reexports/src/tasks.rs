use crate::prelude::*;

async fn work() {}

pub async fn run() {
    spawn_local(work()); //~ detached-spawn
    let (_tx, _rx) = unbounded::<u8>(); //~ unbounded-channel
    let (_tx, _rx) = bounded::<u8>(4);
}

mod helpers {
    // Not a module-level glob of the file: the names here are the file's.
    use super::*;

    pub fn spawn_local(_job: u32) {}

    pub fn run() {
        spawn_local(1);
    }
}
