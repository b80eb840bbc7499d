//! What one run says about the compared metric: its final and best values and its curve.

use serde_json::Value;

use crate::analysis::direction::Direction;
use crate::error::{AgentError, Result};
use crate::model::paths::RunPath;
use crate::model::{as_f64, RunValues, Series};
use crate::text::clean;

/// History rows sampled per run for "best" and the correlation.
pub const SAMPLES: u32 = 2000;
/// The most runs one comparison takes.
pub const MAX_RUNS: usize = 10;
/// Significant digits of the values shown.
pub const DIGITS: usize = 4;

/// What one run says about the metric.
#[derive(Debug, Clone)]
pub struct Side {
    pub id: String,
    pub name: String,
    pub state: String,
    pub config: Value,
    pub final_value: Option<f64>,
    pub curve: Series,
}

impl Side {
    /// The side of `run` from what the source read of it.
    pub fn of(values: RunValues, run: &RunPath, metric: &str) -> Result<Side> {
        let summary = values.summary?;
        let curve = values.series?.remove(0);
        let final_value = summary
            .get(metric)
            .and_then(as_f64)
            .or(curve.points.last().map(|p| p.1));
        if final_value.is_none() {
            let available = values.keys.available.unwrap_or_default();
            return Err(AgentError::MissingKeys {
                message: format!(
                    "Run {} has no metric `{metric}`; available: {}",
                    run.run_id,
                    if available.is_empty() {
                        "none".into()
                    } else {
                        available.join(", ")
                    }
                ),
                missing: vec![metric.to_string()],
                available,
            });
        }
        Ok(Side {
            id: run.run_id.clone(),
            name: values.name,
            state: values.state,
            config: clean::clean_config(&values.config?),
            final_value,
            curve,
        })
    }

    /// The step of the best value as a cell: marked approximate (`~70001`) when the curve
    /// was thinned by sampling, since the run's own best may lie between two samples.
    pub fn best_step_cell(&self, dir: &Direction) -> String {
        match self.best(dir) {
            Some((_, step)) if self.curve.complete => step.to_string(),
            Some((_, step)) => format!("~{step}"),
            None => String::new(),
        }
    }

    /// The best finite value on the sampled curve, and its step.
    pub fn best(&self, dir: &Direction) -> Option<(f64, u64)> {
        self.curve
            .points
            .iter()
            .filter(|(_, v)| v.is_finite())
            .fold(None, |acc: Option<(f64, u64)>, &(s, v)| match acc {
                Some((b, _)) if !dir.better(v, b) => acc,
                _ => Some((v, s)),
            })
    }
}
