//! A run's history as a table: one row per step, one column per key, outer-joined from
//! `sampledHistory` results (one spec per key, so keys logged at different cadences never
//! empty each other out under W&B's all-keys-present rule).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{AgentError, Result};
use crate::lenient_json;

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryTable {
    pub keys: Vec<String>,
    /// Ascending by step; `None` where a key has no value at that step.
    pub rows: Vec<Row>,
    /// Rows the server returned for each key (before the join).
    pub fetched_per_key: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub step: u64,
    pub values: Vec<Option<f64>>,
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

impl HistoryTable {
    /// Joins per-key `sampledHistory` results (`results[i]` answers the spec for `keys[i]`).
    pub fn outer_join(keys: &[String], results: &[Value], server: &str) -> Result<HistoryTable> {
        if results.len() != keys.len() {
            return Err(AgentError::Server(format!(
                "{server} answered {} history specs for {} keys",
                results.len(),
                keys.len()
            )));
        }
        let mut by_step: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
        let mut fetched_per_key = Vec::with_capacity(keys.len());
        for (column, (key, result)) in keys.iter().zip(results).enumerate() {
            let rows = result.as_array().ok_or_else(|| {
                AgentError::Server(format!(
                    "{server} sent history for `{key}` that is not a list"
                ))
            })?;
            fetched_per_key.push(rows.len());
            for row in rows {
                let Some(step) = step_of(row) else {
                    return Err(AgentError::Server(format!(
                        "{server} sent a history row without a numeric _step: {}",
                        crate::graphql::excerpt(row.to_string().as_bytes())
                    )));
                };
                // A key absent from its own spec's row is a malformed row; skip the cell.
                let Some(value) = row.get(key.as_str()).and_then(logged_value) else {
                    continue;
                };
                by_step
                    .entry(step)
                    .or_insert_with(|| vec![None; keys.len()])[column] = Some(value);
            }
        }
        let rows = by_step
            .into_iter()
            .map(|(step, values)| Row { step, values })
            .collect();
        Ok(HistoryTable {
            keys: keys.to_vec(),
            rows,
            fetched_per_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outer_join_keeps_every_cadence() {
        let keys = vec!["loss".to_string(), "val_loss".to_string()];
        let results = vec![
            json!([{"_step": 0, "loss": 2.0}, {"_step": 1, "loss": 1.5}, {"_step": 2, "loss": "NaN"}]),
            json!([{"_step": 0, "val_loss": 2.5}, {"_step": 2, "val_loss": null}]),
        ];
        let t = HistoryTable::outer_join(&keys, &results, "s").unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].values, vec![Some(1.5), None]);
        assert!(t.rows[2].values[0].unwrap().is_nan());
        assert!(t.rows[2].values[1].unwrap().is_nan());
        assert_eq!(t.fetched_per_key, vec![3, 2]);
    }

    #[test]
    fn float_steps_and_bad_rows() {
        let keys = vec!["a".to_string()];
        let t = HistoryTable::outer_join(&keys, &[json!([{"_step": 3.0, "a": 1}])], "s").unwrap();
        assert_eq!(t.rows[0].step, 3);
        assert!(HistoryTable::outer_join(&keys, &[json!([{"a": 1}])], "s").is_err());
        assert!(HistoryTable::outer_join(&keys, &[json!({"a": 1})], "s").is_err());
        assert!(HistoryTable::outer_join(&keys, &[], "s").is_err());
    }
}
