async fn slow() {
    std::thread::sleep(std::time::Duration::from_millis(5));
    let _ = std::fs::read_to_string("a.txt");
    let h = tokio::runtime::Handle::current();
    h.block_on(async { 1 });
    futures::executor::block_on(async {});
}
