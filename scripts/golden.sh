#!/usr/bin/env bash
# Records what the CLI prints (stdout, stderr, exit code) for a fixed tour of every operation,
# flag family, help text and error path, against the emulator with fixed sampling
# (`wandb-emulator --seed`), one file per command under DIR. Two recordings of the same
# behaviour are byte-identical, so a refactoring is checked with `diff -r BEFORE AFTER`.
# Usage: scripts/golden.sh DIR   (after `cargo build --release -p wandb-agent -p wandb-emulator`)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/golden.sh DIR}
mkdir -p "$out"
agent=$PWD/target/release/wandb-agent
emu_log=$(mktemp)
./target/release/wandb-emulator --listen 127.0.0.1:0 --seed 20261206 >"$emu_log" 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null; rm -f "$emu_log"' EXIT
for _ in $(seq 50); do grep -q listening "$emu_log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$emu_log" | head -1)
files=$(grep -o 'http://[0-9.:]*' "$emu_log" | sed -n 2p)
export WANDB_BASE_URL=$url WANDB_API_KEY=demo_0123456789abcdef0123456789abcdef0123
export WANDB_AGENT_CACHE_DIR=${WANDB_AGENT_CACHE_DIR:-$PWD/target/golden-cache}
unset WANDB_ENTITY WANDB_AGENT_MAX_OUTPUT_TOKENS
n=0
record() {
    n=$((n + 1))
    local file
    file=$(printf '%s/%03d' "$out" "$n")
    {
        printf '$ wandb-agent'
        printf ' %q' "$@"
        printf '\n'
        set +e
        "$agent" "$@" 2>"$file.err"
        echo "# exit $?"
        set -e
        sed 's/^/stderr: /' "$file.err"
    } >"$file" 2>&1
    rm -f "$file.err"
    # The emulator's ports are random, and a stalled run's heartbeat age grows with the clock:
    # keep both out of the comparison.
    sed -i -E "s#$url#EMULATOR#g; s#${url#http://}#EMULATOR#g; s#$files#FILES#g; s#${files#http://}#FILES#g;
        s/no heartbeat for [0-9]+d[0-9]+h/no heartbeat for AGE/g" "$file"
}
P=demo
record --help
for c in list-runs summary history compare best params triage diagnose logs system mcp demo; do
    record "$c" --help
done
for p in vision detection sweep crashes cluster fleet frameworks long-runs lr-sweep; do
    record list-runs $P/$p
    record list-runs $P/$p --include-crashed --include-short --limit 30
    record triage $P/$p
done
record list-runs $P/sweep --where 'config.lr<2e-5' --where config.optimizer=sgd --columns config.lr,summary.val_loss
record list-runs $P/sweep --state failed,crashed --tag baseline --name 'trial-1' --since 2026-11-06
record list-runs $P/sweep --where 'lr<1e-3'
record list-runs $P/nosuchproject
record list-runs nosuchentity/x
record best $P/sweep --metric val_loss
record best $P/sweep --metric val_loss --last 50 --mode min --include-crashed --over-history
record best $P/vision --metric val/acc --mode max
record best $P/sweep --metric no_such_metric
record params $P/sweep --metric val_loss
record params $P/lr-sweep --metric val/loss --last 200
record params $P/sweep --metric val_loss --include-crashed --include-short --where config.optimizer=adamw
record triage $P/sweep --last 64
record triage $P/long-runs --last 10
record triage $P/detection --last 36
runs_of() { "$agent" list-runs "$P/$1" --include-crashed --include-short --limit "$2" | tail -n +2 | grep -v '^#' | cut -d, -f1; }
for p in vision crashes cluster frameworks long-runs detection lr-sweep; do
    for r in $(runs_of "$p" 40); do
        record summary "$P/$p/$r"
        record diagnose "$P/$p/$r"
        record logs "$P/$p/$r"
        record system "$P/$p/$r"
    done
done
for r in $(runs_of crashes 20); do
    record logs "$P/crashes/$r" --errors
    record logs "$P/crashes/$r" --grep 'Error|error' --tail 10
done
V=$P/vision
record summary $V/p3n8v4rt --budget 100 --config-keys lr,optimizer --summary-keys val/acc
record summary $V/p3n8v4rt --budget 0
record history $V/l0ng1m2x --keys loss,grad_norm --stats
record history $V/l0ng1m2x --keys loss,grad_norm --budget 300
record history $V/l0ng1m2x --keys loss --min-step 700000 --max-step 700040 --budget 0
record history $V/l0ng1m2x --keys loss --min-step 246000 --max-step 262000 --budget 0
record history $V/l0ng1m2x --keys loss --min-step 246000 --max-step 262000 --budget 0 --max-output-tokens 0
record history $V/p3n8v4rt --keys loss,val/acc --samples 50
record history $V/p3n8v4rt --keys no_such_key
record history --keys loss,val_loss $P/sweep/sw000120
record history $V/nosuchrun --keys loss
record compare $V/x7k2m9qa $V/p3n8v4rt --metric val/loss
record compare $V/x7k2m9qa $V/p3n8v4rt $V/c9d2e1fx --metric val/acc --mode max
record compare $V/x7k2m9qa --metric val/loss
record diagnose $V/d1v3rg3n --loss-key loss --grad-key grad_norm --val-key val/loss
record diagnose $P/sweep/sw000131
record system $P/cluster/gpu8odd3 --keys gpu,memory
record system $V/r8u9n1ng --keys temp,power --samples 100
record logs $V/c4r5h6ed --tail 5 --budget 100
record --max-output-tokens 200 list-runs $P/fleet --limit 100
record --timeout 0 list-runs $V
record --base-url http://example.invalid list-runs $V
record --allow 'http://*:1' list-runs $V
record nosuchcommand
record summary
record summary a/b
echo "$n commands recorded in $out"
