use crate::pool::Pool;

pub(crate) async fn reap(pool: &mut Pool) {
    while let Some(done) = pool.watched.join_next().await {
        let _ = done;
    }
}
