pub struct Outbox(pub Vec<u64>);

impl Outbox {
    pub fn send(&mut self, event: u64) -> Result<(), u64> {
        self.0.push(event);
        Ok(())
    }
}
