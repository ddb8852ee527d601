//! Two locks taken in opposite orders in two files.

mod bank;
mod report;

pub use bank::Bank;

mod globals;
mod ledger;
mod teller;
mod vault;
