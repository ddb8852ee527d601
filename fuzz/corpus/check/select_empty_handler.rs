async fn f() {
    tokio::select! {
        x = f() => ,
        _ = g(), if x => {}
    }
}
