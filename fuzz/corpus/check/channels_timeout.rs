use tokio::net::TcpStream;
use tokio::sync::mpsc::unbounded_channel;

async fn connect() -> std::io::Result<()> {
    let (tx, _rx) = unbounded_channel::<u8>();
    tx.send(1).ok();
    let s = TcpStream::connect("127.0.0.1:1").await?;
    tokio::time::timeout(std::time::Duration::from_secs(1), s.readable()).await.ok();
    Ok(())
}
