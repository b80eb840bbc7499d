//! Extreme-preserving row reduction: fit a curve into a token budget without losing what
//! matters. Kept always: the first and last rows, each key's global minimum and maximum, and
//! each key's first non-finite value with the last finite one before it (a divergence onset).
//! The rest of the budget goes to min/max per step bucket for every key (the M4 idea), with
//! as many buckets as fit.

use std::collections::BTreeSet;

use crate::model::HistoryTable;

/// Indices of the rows to show, ascending. Returns every row when they already fit.
pub fn select(table: &HistoryTable, max_rows: usize) -> Vec<usize> {
    let n = table.rows.len();
    if n <= max_rows {
        return (0..n).collect();
    }
    let must = must_keep(table);
    let mut best = must.clone();
    let (mut lo, mut hi) = (1usize, n);
    // The union grows (nearly) monotonically with the bucket count: binary-search the largest fit.
    while lo <= hi {
        let buckets = lo + (hi - lo) / 2;
        let mut chosen = must.clone();
        chosen.extend(bucket_extremes(table, buckets));
        if chosen.len() <= max_rows {
            best = chosen;
            lo = buckets + 1;
        } else {
            hi = buckets - 1;
        }
    }
    best.into_iter().collect()
}

/// The indices of the first minimum and the first maximum among finite `(index, value)` pairs.
fn extremes(points: impl Iterator<Item = (usize, f64)>) -> Option<(usize, usize)> {
    let mut found: Option<((usize, f64), (usize, f64))> = None;
    for (i, v) in points.filter(|(_, v)| v.is_finite()) {
        found = Some(match found {
            None => ((i, v), (i, v)),
            Some((min, max)) => (
                if v < min.1 { (i, v) } else { min },
                if v > max.1 { (i, v) } else { max },
            ),
        });
    }
    found.map(|(min, max)| (min.0, max.0))
}

/// `(row index, value)` of one key over `rows`, where it was logged.
fn column_points(
    table: &HistoryTable,
    column: usize,
    rows: std::ops::Range<usize>,
) -> impl Iterator<Item = (usize, f64)> + '_ {
    rows.filter_map(move |i| table.rows[i].values[column].map(|v| (i, v)))
}

fn must_keep(table: &HistoryTable) -> BTreeSet<usize> {
    let n = table.rows.len();
    let mut keep = BTreeSet::from([0, n - 1]);
    for column in 0..table.keys.len() {
        if let Some((min, max)) = extremes(column_points(table, column, 0..n)) {
            keep.extend([min, max]);
        }
        // The divergence onset: the first non-finite value and the last finite one before it.
        let mut last_finite = None;
        for (i, v) in column_points(table, column, 0..n) {
            if !v.is_finite() {
                keep.insert(i);
                keep.extend(last_finite);
                break;
            }
            last_finite = Some(i);
        }
    }
    keep
}

/// For each of `buckets` equal step ranges: every key's min and max row, or the bucket's first
/// row when no key has a finite value there (so non-finite stretches still show on the axis).
fn bucket_extremes(table: &HistoryTable, buckets: usize) -> BTreeSet<usize> {
    let rows = &table.rows;
    let first = rows[0].step as f64;
    let span = (rows[rows.len() - 1].step as f64 - first).max(1.0);
    let bucket_of =
        |step: u64| (((step as f64 - first) / span * buckets as f64) as usize).min(buckets - 1);
    let mut chosen = BTreeSet::new();
    let mut start = 0;
    while start < rows.len() {
        let b = bucket_of(rows[start].step);
        let end = rows[start..]
            .iter()
            .position(|r| bucket_of(r.step) != b)
            .map_or(rows.len(), |p| start + p);
        let mut any_finite = false;
        for column in 0..table.keys.len() {
            if let Some((min, max)) = extremes(column_points(table, column, start..end)) {
                any_finite = true;
                chosen.extend([min, max]);
            }
        }
        if !any_finite {
            chosen.insert(start);
        }
        start = end;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Row;

    fn table(values: &[f64]) -> HistoryTable {
        HistoryTable {
            keys: vec!["loss".into()],
            rows: values
                .iter()
                .enumerate()
                .map(|(i, v)| Row {
                    step: i as u64 * 10,
                    values: vec![Some(*v)],
                })
                .collect(),
            complete: true,
        }
    }

    #[test]
    fn small_tables_are_untouched() {
        assert_eq!(select(&table(&[1.0, 2.0, 3.0]), 5), vec![0, 1, 2]);
    }

    #[test]
    fn keeps_spike_minimum_ends_and_nan_onset_within_budget() {
        let mut values: Vec<f64> = (0..1000).map(|i| 2.0 - i as f64 / 1000.0).collect();
        values[400] = 50.0; // a one-row spike
        values[123] = -1.0; // the global minimum
        for v in values.iter_mut().skip(900) {
            *v = f64::NAN;
        }
        let chosen = select(&table(&values), 40);
        assert!(chosen.len() <= 40, "{}", chosen.len());
        for must in [0, 999, 400, 123, 900, 899] {
            assert!(chosen.contains(&must), "row {must} missing from {chosen:?}");
        }
        assert!(chosen.windows(2).all(|w| w[0] < w[1]));
        // The budget is used, not wasted.
        assert!(chosen.len() >= 30, "{}", chosen.len());
    }

    #[test]
    fn must_keep_rows_survive_even_a_tiny_budget() {
        let values: Vec<f64> = (0..100).map(|i| (i as f64).sin()).collect();
        let chosen = select(&table(&values), 2);
        assert!(chosen.contains(&0) && chosen.contains(&99));
    }
}
