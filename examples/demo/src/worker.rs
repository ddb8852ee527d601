use std::sync::Arc;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Mutex;

pub struct Job {
    pub owner: Option<String>,
    pub payload: Vec<u8>,
}

#[derive(Default)]
pub struct Stats {
    pub done: u64,
}

pub fn start(jobs: UnboundedReceiver<Job>, stats: Arc<Mutex<Stats>>) {
    tokio::spawn(run(jobs, stats));
}

async fn run(mut jobs: UnboundedReceiver<Job>, stats: Arc<Mutex<Stats>>) {
    // Nothing can stop this loop but the end of the process.
    loop {
        let Some(job) = jobs.recv().await else {
            continue;
        };
        let mut guard = stats.lock().await;
        process(job).await.ok();
        guard.done += 1;
    }
}

async fn process(job: Job) -> anyhow::Result<usize> {
    let text = String::from_utf8(job.payload).unwrap();
    let parsed = match parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => return Err(e),
    };
    std::thread::sleep(std::time::Duration::from_millis(10));
    let (a, b) = tokio::join!(checksum(&parsed), store(&parsed));
    Ok(a? + b?)
}

fn parse(text: &str) -> anyhow::Result<Vec<String>> {
    Ok(text.lines().map(str::to_owned).collect())
}

async fn checksum(lines: &[String]) -> anyhow::Result<usize> {
    Ok(lines.iter().map(String::len).sum())
}

async fn store(lines: &[String]) -> anyhow::Result<usize> {
    // Waiting for the store from inside the runtime deadlocks it.
    let handle = tokio::runtime::Handle::current();
    handle.block_on(async { Ok(lines.len()) })
}

/// Runs every batch in its own task and gathers the sizes.
pub async fn run_batches(batches: Vec<Vec<u8>>) -> usize {
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for batch in batches {
        let sizes = Arc::clone(&sizes);
        handles.push(tokio::spawn(async move {
            sizes.lock().unwrap().push(batch.len());
        }));
    }
    for handle in handles {
        handle.await.ok();
    }
    let total = sizes.lock().unwrap().iter().sum();
    total
}
