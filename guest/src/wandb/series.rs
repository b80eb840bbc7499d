//! History series and tables.
//!
//! A [`Series`] is one `sampledHistory` result: the `(step, value)` points of one key. A
//! [`HistoryTable`] outer-joins several on `_step` (one spec per key, so keys logged at
//! different cadences never empty each other out under W&B's all-keys-present rule).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::wandb::lenient_json;

/// One `sampledHistory` spec: a key, how many rows to sample, an inclusive step window.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub key: String,
    pub samples: u32,
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
}

impl Spec {
    /// The JSONString W&B expects. `maxStep` is inclusive on the server.
    pub fn to_json(&self) -> String {
        let mut spec = json!({"keys": ["_step", self.key], "samples": self.samples});
        if let Some(a) = self.min_step {
            spec["minStep"] = json!(a);
        }
        if let Some(b) = self.max_step {
            spec["maxStep"] = json!(b);
        }
        spec.to_string()
    }
}

/// One key's points, ascending by step; non-finite values are NaN/±inf.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub points: Vec<(u64, f64)>,
    /// Fewer rows came back than were asked for, so none were thinned: every logged row.
    pub complete: bool,
}

impl Series {
    /// The value at `step`, or else the last one logged before it.
    pub fn at_or_before(&self, step: u64) -> Option<(u64, f64)> {
        let i = self.points.partition_point(|(s, _)| *s <= step);
        i.checked_sub(1).map(|i| self.points[i])
    }
}

/// A logged value: numbers, the non-finite spellings, and `null`, which a server writes for a
/// value it cannot put in JSON (a row only exists when the key was logged at that step).
fn logged_value(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(f64::NAN),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        other => lenient_json::as_f64(other),
    }
}

fn step_of(row: &Value) -> Option<u64> {
    match row.get("_step")? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        _ => None,
    }
}

/// Parses the result list of one spec.
pub fn parse_series(spec: &Spec, result: &Value, server: &str) -> Result<Series> {
    let rows = result.as_array().ok_or_else(|| {
        AgentError::Server(format!(
            "{server} sent history for `{}` that is not a list",
            spec.key
        ))
    })?;
    let mut points = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(step) = step_of(row) else {
            return Err(AgentError::Server(format!(
                "{server} sent a history row without a numeric _step: {}",
                crate::wandb::graphql::excerpt(row.to_string().as_bytes())
            )));
        };
        // A row lacking its own key is malformed; skip it rather than invent a value.
        if let Some(value) = row.get(spec.key.as_str()).and_then(logged_value) {
            points.push((step, value));
        }
    }
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    Ok(Series {
        complete: rows.len() < spec.samples as usize,
        points,
    })
}

/// Parses the `sampledHistory` list answering `specs`, in order.
pub fn parse_all(specs: &[Spec], results: &Value, server: &str) -> Result<Vec<Series>> {
    let results = results
        .as_array()
        .ok_or_else(|| AgentError::Server(format!("{server} sent no sampledHistory list")))?;
    if results.len() != specs.len() {
        return Err(AgentError::Server(format!(
            "{server} answered {} history specs of {}",
            results.len(),
            specs.len()
        )));
    }
    specs
        .iter()
        .zip(results)
        .map(|(spec, r)| parse_series(spec, r, server))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryTable {
    pub keys: Vec<String>,
    /// Ascending by step; `None` where a key has no value at that step.
    pub rows: Vec<Row>,
    /// Every key came back unthinned (each series was [`Series::complete`]).
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub step: u64,
    pub values: Vec<Option<f64>>,
}

impl HistoryTable {
    /// Joins one series per key on `_step`.
    pub fn outer_join(keys: &[String], series: &[Series]) -> HistoryTable {
        let mut by_step: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
        for (column, s) in series.iter().enumerate() {
            for &(step, value) in &s.points {
                by_step
                    .entry(step)
                    .or_insert_with(|| vec![None; keys.len()])[column] = Some(value);
            }
        }
        HistoryTable {
            keys: keys.to_vec(),
            rows: by_step
                .into_iter()
                .map(|(step, values)| Row { step, values })
                .collect(),
            complete: series.iter().all(|s| s.complete),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str, samples: u32) -> Spec {
        Spec {
            key: key.into(),
            samples,
            min_step: None,
            max_step: None,
        }
    }

    #[test]
    fn outer_join_keeps_every_cadence() {
        let specs = [spec("loss", 10), spec("val_loss", 2)];
        let results = json!([
            [{"_step": 0, "loss": 2.0}, {"_step": 1, "loss": 1.5}, {"_step": 2, "loss": "NaN"}],
            [{"_step": 0, "val_loss": 2.5}, {"_step": 2, "val_loss": null}]
        ]);
        let series = parse_all(&specs, &results, "s").unwrap();
        assert!(series[0].complete && !series[1].complete);
        let t = HistoryTable::outer_join(&["loss".into(), "val_loss".into()], &series);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].values, vec![Some(1.5), None]);
        assert!(t.rows[2].values[0].unwrap().is_nan());
        assert!(t.rows[2].values[1].unwrap().is_nan());
        assert!(!t.complete, "val_loss came back with as many rows as asked");
    }

    #[test]
    fn float_steps_and_bad_rows() {
        let s = parse_series(
            &spec("a", 5),
            &json!([{"_step": 3.0, "a": 1}, {"_step": 1, "a": 2}]),
            "s",
        )
        .unwrap();
        assert_eq!(s.points, vec![(1, 2.0), (3, 1.0)]);
        assert_eq!(s.at_or_before(2), Some((1, 2.0)));
        assert_eq!(s.at_or_before(0), None);
        assert!(parse_series(&spec("a", 5), &json!([{"a": 1}]), "s").is_err());
        assert!(parse_series(&spec("a", 5), &json!({"a": 1}), "s").is_err());
        assert!(parse_all(&[spec("a", 5)], &json!([]), "s").is_err());
    }

    #[test]
    fn spec_json() {
        let s = Spec {
            key: "val_loss".into(),
            samples: 2000,
            min_step: Some(5),
            max_step: Some(10),
        };
        assert_eq!(
            s.to_json(),
            r#"{"keys":["_step","val_loss"],"maxStep":10,"minStep":5,"samples":2000}"#
        );
    }
}
