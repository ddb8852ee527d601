use std::sync::Arc;
use tokio::sync::Semaphore;

async fn process(job: u64) -> u64 {
    job
}

async fn wildcard(sem: &Semaphore, job: u64) -> u64 {
    let _permit = sem.acquire().await;
    process(job).await
}

async fn statement(sem: Arc<Semaphore>, job: u64) -> u64 {
    let _permit = sem.acquire().await.unwrap();
    process(job).await
}
