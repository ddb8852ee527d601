use crate::pool::Batches as Queue;

pub(crate) async fn dispatch(queue: &mut Queue, mut jobs: tokio::sync::mpsc::Receiver<u32>) {
    while let Some(job) = jobs.recv().await {
        queue.queue(job);
    }
}
