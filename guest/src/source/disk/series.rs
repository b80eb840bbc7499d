//! History out of one pass: every logged value of a run's keys in a step window (the
//! [`Series`] the W&B reader returns, here complete: no row is sampled away, unless a key has
//! more values than its bound, when it keeps each stretch's extremes: `bounded`), and per key
//! how many values were logged (what W&B's `historyKeys` reports).

use super::bounded::Bounded;
use super::fold::Visitor;
use super::records::History;
use super::tree::Fast;
use super::value::row_json;
use crate::model::history::{RunKeys, Series};
use crate::source::histogram;
use std::collections::HashMap;

/// Points the collection of every key keeps at most (16 bytes each): past it, it gives up
/// (and says so) rather than outgrow the component's memory; keys are then read by a pass of
/// their own, each within a bound ([`Collect::keys`]).
pub const MAX_POINTS: usize = 2_000_000;

/// Every value of the wanted keys (all keys when none are named) at steps in
/// `[min_step, max_step]`. A histogram key's value is the histogram's scale (as the W&B
/// reader reads one, `source::histogram`), so it is a series like any other.
pub struct Collect {
    wanted: Option<Vec<String>>,
    min_step: u64,
    max_step: u64,
    /// Points kept per key (for named keys; the collection of every key has [`MAX_POINTS`]).
    cap: usize,
    points: HashMap<String, Bounded, Fast>,
    kept: usize,
    /// More than [`MAX_POINTS`] points were offered: `points` is incomplete and cleared.
    pub overflowed: bool,
}

impl Collect {
    /// Every key's values, the whole run.
    pub fn all() -> Collect {
        Collect::new(None, None, None, usize::MAX)
    }

    /// `keys`' values in a window, each key's reduced past `cap` points ([`Bounded`]).
    pub fn keys(
        keys: &[String],
        min_step: Option<u64>,
        max_step: Option<u64>,
        cap: usize,
    ) -> Collect {
        Collect::new(Some(keys.to_vec()), min_step, max_step, cap)
    }

    fn new(
        wanted: Option<Vec<String>>,
        min_step: Option<u64>,
        max_step: Option<u64>,
        cap: usize,
    ) -> Collect {
        Collect {
            wanted,
            min_step: min_step.unwrap_or(0),
            max_step: max_step.unwrap_or(u64::MAX),
            cap,
            points: HashMap::default(),
            kept: 0,
            overflowed: false,
        }
    }

    fn wants(&self, key: &str) -> bool {
        self.wanted
            .as_ref()
            .is_none_or(|keys| keys.iter().any(|k| k == key))
    }

    fn push(&mut self, key: &str, step: u64, x: f64) {
        if self.overflowed {
            return;
        }
        if self.kept == MAX_POINTS && self.wanted.is_none() {
            self.overflowed = true;
            self.points = HashMap::default();
            return;
        }
        self.kept += 1;
        match self.points.get_mut(key) {
            Some(points) => points.push((step, x)),
            None => {
                let mut points = Bounded::new(self.cap);
                points.push((step, x));
                self.points.insert(key.to_string(), points);
            }
        }
    }

    /// The points of `key` (none when it logged none in the window).
    pub fn points(&self, key: &str) -> &[(u64, f64)] {
        self.points.get(key).map_or(&[], Bounded::points)
    }

    /// `key`'s series within `[min_step, max_step]`, reduced past `cap` points.
    pub fn series(
        &self,
        key: &str,
        min_step: Option<u64>,
        max_step: Option<u64>,
        cap: usize,
    ) -> Series {
        match self.points.get(key) {
            Some(points) => points.series(min_step, max_step, cap),
            None => Series {
                points: Vec::new(),
                complete: true,
            },
        }
    }
}

impl Visitor for Collect {
    fn history(&mut self, row: &History<'_>) {
        let Ok(step) = u64::try_from(row.step) else {
            return;
        };
        if step < self.min_step || step > self.max_step {
            return;
        }
        let mut nested = false;
        for item in &row.items {
            if !item.path.rest.is_empty() {
                nested = true;
                continue;
            }
            if !self.wants(&item.path.first) {
                continue;
            }
            if let Some(x) = item.value.as_f64() {
                self.push(&item.path.first, step, x);
            }
        }
        if !nested {
            return;
        }
        // Histograms (and other media) come as nested keys: read the row as the API has it.
        for (key, value) in row_json(&row.items) {
            if !value.is_object() || key.starts_with('_') || !self.wants(&key) {
                continue;
            }
            if let Some(scale) = histogram::parse(&value).and_then(|h| h.scale()) {
                self.push(&key, step, scale);
            }
        }
    }
}

/// Values logged per top-level key (a histogram counts once per row), by type.
#[derive(Default)]
pub struct KeyCounts {
    counts: HashMap<String, (&'static str, u64), Fast>,
}

impl KeyCounts {
    /// The run's keys as W&B's `historyKeys` gives them: the last step, the keys without
    /// the client's `_`-prefixed ones, and values per key.
    pub fn run_keys(&self, last_step: Option<i64>) -> RunKeys {
        let mut available: Vec<String> = self
            .counts
            .keys()
            .filter(|k| !k.starts_with('_'))
            .cloned()
            .collect();
        available.sort();
        RunKeys {
            last_step: last_step.and_then(|s| u64::try_from(s).ok()),
            available: Some(available),
            counts: self
                .counts
                .iter()
                .map(|(k, (_, n))| (k.clone(), *n))
                .collect(),
        }
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
    use super::super::fixture_tests::DEMO;
    use super::super::fold;
    use super::*;

    #[test]
    fn every_row_of_the_asked_keys_in_the_window() {
        let bytes = std::fs::read(DEMO).unwrap();
        let keys = vec!["val_loss".to_string(), "grad_norm".to_string()];
        let mut collect = Collect::keys(&keys, Some(240), Some(260), usize::MAX);
        fold::read(&bytes[..], &mut collect).unwrap();
        let val: Vec<u64> = collect.points("val_loss").iter().map(|p| p.0).collect();
        assert_eq!(val, [249]);
        let grad = collect.series("grad_norm", None, None, usize::MAX);
        assert_eq!(grad.points.len(), 21);
        assert!(grad
            .points
            .iter()
            .all(|&(step, g)| (g > 40.0) == (step >= 250)));
        assert!(grad.complete);
        assert!(collect.points("loss").is_empty(), "a key not asked for");
    }

    #[test]
    fn all_keys_with_histograms_as_their_scale() {
        let bytes = std::fs::read(DEMO).unwrap();
        let mut all = Collect::all();
        fold::read(&bytes[..], &mut all).unwrap();
        assert_eq!(all.points("loss").len(), 321);
        let window = all.series("loss", Some(10), Some(12), usize::MAX);
        assert_eq!(
            window.points.iter().map(|p| p.0).collect::<Vec<_>>(),
            [10, 11, 12]
        );
        let fc1 = all.points("weights/fc1");
        assert_eq!(fc1.len(), 4);
        assert!(fc1.iter().all(|p| p.1.is_finite() && p.1 > 0.0), "{fc1:?}");
        assert!(!all.overflowed);
    }

    #[test]
    fn memory_does_not_grow_with_the_log() {
        // Ten million values of one key, as a 600 MB log would hold: at most twice the cap kept
        // at any time; the extremes survive at their steps.
        let keys = vec!["loss".to_string()];
        let mut named = Collect::keys(&keys, None, None, 100_000);
        let mut all = Collect::all();
        for step in 0..10_000_000u64 {
            let x = if step == 7_654_321 {
                99.0
            } else {
                1.0 + (step % 13) as f64
            };
            named.push("loss", step, x);
            all.push("loss", step, x);
            assert!(named.points("loss").len() < 200_000);
        }
        let s = named.series("loss", None, None, 100_000);
        assert!(!s.complete && s.points.len() <= 100_000);
        assert!(s.points.contains(&(7_654_321, 99.0)));
        // The collection of every key gives up past its bound (keys are then read on their own).
        assert!(all.overflowed && all.points("loss").is_empty());
    }

    #[test]
    fn counts_like_history_keys() {
        let bytes = std::fs::read(DEMO).unwrap();
        let mut counts = KeyCounts::default();
        let log = fold::read(&bytes[..], &mut counts).unwrap();
        let keys = counts.run_keys(log.last_step);
        assert_eq!(keys.last_step, Some(320));
        assert_eq!(keys.counts["loss"], 321);
        assert_eq!(keys.counts["val_loss"], 6);
        assert_eq!(keys.counts["weights/fc1"], 4);
        let available = keys.available.unwrap();
        assert!(available.contains(&"weights/fc1".to_string()));
        assert!(available.iter().all(|k| !k.starts_with('_')));
        assert!(
            available.windows(2).all(|w| w[0] < w[1]),
            "sorted: {available:?}"
        );
    }
}
