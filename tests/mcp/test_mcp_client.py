"""MCP test: the official `mcp` Python SDK drives `wandb-agent mcp` over stdio.

A full exchange against the emulator: initialize (with the server's instructions), list the
tools and their schemas, call every tool, and a failing call that must come back as an MCP
tool error (`isError`, `is_error` in the SDK) with the one-line message. Then the hostile test
component (tests/escape-guest, built by the e2e suite and scripts/test.sh) in the same server mode: a call that makes
the host allocate on its behalf fails with its one-line limit, and the same server process then
answers the next calls. Run: `python3 tests/mcp/test_mcp_client.py` after `cargo test`.
"""

import asyncio
import base64
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"

EXPECTED_TOOLS = {
    "wandb_list_runs", "wandb_summary", "wandb_history", "wandb_history_stats",
    "wandb_compare", "wandb_best", "wandb_diagnose", "wandb_logs", "wandb_system", "wandb_params", "wandb_triage",
    "wandb_watch",
}


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def exchange(url):
    params = StdioServerParameters(
        command=str(BIN / "wandb-agent"),
        args=["mcp"],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert "never guess" in (init.instructions or ""), init.instructions
            assert init.server_info.name == "wandb-agent", init.server_info
            assert init.server_info.version and init.server_info.version[0].isdigit(), init.server_info

            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == EXPECTED_TOOLS, sorted(tools)
            for tool in tools.values():
                assert tool.description and len(tool.description) > 60, tool.name
                assert tool.input_schema["type"] == "object", tool.name
            assert tools["wandb_history"].input_schema["required"] == ["run", "keys"]

            async def call(name, args):
                result = await session.call_tool(name, args)
                return result, text_of(result)

            r, t = await call("wandb_list_runs", {"project": "demo/vision", "limit": 3})
            assert not r.is_error and t.startswith("id,name,state,created_at"), t
            assert t.splitlines()[1].startswith("k5e6y7mx,"), t

            r, t = await call("wandb_summary", {"run": "demo/vision/l0ng1m2x"})
            assert not r.is_error and '"loss":"NaN"' in t, t

            r, t = await call("wandb_history_stats", {"run": "demo/vision/l0ng1m2x", "keys": ["loss", "grad_norm"]})
            assert not r.is_error and t.startswith("key,n,min,min_step"), t

            r, t = await call("wandb_history", {"run": "demo/vision/x7k2m9qa", "keys": ["loss"], "min_step": 10, "max_step": 12})
            assert not r.is_error and [l.split(",")[0] for l in t.splitlines()[1:4]] == ["10", "11", "12"], t

            r, t = await call("wandb_compare", {"run_a": "demo/vision/x7k2m9qa", "run_b": "demo/vision/p3n8v4rt", "metric": "val_loss"})
            assert not r.is_error and "b p3n8v4rt is better" in t, t

            r, t = await call("wandb_best", {"project": "demo/llm-finetune", "metric": "val_loss"})
            assert not r.is_error and t.startswith("best,ft08lr1e,"), t

            r, t = await call("wandb_diagnose", {"run": "demo/vision/l0ng1m2x"})
            assert not r.is_error and "explosion,grad_norm,812345,67," in t, t

            # The curves as a picture: MCP image content, and the line beside it.
            r, t = await call("wandb_history", {"run": "demo/vision/l0ng1m2x", "keys": ["loss", "grad_norm"], "format": "png"})
            images = [b for b in r.content if getattr(b, "type", "") == "image"]
            assert not r.is_error and len(images) == 1 and images[0].mime_type == "image/png", r
            png = base64.b64decode(images[0].data)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (640, 320), png[:24]
            assert len(png) <= 60 * 1024, len(png)
            assert t.startswith("640x320, ") and t.endswith("~274 image tokens; 2 keys; run steps 0..1200000"), t

            # A run being written: its state, progress and a cursor for the next look.
            r, t = await call("wandb_watch", {"run": "demo/live/live0run"})
            assert not r.is_error and t.startswith("running: step ") and "cursor" in t, t

            r, t = await call("wandb_summary", {"run": "demo/vision/nosuchrn"})
            assert r.is_error, t
            # Hints name tools and their arguments in MCP, not CLI commands.
            assert t == "error: Run nosuchrn not found in demo/vision; list runs with the wandb_list_runs tool (project \"demo/vision\")", t

            r, t = await call("wandb_best", {"project": "demo/vision", "metric": "val_loss", "mode": "max"})
            assert not r.is_error and t.startswith("best,"), t

            r, t = await call("wandb_logs", {"run": "demo/crashes/cudaoom1", "errors": True})
            assert not r.is_error and "likely cause: out of GPU memory" in t, t

            r, t = await call("wandb_system", {"run": "demo/crashes/cudaoom1", "keys": ["gpu"]})
            assert not r.is_error and "gpu.0-7.memoryAllocated,%," in t, t

            # A console only in a log file on an origin the server does not allow: an MCP client
            # cannot change the server's flags, so the diagnosis asks whoever runs it.
            r, t = await call("wandb_diagnose", {"run": "demo/crashes/oldlog09"})
            assert not r.is_error and "which the host does not allow: ask whoever runs this MCP server to start `wandb-agent mcp` with --allow http://127.0.0.1:" in t, t

            # The output ceiling holds for MCP clients too, and names who can raise it.
            r, t = await call("wandb_history", {"run": "demo/vision/l0ng1m2x", "keys": ["loss"],
                                                "min_step": 246000, "max_step": 262000, "budget": 0})
            note = t.splitlines()[-1]
            assert not r.is_error and "4000-token output ceiling" in note, note
            assert "ask whoever runs the server to start `wandb-agent mcp` with --max-output-tokens N" in note, note
            assert len(t.splitlines()) < 1000, len(t.splitlines())

            r, t = await call("wandb_params", {"project": "demo/sweep", "metric": "val_loss", "sweep": "swp7k2q9",
                                               "last": 150, "include_crashed": True, "include_short": True})
            assert not r.is_error and " of 150 runs used;" in t, t

            # Arguments the tool does not declare in its schema's types are refused as such.
            try:
                r = await session.call_tool("wandb_logs", {"run": "demo/crashes/cudaoom1", "tail": "many"})
                refused = r.is_error
            except Exception:  # an MCP protocol error (invalid params) is a refusal too
                refused = True
            assert refused
    print(f"MCP exchange OK: initialize, {len(EXPECTED_TOOLS)} tools listed, 14 successful calls, 2 refusals")


async def runs_on_disk_exchange(url):
    """With --runs-dir, tools read runs on disk under it, and nothing outside it."""
    params = StdioServerParameters(
        command=str(BIN / "wandb-agent"),
        args=["mcp", "--runs-dir", str(ROOT / "demo/local")],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY},
    )
    run = "wandb/offline-run-20261206_183549-demo0001"
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert "On disk: project `.`" in (init.instructions or ""), init.instructions

            async def call(name, args):
                result = await session.call_tool(name, args)
                return result, text_of(result)

            r, t = await call("wandb_list_runs", {"project": ".", "include_short": True})
            assert not r.is_error and "\noffline-run-20261206_183549-demo0001,demo-explosion,failed," in t, t
            r, t = await call("wandb_diagnose", {"run": run})
            assert not r.is_error and "\nexplosion,grad_norm,250," in t and "every logged row" in t, t
            r, t = await call("wandb_history", {"run": run, "keys": ["loss"], "min_step": 299, "max_step": 301})
            assert not r.is_error and t.splitlines()[1:4] == ["299,3.201", "300,nan", "301,nan"], t
            # W&B paths still go to W&B.
            r, t = await call("wandb_summary", {"run": "demo/vision/l0ng1m2x"})
            assert not r.is_error and '"loss":"NaN"' in t, t
            # Nothing outside the runs directory, however the path is spelled.
            for outside in ["../../README.md", "/etc", "../local/../../guest"]:
                r, t = await call("wandb_list_runs", {"project": outside})
                assert r.is_error and ("outside the directory this server reads runs from" in t
                                       or "no such file" in t), (outside, t)
    print("MCP runs on disk OK: --runs-dir lists, diagnoses and reads a window; 3 paths outside it refused")


ESCAPE = ROOT / "target/guest/wasm32-wasip2/guest/escape_guest.wasm"


async def hostile_exchange(url):
    """One MCP server process survives calls that try to make the host hold gigabytes."""
    params = StdioServerParameters(
        command=str(BIN / "wandb-agent"),
        args=["--component", str(ESCAPE), "mcp"],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for attack in ["header-maps 20000 120000", "requests 12000", "paths 1000 60000 ballast 200"]:
                result = await session.call_tool("wandb_summary", {"run": attack})
                t = text_of(result)
                assert result.is_error and t.startswith("error: the component ") and "\n" not in t, t
                after = await session.call_tool("wandb_summary", {"run": "env"})
                assert not after.is_error and text_of(after).startswith("env: WANDB_BASE_URL="), text_of(after)
    print("MCP hostile component OK: 3 host-side allocation attacks refused, the server answered after each")


def main():
    server = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
        asyncio.run(exchange(url))
        asyncio.run(runs_on_disk_exchange(url))
        asyncio.run(hostile_exchange(url))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
