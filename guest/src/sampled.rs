//! One round trip for history: a run's `historyKeys` (optional) and any number of
//! `sampledHistory` specs, each with its own key and step window.

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::graphql::{self, Transport};
use crate::paths::RunPath;
use crate::series::{self, Series, Spec};

pub const WITH_KEYS: &str = "query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { historyKeys sampledHistory(specs: $specs) }
  }
}";

pub const WITHOUT_KEYS: &str = "query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { sampledHistory(specs: $specs) }
  }
}";

pub struct Reply {
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

pub fn fetch(
    transport: &dyn Transport,
    server: &str,
    run: &RunPath,
    specs: &[Spec],
    with_keys: bool,
) -> Result<Reply> {
    let specs_json: Vec<String> = specs.iter().map(Spec::to_json).collect();
    let data = graphql::query(
        transport,
        server,
        if with_keys { WITH_KEYS } else { WITHOUT_KEYS },
        json!({"entity": run.entity, "project": run.project, "name": run.run_id, "specs": specs_json}),
    )?;
    let node = graphql::run_node(&data, run)?;
    let history_keys = node.get("historyKeys").filter(|v| !v.is_null()).cloned();
    let results = node.get("sampledHistory").ok_or_else(|| {
        AgentError::Server(format!(
            "{server} sent no sampledHistory for run {}",
            run.run_id
        ))
    })?;
    let series = series::parse_all(specs, results, server)?;
    Ok(Reply {
        history_keys,
        series,
    })
}

/// The run's logged keys (without W&B's `_`-prefixed ones), sorted, if the server said.
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
