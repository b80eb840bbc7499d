"""Speed and size benchmark of the CLI against the local emulator.

Measures: component and binary size; the first call on a machine (component compiled and
cached); warm calls (precompiled component loaded from the cache) for each operation, as
median wall time over N runs and peak RSS. Run: `python3 bench/speed.py [N]` after
`cargo build --release` (scripts/bench.sh does both).
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"


def measure(env, args, n):
    walls, rss = [], 0
    for _ in range(n):
        w, r = run_rss(env, args)
        walls.append(w)
        rss = max(rss, r)
    return statistics.median(walls), rss


def run_rss(env, args):
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "wandb-agent"), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{args} failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    server = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY],
                              stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
    cache = tempfile.mkdtemp(prefix="wandb-agent-cache-")
    env = {"PATH": os.environ["PATH"], "HOME": cache, "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY,
           "WANDB_AGENT_CACHE_DIR": cache}
    try:
        wasm = ROOT / "target/guest/wandb-agent.wasm"
        print(f"component: {wasm.stat().st_size / 1024:.0f} KiB; CLI binary: "
              f"{(BIN / 'wandb-agent').stat().st_size / 2**20:.1f} MiB\n")
        first, first_rss = run_rss(env, ["list-runs", "demo/vision"])
        print("| call | median wall | peak RSS |")
        print("|---|---:|---:|")
        print(f"| first call on a machine (compile + cache the component), list-runs | {first * 1000:.0f} ms | {first_rss / 1024:.0f} MiB |")
        nocache = measure(env, ["--no-cache", "list-runs", "demo/vision"], max(3, n // 5))
        print(f"| list-runs with --no-cache (compile every call) | {nocache[0] * 1000:.0f} ms | {nocache[1] / 1024:.0f} MiB |")
        ops = [
            ("list-runs demo/vision", ["list-runs", "demo/vision"]),
            ("summary (1.2M-step run)", ["summary", "demo/vision/l0ng1m2x"]),
            ("history 3 keys, 1.2M steps, default", ["history", "demo/vision/l0ng1m2x", "--keys", "loss,val_loss,grad_norm"]),
            ("history --stats 3 keys", ["history", "demo/vision/l0ng1m2x", "--keys", "loss,val_loss,grad_norm", "--stats"]),
            ("history window of 100 steps", ["history", "demo/vision/l0ng1m2x", "--keys", "loss", "--min-step", "812300", "--max-step", "812399"]),
            ("diagnose (1.2M-step run)", ["diagnose", "demo/vision/l0ng1m2x"]),
        ]
        for name, args in ops:
            wall, rss = measure(env, args, n)
            print(f"| {name} (warm cache) | {wall * 1000:.1f} ms | {rss / 1024:.0f} MiB |")
        print(f"\nmedian of {n} runs; the emulator's own time (it generates history rows on the fly) is included.")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
