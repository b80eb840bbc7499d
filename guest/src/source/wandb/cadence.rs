//! Which keys are logged at the same steps, so that one `sampledHistory` spec can carry them
//! and their values share rows (docs/wandb-wire.md, "Sampling": W&B samples each spec's rows
//! at random, so keys in separate specs rarely land on the same step).
//!
//! Two keys have the same cadence when the run's `historyKeys` counts the same number of
//! logged values for both and the steps a first sampled pass saw of each lie on the same
//! lattice: the greatest common divisor of the step differences is the same for each key and
//! for both together (train rows on even steps and evaluation rows on odd ones have equal
//! counts but a joint divisor of 1). A group is still checked after the fetch
//! ([`delivered`]): a server that found fewer shared rows than the counts promise gets the
//! keys asked again one per spec.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::Series;

/// Logged values per key, from `historyKeys` (`keys.<k>.typeCounts[].count`, summed).
pub fn key_counts(history_keys: Option<&Value>) -> BTreeMap<String, u64> {
    let Some(keys) = history_keys
        .and_then(|h| h.get("keys"))
        .and_then(Value::as_object)
    else {
        return BTreeMap::new();
    };
    keys.iter()
        .filter_map(|(k, v)| {
            let counts = v.get("typeCounts")?.as_array()?;
            let n = counts.iter().filter_map(|c| c.get("count")?.as_u64()).sum();
            Some((k.clone(), n))
        })
        .collect()
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The gcd of the differences between consecutive steps (0 for fewer than two steps).
fn lattice(steps: impl Iterator<Item = u64>) -> u64 {
    let mut steps: Vec<u64> = steps.collect();
    steps.sort_unstable();
    steps.dedup();
    steps.windows(2).fold(0, |g, w| gcd(g, w[1] - w[0]))
}

/// Groups of indices into `keys` with the same cadence, in first-appearance order; `seen[i]`
/// is what a first pass returned for `keys[i]`.
pub fn groups(keys: &[String], counts: &BTreeMap<String, u64>, seen: &[Series]) -> Vec<Vec<usize>> {
    let steps = |i: usize| seen[i].points.iter().map(|p| p.0);
    let own: Vec<u64> = (0..keys.len()).map(|i| lattice(steps(i))).collect();
    let same = |a: usize, b: usize| {
        let count = |i: usize| counts.get(&keys[i]).copied();
        count(a).is_some()
            && count(a) == count(b)
            && own[a] != 0
            && own[a] == own[b]
            && lattice(steps(a).chain(steps(b))) == own[a]
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..keys.len() {
        match groups.iter_mut().find(|g| same(g[0], i)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// Whether a grouped fetch brought back about what the key's count promises over `windows`
/// (at least half of it): `samples` per window at most, the count spread evenly over the run.
pub fn delivered(
    series: &Series,
    count: u64,
    last_step: u64,
    windows: &[(u64, u64)],
    samples: u32,
) -> bool {
    let span = (last_step + 1) as f64;
    let expected: f64 = windows
        .iter()
        .map(|&(a, b)| (count as f64 * (b - a + 1) as f64 / span).min(f64::from(samples)))
        .sum();
    series.points.len() as f64 >= 0.5 * expected.floor()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen(steps: &[u64]) -> Series {
        Series {
            points: steps.iter().map(|&s| (s, 1.0)).collect(),
            complete: false,
        }
    }

    #[test]
    fn same_counts_and_lattice_group_together() {
        let keys: Vec<String> = ["train/loss", "eval/loss", "train/global_step", "lr"]
            .map(String::from)
            .to_vec();
        let counts = key_counts(Some(&json!({"keys": {
            "train/loss": {"typeCounts": [{"type": "number", "count": 100}]},
            "eval/loss": {"typeCounts": [{"type": "number", "count": 100}]},
            "train/global_step": {"typeCounts": [{"type": "number", "count": 100}]},
            "lr": {"typeCounts": [{"type": "number", "count": 7}]},
        }})));
        let first = [
            seen(&[0, 6, 10, 44]),
            seen(&[1, 7, 21, 55]), // odd steps: equal count, other lattice
            seen(&[2, 8, 30]),
            seen(&[0, 6, 10]),
        ];
        assert_eq!(
            groups(&keys, &counts, &first),
            vec![vec![0, 2], vec![1], vec![3]]
        );
        // Without counts nothing is grouped.
        assert_eq!(groups(&keys, &BTreeMap::new(), &first).len(), 4);
    }

    #[test]
    fn delivery_is_judged_against_the_count() {
        let got = seen(&(0..1500).collect::<Vec<_>>());
        let windows = [(0, 4_999), (5_000, 9_999)];
        assert!(delivered(&got, 10_000, 9_999, &windows, 1000));
        assert!(!delivered(&seen(&[1, 2]), 10_000, 9_999, &windows, 1000));
        assert!(delivered(&seen(&[]), 0, 9_999, &windows, 1000));
    }
}
