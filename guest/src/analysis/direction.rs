//! Whether lower or higher is better for a metric, given or inferred from its name.

use crate::error::{AgentError, Result};

pub use wandb_agent_commands::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Direction {
    pub mode: Mode,
    pub inferred: bool,
}

const LOWER_IS_BETTER: [&str; 14] = [
    "loss",
    "error",
    "err",
    "perplexity",
    "ppl",
    "mse",
    "mae",
    "rmse",
    "nll",
    "wer",
    "cer",
    "bpb",
    "bpc",
    "regret",
];
const HIGHER_IS_BETTER: [&str; 16] = [
    "acc",
    "accuracy",
    "f1",
    "auc",
    "auroc",
    "reward",
    "return",
    "precision",
    "recall",
    "map",
    "bleu",
    "rouge",
    "iou",
    "dice",
    "score",
    "r2",
];

/// Name parts split on anything not alphanumeric: `val/top1_acc` → `val`, `top1`, `acc`.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The explicit mode, or one inferred from the metric's name (the last matching word wins:
/// `loss_acc`-style names are rare, `val_acc` and `eval/loss` are common).
pub fn direction(metric: &str, explicit: Option<Mode>) -> Result<Direction> {
    if let Some(mode) = explicit {
        return Ok(Direction {
            mode,
            inferred: false,
        });
    }
    let inferred = words(metric).iter().rev().find_map(|w| {
        if LOWER_IS_BETTER.contains(&w.as_str()) {
            Some(Mode::Min)
        } else if HIGHER_IS_BETTER.contains(&w.as_str()) {
            Some(Mode::Max)
        } else {
            None
        }
    });
    inferred
        .map(|mode| Direction {
            mode,
            inferred: true,
        })
        .ok_or_else(|| {
            AgentError::BadInput(format!(
                "cannot tell whether lower or higher `{metric}` is better: give mode min or max"
            ))
        })
}

impl Direction {
    /// The item whose value is best, the first among equals; items without a finite value
    /// never win (`None` when no item has one).
    pub fn best_by<'a, T>(
        &self,
        items: impl IntoIterator<Item = &'a T>,
        value: impl Fn(&T) -> Option<f64>,
    ) -> Option<&'a T> {
        let of = |t: &T| value(t).unwrap_or(f64::NAN);
        items
            .into_iter()
            .filter(|t| of(t).is_finite())
            .reduce(|a, b| if self.better(of(b), of(a)) { b } else { a })
    }

    /// Whether `a` is better than `b` (finite values beat non-finite ones).
    pub fn better(&self, a: f64, b: f64) -> bool {
        match (a.is_finite(), b.is_finite()) {
            (true, false) => true,
            (false, _) => false,
            (true, true) => match self.mode {
                Mode::Min => a < b,
                Mode::Max => a > b,
            },
        }
    }

    /// "lower is better (inferred from the name)".
    pub fn describe(&self) -> String {
        let which = match self.mode {
            Mode::Min => "lower",
            Mode::Max => "higher",
        };
        let why = if self.inferred {
            "inferred from the name"
        } else {
            "as asked"
        };
        format!("{which} is better ({why})")
    }
}

/// Whether a metric's name says it is measured on held-out data: `val_loss`, `eval/accuracy`,
/// `epoch/val_accuracy`, `test_acc` — a whole word of the name, so `interval` or `latest_loss`
/// are not.
pub fn is_eval(key: &str) -> bool {
    key.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "val" | "eval" | "valid" | "validation" | "test"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_metrics_by_whole_words() {
        for name in [
            "val_loss",
            "eval/accuracy",
            "epoch/val_accuracy",
            "test_acc",
            "Valid-F1",
        ] {
            assert!(is_eval(name), "{name}");
        }
        for name in [
            "loss",
            "train/loss",
            "interval_loss",
            "latest_loss",
            "evaluator_time",
        ] {
            assert!(!is_eval(name), "{name}");
        }
    }

    #[test]
    fn infers_from_names() {
        for name in [
            "loss",
            "val_loss",
            "eval/loss",
            "train/perplexity",
            "test_error",
            "val-mse",
        ] {
            assert_eq!(direction(name, None).unwrap().mode, Mode::Min, "{name}");
        }
        for name in [
            "acc",
            "val_acc",
            "val/top1_accuracy",
            "eval_f1",
            "episode_reward",
            "auc",
        ] {
            assert_eq!(direction(name, None).unwrap().mode, Mode::Max, "{name}");
        }
        assert!(matches!(
            direction("lr", None),
            Err(AgentError::BadInput(_))
        ));
        assert_eq!(
            direction("lr", Some(Mode::Max)).unwrap(),
            Direction {
                mode: Mode::Max,
                inferred: false
            }
        );
    }

    #[test]
    fn better_handles_non_finite() {
        let d = Direction {
            mode: Mode::Min,
            inferred: true,
        };
        assert!(d.better(1.0, 2.0) && !d.better(2.0, 1.0));
        assert!(d.better(5.0, f64::NAN) && !d.better(f64::NAN, 5.0));
    }
}
