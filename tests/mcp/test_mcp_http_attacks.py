"""`wandb-agent mcp --http` under attack, against the emulator (loopback only).

Checked: 5,000 `initialize` requests with made-up keys from 20 addresses grow the server by at
most 100 MiB, open no session, and a real client is still served; one key holds at most
--max-sessions-per-key sessions; a session cannot be used, read (GET, with or without
Last-Event-ID) or closed with another key (404, as if it did not exist) and still works for its
own; 200 half-sent requests (headers or body) are closed within 35 s while a real client is
served; a 4 MB body gets 413 before it is read, and a chunked one once it passes 64 KiB; one
key's slow calls leave another key a slot; `mcp --http 127.0.0.2:PORT` serves, and still
refuses a foreign Host; a sessionless call (2026-07-28) passes the same key check and address
rate; the soft open-files limit is raised to the hard one and the connection cap fits in it.
Run: `python3 tests/mcp/test_mcp_http_attacks.py` after `cargo build --release`.
"""

import asyncio
import json
import re
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time
import http.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_mcp_http import (  # noqa: E402
    ACME_KEY, BIN, DEMO_KEY, INITIALIZE, Server, post, with_session)

MIB = 1024 * 1024


def rss_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def peak_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def host_port(url):
    match = re.match(r"http://([\d.]+):(\d+)/mcp", url)
    return match.group(1), int(match.group(2))


def raw_initialize(conn, key, session=None):
    """One initialize on a kept-alive connection; returns (status, session id, body)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "Authorization": f"Bearer {key}"}
    if session:
        headers["Mcp-Session-Id"] = session
    conn.request("POST", "/mcp", body=json.dumps(INITIALIZE), headers=headers)
    response = conn.getresponse()
    body = response.read()
    return response.status, response.getheader("Mcp-Session-Id"), body


async def list_runs(call):
    err, text = await call("wandb_list_runs", {"project": "demo/vision", "limit": 2})
    assert not err and "k5e6y7mx" in text, text
    return text


def flood(base_url):
    server = Server(base_url)
    try:
        host, port = host_port(server.url)
        before = rss_mib(server.proc.pid)
        statuses = {}
        lock = threading.Lock()

        def attacker(n):
            # 250 made-up keys from one address (127.0.1.n), on one kept-alive connection.
            conn = http.client.HTTPConnection(host, port, timeout=60,
                                              source_address=(f"127.0.1.{n}", 0))
            for i in range(250):
                status, session, _ = raw_initialize(conn, f"madeup{n:03d}{i:05d}" + "0" * 28)
                assert session is None, session
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
            conn.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=attacker, args=(n,)) for n in range(1, 21)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - t0
        after = rss_mib(server.proc.pid)
        assert sum(statuses.values()) == 5000, statuses
        assert set(statuses) <= {401, 429}, statuses
        # Each address may bring 30 new keys a minute; those were checked and refused.
        assert statuses.get(401, 0) <= 20 * 31, statuses
        assert after - before <= 100, f"grew {after - before:.0f} MiB"
        text = asyncio.run(with_session(server.url, DEMO_KEY, list_runs))
        assert "k5e6y7mx" in text
    finally:
        output = server.stop()
    assert "madeup" not in output, output
    print(f"5,000 initializes with made-up keys from 20 addresses in {took:.1f} s: "
          f"{statuses.get(401, 0)} checked and refused (401), {statuses.get(429, 0)} over the "
          f"address rate (429), no session; server {before:.0f} -> {after:.0f} MiB; "
          f"a real client was served")


def session_caps(base_url):
    server = Server(base_url, "--max-sessions-per-key", "3", "--max-sessions", "4")
    try:
        host, port = host_port(server.url)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        opened = [raw_initialize(conn, DEMO_KEY) for _ in range(3)]
        assert all(status == 200 and session for status, session, _ in opened), opened
        status, session, body = raw_initialize(conn, DEMO_KEY)
        assert status == 429 and session is None, (status, body)
        assert "holds 3 open sessions" in json.loads(body)["error"]["message"], body
        status, session, _ = raw_initialize(conn, ACME_KEY)
        assert status == 200 and session
        status, _, body = raw_initialize(conn, ACME_KEY)
        assert status == 503, (status, body)
        # Closing one makes room again.
        conn.request("DELETE", "/mcp", headers={"Authorization": f"Bearer {DEMO_KEY}",
                                                "Mcp-Session-Id": opened[0][1]})
        response = conn.getresponse()
        response.read()
        assert response.status == 204, response.status
        status, session, _ = raw_initialize(conn, DEMO_KEY)
        assert status == 200 and session
    finally:
        server.stop()
    print("sessions: a 4th for one key got 429, one past the server's cap 503; "
          "closing one made room")


def request(conn, method, key, session, body=None, extra=None):
    headers = {"Authorization": f"Bearer {key}", "Mcp-Session-Id": session,
               "Accept": "application/json, text/event-stream", **(extra or {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn.request(method, "/mcp", body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read().decode(errors="replace")


def sessions_bound_to_keys(base_url):
    server = Server(base_url)
    try:
        host, port = host_port(server.url)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        status, session, _ = raw_initialize(conn, DEMO_KEY)
        assert status == 200 and session
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert request(conn, "POST", DEMO_KEY, session, initialized)[0] == 202
        tools = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        for key in (ACME_KEY, "madeup" + "0" * 34):
            for method, body, extra in [("POST", tools, None), ("GET", None, None),
                                        ("GET", None, {"Last-Event-ID": "0/2"}),
                                        ("DELETE", None, None)]:
                status, text = request(conn, method, key, session, body, extra)
                assert status == 404 and "Session not found" in text, (key[:4], method, status, text)
        status, text = request(conn, "POST", DEMO_KEY, session, tools)
        assert status == 200 and "wandb_list_runs" in text, (status, text[:200])
        assert request(conn, "DELETE", DEMO_KEY, session)[0] == 204
        assert request(conn, "POST", DEMO_KEY, session, tools)[0] == 404
    finally:
        server.stop()
    print("a session answered 404 to POST, GET, GET with Last-Event-ID and DELETE with another "
          "key, and served (then closed) with its own")


def half_sent(base_url):
    server = Server(base_url)
    try:
        host, port = host_port(server.url)
        selector = selectors.DefaultSelector()
        socks = []
        for i in range(200):
            s = socket.create_connection((host, port))
            if i % 2 == 0:
                s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
            else:
                s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Authorization: Bearer madeup0000000000000000000000000000000000\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"")
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ, i)
            socks.append(s)
        t0 = time.monotonic()
        # A real client is served meanwhile.
        text = asyncio.run(with_session(server.url, DEMO_KEY, list_runs))
        served = time.monotonic() - t0
        assert "k5e6y7mx" in text
        open_ = set(range(200))
        closed_at = {}
        answers = {}
        while open_ and time.monotonic() - t0 < 40:
            for key, _ in selector.select(timeout=1):
                try:
                    data = key.fileobj.recv(65536)
                except ConnectionError:
                    data = b""
                if data:
                    answers[key.data] = answers.get(key.data, b"") + data
                    continue
                closed_at[key.data] = time.monotonic() - t0
                open_.discard(key.data)
                selector.unregister(key.fileobj)
                key.fileobj.close()
        for s in socks:
            s.close()
        assert not open_, f"{len(open_)} still open after 40 s"
        latest = max(closed_at.values())
        assert latest <= 35, latest
        timed_out_bodies = [i for i, a in answers.items() if a.startswith(b"HTTP/1.1 408")]
        assert len(timed_out_bodies) == 100, answers
    finally:
        server.stop()
    print(f"200 half-sent requests (100 in their headers, 100 in their bodies, answered 408) were "
          f"closed within {latest:.1f} s; a real client was served meanwhile in {served:.1f} s")


def big_bodies(base_url):
    server = Server(base_url)
    try:
        host, port = host_port(server.url)
        before = peak_mib(server.proc.pid)

        def declared(_):
            s = socket.create_connection((host, port), timeout=30)
            s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Authorization: Bearer madeup0000000000000000000000000000000000\r\n"
                      b"Accept: application/json, text/event-stream\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 4000000\r\n\r\n")
            try:
                s.sendall(b"x" * 4_000_000)
            except OSError:
                pass  # the server answered and closed without reading it
            reply = b""
            try:
                while chunk := s.recv(65536):
                    reply += chunk
            except OSError:
                pass
            s.close()
            return reply

        results = [None] * 32
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, declared(i)))
                   for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        answered = [r for r in results if r]
        assert answered and all(r.startswith(b"HTTP/1.1 413") for r in answered), results
        assert b"over 64 KiB" in answered[0], answered[0]
        s = socket.create_connection((host, port), timeout=30)
        s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Authorization: Bearer madeup0000000000000000000000000000000000\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 70_000
        s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        reply = s.recv(65536)
        s.close()
        assert reply.startswith(b"HTTP/1.1 413"), reply
        peak = peak_mib(server.proc.pid)
    finally:
        server.stop()
    assert peak - before < 50, f"peak grew {peak - before:.0f} MiB"
    print(f"32 concurrent 4 MB bodies: 413 before reading ({len(answered)} answers seen), a "
          f"chunked one past 64 KiB: 413; peak RSS {before:.0f} -> {peak:.0f} MiB")


def fair_slots(base_url):
    server = Server(base_url, "--max-concurrent", "8", "--rate", "1000/min")

    async def hog(call):
        async def slow():
            err, text = await call("wandb_list_runs", {"project": "demo/slow"})
            assert not err, text
        await asyncio.gather(*(slow() for _ in range(24)))

    async def other(call):
        await asyncio.sleep(1.0)  # the 24 slow calls are running or waiting by now
        t0 = time.monotonic()
        for _ in range(3):
            err, text = await call("wandb_list_runs", {"project": "acme/private"})
            assert not err, text
        return time.monotonic() - t0

    async def both():
        t0 = time.monotonic()
        _, fast = await asyncio.gather(with_session(server.url, DEMO_KEY, hog),
                                       with_session(server.url, ACME_KEY, other))
        return fast, time.monotonic() - t0

    try:
        fast, total = asyncio.run(both())
    finally:
        server.stop()
    assert fast < 1.5, f"3 calls of another key took {fast:.1f} s behind 24 slow ones"
    print(f"24 slow calls of one key on 8 slots ({total:.1f} s in all) left another key a slot: "
          f"its 3 calls took {fast:.2f} s")


def own_address(base_url):
    server = Server(base_url, listen="127.0.0.2:0")
    try:
        assert server.url.startswith("http://127.0.0.2:"), server.url
        text = asyncio.run(with_session(server.url, DEMO_KEY, list_runs))
        assert "k5e6y7mx" in text
        status, _, body = post(server.url, INITIALIZE, {"Authorization": f"Bearer {DEMO_KEY}",
                                                        "Host": "evil.example"})
        assert status == 403, (status, body)
    finally:
        server.stop()
    print("mcp --http 127.0.0.2:PORT serves under its own address; a foreign Host gets 403")


def sessionless(base_url):
    """A call of the sessionless protocol (2026-07-28) passes the same door: its key is
    checked first, and each new key is charged to the address."""
    server = Server(base_url)
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "wandb_list_runs",
                       "arguments": {"project": "demo/vision", "limit": 2},
                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": {}}}}

    def send(conn, key):
        conn.request("POST", "/mcp", body=json.dumps(call), headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
            "Authorization": f"Bearer {key}", "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "tools/call", "Mcp-Name": "wandb_list_runs"})
        response = conn.getresponse()
        return response.status, response.read().decode()

    try:
        host, port = host_port(server.url)
        conn = http.client.HTTPConnection(host, port, timeout=30,
                                          source_address=("127.0.2.1", 0))
        status, text = send(conn, DEMO_KEY)
        assert status == 200 and "k5e6y7mx" in text, (status, text)
        statuses = [send(conn, f"madeup{i:04d}" + "0" * 30)[0] for i in range(35)]
        # The first key took one of the address's 30; 29 made-up keys were checked, then 429.
        assert statuses == [401] * 29 + [429] * 6, statuses
        # A key already checked is not charged again.
        status, text = send(conn, DEMO_KEY)
        assert status == 200 and "k5e6y7mx" in text, (status, text)
    finally:
        server.stop()
    print("sessionless calls: served with a good key; made-up keys refused (401) until the "
          "address's 30 new keys were spent (429); a checked key still served")


def open_files(base_url):
    """The soft open-files limit is raised to the hard one; the connection cap fits in it."""
    seen = {}
    for soft, hard in [(256, 4096), (256, 256)]:
        proc = subprocess.Popen(
            [str(BIN / "wandb-agent"), "mcp", "--http", "127.0.0.1:0", "--base-url", base_url],
            stderr=subprocess.PIPE, text=True,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
        try:
            line = proc.stderr.readline()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        match = re.search(r"(\d+) connections, (\d+) open files", line)
        assert match, line
        seen[hard] = (int(match.group(1)), int(match.group(2)))
    assert seen == {4096: (1024, 4096), 256: (128, 256)}, seen
    print(f"open files: soft 256 raised to the hard limit; connections capped at {seen}")


def main():
    emulator = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0",
                                 "--api-key", DEMO_KEY], stdout=subprocess.PIPE, text=True)
    try:
        base_url = re.search(r"http://127\.0\.0\.1:\d+", emulator.stdout.readline()).group(0)
        for check in (open_files, own_address, sessionless, sessions_bound_to_keys, session_caps, big_bodies, fair_slots,
                      half_sent, flood):
            check(base_url)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    print("MCP over HTTP under attack OK")


if __name__ == "__main__":
    sys.exit(main())
