//! Best values beside the final ones: W&B's summary holds a metric's last value (unless the
//! run called `define_metric`), and on an overfitting run the last validation loss is not the
//! one anybody wants.
//!
//! Which metrics: the summary's keys among [`CANDIDATES`] — the validation, loss and accuracy
//! names of plain PyTorch, the Hugging Face `Trainer`, Lightning and Keras. They are asked for
//! in the summary's own request, before the run's keys are known; a name the run does not log
//! comes back as an empty list. Which way is better is inferred from the name, as `compare`
//! does (loss lower, accuracy higher). Each key is read from up to [`SAMPLES`] server-sampled
//! rows: every logged row for metrics logged fewer times (validation metrics usually are),
//! a random sample otherwise (the `#` line says which). A training metric's best is shown
//! only when every row was read: the minimum of a noisy per-step loss over a random sample is
//! noise, and would make the summary change from call to call.

use serde_json::{json, Map, Value};

use crate::analysis::direction::{direction, is_eval, Mode};
use crate::model::as_f64;
use crate::model::{Series, Spec};
use crate::text::numfmt::{format_sig, round_sig, SUMMARY_DIGITS};

/// Rows asked per validation-type candidate key.
pub const SAMPLES: u32 = 1000;
/// Rows asked per training-type candidate key: its best is shown only when this covers every
/// row (a short run), so a long run's per-step loss costs no more than this on the wire.
pub const TRAINING_SAMPLES: u32 = 500;

/// Metric names whose best value is worth a line, in the spelling of each convention.
pub const CANDIDATES: [&str; 28] = [
    "val_loss",
    "val/loss",
    "eval/loss",
    "eval_loss",
    "validation_loss",
    "validation/loss",
    "valid_loss",
    "test_loss",
    "val_acc",
    "val/acc",
    "val_accuracy",
    "val/accuracy",
    "eval/accuracy",
    "eval_accuracy",
    "validation/accuracy",
    "test_acc",
    "eval/f1",
    "val_f1",
    "epoch/val_loss",
    "epoch/val_accuracy",
    "loss",
    "train/loss",
    "train_loss",
    "train_loss_epoch",
    "epoch/loss",
    "accuracy",
    "acc",
    "epoch/accuracy",
];

pub fn spec(key: &str) -> Spec {
    let samples = if is_eval(key) {
        SAMPLES
    } else {
        TRAINING_SAMPLES
    };
    Spec::of(key, samples, None, None)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    pub key: String,
    pub mode: Mode,
    pub value: f64,
    pub step: u64,
    /// Every logged row was read (else a random sample of [`SAMPLES`]).
    pub exact: bool,
}

impl Best {
    /// `"eval/loss": {"min": 2.417, "step": 70001}`, or `"step": "~237834"` from sampled rows.
    pub fn entry(&self) -> (String, Value) {
        let which = match self.mode {
            Mode::Min => "min",
            Mode::Max => "max",
        };
        let value = round_sig(self.value, SUMMARY_DIGITS);
        // From sampled rows the step is only near the run's best: marked, never shown as exact.
        let step = if self.exact {
            json!(self.step)
        } else {
            json!(format!("~{}", self.step))
        };
        (self.key.clone(), json!({which: value, "step": step}))
    }
}

/// The best finite value of each candidate the summary has, where it differs from the final
/// value (always when the final value is NaN or infinite).
pub fn bests(summary: &Map<String, Value>, specs: &[Spec], history: &[Series]) -> Vec<Best> {
    specs
        .iter()
        .zip(history)
        .filter_map(|(spec, series)| {
            let key = spec.keys.first()?;
            // A diverged run's final value is `"NaN"` or `"Infinity"`: exactly when its best
            // finite value matters most.
            let last = summary.get(key).and_then(as_f64)?;
            let dir = direction(key, None).ok()?;
            let (step, value) = series
                .points
                .iter()
                .copied()
                .filter(|(_, v)| v.is_finite())
                .reduce(|a, b| if dir.better(b.1, a.1) { b } else { a })?;
            if !series.complete && !is_eval(key) {
                return None;
            }
            let same =
                |a: f64, b: f64| format_sig(a, SUMMARY_DIGITS) == format_sig(b, SUMMARY_DIGITS);
            let shown = !last.is_finite() || (!same(value, last) && dir.better(value, last));
            shown.then(|| Best {
                key: key.clone(),
                mode: dir.mode,
                value,
                step,
                exact: series.complete,
            })
        })
        .collect()
}

/// What the best values were computed over, when any was sampled.
pub fn note(bests: &[Best]) -> Option<String> {
    let sampled: Vec<&str> = bests
        .iter()
        .filter(|b| !b.exact)
        .map(|b| b.key.as_str())
        .collect();
    (!sampled.is_empty()).then(|| {
        format!(
            "best of {} over {SAMPLES} rows sampled at random (of every logged row for the others)",
            sampled.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_differs_from_final_in_the_right_direction() {
        let summary = json!({"eval/loss": 3.164, "val_acc": 0.9, "loss": 0.5});
        let summary = summary.as_object().unwrap();
        let specs = [spec("eval/loss"), spec("val_acc"), spec("loss")];
        let history = [
            Series {
                points: vec![(1, 4.0), (101, 2.417), (201, 3.164)],
                complete: true,
            },
            // Best equals the final value: not shown.
            Series {
                points: vec![(1, 0.5), (2, 0.9)],
                complete: true,
            },
            Series {
                points: vec![(5, 0.4), (9, f64::NAN), (10, 0.5)],
                complete: false,
            },
        ];
        let got = bests(summary, &specs, &history);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].entry().1, json!({"min": 2.417, "step": 101}));
        assert_eq!(note(&got), None);
        // The same loss read whole has its best; a sampled validation metric says so.
        let whole = [Series {
            complete: true,
            ..history[2].clone()
        }];
        let got = bests(summary, &specs[2..], &whole);
        assert_eq!(
            (got[0].key.as_str(), got[0].step, got[0].exact),
            ("loss", 5, true)
        );
        let sampled = [Series {
            complete: false,
            ..history[0].clone()
        }];
        let got = bests(summary, &specs[..1], &sampled);
        assert_eq!(got[0].entry().1["step"], json!("~101"));
        assert_eq!(
            note(&got).unwrap(),
            "best of eval/loss over 1000 rows sampled at random (of every logged row for the others)"
        );
    }

    #[test]
    fn a_diverged_final_value_still_gets_its_best() {
        let summary = json!({"val_loss": "NaN", "val_acc": "-Infinity"});
        let summary = summary.as_object().unwrap();
        let specs = [spec("val_loss"), spec("val_acc")];
        let history = [
            Series {
                points: vec![(0, 2.0), (1000, 0.41), (2000, f64::NAN)],
                complete: true,
            },
            Series {
                points: vec![(0, 0.2), (1000, 0.7), (2000, f64::NEG_INFINITY)],
                complete: true,
            },
        ];
        let got = bests(summary, &specs, &history);
        assert_eq!(got[0].entry().1, json!({"min": 0.41, "step": 1000}));
        assert_eq!(got[1].entry().1, json!({"max": 0.7, "step": 1000}));
        // Nothing finite to show: no entry.
        let broken = [Series {
            points: vec![(2000, f64::NAN)],
            complete: true,
        }];
        assert!(bests(summary, &specs[..1], &broken).is_empty());
    }

    #[test]
    fn every_candidate_has_a_direction() {
        for key in CANDIDATES {
            assert!(direction(key, None).is_ok(), "{key}");
        }
    }
}
