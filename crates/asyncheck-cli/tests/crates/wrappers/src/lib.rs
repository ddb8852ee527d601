mod conn;

use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub async fn serve(mut stream: TcpStream, mut stop: mpsc::Receiver<()>) {
    let mut buf = Vec::new();
    loop {
        tokio::select! {
            header = conn::read_header(&mut stream) => { //~ cancel-unsafe-select
                let _ = header;
            }
            read = conn::read_some(&mut stream, &mut buf) => {
                let _ = read;
            }
            _ = stop.recv() => {}
        }
    }
}

pub async fn push(mut peer: conn::Peer, mut frames: mpsc::Receiver<Vec<u8>>, ticks: mpsc::Receiver<()>) {
    let mut ticks = ticks;
    loop {
        tokio::select! {
            sent = peer.send_frame(b"ping") => { //~ cancel-unsafe-select
                let _ = sent;
            }
            Some(frame) = frames.recv() => {
                let _ = frame;
            }
            _ = ticks.recv() => {}
        }
    }
}
