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
to QUESTIONS in `bench/questions.py` (and its answer to bench_answers.rs when it needs a new
one).
"""

import argparse
import ast
import inspect
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
from pathlib import Path

from questions import QUESTIONS

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
    totals = report(results, args.delay_ms, args.repeat)
    wrong = [f"{q.name} ({side})" for q, row in results for side, m in row.items() if m["right"] < m["n"]]
    if wrong:
        raise SystemExit(f"error: wrong answers: {', '.join(wrong)}")
    # The bar: over the whole set, fewer calls and tokens than the client, in a
    # fraction of its wall time.
    if "client" in totals:
        ours, client = totals["ours"], totals["client"]
        lost = [f for f in ("calls", "tokens", "wall") if ours[f] >= client[f]]
        if ours["wall"] > client["wall"] / 2:
            lost.append("wall (not under half)")
        if lost:
            raise SystemExit(f"error: not ahead of the wandb client on: {', '.join(lost)}")


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
    return totals


def right(m):
    text = f"{m['right']}/{m['n']}"
    return text if m["right"] == m["n"] else f"**{text}**"


if __name__ == "__main__":
    main()
