"""Times the language server from a change to its diagnostics on a large file.

Usage: latency.py ASYNCHECK [ROUNDS] [LINES]. Starts `asyncheck server`, opens
a file of about LINES lines (3,000 by default) in a cargo project, then sends
ROUNDS edits (`didChange`, full text) and measures each one from the write of
the change to the `publishDiagnostics` for that version. The server waits
250 ms of quiet typing before it checks (its debounce); that wait is
subtracted. Prints the median and the slowest. See BENCHMARKS.md.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

DEBOUNCE = 0.250

BLOCK = """async fn handler_{n}(state: Arc<Mutex<State>>, tx: mpsc::Sender<u64>) -> Result<u64, Error> {{
    let guard = state.lock().unwrap();
    let value = guard.value + {n};
    drop(guard);
    let handle = tokio::spawn(async move {{ value * 2 }});
    tx.send(value).await.map_err(|_| Error::Closed)?;
    let doubled = handle.await.map_err(|_| Error::Join)?;
    Ok(doubled)
}}

"""
HEADER = """use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

pub struct State { pub value: u64 }
pub enum Error { Closed, Join }

"""


def send(stdin, message):
    body = json.dumps(message).encode()
    stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stdin.flush()


def read_messages(stdout, published):
    while True:
        length = None
        while True:
            line = stdout.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message = json.loads(stdout.read(length))
        if message.get("method") == "textDocument/publishDiagnostics":
            published.append((time.perf_counter(), message["params"].get("version")))


def main():
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    target_lines = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    blocks = max(1, (target_lines - HEADER.count("\n")) // BLOCK.count("\n"))
    code = HEADER + "".join(BLOCK.format(n=n) for n in range(blocks))
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "src"))
        with open(os.path.join(root, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "latency"\nversion = "0.1.0"\nedition = "2021"\n'
                    '[dependencies]\ntokio = { version = "1", features = ["full"] }\n')
        path = os.path.join(root, "src", "lib.rs")
        uri = "file://" + path
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(root, "cache"))
        server = subprocess.Popen([binary, "server"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, cwd=root, env=env)
        published = []
        reader = threading.Thread(target=read_messages, args=(server.stdout, published),
                                  daemon=True)
        reader.start()
        send(server.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                            "params": {"capabilities": {}, "rootUri": "file://" + root}})
        time.sleep(0.5)
        send(server.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                            "params": {"textDocument": {"uri": uri, "languageId": "rust",
                                                        "version": 1, "text": code}}})
        time.sleep(2)
        times = []
        for version in range(2, rounds + 2):
            text = code + "// edit %d\n" % version
            start = time.perf_counter()
            send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didChange",
                                "params": {"textDocument": {"uri": uri, "version": version},
                                           "contentChanges": [{"text": text}]}})
            deadline = start + 10
            while time.perf_counter() < deadline:
                done = [t for t, v in published if v == version]
                if done:
                    times.append(done[0] - start - DEBOUNCE)
                    break
                time.sleep(0.001)
            time.sleep(0.3)
        send(server.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        send(server.stdin, {"jsonrpc": "2.0", "method": "exit"})
        server.wait(timeout=10)
    lines = code.count("\n")
    if not times:
        print("no diagnostics were published")
        sys.exit(1)
    print("%d lines, %d edits: after the %d ms debounce, median %.1f ms, slowest %.1f ms"
          % (lines, len(times), DEBOUNCE * 1000, statistics.median(times) * 1000,
             max(times) * 1000))


if __name__ == "__main__":
    main()
