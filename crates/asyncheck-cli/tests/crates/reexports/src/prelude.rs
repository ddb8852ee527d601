pub use flume::*;
pub use tokio::task::*;
