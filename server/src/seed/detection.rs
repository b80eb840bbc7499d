//! `demo/detection`: runs with one planted event each, of a known kind, width and step, for
//! the detection benchmark (`bench/detection.py`) and the end-to-end tests of `diagnose`.
//!
//! Every run logs `loss` and `grad_norm` at every step, `val_loss` every 1% of the run and
//! `epoch` (50 per run). Its config records what was planted under `planted` (kind, key, step,
//! width), so a benchmark reads the answer from the server instead of restating it.

use serde_json::json;

use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{decay, RunSpec};

/// Run lengths (last step) the benchmark covers.
pub const LENGTHS: [u64; 3] = [100_000, 1_000_000, 5_000_000];
/// Widths, in steps, of the planted gradient-norm explosions.
pub const WIDTHS: [u64; 4] = [50, 200, 1_000, 5_000];
/// How much an explosion multiplies the gradient norm, and a following spike the loss.
pub const EXPLOSION_FACTOR: f64 = 50.0;
pub const LOSS_SPIKE_FACTOR: f64 = 3.0;
/// A loss spike that follows an explosion starts this many steps after it and, in the
/// benchmark's standard pairs, lasts this many times as long as the explosion: the loss takes
/// longer to recover than the gradients.
pub const LOSS_SPIKE_LAG: u64 = 3;
pub const LOSS_SPIKE_STRETCH: u64 = 10;
/// The masked explosion: too short for any coarse pass, followed by a long loss spike.
pub const MASKED_WIDTH: u64 = 20;
pub const MASKED_LOSS_SPIKE: u64 = 5_000;
/// The value of a one-step loss spike (the loss runs between about 2.3 and 0.2).
pub const ONE_STEP_VALUE: f64 = 20.0;

/// What was planted in a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Planted {
    /// The gradient norm ×50 on `[step, step + width)`, followed by a loss spike of
    /// `loss_spike` steps (none when 0).
    Explosion { width: u64, loss_spike: u64 },
    /// `loss` and `val_loss` NaN from `step` on.
    NanOnset,
    /// One loss value ×~10 at `step`.
    OneStepSpike,
    /// Nothing: a healthy twin.
    Healthy,
}

impl Planted {
    pub fn all() -> Vec<Planted> {
        let mut all = Vec::new();
        for stretch in [0, LOSS_SPIKE_STRETCH] {
            for width in WIDTHS {
                all.push(Planted::Explosion {
                    width,
                    loss_spike: width * stretch,
                });
            }
        }
        all.extend([
            Planted::Explosion {
                width: MASKED_WIDTH,
                loss_spike: MASKED_LOSS_SPIKE,
            },
            Planted::NanOnset,
            Planted::OneStepSpike,
            Planted::Healthy,
        ]);
        all
    }

    /// The finding `diagnose` should report: (kind, key, width).
    fn answer(&self) -> Option<(&'static str, &'static str, u64)> {
        match *self {
            Planted::Explosion { width, .. } => Some(("explosion", "grad_norm", width)),
            Planted::NanOnset => Some(("divergence", "loss", 0)),
            Planted::OneStepSpike => Some(("spike", "loss", 1)),
            Planted::Healthy => None,
        }
    }

    fn label(&self) -> String {
        match *self {
            Planted::Explosion {
                width,
                loss_spike: 0,
            } => format!("explosion-{width}"),
            Planted::Explosion { width, loss_spike } => {
                format!("explosion-{width}+loss-{loss_spike}")
            }
            Planted::NanOnset => "nan-onset".into(),
            Planted::OneStepSpike => "one-step-spike".into(),
            Planted::Healthy => "healthy".into(),
        }
    }
}

/// The planted step: about 61% into the run, on no round number.
pub fn event_step(last_step: u64) -> u64 {
    last_step / 10_000 * 6_137 + 3
}

fn length_label(last_step: u64) -> String {
    if last_step >= 1_000_000 {
        format!("{}M", last_step / 1_000_000)
    } else {
        format!("{}k", last_step / 1_000)
    }
}

/// The run's id: `dt` and a two-digit length index and three-digit event index, 8 characters.
/// `grad` ×`factor` on `[at, at + width)`, then `loss` ×[`LOSS_SPIKE_FACTOR`] for
/// `loss_spike` steps from [`LOSS_SPIKE_LAG`] steps after `at` (none when 0): the explosion
/// planted here and in `demo/long-runs`.
pub(crate) fn explode(
    grad: Metric,
    loss: Metric,
    at: u64,
    width: u64,
    factor: f64,
    loss_spike: u64,
) -> (Metric, Metric) {
    let grad = grad.with(Event::Spike {
        from: at,
        to: at + width,
        factor,
    });
    if loss_spike == 0 {
        return (grad, loss);
    }
    let from = at + LOSS_SPIKE_LAG;
    let loss = loss.with(Event::Spike {
        from,
        to: from + loss_spike,
        factor: LOSS_SPIKE_FACTOR,
    });
    (grad, loss)
}

pub fn run_id(length_index: usize, event_index: usize) -> String {
    format!("dt{length_index:02}e{event_index:03}")
}

fn run(length_index: usize, event_index: usize, planted: &Planted) -> RunSpec {
    let last = LENGTHS[length_index];
    let at = event_step(last);
    let tau = last as f64 / 4.0;
    let mut loss = Metric::new("loss", 1, decay(2.3, 0.2, tau), 0.08);
    let mut grad = Metric::new("grad_norm", 1, decay(4.0, 0.8, tau), 0.15);
    let mut val = Metric::new("val_loss", last / 100, decay(2.4, 0.3, tau), 0.02);
    match *planted {
        Planted::Explosion { width, loss_spike } => {
            (grad, loss) = explode(grad, loss, at, width, EXPLOSION_FACTOR, loss_spike);
        }
        Planted::NanOnset => {
            loss = loss.with(Event::NanFrom { from: at });
            val = val.with(Event::NanFrom { from: at });
        }
        Planted::OneStepSpike => {
            loss = loss.with(Event::Point {
                step: at,
                value: ONE_STEP_VALUE,
            });
        }
        Planted::Healthy => {}
    }
    let answer = planted
        .answer()
        .map(|(kind, key, width)| json!({"kind": kind, "key": key, "step": at, "width": width}));
    RunSpec {
        id: run_id(length_index, event_index),
        name: format!("{}/{}", length_label(last), planted.label()),
        state: "finished",
        hours: (length_index * 100 + event_index) as i64,
        last_step: last,
        seconds_per_step: 0.05,
        config: json!({"lr": 1e-3, "optimizer": "adamw", "planted": answer}),
        metrics: vec![
            loss,
            grad,
            val,
            Metric::new(
                "epoch",
                1,
                Curve::Epoch {
                    steps_per_epoch: last / 50,
                },
                0.0,
            ),
        ],
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    }
}

pub(crate) fn runs() -> Vec<RunSpec> {
    let planted = Planted::all();
    (0..LENGTHS.len())
        .flat_map(|l| {
            planted
                .iter()
                .enumerate()
                .map(move |(e, p)| run(l, e, p))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_eight_characters() {
        let runs = runs();
        let mut ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        assert!(ids.iter().all(|id| id.len() == 8));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), LENGTHS.len() * Planted::all().len());
    }
}
