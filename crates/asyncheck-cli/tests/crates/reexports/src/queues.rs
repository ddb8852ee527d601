pub use tokio::sync::mpsc::channel as bounded_queue;
pub use tokio::sync::mpsc::unbounded_channel as make_queue;
