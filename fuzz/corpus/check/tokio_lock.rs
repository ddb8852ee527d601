use tokio::sync::RwLock;

async fn read_all(l: &RwLock<String>) -> usize {
    let g = l.read().await;
    let n = g.len();
    drop(g);
    let w = l.write().await;
    other().await;
    n + w.len()
}
