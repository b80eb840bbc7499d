//! What `diagnose` reads beyond the loss, gradient-norm and validation keys, in the same
//! request as the dense pass (request 2): the learning rate (its schedule explains events) in
//! consecutive windows like the dense pass, and the per-layer gradient histograms that
//! `wandb.watch` logs (`gradients/<layer>`), a bounded number of rows per key so that runs
//! with dozens of layers stay within the request and memory limits.

use serde_json::{json, Value};

use crate::dynamics::histogram;
use crate::dynamics::layers::Layer;
use crate::dynamics::schedule;
use crate::error::{AgentError, Result};
use crate::wandb::coverage::{self, Plan};
use crate::wandb::paths::RunPath;
use crate::wandb::series::{self, Series, Spec};
use crate::wandb::{documents, graphql, Client};

/// Learning-rate samples over the run: every row of a rate logged every step in a 32,000-step
/// run, or every 10 steps in a 320,000-step one, so that a warmup's peak is exact.
const LR_SAMPLES: u64 = 32_000;
/// Histogram rows read in all, shared among the layers (each gets 20 to 200).
const HISTOGRAM_ROWS: u32 = 4_000;
const ROWS_PER_LAYER: (u32, u32) = (20, 200);
/// Layers read at most (the first by name: `historyKeys` lists them sorted).
const MAX_LAYERS: usize = 64;
/// The prefix `wandb.watch` logs gradient histograms under.
const GRADIENTS: &str = "gradients/";

/// What is read, planned from the run's keys.
pub struct Extra {
    lr: Option<(String, Plan)>,
    layers: Vec<String>,
    rows_per_layer: u32,
}

/// What came back.
#[derive(Default)]
pub struct Readings {
    pub lr: Option<(String, Series)>,
    pub layers: Vec<Layer>,
    /// Every logged histogram row of every layer came back.
    pub layers_complete: bool,
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
        layers.truncate(MAX_LAYERS);
        let rows_per_layer =
            (HISTOGRAM_ROWS / layers.len().max(1) as u32).clamp(ROWS_PER_LAYER.0, ROWS_PER_LAYER.1);
        Extra {
            lr,
            layers,
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

    /// Reads the answers to [`Extra::specs`], in order.
    pub fn absorb(&self, answers: &[Value], server: &str) -> Result<Readings> {
        let specs = self.specs();
        let mut lr_series = Vec::new();
        let mut layers = Vec::new();
        let mut complete = true;
        for (spec, answer) in specs.iter().zip(answers) {
            let key = &spec.keys[0];
            if self.layers.contains(key) {
                let rows = answer.as_array().map(Vec::as_slice).unwrap_or_default();
                complete &= rows.len() < spec.samples as usize;
                layers.push((key.clone(), scales(rows, key)));
            } else {
                lr_series.extend(series::parse_series(spec, answer, server)?);
            }
        }
        let lr = self.lr.as_ref().map(|(key, plan)| {
            let (series, _) = coverage::take_key(plan, &mut lr_series.into_iter());
            (key.clone(), series)
        });
        Ok(Readings {
            lr,
            layers,
            layers_complete: complete,
        })
    }
}

/// A layer's `(step, scale)` rows from its histograms, ascending (rows that are no histogram
/// are skipped).
fn scales(rows: &[Value], key: &str) -> Vec<(u64, f64)> {
    let mut out: Vec<(u64, f64)> = rows
        .iter()
        .filter_map(|row| {
            let step = row.get("_step")?.as_u64()?;
            let scale = histogram::parse(row.get(key)?)?.scale()?;
            Some((step, scale))
        })
        .collect();
    out.sort_by_key(|r| r.0);
    out.dedup_by_key(|r| r.0);
    out
}

/// One request for `specs`: each spec's list of rows as the server sent it.
pub fn fetch(client: &Client, run: &RunPath, specs: &[Spec]) -> Result<Vec<Value>> {
    let specs_json: Vec<String> = specs.iter().map(Spec::to_json).collect();
    let data = client.query(
        documents::HISTORY,
        json!({"entity": run.entity, "project": run.project, "name": run.run_id, "specs": specs_json}),
    )?;
    let node = graphql::run_node(&data, run)?;
    match node.get("sampledHistory").and_then(Value::as_array) {
        Some(lists) if lists.len() == specs.len() => Ok(lists.clone()),
        _ => Err(AgentError::Server(format!(
            "{} sent no sampledHistory of {} specs for run {}",
            client.server,
            specs.len(),
            run.run_id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_the_rate_and_bounded_layers() {
        let keys: Vec<String> = [
            "loss",
            "lr-AdamW",
            "gradients/a",
            "gradients/b",
            "parameters/a",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let e = Extra::plan(&keys, Some(20_000));
        let specs = e.specs();
        assert_eq!(specs.last().unwrap().keys, vec!["gradients/b".to_string()]);
        assert_eq!(specs.last().unwrap().samples, 200);
        assert!(specs.iter().any(|s| s.keys == vec!["lr-AdamW".to_string()]));
        let many: Vec<String> = (0..100).map(|i| format!("gradients/l{i:03}")).collect();
        let e = Extra::plan(&many, None);
        assert_eq!((e.specs().len(), e.rows_per_layer), (64, 62));
        let rows = vec![
            json!({"_step": 100, "gradients/a": {"_type": "histogram", "values": [4096], "bins": [0.0, 0.0]}}),
            json!({"_step": 0, "gradients/a": {"_type": "histogram", "packedBins": {"min": -1.0, "size": 1.0, "count": 2}, "values": [1, 1]}}),
            json!({"_step": 200, "gradients/a": 3.0}),
        ];
        assert_eq!(scales(&rows, "gradients/a"), vec![(0, 0.5), (100, 0.0)]);
    }
}
