#!/usr/bin/env bash
# Builds release binaries and runs the benchmarks: head to head (the Python reference, our
# CLI, curl), tokens (ours vs pandas to_csv), speed/size, the sandbox under host-side
# allocation attacks, the MCP HTTP server under 50 concurrent clients, whole diagnosis
# questions against the official client at a 300 ms round trip (fails on a wrong answer;
# about 3 minutes, most of it the client's), and detection rates
# under random sampling (the slow one: about 45 minutes on 2 cores). Results go to stdout as
# Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
cargo build --release
. scripts/python-env.sh
"$PYTHON" bench/head_to_head.py "${1:-10}"
echo
"$PYTHON" bench/tokens.py
echo
"$PYTHON" bench/speed.py "${1:-20}"
echo
"$PYTHON" bench/sandbox.py
echo
"$PYTHON" bench/mcp_load.py
"$PYTHON" bench/mcp_sessions.py
echo
"$PYTHON" bench/many_runs.py 100
echo
"$PYTHON" bench/tasks.py --delay-ms 300 --repeat 5
echo
"$PYTHON" bench/detection.py 100
