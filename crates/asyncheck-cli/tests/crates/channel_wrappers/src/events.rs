use tokio::sync::mpsc::error::SendError;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot::error::RecvError;

pub enum Event {
    Init(u64),
    Seal(u64),
}

pub struct EventSender {
    inner: UnboundedSender<Event>,
    sent: u64,
}

impl EventSender {
    pub fn send(&mut self, event: Event) -> Result<(), SendError<Event>> {
        self.inner.send(event)?;
        self.sent += 1;
        Ok(())
    }

    pub fn record(&mut self, event: Event) -> Result<(), std::fmt::Error> {
        drop(event);
        self.sent += 1;
        Ok(())
    }
}

pub struct Inbox {
    inner: UnboundedReceiver<Event>,
}

impl Inbox {
    pub async fn recv(&mut self) -> Result<Event, RecvError> {
        match self.inner.recv().await {
            Some(event) => Ok(event),
            None => Err(RecvErrorSource::closed()),
        }
    }
}

struct RecvErrorSource;

impl RecvErrorSource {
    fn closed() -> RecvError {
        unimplemented!("a stand-in: the crate is never built")
    }
}
