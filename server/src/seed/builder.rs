//! The run builder: a [`RunSpec`] (a name, a state, a length, metrics as formulas) becomes a
//! [`Run`] with the summary, timestamps and ids the API serves. Every demo project is written
//! as specs and built here.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use crate::model::nonfinite::summary_json;
use crate::model::run::{Project, Run};
use crate::model::series::{Curve, History, Metric, NanWire};

/// The demo user's entity (every project but the second user's) and username.
pub const DEMO_ENTITY: &str = "demo";
pub const DEMO_USER: &str = "demo-user";

/// A run as a demo project writes it; [`build`] makes the [`Run`].
pub(crate) struct RunSpec {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    /// Hours after the project's first run.
    pub hours: i64,
    pub last_step: u64,
    pub seconds_per_step: f64,
    pub config: Value,
    pub metrics: Vec<Metric>,
    pub nan_wire: NanWire,
    /// Extra summary entries (media, nested dicts) beside the metrics' final values.
    pub extra_summary: Value,
}

pub(crate) fn t0() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-01T08:00:00", "%Y-%m-%dT%H:%M:%S")
        .expect("valid literal")
}

pub(crate) fn build(spec: RunSpec, seed: u64) -> Run {
    let created = t0() + Duration::hours(spec.hours);
    build_at(spec, seed, created)
}

/// [`build`] for a run created at `created` rather than `hours` after the first run (the
/// growing run of `demo/live`, created when the server starts).
pub(crate) fn build_at(spec: RunSpec, seed: u64, created: NaiveDateTime) -> Run {
    let runtime_s = spec.last_step as f64 * spec.seconds_per_step;
    let heartbeat = created + Duration::milliseconds((runtime_s * 1000.0) as i64);
    let history = History {
        last_step: spec.last_step,
        seconds_per_step: spec.seconds_per_step,
        metrics: spec.metrics,
        nan_wire: spec.nan_wire,
    };
    let start_unix = created.and_utc().timestamp() as f64;
    let mut entries: BTreeMap<String, Value> = match spec.extra_summary {
        Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    entries.insert("_step".into(), json!(spec.last_step));
    entries.insert("_runtime".into(), json!(runtime_s));
    entries.insert("_timestamp".into(), json!(start_unix + runtime_s));
    entries.insert("_wandb".into(), json!({"runtime": runtime_s as i64}));
    let finals: Vec<(String, f64)> = history
        .metrics
        .iter()
        .filter_map(|m| {
            let step = m.last_logged(spec.last_step)?;
            Some((m.name.clone(), m.value(step, seed)))
        })
        .collect();
    let finals_ref: Vec<(&str, f64)> = finals.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    Run {
        id: spec.id,
        display_name: spec.name,
        state: spec.state.into(),
        created_at: created.format("%Y-%m-%dT%H:%M:%S").to_string(),
        heartbeat_at: heartbeat.format("%Y-%m-%dT%H:%M:%S").to_string(),
        start_unix,
        runtime_s,
        tags: vec![],
        group: None,
        job_type: Some("train".into()),
        sweep: None,
        username: DEMO_USER.into(),
        config: spec.config,
        summary_json: summary_json(&entries, &finals_ref),
        history,
        seed,
        exitcode: match spec.state {
            "finished" => Some(0),
            _ => None,
        },
        console: None,
        console_streamed: true,
        system: None,
        files: vec![],
    }
}

pub(crate) fn decay(start: f64, end: f64, tau: f64) -> Curve {
    Curve::Decay { start, end, tau }
}

pub(crate) fn project(entity: &str, name: &str, numeric_id: u64, specs: Vec<RunSpec>) -> Project {
    let runs = specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| build(spec, numeric_id * 1000 + i as u64))
        .collect();
    Project {
        answer_delay: std::time::Duration::ZERO,
        entity: entity.into(),
        name: name.into(),
        numeric_id,
        runs,
    }
}
