//! `demo/crashes`: runs that die in the ways real training runs die, each with the console and
//! system metrics that show why (CUDA OOM with a PyTorch traceback, the host's OOM killer, an
//! NCCL timeout, a stall, a preemption, a failure without a traceback), and the bad cases a
//! log reader must survive (no output at all, ten megabytes of progress bars with ANSI escapes
//! and invalid UTF-8, logs only in an `output.log` file, an expired or redirecting file URL).

use serde_json::json;

use crate::model::console::{Console, Segment};
use crate::model::files::{Delivery, FileContent, RunFile};
use crate::model::run::{Project, Run};
use crate::model::series::{Curve, Metric, NanWire};
use crate::model::system::SystemSpec;
use crate::seed::builder::{build, decay, RunSpec};

pub const PROJECT: &str = "crashes";

/// Run ids, and what each run's diagnosis must name.
pub mod ids {
    pub const CUDA_OOM: &str = "cudaoom1";
    pub const HOST_OOM: &str = "hostoom2";
    pub const NCCL_TIMEOUT: &str = "ncclto03";
    pub const STALLED: &str = "stall004";
    pub const PREEMPTED: &str = "preempt5";
    pub const NO_TRACEBACK: &str = "failnotb";
    pub const NO_OUTPUT: &str = "noout007";
    pub const PROGRESS_FLOOD: &str = "progbar8";
    pub const FILE_ONLY: &str = "oldlog09";
    pub const EXPIRED_URL: &str = "expird10";
    pub const REDIRECT: &str = "redir011";
}

/// Lines of tqdm output in the flood run (about 10 MB).
pub const FLOOD_LINES: u64 = 120_000;

fn spec(id: &str, name: &str, state: &'static str, hours: i64, last_step: u64) -> RunSpec {
    let tau = last_step as f64 / 4.0;
    RunSpec {
        id: id.into(),
        name: name.into(),
        state,
        hours,
        last_step,
        seconds_per_step: 1.5,
        config: json!({"lr": 3e-4, "batch_size": 64, "model": "llama-3-8b"}),
        metrics: vec![
            Metric::new("loss", 1, decay(2.5, 1.1, tau), 0.05),
            Metric::new("grad_norm", 5, decay(4.0, 1.0, tau), 0.1),
            Metric::new(
                "epoch",
                1,
                Curve::Epoch {
                    steps_per_epoch: 1_000,
                },
                0.0,
            ),
        ],
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

fn progress(i: u64) -> String {
    let done = i % 1000;
    let bar = "█".repeat((done / 100) as usize);
    format!(
        "Epoch {}: {:3}%|{bar:<10}| {done}/1000 [00:{:02}<01:40, 9.87it/s, loss=1.{:03}]",
        i / 1000,
        done / 10,
        done % 60,
        (i * 37) % 1000
    )
}

fn lines(text: &[&str]) -> Segment {
    Console::lines(text)
}

/// A training preamble, a stretch of progress bars, then `ending`.
fn console(bars: u64, ending: &[&str]) -> Console {
    Console {
        segments: vec![
            lines(&[
                "wandb: Tracking run with wandb version 0.31.0",
                "Loading checkpoint shards: 100%|██████████| 4/4 [00:05<00:00,  1.32s/it]",
                "trainable params: 41,943,040 || all params: 8,072,204,288 || trainable%: 0.5196",
            ]),
            Segment::Repeat {
                count: bars,
                stderr: true,
                line: progress,
            },
            lines(ending),
        ],
    }
}

const CUDA_OOM_END: &[&str] = &[
    "!Traceback (most recent call last):",
    "!  File \"/workspace/train.py\", line 212, in <module>",
    "!    main()",
    "!  File \"/workspace/train.py\", line 198, in main",
    "!    trainer.train()",
    "!  File \"/opt/conda/lib/python3.11/site-packages/transformers/trainer.py\", line 2122, in train",
    "!    return inner_training_loop(",
    "!  File \"/opt/conda/lib/python3.11/site-packages/torch/nn/modules/module.py\", line 1736, in _call_impl",
    "!    return forward_call(*args, **kwargs)",
    "!  File \"/workspace/model.py\", line 88, in forward",
    "!    attn = torch.softmax(q @ k.transpose(-2, -1) / self.scale, dim=-1)",
    "!torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 3 has a total capacity of 79.15 GiB of which 1.20 GiB is free. Including non-PyTorch memory, this process has 77.94 GiB memory in use.",
];

const HOST_OOM_END: &[&str] = &[
    "Tokenizing shard 118/128 (num_proc=64)",
    "Tokenizing shard 119/128 (num_proc=64)",
    "!Killed",
];

const NCCL_END: &[&str] = &[
    "![rank3]:[E1103 04:12:51.512] [PG ID 0 PG GUID 0(default_pg) Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=88123, OpType=ALLREDUCE, NumelIn=262144, NumelOut=262144, Timeout(ms)=1800000) ran for 1800094 milliseconds before timing out.",
    "![rank3]:[E1103 04:12:51.513] [PG ID 0 PG GUID 0(default_pg) Rank 3] To avoid data inconsistency, we are taking the entire process down.",
    "!Traceback (most recent call last):",
    "!  File \"/workspace/train_ddp.py\", line 301, in <module>",
    "!    train(args)",
    "!  File \"/workspace/train_ddp.py\", line 260, in train",
    "!    loss.backward()",
    "!torch.distributed.DistBackendError: NCCL communicator was aborted on rank 3. Original reason for failure was: [Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=88123, OpType=ALLREDUCE) ran for 1800094 milliseconds before timing out.",
];

const PREEMPT_END: &[&str] = &[
    "!wandb: WARNING Received SIGTERM: the job is being preempted; saving a checkpoint",
    "Saved checkpoint to /checkpoints/step-2200",
];

const NO_TRACEBACK_END: &[&str] = &[
    "Evaluating on 12 shards",
    "!error: --data-dir /mnt/eval/shard-07 does not exist",
];

const DISK_FULL_END: &[&str] = &[
    "Saving checkpoint to /checkpoints/step-3000",
    "Traceback (most recent call last):",
    "  File \"/workspace/train.py\", line 240, in <module>",
    "    save_checkpoint(model, step)",
    "  File \"/workspace/ckpt.py\", line 31, in save_checkpoint",
    "    torch.save(state, path)",
    "OSError: [Errno 28] No space left on device",
];

const DATALOADER_END: &[&str] = &[
    "!Traceback (most recent call last):",
    "!  File \"/workspace/train.py\", line 150, in <module>",
    "!    for batch in loader:",
    "!  File \"/opt/conda/lib/python3.11/site-packages/torch/utils/data/dataloader.py\", line 1297, in _get_data",
    "!    success, data = self._try_get_data()",
    "!RuntimeError: DataLoader worker (pid 4242) is killed by signal: Bus error. It is possible that dataloader's workers are out of shared memory.",
];

/// The flood's ending: ANSI colours, control bytes, invalid UTF-8, then a NaN check firing.
fn flood_ending() -> Segment {
    let mut garbage = b"\x1b[31mbinary: \x00\x07\xff\xfe\xc3(".to_vec();
    garbage.extend_from_slice(&[0x80, 0x81, b' ', b'o', b'k']);
    Segment::Lines(vec![
        (false, b"\x1b[1m\x1b[32mEpoch 119 done\x1b[0m".to_vec()),
        (true, garbage),
        (true, b"Traceback (most recent call last):".to_vec()),
        (
            true,
            b"  File \"/workspace/train.py\", line 77, in <module>".to_vec(),
        ),
        (true, b"    loss.backward()".to_vec()),
        (
            true,
            b"RuntimeError: Function 'MulBackward0' returned nan values in its 0th output."
                .to_vec(),
        ),
    ])
}

fn gpu_healthy(_t: f64) -> f64 {
    71.0
}
fn gpu_busy(_t: f64) -> f64 {
    96.0
}
fn gpu_memory_ramp(t: f64) -> f64 {
    if t < 0.8 {
        74.0
    } else {
        74.0 + (t - 0.8) / 0.2 * 25.5
    }
}
fn gpu_idle_at_end(t: f64) -> f64 {
    if t < 0.7 {
        95.0
    } else {
        0.0
    }
}
fn rss_steady(_t: f64) -> f64 {
    38_000.0
}
fn rss_ramp(t: f64) -> f64 {
    20_000.0 + t * 985_000.0
}

fn system(
    gpus: u32,
    memory: fn(f64) -> f64,
    util: fn(f64) -> f64,
    rss: fn(f64) -> f64,
) -> SystemSpec {
    SystemSpec {
        gpus,
        gpu_memory_percent: memory,
        gpu_util: util,
        rss_mb: rss,
        legacy_names: false,
        odd_gpu: None,
    }
}

fn log_file(delivery: Delivery, updated_at: &str) -> RunFile {
    RunFile {
        name: "output.log".into(),
        content: FileContent::Console,
        delivery,
        updated_at: updated_at.into(),
    }
}

fn with(
    mut run: Run,
    exitcode: Option<i64>,
    console: Option<Console>,
    system: Option<SystemSpec>,
) -> Run {
    run.exitcode = exitcode;
    run.console = console;
    run.system = system;
    run
}

/// A run whose console reached W&B only as an `output.log` file (`logLines` is null).
fn file_only(mut run: Run, delivery: Delivery) -> Run {
    run.console_streamed = false;
    let updated = run.heartbeat_at.clone();
    run.files = vec![
        RunFile {
            name: "config.yaml".into(),
            content: FileContent::Bytes(b"lr: 0.0003\n".to_vec()),
            delivery: Delivery::Normal,
            updated_at: updated.clone(),
        },
        log_file(delivery, &updated),
    ];
    run
}

pub fn project(numeric_id: u64) -> Project {
    let seed = |i: u64| numeric_id * 1000 + i;
    let runs = vec![
        with(
            build(
                spec(ids::CUDA_OOM, "llama-ft-bs64", "failed", 0, 4_100),
                seed(0),
            ),
            Some(1),
            Some(console(400, CUDA_OOM_END)),
            Some(system(8, gpu_memory_ramp, gpu_busy, rss_steady)),
        ),
        with(
            build(
                spec(ids::HOST_OOM, "dataprep-big", "crashed", 2, 1_500),
                seed(1),
            ),
            None,
            Some(console(40, HOST_OOM_END)),
            Some(system(0, gpu_healthy, gpu_healthy, rss_ramp)),
        ),
        with(
            build(
                spec(ids::NCCL_TIMEOUT, "ddp-8gpu", "failed", 4, 9_000),
                seed(2),
            ),
            Some(1),
            Some(console(200, NCCL_END)),
            Some(system(8, gpu_healthy, gpu_healthy, rss_steady)),
        ),
        with(
            build(
                spec(ids::STALLED, "pretrain-stalled", "running", 6, 6_000),
                seed(3),
            ),
            None,
            Some(console(300, &[])),
            Some(system(8, gpu_healthy, gpu_idle_at_end, rss_steady)),
        ),
        with(
            build(
                spec(ids::PREEMPTED, "sweep-trial-17", "preempted", 8, 2_200),
                seed(4),
            ),
            None,
            Some(console(100, PREEMPT_END)),
            // Synced by an older client: the pre-0.21 key names.
            Some(SystemSpec {
                legacy_names: true,
                ..system(1, gpu_healthy, gpu_busy, rss_steady)
            }),
        ),
        with(
            build(
                spec(ids::NO_TRACEBACK, "eval-script", "failed", 10, 20),
                seed(5),
            ),
            Some(2),
            Some(console(2, NO_TRACEBACK_END)),
            None,
        ),
        with(
            build(
                spec(ids::NO_OUTPUT, "silent-job", "finished", 12, 500),
                seed(6),
            ),
            Some(0),
            None,
            None,
        ),
        with(
            build(
                spec(ids::PROGRESS_FLOOD, "tqdm-flood", "failed", 14, 3_000),
                seed(7),
            ),
            Some(1),
            Some(Console {
                segments: vec![
                    Segment::Repeat {
                        count: FLOOD_LINES,
                        stderr: true,
                        line: progress,
                    },
                    flood_ending(),
                ],
            }),
            Some(system(1, gpu_healthy, gpu_busy, rss_steady)),
        ),
        file_only(
            with(
                build(
                    spec(ids::FILE_ONLY, "legacy-sync", "failed", 16, 3_000),
                    seed(8),
                ),
                Some(1),
                Some(console(FLOOD_LINES, DISK_FULL_END)),
                None,
            ),
            Delivery::Normal,
        ),
        file_only(
            with(
                build(
                    spec(ids::EXPIRED_URL, "expired-url", "failed", 18, 1_000),
                    seed(9),
                ),
                Some(1),
                Some(console(20, DATALOADER_END)),
                None,
            ),
            Delivery::ExpiredFirst,
        ),
        file_only(
            with(
                build(
                    spec(ids::REDIRECT, "redirected-file", "failed", 20, 1_000),
                    seed(10),
                ),
                Some(1),
                Some(console(20, DISK_FULL_END)),
                None,
            ),
            Delivery::Redirect,
        ),
    ];
    Project {
        answer_delay: std::time::Duration::ZERO,
        entity: crate::seed::builder::DEMO_ENTITY.into(),
        name: PROJECT.into(),
        numeric_id,
        runs,
    }
}
