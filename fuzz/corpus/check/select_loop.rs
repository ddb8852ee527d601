use tokio::sync::mpsc;

async fn run(mut rx: mpsc::Receiver<u32>, mut stop: mpsc::Receiver<()>) {
    loop {
        tokio::select! {
            Some(v) = rx.recv() => println!("{v}"),
            _ = stop.recv(), if true => break,
            _ = read_frame(&mut rx) => {}
            else => return,
        }
    }
}
