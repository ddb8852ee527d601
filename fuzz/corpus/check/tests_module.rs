// asyncheck: allow(unwrap-in-fallible-async)
#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn t() -> Result<(), ()> {
        let g = std::sync::Mutex::new(0);
        let x = g.lock().unwrap();
        async {}.await;
        Ok(drop(x))
    }
}
