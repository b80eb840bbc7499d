#!/usr/bin/env bash
# Builds the CLI (with its component) and runs the demo: a local W&B-compatible server with
# demo data, and a tour of the tool against it. No account, no network. Extra arguments are
# passed on (e.g. `--serve` to keep the server running).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2
cargo build --release -p wandb-agent
exec ./target/release/wandb-agent demo "$@"
