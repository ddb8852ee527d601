//! A generated corpus of async Rust: many files of varied size built from
//! our own templates, with the constructs the rules look at (spawns,
//! channels, `select!`, locks, `?` and `match`, blocking calls, tests) mixed
//! with the plain code that makes up most of a real crate.

use std::path::{Path, PathBuf};

const HEADER: &str = "//! Generated for the asyncheck benchmark.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, RwLock, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
";

/// Item templates; `{N}` becomes a number unique in the file.
const ITEMS: &[&str] = &[
    r#"
/// Settings for worker {N}.
#[derive(Debug, Clone, Default)]
pub struct Config{N} {
    pub name: String,
    pub retries: u32,
    pub timeout: Duration,
    pub peers: Vec<String>,
    pub labels: HashMap<String, String>,
}

impl Config{N} {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), retries: 3, timeout: Duration::from_secs(5), ..Self::default() }
    }

    pub fn with_peer(mut self, peer: impl Into<String>) -> Self {
        self.peers.push(peer.into());
        self
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}
"#,
    r#"
pub async fn serve{N}(listener: TcpListener, token: CancellationToken) -> std::io::Result<()> {
    let limit = Arc::new(Semaphore::new(64));
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => {
                let (mut socket, peer) = accepted?;
                let permit = limit.clone().acquire_owned().await.expect("semaphore closed");
                tokio::spawn(async move {
                    let _permit = permit;
                    let mut buf = vec![0u8; 1024];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        if socket.write_all(&buf[..n]).await.is_err() {
                            tracing::warn!(%peer, "write failed");
                            break;
                        }
                    }
                });
            }
        }
    }
    Ok(())
}
"#,
    r#"
pub async fn fan_out{N}(urls: Vec<String>) -> Result<Vec<usize>, String> {
    let mut set = JoinSet::new();
    for url in urls {
        set.spawn(async move { fetch{N}(&url).await });
    }
    let mut sizes = Vec::new();
    while let Some(joined) = set.join_next().await {
        let size = joined.map_err(|e| e.to_string())??;
        sizes.push(size);
    }
    Ok(sizes)
}

async fn fetch{N}(url: &str) -> Result<Result<usize, String>, String> {
    tokio::time::sleep(Duration::from_millis(url.len() as u64)).await;
    Ok(Ok(url.len()))
}
"#,
    r#"
pub fn start_worker{N}() -> mpsc::UnboundedSender<String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        loop {
            let Some(job) = rx.recv().await else {
                continue;
            };
            println!("job {}", job);
        }
    });
    tx
}
"#,
    r#"
pub struct Cache{N} {
    entries: Mutex<HashMap<String, Vec<u8>>>,
    index: RwLock<Vec<String>>,
}

impl Cache{N} {
    pub async fn refresh(&self, key: String) -> Result<(), std::io::Error> {
        let bytes = tokio::fs::read(&key).await?;
        {
            let mut entries = self.entries.lock().unwrap();
            entries.insert(key.clone(), bytes);
        }
        let mut index = self.index.write().await;
        index.push(key);
        Ok(())
    }

    pub async fn size(&self) -> usize {
        let entries = self.entries.lock().unwrap();
        let total = entries.values().map(Vec::len).sum::<usize>();
        drop(entries);
        tokio::task::yield_now().await;
        total
    }
}
"#,
    r#"
pub fn parse_line{N}(line: &str) -> Result<(String, u64), String> {
    let mut parts = line.splitn(2, '=');
    let key = match parts.next() {
        Some(key) => key.trim().to_owned(),
        None => return Err(format!("no key in {line}")),
    };
    let value = match parts.next().map(str::trim).map(str::parse::<u64>) {
        Some(Ok(value)) => value,
        Some(Err(e)) => return Err(e.to_string()),
        None => return Err("no value".to_owned()),
    };
    if key.is_empty() {
        return Err("empty key".into());
    }
    Ok((key, value))
}
"#,
    r#"
pub async fn relay{N}(mut stream: TcpStream, mut shutdown: oneshot::Receiver<()>) -> std::io::Result<u64> {
    let mut total = 0u64;
    let mut header = [0u8; 4];
    loop {
        tokio::select! {
            _ = &mut shutdown => return Ok(total),
            read = stream.read(&mut header) => {
                let n = read?;
                if n == 0 {
                    return Ok(total);
                }
                total += n as u64;
            }
        }
    }
}
"#,
    r#"
/// Sums in a sync helper: most code in a crate is plain code like this.
pub fn checksum{N}(data: &[u8]) -> u32 {
    let mut a: u32 = 1;
    let mut b: u32 = 0;
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a = a.wrapping_add(u32::from(byte));
            b = b.wrapping_add(a);
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

pub fn describe{N}(values: &[i64]) -> String {
    let max = values.iter().copied().max().unwrap_or_default();
    let min = values.iter().copied().min().unwrap_or_default();
    let mean = if values.is_empty() { 0.0 } else { values.iter().sum::<i64>() as f64 / values.len() as f64 };
    format!("min={min} max={max} mean={mean:.2} n={}", values.len())
}
"#,
    r#"
pub async fn connect{N}(addr: &str) -> std::io::Result<TcpStream> {
    let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    stream.set_nodelay(true)?;
    Ok(stream)
}

pub async fn load{N}(path: &str) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.trim().to_owned())
}
"#,
    r#"
#[cfg(test)]
mod tests{N} {
    use super::*;

    #[tokio::test]
    async fn roundtrip() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(1u32).unwrap();
        assert_eq!(rx.recv().await, Some(1));
    }

    #[test]
    fn parses() {
        let values = vec![1, 2, 3];
        assert_eq!(values.iter().sum::<i32>(), 6, "sum of {:?}", values);
    }
}
"#,
];

/// Writes files under `folder` until they hold `total_bytes`; returns them
/// sorted by path. The same seed gives the same corpus.
pub fn generate(folder: &Path, total_bytes: usize, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut files = Vec::new();
    let mut written = 0;
    while written < total_bytes {
        // Mostly small and medium files, some large ones, as in real crates.
        let target = match rng.u32(0..100) {
            0..=59 => rng.usize(1_000..8_000),
            60..=94 => rng.usize(8_000..40_000),
            _ => rng.usize(40_000..200_000),
        };
        let mut text = String::from(HEADER);
        let mut n = 0;
        while text.len() < target {
            let template = ITEMS[rng.usize(0..ITEMS.len())];
            text.push_str(&template.replace("{N}", &n.to_string()));
            n += 1;
        }
        let index = files.len();
        let path = folder.join(format!("crate{}/src/module_{index:05}.rs", index / 200));
        std::fs::create_dir_all(path.parent().unwrap_or(folder))?;
        std::fs::write(&path, &text)?;
        written += text.len();
        files.push(path);
    }
    files.sort();
    Ok(files)
}
