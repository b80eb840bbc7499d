"""Writes genuine W&B run directories with the official `wandb` client, offline, no server.

    WANDB_MODE is forced to offline; usage: python tests/local/make_runs.py OUT_DIR [NAME ...]

Each scenario is one small training script run in its own process (a crash must really raise,
a live run must really be killed), all under OUT_DIR/wandb/. Steps and values are fixed, so the
end-to-end tests can check exact answers:

- explosion  300 steps; grad_norm x100 from step 150, the loss spikes from step 152; finishes.
- nan        200 steps; the loss is NaN from step 120 on (Infinity at 119); finishes.
- crash      60 steps, then raises RuntimeError (CUDA out of memory) at step 60: exit code 1,
             the traceback on stderr; system stats every second (about 3 s of them).
- histograms 50 steps; wandb.Histogram of fc1 weights every 10 steps (numpy only), loss.
- failed     30 steps, then wandb.finish(exit_code=3).
- demo       400 steps with all of it (the run shipped in demo/local/): grad_norm x50 from
             step 250, the loss spikes from 252 and is NaN from 300; val_loss every 50 steps;
             a histogram of fc1 weights every 100 steps; stats every second; raises
             FloatingPointError at step 320: exit code 1, traceback on stderr.
- long       12,000 steps of three scalars (about 5 MB): step windows are read by blocks.
- live       logs forever; killed with SIGKILL after step 100 was flushed: no exit record.
"""

import os
import signal
import subprocess
import sys
import time

RUNNERS = {
    "explosion": """
import math
run = wandb.init(project="local-demo", id="explode1", name="explosion",
                 config={"lr": 0.003, "optimizer": {"name": "adamw", "beta1": 0.9}, "batch_size": 64})
for step in range(300):
    grad = 1.0 + 0.1 * math.sin(step) + (100.0 if step >= 150 else 0.0)
    loss = 2.0 * math.exp(-step / 80) + 0.1 + (5.0 if step >= 152 else 0.0)
    row = {"loss": loss, "grad_norm": grad, "epoch": step // 100}
    if step % 50 == 49:
        row["val_loss"] = loss + 0.05
    wandb.log(row, step=step)
run.finish()
""",
    "nan": """
run = wandb.init(project="local-demo", id="nanrun01", name="nan-onset", config={"lr": 0.1})
for step in range(200):
    loss = 1.0 / (step + 1)
    if step == 119:
        loss = float("inf")
    elif step >= 120:
        loss = float("nan")
    wandb.log({"loss": loss, "lr": 0.1}, step=step)
run.finish()
""",
    "crash": """
import time
run = wandb.init(project="local-demo", id="crash001", name="oom-crash", config={"lr": 0.01},
                 settings=wandb.Settings(x_stats_sampling_interval=1.0))
for step in range(60):
    wandb.log({"loss": 1.0 - step / 100}, step=step)
    time.sleep(0.05)
print("epoch 0 done", flush=True)
time.sleep(1.0)
raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
""",
    "histograms": """
import numpy as np
run = wandb.init(project="local-demo", id="hist0001", name="histograms", config={"lr": 0.001})
rng = np.random.default_rng(0)
for step in range(50):
    row = {"loss": 1.0 / (step + 1)}
    if step % 10 == 0:
        row["weights/fc1"] = wandb.Histogram(rng.normal(0, 1 + step / 10, 1000), num_bins=16)
    wandb.log(row, step=step)
run.finish()
""",
    "failed": """
run = wandb.init(project="local-demo", id="failed01", name="bad-exit", config={"lr": 0.5})
for step in range(30):
    wandb.log({"loss": 0.5}, step=step)
run.finish(exit_code=3)
""",
    "demo": """
import math, time
import numpy as np
run = wandb.init(project="local-demo", id="demo0001", name="demo-explosion",
                 config={"lr": 0.003, "optimizer": {"name": "adamw"}, "batch_size": 64},
                 settings=wandb.Settings(x_stats_sampling_interval=1.0))
rng = np.random.default_rng(0)
for step in range(321):
    grad = 1.0 + 0.1 * math.sin(step) + (50.0 if step >= 250 else 0.0)
    loss = 2.0 * math.exp(-step / 100) + 0.1 + (3.0 if step >= 252 else 0.0)
    if step >= 300:
        loss = float("nan")
    row = {"loss": loss, "grad_norm": grad, "epoch": step // 100}
    if step % 50 == 49:
        row["val_loss"] = loss + 0.05
    if step % 100 == 0:
        row["weights/fc1"] = wandb.Histogram(rng.normal(0, 1, 500), num_bins=8)
    wandb.log(row, step=step)
    if step % 40 == 0:
        print(f"step {step} loss {loss:.4f}", flush=True)
    time.sleep(0.01)
    if step == 320:
        raise FloatingPointError(f"loss is NaN at step {step}")
""",
    "long": """
run = wandb.init(project="local-demo", id="long0001", name="long", config={"lr": 0.05})
for step in range(12000):
    wandb.log({"loss": 1.0 + 1.0 / (1 + step), "grad_norm": float(step % 97), "acc": step / 12000},
              step=step)
run.finish()
""",
    "live": """
import sys, time
run = wandb.init(project="local-demo", id="live0001", name="still-training", config={"lr": 0.02})
for step in range(10**9):
    wandb.log({"loss": 1.0 / (step + 1)}, step=step)
    if step == 100:
        print("STEP100", flush=True)
    time.sleep(0.01)
""",
}


def run_script(out_dir: str, name: str) -> None:
    code = "import wandb\n" + RUNNERS[name]
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=out_dir)
    env.pop("WANDB_BASE_URL", None)
    env.pop("WANDB_API_KEY", None)
    if name != "live":
        done = subprocess.run([sys.executable, "-c", code], cwd=out_dir, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        expected = 1 if name in ("crash", "demo") else 0
        if done.returncode != expected:
            sys.exit(f"error: scenario {name} exited {done.returncode}, expected {expected}")
        return
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=out_dir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "STEP100" not in line:
        proc.kill()
        sys.exit("error: the live scenario never reached step 100")
    # The client's service process writes the file: give it a moment to flush step 100, then
    # kill the training process without a chance to write an exit record (the service, its
    # child, notices and stops without writing one either).
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = os.path.abspath(sys.argv[1])
    os.makedirs(out_dir, exist_ok=True)
    for name in sys.argv[2:] or list(RUNNERS):
        if name not in RUNNERS:
            sys.exit(f"error: unknown scenario {name} (known: {', '.join(RUNNERS)})")
        run_script(out_dir, name)


if __name__ == "__main__":
    main()
