"""What sessions cost `wandb-agent mcp --http`, measured against the local emulator.

Opens N sessions (initialize + initialized, as a client does; kept open) with one valid key
and reports the server's resident memory before and after, per session; then sends 5,000
`initialize` requests with made-up keys from 20 loopback addresses and reports what they cost
(they open no session). Run: `python3 bench/mcp_sessions.py [N]` after `cargo build --release`.
"""

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/mcp"))
from test_mcp_http import BIN, DEMO_KEY, INITIALIZE, Server  # noqa: E402
from test_mcp_http_attacks import host_port, raw_initialize, rss_mib  # noqa: E402

INITIALIZED = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})


def settle(pid):
    time.sleep(2)
    return rss_mib(pid)


def open_sessions(url, n):
    host, port = host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    for _ in range(n):
        status, session, body = raw_initialize(conn, DEMO_KEY)
        assert status == 200 and session, (status, body)
        conn.request("POST", "/mcp", body=INITIALIZED, headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Authorization": f"Bearer {DEMO_KEY}", "Mcp-Session-Id": session})
        response = conn.getresponse()
        response.read()
        assert response.status == 202, response.status


def made_up_flood(url):
    host, port = host_port(url)
    counts = {}
    lock = threading.Lock()

    def attacker(n):
        conn = http.client.HTTPConnection(host, port, timeout=60,
                                          source_address=(f"127.0.1.{n}", 0))
        for i in range(250):
            status, _, _ = raw_initialize(conn, f"madeup{n:03d}{i:05d}" + "0" * 28)
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(1, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    emulator = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0",
                                 "--api-key", DEMO_KEY], stdout=subprocess.PIPE, text=True)
    try:
        base_url = re.search(r"http://127\.0\.0\.1:\d+", emulator.stdout.readline()).group(0)
        server = Server(base_url, "--open-rate", "100000/min", "--rate", "100000/min",
                        "--max-sessions-per-key", str(n), "--max-sessions", str(n))
        try:
            # One session first, so what every server loads once is not counted per session.
            open_sessions(server.url, 1)
            before = settle(server.proc.pid)
            t0 = time.monotonic()
            open_sessions(server.url, n - 1)
            took = time.monotonic() - t0
            after = settle(server.proc.pid)
        finally:
            server.stop()
        server = Server(base_url)
        try:
            idle = settle(server.proc.pid)
            counts = made_up_flood(server.url)
            flooded = settle(server.proc.pid)
        finally:
            server.stop()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    per = (after - before) * 1024 / (n - 1)
    print(f"{n - 1} sessions opened in {took:.1f} s: RSS {before:.1f} -> {after:.1f} MiB, "
          f"{per:.0f} KiB per session")
    print(f"5,000 initializes with made-up keys from 20 addresses: {counts}; "
          f"RSS {idle:.1f} -> {flooded:.1f} MiB")


if __name__ == "__main__":
    main()
