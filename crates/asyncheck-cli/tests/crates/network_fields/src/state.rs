use std::sync::mpsc::Receiver;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;

pub struct Server {
    pub acceptor: Arc<TlsAcceptor>,
    pub results: Receiver<u64>,
}
