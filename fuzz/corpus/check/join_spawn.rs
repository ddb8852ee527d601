async fn both() -> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = tokio::join!(load(1), load(2));
    let h = tokio::spawn(async move { a.unwrap() + 1 });
    let _ = tokio::try_join!(h, tokio::spawn(async { 2 }))?;
    futures::future::join_all(vec![load(3), load(4)]).await;
    drop(b);
    Ok(())
}
