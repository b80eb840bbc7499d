"""Fidelity test: the official `wandb` client against our W&B-compatible emulator.

Starts `target/release/wandb-emulator` on a free loopback port (or uses WANDB_EMULATOR_BIN),
then drives `wandb.Api()` the way users do: list runs, read config and summary,
`run.history(keys=[...], samples=500)`, the console log (`run.console_logs`), run files
(`run.files()`, `file.download()`) and system metrics (`run.history(stream="system")`). Run: `python3 tests/fidelity/test_wandb_client.py`.
"""

import math
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "demo_0123456789abcdef0123456789abcdef0123"  # the emulator's demo key (40+ chars)


class EmulatorProcess:
    def __enter__(self):
        binary = os.environ.get("WANDB_EMULATOR_BIN", str(ROOT / "target/release/wandb-emulator"))
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--api-key", API_KEY],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = match.group(0)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class OfficialClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EmulatorProcess().__enter__()
        os.environ.update(
            WANDB_BASE_URL=cls.server.url,
            WANDB_API_KEY=API_KEY,
            WANDB_ENTITY="demo",
            WANDB_SILENT="true",
            WANDB_ERROR_REPORTING="false",
            WANDB_DISABLE_CODE="true",
        )
        import wandb

        cls.wandb = wandb
        cls.api = wandb.Api(timeout=19)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_lists_runs_with_filters_order_and_pages(self):
        runs = self.api.runs(
            "demo/vision", filters={"state": {"$ne": "crashed"}}, order="-created_at", per_page=3
        )
        ids = [r.id for r in runs]  # pages of 3 via cursors
        self.assertEqual(len(runs), 9)
        self.assertEqual(len(ids), 9)
        self.assertEqual(ids[0], "k5e6y7mx")
        created = [r.created_at for r in runs]
        self.assertEqual(created, sorted(created, reverse=True))
        self.assertNotIn("c9d2e1fx", ids)  # crashed
        finished = self.api.runs("demo/vision", filters={"state": "finished"})
        self.assertTrue(all(r.state == "finished" for r in finished))
        self.assertEqual(len(finished), 6)
        regex = self.api.runs("demo/vision", filters={"display_name": {"$regex": "^adamw"}})
        self.assertEqual(sorted(r.id for r in regex), ["c9d2e1fx", "p3n8v4rt"])

    def test_sweep_filters_as_our_tool_sends_them(self):
        # The forms guest/src/source/wandb/filters.rs builds: sweep id, tags with $in, a config value
        # under its `.value` path, a created-at bound, a job type; the same counts as ours.
        sweep = self.api.runs("demo/sweep", filters={"sweep": "swp7k2q9"}, per_page=200)
        self.assertEqual(len(sweep), 150)
        low = self.api.runs("demo/sweep", filters={"$and": [
            {"sweep": "swp7k2q9"}, {"config.lr.value": {"$lt": 2e-5}},
            {"config.optimizer.value": "sgd"}]})
        self.assertTrue(all(r.config["lr"] < 2e-5 and r.config["optimizer"] == "sgd" for r in low))
        self.assertGreater(len(low), 0)
        long = self.api.runs("demo/sweep", filters={"$and": [
            {"tags": {"$in": ["long"]}}, {"tags": {"$in": ["sweep"]}}]}, per_page=50)
        self.assertEqual(len(long), 30)
        self.assertTrue(all("long" in r.tags for r in long))
        newest = self.api.runs("demo/sweep", filters={"createdAt": {"$gte": "2026-11-07T21:00:00"}})
        self.assertEqual(sorted(r.id for r in newest), ["sw000157", "sw000158", "sw000159"])
        baselines = self.api.runs("demo/sweep", filters={"jobType": "finetune"})
        self.assertEqual({r.group for r in baselines}, {"baselines"})
        self.assertEqual(len(baselines), 10)

    def test_each_key_sees_only_its_own_entity(self):
        # The emulator's second user (what the multi-tenant MCP test relies on).
        other = self.wandb.Api(api_key="acme_fedcba9876543210fedcba9876543210fedc", timeout=19)
        self.assertEqual([r.id for r in other.runs("acme/private")], ["acme0001"])
        with self.assertRaises(Exception):
            len(other.runs("demo/vision"))
        with self.assertRaises(Exception):
            len(self.api.runs("acme/private"))

    def test_reads_config_and_summary_with_nan(self):
        run = self.api.run("demo/vision/l0ng1m2x")
        self.assertEqual(run.config["optimizer"]["name"], "adamw")
        self.assertEqual(run.config["lr"], 0.001)
        self.assertTrue(math.isnan(run.summary["loss"]))
        self.assertEqual(run.summary["epoch"], 100.0)
        self.assertEqual(run.state, "finished")

    def test_lazy_listed_run_loads_config(self):
        run = next(iter(self.api.runs("demo/vision", order="+created_at")))
        self.assertEqual(run.id, "x7k2m9qa")
        self.assertEqual(run.name, "baseline-sgd")
        self.assertEqual(run.config["optimizer"]["name"], "sgd")

    def test_sampled_history(self):
        run = self.api.run("demo/vision/l0ng1m2x")
        df = run.history(keys=["loss"], samples=500)
        self.assertLessEqual(len(df), 500)
        self.assertGreater(len(df), 400)
        self.assertEqual(list(df.columns), ["_step", "loss"])
        self.assertTrue((df["_step"].diff().dropna() > 0).all())
        # Multi-cadence: val_loss is logged every 1000 steps only.
        sparse = run.history(keys=["val_loss"], samples=500)
        self.assertTrue((sparse["_step"] % 1000 == 0).all() or sparse["_step"].max() == 1_200_000)

    def test_scan_history_window(self):
        run = self.api.run("demo/vision/k5e6y7mx")
        rows = list(run.scan_history(keys=["val_loss"], min_step=0, max_step=5001))
        self.assertEqual([r["_step"] for r in rows], [0, 1000, 2000, 3000, 4000, 5000])

    def test_console_log_tail_and_pages(self):
        run = self.api.run("demo/crashes/cudaoom1")
        tail = list(run.console_logs(last=3))
        self.assertEqual([line.number for line in tail], [412, 413, 414])
        self.assertIn("CUDA out of memory", tail[-1].content)
        self.assertEqual(tail[-1].level, "error")
        every = list(run.console_logs(per_page=100))
        self.assertEqual(len(every), 415)
        self.assertEqual([line.number for line in every], list(range(415)))

    def test_run_files_and_download(self):
        import tempfile

        run = self.api.run("demo/crashes/oldlog09")
        names = sorted(f.name for f in run.files())
        self.assertEqual(names, ["config.yaml", "output.log"])
        log = run.file("output.log")
        self.assertGreater(log.size, 9_000_000)
        with tempfile.TemporaryDirectory() as root:
            log.download(root=root).close()  # it returns the file, opened
            with open(os.path.join(root, "output.log"), "rb") as f:
                text = f.read()
        self.assertEqual(len(text), log.size)
        self.assertTrue(text.endswith(b"OSError: [Errno 28] No space left on device\n"))

    def test_system_metrics_stream(self):
        run = self.api.run("demo/crashes/cudaoom1")
        df = run.history(stream="system", samples=100)
        self.assertGreater(len(df), 10)
        self.assertIn("system.gpu.7.memoryAllocated", df.columns)
        self.assertIn("system.proc.memory.rssMB", df.columns)
        self.assertGreaterEqual(df["system.gpu.0.memoryAllocated"].max(), 95)

    def test_trainer_shaped_run(self):
        run = self.api.run("demo/frameworks/hftrnr01")
        self.assertGreaterEqual(len(run.config), 190)
        self.assertEqual(run.config["learning_rate"], 3e-05)
        self.assertIsNone(run.config["bos_token_id"])
        self.assertEqual(run.config["id2label"]["0"], "alt.atheism")
        self.assertEqual(run.config["_name_or_path"], "bert-base-uncased")
        self.assertAlmostEqual(run.summary["eval/loss"], 3.16, delta=0.05)
        self.assertEqual(run.summary["train/global_step"], 1_200_000)
        # Keys of one log call share rows; train and eval rows never do.
        both = run.history(keys=["train/loss", "train/global_step"], samples=500)
        self.assertGreater(len(both), 400)
        self.assertTrue(((both["_step"] // 2 + 1) * 10 == both["train/global_step"]).all())
        self.assertEqual(len(run.history(keys=["train/loss", "eval/loss"], samples=500)), 0)
        rows = list(run.scan_history(keys=["train/global_step", "train/epoch"], min_step=122670, max_step=122675))
        self.assertEqual([r["train/global_step"] for r in rows], [613360, 613370, 613380])
        self.assertEqual({r["train/epoch"] for r in rows}, {72.84})
        evals = list(run.scan_history(keys=["eval/loss"], min_step=0, max_step=2000))
        self.assertEqual([r["_step"] for r in evals], [1, 501, 1001, 1501])

    def test_lightning_and_keras_shaped_runs(self):
        run = self.api.run("demo/frameworks/ltng0002")
        self.assertEqual(run.name, 'resnet50 "bs=256, lr=0.1"')
        self.assertEqual(len([k for k in run.summary.keys() if k.startswith("val_acc_class/")]), 100)
        odd = run.history(keys=["val/acc, top-5 (%)", "val/précision"], samples=500)
        self.assertEqual(len(odd), 90)
        self.assertTrue((odd["_step"] % 40 == 39).all())
        keras = self.api.run("demo/frameworks/keras003")
        df = keras.history(keys=["epoch/epoch", "epoch/val_accuracy"], samples=500)
        self.assertEqual(list(df["epoch/epoch"]), list(range(100)))

    def test_unknown_run_is_not_found(self):
        with self.assertRaises(Exception) as ctx:
            self.api.run("demo/vision/nosuchrn")
        self.assertIn("Could not find run", str(ctx.exception))


if __name__ == "__main__":
    # An int exit code: wandb's atexit hook chokes on the bool unittest.main would pass.
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
