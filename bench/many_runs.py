"""Many-runs benchmark on the emulator's 160-run sweep (`demo/sweep`).

1. Cost of each many-runs command: o200k tokens of the output, GraphQL requests (counted by
   the emulator), wall time.
2. Triage under W&B's random sampling, as a rate: `triage demo/sweep --last 200` N times with
   fresh server sampling; each time, every planted failure must be on its row at its exact
   step (4 diverged runs: the gradient-norm explosion; the crashed run; the running run whose
   heartbeat stopped: stalled), and every other run `ok`. Reported: exact detections, false alarms, requests and wall time per call.
3. Triage of long runs, as a rate: `triage demo/long-runs` (10 runs of 100k to 2M steps with
   narrow planted events) 20 times; per planted event, the calls whose row names it at its
   exact step; false alarms on the healthy runs; requests, MB received (the emulator's
   request log) and wall time per call.

Run: `python3 bench/many_runs.py [N]` after `cargo build --release` (scripts/bench.sh does both);
N = 0 measures the costs only; `python3 bench/many_runs.py --long-runs [CALLS]` runs part 3
alone (20 calls by default).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"

# Planted in server/src/seed/sweep.rs.
DIVERGED = [23, 61, 97, 131]
CRASHED = 140
RUNNING = 149  # its heartbeat is weeks old by the wall clock: stalled


def run_id(i):
    return f"sw{i:06d}"


def explosion_step(i):
    return 1000 + 7 * i


# Planted in server/src/seed/long_runs.rs: (id, label, (finding, key, step) or None when healthy).
LONG_RUNS = [
    ("lr2msurg", "2,500-step grad-norm surge, 2M-step run", ("explosion", "grad_norm", 1_234_567)),
    ("lrhealt1", "healthy, 2M", None),
    ("lr2mexpl", "300-step explosion + loss spike, 2M", ("explosion", "grad_norm", 1_487_213)),
    ("lrhealt2", "healthy, 1.8M", None),
    ("lrnanon1", "NaN onset, 1.6M", ("divergence", "loss", 1_012_907)),
    ("lrhealt3", "healthy, 1.2M", None),
    ("lr1msurg", "1,000-step grad-norm surge (0.1%), 1M", ("explosion", "grad_norm", 618_033)),
    ("lrhealt4", "healthy, 800k", None),
    ("lrhealt5", "healthy, 400k", None),
    ("lrhealt6", "healthy, 100k", None),
]


def tokens(text):
    return int(subprocess.run([str(BIN / "tokcount")], input=text, capture_output=True,
                              text=True, check=True).stdout.split()[0])


class Emulator:
    def __init__(self, log=None):
        self.log = log

    def __enter__(self):
        extra = ["--log-requests", self.log] if self.log else []
        self.proc = subprocess.Popen([str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0",
                                      "--api-key", API_KEY, *extra], stdout=subprocess.PIPE,
                                     text=True)
        self.url = re.search(r"http://127\.0\.0\.1:\d+", self.proc.stdout.readline()).group(0)
        return self

    def requests(self):
        with urllib.request.urlopen(f"{self.url}/__stats") as r:
            return json.load(r)["graphql_requests"]

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def call(emulator, args):
    env = {"WANDB_BASE_URL": emulator.url, "WANDB_API_KEY": API_KEY, "PATH": "/usr/bin:/bin",
           "HOME": str(Path.home())}
    before = emulator.requests()
    t0 = time.perf_counter()
    out = subprocess.run([str(BIN / "wandb-agent"), *args], env=env, capture_output=True,
                         text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{args} failed: {out.stderr}")
    return out.stdout, emulator.requests() - before, wall


COMMANDS = [
    ("list-runs, 4 filters, 2 columns",
     ["list-runs", "demo/sweep", "--sweep", "swp7k2q9", "--tag", "long", "--where", "config.lr<1e-3",
      "--state", "finished", "--columns", "config.lr,summary.val_loss", "--limit", "20"]),
    ("list-runs, all 160 runs", ["list-runs", "demo/sweep", "--limit", "1000", "--include-crashed"]),
    ("best among 100 adamw runs (56 match)",
     ["best", "demo/sweep", "--metric", "val_loss", "--last", "100", "--where", "config.optimizer=adamw"]),
    ("params over 100 runs", ["params", "demo/sweep", "--metric", "val_loss", "--last", "100"]),
    ("compare 4 runs", ["compare", "demo/sweep/sw000143", "demo/sweep/sw000061",
                        "demo/sweep/sw000010", "demo/sweep/sw000100", "--metric", "val_loss"]),
    ("triage 50 runs", ["triage", "demo/sweep", "--last", "50"]),
    ("triage 160 runs", ["triage", "demo/sweep", "--last", "200"]),
]


def costs(emulator):
    # The first call after a build compiles the component into the cache; not measured.
    call(emulator, ["list-runs", "demo/sweep", "--limit", "1"])
    print("| command | tokens | requests | wall |")
    print("|---|---|---|---|")
    for label, args in COMMANDS:
        out, requests, wall = call(emulator, args)
        print(f"| {label} | {tokens(out)} | {requests} | {wall * 1000:.0f} ms |")


def triage_rate(emulator, n):
    exact = alarms = missed = 0
    requests, walls = [], []
    for _ in range(n):
        out, req, wall = call(emulator, ["triage", "demo/sweep", "--last", "200"])
        requests.append(req)
        walls.append(wall)
        rows = {line.split(",")[0]: line.split(",") for line in out.splitlines()[1:]
                if not line.startswith("#")}
        for i in range(160):
            cells = rows[run_id(i)]
            if i in DIVERGED:
                ok = cells[3:6] == ["explosion", "grad_norm", str(explosion_step(i))]
            elif i == CRASHED:
                ok = cells[3:5] == ["crash", "unknown"]
            elif i == RUNNING:
                ok = cells[3:5] == ["crash", "stalled"]
            else:
                if cells[3] != "ok":
                    alarms += 1
                continue
            exact += ok
            missed += not ok
    planted = n * (len(DIVERGED) + 2)
    print(f"triage demo/sweep --last 200, {n} calls with fresh sampling:")
    print("| planted failures found at the exact step | false alarms on 154 healthy runs | requests per call | wall per call (median) |")
    print("|---|---|---|---|")
    print(f"| {exact}/{planted} ({100 * exact / planted:.1f}%) | {alarms} in {n * 154} rows "
          f"| {min(requests)}–{max(requests)} | {statistics.median(walls):.2f} s |")


def bytes_received(log, since):
    """Bytes of the replies logged after byte offset `since` of the request log, and its end."""
    with open(log) as f:
        f.seek(since)
        lines = f.read()
        end = f.tell()
    return sum(json.loads(line)["bytes_out"] for line in lines.splitlines() if line), end


def long_runs_rate(calls):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "requests.jsonl")
        with Emulator(log) as emulator:
            call(emulator, ["list-runs", "demo/long-runs", "--limit", "1"])
            offset = bytes_received(log, 0)[1]
            found = {run: 0 for run, _, answer in LONG_RUNS if answer}
            alarms = 0
            requests, walls, mbs = [], [], []
            for _ in range(calls):
                out, req, wall = call(emulator, ["triage", "demo/long-runs"])
                received, offset = bytes_received(log, offset)
                requests.append(req)
                walls.append(wall)
                mbs.append(received / 1e6)
                rows = {line.split(",")[0]: line.split(",") for line in out.splitlines()[1:]
                        if not line.startswith("#")}
                for run, _, answer in LONG_RUNS:
                    cells = rows[run]
                    if answer is None:
                        alarms += cells[3] != "ok"
                    else:
                        found[run] += cells[3:6] == [answer[0], answer[1], str(answer[2])]
            # The bound on bytes is for ten runs of 2M steps; demo/detection's ten newest
            # runs have 5M each (the dense pass asks the same samples of any long run).
            _, longest_requests, _ = call(emulator, ["triage", "demo/detection", "--last", "10"])
            longest_bytes, offset = bytes_received(log, offset)
    healthy = sum(1 for _, _, a in LONG_RUNS if a is None)
    print(f"triage demo/long-runs (10 runs, 100k to 2M steps), {calls} calls with fresh sampling:")
    print("| planted event | found at the exact step |")
    print("|---|---|")
    for run, label, answer in LONG_RUNS:
        if answer:
            print(f"| {label} ({answer[0]} at {answer[2]:,}) | {found[run]}/{calls} |")
    print(f"| false alarms on {healthy} healthy runs | {alarms} in {healthy * calls} rows |")
    print()
    print("| requests per call | MB received per call | wall per call (median) |")
    print("|---|---|---|")
    print(f"| {min(requests)}–{max(requests)} | {min(mbs):.1f}–{max(mbs):.1f} "
          f"| {statistics.median(walls):.2f} s |")
    print()
    print(f"triage demo/detection --last 10 (ten runs of 5M steps): {longest_requests} requests, "
          f"{longest_bytes / 1e6:.1f} MB received")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--long-runs":
        long_runs_rate(int(sys.argv[2]) if len(sys.argv) > 2 else 20)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with Emulator() as emulator:
        costs(emulator)
        if n > 0:
            print()
            triage_rate(emulator, n)
    if n > 0:
        print()
        long_runs_rate(20)


if __name__ == "__main__":
    main()
