"""The task benchmark's questions (`bench/tasks.py` runs them): each a record with its text,
its right answer (read from the answer key that `server/examples/bench_answers.rs` prints),
how our CLI answers it (the calls docs/agent-protocol.md prescribes) and how a careful
agent's script on the official `wandb` client answers it. To add a question, append a
`Question` to QUESTIONS.

`cli(*args)` runs one CLI call and returns what it printed; `c` is the client side: `c.runs`,
`c.run`, `c.history`, `c.scan`, `c.console`, `c.file_tail` are its API calls and `c.say` what
its script prints. Both carry `answers`, the key, for the names of the runs asked about.
"""

import csv
import io
import json
import re
import statistics
from dataclasses import dataclass
from typing import Any, Callable


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
    ours: Callable[[Any], Any]  # given `cli`
    client: Callable[[Any], Any]  # given `c`
    uses: tuple = ()  # helpers the client script needs besides `client` (their code counts)


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


def final_values(c, project, metric, **kw):
    """One row per run that has a finite final `metric`: its config (W&B's own keys left out)
    and that value."""
    import pandas as pd

    runs = c.runs(project, **kw)
    df = pd.DataFrame([{**{k: v for k, v in r.config.items() if not k.startswith("_")},
                        metric: r.summary.get(metric)} for r in runs])
    df[metric] = pd.to_numeric(df[metric], errors="coerce")
    return df[df[metric].notna()]


def eta(df, groups, metric):
    """The correlation ratio of `metric` over `groups` (a column, or bins of one)."""
    y = df[metric]
    means = df.groupby(groups, observed=True)[metric].agg(["mean", "count"])
    between = (means["count"] * (means["mean"] - y.mean()) ** 2).sum()
    return (between / ((y - y.mean()) ** 2).sum()) ** 0.5


def q_params_client(c):
    import pandas as pd

    sweep = c.answers["sweep_strongest"]["sweep"]
    df = final_values(c, "demo/sweep", "val_loss", filters={"sweep": sweep}, per_page=200)
    strength = {}
    for key in df.columns.drop("val_loss"):
        col = df[key]
        if col.nunique() < 2:
            continue
        if pd.api.types.is_numeric_dtype(col):  # Spearman: Pearson of the ranks
            strength[key] = abs(col.rank().corr(df["val_loss"].rank()))
        else:
            strength[key] = eta(df, key, "val_loss")
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
        if "console only in the log file" in detail:
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


def q_long_runs_ours(cli):
    found = rows(cli("triage", "demo/long-runs", "--last", "10"))
    return {r["id"]: int(r["step"]) for r in found if r["finding"] != "ok"}


def q_long_runs_client(c):
    import pandas as pd

    runs = c.runs("demo/long-runs", per_page=50)
    found = {}
    for run in runs:
        # Events of 0.015% of a run: a sample misses them, so every row of the gradient norm
        # (and of the loss, for its first NaN) — the largest page the client makes.
        every = c.scan(run, keys=["grad_norm", "loss"], page_size=100_000)
        steps = [r["_step"] for r in every]
        grad = pd.Series([float(r["grad_norm"]) for r in every], index=steps)
        loss = pd.Series([float(r["loss"]) for r in every], index=steps)
        level = grad.rolling(20).median().shift(1)
        hits = grad[grad > 10 * level]
        nans = loss[loss.isna()]
        c.say(f"{run.id}: {len(every)} rows; grad_norm first above 10x at "
              f"{hits.index[0] if len(hits) else None}; first NaN loss at {nans.index[0] if len(nans) else None}")
        if len(nans):
            found[run.id] = int(nans.index[0])
        elif len(hits):
            found[run.id] = int(hits.index[0])
    return found


def q_lr_sweep_ours(cli):
    table = cli("params", "demo/lr-sweep", "--metric", "val_loss", "--last", "60").splitlines()
    return next(line for line in table if not line.startswith("#")
                and not line.startswith(("best,", "key,"))).split(",")[0]


def q_lr_sweep_client(c):
    import numpy as np
    import pandas as pd

    df = final_values(c, "demo/lr-sweep", "val_loss", per_page=100)
    strength = {}
    for key in df.columns.drop("val_loss"):
        col = df[key]
        if col.nunique() < 2:
            continue
        if pd.api.types.is_numeric_dtype(col):
            # A careful agent looks past the rank correlation: per-bin means over log-spaced
            # bins catch a U shape that Spearman understates.
            rho = abs(col.rank().corr(df["val_loss"].rank()))
            logs = np.log10(col.astype(float).clip(lower=1e-12))
            bins = pd.cut(logs, 6) if col.nunique() > 6 else col
            strength[key] = max(rho, eta(df, bins, "val_loss"))
        else:
            strength[key] = eta(df, key, "val_loss")
    ranked = sorted(strength.items(), key=lambda kv: -kv[1])
    c.say(f"{len(df)} runs; " + " ".join(f"{k}={v:.2f}" for k, v in ranked))
    return ranked[0][0]


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
             lambda k: k["sweep_strongest"]["key"], q_params_ours, q_params_client, (final_values, eta)),
    Question("crash-causes", "Why did the runs of demo/crashes die (cause per run)?",
             lambda k: k["crash_causes"], q_crash_ours, q_crash_client, (cause_of,)),
    Question("long-runs-trouble", "Which of demo/long-runs' ten runs (up to 2M steps) went wrong, at which step?",
             lambda k: k["long_runs_trouble"], q_long_runs_ours, q_long_runs_client),
    Question("lr-sweep-params", "Which hyperparameter matters for val_loss in demo/lr-sweep?",
             lambda k: k["lr_sweep_strongest"]["key"], q_lr_sweep_ours, q_lr_sweep_client,
             (final_values, eta)),
    Question("narrow-explosion", "Where is the 200-step gradient explosion in a 1M-step run?",
             lambda k: k["narrow_explosion"]["step"], q_narrow_ours, q_narrow_client),
]
