"""Task-level benchmark: diagnosis questions on the emulator's demo data, answered twice —

* ours   — the calls docs/agent-protocol.md prescribes, with the built CLI
           (`target/release/wandb-agent`, a fresh process per call);
* client — a Python script on the official `wandb` client (`wandb.Api()`), written the way a
           careful agent would: `api.runs`, `run.summary`, `run.history(samples=...)` to find
           suspects, and exact `run.scan_history(keys=..., page_size=...)` where sampling can
           miss the event or cannot give its exact step.

Both run against `wandb-emulator --delay-ms 300` (every HTTP request answered after 300 ms,
a W&B-like round trip). Per question and in total: calls (CLI calls; API calls of the script:
each `api.runs`, `api.run`, `history`, `scan_history`, `console_logs`, file download),
o200k tokens of what each prints (`target/release/tokcount`), HTTP requests (counted by the
emulator, both origins), wall time, and whether the answer is right.

The right answers come from the emulator's planted constants and store
(`server/examples/bench_answers.rs`), never from what a tool printed. Any wrong answer makes
the script exit 1 after the table, naming it, so it is also a check.

Run: `python3 bench/tasks.py [--delay-ms 300] [--repeat N] [--only NAME,...] [--skip-client]` after
`cargo build --release` (scripts/bench.sh does both). To add a question, append a `Question`
to QUESTIONS (and its answer to bench_answers.rs when it needs a new one).
"""

import argparse
import ast
import csv
import inspect
import io
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release"
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"


# --- the emulator, the answer key, tokens ------------------------------------------------


class Emulator:
    def __init__(self, delay_ms):
        self.proc = subprocess.Popen(
            [str(BIN / "wandb-emulator"), "--listen", "127.0.0.1:0", "--api-key", API_KEY,
             "--delay-ms", str(delay_ms)],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+) \(run files on (http://[0-9.:]+)\)", line)
        if not found:
            self.proc.kill()
            raise SystemExit(f"error: the emulator did not start: {line!r}")
        self.url, self.files = found.groups()

    def requests(self):
        """HTTP requests served so far on both origins (the counter itself is not counted)."""
        with urllib.request.urlopen(f"{self.url}/__stats", timeout=10) as reply:
            return json.load(reply)["http_requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def answer_key():
    """The planted answers (one JSON line from the emulator's own crate)."""
    out = subprocess.run(
        ["cargo", "run", "--release", "--quiet", "-p", "wandb-emulator", "--example", "bench_answers"],
        cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"error: the answer key did not build: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def tokens(text):
    out = subprocess.run([str(BIN / "tokcount")], input=text, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


# --- the two agents ----------------------------------------------------------------------


class Cli:
    """Our CLI, one process per call; what it prints is what the agent reads."""

    def __init__(self, emu, tmp):
        self.emu = emu
        self.env = {"PATH": os.environ["PATH"], "HOME": tmp, "WANDB_BASE_URL": emu.url,
                    "WANDB_API_KEY": API_KEY, "WANDB_AGENT_CACHE_DIR": os.path.join(tmp, "cache")}
        self.calls = 0
        self.printed = []
        self.written = []  # the command lines the agent types

    def __call__(self, *args):
        # The storage origin is allowed as an operator would allow W&B's bucket (README's
        # security model): run logs kept only as files are then one request away.
        cmd = [str(BIN / "wandb-agent"), "--allow", self.emu.files, *args]
        out = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        self.calls += 1
        self.written.append(" ".join(["wandb-agent", *args]) + "\n")
        self.printed.append(out.stdout + out.stderr)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {out.returncode}: {out.stderr.strip()}")
        return out.stdout


class Client:
    """The official client. Every method is one API call of an agent's script; `say` is what
    the script prints (the agent reads that, so its tokens count)."""

    def __init__(self):
        import wandb

        self.api = wandb.Api(timeout=120)
        self.calls = 0
        self.printed = []
        self.written = []  # the script the agent writes: see `source`

    def say(self, text):
        self.printed.append(str(text) + "\n")

    def runs(self, path, limit=None, **kw):
        """Runs with their config and summary (`lazy=False`: in one request per page, not one
        more per run as the default lazy listing costs when config or summary is read)."""
        self.calls += 1
        return list(itertools.islice(self.api.runs(path, lazy=False, **kw), limit))

    def run(self, path):
        self.calls += 1
        return self.api.run(path)

    def history(self, run, **kw):
        self.calls += 1
        return run.history(**kw)

    def scan(self, run, **kw):
        self.calls += 1
        return list(run.scan_history(**kw))

    def console(self, run, last):
        self.calls += 1
        return [line.content for line in run.console_logs(last=last)]

    def file_tail(self, run, name, lines):
        """The end of a run file; a pre-signed URL that has expired is asked for again once."""
        for attempt in (1, 2):
            self.calls += 1
            try:
                with tempfile.TemporaryDirectory() as root:
                    run.file(name).download(root=root, replace=True).close()
                    with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                        return f.read().splitlines()[-lines:]
            except Exception:
                if attempt == 2:
                    raise


# --- shared reading of what was printed -------------------------------------------------


def rows(text):
    """The CSV rows of a tool's output (its `#` lines left out)."""
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(body))))


CAUSES = [  # how an agent reads a console tail or a cause column; first match wins
    ("gpu-out-of-memory", r"CUDA out of memory|gpu-out-of-memory"),
    ("distributed-timeout", r"NCCL|Watchdog caught collective|distributed-timeout"),
    ("nan-inf-check", r"returned nan values|nan-inf-check"),
    ("disk-full", r"No space left on device|disk-full"),
    ("data-loader", r"DataLoader worker|data-loader"),
    ("host-out-of-memory", r"(?m)^Killed$|host-out-of-memory|MemoryError"),
    ("preempted", r"SIGTERM|preempt"),
    ("stalled", r"\bstalled\b"),
    ("missing-path", r"does not exist"),
]


def cause_of(text):
    for cause, pattern in CAUSES:
        if re.search(pattern, text):
            return cause
    return "unknown"


def first_above(values, factor=10.0, window=20):
    """The index of the first value above `factor` × the median of the `window` before it."""
    for i in range(window, len(values)):
        level = statistics.median(values[i - window:i])
        if values[i] == values[i] and values[i] > factor * level:
            return i
    return None


def pin(c, run, key, lo, hi, hit):
    """The exact first step in [lo, hi] where `hit(value)`: every logged row of the window."""
    window = c.scan(run, keys=[key], min_step=lo, max_step=hi + 1, page_size=hi - lo + 1)
    for row in window:
        if hit(row[key]):
            c.say(f"{run.id} {key} first at step {row['_step']}: {row[key]}")
            return row["_step"]
    return None


def explosion_and_nan(c, run, samples, nan_too=True):
    """A careful agent's look at one run: sampled history to find suspects, then exact scans
    of the windows that bracket them. Returns (explosion step, first NaN step of loss; None
    when not asked)."""
    df = c.history(run, keys=["loss", "grad_norm"], samples=samples).sort_values("_step")
    steps = [int(s) for s in df["_step"]]
    grad = [float(v) for v in df["grad_norm"]]
    loss = [float(v) for v in df["loss"]]
    explosion = nan = None
    i = first_above(grad)
    if i is not None:
        level = statistics.median(grad[i - 20:i])
        explosion = pin(c, run, "grad_norm", steps[i - 1] + 1, steps[i], lambda v: float(v) > 10 * level)
    j = next((k for k, v in enumerate(loss) if v != v), None) if nan_too else None
    if j is not None and j > 0:
        nan = pin(c, run, "loss", steps[j - 1] + 1, steps[j], lambda v: float(v) != float(v))
    return explosion, nan


# --- the questions -----------------------------------------------------------------------


@dataclass
class Question:
    name: str
    text: str
    expected: Callable[[dict], Any]  # from the answer key
    ours: Callable[[Cli], Any]
    client: Callable[[Client], Any]
    uses: tuple = ()  # helpers the client script needs besides `client` (their code counts)


def source(functions):
    """The code an agent writes for a script: the functions without docstrings or comments."""
    text = []
    for f in functions:
        tree = ast.parse(inspect.getsource(f))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        text.append(ast.unparse(tree))
    return "\n\n".join(text) + "\n"


def q_best_ours(cli):
    cli("list-runs", "demo/llm-finetune")
    first = cli("best", "demo/llm-finetune", "--metric", "val_loss").splitlines()[0].split(",")
    return {"id": first[1], "val_loss": float(first[3])}


def q_best_client(c):
    runs = c.runs("demo/llm-finetune", limit=5, order="-created_at", filters={"state": {"$ne": "crashed"}}, per_page=5)
    table = [(r.id, r.name, r.state, r.created_at, r.summary.get("val_loss")) for r in runs]
    c.say("id,name,state,created_at,val_loss")
    for row in table:
        c.say(",".join(str(x) for x in row))
    scored = [(v, i) for i, _, _, _, v in table if isinstance(v, (int, float)) and v == v]
    value, best = min(scored)
    return {"id": best, "val_loss": value}


def q_overfit_ours(cli):
    run = cli.answers["overfit_best_val"]["run"]
    best = json.loads(cli("summary", f"demo/llm-finetune/{run}").splitlines()[0])["best"]["val_loss"]
    return {"step": best["step"], "val_loss": best["min"]}


def q_overfit_client(c):
    run = c.run(f"demo/llm-finetune/{c.answers['overfit_best_val']['run']}")
    df = c.history(run, keys=["val_loss"], samples=1000)  # 51 logged rows: all of them come back
    best = df.loc[df["val_loss"].idxmin()]
    c.say(f"{len(df)} rows; final val_loss {run.summary.get('val_loss')}; min {best['val_loss']} at step {int(best['_step'])}")
    return {"step": int(best["_step"]), "val_loss": float(best["val_loss"])}


def q_long_ours(cli):
    found = rows(cli("diagnose", f"demo/vision/{cli.answers['long_run']['run']}"))
    explosion = next(int(r["step"]) for r in found if r["finding"] == "explosion" and r["key"] == "grad_norm")
    nan = next(int(r["step"]) for r in found if r["finding"] == "divergence" and r["key"] == "loss")
    return {"explosion_step": explosion, "nan_step": nan}


def q_long_client(c):
    run = c.run(f"demo/vision/{c.answers['long_run']['run']}")
    c.say(f"{run.id} {run.state} last step {run.lastHistoryStep}; summary loss {run.summary.get('loss')}")
    explosion, nan = explosion_and_nan(c, run, samples=2000)
    return {"explosion_step": explosion, "nan_step": nan}


def q_sweep_ours(cli):
    sweep = cli.answers["sweep_diverged"]["sweep"]
    found = rows(cli("triage", "demo/sweep", "--sweep", sweep, "--last", "150"))
    return {r["id"]: int(r["step"]) for r in found if r["finding"] == "explosion" and r["key"] == "grad_norm"}


def q_sweep_client(c):
    sweep = c.answers["sweep_diverged"]["sweep"]
    runs = c.runs("demo/sweep", filters={"sweep": sweep}, per_page=200)
    found = {}
    for run in runs:
        explosion, _ = explosion_and_nan(c, run, samples=500, nan_too=False)
        if explosion is not None:
            found[run.id] = explosion
    c.say(f"{len(runs)} runs checked, {len(found)} with an exploding gradient norm: {found}")
    return found


def q_params_ours(cli):
    sweep = cli.answers["sweep_strongest"]["sweep"]
    table = cli("params", "demo/sweep", "--metric", "val_loss", "--sweep", sweep).splitlines()
    return next(line for line in table if not line.startswith("#")
                and not line.startswith(("best,", "key,"))).split(",")[0]


def q_params_client(c):
    import pandas as pd

    sweep = c.answers["sweep_strongest"]["sweep"]
    runs = c.runs("demo/sweep", filters={"sweep": sweep}, per_page=200)
    df = pd.DataFrame([{**{k: v for k, v in r.config.items() if not k.startswith("_")},
                        "val_loss": r.summary.get("val_loss")} for r in runs])
    df["val_loss"] = pd.to_numeric(df["val_loss"], errors="coerce")
    df = df[df["val_loss"].notna()]
    strength = {}
    for key in df.columns.drop("val_loss"):
        col = df[key]
        if col.nunique() < 2:
            continue
        if pd.api.types.is_numeric_dtype(col):  # Spearman: Pearson of the ranks
            strength[key] = abs(col.rank().corr(df["val_loss"].rank()))
        else:  # correlation ratio
            means = df.groupby(key)["val_loss"].agg(["mean", "count"])
            between = (means["count"] * (means["mean"] - df["val_loss"].mean()) ** 2).sum()
            strength[key] = (between / ((df["val_loss"] - df["val_loss"].mean()) ** 2).sum()) ** 0.5
    ranked = sorted(strength.items(), key=lambda kv: -kv[1])
    c.say(f"{len(df)} runs; " + " ".join(f"{k}={v:.2f}" for k, v in ranked))
    return ranked[0][0]


def q_crash_ours(cli):
    asked = cli.answers["crash_causes"]
    causes = {}
    for r in rows(cli("triage", "demo/crashes")):
        if r["id"] not in asked:
            continue
        key, detail = r["key"], r["detail"]
        if "diagnose also reads its log file" in detail:
            crash = next(x for x in rows(cli("diagnose", f"demo/crashes/{r['id']}")) if x["finding"] == "crash")
            key, detail = crash["key"], crash["detail"]
        causes[r["id"]] = key if key != "unknown" else cause_of(detail)
    return causes


def q_crash_client(c):
    from datetime import datetime, timezone

    asked = c.answers["crash_causes"]
    runs = c.runs("demo/crashes", filters={"state": {"$in": ["failed", "crashed", "killed", "preempted", "running"]}})
    causes = {}
    for run in runs:
        c.say(f"{run.id} {run.state} exit={run.summary.get('exitcode', '')} heartbeat={run.heartbeatAt}")
        if run.id not in asked:
            continue
        if run.state == "running":
            beat = datetime.fromisoformat(run.heartbeatAt.rstrip("Z")).replace(tzinfo=timezone.utc)
            age = datetime.now(timezone.utc) - beat
            if age.total_seconds() > 600:
                c.say(f"  running, no heartbeat for {age}")
                causes[run.id] = "stalled"
                continue
        tail = c.console(run, last=20)
        if not tail:
            tail = c.file_tail(run, "output.log", 20)
        tail = [line[:240] for line in tail]
        c.say("\n".join(tail))
        cause = cause_of("\n".join(tail))
        causes[run.id] = "preempted" if cause == "unknown" and run.state == "preempted" else cause
    return causes


def q_narrow_ours(cli):
    found = rows(cli("diagnose", f"demo/detection/{cli.answers['narrow_explosion']['run']}"))
    return next(int(r["step"]) for r in found if r["finding"] == "explosion" and r["key"] == "grad_norm")


def q_narrow_client(c):
    import pandas as pd

    key = c.answers["narrow_explosion"]
    run = c.run(f"demo/detection/{key['run']}")
    # An event of 0.02% of the run: a sample of 1,000 rows holds it one time in five, so
    # only every row will do. The largest page the client makes in reasonable time.
    every = c.scan(run, keys=["grad_norm"], page_size=100_000)
    s = pd.Series([float(r["grad_norm"]) for r in every], index=[r["_step"] for r in every])
    level = s.rolling(20).median().shift(1)
    hits = s[s > 10 * level]
    c.say(f"{len(s)} rows; grad_norm max {s.max():.4g} at {s.idxmax()}; first above 10x its level at {hits.index[0]}")
    return int(hits.index[0])


QUESTIONS = [
    Question("best-of-last-5", "Which of the last 5 fine-tuning runs is best on val_loss?",
             lambda k: k["finetune_best_of_last_5"], q_best_ours, q_best_client),
    Question("overfit-best", "Best val_loss of ft05ovf1, and at which step?",
             lambda k: k["overfit_best_val"]["best"], q_overfit_ours, q_overfit_client),
    Question("long-run", "Where did the 1.2M-step run go wrong (explosion step, NaN onset)?",
             lambda k: {f: k["long_run"][f] for f in ("explosion_step", "nan_step")}, q_long_ours, q_long_client),
    Question("sweep-gradients", "Which of the sweep's 150 runs had gradient trouble, at which step?",
             lambda k: {run: v["explosion_step"] for run, v in k["sweep_diverged"]["runs"].items()},
             q_sweep_ours, q_sweep_client, (explosion_and_nan, first_above, pin)),
    Question("sweep-params", "Which hyperparameter matters for val_loss in the sweep?",
             lambda k: k["sweep_strongest"]["key"], q_params_ours, q_params_client),
    Question("crash-causes", "Why did the runs of demo/crashes die (cause per run)?",
             lambda k: k["crash_causes"], q_crash_ours, q_crash_client, (cause_of,)),
    Question("narrow-explosion", "Where is the 200-step gradient explosion in a 1M-step run?",
             lambda k: k["narrow_explosion"]["step"], q_narrow_ours, q_narrow_client),
]


# --- measuring -----------------------------------------------------------------------------


def same(got, want):
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-3 * max(1.0, abs(want))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    return got == want


def measure(emu, agent, answer, code=None):
    before = emu.requests()
    start = time.perf_counter()
    try:
        got, error = answer(agent), None
    except Exception as e:  # a wrong answer, not a crash of the benchmark: reported below
        got, error = None, f"{type(e).__name__}: {e}"
    wall = time.perf_counter() - start
    written = code if code is not None else "".join(agent.written)
    return {"got": got, "error": error, "wall": wall, "requests": emu.requests() - before,
            "calls": agent.calls, "tokens": tokens("".join(agent.printed)), "written": tokens(written)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=int, default=300)
    parser.add_argument("--only", help="comma-separated question names")
    parser.add_argument("--skip-client", action="store_true", help="only our CLI")
    parser.add_argument("--repeat", type=int, default=1, help="answer each question N times with our CLI")
    args = parser.parse_args()
    questions = [q for q in QUESTIONS if not args.only or q.name in args.only.split(",")]
    key = answer_key()
    emu = Emulator(args.delay_ms)
    tmp = tempfile.mkdtemp(prefix="tasks-")
    os.environ.update(WANDB_BASE_URL=emu.url, WANDB_API_KEY=API_KEY, WANDB_ENTITY="demo",
                      WANDB_SILENT="true", WANDB_ERROR_REPORTING="false", WANDB_DISABLE_CODE="true",
                      WANDB_CACHE_DIR=os.path.join(tmp, "wandb-cache"), WANDB_DIR=tmp)
    results = []
    try:
        warm = Cli(emu, tmp)
        warm("list-runs", "demo/empty")  # compile the component into the cache once
        for q in questions:
            want = q.expected(key)
            row = {}
            for side in ("ours", "client"):
                if side == "client" and args.skip_client:
                    continue
                # Our side again and again: its answers rest on W&B's random sampling, so
                # its rightness is a rate (the client's scans are exact where it matters).
                runs = []
                for _ in range(args.repeat if side == "ours" else 1):
                    agent = Cli(emu, tmp) if side == "ours" else Client()
                    agent.answers = key
                    if side == "ours":
                        m = measure(emu, agent, q.ours)
                    else:
                        m = measure(emu, agent, q.client, source((q.client, *q.uses)))
                    m["right"] = m["error"] is None and same(m["got"], want)
                    runs.append(m)
                    if not m["right"]:
                        print(f"{q.name} {side}: WRONG: got {m['got']!r} ({m['error']}), want {want!r}",
                              file=sys.stderr, flush=True)
                m = {f: statistics.median(r[f] for r in runs) for f in ("wall", "requests", "calls", "tokens", "written")}
                m["right"], m["n"] = sum(r["right"] for r in runs), len(runs)
                row[side] = m
                print(f"{q.name} {side}: {m['right']}/{m['n']} right, median {m['wall']:.1f} s, "
                      f"{m['calls']} calls, {m['requests']} requests, {m['tokens']} tokens read, "
                      f"{m['written']} written", file=sys.stderr, flush=True)
            results.append((q, row))
    finally:
        emu.stop()
    report(results, args.delay_ms, args.repeat)
    wrong = [f"{q.name} ({side})" for q, row in results for side, m in row.items() if m["right"] < m["n"]]
    if wrong:
        raise SystemExit(f"error: wrong answers: {', '.join(wrong)}")


def report(results, delay_ms, repeat):
    print(f"Every HTTP request answered after {delay_ms} ms; ours answered each question {repeat} "
          f"times (medians shown), the client once. calls: CLI calls (ours), API calls of "
          f"the script (client); read: o200k tokens of everything printed; written: o200k tokens "
          f"of the command lines (ours) or of the script without comments (client); requests: "
          f"HTTP, both origins.\n")
    print("| question | tool | right | calls | tokens read | tokens written | requests | wall |")
    print("|---|---|:-:|---:|---:|---:|---:|---:|")
    totals = {}
    for q, row in results:
        for side, m in row.items():
            t = totals.setdefault(side, {"calls": 0, "tokens": 0, "written": 0, "requests": 0, "wall": 0.0,
                                         "right": 0, "n": 0})
            for f in ("calls", "tokens", "written", "requests", "wall", "right", "n"):
                t[f] += m[f]
            print(f"| {q.text} | {side} | {right(m)} | {m['calls']:,.0f} | {m['tokens']:,.0f} "
                  f"| {m['written']:,.0f} | {m['requests']:,.0f} | {m['wall']:.1f} s |")
    for side, t in totals.items():
        print(f"| **total** | {side} | {right(t)} | {t['calls']:,.0f} | {t['tokens']:,.0f} | {t['written']:,.0f} "
              f"| {t['requests']:,.0f} | {t['wall']:.1f} s |")


def right(m):
    text = f"{m['right']}/{m['n']}"
    return text if m["right"] == m["n"] else f"**{text}**"


if __name__ == "__main__":
    main()
