//! Per-key statistics of a history table: count, extremes with their steps, mean, spread,
//! first and last values, non-finite values, where it went to zero for good, and a sparkline
//! of the curve.

use crate::analysis::dynamics::layers::NEAR_ZERO;
use crate::model::HistoryTable;
use crate::text::sparkline::{sparkline, SPARK_WIDTH};

#[derive(Debug, Clone, PartialEq)]
pub struct KeyStats {
    pub key: String,
    pub count: usize,
    pub min: Option<(f64, u64)>,
    pub max: Option<(f64, u64)>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub first: Option<f64>,
    pub last: Option<f64>,
    pub non_finite: usize,
    pub first_non_finite_step: Option<u64>,
    /// See [`zero_from`].
    pub zero_from: Option<u64>,
    pub spark: String,
}

pub fn key_stats(table: &HistoryTable, column: usize) -> KeyStats {
    let points: Vec<(u64, f64)> = table
        .rows
        .iter()
        .filter_map(|r| r.values[column].map(|v| (r.step, v)))
        .collect();
    let finite: Vec<(u64, f64)> = points
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let pick = |better: fn(f64, f64) -> bool| {
        finite
            .iter()
            .fold(None, |acc: Option<(f64, u64)>, &(s, v)| match acc {
                Some((best, _)) if !better(v, best) => acc,
                _ => Some((v, s)),
            })
    };
    let n = finite.len() as f64;
    let mean = (!finite.is_empty()).then(|| finite.iter().map(|(_, v)| v).sum::<f64>() / n);
    let std = mean.map(|m| (finite.iter().map(|(_, v)| (v - m).powi(2)).sum::<f64>() / n).sqrt());
    KeyStats {
        key: table.keys[column].clone(),
        count: points.len(),
        min: pick(|a, b| a < b),
        max: pick(|a, b| a > b),
        mean,
        std,
        first: points.first().map(|p| p.1),
        last: points.last().map(|p| p.1),
        non_finite: points.len() - finite.len(),
        first_non_finite_step: points.iter().find(|(_, v)| !v.is_finite()).map(|p| p.0),
        zero_from: zero_from(&finite),
        spark: sparkline(&points, SPARK_WIDTH),
    }
}

/// Where a key went (near) zero for good: the first step of its final stretch of values at most
/// a millionth of its largest magnitude over at least 1% of its steps, when it was not near
/// zero from the start (a dead layer's gradient histogram, read as its scale, or a gradient norm
/// that collapsed). `finite`: the key's finite values, ascending by step.
fn zero_from(finite: &[(u64, f64)]) -> Option<u64> {
    let (first, last) = (finite.first()?.0, finite.last()?.0);
    let peak = finite.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max);
    let near = |v: f64| v.abs() <= peak * NEAR_ZERO;
    let alive = finite.iter().rposition(|&(_, v)| !near(v))?;
    let from = finite.get(alive + 1)?.0;
    // At least 1% of the key's steps: a schedule decayed to zero touches it only at its end.
    ((last - from) * 100 >= last - first).then_some(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(points: &[(u64, Option<f64>)]) -> HistoryTable {
        HistoryTable::of_loss(points)
    }

    #[test]
    fn statistics_with_a_nan_tail() {
        let t = table(&[
            (0, Some(4.0)),
            (10, Some(2.0)),
            (20, None),
            (30, Some(6.0)),
            (40, Some(f64::NAN)),
            (50, Some(f64::INFINITY)),
        ]);
        let s = key_stats(&t, 0);
        assert_eq!(s.count, 5);
        assert_eq!(s.min, Some((2.0, 10)));
        assert_eq!(s.max, Some((6.0, 30)));
        assert_eq!(s.mean, Some(4.0));
        assert!((s.std.unwrap() - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.first, Some(4.0));
        assert!(s.last.unwrap().is_infinite());
        assert_eq!(s.non_finite, 2);
        assert_eq!(s.first_non_finite_step, Some(40));
    }
}
