//! Functions of net.rs that connect, and the deadlines their callers here
//! put on them.
mod net;

use std::time::Duration;
use tokio::time::timeout;

#[tokio::main]
async fn main() {
    let _ = timeout(Duration::from_secs(1), net::dial("a:1")).await;
    let _ = timeout(Duration::from_secs(1), async { net::dial_inside("a:1").await }).await;
    tokio::select! {
        _ = net::dial_raced("a:1") => {}
        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
    // Once under a deadline, once not: the second call can wait forever.
    let _ = timeout(Duration::from_secs(1), net::dial_twice("a:1")).await;
    let _ = net::dial_twice("b:1").await;
    // A binary's `pub` function has no callers outside it.
    let _ = timeout(Duration::from_secs(1), net::dial_public("a:1")).await;
}
