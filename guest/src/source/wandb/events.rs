//! System-metric rows (`Run.events`, docs/wandb-wire.md "System metrics"): each a JSON string
//! holding `_runtime`, `_timestamp` and `system.*` keys; host and GPU rows come separately, so
//! each key is its own series over the run's time.

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::as_f64;
use crate::model::paths::RunPath;
use crate::model::Metrics;
use crate::source::wandb::{documents, graphql, lenient_json, Client};

/// Parses `events` rows; a row that is not JSON (or not an object) is skipped and counted.
pub fn parse(rows: &[Value]) -> (Metrics, usize) {
    let mut metrics = Metrics::new();
    let mut bad = 0;
    for row in rows {
        let parsed = match row {
            Value::String(text) => lenient_json::parse(text).ok(),
            other => Some(other.clone()),
        };
        let Some(Value::Object(map)) = parsed else {
            bad += 1;
            continue;
        };
        let Some(runtime) = map.get("_runtime").and_then(as_f64) else {
            bad += 1;
            continue;
        };
        for (key, value) in &map {
            let (Some(name), Some(v)) = (key.strip_prefix("system."), as_f64(value)) else {
                continue;
            };
            metrics
                .entry(name.to_string())
                .or_default()
                .push((runtime, v));
        }
    }
    for points in metrics.values_mut() {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    (metrics, bad)
}

/// The `events` rows of `node`, or an error naming the server when the field is malformed.
pub fn rows_of(node: &Value, server: &str) -> Result<Vec<Value>> {
    match node.get("events") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(rows)) => Ok(rows.clone()),
        Some(_) => Err(AgentError::Server(format!(
            "{server} sent system metrics (events) that are not a list"
        ))),
    }
}

/// One request: the run's system-metric rows (and its state and times).
pub fn fetch(client: &Client, run: &RunPath, samples: u32) -> Result<(Value, Metrics, usize)> {
    let data = client.query(
        documents::SYSTEM_EVENTS,
        json!({"entity": run.entity, "project": run.project, "name": run.run_id, "samples": samples}),
    )?;
    let node = graphql::run_node(&data, run)?.clone();
    let rows = rows_of(&node, client.server)?;
    let (metrics, bad) = parse(&rows);
    Ok((node, metrics, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_series_per_key() {
        let rows = vec![
            json!("{\"_runtime\": 15, \"system.cpu\": 40, \"system.gpu.0.gpu\": NaN}"),
            json!("{\"_runtime\": 0, \"system.cpu\": 30}"),
            json!("not json"),
            json!("{\"system.cpu\": 1}"),
        ];
        let (metrics, bad) = parse(&rows);
        assert_eq!(bad, 2);
        assert_eq!(metrics["cpu"], vec![(0.0, 30.0), (15.0, 40.0)]);
        assert!(metrics["gpu.0.gpu"][0].1.is_nan());
    }
}
