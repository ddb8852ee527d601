use std::sync::Mutex;

use crate::vault::Vault;

pub struct Slots {
    pub gold: Mutex<u32>,
    pub silver: Mutex<u32>,
}

pub fn exchange(vault: &Vault) {
    let silver = vault.inner.silver.lock().unwrap();
    let gold = vault.inner.gold.lock().unwrap(); //~ lock-order-inversion
    drop((silver, gold));
}
