//! Seeded demo data that exercises every feature: run states, short runs, nested config,
//! NaN values in each wire encoding, keys logged at different cadences, media in summaries,
//! and a run with 1,200,000 steps (generated lazily).
//!
//! Longer than our usual modules on purpose: it is data, the demo projects' run tables, meant
//! to be read top to bottom next to the README's examples.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use crate::data::{summary_json, Curve, Event, History, Metric, NanWire, Project, Run, Store};

pub const DEMO_ENTITY: &str = "demo";
pub const DEMO_USER: &str = "demo-user";
/// How long `demo/slow` takes to answer any query.
pub const SLOW_ANSWER: std::time::Duration = std::time::Duration::from_secs(3);

/// The long run's planted events, exposed so tests can check them independently.
pub mod long_run {
    pub const ID: &str = "l0ng1m2x";
    pub const LAST_STEP: u64 = 1_200_000;
    /// Loss rises ×3 on `[SPIKE_FROM, SPIKE_TO)` and recovers.
    pub const SPIKE_FROM: u64 = 400_000;
    pub const SPIKE_TO: u64 = 420_000;
    /// The gradient norm jumps ×50 at exactly this step and stays high.
    pub const EXPLOSION_STEP: u64 = 812_345;
    /// The loss is NaN from this step on.
    pub const NAN_FROM: u64 = 812_400;
    pub const STEPS_PER_EPOCH: u64 = 12_000;
}

pub(crate) struct RunSpec {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    /// Hours after the project's first run.
    pub hours: i64,
    pub last_step: u64,
    pub seconds_per_step: f64,
    pub config: Value,
    pub metrics: Vec<Metric>,
    pub nan_wire: NanWire,
    /// Extra summary entries (media, nested dicts) beside the metrics' final values.
    pub extra_summary: Value,
}

pub(crate) fn t0() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-01T08:00:00", "%Y-%m-%dT%H:%M:%S")
        .expect("valid literal")
}

pub(crate) fn build(spec: RunSpec, seed: u64) -> Run {
    let created = t0() + Duration::hours(spec.hours);
    build_at(spec, seed, created)
}

/// [`build`] for a run created at `created` rather than `hours` after the first run (the
/// growing run of `demo/live`, created when the server starts).
pub(crate) fn build_at(spec: RunSpec, seed: u64, created: NaiveDateTime) -> Run {
    let runtime_s = spec.last_step as f64 * spec.seconds_per_step;
    let heartbeat = created + Duration::milliseconds((runtime_s * 1000.0) as i64);
    let history = History {
        last_step: spec.last_step,
        seconds_per_step: spec.seconds_per_step,
        metrics: spec.metrics,
        nan_wire: spec.nan_wire,
    };
    let start_unix = created.and_utc().timestamp() as f64;
    let mut entries: BTreeMap<String, Value> = match spec.extra_summary {
        Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    entries.insert("_step".into(), json!(spec.last_step));
    entries.insert("_runtime".into(), json!(runtime_s));
    entries.insert("_timestamp".into(), json!(start_unix + runtime_s));
    entries.insert("_wandb".into(), json!({"runtime": runtime_s as i64}));
    let finals: Vec<(String, f64)> = history
        .metrics
        .iter()
        .filter_map(|m| {
            let step = m.last_logged(spec.last_step)?;
            Some((m.name.clone(), m.value(step, seed)))
        })
        .collect();
    let finals_ref: Vec<(&str, f64)> = finals.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    Run {
        id: spec.id,
        display_name: spec.name,
        state: spec.state.into(),
        created_at: created.format("%Y-%m-%dT%H:%M:%S").to_string(),
        heartbeat_at: heartbeat.format("%Y-%m-%dT%H:%M:%S").to_string(),
        start_unix,
        runtime_s,
        tags: vec![],
        group: None,
        job_type: Some("train".into()),
        sweep: None,
        username: DEMO_USER.into(),
        config: spec.config,
        summary_json: summary_json(&entries, &finals_ref),
        history,
        seed,
        exitcode: match spec.state {
            "finished" => Some(0),
            _ => None,
        },
        console: None,
        console_streamed: true,
        system: None,
        files: vec![],
    }
}

pub(crate) fn decay(start: f64, end: f64, tau: f64) -> Curve {
    Curve::Decay { start, end, tau }
}

fn config(lr: f64, optimizer: &str, arch: &str, batch_size: u32) -> Value {
    json!({
        "lr": lr,
        "batch_size": batch_size,
        "dataset": "cifar10",
        "optimizer": {"name": optimizer, "weight_decay": 0.01, "betas": [0.9, 0.999]},
        "model": {"arch": arch, "depth": 18, "width": 64},
        "augment": true,
    })
}

/// A standard training run: loss every step, grad norm every 10, val metrics every 500.
fn standard_metrics(last: u64, start: f64, end: f64) -> Vec<Metric> {
    let tau = last as f64 / 4.0;
    vec![
        Metric::new("loss", 1, decay(start, end, tau), 0.1),
        Metric::new("val_loss", 500, decay(start * 1.05, end * 1.2, tau), 0.02),
        Metric::new("val_acc", 500, decay(0.1, 0.9, tau), 0.01),
        Metric::new("grad_norm", 10, decay(5.0, 0.5, tau), 0.2),
        Metric::new(
            "epoch",
            1,
            Curve::Epoch {
                steps_per_epoch: (last / 20).max(1),
            },
            0.0,
        ),
    ]
}

/// `metrics` with one value of `key` replaced at `step`.
fn with_point(mut metrics: Vec<Metric>, key: &str, step: u64, value: f64) -> Vec<Metric> {
    for m in metrics.iter_mut().filter(|m| m.name == key) {
        m.events.push(Event::Point { step, value });
    }
    metrics
}

/// The second user's runs: ids and names no demo run has, so a test can tell whose data a
/// client saw.
fn second_user_runs() -> Vec<RunSpec> {
    vec![RunSpec {
        id: "acme0001".into(),
        name: "acme-private-baseline".into(),
        state: "finished",
        hours: 2,
        last_step: 5_000,
        seconds_per_step: 0.2,
        config: config(2e-4, "adamw", "vit-b16", 64),
        metrics: standard_metrics(5_000, 2.3, 0.6),
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }]
}

fn vision_runs() -> Vec<RunSpec> {
    use long_run as lr;
    vec![
        RunSpec {
            id: "x7k2m9qa".into(),
            name: "baseline-sgd".into(),
            state: "finished",
            hours: 0,
            last_step: 20_000,
            seconds_per_step: 0.3,
            config: config(0.1, "sgd", "resnet18", 128),
            metrics: standard_metrics(20_000, 2.3, 0.45),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "p3n8v4rt".into(),
            name: "adamw-lr3e-4".into(),
            state: "finished",
            hours: 6,
            last_step: 30_000,
            seconds_per_step: 0.3,
            config: config(3e-4, "adamw", "resnet18", 128),
            metrics: standard_metrics(30_000, 2.3, 0.31),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "c9d2e1fx".into(),
            name: "adamw-lr1e-3-crash".into(),
            state: "crashed",
            hours: 12,
            last_step: 4_000,
            seconds_per_step: 0.3,
            config: config(1e-3, "adamw", "resnet18", 256),
            metrics: standard_metrics(4_000, 2.3, 0.9),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "s1h0rt01".into(),
            name: "smoke-test".into(),
            state: "finished",
            hours: 18,
            last_step: 2,
            seconds_per_step: 40.0,
            config: config(3e-4, "adamw", "resnet18", 8),
            metrics: vec![Metric::new("loss", 1, decay(2.3, 2.2, 10.0), 0.0)],
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "s2q4k8wz".into(),
            name: "quick-check".into(),
            state: "failed",
            hours: 20,
            last_step: 500,
            seconds_per_step: 0.08,
            config: config(3e-4, "adamw", "resnet18", 32),
            metrics: standard_metrics(500, 2.3, 1.9),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "d1v3rg3n".into(),
            name: "lr-too-high".into(),
            state: "failed",
            hours: 24,
            last_step: 5_000,
            seconds_per_step: 0.3,
            config: config(0.5, "sgd", "resnet18", 128),
            metrics: vec![
                Metric::new("loss", 1, decay(2.3, 1.5, 800.0), 0.1)
                    .with(Event::NanFrom { from: 2_345 }),
                Metric::new("grad_norm", 1, decay(5.0, 3.0, 800.0), 0.2)
                    .with(Event::Explode {
                        from: 2_300,
                        factor: 1e3,
                    })
                    .with(Event::Point {
                        step: 5_000,
                        value: f64::INFINITY,
                    }),
                Metric::new("val_loss", 500, decay(2.4, 1.7, 800.0), 0.02)
                    .with(Event::NanFrom { from: 2_345 }),
            ],
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: lr::ID.into(),
            name: "resnet50-long".into(),
            state: "finished",
            hours: 30,
            last_step: lr::LAST_STEP,
            seconds_per_step: 0.05,
            config: config(1e-3, "adamw", "resnet50", 256),
            metrics: vec![
                Metric::new("loss", 1, decay(2.3, 0.2, 150_000.0), 0.08)
                    .with(Event::Spike {
                        from: lr::SPIKE_FROM,
                        to: lr::SPIKE_TO,
                        factor: 3.0,
                    })
                    .with(Event::NanFrom { from: lr::NAN_FROM }),
                Metric::new("grad_norm", 1, decay(4.0, 0.8, 150_000.0), 0.15).with(
                    Event::Explode {
                        from: lr::EXPLOSION_STEP,
                        factor: 50.0,
                    },
                ),
                Metric::new("val_loss", 1000, decay(2.4, 0.3, 150_000.0), 0.02)
                    .with(Event::NanFrom { from: lr::NAN_FROM }),
                Metric::new("lr", 100, Curve::Const(1e-3), 0.0),
                Metric::new(
                    "epoch",
                    1,
                    Curve::Epoch {
                        steps_per_epoch: lr::STEPS_PER_EPOCH,
                    },
                    0.0,
                ),
            ],
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "r8u9n1ng".into(),
            name: "vit-running".into(),
            state: "running",
            hours: 40,
            last_step: 50_000,
            seconds_per_step: 0.2,
            config: config(5e-4, "adamw", "vit-b16", 512),
            metrics: standard_metrics(50_000, 2.3, 0.6),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "c4r5h6ed".into(),
            name: "oom-crash".into(),
            state: "crashed",
            hours: 44,
            last_step: 12,
            seconds_per_step: 1.0,
            config: config(5e-4, "adamw", "vit-l16", 1024),
            metrics: standard_metrics(12, 2.3, 2.2),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        RunSpec {
            id: "m3d1ah1s".into(),
            name: "with-media".into(),
            state: "finished",
            hours: 48,
            last_step: 5_000,
            seconds_per_step: 0.3,
            config: config(3e-4, "adamw", "resnet18", 128),
            metrics: with_point(standard_metrics(5_000, 2.3, 0.7), "loss", 2_500, f64::NAN),
            nan_wire: NanWire::BareToken,
            extra_summary: json!({
                "weights": {"_type": "histogram", "values": [1, 5, 9, 5, 1], "bins": [-2, -1, 0, 1, 2, 3]},
                "predictions": {"_type": "table-file", "path": "media/table/predictions.table.json", "nrows": 1000},
                "samples": {"_type": "image-file", "path": "media/images/samples.png", "width": 256, "height": 256},
                "val": {"loss": 0.812345678, "acc": 0.7512},
                "notes": "x".repeat(300),
                "per_class_acc": (0..100).map(|i| 0.5 + i as f64 / 400.0).collect::<Vec<_>>(),
            }),
        },
        RunSpec {
            id: "k5e6y7mx".into(),
            name: "multi-cadence".into(),
            state: "finished",
            hours: 52,
            last_step: 10_000,
            seconds_per_step: 0.3,
            config: config(3e-4, "adamw", "resnet18", 128),
            metrics: vec![
                Metric::new("loss", 1, decay(2.3, 0.5, 2_500.0), 0.1).with(Event::Point {
                    step: 5_000,
                    value: f64::NAN,
                }),
                Metric::new("val_loss", 1000, decay(2.4, 0.6, 2_500.0), 0.02),
                Metric::new("val_acc", 1000, decay(0.1, 0.8, 2_500.0), 0.01),
                Metric::new("lr", 100, Curve::Const(3e-4), 0.0),
            ],
            nan_wire: NanWire::Null,
            extra_summary: json!({}),
        },
    ]
}

/// The overfitting run's planted answer: validation loss is lowest at exactly this step.
pub mod overfit_run {
    pub const ID: &str = "ft05ovf1";
    pub const BEST_VAL_STEP: u64 = 6_000;
    pub const STEPS_PER_EPOCH: u64 = 500;
}

/// A fine-tuning run: `val_loss` every 200 steps without noise, ending at `val_end`.
fn finetune(
    id: &'static str,
    name: &'static str,
    state: &'static str,
    hours: i64,
    lr: f64,
    val_end: Option<f64>,
) -> RunSpec {
    let last_step = 8_000;
    let mut metrics = vec![
        Metric::new("loss", 1, decay(2.0, 0.6, 2_000.0), 0.05),
        Metric::new("grad_norm", 10, decay(3.0, 0.8, 2_000.0), 0.1),
        Metric::new(
            "epoch",
            1,
            Curve::Epoch {
                steps_per_epoch: 500,
            },
            0.0,
        ),
    ];
    if let Some(end) = val_end {
        // Chosen so the value at the last step is `end` (the decay is spent by then).
        metrics.push(Metric::new("val_loss", 200, decay(2.2, end, 500.0), 0.0));
    }
    RunSpec {
        id: id.into(),
        name: name.into(),
        state,
        hours,
        last_step,
        seconds_per_step: 0.5,
        config: json!({"lr": lr, "lora": {"rank": 16, "alpha": 32}, "base_model": "llama-3-8b", "epochs": 16}),
        metrics,
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

/// `demo/llm-finetune`: the best of the last 5 runs (ft08lr1e) is not the best overall
/// (ft01base), a crashed run has the best value of all, one run never logs `val_loss`, and
/// `ft05ovf1` overfits from step 6,000.
fn finetune_runs() -> Vec<RunSpec> {
    let mut overfit = finetune("ft05ovf1", "lora-r64-overfit", "finished", 40, 3e-4, None);
    overfit.last_step = 10_000;
    overfit.metrics.push(Metric::new(
        "val_loss",
        200,
        Curve::DecayThenRise {
            start: 2.4,
            end: 0.6,
            tau: 1_500.0,
            turn: overfit_run::BEST_VAL_STEP,
            slope: 1e-4,
        },
        0.0,
    ));
    vec![
        finetune(
            "ft01base",
            "full-ft-lr2e-5",
            "finished",
            0,
            2e-5,
            Some(0.82),
        ),
        finetune("ft02lor4", "lora-r4", "finished", 10, 1e-4, Some(1.05)),
        finetune("ft03lor8", "lora-r8", "finished", 20, 1e-4, Some(0.97)),
        finetune("ft04q8bt", "qlora-8bit", "finished", 30, 1e-4, Some(1.10)),
        overfit,
        finetune(
            "ft06crsh",
            "lora-r16-crash",
            "crashed",
            50,
            1e-4,
            Some(0.70),
        ),
        finetune("ft07nova", "lora-r16-noval", "finished", 60, 1e-4, None),
        finetune(
            "ft08lr1e",
            "lora-r16-lr1e-4",
            "finished",
            70,
            1e-4,
            Some(0.93),
        ),
        finetune(
            "ft09lr3e",
            "lora-r16-lr3e-4",
            "finished",
            80,
            3e-4,
            Some(1.00),
        ),
    ]
}

pub(crate) fn project(entity: &str, name: &str, numeric_id: u64, specs: Vec<RunSpec>) -> Project {
    let runs = specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| build(spec, numeric_id * 1000 + i as u64))
        .collect();
    Project {
        answer_delay: std::time::Duration::ZERO,
        entity: entity.into(),
        name: name.into(),
        numeric_id,
        runs,
    }
}

/// The demo store: `demo/vision` (the main project), `demo/empty` (no runs), `demo/llm-finetune`
/// (best-of-last-N, overfitting), `demo/detection` (planted events of known widths),
/// `demo/crashes` (runs that died), `demo/frameworks` (Trainer, Lightning, Keras), `demo/sweep`,
/// `demo/fleet`, `demo/long-runs`, `demo/lr-sweep`, `demo/cluster`, `demo/live` (see their
/// modules); `demo/slow` (one run, every query answered after [`SLOW_ANSWER`]); and the second user's
/// `acme/private` (`accounts`).
pub fn store() -> Store {
    Store {
        projects: vec![
            project(DEMO_ENTITY, "vision", 101, vision_runs()),
            project(DEMO_ENTITY, "empty", 102, vec![]),
            project(DEMO_ENTITY, "llm-finetune", 103, finetune_runs()),
            project(DEMO_ENTITY, "detection", 104, crate::detection::runs()),
            crate::crashes::project(105),
            crate::frameworks::project_of(106),
            project(
                crate::accounts::SECOND_ENTITY,
                "private",
                107,
                second_user_runs(),
            ),
            Project {
                answer_delay: SLOW_ANSWER,
                ..project(
                    DEMO_ENTITY,
                    "slow",
                    108,
                    vision_runs().into_iter().take(1).collect(),
                )
            },
            crate::sweep::project_of(109),
            crate::fleet::project_of(110),
            crate::long_runs::project_of(111),
            crate::lr_sweep::project_of(121),
            crate::cluster::project_of(122),
            crate::live::project_of(123),
        ],
    }
}
