//! What `diagnose` reads beyond the loss, gradient-norm and validation keys, in the same
//! request as the dense pass (request 2): the learning rate (its schedule explains events),
//! whole up to 32,000 rows in consecutive windows, and the per-layer gradient histograms that
//! `wandb.watch` logs (`gradients/<layer>`, each row read as its scale by the source), a
//! bounded number of rows per key so that runs with dozens of layers stay within the request
//! and memory limits.

use crate::analysis::dynamics::layers::{Layer, GRADIENTS};
use crate::analysis::dynamics::schedule;
use crate::model::{Series, Spec};
use crate::source::plan::{self as coverage, Plan};

/// Learning-rate samples over the run: every row of a rate logged every step in a 32,000-step
/// run, or every 10 steps in a 320,000-step one, so that a warmup's peak is exact.
const LR_SAMPLES: u64 = 32_000;
/// Histogram rows read in all, shared among the layers (each gets 20 to 200).
const HISTOGRAM_ROWS: u32 = 4_000;
const ROWS_PER_LAYER: (u32, u32) = (20, 200);
/// Layers read at most (the first by name: the run's keys come sorted).
const MAX_LAYERS: usize = 64;

/// What is read, planned from the run's keys.
pub struct Extra {
    lr: Option<(String, Plan)>,
    layers: Vec<String>,
    /// Layers past [`MAX_LAYERS`], not read (said in the `#` line).
    unread_layers: usize,
    rows_per_layer: u32,
}

/// What came back.
#[derive(Default)]
pub struct Readings {
    pub lr: Option<(String, Series)>,
    pub layers: Vec<Layer>,
    /// Every logged histogram row of every layer came back.
    pub layers_complete: bool,
    /// Layers left unread past the cap: (unread, all).
    pub unread_layers: Option<(usize, usize)>,
}

impl Extra {
    pub fn plan(available: &[String], last_step: Option<u64>) -> Extra {
        let lr = schedule::lr_key(available)
            .zip(last_step)
            .map(|(k, last)| (k.clone(), Plan::with_samples(0, last, LR_SAMPLES)));
        let mut layers: Vec<String> = available
            .iter()
            .filter(|k| k.starts_with(GRADIENTS))
            .cloned()
            .collect();
        let unread_layers = layers.len().saturating_sub(MAX_LAYERS);
        layers.truncate(MAX_LAYERS);
        let rows_per_layer =
            (HISTOGRAM_ROWS / layers.len().max(1) as u32).clamp(ROWS_PER_LAYER.0, ROWS_PER_LAYER.1);
        Extra {
            lr,
            layers,
            unread_layers,
            rows_per_layer,
        }
    }

    /// The specs: the learning rate's windows, then one per layer.
    pub fn specs(&self) -> Vec<Spec> {
        let mut specs = match &self.lr {
            Some((key, plan)) => plan.specs(std::slice::from_ref(key)),
            None => Vec::new(),
        };
        specs.extend(
            self.layers
                .iter()
                .map(|k| Spec::of(k, self.rows_per_layer, None, None)),
        );
        specs
    }

    /// Reads the answers to [`Extra::specs`] (one series per spec, in order).
    pub fn absorb(&self, answers: Vec<Series>) -> Readings {
        let mut answers = answers.into_iter();
        let lr = self.lr.as_ref().map(|(key, plan)| {
            let (series, _) = coverage::take_key(plan, &mut answers);
            (key.clone(), series)
        });
        let mut layers = Vec::new();
        let mut complete = true;
        for (key, series) in self.layers.iter().zip(answers) {
            complete &= series.complete;
            layers.push((key.clone(), series.points));
        }
        let unread_layers = (self.unread_layers > 0)
            .then(|| (self.unread_layers, self.layers.len() + self.unread_layers));
        Readings {
            lr,
            layers,
            layers_complete: complete,
            unread_layers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_the_rate_and_bounded_layers() {
        let keys: Vec<String> = [
            "gradients/a",
            "gradients/b",
            "loss",
            "lr-AdamW",
            "parameters/a",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let e = Extra::plan(&keys, Some(20_000));
        let specs = e.specs();
        // Every row of a 20,001-step rate, in windows of fewer steps than samples.
        assert_eq!(specs.len(), 11 + 2);
        assert!(specs[..11]
            .iter()
            .all(|s| s.keys == vec!["lr-AdamW".to_string()]));
        assert_eq!(specs[12].keys, vec!["gradients/b".to_string()]);
        assert_eq!(specs[12].samples, 200);
        let answers: Vec<Series> = (0..13)
            .map(|i| Series {
                points: vec![(i * 10, 1.0)],
                complete: true,
            })
            .collect();
        let r = e.absorb(answers);
        assert_eq!(r.lr.unwrap().1.points.len(), 11);
        assert_eq!(
            r.layers,
            vec![
                ("gradients/a".to_string(), vec![(110, 1.0)]),
                ("gradients/b".to_string(), vec![(120, 1.0)])
            ]
        );
        assert!(r.layers_complete);
        let many: Vec<String> = (0..100).map(|i| format!("gradients/l{i:03}")).collect();
        let e = Extra::plan(&many, None);
        assert_eq!((e.specs().len(), e.rows_per_layer), (64, 62));
        let answers = (0..64).map(|_| Series::default()).collect();
        assert_eq!(e.absorb(answers).unread_layers, Some((36, 100)));
    }
}
