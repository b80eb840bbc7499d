//! History series and tables.
//!
//! A [`Series`] is the `(step, value)` points of one key from one `sampledHistory` spec. A
//! spec usually names one key; keys logged at the same steps may share one (W&B then samples
//! rows, so their values share steps), never keys of different cadences, which would empty
//! each other out under W&B's all-keys-present rule. A [`HistoryTable`] outer-joins series on
//! `_step`.

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::as_f64;
use crate::model::{Series, Spec};
use crate::source::histogram;

impl Spec {
    /// The JSONString W&B expects. `maxStep` is inclusive on the server.
    pub fn to_json(&self) -> String {
        let mut keys = vec!["_step"];
        keys.extend(self.keys.iter().map(String::as_str));
        let mut spec = json!({"keys": keys, "samples": self.samples});
        if let Some(a) = self.min_step {
            spec["minStep"] = json!(a);
        }
        if let Some(b) = self.max_step {
            spec["maxStep"] = json!(b);
        }
        spec.to_string()
    }
}

/// A logged value: numbers, the non-finite spellings, `null`, which a server writes for a
/// value it cannot put in JSON (a row only exists when the key was logged at that step), and
/// a histogram, as the scale of its values.
fn logged_value(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(f64::NAN),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        // A histogram (`wandb.watch`'s gradients) is read as the scale of its values.
        Value::Object(_) => histogram::parse(v)?.scale(),
        other => as_f64(other),
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

/// Parses the result list of one spec: one series per key of the spec, in its order.
pub fn parse_series(spec: &Spec, result: &Value, server: &str) -> Result<Vec<Series>> {
    let rows = result.as_array().ok_or_else(|| {
        AgentError::Server(format!(
            "{server} sent history for `{}` that is not a list",
            spec.keys.join("`, `")
        ))
    })?;
    let mut points = vec![Vec::with_capacity(rows.len()); spec.keys.len()];
    for row in rows {
        let Some(step) = step_of(row) else {
            return Err(AgentError::Server(format!(
                "{server} sent a history row without a numeric _step: {}",
                crate::source::wandb::graphql::excerpt(row.to_string().as_bytes())
            )));
        };
        for (key, points) in spec.keys.iter().zip(points.iter_mut()) {
            // A row lacking a key of its spec is malformed; skip the cell rather than invent it.
            if let Some(value) = row.get(key.as_str()).and_then(logged_value) {
                points.push((step, value));
            }
        }
    }
    let complete = rows.len() < spec.samples as usize;
    Ok(points
        .into_iter()
        .map(|mut points| {
            points.sort_by_key(|p| p.0);
            points.dedup_by_key(|p| p.0);
            Series { points, complete }
        })
        .collect())
}

/// Parses the `sampledHistory` list answering `specs`: one series per key of each spec, in
/// order (a single-key spec gives one).
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
    let mut all = Vec::new();
    for (spec, r) in specs.iter().zip(results) {
        all.extend(parse_series(spec, r, server)?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HistoryTable;

    fn spec(key: &str, samples: u32) -> Spec {
        Spec::of(key, samples, None, None)
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
        .unwrap()
        .remove(0);
        assert_eq!(s.points, vec![(1, 2.0), (3, 1.0)]);
        assert_eq!(s.at_or_before(2), Some((1, 2.0)));
        assert_eq!(s.at_or_before(0), None);
        assert!(parse_series(&spec("a", 5), &json!([{"a": 1}]), "s").is_err());
        assert!(parse_series(&spec("a", 5), &json!({"a": 1}), "s").is_err());
        assert!(parse_all(&[spec("a", 5)], &json!([]), "s").is_err());
    }

    #[test]
    fn spec_json() {
        let s = Spec::of("val_loss", 2000, Some(5), Some(10));
        assert_eq!(
            s.to_json(),
            r#"{"keys":["_step","val_loss"],"maxStep":10,"minStep":5,"samples":2000}"#
        );
    }

    #[test]
    fn a_spec_of_several_keys_gives_one_series_each() {
        let s = Spec {
            keys: vec!["train/loss".into(), "train/global_step".into()],
            samples: 3,
            min_step: None,
            max_step: None,
        };
        assert_eq!(
            s.to_json(),
            r#"{"keys":["_step","train/loss","train/global_step"],"samples":3}"#
        );
        let rows = json!([{"_step": 0, "train/loss": 2.0, "train/global_step": 10},
                          {"_step": 2, "train/loss": 1.0, "train/global_step": 20}]);
        let got = parse_all(std::slice::from_ref(&s), &json!([rows]), "srv").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].points, vec![(0, 10.0), (2, 20.0)]);
        assert!(got[0].complete && got[1].complete);
    }
}
