macro_rules! twice { ($e:expr) => { $e; $e }; }

async fn m(v: Vec<u8>) {
    twice!(work().await);
    tracing::info!(len = v.len(), "x {}", v[0]);
    let p = std::pin::pin!(async { vec![1, 2, 3] });
    assert_eq!(p.await.len(), 3, "{:?}", [0u8; 2]);
    #[allow(asyncheck::blocking_in_async)]
    std::thread::sleep(Default::default());
}
