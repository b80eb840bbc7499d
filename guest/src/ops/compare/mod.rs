//! `compare`: runs on one metric — final and best values, which is better, the correlation of
//! their curves — and the config keys that differ. Two runs get the side-by-side table with
//! deltas; three to ten get one row per run. One round trip (aliases) either way.
//!
//! This module fetches the runs and reads each one's [`Side`]; [`correlation`] relates two
//! curves and [`render`] writes the tables.

mod render;

use render::{render, render_many};

use serde_json::Value;

use wandb_agent_commands::Compare;

use crate::analysis::direction::{direction, Direction, Mode};
use crate::error::{AgentError, Result};
use crate::ops::{Context, Run};
use crate::source::model::{as_f64, RunValues, Series, Spec};
use crate::source::paths::{self, RunPath};
use crate::text::clean;

/// History rows sampled per run for "best" and the correlation.
pub const SAMPLES: u32 = 2000;
/// The most runs one comparison takes.
pub const MAX_RUNS: usize = 10;
/// Significant digits of the values shown.
const DIGITS: usize = 4;

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
    fn of(values: RunValues, run: &RunPath, metric: &str) -> Result<Side> {
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

impl Run for Compare {
    fn run(self, cx: &Context) -> Result<String> {
        let given: Vec<&String> = [&self.run_a, &self.run_b]
            .into_iter()
            .chain(&self.more)
            .collect();
        if given.len() > MAX_RUNS {
            return Err(AgentError::BadInput(format!(
                "compare takes 2 to {MAX_RUNS} runs, not {}",
                given.len()
            )));
        }
        let runs = given
            .iter()
            .map(|r| paths::parse_run_path(r))
            .collect::<Result<Vec<RunPath>>>()?;
        for (i, run) in runs.iter().enumerate() {
            if runs[..i].contains(run) {
                return Err(AgentError::BadInput(format!(
                    "run {} is given twice",
                    run.run_id
                )));
            }
        }
        compare(cx, &runs, &self.metric, self.mode)
    }
}

/// Fetches `runs` in one request and renders them: side by side for two, a row each for more.
pub fn compare(cx: &Context, runs: &[RunPath], metric: &str, mode: Option<Mode>) -> Result<String> {
    let metric = metric.trim();
    if metric.is_empty() {
        return Err(AgentError::BadInput(
            "no metric given: name one, e.g. `val_loss`".into(),
        ));
    }
    let dir = direction(metric, mode)?;
    let spec = Spec::of(metric, SAMPLES, None, None);
    let sides = cx
        .source
        .runs_values(runs, &spec)?
        .into_iter()
        .zip(runs)
        .map(|(values, run)| Side::of(values?, run, metric))
        .collect::<Result<Vec<Side>>>()?;
    Ok(match sides.as_slice() {
        [a, b] => render(a, b, metric, &dir),
        _ => render_many(&sides, metric, &dir),
    })
}
