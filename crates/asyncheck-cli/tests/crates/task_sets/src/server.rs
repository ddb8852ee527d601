use tokio::net::TcpListener;

use crate::pool::Pool;

pub async fn serve(listener: TcpListener, mut pool: Pool, mut producers: crate::pool::Producers) {
    pool.warm_up();
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        drop(socket);
        pool.start(1);
        pool.watch(2);
        producers.spawn_producer(3);
        crate::reaper::reap(&mut pool).await;
    }
}
