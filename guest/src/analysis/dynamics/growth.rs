//! A sustained rise of the gradient norm (or the loss) before an explosion or divergence: to
//! at least 5× its running level over at least 1% of the run, found from where it left its
//! normal band (the onset). A jump straight to 5× is an explosion, not growth.

use super::stats::{buckets, median};

/// The run before the event is cut into buckets of 0.5% each.
const BUCKETS: usize = 200;
/// The running level is the median of this many buckets (5% of the run) before a step.
const RUNNING: usize = 10;
/// Growth reaches at least this factor of the running level...
const FACTOR: f64 = 5.0;
/// ...over at least this part of the run.
const MIN_PART: f64 = 0.01;

#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// Where the series left its normal band, and where it first stood 5× above its level.
    pub onset: u64,
    pub reached: u64,
    /// The running level before the onset, and the highest level before the event.
    pub level: f64,
    pub peak: f64,
}

/// Growth in the positive finite points before `until` (the event's step), in a run of
/// `length` steps.
pub fn find(points: &[(u64, f64)], until: u64, length: u64) -> Option<Growth> {
    let logs: Vec<(u64, f64)> = points
        .iter()
        .filter(|p| p.0 < until && p.1.is_finite() && p.1 > 0.0)
        .map(|p| (p.0, p.1.ln()))
        .collect();
    let levels = buckets(&logs, BUCKETS);
    if levels.len() < 2 * RUNNING {
        return None;
    }
    let l: Vec<f64> = levels.iter().map(|b| b.level).collect();
    let mut steps: Vec<f64> = l.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let sigma = median(&mut steps)?;
    let running = |b: usize| median(&mut l[b.saturating_sub(RUNNING)..b].to_vec());
    let peak = (0..l.len()).max_by(|&a, &b| l[a].total_cmp(&l[b]))?;
    // Back from the peak while each level stands out of the band of the ones before it.
    let band = (3.0 * sigma).max(1.5f64.ln());
    let mut coarse = peak;
    while coarse > RUNNING && l[coarse] - running(coarse)? > band {
        coarse -= 1;
    }
    let base = running(coarse.max(1))?;
    // The onset: the first bucket from which the level stays above the band of that base.
    let fine = (3.0 * sigma).max(0.05);
    let onset = (coarse.saturating_sub(RUNNING)..=peak)
        .find(|&b| l[b..=peak].iter().all(|&v| v > base + fine))?;
    let reached = (onset..=peak).find(|&b| l[b] >= base + FACTOR.ln())?;
    let sustained = levels[reached].first - levels[onset].first;
    (sustained as f64 >= MIN_PART * length as f64).then(|| Growth {
        onset: levels[onset].first,
        reached: levels[reached].first,
        level: base.exp(),
        peak: l[peak].exp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wobble(s: u64) -> f64 {
        1.0 + 0.15 * (((s * 7919) % 101) as f64 / 100.0 - 0.5)
    }

    fn normal(s: u64) -> f64 {
        (0.8 + 3.2 * (-(s as f64) / 75_000.0).exp()) * wobble(s)
    }

    #[test]
    fn exponential_growth_before_a_nan() {
        // ×e every 6,000 steps from 180,000 until the NaN at 240,000.
        let pts: Vec<(u64, f64)> = (0..300_000)
            .step_by(15)
            .map(|s| {
                let g = if s < 180_000 {
                    1.0
                } else {
                    ((s - 180_000) as f64 / 6_000.0).exp()
                };
                (
                    s,
                    if s >= 240_000 {
                        f64::NAN
                    } else {
                        normal(s) * g
                    },
                )
            })
            .collect();
        let g = find(&pts, 240_000, 300_000).unwrap();
        assert!((178_000..=183_000).contains(&g.onset), "{g:?}");
        // 5× at 180,000 + 6,000 ln 5 ≈ 189,657.
        assert!((187_000..=192_000).contains(&g.reached), "{g:?}");
        // The running level then: 0.8 + 3.2 e^-2.4 ≈ 1.09.
        assert!((g.level - 1.09).abs() < 0.1 && g.peak > 10_000.0, "{g:?}");
    }

    #[test]
    fn a_jump_or_a_healthy_norm_is_no_growth() {
        let jump: Vec<(u64, f64)> = (0..100_000)
            .map(|s| (s, normal(s) * if s >= 61_373 { 50.0 } else { 1.0 }))
            .collect();
        assert_eq!(find(&jump, 100_000, 100_000), None);
        let healthy: Vec<(u64, f64)> = (0..100_000).map(|s| (s, normal(s))).collect();
        assert_eq!(find(&healthy, 100_000, 100_000), None);
        assert_eq!(find(&healthy[..10], 100_000, 100_000), None);
    }
}
