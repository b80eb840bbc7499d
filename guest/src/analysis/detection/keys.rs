//! Which keys to diagnose: the ones the user named, else guesses from the run's logged keys by
//! common names first, then by substrings.

use crate::analysis::direction::is_eval;
use crate::analysis::dynamics::layers::GRADIENTS;
use crate::error::{AgentError, Result};

/// Keys the user named; the rest are guessed from `historyKeys`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyChoice {
    pub loss: Option<String>,
    pub grad: Option<String>,
    pub val: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    pub loss: String,
    pub grad: Option<String>,
    pub val: Option<String>,
    pub epoch: Option<String>,
    /// The run's own step counter (`train/global_step`, `trainer/global_step`, ...) when
    /// `_step` counts log calls instead.
    pub counter: Option<String>,
    pub guessed: bool,
}

impl Keys {
    /// The keys the dense pass covers: the ones events are detected on.
    pub fn watched(&self) -> Vec<&String> {
        [Some(&self.loss), self.grad.as_ref(), self.val.as_ref()]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Keys read at each finding's step besides `_step`: the epoch, then the step counter.
    pub fn clocks(&self) -> Vec<&String> {
        [self.epoch.as_ref(), self.counter.as_ref()]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Names of a run's own optimizer-step counter, by convention (Hugging Face `Trainer`,
/// Lightning, plain loops).
const COUNTERS: [&str; 9] = [
    "train/global_step",
    "trainer/global_step",
    "global_step",
    "train/step",
    "trainer/step",
    "optimizer_step",
    "step",
    "iteration",
    "iter",
];

/// The names the first request asks for before the run's keys are known.
pub fn speculative(choice: &KeyChoice) -> Vec<String> {
    vec![
        choice.loss.clone().unwrap_or_else(|| "loss".into()),
        choice.grad.clone().unwrap_or_else(|| "grad_norm".into()),
        choice.val.clone().unwrap_or_else(|| "val_loss".into()),
        "epoch".into(),
    ]
}

/// Per-layer keys `wandb.watch` logs (`gradients/<layer>`, `parameters/<layer>`): never the
/// run's loss or its global gradient norm, whatever their layer is called
/// (`gradients/encoder.layer_norm.weight` has "grad" and "norm" in it).
fn is_per_layer(key: &str) -> bool {
    key.starts_with(GRADIENTS) || key.starts_with("parameters/")
}

fn first_match<'a>(
    available: &'a [String],
    exact: &[&str],
    pred: impl Fn(&str) -> bool,
) -> Option<&'a String> {
    exact
        .iter()
        .find_map(|e| available.iter().find(|k| k.as_str() == *e))
        .or_else(|| {
            available
                .iter()
                .filter(|k| !is_per_layer(k))
                .find(|k| pred(&k.to_ascii_lowercase()))
        })
}

/// Guesses keys by common names, then by substrings.
pub fn guess_keys(available: &[String], choice: &KeyChoice) -> Result<Keys> {
    let pick =
        |given: &Option<String>, guess: Option<&String>| given.clone().or_else(|| guess.cloned());
    let loss = pick(
        &choice.loss,
        first_match(
            available,
            &[
                "loss",
                "train/loss",
                "train_loss",
                "training_loss",
                "train_loss_step",
                "epoch/loss",
            ],
            |k| k.contains("loss") && !is_eval(k),
        ),
    );
    let Some(loss) = loss else {
        return Err(AgentError::BadInput(format!(
            "cannot guess the training-loss key among: {}; give it as loss-key",
            if available.is_empty() {
                "no keys".to_string()
            } else {
                available.join(", ")
            }
        )));
    };
    let grad = pick(
        &choice.grad,
        first_match(
            available,
            &["grad_norm", "gradient_norm", "train/grad_norm", "grad/norm"],
            |k| k.contains("grad") && k.contains("norm"),
        ),
    );
    let val = pick(
        &choice.val,
        first_match(
            available,
            &[
                "val_loss",
                "val/loss",
                "eval/loss",
                "eval_loss",
                "validation_loss",
                "valid_loss",
            ],
            |k| k.contains("loss") && is_eval(k),
        ),
    );
    let epoch = first_match(
        available,
        &["epoch", "train/epoch", "trainer/epoch", "epoch/epoch"],
        |_| false,
    )
    .cloned();
    let counter = first_match(available, &COUNTERS, |_| false).cloned();
    let guessed = choice.loss.is_none() || choice.grad.is_none() || choice.val.is_none();
    Ok(Keys {
        loss,
        grad,
        val,
        epoch,
        counter,
        guessed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_common_names() {
        let avail: Vec<String> = [
            "epoch",
            "train/loss",
            "eval/loss",
            "train/grad_norm",
            "lr",
            "train/global_step",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let k = guess_keys(&avail, &KeyChoice::default()).unwrap();
        assert_eq!(
            (
                k.loss.as_str(),
                k.grad.as_deref(),
                k.val.as_deref(),
                k.epoch.as_deref()
            ),
            (
                "train/loss",
                Some("train/grad_norm"),
                Some("eval/loss"),
                Some("epoch")
            )
        );
        assert_eq!(k.watched().len(), 3);
        assert_eq!(k.counter.as_deref(), Some("train/global_step"));
        assert_eq!(k.clocks().len(), 2);
        assert!(guess_keys(&["lr".to_string()], &KeyChoice::default()).is_err());
        let given = KeyChoice {
            loss: Some("lr".into()),
            ..Default::default()
        };
        assert_eq!(guess_keys(&["lr".to_string()], &given).unwrap().loss, "lr");
    }

    #[test]
    fn per_layer_histograms_are_not_the_gradient_norm() {
        let avail: Vec<String> = [
            "gradients/encoder.layer_norm.weight",
            "parameters/decoder.loss_head.bias",
            "train_step_loss",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let k = guess_keys(&avail, &KeyChoice::default()).unwrap();
        assert_eq!((k.loss.as_str(), k.grad), ("train_step_loss", None));
    }
}
