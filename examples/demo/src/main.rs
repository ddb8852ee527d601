//! A tiny job service: a TCP server takes jobs, workers run them, a client
//! reports results upstream.

mod client;
mod fleet;
mod server;
mod worker;

use std::sync::Arc;

use tokio::sync::{mpsc, Mutex};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Reading the config at startup is fine: nothing else runs yet.
    let config = std::fs::read_to_string("demo.toml")?;
    let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
    let stats = Arc::new(Mutex::new(worker::Stats::default()));

    worker::start(jobs_rx, stats.clone());
    tokio::spawn(async move {
        client::report_forever(stats).await;
    });

    server::serve(&config, jobs_tx).await
}
