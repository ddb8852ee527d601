use a::Registry;

pub async fn announce(registry: &Registry) {
    let peers = registry.peers.lock().unwrap(); //~ lock-across-await
    tokio::task::yield_now().await;
    drop(peers);
}

pub async fn reroute(registry: &Registry) {
    let mut routes = registry.routes.write(); //~ lock-across-await
    routes.clear();
    tokio::task::yield_now().await;
}

pub async fn count(registry: &Registry) -> usize {
    let n = registry.peers.lock().unwrap().len();
    tokio::task::yield_now().await;
    n
}
