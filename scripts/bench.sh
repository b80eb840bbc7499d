#!/usr/bin/env bash
# Builds release binaries and runs the benchmarks: tokens (ours vs pandas to_csv) and
# speed/size (wall time, peak RSS). Results go to stdout as Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
cargo build --release
python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
python3 bench/tokens.py
echo
python3 bench/speed.py "${1:-20}"
