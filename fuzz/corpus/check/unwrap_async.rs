async fn get(url: &str) -> anyhow::Result<String> {
    let body = reqwest::get(url).await.unwrap().text().await.expect("body");
    let n: u8 = body.parse().unwrap();
    Ok(format!("{n}"))
}
