"""Token benchmark: our curve output against pandas `DataFrame.to_csv(index=False)`.

The reference is the seed design: the official `wandb` client's `run.history(keys, samples)`
turned into CSV with pandas. For several keys it fetches each key separately and outer-joins
on `_step` (one `history()` call with all keys returns only rows where every key is present,
which for keys at different cadences loses most of the curve). Tokens are o200k, counted by
`target/release/tokcount` (tiktoken-rs, offline).

Run: `python3 bench/tokens.py` after `cargo build --release` (scripts/bench.sh does both).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"
RUN = "demo/vision/l0ng1m2x"  # 1,200,001 steps
KEYS3 = ["loss", "val_loss", "grad_norm"]


def tokens(text):
    out = subprocess.run([str(BIN / "tokcount")], input=text, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def start_emulator():
    proc = subprocess.Popen(
        [str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY],
        stdout=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
    start_emulator.storage = re.search(r"run files on (http://[0-9.:]+)", line).group(1)
    return proc, url


def ours(url, *args):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "WANDB_BASE_URL": url, "WANDB_API_KEY": API_KEY}
    out = subprocess.run([str(BIN / "wandb-agent"), *args], capture_output=True, text=True, env=env, check=True)
    return out.stdout


def pandas_csv(api, keys, samples):
    import pandas as pd

    run = api.run(RUN)
    frames = [run.history(keys=[k], samples=samples, pandas=True) for k in keys]
    df = frames[0]
    for f in frames[1:]:
        df = df.merge(f, on="_step", how="outer")
    return df.sort_values("_step").to_csv(index=False)


def main():
    proc, url = start_emulator()
    try:
        os.environ.update(WANDB_BASE_URL=url, WANDB_API_KEY=API_KEY, WANDB_ENTITY="demo", WANDB_SILENT="true")
        import wandb

        api = wandb.Api(timeout=19)
        cases = [
            ("1 key, 500 samples: pandas to_csv", pandas_csv(api, ["loss"], 500)),
            ("1 key, 500 samples: ours, every row (--budget 0)",
             ours(url, "history", RUN, "--keys", "loss", "--samples", "500", "--budget", "0", "--max-output-tokens", "0")),
            ("3 keys, 500 samples/key: pandas to_csv (outer join)", pandas_csv(api, KEYS3, 500)),
            ("3 keys, 500 samples/key: ours, every row (--budget 0)",
             ours(url, "history", RUN, "--keys", ",".join(KEYS3), "--samples", "500", "--budget", "0", "--max-output-tokens", "0")),
            ("3 keys: ours, default (dense, ~20,000 samples/key; budget 1500)",
             ours(url, "history", RUN, "--keys", ",".join(KEYS3))),
            ("3 keys: ours --stats", ours(url, "history", RUN, "--keys", ",".join(KEYS3), "--stats")),
            ("diagnose: ours", ours(url, "diagnose", RUN)),
        ]
        print(f"Run {RUN} (1,200,001 steps), keys {','.join(KEYS3)}; o200k tokens\n")
        print("| output | rows | bytes | tokens |")
        print("|---|---:|---:|---:|")
        for name, text in cases:
            rows = sum(1 for l in text.splitlines()[1:] if not l.startswith("#"))
            print(f"| {name} | {rows} | {len(text.encode())} | {tokens(text)} |")
        crashes(api, url)
        frameworks(api, url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CRASHES = {
    "cudaoom1": "CUDA OOM, 8 GPUs",
    "hostoom2": "host OOM",
    "ncclto03": "NCCL timeout, 8 GPUs",
    "stall004": "stalled, 8 GPUs",
    "preempt5": "preempted",
    "failnotb": "failed, no traceback",
    "progbar8": "120k progress-bar lines",
    "oldlog09": "log only in a 9 MB output.log",
}


def crashes(api, url):
    """Why-did-it-die outputs on demo/crashes, against what the official client hands back."""
    allow = ("--allow", start_emulator.storage)
    print("\nRuns of demo/crashes; o200k tokens (official client: `console_logs(last=1000)` lines"
          " joined, `history(stream=\"system\")` to_csv)\n")
    print("| run | diagnose | logs --errors | logs (default) | system | client console tail | client system CSV |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run_id, what in CRASHES.items():
        path = f"demo/crashes/{run_id}"
        run = api.run(path)
        try:
            client_logs = "\n".join(l.content for l in run.console_logs(last=1000))
            client_logs = str(tokens(client_logs)) if client_logs else "(none)"
        except Exception as e:  # noqa: BLE001 - the client's own failure is the data point
            client_logs = f"error: {type(e).__name__}"
        system = run.history(stream="system", samples=500)
        client_system = str(tokens(system.to_csv(index=False))) if len(system) else "(none)"
        row = [tokens(ours(url, cmd, path, *extra, *allow)) for cmd, extra in
               [("diagnose", ()), ("logs", ("--errors",)), ("logs", ()), ("system", ())]]
        print(f"| {run_id} ({what}) | {row[0]} | {row[1]} | {row[2]} | {row[3]} | {client_logs} | {client_system} |")


def frameworks(api, url):
    """Runs shaped like the Trainer, Lightning and Keras log them, and the tidy long run: each
    output now, before this round's changes (when BEFORE_COMPONENT names a component built
    from an earlier commit, see the README), and what the official client hands back."""
    import json

    before = os.environ.get("BEFORE_COMPONENT")
    trainer, lightning, keras = (f"demo/frameworks/{r}" for r in ("hftrnr01", "ltng0002", "keras003"))

    def client_summary(path):
        run = api.run(path)
        return json.dumps({"config": run.config, "summary": run.summary._json_dict})

    cases = [
        ("Trainer summary (205 config keys)", ("summary", trainer), client_summary(trainer)),
        ("Lightning summary (100 per-class metrics)", ("summary", lightning), client_summary(lightning)),
        ("Keras summary", ("summary", keras), client_summary(keras)),
        ("Trainer 3-key curve (train/loss, train/grad_norm, eval/loss)",
         ("history", trainer, "--keys", "train/loss,train/grad_norm,eval/loss"), None),
        ("long run 3-key curve (loss, val_loss, grad_norm)", ("history", RUN, "--keys", ",".join(KEYS3)), None),
        ("long run stats, 1 key", ("history", RUN, "--keys", "loss", "--stats"), None),
        ("long run stats, 3 keys", ("history", RUN, "--keys", ",".join(KEYS3), "--stats"), None),
        ("Trainer diagnose", ("diagnose", trainer), None),
    ]
    print("\nRuns of demo/frameworks and the long run; o200k tokens (client: `run.config` and "
          "`run.summary` as JSON)\n")
    print("| output | before | now | official client |")
    print("|---|---:|---:|---:|")
    for name, args, client in cases:
        now = tokens(ours(url, *args))
        then = tokens(ours(url, "--component", before, *args)) if before else "(not measured)"
        print(f"| {name} | {then} | {now} | {tokens(client) if client else '—'} |")


if __name__ == "__main__":
    sys.exit(main())
