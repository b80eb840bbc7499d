//! A real plateau: the loss flat (no more than noise-level change) for at least 10% of the run
//! while its level stays above the run's final level by at least a quarter of the run's total
//! improvement. A flat tail at the run's minimum is convergence, not a plateau.

use super::stats::{buckets, finite, fit_line, median, Bucket};

/// Buckets the run is cut into: each 2% of its steps.
pub(super) const BUCKETS: usize = 50;
/// A plateau lasts at least this part of the run...
const MIN_PART: f64 = 0.1;
/// ...and sits at least this part of the run's total improvement above its final level.
const ABOVE_FINAL: f64 = 0.25;
/// Levels within this part of the total improvement (or the noise, if larger) are flat.
pub(super) const FLAT_PART: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub struct Plateau {
    /// Where the loss became flat, and where it left the flat level again.
    pub from: u64,
    pub to: u64,
    pub level: f64,
    /// The run's final level and total improvement, for the detail.
    pub final_level: f64,
    pub improvement: f64,
}

/// How much the level of a bucket may move by noise alone: three standard errors of the
/// median of a typical bucket.
pub(super) fn noise(levels: &[Bucket]) -> f64 {
    let mut errors: Vec<f64> = levels
        .iter()
        .filter(|b| b.n > 1)
        .map(|b| 1.4826 * b.spread * 1.2533 / (b.n as f64).sqrt())
        .collect();
    3.0 * median(&mut errors).unwrap_or(0.0)
}

/// The first real plateau of a loss series, if any.
pub fn find(points: &[(u64, f64)]) -> Option<Plateau> {
    let pts = finite(points);
    if pts.len() < 30 {
        return None;
    }
    let levels = buckets(&pts, BUCKETS);
    let (first, last) = (levels.first()?, levels.last()?);
    let improvement = first.level - last.level;
    if improvement <= 0.0 || levels.len() < 10 {
        return None;
    }
    let tol = (FLAT_PART * improvement).max(noise(&levels));
    let min_len = ((last.last - first.first) as f64 * MIN_PART) as u64;
    for i in 0..levels.len() {
        let (mut lo, mut hi) = (levels[i].level, levels[i].level);
        let mut j = i;
        while j + 1 < levels.len() {
            let next = levels[j + 1].level;
            if next.max(hi) - next.min(lo) > tol {
                break;
            }
            (lo, hi) = (next.min(lo), next.max(hi));
            j += 1;
        }
        if j + 1 == levels.len() || levels[j].last - levels[i].first < min_len {
            continue;
        }
        if lo - last.level < ABOVE_FINAL * improvement
            || !trendless(
                &pts,
                levels[i].first,
                levels[j].last,
                FLAT_PART * improvement,
            )
        {
            continue;
        }
        let mut mids: Vec<f64> = levels[i..=j].iter().map(|b| b.level).collect();
        let level = median(&mut mids)?;
        let from = crossing(&pts, levels[i].first, |v| v <= level + tol / 2.0)?;
        let to = crossing(&pts, levels[j].first, |v| v < level - tol)?;
        return Some(Plateau {
            from,
            to,
            level,
            final_level: last.level,
            improvement,
        });
    }
    None
}

/// Whether the points in `[from, to]` have no trend beyond `tol` or their noise: a line fitted
/// to them changes by at most that over the window. Levels alone are not enough in a short,
/// noisy run, where a steady decay stays within the noise of a few buckets.
fn trendless(pts: &[(u64, f64)], from: u64, to: u64, tol: f64) -> bool {
    let xy: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.0 >= from && p.0 <= to)
        .map(|p| (p.0 as f64, p.1))
        .collect();
    let span = (to - from) as f64;
    fit_line(&xy).is_none_or(|(slope, _, se)| (slope * span).abs() <= tol.max(2.0 * se * span))
}

/// The first step at or after `start` where the running median of a few points meets `cond`.
fn crossing(pts: &[(u64, f64)], start: u64, cond: impl Fn(f64) -> bool) -> Option<u64> {
    let i0 = pts.partition_point(|p| p.0 < start);
    let w = (pts.len() / 400).clamp(1, 25);
    (i0..pts.len()).find_map(|i| {
        let mut window: Vec<f64> = pts[i..(i + w).min(pts.len())].iter().map(|p| p.1).collect();
        median(&mut window).filter(|m| cond(*m)).map(|_| pts[i].0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(s: u64) -> f64 {
        // A deterministic ±2.5% wobble.
        1.0 + 0.05 * (((s * 7919) % 101) as f64 / 100.0 - 0.5)
    }

    /// Falls to 1.2 by 20k, flat until a drop at 40k, then down to 0.5.
    fn stuck(s: u64) -> f64 {
        let base = if s < 20_000 {
            2.3 - 1.1 * s as f64 / 20_000.0
        } else if s < 40_000 {
            1.2
        } else {
            0.5 + 0.7 * (-((s - 40_000) as f64) / 2_000.0).exp()
        };
        base * noisy(s)
    }

    #[test]
    fn finds_a_plateau_freed_by_a_drop() {
        let pts: Vec<(u64, f64)> = (0..=100_000).step_by(5).map(|s| (s, stuck(s))).collect();
        let p = find(&pts).unwrap();
        assert!((18_000..=21_000).contains(&p.from), "{p:?}");
        assert!((40_000..=41_500).contains(&p.to), "{p:?}");
        assert!((p.level - 1.2).abs() < 0.03 && (p.final_level - 0.5).abs() < 0.03);
    }

    #[test]
    fn convergence_and_steady_decay_are_no_plateau() {
        let converged: Vec<(u64, f64)> = (0..50_000)
            .step_by(5)
            .map(|s| (s, (0.25 + 2.05 * (-(s as f64) / 3_000.0).exp()) * noisy(s)))
            .collect();
        assert_eq!(find(&converged), None);
        let decay: Vec<(u64, f64)> = (0..100_000)
            .step_by(10)
            .map(|s| (s, (0.2 + 2.1 * (-(s as f64) / 25_000.0).exp()) * noisy(s)))
            .collect();
        assert_eq!(find(&decay), None);
        // A short run whose ±5% noise hides a steady decay within a few buckets.
        let short: Vec<(u64, f64)> = (0..=500)
            .map(|s| {
                (
                    s,
                    (1.9 + 0.4 * (-(s as f64) / 125.0).exp()) * (1.0 + 2.0 * (noisy(s) - 1.0)),
                )
            })
            .collect();
        assert_eq!(find(&short), None);
        let flat: Vec<(u64, f64)> = (0..1000).map(|s| (s, noisy(s))).collect();
        assert_eq!(find(&flat), None);
        assert_eq!(find(&[(0, 1.0), (1, 0.5)]), None);
    }
}
