//! `demo/vision`, the main demo project: run states, short runs, nested config, NaN values
//! in each wire encoding, keys logged at different cadences, media in summaries, and a run
//! with 1,200,000 steps (generated lazily).

use serde_json::{json, Value};

use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{decay, RunSpec};

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

pub(crate) fn config(lr: f64, optimizer: &str, arch: &str, batch_size: u32) -> Value {
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
pub(crate) fn standard_metrics(last: u64, start: f64, end: f64) -> Vec<Metric> {
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

pub(crate) fn runs() -> Vec<RunSpec> {
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
