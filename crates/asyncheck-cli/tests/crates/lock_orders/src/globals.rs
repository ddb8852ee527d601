//! Statics locked in two files, in opposite orders.

use std::sync::Mutex;

pub static JOURNAL: Mutex<Vec<String>> = Mutex::new(Vec::new());
pub static TOTALS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

pub fn record(entry: String, amount: u64) {
    let mut journal = JOURNAL.lock().unwrap();
    journal.push(entry);
    TOTALS.lock().unwrap().push(amount); //~ lock-order-inversion
}
