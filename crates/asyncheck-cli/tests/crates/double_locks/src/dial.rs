//! The semaphore's type is written only in registry.rs.
use crate::registry::Registry;

pub async fn dial_twice(registry: &Registry) {
    let _first = registry.dials.acquire().await.unwrap();
    // With one permit left to nobody, this waits forever.
    let _second = registry.dials.acquire().await.unwrap(); //~ double-lock
}

pub async fn dial_in_turn(registry: &Registry) {
    {
        let _first = registry.dials.acquire().await.unwrap();
    }
    let _second = registry.dials.acquire().await.unwrap();
}
