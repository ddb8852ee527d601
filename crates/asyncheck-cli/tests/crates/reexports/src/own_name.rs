// `self` in a group binds the crate's own name in this module: paths
// through it still lead to the crate.
use tokio::{self, sync::mpsc};

async fn work() {}

pub async fn run() {
    tokio::spawn(work()); //~ detached-spawn
    let (_tx, _rx) = mpsc::unbounded_channel::<u8>(); //~ unbounded-channel
}
