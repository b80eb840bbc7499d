//! Cause links: what the learning-rate schedule says about an event at a step.

use super::schedule::{Drop, Schedule};

/// A spike or explosion this many warmup lengths after the peak is put down to the warmup
/// (too short, or a peak too high).
const WARMUP_LENGTHS: u64 = 3;
/// A bump this part of the run after a restart, or a plateau's end this part of the run after
/// a drop, is put down to it.
const NEAR_PART: f64 = 0.05;

/// An event at `step` soon after the peak that ended a warmup: how many steps after it.
pub fn after_peak(step: u64, schedule: &Schedule) -> Option<u64> {
    let since = step.checked_sub(schedule.peak_step)?;
    (schedule.warmup > 0 && since <= WARMUP_LENGTHS * schedule.warmup).then_some(since)
}

/// The restart a loss bump at `step` follows, within 5% of the run's `length`.
pub fn at_restart(step: u64, schedule: &Schedule, length: u64) -> Option<u64> {
    let near = (length as f64 * NEAR_PART) as u64;
    schedule
        .restarts
        .iter()
        .copied()
        .filter(|&r| r <= step && step - r <= near)
        .max()
}

/// The drop a plateau ending at `end` follows, within 5% of the run's `length`.
pub fn drop_before(end: u64, schedule: &Schedule, length: u64) -> Option<Drop> {
    let near = (length as f64 * NEAR_PART) as u64;
    schedule
        .drops
        .iter()
        .copied()
        .filter(|d| d.0 <= end && end - d.0 <= near)
        .max_by_key(|d| d.0)
}

#[cfg(test)]
mod tests {
    use super::super::schedule::Shape;
    use super::*;

    #[test]
    fn links_by_distance() {
        let s = Schedule {
            first_step: 0,
            peak_step: 199,
            peak: 3e-3,
            warmup: 200,
            shape: Shape::Cosine,
            restarts: vec![10_000, 30_000],
            drops: vec![(40_000, 0.1, 0.01)],
            final_value: 0.0,
        };
        assert_eq!(after_peak(213, &s), Some(14));
        assert_eq!(after_peak(799, &s), Some(600));
        assert_eq!(after_peak(800, &s), None);
        assert_eq!(after_peak(100, &s), None);
        let no_warmup = Schedule {
            warmup: 0,
            ..s.clone()
        };
        assert_eq!(after_peak(213, &no_warmup), None);
        assert_eq!(at_restart(10_400, &s, 100_000), Some(10_000));
        assert_eq!(at_restart(31_000, &s, 100_000), Some(30_000));
        assert_eq!(at_restart(16_000, &s, 100_000), None);
        assert_eq!(at_restart(9_000, &s, 100_000), None);
        assert_eq!(drop_before(41_500, &s, 100_000), Some((40_000, 0.1, 0.01)));
        assert_eq!(drop_before(39_000, &s, 100_000), None);
        assert_eq!(drop_before(46_000, &s, 100_000), None);
    }
}
