use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads a 4-byte header: `read_exact` loses the bytes it read when the
/// future is dropped half-way.
pub async fn read_header(stream: &mut TcpStream) -> std::io::Result<[u8; 4]> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await?;
    Ok(header)
}

/// `read_buf` keeps what it read in the buffer: cancel safe.
pub async fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    stream.read_buf(buf).await
}

pub struct Peer {
    stream: TcpStream,
}

impl Peer {
    pub async fn send_frame(&mut self, frame: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(frame).await
    }
}
