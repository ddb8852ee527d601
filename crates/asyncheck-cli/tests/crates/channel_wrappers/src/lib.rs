//! A crate type that wraps a channel end: its method fails with the
//! channel's own error, declared in another file.
mod events;

use events::{Event, EventSender, Inbox};

pub struct Store {
    events: EventSender,
}

impl Store {
    pub async fn init(&mut self, epoch: u64) {
        // Fails once the event handler is gone, as during shutdown.
        self.events.send(Event::Init(epoch)).expect("handler is running"); //~ panic-on-closed-channel
        // Its own error type says nothing of a closed channel.
        self.events.record(Event::Init(epoch)).unwrap();
        // Not unwrapped: handled.
        if self.events.send(Event::Seal(epoch)).is_err() {
            return;
        }
    }
}

pub async fn drain(inbox: &mut Inbox) -> u64 {
    let Event::Init(epoch) | Event::Seal(epoch) = inbox.recv().await.unwrap(); //~ panic-on-closed-channel
    epoch
}
