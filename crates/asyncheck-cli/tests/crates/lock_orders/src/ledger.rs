use crate::globals::JOURNAL;

pub fn close_day() -> usize {
    let totals = crate::globals::TOTALS.lock().unwrap();
    let journal = JOURNAL.lock().unwrap();
    totals.len() + journal.len()
}
