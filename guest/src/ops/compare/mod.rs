//! `compare`: runs on one metric — final and best values, which is better, the correlation of
//! their curves — and the config keys that differ. Two runs get the side-by-side table with
//! deltas; three to ten get one row per run. One round trip (aliases) either way.
//!
//! This module asks the source for the runs and reads each one's [`Side`];
//! `analysis::correlation` relates two curves and [`render`] writes the tables.

mod render;
mod side;

use render::{render, render_many};

use side::{Side, MAX_RUNS, SAMPLES};

use wandb_agent_commands::Compare;

use crate::analysis::direction::{direction, Mode};
use crate::error::{AgentError, Result};
use crate::model::paths::{self, RunPath};
use crate::model::Spec;
use crate::ops::{Context, Run};

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
