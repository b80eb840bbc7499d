"""Head to head, one run, same machine, same local W&B-compatible server:

* reference — the seed's design in Python (`bench/reference.py`: wandb.Api() + pandas);
* ours      — the `wandb-agent` CLI, a fresh process per call (the component precompiled in
              the cache, as after the first call on a machine);
* curl      — posting the identical GraphQL requests our CLI sends (the floor).

For each op: median wall time, peak RSS, bytes on the wire (GraphQL request and response
bodies, counted by the emulator; headers not counted), and output tokens (o200k). Run:
`python3 bench/head_to_head.py [N]` after `cargo build --release` (scripts/bench.sh does both).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"

OURS = {
    "list-runs": ["list-runs", "demo/vision"],
    "summary": ["summary", "demo/vision/l0ng1m2x"],
    "history": ["history", "demo/vision/l0ng1m2x", "--keys", "loss,val_loss,grad_norm", "--samples", "500"],
    "compare": ["compare", "demo/vision/x7k2m9qa", "demo/vision/p3n8v4rt", "--metric", "val_loss"],
}


def run_measured(cmd, env):
    """(wall seconds, peak RSS KiB of the process and its waited-for children, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {err.decode()[-500:]}")
    return wall, out.decode()


def rss_of(cmd, env):
    """Peak RSS (KiB) via GNU time's %M when present, else ru_maxrss of the child."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss


def tokens(text):
    out = subprocess.run([str(BIN / "tokcount")], input=text, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


class Emulator:
    def __init__(self, log):
        self.log = log
        self.proc = subprocess.Popen(
            [str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY, "--log-requests", log],
            stdout=subprocess.PIPE, text=True)
        self.url = re.search(r"http://127\.0\.0\.1:\d+", self.proc.stdout.readline()).group(0)

    def entries(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def wire(entries):
    return sum(e["bytes_in"] + e["bytes_out"] for e in entries)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    n_ref = max(3, n // 3)
    tmp = tempfile.mkdtemp(prefix="h2h-")
    emu = Emulator(os.path.join(tmp, "requests.jsonl"))
    base = {"PATH": os.environ["PATH"], "HOME": tmp, "WANDB_BASE_URL": emu.url, "WANDB_API_KEY": API_KEY}
    ours_env = dict(base, WANDB_AGENT_CACHE_DIR=os.path.join(tmp, "cache"))
    ref_env = dict(base, WANDB_ENTITY="demo", WANDB_SILENT="true", PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    results = []
    try:
        subprocess.run([str(BIN / "wandb-agent"), "list-runs", "demo/vision"], env=ours_env, capture_output=True, check=True)  # fill the cache
        for op, args in OURS.items():
            # Ours: requests and bytes from one call, time and memory over n.
            before = len(emu.entries())
            _, out = run_measured([str(BIN / "wandb-agent"), *args], ours_env)
            ours_requests = emu.entries()[before:]
            ours_wall = statistics.median(run_measured([str(BIN / "wandb-agent"), *args], ours_env)[0] for _ in range(n))
            ours_rss = max(rss_of([str(BIN / "wandb-agent"), *args], ours_env) for _ in range(3))

            # curl: the identical request bodies, one curl process per request, in sequence.
            bodies = [e["body"] for e in ours_requests]
            def curl_all():
                outs = []
                for b in bodies:
                    outs.append(subprocess.run(
                        ["curl", "-s", "-u", f"api:{API_KEY}", "-H", "content-type: application/json",
                         "--data-binary", "@-", f"{emu.url}/graphql"], input=b, capture_output=True, text=True, check=True).stdout)
                return "".join(outs)
            curl_out = curl_all()
            curl_wall = statistics.median(timed(curl_all) for _ in range(n))
            curl_rss = max(rss_of(["curl", "-s", "-o", "/dev/null", "-u", f"api:{API_KEY}", "-H", "content-type: application/json",
                                   "--data-binary", bodies[0], f"{emu.url}/graphql"], base) for _ in range(3))

            # Reference: a fresh Python process per call, like a CLI.
            before = len(emu.entries())
            _, ref_out = run_measured([sys.executable, str(ROOT / "bench/reference.py"), op], ref_env)
            ref_requests = emu.entries()[before:]
            ref_wall = statistics.median(run_measured([sys.executable, str(ROOT / "bench/reference.py"), op], ref_env)[0] for _ in range(n_ref))
            ref_rss = max(rss_of([sys.executable, str(ROOT / "bench/reference.py"), op], ref_env) for _ in range(2))

            results.append((op, {
                "reference": (ref_wall, ref_rss, wire(ref_requests), len(ref_requests), tokens(ref_out)),
                "ours": (ours_wall, ours_rss, wire(ours_requests), len(ours_requests), tokens(out)),
                "curl": (curl_wall, curl_rss, wire(ours_requests), len(ours_requests), tokens(curl_out)),
            }))
    finally:
        emu.stop()

    print(f"median of {n} runs (reference: {n_ref}); RSS is the peak of one process "
          f"(the wandb-core sidecar the reference starts is not included)\n")
    print("| op | tool | wall | peak RSS | requests | bytes on the wire | output tokens |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for op, r in results:
        for tool in ("reference", "ours", "curl"):
            wall, rss, wire_bytes, reqs, toks = r[tool]
            print(f"| {op} | {tool} | {wall * 1000:.1f} ms | {rss / 1024:.0f} MiB | {reqs} | {wire_bytes} | {toks} |")
    print("\n| op | reference ÷ ours (time) | ours ÷ curl (time) | ours ÷ reference (RSS) | ours ÷ reference (tokens) |")
    print("|---|---:|---:|---:|---:|")
    for op, r in results:
        ref, ours, curl = r["reference"], r["ours"], r["curl"]
        print(f"| {op} | {ref[0] / ours[0]:.0f}× | {ours[0] / curl[0]:.2f}× | {ours[1] / ref[1]:.2f} | {ours[4] / ref[4]:.2f} |")


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
