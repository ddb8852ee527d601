use futures::{select_biased, FutureExt};

async fn pick(a: impl std::future::Future<Output = u8>) -> u8 {
    let mut a = a.fuse();
    select_biased! {
        x = a => x,
        complete => 0,
        default => 1,
    }
}
