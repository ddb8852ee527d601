use tokio::sync::mpsc;

/// The channel's ends, named once for the crate.
pub type EventSender = mpsc::UnboundedSender<u64>;

/// Not a channel: a list that happens to have a `send` method.
pub type Outbox = crate::outbox::Outbox;
