//! `demo/dynamics`: one run per training-dynamics case of issue #28, each with its planted
//! answer public here, for the end-to-end tests of `diagnose` and the detection benchmark:
//! a warmup too short (a spike right after the learning-rate peak), SGDR warm restarts (a loss
//! bump at each), a plateau freed by a step decay, a converged run, a still-improving one,
//! `wandb.watch` gradient histograms with a dead layer, a vanishing-gradient network, and a
//! gradient norm growing exponentially toward a NaN.
//!
//! Learning rates are logged under the names real code uses (`lr`, `train/learning_rate`,
//! Lightning's `lr-AdamW`); histograms as `gradients/<layer>` (see `model::histogram`).

use std::f64::consts::PI;

use serde_json::{json, Value};

use crate::model::histogram;
use crate::model::run::{Project, Run};
use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{decay, project, RunSpec, DEMO_ENTITY};
use crate::seed::detection::explode;

pub const PROJECT: &str = "dynamics";

/// A 200-step linear warmup to 3e-3, then a cosine to zero; the gradient norm explodes
/// (×50 for 20 steps) 11 steps after the peak and the loss spikes (×3) 3 steps later.
pub mod warmup {
    pub const ID: &str = "dywarm01";
    pub const LAST_STEP: u64 = 20_000;
    pub const WARMUP: u64 = 200;
    pub const PEAK_STEP: u64 = 199;
    pub const PEAK: f64 = 3e-3;
    pub const EXPLOSION_STEP: u64 = 210;
    pub const SPIKE_STEP: u64 = 213;
}

/// SGDR (cosine with warm restarts, T0 = 10,000, T_mult = 2) from 1e-3 to 1e-5; the loss
/// bumps ×2.5 at each restart and settles again within ~500 steps.
pub mod sgdr {
    pub const ID: &str = "dysgdr01";
    pub const LAST_STEP: u64 = 150_000;
    pub const RESTARTS: [u64; 3] = [10_000, 30_000, 70_000];
    pub const PEAK: f64 = 1e-3;
    pub const FLOOR: f64 = 1e-5;
}

/// The loss falls to 1.2 by 20,000 and stays flat until the learning rate drops ×0.1 at
/// 40,000 (and again at 80,000), then falls to 0.5.
pub mod plateau {
    pub const ID: &str = "dyplat01";
    pub const LAST_STEP: u64 = 100_000;
    pub const FROM: u64 = 20_000;
    pub const LEVEL: f64 = 1.2;
    pub const LR_DROPS: [u64; 2] = [40_000, 80_000];
}

/// The loss decays with a time constant of 3,000 steps to 0.25 and stays there to 50,000:
/// within 2% of its total improvement from 3,000 × ln 50 ≈ 11,736. A cosine learning rate.
pub mod converged {
    pub const ID: &str = "dyconv01";
    pub const LAST_STEP: u64 = 50_000;
    pub const TAU: f64 = 3_000.0;
    pub const FROM: u64 = 11_736;
}

/// The loss still falls steeply at its last step (time constant 40,000 in a 30,000-step
/// run): by the same curve, twice the steps would bring it [`GAIN_AT_TWICE`] lower.
pub mod improving {
    pub const ID: &str = "dyimpr01";
    pub const LAST_STEP: u64 = 30_000;
    pub const TAU: f64 = 40_000.0;
    /// 2.0 × (e^-0.75 − e^-1.5).
    pub const GAIN_AT_TWICE: f64 = 0.4976;
}

/// `wandb.watch` histograms of six layers every 100 steps; one layer's gradients are exactly
/// zero from [`DEAD_FROM`] on while the others' are about 0.02 to 0.04.
pub mod dead {
    pub const ID: &str = "dydead01";
    pub const LAST_STEP: u64 = 20_000;
    pub const LAYERS: usize = 6;
    pub const EVERY: u64 = 100;
    pub const DEAD_KEY: &str = "gradients/layers.3.weight";
    pub const DEAD_FROM: u64 = 12_000;
}

/// Twelve layers' gradient histograms every 100 steps: the upper six alike (0.01), the lower
/// six shrinking 3.8× per layer going down, so the first is [`RATIO`]× below the median
/// layer's (the mean of layers 5 and 6) and the second only 500×.
pub mod vanishing {
    pub const ID: &str = "dyvani01";
    pub const LAST_STEP: u64 = 10_000;
    pub const LAYERS: i32 = 12;
    pub const PER_LAYER: f64 = 3.8;
    pub const KEY: &str = "gradients/layers.0.weight";
    /// 3.8^6 / ((1 + 1/3.8) / 2).
    pub const RATIO: f64 = 1_901.6;
}

/// The gradient norm grows ×e every 6,000 steps from [`ONSET`] until it and the loss are NaN
/// at [`NAN_FROM`], 60,000 steps later (the run failed): 5× its level by ONSET + 6,000 ln 5.
pub mod growth {
    pub const ID: &str = "dygrow01";
    pub const LAST_STEP: u64 = 300_000;
    pub const ONSET: u64 = 180_000;
    pub const TAU: f64 = 6_000.0;
    pub const NAN_FROM: u64 = 240_000;
}

/// A half cosine from `peak` at `from` to `floor` at `to`.
fn cosine(peak: f64, floor: f64, from: u64, to: u64, s: u64) -> f64 {
    let x = (s.saturating_sub(from)) as f64 / (to - from) as f64;
    floor + (peak - floor) * (1.0 + (PI * x.min(1.0)).cos()) / 2.0
}

fn warmup_lr(s: u64) -> f64 {
    use warmup::*;
    if s < WARMUP {
        PEAK * (s + 1) as f64 / WARMUP as f64
    } else {
        cosine(PEAK, 0.0, PEAK_STEP, LAST_STEP, s)
    }
}

/// The SGDR cycle a step is in: `(start, end)`.
fn sgdr_cycle(s: u64) -> (u64, u64) {
    use sgdr::*;
    let start = RESTARTS
        .iter()
        .copied()
        .filter(|&r| r <= s)
        .max()
        .unwrap_or(0);
    let end = RESTARTS
        .iter()
        .copied()
        .find(|&r| r > s)
        .unwrap_or(LAST_STEP);
    (start, end)
}

fn sgdr_lr(s: u64) -> f64 {
    let (from, to) = sgdr_cycle(s);
    cosine(sgdr::PEAK, sgdr::FLOOR, from, to, s)
}

fn sgdr_loss(s: u64) -> f64 {
    let base = 0.4 + 1.9 * (-(s as f64) / 30_000.0).exp();
    let (start, _) = sgdr_cycle(s);
    let bump = if start > 0 {
        1.0 + 1.5 * (-((s - start) as f64) / 400.0).exp()
    } else {
        1.0
    };
    base * bump
}

fn plateau_loss(s: u64) -> f64 {
    use plateau::*;
    if s < FROM {
        2.3 - (2.3 - LEVEL) * s as f64 / FROM as f64
    } else if s < LR_DROPS[0] {
        LEVEL
    } else {
        0.5 + (LEVEL - 0.5) * (-((s - LR_DROPS[0]) as f64) / 2_000.0).exp()
    }
}

fn plateau_lr(s: u64) -> f64 {
    0.1 * 0.1f64.powi(plateau::LR_DROPS.iter().filter(|&&d| s >= d).count() as i32)
}

fn converged_lr(s: u64) -> f64 {
    cosine(1e-3, 0.0, 0, converged::LAST_STEP, s)
}

fn improving_lr(s: u64) -> f64 {
    if s < 500 {
        5e-4 * (s + 1) as f64 / 500.0
    } else {
        5e-4 - 4.5e-4 * (s - 500) as f64 / (improving::LAST_STEP - 500) as f64
    }
}

fn growing_grad(s: u64) -> f64 {
    use growth::*;
    let normal = 0.8 + 3.2 * (-(s as f64) / 75_000.0).exp();
    if s < ONSET {
        normal
    } else {
        normal * ((s - ONSET) as f64 / TAU).exp()
    }
}

fn epoch(last: u64) -> Metric {
    Metric::new(
        "epoch",
        1,
        Curve::Epoch {
            steps_per_epoch: last / 20,
        },
        0.0,
    )
}

/// The answer a run's config records under `planted`, for the benchmark to read from the
/// server: the finding (kind, key, step within `tolerance`, words its detail holds) and every
/// alarm the run may raise (any other is a wrong name).
fn planted(id: &str) -> Value {
    let answer = |kind: &str,
                  key: &str,
                  step: u64,
                  tolerance: u64,
                  detail: &str,
                  alarms: &[&str]| {
        json!({"kind": kind, "key": key, "step": step, "tolerance": tolerance, "detail": detail, "alarms": alarms})
    };
    match id {
        warmup::ID => answer(
            "spike",
            "loss",
            warmup::SPIKE_STEP,
            0,
            "14 steps after the learning-rate peak at 199",
            &["explosion", "spike"],
        ),
        sgdr::ID => answer(
            "spike",
            "loss",
            sgdr::RESTARTS[0],
            0,
            "at a learning-rate restart (10000)",
            &["spike"],
        ),
        plateau::ID => answer(
            "plateau",
            "loss",
            plateau::FROM,
            3_000,
            "ended by the learning-rate drop at 40000",
            &["plateau"],
        ),
        converged::ID => answer("converged", "loss", converged::FROM, 2_500, "", &[]),
        improving::ID => answer(
            "improving",
            "loss",
            improving::LAST_STEP * 4 / 5,
            10,
            "train longer",
            &[],
        ),
        dead::ID => answer(
            "dead-layer",
            dead::DEAD_KEY,
            dead::DEAD_FROM,
            0,
            "",
            &["dead-layer"],
        ),
        vanishing::ID => answer("vanishing", vanishing::KEY, 0, 0, "1/1", &["vanishing"]),
        growth::ID => answer(
            "growth",
            "grad_norm",
            growth::ONSET,
            3_000,
            "before the divergence at 240000",
            &["growth", "divergence", "crash"],
        ),
        _ => Value::Null,
    }
}

fn spec(id: &str, name: &str, hours: i64, last: u64, metrics: Vec<Metric>) -> RunSpec {
    RunSpec {
        id: id.into(),
        name: name.into(),
        state: "finished",
        hours,
        last_step: last,
        seconds_per_step: 0.05,
        config: json!({"optimizer": "adamw", "batch_size": 64, "planted": planted(id)}),
        metrics,
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

/// A healthy loss, gradient norm and validation loss decaying with time constant `tau`.
fn healthy(last: u64, tau: f64) -> Vec<Metric> {
    vec![
        Metric::new("loss", 1, decay(2.3, 0.3, tau), 0.05),
        Metric::new("grad_norm", 1, decay(3.0, 0.8, tau), 0.15),
        Metric::new("val_loss", last / 100, decay(2.4, 0.4, tau), 0.02),
        epoch(last),
    ]
}

fn specs() -> Vec<RunSpec> {
    let lr =
        |name: &str, every: u64, f: fn(u64) -> f64| Metric::new(name, every, Curve::Shape(f), 0.0);
    let mut runs = Vec::new();

    let w = warmup::LAST_STEP;
    let mut m = healthy(w, 4_000.0);
    let (grad, loss) = (m.remove(1), m.remove(0));
    let (grad, loss) = explode(grad, loss, warmup::EXPLOSION_STEP, 20, 50.0, 200);
    m.extend([loss, grad, lr("lr", 1, warmup_lr)]);
    runs.push(spec(warmup::ID, "warmup-200/spike-after-peak", 0, w, m));

    let s = sgdr::LAST_STEP;
    runs.push(spec(
        sgdr::ID,
        "sgdr/warm-restarts",
        2,
        s,
        vec![
            Metric::new("loss", 1, Curve::Shape(sgdr_loss), 0.05),
            Metric::new("grad_norm", 1, decay(3.0, 0.6, 30_000.0), 0.15),
            Metric::new("val_loss", s / 100, decay(2.4, 0.5, 30_000.0), 0.02),
            lr("lr", 10, sgdr_lr),
            epoch(s),
        ],
    ));

    let p = plateau::LAST_STEP;
    runs.push(spec(
        plateau::ID,
        "step-decay/plateau",
        4,
        p,
        vec![
            Metric::new("loss", 1, Curve::Shape(plateau_loss), 0.05),
            Metric::new("grad_norm", 1, decay(3.0, 1.0, 10_000.0), 0.15),
            lr("lr", 100, plateau_lr),
            epoch(p),
        ],
    ));

    let c = converged::LAST_STEP;
    let mut m = healthy(c, converged::TAU);
    m.push(lr("lr", 50, converged_lr));
    runs.push(spec(converged::ID, "cosine/converged", 6, c, m));

    let i = improving::LAST_STEP;
    let mut m = healthy(i, improving::TAU);
    m.push(lr("train/learning_rate", 10, improving_lr));
    runs.push(spec(improving::ID, "short/still-improving", 8, i, m));

    let d = dead::LAST_STEP;
    let mut m = healthy(d, 5_000.0);
    m.push(Metric::new("lr-AdamW", 100, Curve::Const(3e-4), 0.0));
    for l in 0..dead::LAYERS {
        let key = format!("gradients/layers.{l}.weight");
        let mut g = Metric::new(
            &key,
            dead::EVERY,
            Curve::Const(0.02 * (1.0 + l as f64 / 5.0)),
            0.1,
        );
        if key == dead::DEAD_KEY {
            g = g.with(Event::Explode {
                from: dead::DEAD_FROM,
                factor: 0.0,
            });
        }
        m.push(g);
    }
    runs.push(spec(dead::ID, "watch/dead-layer", 10, d, m));

    let v = vanishing::LAST_STEP;
    let mut m = healthy(v, 8_000.0);
    for l in 0..vanishing::LAYERS {
        let scale = 0.01 * vanishing::PER_LAYER.powi((l - 6).min(0));
        m.push(Metric::new(
            &format!("gradients/layers.{l}.weight"),
            100,
            Curve::Const(scale),
            0.1,
        ));
    }
    runs.push(spec(vanishing::ID, "watch/vanishing-gradients", 12, v, m));

    let g = growth::LAST_STEP;
    let nan = Event::NanFrom {
        from: growth::NAN_FROM,
    };
    let mut grown = spec(
        growth::ID,
        "grad-norm-growth/nan",
        14,
        g,
        vec![
            Metric::new("loss", 1, decay(2.3, 0.3, 60_000.0), 0.05).with(nan.clone()),
            Metric::new("grad_norm", 1, Curve::Shape(growing_grad), 0.15).with(nan.clone()),
            Metric::new("val_loss", g / 100, decay(2.4, 0.4, 60_000.0), 0.02).with(nan),
            Metric::new("lr", 100, Curve::Const(1e-3), 0.0),
            epoch(g),
        ],
    );
    grown.state = "failed";
    runs.push(grown);
    runs
}

/// The summary holds a histogram key's last histogram, as W&B's does, not its scale.
fn histograms_in_summary(run: &mut Run) {
    let keys: Vec<(String, u64)> = run
        .history
        .metrics
        .iter()
        .filter(|m| histogram::is_histogram(&m.name))
        .filter_map(|m| Some((m.name.clone(), m.last_logged(run.history.last_step)?)))
        .collect();
    if keys.is_empty() {
        return;
    }
    let mut summary = run.summary_value();
    for (key, step) in keys {
        let scale = run
            .history
            .metric(&key)
            .map_or(0.0, |m| m.value(step, run.seed));
        summary[key.as_str()] = histogram::sdk(scale);
    }
    // These runs hold no non-finite value, so plain JSON is the SDK's text too.
    run.summary_json = Value::to_string(&summary);
}

pub fn project_of(numeric_id: u64) -> Project {
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, specs());
    for run in &mut p.runs {
        histograms_in_summary(run);
        if run.state == "failed" {
            run.exitcode = Some(1);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_shapes() {
        assert_eq!(warmup_lr(warmup::PEAK_STEP), warmup::PEAK);
        assert!(warmup_lr(warmup::PEAK_STEP + 1) < warmup::PEAK && warmup_lr(0) < 1e-4);
        for r in sgdr::RESTARTS {
            assert!((sgdr_lr(r) - sgdr::PEAK).abs() < 1e-12 && sgdr_lr(r - 1) < 2e-5);
            assert!(sgdr_loss(r) > 2.4 * sgdr_loss(r - 1));
        }
        assert_eq!(plateau_loss(30_000), plateau::LEVEL);
        assert_eq!((plateau_lr(39_999), plateau_lr(40_000)), (0.1, 0.1 * 0.1));
        let ratio = growing_grad(growth::ONSET + 10_000) / growing_grad(growth::ONSET);
        // ×e^(10,000 / TAU) ≈ 5.3, less the healthy norm's own slow decay.
        assert!(
            (ratio / (10_000.0 / growth::TAU).exp() - 1.0).abs() < 0.05,
            "{ratio}"
        );
        let p = project_of(999);
        let ids: Vec<&str> = p.runs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 8);
        assert!(p
            .runs
            .iter()
            .all(|r| r.config["planted"]["alarms"].is_array()));
        assert!(ids.iter().all(|id| id.len() == 8));
        let dead = p.runs.iter().find(|r| r.id == dead::ID).unwrap();
        let summary = dead.summary_value();
        assert_eq!(summary[dead::DEAD_KEY]["bins"], json!([0.0, 0.0]));
        assert_eq!(summary["gradients/layers.0.weight"]["_type"], "histogram");
    }
}
