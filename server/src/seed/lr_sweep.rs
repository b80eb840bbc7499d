//! `demo/lr-sweep`: a sweep whose learning rate matters in a U shape — best at [`BEST_LR`],
//! worse on both sides — so a monotone measure (Spearman's rho) understates it. What is
//! planted is public here so tests check against it:
//! - [`RUNS`] finished runs, `lr` spread log-uniformly over 1e-5..1e-2 (a low-discrepancy
//!   sequence, two significant digits);
//! - the final `val_loss` is [`FLOOR`] plus a parabola in log10(lr) around [`BEST_LR`],
//!   steeper above it than below ([`final_val_loss`]);
//! - `warmup_steps` has a small monotone effect (more warmup, slightly higher loss), the
//!   largest rank correlation of any key; `batch_size` and `dropout` do nothing.

use serde_json::{json, Value};

use crate::model::run::{Project, Run};
use crate::model::series::{Curve, Metric, NanWire};
use crate::seed::builder::{build, decay, project, RunSpec, DEMO_ENTITY};
use crate::seed::sweep::{pick, spread};

pub const PROJECT: &str = "lr-sweep";
pub const RUNS: usize = 60;
/// The learning rate with the lowest planted loss.
pub const BEST_LR: f64 = 3e-4;
/// The planted loss at [`BEST_LR`] with no warmup.
pub const FLOOR: f64 = 0.42;
pub const LAST_STEP: u64 = 2_000;
/// Loss added per decade of `lr` below and above [`BEST_LR`], squared.
const BELOW: f64 = 0.10;
const ABOVE: f64 = 0.16;
/// Loss added per 1,000 warmup steps.
const WARMUP_EFFECT: f64 = 0.06;

pub fn id(i: usize) -> String {
    format!("lu{i:06}")
}

pub fn lr(i: usize) -> f64 {
    let exponent = -5.0 + spread(i, 0) * 3.0;
    format!("{:.1e}", 10f64.powf(exponent))
        .parse()
        .expect("a formatted float parses")
}

pub fn warmup_steps(i: usize) -> u64 {
    pick(i, 4, &[0, 250, 500, 1000])
}

/// The planted final validation loss (before the run's small noise).
pub fn final_val_loss(i: usize) -> f64 {
    let d = lr(i).log10() - BEST_LR.log10();
    let by_lr = if d < 0.0 { BELOW } else { ABOVE } * d * d;
    let by_warmup = WARMUP_EFFECT * warmup_steps(i) as f64 / 1000.0;
    let noise = (spread(i, 9) - 0.5) * 0.02;
    FLOOR + by_lr + by_warmup + noise
}

fn config(i: usize) -> Value {
    json!({
        "lr": lr(i),
        "warmup_steps": warmup_steps(i),
        "batch_size": pick(i, 2, &[64, 128, 256]),
        "dropout": pick(i, 5, &[0.0, 0.1, 0.2]),
        "model": "vit-small",
    })
}

fn run(i: usize, numeric_id: u64) -> Run {
    let end = final_val_loss(i);
    let tau = LAST_STEP as f64 / 5.0;
    build(
        RunSpec {
            id: id(i),
            name: format!("lr-trial-{i:02}"),
            state: "finished",
            hours: i as i64,
            last_step: LAST_STEP,
            seconds_per_step: 0.5,
            config: config(i),
            metrics: vec![
                Metric::new("loss", 1, decay(2.3, end * 0.9, tau), 0.05),
                Metric::new("val_loss", 100, decay(2.4, end, tau), 0.002),
                Metric::new(
                    "epoch",
                    1,
                    Curve::Epoch {
                        steps_per_epoch: LAST_STEP / 20,
                    },
                    0.0,
                ),
            ],
            nan_wire: NanWire::String,
            extra_summary: json!({}),
        },
        numeric_id * 1000 + i as u64,
    )
}

pub fn project_of(numeric_id: u64) -> Project {
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, vec![]);
    p.runs = (0..RUNS).map(|i| run(i, numeric_id)).collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spearman's rho of two lists without ties in `xs` that matter here.
    fn rank(xs: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
        let mut r = vec![0.0; xs.len()];
        for (k, &i) in order.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    }

    fn pearson(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn the_learning_rate_is_u_shaped_and_its_rank_correlation_weak() {
        let p = project_of(121);
        assert_eq!(p.runs.len(), RUNS);
        let lrs: Vec<f64> = (0..RUNS).map(lr).collect();
        let loss: Vec<f64> = (0..RUNS).map(final_val_loss).collect();
        assert!(lrs.iter().all(|&x| (1e-5..=1e-2).contains(&x)), "{lrs:?}");
        // Best near 3e-4; both ends worse than the middle.
        let best = (0..RUNS)
            .min_by(|&a, &b| loss[a].total_cmp(&loss[b]))
            .unwrap();
        assert!((1e-4..=1e-3).contains(&lrs[best]), "{}", lrs[best]);
        let mean_where = |keep: &dyn Fn(f64) -> bool| {
            let v: Vec<f64> = (0..RUNS)
                .filter(|&i| keep(lrs[i]))
                .map(|i| loss[i])
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        let (low, mid, high) = (
            mean_where(&|x| x < 3e-5),
            mean_where(&|x| (1e-4..1e-3).contains(&x)),
            mean_where(&|x| x > 3e-3),
        );
        assert!(low > mid + 0.1 && high > mid + 0.1, "{low} {mid} {high}");
        // A monotone measure sees little of it; warmup's small monotone effect ranks higher.
        let rho_lr = pearson(&rank(&lrs), &rank(&loss));
        let warmup: Vec<f64> = (0..RUNS).map(|i| warmup_steps(i) as f64).collect();
        let rho_warmup = pearson(&rank(&warmup), &rank(&loss));
        assert!(rho_lr.abs() < 0.3, "lr rho {rho_lr}");
        assert!(rho_warmup.abs() > rho_lr.abs(), "{rho_warmup} vs {rho_lr}");
    }
}
