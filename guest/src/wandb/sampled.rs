//! One round trip for history: a run's `historyKeys` (optional) and any number of
//! `sampledHistory` specs, each with its own key and step window.

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::wandb::console::RunState;
use crate::wandb::paths::{ProjectPath, RunPath};
use crate::wandb::series::{self, Series, Spec};
use crate::wandb::{documents, graphql, Client};

pub struct Reply {
    /// How the run stands (empty unless the document asked: `with_keys`).
    pub run: RunState,
    pub history_keys: Option<Value>,
    /// One per spec, in order.
    pub series: Vec<Series>,
}

impl Reply {
    pub fn last_step(&self) -> Option<u64> {
        last_step(self.history_keys.as_ref()?)
    }
}

/// The run's last step, from its `historyKeys`.
pub fn last_step(history_keys: &Value) -> Option<u64> {
    history_keys.get("lastStep")?.as_u64()
}

pub fn fetch(client: &Client, run: &RunPath, specs: &[Spec], with_keys: bool) -> Result<Reply> {
    let specs_json: Vec<String> = specs.iter().map(Spec::to_json).collect();
    let document = if with_keys {
        documents::HISTORY_WITH_KEYS
    } else {
        documents::HISTORY
    };
    let data = client.query(
        document,
        json!({"entity": run.entity, "project": run.project, "name": run.run_id, "specs": specs_json}),
    )?;
    let node = graphql::run_node(&data, run)?;
    let history_keys = node.get("historyKeys").filter(|v| !v.is_null()).cloned();
    let results = node.get("sampledHistory").ok_or_else(|| {
        AgentError::Server(format!(
            "{} sent no sampledHistory for run {}",
            client.server, run.run_id
        ))
    })?;
    let series = series::parse_all(specs, results, client.server)?;
    Ok(Reply {
        run: RunState::of(node),
        history_keys,
        series,
    })
}

/// The run's logged keys (without W&B's `_`-prefixed ones), sorted, if the server said.
/// Several runs of one project, each with its own specs, in one request (aliases); the
/// answers in the order asked.
pub fn fetch_many(
    client: &Client,
    project: &ProjectPath,
    runs: &[(&str, &[Spec])],
) -> Result<Vec<Vec<Series>>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut variables = json!({"entity": project.entity, "project": project.project});
    for (i, (run_id, specs)) in runs.iter().enumerate() {
        variables[format!("n{i}")] = json!(run_id);
        variables[format!("s{i}")] = json!(specs.iter().map(Spec::to_json).collect::<Vec<_>>());
    }
    let data = client.query(&documents::history_of_runs(runs.len()), variables)?;
    runs.iter()
        .enumerate()
        .map(|(i, (run_id, specs))| {
            let results = documents::aliased_run(&data, i)
                .and_then(|r| r.get("sampledHistory"))
                .ok_or_else(|| {
                    AgentError::Server(format!(
                        "{} sent no sampledHistory for run {run_id}",
                        client.server
                    ))
                })?;
            series::parse_all(specs, results, client.server)
        })
        .collect()
}

pub fn available_keys(history_keys: Option<&Value>) -> Option<Vec<String>> {
    let keys = history_keys?.get("keys")?.as_object()?;
    let mut names: Vec<String> = keys
        .keys()
        .filter(|k| !k.starts_with('_'))
        .cloned()
        .collect();
    names.sort();
    Some(names)
}
