use std::thread;
use std::time::Duration;

/// Waits, then reads a file: both block the worker thread.
async fn load() -> std::io::Result<usize> {
    thread::sleep(Duration::from_millis(1));
    let text = std::fs::read_to_string("Cargo.toml")?;
    Ok(text.len())
}

/// Both results only go up with `?`.
async fn both() -> std::io::Result<usize> {
    let (first, second) = tokio::join!(load(), load());
    first?;
    Ok(second?)
}

fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n = match text.trim().parse::<u32>() {
        Ok(n) => n,
        Err(e) => return Err(e),
    };
    Ok(n + 1)
}

/// Takes permits and lets them go at once: the limit does not hold.
async fn limited(limit: &tokio::sync::Semaphore) {
    let _ = limit.acquire_many(2).await;
    let _ = limit.acquire().await;
    tokio::task::yield_now().await;
}

/// Takes a permit if one is free, and lets it go at once.
fn try_limited(limit: &tokio::sync::Semaphore) -> bool {
    let Ok(_) = limit.try_acquire() else {
        return false;
    };
    true
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    println!("{} {:?}", both().await?, parse("41"));
    limited(&tokio::sync::Semaphore::new(2)).await;
    println!("{}", try_limited(&tokio::sync::Semaphore::new(1)));
    Ok(())
}
