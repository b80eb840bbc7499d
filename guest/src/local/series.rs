//! History out of one pass: every logged value of the asked keys in a step window (the
//! [`Series`] the W&B reader returns, here always complete), and per key how many values were
//! logged (what W&B's `historyKeys` reports).

use super::fold::Visitor;
use super::records::History;
use crate::model::history::Series;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Every value of `keys` at steps in `[min_step, max_step]`.
pub struct KeySeries {
    keys: Vec<String>,
    min_step: u64,
    max_step: u64,
    points: Vec<Vec<(u64, f64)>>,
}

impl KeySeries {
    pub fn new(keys: &[String], min_step: Option<u64>, max_step: Option<u64>) -> KeySeries {
        KeySeries {
            keys: keys.to_vec(),
            min_step: min_step.unwrap_or(0),
            max_step: max_step.unwrap_or(u64::MAX),
            points: vec![Vec::new(); keys.len()],
        }
    }

    /// One complete series per key, in the order asked.
    pub fn into_series(self) -> Vec<Series> {
        self.points
            .into_iter()
            .map(|points| Series {
                points,
                complete: true,
            })
            .collect()
    }
}

impl Visitor for KeySeries {
    fn history(&mut self, row: &History<'_>) {
        let Ok(step) = u64::try_from(row.step) else {
            return;
        };
        if step < self.min_step || step > self.max_step {
            return;
        }
        for item in &row.items {
            if !item.path.rest.is_empty() {
                continue;
            }
            let Some(i) = self.keys.iter().position(|k| *k == item.path.first) else {
                continue;
            };
            if let Some(x) = item.value.as_f64() {
                self.points[i].push((step, x));
            }
        }
    }
}

/// Values logged per top-level key (a histogram counts once per row), by type.
#[derive(Default)]
pub struct KeyCounts {
    counts: BTreeMap<String, (&'static str, u64)>,
}

impl KeyCounts {
    /// W&B's `historyKeys`: `{"lastStep": N, "keys": {k: {"typeCounts": [{"type", "count"}]}}}`.
    pub fn history_keys(&self, last_step: Option<i64>) -> Value {
        let keys: Map<String, Value> = self
            .counts
            .iter()
            .map(|(k, (kind, n))| {
                (
                    k.clone(),
                    json!({"typeCounts": [{"type": kind, "count": n}]}),
                )
            })
            .collect();
        json!({"lastStep": last_step, "keys": keys})
    }
}

impl Visitor for KeyCounts {
    fn history(&mut self, row: &History<'_>) {
        for item in &row.items {
            let kind = match item.path.rest.first().map(|p| p.as_ref()) {
                None if item.value.as_f64().is_some() => "number",
                None => "other",
                Some("_type") => "histogram",
                Some(_) => continue,
            };
            match self.counts.get_mut(item.path.first.as_ref()) {
                Some(entry) => entry.1 += 1,
                None => {
                    self.counts.insert(item.path.first.to_string(), (kind, 1));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fold;
    use super::*;

    const DEMO: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../demo/local/wandb/offline-run-20261206_183549-demo0001/run-demo0001.wandb"
    );

    #[test]
    fn every_row_of_the_asked_keys_in_the_window() {
        let bytes = std::fs::read(DEMO).unwrap();
        let keys = vec!["val_loss".to_string(), "grad_norm".to_string()];
        let mut series = KeySeries::new(&keys, Some(240), Some(260));
        fold::read(&bytes[..], &mut series).unwrap();
        let s = series.into_series();
        assert_eq!(s[0].points.iter().map(|p| p.0).collect::<Vec<_>>(), [249]);
        assert_eq!(s[1].points.len(), 21);
        assert!(s[1]
            .points
            .iter()
            .all(|&(step, g)| (g > 40.0) == (step >= 250)));
        assert!(s.iter().all(|s| s.complete));
    }

    #[test]
    fn counts_like_history_keys() {
        let bytes = std::fs::read(DEMO).unwrap();
        let mut counts = KeyCounts::default();
        let log = fold::read(&bytes[..], &mut counts).unwrap();
        let keys = counts.history_keys(log.last_step);
        assert_eq!(keys["lastStep"], json!(320));
        assert_eq!(
            keys["keys"]["loss"],
            json!({"typeCounts": [{"type": "number", "count": 321}]})
        );
        assert_eq!(keys["keys"]["val_loss"]["typeCounts"][0]["count"], json!(6));
        assert_eq!(
            keys["keys"]["weights/fc1"]["typeCounts"][0],
            json!({"type": "histogram", "count": 4})
        );
    }
}
