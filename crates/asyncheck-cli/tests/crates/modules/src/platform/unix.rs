pub mod io;

/// Sleeps the thread.
pub fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(5));
}
