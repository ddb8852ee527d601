use tokio::task::JoinSet;

pub struct Pool {
    pub(crate) tasks: JoinSet<()>,
    pub(crate) watched: JoinSet<u32>,
    pub(crate) warmups: JoinSet<()>,
}

impl Pool {
    pub(crate) fn start(&mut self, job: u32) {
        self.tasks.spawn(async move { drop(job) }); //~ joinset-never-reaped
    }

    pub(crate) fn watch(&mut self, job: u32) {
        self.watched.spawn(async move { job });
    }

    /// Called once, at start-up: a fixed set of tasks.
    pub(crate) fn warm_up(&mut self) {
        self.warmups.spawn(async {});
    }
}

/// Its tasks are taken out whole and drained by whoever builds it.
pub struct Producers {
    join_set: JoinSet<()>,
}

impl Producers {
    pub(crate) fn spawn_producer(&mut self, job: u32) {
        self.join_set.spawn(async move { drop(job) });
    }

    pub(crate) async fn finish(self) {
        let Self { mut join_set } = self;
        while join_set.join_next().await.is_some() {}
    }
}

/// Spawned on by a caller that imports it under another name.
pub struct Batches {
    pending: JoinSet<()>,
}

impl Batches {
    pub(crate) fn queue(&mut self, job: u32) {
        self.pending.spawn(async move { drop(job) }); //~ joinset-never-reaped
    }
}
