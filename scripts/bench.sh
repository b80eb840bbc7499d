#!/usr/bin/env bash
# Builds release binaries and runs the benchmarks: head to head (the Python reference, our
# CLI, curl), tokens (ours vs pandas to_csv) and speed/size. Results go to stdout as
# Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
cargo build --release
python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
python3 bench/head_to_head.py "${1:-10}"
echo
python3 bench/tokens.py
echo
python3 bench/speed.py "${1:-20}"
