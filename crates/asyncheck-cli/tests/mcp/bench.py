"""Times `check` of a 1,000-line snippet through `asyncheck mcp` (raw
newline-delimited JSON-RPC, as an MCP client sends it).

Usage: bench.py ASYNCHECK [ROUNDS]. Prints the median and the slowest
round trip. See BENCHMARKS.md, "MCP server".
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BLOCK = """async fn handler_{n}(state: Arc<Mutex<State>>, tx: mpsc::Sender<u64>) -> Result<u64, Error> {{
    let guard = state.lock().unwrap();
    let value = guard.value + {n};
    drop(guard);
    std::thread::sleep(Duration::from_millis(1));
    let handle = tokio::spawn(async move {{ value * 2 }});
    tx.send(value).await.map_err(|_| Error::Closed)?;
    let doubled = handle.await.map_err(|_| Error::Join)?;
    Ok(doubled)
}}

"""
HEADER = """use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

"""


def main():
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    code = HEADER + "".join(BLOCK.format(n=n) for n in range(91))
    lines = code.count("\n")
    with tempfile.TemporaryDirectory() as root:
        server = subprocess.Popen([binary, "mcp"], cwd=root, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

        def request(id, method, params):
            server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}) + "\n")
            server.stdin.flush()
            return json.loads(server.stdout.readline())

        request(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                  "clientInfo": {"name": "bench", "version": "1"}})
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        times = []
        for id in range(1, rounds + 1):
            start = time.perf_counter()
            answer = request(id, "tools/call", {"name": "check", "arguments": {"code": code, "filename": "src/lib.rs", "select": ["all"]}})
            times.append((time.perf_counter() - start) * 1000)
        findings = len(answer["result"]["structuredContent"]["diagnostics"])
        server.stdin.close()
        server.wait()
    print(f"{lines} lines, {findings} findings, {rounds} rounds: "
          f"median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms")


main()
