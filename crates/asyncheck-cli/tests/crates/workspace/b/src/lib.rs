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

/// A lock type re-exported by member `a` under another name.
pub struct Cache {
    pub entries: a::sync::Lock<Vec<u8>>,
}

pub async fn refresh(cache: &Cache) {
    let entries = cache.entries.lock(); //~ lock-across-await
    tokio::task::yield_now().await;
    drop(entries);
    let bytes = a::disk::load(); //~ blocking-in-async
    drop(bytes);
}
