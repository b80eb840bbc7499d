//! System metrics from a log's stats records, as `wandb::events` gives them for a W&B run:
//! each key (without the `system.` prefix the API adds; the log has none) its own series of
//! `(runtime seconds, value)`.

use super::fold::Visitor;
use super::records::{Stats, Value};
use crate::model::console::Metrics;
use std::borrow::Cow;

/// Stats points by key, at their record's Unix time until [`SystemStats::into_metrics`].
#[derive(Default)]
pub struct SystemStats(Metrics);

impl SystemStats {
    /// The series with times made relative to the run's start (`_runtime`, as the API has it).
    pub fn into_metrics(mut self, start_time: f64) -> Metrics {
        for points in self.0.values_mut() {
            for point in points.iter_mut() {
                point.0 = (point.0 - start_time).max(0.0);
            }
        }
        self.0
    }
}

impl Visitor for SystemStats {
    fn stats(&mut self, stats: &Stats<'_>) {
        for (key, text) in &stats.items {
            let Some(x) = Value::Json(Cow::Borrowed(text.as_ref())).as_f64() else {
                continue;
            };
            let points = match self.0.get_mut(key.as_ref()) {
                Some(points) => points,
                None => self.0.entry(key.to_string()).or_default(),
            };
            points.push((stats.timestamp, x));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_per_key_relative_to_the_start() {
        let mut s = SystemStats::default();
        for (t, cpu) in [(100.0, "7.5"), (101.0, "NaN"), (102.0, "\"n/a\"")] {
            s.stats(&Stats {
                timestamp: t,
                items: vec![
                    (Cow::Borrowed("cpu"), Cow::Borrowed(cpu)),
                    (Cow::Borrowed("gpu.0.gpu"), Cow::Borrowed("50")),
                ],
            });
        }
        let m = s.into_metrics(99.0);
        assert_eq!(m["cpu"][0], (1.0, 7.5));
        assert!(m["cpu"][1].1.is_nan());
        assert_eq!(m["cpu"].len(), 2, "text is not a metric");
        assert_eq!(m["gpu.0.gpu"], [(1.0, 50.0), (2.0, 50.0), (3.0, 50.0)]);
    }
}
