pub use flume::*;
pub use tokio::task::*;
pub use crate::settings::read_settings as settings;
