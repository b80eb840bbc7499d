//! Per-key statistics and a one-line sparkline: how an agent "sees" a curve without eyes.

use crate::text::numfmt::format_value;
use crate::wandb::series::HistoryTable;

pub const SPARK_WIDTH: usize = 20;
/// Sparkline levels: digits, because o200k spends about two tokens on each block character
/// (`▁▂▃▄▅▆▇█`) but packs runs of digits three to a token: 20 buckets cost about 7 tokens
/// instead of about 37, with ten levels instead of eight.
const LEVELS: [char; 10] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

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
        spark: sparkline(&points, SPARK_WIDTH),
    }
}

/// Bucket maxima on a linear scale from the global finite min (`0`) to max (`9`), so spikes
/// show; `!` marks a bucket holding NaN/Inf, `.` a bucket with no points.
pub fn sparkline(points: &[(u64, f64)], width: usize) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return String::new();
    };
    let span = (last.0 - first.0) as f64 + 1.0;
    let mut buckets: Vec<Option<f64>> = vec![None; width];
    let mut broken = vec![false; width];
    for &(step, v) in points {
        let b = (((step - first.0) as f64 / span) * width as f64) as usize;
        let b = b.min(width - 1);
        if v.is_finite() {
            buckets[b] = Some(buckets[b].map_or(v, |m: f64| m.max(v)));
        } else {
            broken[b] = true;
        }
    }
    let finite: Vec<f64> = buckets.iter().flatten().copied().collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (0..width)
        .map(|b| match (buckets[b], broken[b]) {
            (_, true) => '!',
            (None, false) => '.',
            (Some(v), false) if hi > lo => LEVELS[(((v - lo) / (hi - lo)) * 9.0).round() as usize],
            (Some(_), false) => LEVELS[4],
        })
        .collect()
}

/// A step computed from a key's rows: as is when every logged row was read (`exact`), else
/// marked approximate (`~312928`), since a sample's first NaN or minimum is only near the
/// run's.
fn step_cell(step: Option<u64>, exact: bool) -> String {
    match step {
        Some(s) if exact => s.to_string(),
        Some(s) => format!("~{s}"),
        None => String::new(),
    }
}

/// The stats table as CSV, one row per key; `exact[i]` says key `i`'s rows are every logged
/// row in range (a missing entry counts as sampled).
pub fn render(table: &HistoryTable, digits: usize, exact: &[bool]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "key",
        "n",
        "min",
        "min_step",
        "max",
        "max_step",
        "mean",
        "std",
        "first",
        "last",
        "nonfinite",
        "first_nonfinite_step",
        "spark",
    ]);
    for column in 0..table.keys.len() {
        let s = key_stats(table, column);
        let whole = exact.get(column).copied().unwrap_or(false);
        let step = |s: Option<u64>| step_cell(s, whole);
        let key = &table.keys[column];
        let num = |v: Option<f64>| v.map(|x| format_value(key, x, digits)).unwrap_or_default();
        let _ = out.write_record([
            s.key.clone(),
            s.count.to_string(),
            num(s.min.map(|m| m.0)),
            step(s.min.map(|m| m.1)),
            num(s.max.map(|m| m.0)),
            step(s.max.map(|m| m.1)),
            num(s.mean),
            num(s.std),
            num(s.first),
            num(s.last),
            s.non_finite.to_string(),
            step(s.first_non_finite_step),
            s.spark,
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wandb::series::Row;

    fn table(points: &[(u64, Option<f64>)]) -> HistoryTable {
        HistoryTable {
            keys: vec!["loss".into()],
            rows: points
                .iter()
                .map(|(s, v)| Row {
                    step: *s,
                    values: vec![*v],
                })
                .collect(),
            complete: true,
        }
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

    #[test]
    fn sparkline_shows_spike_and_breakage() {
        let points: Vec<(u64, f64)> = (0..100)
            .map(|i| {
                (
                    i,
                    if i == 50 {
                        10.0
                    } else if i >= 90 {
                        f64::NAN
                    } else {
                        1.0
                    },
                )
            })
            .collect();
        let s = sparkline(&points, 10);
        assert_eq!(s, "000009000!");
        assert_eq!(sparkline(&[(0, 1.0), (1, 1.0)], 4), "4.4.");
    }

    #[test]
    fn renders_csv() {
        let t = table(&[(0, Some(1.0)), (1, Some(0.5))]);
        let text = render(&t, 4, &[true]);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "loss,2,0.5,1,1,0,0.75,0.25,1,0.5,0,,9.........0........."
        );
        // From sampled rows: the steps are the sample's, marked approximate.
        let t = table(&[
            (0, Some(1.0)),
            (312928, Some(f64::NAN)),
            (400000, Some(0.5)),
        ]);
        assert_eq!(
            render(&t, 4, &[false]).lines().nth(1).unwrap(),
            "loss,3,0.5,~400000,1,~0,0.75,0.25,1,0.5,1,~312928,9..............!...0"
        );
    }
}
