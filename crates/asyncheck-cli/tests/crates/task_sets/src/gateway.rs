use crate::aliases::Connections;

/// A task-set field typed by an alias declared in another file.
pub(crate) struct Gateway {
    conns: Connections,
    listener: tokio::net::TcpListener,
}

impl Gateway {
    pub(crate) async fn run(&mut self) {
        loop {
            let Ok((socket, _)) = self.listener.accept().await else {
                continue; //~ retry-without-backoff
            };
            self.conns.spawn(async move { drop(socket) }); //~ joinset-never-reaped unbounded-fanout
        }
    }
}
