mod error;
mod events;
mod outbox;
mod worker;

use error::{BatchResult, Fallible, Report};

pub async fn port(text: &str) -> Fallible<u16> {
    let port = text.parse::<u16>().ok().unwrap(); //~ unwrap-in-fallible-async
    Ok(port)
}

pub async fn ports(text: &str) -> Report<u16> {
    vec![text.parse::<u16>().ok().unwrap()]
}

pub async fn batch(text: &str) -> BatchResult {
    vec![text.parse::<u16>().ok().unwrap()]
}
