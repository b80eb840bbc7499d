//! `demo/cluster`: an 8-GPU run whose GPUs behave alike but one — GPU [`ODD_GPU`], a
//! straggler that is hotter, less busy and holds less memory — for `system`'s grouping of
//! alike GPUs (`gpu.0-7 except 3`) with the odd one on its own lines.

use serde_json::json;

use crate::model::run::Project;
use crate::model::series::{Curve, Metric, NanWire};
use crate::model::system::{OddGpu, SystemSpec};
use crate::seed::builder::{build, decay, project, RunSpec, DEMO_ENTITY};

pub const PROJECT: &str = "cluster";
pub const ID: &str = "gpu8odd3";
pub const GPUS: u32 = 8;
/// The GPU unlike the others.
pub const ODD_GPU: u32 = 3;
/// Its temperature, °C (the others run at about 62).
pub const ODD_TEMP: f64 = 84.0;
pub const LAST_STEP: u64 = 20_000;

fn busy(t: f64) -> f64 {
    95.0 + 2.0 * (t * 40.0).sin()
}
fn memory(_t: f64) -> f64 {
    76.0
}
fn straggling(t: f64) -> f64 {
    58.0 + 6.0 * (t * 40.0).sin()
}
fn less_memory(_t: f64) -> f64 {
    61.0
}
fn rss(t: f64) -> f64 {
    36_000.0 + 500.0 * t
}

pub fn project_of(numeric_id: u64) -> Project {
    let mut run = build(
        RunSpec {
            id: ID.into(),
            name: "llama-8gpu-ddp".into(),
            state: "finished",
            hours: 0,
            last_step: LAST_STEP,
            seconds_per_step: 1.5,
            config: json!({"lr": 2e-4, "batch_size": 256, "world_size": GPUS}),
            metrics: vec![
                Metric::new("loss", 1, decay(2.4, 1.2, 4_000.0), 0.05),
                Metric::new(
                    "epoch",
                    1,
                    Curve::Epoch {
                        steps_per_epoch: 2_000,
                    },
                    0.0,
                ),
            ],
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        numeric_id * 1000,
    );
    run.system = Some(SystemSpec {
        gpus: GPUS,
        gpu_memory_percent: memory,
        gpu_util: busy,
        rss_mb: rss,
        legacy_names: false,
        odd_gpu: Some(OddGpu {
            index: ODD_GPU,
            util: straggling,
            memory_percent: less_memory,
            temp: ODD_TEMP,
        }),
    });
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, vec![]);
    p.runs = vec![run];
    p
}
