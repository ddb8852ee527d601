//! Locks reached through a field whose type is declared in another file.

use crate::teller::Slots;

pub struct Vault {
    pub inner: Slots,
}

impl Vault {
    pub fn restock(&self) {
        let gold = self.inner.gold.lock().unwrap();
        let silver = self.inner.silver.lock().unwrap();
        drop((gold, silver));
    }
}
