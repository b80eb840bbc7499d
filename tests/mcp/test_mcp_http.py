"""MCP over Streamable HTTP: the official `mcp` Python SDK's Streamable HTTP client drives
`wandb-agent mcp --http` against the emulator, which knows two users with their own keys and
their own data (`demo/...` and `acme/private`).

Checked: two clients with different keys call concurrently and each sees only its own data,
although the server itself was started with the first user's key in its environment; requests
without a key, or with one W&B rejects, are refused with 401 and one JSON-RPC error line; 50
concurrent calls complete;
a slow call does not hold up the others; --max-concurrent bounds the calls running at once and
the CLI's limits apply; the per-key rate limit answers 429 with Retry-After and leaves other
keys alone; a non-loopback address needs --public; the keys appear in no output of the server.
Attacks (floods, stolen session ids, slow and large requests) are in test_mcp_http_attacks.py. Run: `python3 tests/mcp/test_mcp_http.py` after `cargo build --release`.
"""

import asyncio
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target/release"
DEMO_KEY = "demo_0123456789abcdef0123456789abcdef0123"
ACME_KEY = "acme_fedcba9876543210fedcba9876543210fedc"  # the emulator's second user


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


class Server:
    """`wandb-agent mcp --http` on a free loopback port; its stderr is kept for inspection."""

    def __init__(self, base_url, *flags, env_key=DEMO_KEY, listen="127.0.0.1:0"):
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
               "WANDB_BASE_URL": base_url}
        if env_key:
            env["WANDB_API_KEY"] = env_key
        self.proc = subprocess.Popen(
            [str(BIN / "wandb-agent"), "mcp", "--http", listen, *flags],
            env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.time() + 60
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            match = re.search(r"on (http://[\d.]+:\d+/mcp)", line)
            if match:
                self.url = match.group(1)
                break

    def _pump(self):
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        return "".join(self.stderr) + (self.proc.stdout.read() or "")


def post(url, body, headers):
    """A raw JSON-RPC POST; returns (status, headers, body text)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Accept": "application/json, text/event-stream", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "raw", "version": "1"}}}


async def with_session(url, key, work):
    """Opens an MCP session with `key` as the Bearer token and runs `work(call)`."""
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http:
        async with streamable_http_client(url, http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()

                async def call(name, args):
                    result = await session.call_tool(name, args)
                    return result.is_error, text_of(result)

                return await work(call)


async def demo_client(call):
    err, own = await call("wandb_list_runs", {"project": "demo/vision", "limit": 3})
    assert not err and own.splitlines()[1].startswith("k5e6y7mx,"), own
    err, theirs = await call("wandb_list_runs", {"project": "acme/private"})
    assert err and "acme0001" not in theirs, theirs
    err, summary = await call("wandb_summary", {"run": "demo/vision/x7k2m9qa"})
    assert not err and '"name":"sgd"' in summary, summary
    return own


async def acme_client(call):
    err, own = await call("wandb_list_runs", {"project": "acme/private"})
    assert not err and "acme0001,acme-private-baseline" in own, own
    # No default entity from the server's environment reaches a client's calls.
    err, bare = await call("wandb_list_runs", {"project": "vision"})
    assert err and "expected ENTITY/PROJECT" in bare, bare
    err, theirs = await call("wandb_list_runs", {"project": "demo/vision"})
    assert err and "x7k2m9qa" not in theirs, theirs
    err, theirs = await call("wandb_summary", {"run": "demo/vision/x7k2m9qa"})
    assert err and "sgd" not in theirs, theirs
    return own


async def tenants_and_load(url):
    demo, acme = await asyncio.gather(with_session(url, DEMO_KEY, demo_client),
                                      with_session(url, ACME_KEY, acme_client))
    assert "acme0001" not in demo and "x7k2m9qa" not in acme
    print("two clients with their own keys, concurrently: each saw only its own data")

    # A key W&B rejects opens no session: it is checked (once) before one exists.
    for _ in range(2):
        status, hdrs, body = post(url, INITIALIZE, {"Authorization": "Bearer wrong_" + "0" * 34})
        assert status == 401 and hdrs.get("WWW-Authenticate") == "Bearer", (status, body)
        message = json.loads(body)["error"]["message"]
        assert "check the W&B API key your client sends as `Authorization: Bearer <key>`" in message, body
    print("a key W&B rejects: initialize refused with 401, one line naming the client's Bearer key")

    # 50 concurrent calls, from 50 sessions with alternating keys.
    async def one(i):
        key, project, marker = ((DEMO_KEY, "demo/vision", "k5e6y7mx") if i % 2 == 0
                                else (ACME_KEY, "acme/private", "acme0001"))

        async def work(call):
            return await call("wandb_list_runs", {"project": project, "limit": 5})
        err, text = await with_session(url, key, work)
        assert not err and marker in text, (i, text)
        return time.monotonic()

    start = time.monotonic()
    ends = await asyncio.gather(*(one(i) for i in range(50)))
    print(f"50 concurrent calls completed in {max(ends) - start:.1f} s, each with its own client's data")

    # A slow call (demo/slow answers after 3 s) does not hold up the others.
    async def slow(call):
        t0 = time.monotonic()
        err, text = await call("wandb_list_runs", {"project": "demo/slow"})
        assert not err and "x7k2m9qa" in text, text
        return time.monotonic() - t0

    async def fast(call):
        await asyncio.sleep(0.3)  # let the slow call start first
        t0 = time.monotonic()
        for _ in range(5):
            err, text = await call("wandb_list_runs", {"project": "acme/private"})
            assert not err, text
        return time.monotonic() - t0

    slow_s, fast_s = await asyncio.gather(with_session(url, DEMO_KEY, slow),
                                          with_session(url, ACME_KEY, fast))
    assert slow_s >= 3.0, slow_s
    assert fast_s < 2.0, f"5 fast calls took {fast_s:.1f} s next to a slow one"
    print(f"a slow call ({slow_s:.1f} s) did not hold up 5 others ({fast_s:.2f} s together)")


def refusals(url):
    for headers in [{}, {"Authorization": "Basic YXBpOnNlY3JldA=="}, {"Authorization": "Bearer "}]:
        status, hdrs, body = post(url, INITIALIZE, headers)
        assert status == 401, (headers, status, body)
        assert hdrs.get("WWW-Authenticate") == "Bearer", dict(hdrs)
        assert "\n" not in body.strip(), body
        error = json.loads(body)
        assert error["jsonrpc"] == "2.0" and error["id"] is None, error
        assert "Authorization: Bearer" in error["error"]["message"], error
    status, _, body = post(url, INITIALIZE, {"Authorization": f"Bearer {DEMO_KEY}"})
    assert status == 200, (status, body)
    print("requests without a Bearer key refused: 401, one JSON-RPC error line")


async def keyless_client_is_refused(url):
    """The official client without a key gets nowhere (its initialize fails)."""
    try:
        async with streamable_http_client(url) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await asyncio.wait_for(session.initialize(), timeout=20)
    except BaseException as err:  # the SDK raises its HTTP error inside a task group
        if isinstance(err, KeyboardInterrupt):
            raise
        return
    raise AssertionError("a client without a key completed initialize")


def rate_limit(base_url):
    server = Server(base_url, "--rate", "3/min")
    try:
        statuses = [post(server.url, INITIALIZE, {"Authorization": f"Bearer {DEMO_KEY}"})[0]
                    for _ in range(3)]
        assert statuses == [200, 200, 200], statuses
        status, hdrs, body = post(server.url, INITIALIZE, {"Authorization": f"Bearer {DEMO_KEY}"})
        assert status == 429, (status, body)
        assert int(hdrs["Retry-After"]) >= 1, dict(hdrs)
        assert "rate limit: at most 3/min requests per key" in json.loads(body)["error"]["message"], body
        # Another client is not held back.
        assert post(server.url, INITIALIZE, {"Authorization": f"Bearer {ACME_KEY}"})[0] == 200
    finally:
        output = server.stop()
    assert DEMO_KEY not in output and ACME_KEY not in output, output
    print("rate limit: the 4th request in a minute got 429 with Retry-After; another key was served")


def slots_and_limits(base_url):
    """--max-concurrent 1 makes a second call wait for the first; the CLI's limits apply."""
    server = Server(base_url, "--rate", "1000/min", "--max-concurrent", "1", "--max-requests", "1")

    async def slow(call):
        err, text = await call("wandb_list_runs", {"project": "demo/slow"})
        assert not err, text

    async def queued(call):
        await asyncio.sleep(0.3)
        t0 = time.monotonic()
        err, text = await call("wandb_list_runs", {"project": "acme/private"})
        assert not err, text
        return time.monotonic() - t0

    async def limited(call):
        return await call("wandb_diagnose", {"run": "demo/vision/l0ng1m2x"})

    async def both():
        _, waited = await asyncio.gather(with_session(server.url, DEMO_KEY, slow),
                                         with_session(server.url, ACME_KEY, queued))
        return waited, await with_session(server.url, DEMO_KEY, limited)

    try:
        waited, (err, text) = asyncio.run(both())
    finally:
        server.stop()
    assert waited >= 2.0, f"the second call ran alongside the first ({waited:.1f} s)"
    assert err and "--max-requests" in text, text
    print(f"--max-concurrent 1: a call waited {waited:.1f} s for the slot; --max-requests 1 stopped a diagnosis")


def a_waiting_call_is_not_cut(base_url):
    """A call that waits on purpose (wandb_watch with a wait) runs past the server's 10 s
    header and body timeouts: only a connection idle between requests is cut."""
    server = Server(base_url, "--rate", "1000/min")
    # A stalled run: it may still log again, so a wait is held (one that ended returns at once).
    run = "demo/sweep/sw000149"

    async def work(call):
        err, first = await call("wandb_watch", {"run": run})
        assert not err, first
        cursor = first.strip().splitlines()[-1].split("--cursor ")[1]
        t0 = time.monotonic()
        err, text = await call("wandb_watch", {"run": run, "cursor": cursor, "wait": 25})
        return err, text, time.monotonic() - t0

    try:
        err, text, took = asyncio.run(with_session(server.url, DEMO_KEY, work))
    finally:
        server.stop()
    assert not err and "with no news" in text and text.startswith("stalled: step "), text
    assert took >= 15, f"answered after {took:.1f} s"
    print(f"a waiting wandb_watch call answered after {took:.1f} s, past the 10 s timeouts")


def listen_rules():
    plain = subprocess.run([str(BIN / "wandb-agent"), "mcp", "--http", "0.0.0.0:0"],
                           capture_output=True, text=True, timeout=60)
    assert plain.returncode == 2, plain
    assert plain.stderr.count("\n") == 1 and "--public" in plain.stderr, plain.stderr
    public = subprocess.Popen([str(BIN / "wandb-agent"), "mcp", "--http", "0.0.0.0:0", "--public"],
                              stderr=subprocess.PIPE, text=True)
    try:
        first = public.stderr.readline()
        assert first.startswith("warning: serving MCP on 0.0.0.0:"), first
    finally:
        public.terminate()
        public.wait(timeout=10)
    print("a non-loopback address is refused without --public, and warned about with it")


def main():
    emulator = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0",
                                 "--api-key", DEMO_KEY], stdout=subprocess.PIPE, text=True)
    try:
        base_url = re.search(r"http://127\.0\.0\.1:\d+", emulator.stdout.readline()).group(0)
        # 50 sessions at once from one address, 25 per key: above the default caps.
        server = Server(base_url, "--rate", "1000/min", "--open-rate", "1000/min",
                        "--max-sessions-per-key", "50")
        try:
            refusals(server.url)
            asyncio.run(keyless_client_is_refused(server.url))
            asyncio.run(tenants_and_load(server.url))
        finally:
            output = server.stop()
        # The server's own environment held DEMO_KEY; neither key reaches its output.
        assert DEMO_KEY not in output and ACME_KEY not in output, output
        rate_limit(base_url)
        slots_and_limits(base_url)
        a_waiting_call_is_not_cut(base_url)
        listen_rules()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    print("MCP over HTTP OK")


if __name__ == "__main__":
    sys.exit(main())
