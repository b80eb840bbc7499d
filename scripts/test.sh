#!/usr/bin/env bash
# Runs every test: Rust unit tests, the end-to-end suite (real host, real component, real
# emulator on loopback) and the official wandb client's fidelity test. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# RUSTUP_AUTO_INSTALL=0 machines do not install rust-toolchain.toml's target by themselves.
rustup target add wasm32-wasip2

cargo build --release --workspace
cargo test --release --workspace

python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
python3 tests/fidelity/test_wandb_client.py
python3 tests/mcp/test_mcp_client.py
