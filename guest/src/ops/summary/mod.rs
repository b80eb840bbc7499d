//! `summary`: one run's config and summary metrics as one line of JSON, within a token budget,
//! with the best values of its validation-, loss- and accuracy-like metrics — one request.
//!
//! The document asks for the config, the summary and, in the same round trip, a
//! `sampledHistory` spec for each metric name in [`best::CANDIDATES`] (the keys are unknown
//! until the summary arrives; a name the run does not log costs an empty list). Then
//! [`select`] keeps what fits the budget, well-known hyperparameters first.

pub mod best;

pub mod select;

use serde_json::{json, Map, Value};

use wandb_agent_commands::Summary;

use crate::error::Result;
use crate::model::paths::{self, RunPath};
use crate::model::Spec;
use crate::ops::{Context, Run};
use crate::text::clean;
use crate::text::tokens;

/// The default budget, in o200k tokens, for the summary line and its `#` line.
pub const DEFAULT_BUDGET: u32 = 500;

impl Run for Summary {
    fn run(self, cx: &Context) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let budget = self.budget.unwrap_or(DEFAULT_BUDGET);
        let asked = select::Asked {
            config: &self.config_keys,
            summary: &self.summary_keys,
        };
        summary(cx, &run, budget, asked)
    }
}

/// Fetches the run and renders its summary.
pub fn summary(cx: &Context, run: &RunPath, budget: u32, asked: select::Asked) -> Result<String> {
    let specs: Vec<Spec> = best::CANDIDATES.iter().map(|k| best::spec(k)).collect();
    let values = cx.source.run_values(run, &specs)?;
    let config = values.config?;
    let summary = values.summary?;
    // A server that cannot answer the history part still gives the summary.
    let history = values.series.unwrap_or_default();
    let (config, summary) = cleaned(&config, &summary);
    let bests = best::bests(&summary, &specs, &history);
    let ceiling = cx.max_output_tokens;
    if budget == 0 {
        // Everything as stored when it fits the ceiling, else as much as the ceiling allows.
        let whole = render_cleaned(&config, &summary, &bests, 0, asked);
        match ceiling {
            Some(max) if tokens::estimate(&whole) > max as usize => {}
            _ => return Ok(whole),
        }
    }
    Ok(render_cleaned(
        &config,
        &summary,
        &bests,
        cx.budget(budget),
        asked,
    ))
}

/// The run's config and summary fields as stored (parsed), cleaned (see [`clean`]).
fn cleaned(config: &Value, summary: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let as_map = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    (
        as_map(clean::clean_config(config)),
        as_map(clean::clean_summary(summary)),
    )
}

/// The summary line from the run's config and summary fields as stored (parsed), and its `#`
/// line when something was left out.
pub fn render(
    config: &Value,
    summary: &Value,
    bests: &[best::Best],
    budget: u32,
    asked: select::Asked,
) -> String {
    let (config, summary) = cleaned(config, summary);
    render_cleaned(&config, &summary, bests, budget, asked)
}

fn render_cleaned(
    config: &Map<String, Value>,
    summary: &Map<String, Value>,
    bests: &[best::Best],
    budget: u32,
    asked: select::Asked,
) -> String {
    let best_entries = Value::Object(bests.iter().map(best::Best::entry).collect());
    let reserved = tokens::estimate(&best_entries.to_string())
        + best::note(bests).map_or(0, |n| tokens::estimate(&n));
    // The `#` note's length is known only once the choice is made: when the whole passes the
    // budget, choose again leaving out as much more as it passed by (a few rounds at most).
    let mut extra = 0;
    for _ in 0..MAX_ROUNDS {
        let text = render_choice(config, summary, bests, budget, reserved + extra, asked);
        let over = tokens::estimate(&text).saturating_sub(budget as usize);
        if budget == 0 || over == 0 {
            return text;
        }
        extra += over;
    }
    render_choice(config, summary, bests, budget, reserved + extra, asked)
}

/// Rounds of [`render_cleaned`] before it settles for what it has.
const MAX_ROUNDS: usize = 4;

fn render_choice(
    config: &Map<String, Value>,
    summary: &Map<String, Value>,
    bests: &[best::Best],
    budget: u32,
    reserved: usize,
    asked: select::Asked,
) -> String {
    let choice = select::select(config, summary, budget, reserved, asked);
    let mut line = json!({"config": choice.config, "summary": choice.summary});
    if !bests.is_empty() {
        line["best"] = Value::Object(bests.iter().map(best::Best::entry).collect());
    }
    let mut notes = choice.notes;
    if let Some(note) = best::note(bests) {
        notes.push(note);
    }
    if notes.is_empty() {
        line.to_string()
    } else {
        format!("{line}\n# {}", notes.join("; "))
    }
}
