use tokio::sync::Mutex;

pub async fn measure(jobs: &Mutex<Vec<u64>>) -> usize {
    jobs.lock().await.len()
}
