/// Waits for the disk: blocks the thread.
pub fn run() -> usize {
    std::fs::read("queue.bin").map(|b| b.len()).unwrap_or(0)
}
