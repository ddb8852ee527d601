async fn tail() -> Result<(), E> {
    let v = vec![m.lock().unwrap(), y