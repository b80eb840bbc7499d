//! `demo/sweep`: a hyperparameter sweep of 160 runs, for the many-runs commands (filters,
//! pagination past one page, N-way compare, the hyperparameter table, triage). What is planted
//! is public here so tests check against it:
//! - 150 sweep runs (sweep [`SWEEP_ID`], group `sweep-<id>`, tags `sweep` and `cifar10`, every
//!   5th also `long`) with `lr` spread log-uniformly over 1e-5..3e-3, `weight_decay`,
//!   `batch_size`, `optimizer` and `warmup_steps` varied independently;
//! - the final `val_loss` falls with `lr` (≈ 1.0 at 1e-5, 0.5 at 3e-3: a strong rank
//!   relationship), `sgd` adds 0.05, and batch size, weight decay and warmup do nothing;
//! - [`DIVERGED`] runs have `lr` 2e-2 and diverge: the gradient norm explodes at
//!   [`explosion_step`] and the loss is NaN from [`nan_step`] (state `failed`);
//! - [`CRASHED`] crashed, [`RUNNING`] is still running; the 10 newest runs are not part of
//!   the sweep (group `baselines`, job type `finetune`, tag `baseline`).

use serde_json::{json, Value};

use crate::model::run::{Project, Run};
use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{build, decay, project, RunSpec, DEMO_ENTITY};

pub const PROJECT: &str = "sweep";
pub const SWEEP_ID: &str = "swp7k2q9";
pub const RUNS: usize = 160;
/// Runs `0..SWEEP_RUNS` belong to the sweep; the rest are baselines.
pub const SWEEP_RUNS: usize = 150;
pub const LAST_STEP: u64 = 3_000;
pub const DIVERGED: [usize; 4] = [23, 61, 97, 131];
pub const CRASHED: usize = 140;
pub const RUNNING: usize = 149;

pub fn id(i: usize) -> String {
    format!("sw{i:06}")
}

pub fn explosion_step(i: usize) -> u64 {
    1_000 + 7 * i as u64
}

pub fn nan_step(i: usize) -> u64 {
    explosion_step(i) + 40
}

/// A fraction in [0, 1) for run `i` and parameter `salt`: for `lr` (salt 0) a low-discrepancy
/// sequence, so every range of learning rates is covered evenly; for the others a hash, so
/// no parameter follows another (a sweep's random search). `demo/lr-sweep` draws from it too.
pub(crate) fn spread(i: usize, salt: u64) -> f64 {
    if salt == 0 {
        return ((i as f64 + 1.0) * 0.618_033_988_749_895).fract();
    }
    // splitmix64 of (i, salt).
    let mut z = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

pub(crate) fn pick<T: Copy>(i: usize, salt: u64, options: &[T]) -> T {
    options[(spread(i, salt) * options.len() as f64) as usize % options.len()]
}

pub fn lr(i: usize) -> f64 {
    if DIVERGED.contains(&i) {
        return 2e-2;
    }
    // log10(lr) in [-5, log10(3e-3)].
    let hi = 3e-3_f64.log10();
    let exponent = -5.0 + spread(i, 0) * (hi + 5.0);
    // Two significant digits, as a sweep config would hold them (printed and read back, so
    // the value is the shortest decimal, e.g. 3.8e-5).
    format!("{:.1e}", 10f64.powf(exponent))
        .parse()
        .expect("a formatted float parses")
}

pub fn optimizer(i: usize) -> &'static str {
    pick(i, 3, &["adamw", "sgd", "lion"])
}

/// The planted final validation loss (before the run's small noise).
pub fn final_val_loss(i: usize) -> f64 {
    let by_lr = 1.0 - 0.5 * (lr(i).log10() + 5.0) / (3e-3_f64.log10() + 5.0);
    let by_optimizer = if optimizer(i) == "sgd" { 0.05 } else { 0.0 };
    // A little run-to-run noise that relates to nothing.
    let noise = (spread(i, 9) - 0.5) * 0.04;
    by_lr + by_optimizer + noise
}

fn config(i: usize) -> Value {
    json!({
        "lr": lr(i),
        "weight_decay": pick(i, 1, &[0.0, 0.01, 0.1]),
        "batch_size": pick(i, 2, &[32, 64, 128, 256]),
        "optimizer": optimizer(i),
        "warmup_steps": pick(i, 4, &[0, 500, 1000]),
        "epochs": 30,
        "model": "resnet18",
    })
}

fn metrics(i: usize) -> Vec<Metric> {
    let end = final_val_loss(i);
    let tau = LAST_STEP as f64 / 5.0;
    let mut loss = Metric::new("loss", 1, decay(2.3, end * 0.9, tau), 0.05);
    let mut grad = Metric::new("grad_norm", 1, decay(4.0, 0.6, tau), 0.1);
    if DIVERGED.contains(&i) {
        grad = grad.with(Event::Explode {
            from: explosion_step(i),
            factor: 300.0,
        });
        loss = loss.with(Event::NanFrom { from: nan_step(i) });
    }
    let mut val_loss = Metric::new("val_loss", 100, decay(2.4, end, tau), 0.01);
    let mut val_acc = Metric::new("val_acc", 100, decay(0.1, 1.0 - end * 0.4, tau), 0.01);
    if DIVERGED.contains(&i) {
        // The weights are NaN from then on, so is every evaluation.
        val_loss = val_loss.with(Event::NanFrom { from: nan_step(i) });
        val_acc = val_acc.with(Event::NanFrom { from: nan_step(i) });
    }
    vec![
        loss,
        grad,
        val_loss,
        val_acc,
        Metric::new(
            "epoch",
            1,
            Curve::Epoch {
                steps_per_epoch: LAST_STEP / 30,
            },
            0.0,
        ),
    ]
}

fn run(i: usize, numeric_id: u64) -> Run {
    let diverged = DIVERGED.contains(&i);
    let state = match i {
        _ if diverged => "failed",
        CRASHED => "crashed",
        RUNNING => "running",
        _ => "finished",
    };
    let last_step = if diverged {
        nan_step(i) + 60
    } else {
        LAST_STEP
    };
    let in_sweep = i < SWEEP_RUNS;
    let mut run = build(
        RunSpec {
            id: id(i),
            name: if in_sweep {
                format!("trial-{i:03}")
            } else {
                format!("baseline-{i:03}")
            },
            state,
            hours: i as i64,
            last_step,
            seconds_per_step: 0.5,
            config: config(i),
            metrics: metrics(i),
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        numeric_id * 1000 + i as u64,
    );
    if in_sweep {
        run.sweep = Some(SWEEP_ID.into());
        run.group = Some(format!("sweep-{SWEEP_ID}"));
        run.tags = vec!["sweep".into(), "cifar10".into()];
        if i.is_multiple_of(5) {
            run.tags.push("long".into());
        }
    } else {
        run.group = Some("baselines".into());
        run.job_type = Some("finetune".into());
        run.tags = vec!["baseline".into()];
    }
    if diverged {
        run.exitcode = Some(1);
    }
    run
}

pub fn project_of(numeric_id: u64) -> Project {
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, vec![]);
    p.runs = (0..RUNS).map(|i| run(i, numeric_id)).collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_planted_holds() {
        let p = project_of(109);
        assert_eq!(p.runs.len(), RUNS);
        let ids: std::collections::BTreeSet<_> = p.runs.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids.len(), RUNS, "ids are unique");
        assert!(p.runs.iter().all(|r| r.id.len() == 8));
        for &i in &DIVERGED {
            let r = &p.runs[i];
            assert_eq!(r.state, "failed");
            let at = |k: &str, s: u64| r.history.value(k, s, r.start_unix, r.seed);
            assert!(at("loss", nan_step(i)).unwrap().is_nan());
            assert!(!at("loss", nan_step(i) - 1).unwrap().is_nan());
            assert!(at("grad_norm", explosion_step(i)).unwrap() > 50.0);
            assert!(at("grad_norm", explosion_step(i) - 1).unwrap() < 5.0);
        }
        let lrs: Vec<f64> = (0..SWEEP_RUNS)
            .filter(|i| !DIVERGED.contains(i))
            .map(lr)
            .collect();
        assert!(
            lrs.iter().all(|&lr| (1e-5..=3.01e-3).contains(&lr)),
            "{lrs:?}"
        );
        assert!(lrs.iter().any(|&lr| lr < 3e-5) && lrs.iter().any(|&lr| lr > 1e-3));
        let optimizers: std::collections::BTreeSet<_> = (0..RUNS).map(optimizer).collect();
        assert_eq!(optimizers.len(), 3);
    }
}
