use crate::bank::Bank;

impl Bank {
    pub fn report(&self) -> usize {
        let audit = self.audit.lock().unwrap();
        let accounts = self.accounts.lock().unwrap();
        audit.len() + accounts.len()
    }

    pub fn review(&self) -> usize {
        let limits = self.limits.read();
        let rates = self.rates.read();
        limits.len() + rates.len()
    }

    pub fn list(&self) -> usize {
        let accounts = self.accounts.lock().unwrap();
        let owners = self.owners.lock().unwrap();
        accounts.len() + owners.len()
    }
}
