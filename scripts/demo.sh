#!/usr/bin/env bash
# Builds the CLI (with its component) and the emulator, and runs the demo: a local W&B-compatible server with
# demo data, and a tour of the tool against it. No account, no network. Extra arguments are
# passed on (e.g. `--serve` to keep the server running).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
# The emulator too: the README serves the demo data with it alone.
cargo build --release -p wandb-agent -p wandb-emulator
exec ./target/release/wandb-agent demo "$@"
