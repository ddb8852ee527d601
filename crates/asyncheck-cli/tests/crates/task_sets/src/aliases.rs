pub type Connections = tokio::task::JoinSet<()>;
