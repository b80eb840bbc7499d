//! A run on disk in the shape the W&B API gives a run node (`name`, `displayName`, `state`,
//! `createdAt`, `heartbeatAt`, `historyLineCount`, `exitcode`, `config`, `summaryMetrics`), so
//! the operations' reading of a run is the same whichever source it came from.

use super::fold::{self, RunLog};
use super::layout::RunFile;
use serde_json::{json, Map, Value};

/// W&B's timestamp form: UTC, no zone designator.
pub fn iso(unix: f64) -> Option<String> {
    let at = chrono::DateTime::from_timestamp(unix.floor() as i64, 0)?;
    Some(at.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
}

/// The config as the API stores it: each top-level key wrapped as `{"value": v}`.
fn api_config(config: &Map<String, Value>) -> Value {
    Value::Object(
        config
            .iter()
            .map(|(k, v)| (k.clone(), json!({"value": v})))
            .collect(),
    )
}

/// The run node; `now` decides whether a run without an exit record is still running.
pub fn run_node(log: &RunLog, file: &RunFile, now: i64) -> Value {
    let run = log.run.clone().unwrap_or_default();
    let start = if run.start_time > 0.0 {
        run.start_time
    } else {
        file.modified.unwrap_or(0) as f64
    };
    let last = log.last_time.max(start);
    let display = if run.display_name.is_empty() {
        file.id.clone()
    } else {
        run.display_name.clone()
    };
    // The run directory's name: the path segment the user passes back for this run (the
    // id when the directory is a mount point, as for a `.wandb` file named alone).
    let name = file
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.starts_with("run-") || n.starts_with("offline-run-"))
        .map_or_else(|| file.id.clone(), str::to_string);
    json!({
        "name": name,
        "displayName": display,
        "state": fold::state(log, file.modified, now),
        "createdAt": iso(start),
        "heartbeatAt": iso(last),
        "historyLineCount": log.rows,
        "exitcode": log.exit.map(|e| e.exit_code),
        "config": api_config(&log.config).to_string(),
        "summaryMetrics": Value::Object(log.summary.clone()).to_string(),
        "tags": run.tags,
        "group": run.group,
        "jobType": run.job_type,
        "sweepName": run.sweep_id,
    })
}

#[cfg(test)]
mod tests {
    use super::super::layout::{locate, Found};
    use super::*;

    #[test]
    fn the_demo_run_as_a_node() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../demo/local/wandb/offline-run-20261206_183549-demo0001"
        );
        let Found::Run(file) = locate(std::path::Path::new(dir)).unwrap() else {
            panic!()
        };
        let log = fold::read(std::fs::File::open(&file.file).unwrap(), &mut ()).unwrap();
        let node = run_node(&log, &file, 2_000_000_000);
        assert_eq!(node["name"], "offline-run-20261206_183549-demo0001");
        assert_eq!(node["displayName"], "demo-explosion");
        assert_eq!(node["state"], "failed");
        assert_eq!(node["exitcode"], 1);
        assert_eq!(node["historyLineCount"], 321);
        assert!(node["createdAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-06T18:35:"));
        let config: Value = serde_json::from_str(node["config"].as_str().unwrap()).unwrap();
        assert_eq!(config["lr"], json!({"value": 0.003}));
        let summary: Value =
            serde_json::from_str(node["summaryMetrics"].as_str().unwrap()).unwrap();
        assert_eq!(summary["loss"], "NaN");
        let runtime = crate::text::timefmt::seconds_between(
            node["createdAt"].as_str().unwrap(),
            node["heartbeatAt"].as_str().unwrap(),
        );
        assert!(runtime.is_some_and(|s| (3..60).contains(&s)), "{runtime:?}");
    }
}
