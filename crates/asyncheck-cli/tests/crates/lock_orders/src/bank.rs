use std::sync::Mutex;

use parking_lot::RwLock;

pub struct Bank {
    pub accounts: Mutex<Vec<u64>>,
    pub audit: Mutex<Vec<String>>,
    pub rates: RwLock<Vec<u32>>,
    pub limits: RwLock<Vec<u32>>,
    pub owners: Mutex<Vec<String>>,
}

impl Bank {
    pub fn deposit(&self, amount: u64) {
        let mut accounts = self.accounts.lock().unwrap();
        accounts.push(amount);
        self.audit.lock().unwrap().push(format!("deposit {amount}")); //~ lock-order-inversion
    }

    /// Reads both: another file reads them in the other order, and two
    /// reads never exclude each other.
    pub fn quote(&self) -> usize {
        let rates = self.rates.read();
        let limits = self.limits.read();
        rates.len() + limits.len()
    }

    /// Accounts before owners, as `list` in report.rs: one order.
    pub fn open(&self, owner: String) {
        let accounts = self.accounts.lock().unwrap();
        self.owners.lock().unwrap().push(owner);
        drop(accounts);
    }
}
