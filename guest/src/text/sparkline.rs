//! A one-line sparkline: how an agent "sees" a curve without eyes.

pub const SPARK_WIDTH: usize = 20;
/// Sparkline levels: digits, because o200k spends about two tokens on each block character
/// (`▁▂▃▄▅▆▇█`) but packs runs of digits three to a token: 20 buckets cost about 7 tokens
/// instead of about 37, with ten levels instead of eight.
const LEVELS: [char; 10] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
