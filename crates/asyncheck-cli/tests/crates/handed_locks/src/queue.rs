use tokio::sync::Mutex;

use crate::pool;

pub struct Queue {
    jobs: Mutex<Vec<u64>>,
    done: Mutex<Vec<u64>>,
}

impl Queue {
    pub async fn push(&self, job: u64) -> usize {
        let mut jobs = self.jobs.lock().await;
        jobs.push(job);
        pool::depth(&self.jobs).await //~ double-lock
    }

    // Another lock of the same type.
    pub async fn push_done(&self, job: u64) -> usize {
        let mut jobs = self.jobs.lock().await;
        jobs.push(job);
        pool::depth(&self.done).await
    }

    // The helper locks only the lock it is given second.
    pub async fn compare(&self) -> usize {
        let jobs = self.jobs.lock().await;
        let n = pool::depth_of_second(&self.jobs, &self.done).await;
        n + jobs.len()
    }

    // The guard is gone before the helper runs.
    pub async fn push_then_count(&self, job: u64) -> usize {
        self.jobs.lock().await.push(job);
        pool::depth(&self.jobs).await
    }

    // The helper's future is made, not awaited, while the guard lives.
    pub async fn later(&self) -> usize {
        let pending = {
            let _jobs = self.jobs.lock().await;
            pool::depth(&self.jobs)
        };
        pending.await
    }
}
