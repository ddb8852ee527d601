use std::sync::RwLock;

/// Edition 2021: the read guard of the `if let` scrutinee lives through
/// `else`, so the write there waits for it forever.
pub fn update(map: &RwLock<Vec<u8>>) {
    if let Some(first) = map.read().unwrap().first().copied() {
        let _ = first;
    } else {
        map.write().unwrap().push(1); //~ double-lock
    }
}
