//! `demo/long-runs`: ten long runs (up to 2,000,000 steps, generated lazily) with narrow
//! events planted, for `triage`'s dense pass: an `ok` row must mean the run was looked at as
//! carefully as `diagnose` looks. What is planted is public here ([`PLANTED`]) so tests and
//! `bench/many_runs.py` check against it:
//! - a 2,500-step gradient-norm surge in a 2M-step run (0.125% of it), nothing on the loss;
//! - a 300-step gradient explosion followed by a 3,000-step loss spike (the explosion is too
//!   short for any sampled pass; the spike after it leads to it);
//! - a 1,000-step surge in a 1M-step run: exactly the 0.1% the dense pass promises;
//! - a NaN onset (the loss and the validation loss NaN from one step on; the run failed);
//! - six healthy runs of 100k to 2M steps.
//!
//! Every run logs `loss` and `grad_norm` at every step, `val_loss` every 1,000 steps and
//! `epoch` (40 per run).

use serde_json::json;

use crate::model::run::Project;
use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{decay, project, RunSpec, DEMO_ENTITY};
use crate::seed::detection::explode;

pub const PROJECT: &str = "long-runs";
/// How much a surge or an explosion multiplies the gradient norm (a loss spike after it is
/// `demo/detection`'s: the same factor and lag).
pub const GRAD_FACTOR: f64 = 30.0;
pub use crate::seed::detection::{LOSS_SPIKE_FACTOR, LOSS_SPIKE_LAG};

/// What a run holds: the finding `triage` should show for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Planted {
    /// The gradient norm ×[`GRAD_FACTOR`] on `[step, step + width)`, then the loss
    /// ×[`LOSS_SPIKE_FACTOR`] on `[step + LOSS_SPIKE_LAG, ... + loss_spike)` (none when 0).
    Explosion {
        step: u64,
        width: u64,
        loss_spike: u64,
    },
    /// `loss` and `val_loss` NaN from `step` on.
    NanOnset {
        step: u64,
    },
    Healthy,
}

impl Planted {
    /// The row `triage` should print: (finding, key, step); `None` for `ok`.
    pub fn answer(&self) -> Option<(&'static str, &'static str, u64)> {
        match *self {
            Planted::Explosion { step, .. } => Some(("explosion", "grad_norm", step)),
            Planted::NanOnset { step } => Some(("divergence", "loss", step)),
            Planted::Healthy => None,
        }
    }
}

/// One run: its id, name, last step and what was planted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongRun {
    pub id: &'static str,
    pub name: &'static str,
    pub last_step: u64,
    pub planted: Planted,
}

/// The runs, oldest first (`triage` lists them newest first).
pub const PLANTED: [LongRun; 10] = [
    LongRun {
        id: "lr2msurg",
        name: "2m/grad-surge-2500",
        last_step: 2_000_000,
        planted: Planted::Explosion {
            step: 1_234_567,
            width: 2_500,
            loss_spike: 0,
        },
    },
    LongRun {
        id: "lrhealt1",
        name: "2m/healthy",
        last_step: 2_000_000,
        planted: Planted::Healthy,
    },
    LongRun {
        id: "lr2mexpl",
        name: "2m/explosion-300+loss-spike",
        last_step: 2_000_000,
        planted: Planted::Explosion {
            step: 1_487_213,
            width: 300,
            loss_spike: 3_000,
        },
    },
    LongRun {
        id: "lrhealt2",
        name: "1.8m/healthy",
        last_step: 1_800_000,
        planted: Planted::Healthy,
    },
    LongRun {
        id: "lrnanon1",
        name: "1.6m/nan-onset",
        last_step: 1_600_000,
        planted: Planted::NanOnset { step: 1_012_907 },
    },
    LongRun {
        id: "lrhealt3",
        name: "1.2m/healthy",
        last_step: 1_200_000,
        planted: Planted::Healthy,
    },
    LongRun {
        id: "lr1msurg",
        name: "1m/grad-surge-1000",
        last_step: 1_000_000,
        planted: Planted::Explosion {
            step: 618_033,
            width: 1_000,
            loss_spike: 0,
        },
    },
    LongRun {
        id: "lrhealt4",
        name: "800k/healthy",
        last_step: 800_000,
        planted: Planted::Healthy,
    },
    LongRun {
        id: "lrhealt5",
        name: "400k/healthy",
        last_step: 400_000,
        planted: Planted::Healthy,
    },
    LongRun {
        id: "lrhealt6",
        name: "100k/healthy",
        last_step: 100_000,
        planted: Planted::Healthy,
    },
];

fn spec(i: usize, run: &LongRun) -> RunSpec {
    let last = run.last_step;
    let tau = last as f64 / 6.0;
    let mut loss = Metric::new("loss", 1, decay(2.3, 0.2, tau), 0.08);
    let mut grad = Metric::new("grad_norm", 1, decay(4.0, 0.8, tau), 0.15);
    let mut val = Metric::new("val_loss", 1_000, decay(2.4, 0.3, tau), 0.02);
    let mut state = "finished";
    match run.planted {
        Planted::Explosion {
            step,
            width,
            loss_spike,
        } => {
            (grad, loss) = explode(grad, loss, step, width, GRAD_FACTOR, loss_spike);
        }
        Planted::NanOnset { step } => {
            loss = loss.with(Event::NanFrom { from: step });
            val = val.with(Event::NanFrom { from: step });
            state = "failed";
        }
        Planted::Healthy => {}
    }
    RunSpec {
        id: run.id.into(),
        name: run.name.into(),
        state,
        hours: 10 * i as i64,
        last_step: last,
        seconds_per_step: 0.02,
        config: json!({"lr": 6e-4, "optimizer": "adamw", "model": "gpt-350m"}),
        metrics: vec![
            loss,
            grad,
            val,
            Metric::new(
                "epoch",
                1,
                Curve::Epoch {
                    steps_per_epoch: last / 40,
                },
                0.0,
            ),
        ],
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

pub fn project_of(numeric_id: u64) -> Project {
    let specs = PLANTED
        .iter()
        .enumerate()
        .map(|(i, r)| spec(i, r))
        .collect();
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, specs);
    for (run, planted) in p.runs.iter_mut().zip(PLANTED) {
        if matches!(planted.planted, Planted::NanOnset { .. }) {
            run.exitcode = Some(1);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_planted_holds() {
        let p = project_of(111);
        assert_eq!(p.runs.len(), PLANTED.len());
        for (r, planted) in p.runs.iter().zip(PLANTED) {
            assert_eq!(r.id.len(), 8);
            assert!(planted.last_step <= 2_000_000);
            let at = |k: &str, s: u64| r.history.value(k, s, r.start_unix, r.seed).unwrap();
            match planted.planted {
                Planted::Explosion {
                    step,
                    width,
                    loss_spike,
                } => {
                    assert!(at("grad_norm", step) > 10.0 * at("grad_norm", step - 1));
                    assert!(at("grad_norm", step + width) < 2.0);
                    assert_eq!(
                        at("loss", step + LOSS_SPIKE_LAG) > 2.0 * at("loss", step),
                        loss_spike > 0
                    );
                }
                Planted::NanOnset { step } => {
                    assert!(at("loss", step).is_nan() && !at("loss", step - 1).is_nan());
                    assert_eq!(r.state, "failed");
                }
                Planted::Healthy => assert_eq!(r.state, "finished"),
            }
        }
        // The narrowest promised event: 0.1% of its run.
        let surge = PLANTED[6];
        assert!(
            matches!(surge.planted, Planted::Explosion { width, .. } if width * 1000 == surge.last_step)
        );
    }
}
