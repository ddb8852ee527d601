use crate::events::{EventSender, Outbox};

pub struct Worker {
    events: EventSender,
    outbox: Outbox,
}

impl Worker {
    pub async fn run(&mut self) {
        // The alias is declared in events.rs: still a channel's sender.
        self.events.send(1).unwrap(); //~ panic-on-closed-channel
        self.outbox.send(2).unwrap();
        tokio::task::yield_now().await;
    }
}
