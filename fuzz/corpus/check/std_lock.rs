use std::sync::{Arc, Mutex};

async fn bump(state: Arc<Mutex<Vec<u8>>>) {
    let mut guard = state.lock().unwrap();
    guard.push(1);
    tick().await;
    guard.push(2);
}
