"""Reading a run from disk: a 200,000-step, 5-key run the real `wandb` client writes offline
(~98 MB `.wandb`), read in full natively (the guest's reader, `guest/examples/local_read.rs`),
inside the component by the real CLI (`list-runs FILE`: one full pass; `diagnose FILE`:
every finding over every row; `history --stats`; through a read-only pre-open, the compile
cache warm), and, for scale, by the client's own
C-accelerated protobuf.

    . scripts/python-env.sh && $PYTHON bench/local_read.py [--steps 200000] [--repeat 3]

The run is written once under target/bench-local/ (about a minute) and reused. Prints one
Markdown row per reader: file size, the best of --repeat wall-clock times, and the CPU time
(user + system) of that best run, and for the CLI its peak resident memory. On a shared machine
the CPU time is the steadier number. `--steps 1000000` (a ~490 MB log, about three minutes to
write) shows the memory bound: past 2 million values a call keeps each key's extremes.
"""

import argparse
import glob
import os
import resource
import struct
import subprocess
import sys
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WRITER = """
import math, wandb
run = wandb.init(project="bench-local", id="big{steps}", name="big", config={{"lr": 0.001}})
for step in range({steps}):
    grad = 1.0 + 0.1 * math.sin(step) + (100.0 if step >= {explode} else 0.0)
    loss = 2.0 * math.exp(-step / {scale}) + 0.1
    if step >= {nan}:
        loss = float("nan")
    wandb.log({{"loss": loss, "grad_norm": grad, "lr": 0.001, "acc": 1 - loss / 3,
               "epoch": step // 1000}}, step=step)
run.finish()
"""


def big_run(steps: int) -> str:
    out = os.path.join(ROOT, "target", "bench-local", str(steps))
    found = glob.glob(os.path.join(out, "wandb", "offline-run-*", f"run-big{steps}.wandb"))
    if found:
        return found[0]
    os.makedirs(out, exist_ok=True)
    code = WRITER.format(steps=steps, explode=steps * 3 // 4, nan=steps * 9 // 10, scale=steps / 10)
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=out)
    subprocess.run([sys.executable, "-c", code], cwd=out, env=env, check=True)
    return glob.glob(os.path.join(out, "wandb", "offline-run-*", f"run-big{steps}.wandb"))[0]


def python_parse(path: str) -> int:
    """The client's own protobuf (upb, C) over the same framing, CRC included."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = open(path, "rb").read()
    off, pending, n = 7, b"", 0
    while off + 7 <= len(data):
        left = 32768 - off % 32768
        if left < 7:
            off += left
            continue
        crc, length, kind = struct.unpack_from("<IHB", data, off)
        if kind == 0:
            break
        body = data[off + 7 : off + 7 + length]
        if zlib.crc32(bytes([kind]) + body) != crc:
            raise SystemExit(f"bad crc at {off}")
        off += 7 + length
        if kind in (1, 4):
            pb.Record().ParseFromString(pending + body if kind == 4 else body)
            pending, n = b"", n + 1
        else:
            pending += body
    return n


def cpu_seconds() -> float:
    """This process's and its finished children's user + system time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def best_of(repeat: int, fn) -> tuple:
    """(wall, cpu) of the fastest of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        fn()
        runs.append((time.perf_counter() - wall, cpu_seconds() - cpu))
    return min(runs)


def peak_rss_mib(argv, env) -> float:
    """One run of `argv`: its peak resident memory (the CLI and the component inside it)."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{argv} failed: {child.stderr.read().decode().strip()}")
    return usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = big_run(args.steps)
    size_mb = os.path.getsize(path) / 1e6
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "wandb-agent-guest",
                    "--example", "local_read"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "examples", "local_read")
    native = subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout
    print(f"file: {path} ({size_mb:.1f} MB)\nnative reader says: {native.strip()}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| reader | file | wall (best of %d) | CPU | peak RSS |" % args.repeat)
    print("|---|---|---|---|---|")
    wall, cpu = best_of(args.repeat, lambda: subprocess.run([exe, path], check=True, capture_output=True))
    print(f"| guest reader, native (`local_read` example: every row folded) | {size_mb:.0f} MB | {wall:.2f} s | {cpu:.2f} s | |")
    cli = os.path.join(ROOT, "target", "release", "wandb-agent")
    env = dict(os.environ)
    env.pop("WANDB_API_KEY", None)
    for what, argv in [
        ("`list-runs FILE`: one full pass", ["list-runs", path]),
        ("`summary FILE`: config, summary and best values", ["summary", path]),
        ("`diagnose FILE`: every finding, every row", ["diagnose", path]),
        ("`history FILE --keys loss,grad_norm --stats`", ["history", path, "--keys", "loss,grad_norm", "--stats"]),
        ("`history FILE --keys loss,grad_norm --min-step S --max-step S+10` around the explosion: blocks bisected, no full pass",
         ["history", path, "--keys", "loss,grad_norm", "--min-step", str(args.steps * 3 // 4 - 5),
          "--max-step", str(args.steps * 3 // 4 + 5)]),
    ]:
        run_cli = lambda: subprocess.run([cli, *argv], check=True, capture_output=True, env=env)
        out = run_cli()  # the first call also compiles the component into the cache
        if what.startswith("`diagnose"):
            print("diagnose says:\n" + out.stdout.decode().strip())
        wall, cpu = best_of(args.repeat, run_cli)
        rss = peak_rss_mib([cli, *argv], env)
        print(f"| component in `wandb-agent` ({what}; CLI start included) | {size_mb:.0f} MB | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MiB |")
    wall, cpu = best_of(args.repeat, lambda: python_parse(path))
    print(f"| wandb client's protobuf (C), parse only | {size_mb:.0f} MB | {wall:.2f} s | {cpu:.2f} s | |")


if __name__ == "__main__":
    main()
