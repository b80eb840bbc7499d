"""Sandbox benchmark: the CLI's peak RSS while the hostile test component (tests/escape-guest)
tries to make the host allocate on its behalf, under a given --max-memory-mb.

Prints a Markdown table: attack, limit, the one-line result, peak RSS (wait4's ru_maxrss) and
wall time. Run: `python3 bench/sandbox.py` after `cargo build --release` (scripts/bench.sh
does both).
"""

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("WANDB_AGENT_BIN_DIR", ROOT / "target/release"))
ESCAPE = ROOT / "target/guest/wasm32-wasip2/guest/escape_guest.wasm"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"

ATTACKS = [
    ("none (`summary env`, baseline)", "env", 256),
    ("20,000 header maps of 120 KB", "header-maps 20000 120000", 256),
    ("20,000 header maps of 8 KB", "header-maps 20000 8000", 256),
    ("20,000 header maps of 8 KB", "header-maps 20000 8000", 32),
    ("12,000 kept requests", "requests 12000", 256),
    ("100,000 kept pollables", "handles 100000", 256),
    ("5,000 bodies written, never sent", "unsent-bodies 5000", 256),
    ("5,000 requests with 60 KB paths", "paths 5000 60000", 256),
    ("1,000 requests with 60 KB paths", "paths 1000 60000", 32),
    ("200 MiB of linear memory, then 1,000 requests with 60 KB paths", "paths 1000 60000 ballast 200", 256),
    ("one header list of 60,000 × 1 KB", "header-list 60000 1000", 256),
    ("unbounded linear memory", "alloc", 256),
]


def main():
    server = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY],
                              stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
    cache = tempfile.mkdtemp(prefix="wandb-agent-cache-")
    env = {"PATH": os.environ["PATH"], "HOME": cache, "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY,
           "WANDB_AGENT_CACHE_DIR": cache}
    try:
        measure(env, "env", 256)  # compile and cache the component first: compiling is not an attack
        print("| attack | `--max-memory-mb` | result | peak RSS | wall |")
        print("|---|---:|---|---:|---:|")
        for name, spec, limit in ATTACKS:
            line, rss_kib, wall = measure(env, spec, limit)
            result = line if len(line) < 90 else line[:87] + "..."
            print(f"| {name} | {limit} | {result} | {rss_kib / 1024:.0f} MiB | {wall * 1000:.0f} ms |")
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure(env, spec, limit):
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "wandb-agent"), "--component", str(ESCAPE), "--max-memory-mb", str(limit),
                             "summary", spec], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return (err.strip() or out.strip()), usage.ru_maxrss, wall


if __name__ == "__main__":
    main()
