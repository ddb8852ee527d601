/// Not blocking: a `run` of a third module.
pub fn run() -> usize {
    2
}
