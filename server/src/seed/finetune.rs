//! `demo/llm-finetune`: the best of the last 5 runs (ft08lr1e) is not the best overall
//! (ft01base), a crashed run has the best value of all, one run never logs `val_loss`, and
//! `ft05ovf1` overfits from step 6,000.

use serde_json::json;

use crate::model::series::{Curve, Metric, NanWire};
use crate::seed::builder::{decay, RunSpec};

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
pub(crate) fn runs() -> Vec<RunSpec> {
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
