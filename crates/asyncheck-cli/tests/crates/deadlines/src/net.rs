use tokio::net::TcpStream;

pub(crate) async fn dial(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await
}

pub(crate) async fn dial_inside(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await
}

pub(crate) async fn dial_raced(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await
}

pub(crate) async fn dial_twice(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await //~ missing-timeout
}

pub async fn dial_public(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await
}

/// Never called: nothing puts a deadline on it.
pub(crate) async fn dial_unused(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr).await //~ missing-timeout
}
