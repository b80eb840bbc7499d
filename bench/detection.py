"""Detection benchmark: does `diagnose` name a planted event at its exact step, every time?

W&B samples history at random, so one lucky call proves nothing. Against the emulator's
`demo/detection` project (runs of 100k, 1M and 5M steps, each with one planted event: a
gradient-norm explosion of 50 to 5,000 steps with or without a loss spike after it, a NaN
onset, a one-step loss spike, or nothing for a healthy twin), every run is diagnosed N times
with fresh server sampling. Reported per run: the rate of exact detection (the planted kind and
key at the planted step), the rate of detection at any step, false alarms (any explosion,
spike or divergence on a healthy twin), the most requests of a call, the median bytes the
server sent per call and the median wall time. The planted answer is read from each run's
config (`planted`), not restated here.

A second table does the same for the default 3-key `history` curve: whether a row inside the
explosion shows the gradient norm above 10x its level.

A third does it for the training-dynamics findings on `demo/dynamics` (one run per case: a
spike right after a short warmup, SGDR restarts, a plateau freed by a step decay, converged,
still improving, a dead layer, vanishing gradients, a gradient norm growing toward a NaN):
the rate of the planted finding at its step within the planted tolerance and with the planted
words in its detail, calls with a wrong name (an alarm the run does not hold), and the most
tokens and requests of a call. Answers come from each run's config (`planted`) too.

Run: `python3 bench/detection.py [N] [--history-n M] [--dynamics-n K]` after `cargo build --release`
(scripts/bench.sh does both; N defaults to 100). `WANDB_AGENT_BIN_DIR` points it at other
binaries than target/release.
"""

import argparse
import csv
import io
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("WANDB_AGENT_BIN_DIR", ROOT / "target/release"))
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"
PROJECT = "demo/detection"
ALARMS = {"explosion", "spike", "divergence"}


def cli(env, *args):
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "wandb-agent"), *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"wandb-agent {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout, wall


def rows(text):
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


class RequestLog:
    """The emulator's request log: bytes sent since the last look."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def bytes_out_since(self):
        with open(self.path) as f:
            f.seek(self.offset)
            new = f.read()
            self.offset = f.tell()
        return sum(json.loads(line)["bytes_out"] for line in new.splitlines() if line.strip())


def runs(env, project=PROJECT):
    text, _ = cli(env, "list-runs", project, "--limit", "100", "--include-short", "--include-crashed")
    found = []
    for row in rows(text):
        # The whole config as stored (`planted` is a nested map), the JSON line only.
        summary, _ = cli(env, "summary", f"{project}/{row['id']}", "--budget", "0", "--max-output-tokens", "0")
        planted = json.loads(summary.splitlines()[0])["config"].get("planted")
        found.append((row["id"], row["name"], int(row["steps"]) - 1, planted))
    found.sort()  # ids are dt<length index>e<event index>: by length, then event
    return found


def diagnose_rates(env, log, run_id, planted, n):
    exact = anywhere = alarms = 0
    requests, sent, walls = [], [], []
    for _ in range(n):
        log.bytes_out_since()
        text, wall = cli(env, "diagnose", f"{PROJECT}/{run_id}")
        sent.append(log.bytes_out_since())
        walls.append(wall)
        requests.append(int(re.search(r"; (\d+) requests?$", text.strip()).group(1)))
        findings = rows(text)
        if planted is None:
            alarms += any(f["finding"] in ALARMS for f in findings)
            continue
        hits = [f for f in findings if f["finding"] == planted["kind"] and f["key"] == planted["key"]]
        anywhere += bool(hits)
        exact += any(int(f["step"]) == planted["step"] and f["detail"].endswith("(exact step)") for f in hits)
    return exact, anywhere, alarms, max(requests), statistics.median(sent), statistics.median(walls)


def curve_rate(env, run_id, planted, n):
    """Calls whose default curve shows the gradient norm >10x its level inside the explosion."""
    shown = 0
    lo, hi = planted["step"], planted["step"] + planted["width"] - 1
    for _ in range(n):
        text, _ = cli(env, "history", f"{PROJECT}/{run_id}", "--keys", "loss,grad_norm,val_loss")
        table = rows(text)
        level = statistics.median(float(r["grad_norm"]) for r in table if r["grad_norm"] not in ("", "nan"))
        shown += any(lo <= int(r["_step"]) <= hi and r["grad_norm"] and float(r["grad_norm"]) > 10 * level
                     for r in table)
    return shown


def tokens(text):
    """o200k tokens, with the tokenizer CLI of tests/tokcount (built by scripts/bench.sh)."""
    out = subprocess.run([str(BIN / "tokcount")], input=text, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def dynamics_rates(env, project, run_id, planted, n):
    hits = wrong = 0
    most_tokens, most_requests = 0, 0
    for _ in range(n):
        text, _ = cli(env, "diagnose", f"{project}/{run_id}")
        most_requests = max(most_requests, int(re.search(r"; (\d+) requests?$", text.strip()).group(1)))
        most_tokens = max(most_tokens, tokens(text))
        findings = rows(text)
        hits += any(f["finding"] == planted["kind"] and f["key"] == planted["key"]
                    and abs(int(f["step"]) - planted["step"]) <= planted["tolerance"]
                    and planted["detail"] in f["detail"] for f in findings)
        # Information rows are no wrong name, except the opposite verdict of a planted one.
        verdicts = {"converged", "improving"}
        if planted["kind"] in verdicts:
            verdicts = {planted["kind"]}
        allowed = set(planted["alarms"]) | {"none", "schedule"} | verdicts
        wrong += any(f["finding"] not in allowed for f in findings)
    return hits, wrong, most_tokens, most_requests


def pct(k, n):
    return f"{100 * k / n:.0f}%" if n else "-"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100)
    parser.add_argument("--history-n", type=int, default=None, help="calls per run for the curve table (default N)")
    parser.add_argument("--dynamics-n", type=int, default=None,
                        help="calls per run for the training-dynamics table (default N)")
    args = parser.parse_args()
    history_n = args.n if args.history_n is None else args.history_n
    dynamics_n = args.n if args.dynamics_n is None else args.dynamics_n
    log_path = Path(tempfile.mkdtemp(prefix="wandb-detection-")) / "requests.jsonl"
    server = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY,
                               "--log-requests", str(log_path)], stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
    cache = tempfile.mkdtemp(prefix="wandb-agent-cache-")
    env = {"PATH": os.environ["PATH"], "HOME": cache, "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY,
           "WANDB_AGENT_CACHE_DIR": cache}
    try:
        log = RequestLog(log_path)
        all_runs = runs(env) if args.n else []
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
        print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; N = {args.n} "
              f"diagnose calls per run, fresh server sampling each\n")
        print("| run | planted | width | exact step | found at all | false alarms | max requests | received (median) | wall (median) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for run_id, name, last, planted in all_runs:
            exact, anywhere, alarms, reqs, sent, wall = diagnose_rates(env, log, run_id, planted, args.n)
            length, event = name.split("/", 1)
            if planted is None:
                width, ex, anyw, fa = "-", "-", "-", f"{alarms} of {args.n}"
            else:
                width = (f"{planted['width']} ({100 * planted['width'] / (last + 1):.3g}%)"
                         if planted["width"] else "to the end")
                ex, anyw, fa = pct(exact, args.n), pct(anywhere, args.n), "-"
            print(f"| {length} | {event} | {width} | {ex} | {anyw} | {fa} | {reqs} | "
                  f"{sent / 1024:.0f} KiB | {wall * 1000:.0f} ms |")
        if history_n:
            print(f"\nDefault `history --keys loss,grad_norm,val_loss` curve (budget 1500 tokens), {history_n} calls per run:\n")
            print("| run | planted | explosion shown |")
            print("|---|---|---:|")
            for run_id, name, _, planted in all_runs:
                if planted and planted["kind"] == "explosion" and "+loss" not in name:
                    length, event = name.split("/", 1)
                    print(f"| {length} | {event} | {pct(curve_rate(env, run_id, planted, history_n), history_n)} |")
        if dynamics_n:
            print(f"\nTraining dynamics on demo/dynamics (`diagnose`), {dynamics_n} calls per run:\n")
            print("| run | planted finding | tolerance | hit | wrong name | max tokens | max requests |")
            print("|---|---|---:|---:|---:|---:|---:|")
            for run_id, name, _, planted in runs(env, "demo/dynamics"):
                hits, wrong, most_tokens, most_requests = dynamics_rates(env, "demo/dynamics", run_id, planted,
                                                                         dynamics_n)
                print(f"| {name} | {planted['kind']} {planted['key']} at {planted['step']} | "
                      f"±{planted['tolerance']} | {pct(hits, dynamics_n)} | {wrong} of {dynamics_n} | "
                      f"{most_tokens} | {most_requests} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
