"""Load benchmark of `wandb-agent mcp --http` against the local emulator.

50 clients (half with each of the emulator's two users' keys) open their own MCP session with
the official Python SDK's Streamable HTTP client, at the same time, and each makes N tool calls
one after another (alternately `wandb_list_runs` and `wandb_summary`). Reported: calls per
second over the whole run, the p50 and p99 latency of one call as the client sees it, and the
server process's peak RSS (VmHWM). Run: `python3 bench/mcp_load.py [CLIENTS] [CALLS]` after
`cargo build --release` (scripts/bench.sh does both).
"""

import asyncio
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/mcp"))
from test_mcp_http import ACME_KEY, BIN, DEMO_KEY, Server, with_session  # noqa: E402

CALLS = {
    DEMO_KEY: [("wandb_list_runs", {"project": "demo/vision", "limit": 5}),
               ("wandb_summary", {"run": "demo/vision/x7k2m9qa"})],
    ACME_KEY: [("wandb_list_runs", {"project": "acme/private"}),
               ("wandb_summary", {"run": "acme/private/acme0001"})],
}


async def client(url, key, calls, latencies):
    async def work(call):
        for i in range(calls):
            name, args = CALLS[key][i % 2]
            t0 = time.perf_counter()
            err, text = await call(name, args)
            latencies.append(time.perf_counter() - t0)
            if err:
                raise SystemExit(f"{name} failed: {text}")
    await with_session(url, key, work)


async def load(url, clients, calls):
    latencies = []
    t0 = time.perf_counter()
    await asyncio.gather(*(client(url, DEMO_KEY if i % 2 == 0 else ACME_KEY, calls, latencies)
                           for i in range(clients)))
    return time.perf_counter() - t0, sorted(latencies)


def peak_rss_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main():
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    emulator = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0",
                                 "--api-key", DEMO_KEY], stdout=subprocess.PIPE, text=True)
    try:
        base_url = re.search(r"http://127\.0\.0\.1:\d+", emulator.stdout.readline()).group(0)
        # Every session costs a few requests (initialize, initialized, list, close) on top of
        # its calls; the rate limits and session caps are raised so it measures the server,
        # not the limiter (all clients come from one address, half of them with each key).
        server = Server(base_url, "--rate", "100000/min", "--open-rate", "100000/min",
                        "--max-sessions-per-key", str(max(20, clients)))
        try:
            idle_rss = peak_rss_mib(server.proc.pid)
            wall, latencies = asyncio.run(load(server.url, clients, calls))
            rss = peak_rss_mib(server.proc.pid)
        finally:
            server.stop()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    n = len(latencies)
    p99 = latencies[min(n - 1, int(n * 0.99))]
    print(f"{clients} concurrent clients x {calls} calls = {n} calls in {wall:.1f} s")
    print("| clients | calls | calls/s | p50 latency | p99 latency | server peak RSS (idle) |")
    print("|---|---|---|---|---|---|")
    print(f"| {clients} | {n} | {n / wall:.0f} | {statistics.median(latencies) * 1000:.0f} ms "
          f"| {p99 * 1000:.0f} ms | {rss:.0f} MiB ({idle_rss:.0f} MiB) |")


if __name__ == "__main__":
    main()
