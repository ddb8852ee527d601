async fn broken() {
    tokio::select! {
        v = = rx.recv() =>
        , if => {
        else =>
    }
    let x = match y { Ok(v) => v, Err(e) => return Err(e) ;
}
