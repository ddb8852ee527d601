use std::sync::RwLock;

/// Edition 2024: the scrutinee's temporaries are dropped before `else`.
pub fn update(map: &RwLock<Vec<u8>>) {
    if let Some(first) = map.read().unwrap().first().copied() {
        let _ = first;
    } else {
        map.write().unwrap().push(1);
    }
}
