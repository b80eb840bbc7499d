"""The seed's design, as the reference in the head-to-head benchmark: the official `wandb`
client plus pandas, printing CSV with `DataFrame.to_csv(index=False)` (JSON for the summary).

Usage: python3 bench/reference.py OP   with WANDB_BASE_URL and WANDB_API_KEY set;
OP is list-runs, summary, history or compare (the same questions bench/head_to_head.py asks
our CLI).
"""

import json
import sys

import pandas as pd
import wandb

PROJECT = "demo/vision"
RUN = "demo/vision/l0ng1m2x"
RUN_A, RUN_B = "demo/vision/x7k2m9qa", "demo/vision/p3n8v4rt"
KEYS = ["loss", "val_loss", "grad_norm"]


def main(op):
    api = wandb.Api(timeout=19)
    if op == "list-runs":
        runs = api.runs(PROJECT, order="-created_at", per_page=10)
        rows = [{"id": r.id, "name": r.name, "state": r.state, "created_at": r.created_at} for r, _ in zip(runs, range(10))]
        print(pd.DataFrame(rows).to_csv(index=False), end="")
    elif op == "summary":
        run = api.run(RUN)
        print(json.dumps({"config": run.config, "summary": run.summary._json_dict}))
    elif op == "history":
        print(api.run(RUN).history(keys=KEYS, samples=500).to_csv(index=False), end="")
    elif op == "compare":
        a, b = api.run(RUN_A), api.run(RUN_B)
        ha = a.history(keys=["val_loss"], samples=500).set_index("_step")["val_loss"]
        hb = b.history(keys=["val_loss"], samples=500).set_index("_step")["val_loss"]
        both = pd.concat([ha, hb], axis=1, keys=["a", "b"]).interpolate().dropna()
        table = pd.DataFrame(
            {
                "run": [a.id, b.id],
                "final": [a.summary["val_loss"], b.summary["val_loss"]],
                "best": [ha.min(), hb.min()],
                "corr": [both["a"].corr(both["b"]), ""],
            }
        )
        print(table.to_csv(index=False), end="")
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main(sys.argv[1])
