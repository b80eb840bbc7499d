//! Dense passes: how a whole step range is covered with sampled history so that short events
//! are not missed, and how to say what was covered. Planned by the analyses in specs any
//! source answers (one that holds every row, such as runs on disk, answers each whole).
//!
//! W&B thins each `sampledHistory` spec to `samples` rows at random (docs/wandb-wire.md,
//! "Sampling"). One spec of 2,000 samples over 1.2M steps puts about 2 samples in a 1,200-step
//! event, which it then misses about one time in seven (e^-2). Instead the range is cut into
//! consecutive windows, one spec each, all in the same request: every window gets its own
//! share of samples (stratified), and the samples per key multiply without asking any one
//! spec for more than [`SAMPLES_PER_WINDOW`].

use crate::model::{Coverage, Series, Spec};

/// Samples asked of one spec. What the server honours per spec is not documented; 2,000 is
/// what the official client and our earlier single-spec pass asked for without trouble.
pub const SAMPLES_PER_WINDOW: u32 = 2000;
/// The narrowest event the dense pass promises to catch, as a fraction of the range covered.
pub const PROMISED_EVENT_FRACTION: f64 = 0.001;
/// Samples expected in an event of the promised width: a miss then has chance about e^-20.
pub const SAMPLES_PER_PROMISED_EVENT: f64 = 20.0;
/// Samples of all keys in one request. A sampled row is about 45 bytes on the wire, so a
/// dense request stays under about 3 MB whatever the number of keys.
pub const MAX_SAMPLES_PER_REQUEST: u64 = 64_000;

/// Consecutive inclusive step windows covering `[lo, hi]`, each sampled on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub windows: Vec<(u64, u64)>,
    pub samples_per_window: u32,
}

impl Plan {
    /// The default dense plan for `keys` keys over `[lo, hi]`: enough samples per key to catch
    /// events of [`PROMISED_EVENT_FRACTION`] of the range, within the request's size bound.
    pub fn dense(lo: u64, hi: u64, keys: usize) -> Plan {
        let wanted = (SAMPLES_PER_PROMISED_EVENT / PROMISED_EVENT_FRACTION) as u64;
        let affordable =
            (MAX_SAMPLES_PER_REQUEST / keys.max(1) as u64).max(u64::from(SAMPLES_PER_WINDOW));
        Plan::with_samples(lo, hi, wanted.min(affordable))
    }

    /// About `per_key` samples per key over `[lo, hi]`, in windows of at most
    /// [`SAMPLES_PER_WINDOW`] samples.
    pub fn with_samples(lo: u64, hi: u64, per_key: u64) -> Plan {
        let steps = hi.saturating_sub(lo) + 1;
        let per_window = u64::from(SAMPLES_PER_WINDOW).min(per_key.max(1));
        // When every row is wanted, windows of fewer steps than samples come back whole.
        let count = if per_key >= steps {
            steps.div_ceil((per_window - 1).max(1))
        } else {
            per_key.div_ceil(per_window)
        }
        .max(1);
        let width = steps.div_ceil(count);
        let windows = (0..count)
            .map(|i| (lo + i * width, (lo + (i + 1) * width - 1).min(hi)))
            .filter(|(a, b)| a <= b)
            .collect();
        Plan {
            windows,
            samples_per_window: per_window as u32,
        }
    }

    /// One spec per window for `keys` (keys of one cadence may share a spec).
    pub fn specs(&self, keys: &[String]) -> Vec<Spec> {
        self.windows
            .iter()
            .map(|&(a, b)| Spec {
                keys: keys.to_vec(),
                samples: self.samples_per_window,
                min_step: Some(a),
                max_step: Some(b),
            })
            .collect()
    }

    /// Steps per sample, at most, for a key logged at every step of a thinned window.
    pub fn spacing(&self) -> u64 {
        let widest = self
            .windows
            .iter()
            .map(|(a, b)| b - a + 1)
            .max()
            .unwrap_or(1);
        widest.div_ceil(u64::from(self.samples_per_window)).max(1)
    }
}

/// One key's answers to a plan's specs, taken in order from `answers`: joined into one
/// series, and the windows that came back whole.
pub fn take_key(
    plan: &Plan,
    answers: &mut impl Iterator<Item = Series>,
) -> (Series, Vec<(u64, u64)>) {
    let parts: Vec<Series> = answers.take(plan.windows.len()).collect();
    let whole = plan
        .windows
        .iter()
        .zip(&parts)
        .filter(|(_, s)| s.complete)
        .map(|(w, _)| *w)
        .collect();
    (join(parts), whole)
}

/// A group of `keys` keys' answers to a plan's specs (window by window, each with one series
/// per key), taken from `answers`: one joined series per key.
pub fn take_group(
    plan: &Plan,
    keys: usize,
    answers: &mut impl Iterator<Item = Series>,
) -> Vec<Series> {
    let mut parts: Vec<Vec<Series>> = vec![Vec::new(); keys];
    for _ in &plan.windows {
        for part in parts.iter_mut() {
            part.push(answers.next().unwrap_or_default());
        }
    }
    parts.into_iter().map(join).collect()
}

/// One key's windows joined back into a series: complete only when every window was.
fn join(parts: Vec<Series>) -> Series {
    let complete = parts.iter().all(|s| s.complete);
    let mut points: Vec<(u64, f64)> = parts.into_iter().flat_map(|s| s.points).collect();
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    Series { points, complete }
}

impl Coverage {
    /// The coverage of `plan` given whether any of its windows came back thinned.
    pub fn of(plan: &Plan, thinned: bool) -> Coverage {
        if thinned {
            Coverage::Sampled {
                spacing: plan.spacing(),
            }
        } else {
            Coverage::Every
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_plan_sizes_from_the_range_and_the_key_count() {
        let p = Plan::dense(0, 1_200_000, 3);
        assert_eq!(p.windows.len(), 10);
        assert_eq!(p.samples_per_window, SAMPLES_PER_WINDOW);
        assert_eq!(p.windows[0], (0, 120_000));
        assert_eq!(p.windows[9].1, 1_200_000);
        assert!(p.windows.windows(2).all(|w| w[0].1 + 1 == w[1].0));
        assert_eq!(p.spacing(), 61);
        // Ten keys share the request's bound: fewer windows each.
        assert_eq!(Plan::dense(0, 1_200_000, 10).windows.len(), 4);
        // A short range: one window per 2,000 steps, each back whole.
        let short = Plan::dense(100, 5_099, 3);
        assert_eq!(short.windows.len(), 3);
        assert!(short.windows.iter().all(|(a, b)| b - a < 2000));
        assert_eq!(Plan::dense(7, 7, 1).windows, vec![(7, 7)]);
    }

    #[test]
    fn explicit_samples_stay_within_one_spec_each() {
        let p = Plan::with_samples(0, 999_999, 500);
        assert_eq!((p.windows.len(), p.samples_per_window), (1, 500));
        let p = Plan::with_samples(0, 999_999, 5_000);
        assert_eq!((p.windows.len(), p.samples_per_window), (3, 2000));
        let loss = ["loss".to_string()];
        assert_eq!(p.specs(&loss).len(), 3);
        assert_eq!(p.specs(&loss)[2].max_step, Some(999_999));
    }

    #[test]
    fn joined_windows_and_notes() {
        let a = Series {
            points: vec![(0, 1.0), (5, 2.0)],
            complete: true,
        };
        let b = Series {
            points: vec![(9, 3.0)],
            complete: false,
        };
        let j = join(vec![a.clone(), b.clone()]);
        assert_eq!(j.points.len(), 3);
        assert!(!j.complete);
        assert!(join(vec![a.clone()]).complete);
        let two = Plan::with_samples(0, 4_999, 4_000);
        assert_eq!(two.windows, vec![(0, 2_499), (2_500, 4_999)]);
        let mut answers = vec![a, b].into_iter();
        let (series, whole) = take_key(&two, &mut answers);
        assert_eq!((series.points.len(), whole), (3, vec![(0, 2_499)]));
        // Two keys in one spec per window: window 1 (x, y), window 2 (x, y).
        let s = |step: u64| Series {
            points: vec![(step, 1.0)],
            complete: false,
        };
        let mut answers = vec![s(1), s(2), s(3000), s(3001)].into_iter();
        let group = take_group(&two, 2, &mut answers);
        assert_eq!(group[0].points, vec![(1, 1.0), (3000, 1.0)]);
        assert_eq!(group[1].points, vec![(2, 1.0), (3001, 1.0)]);
        let p = Plan::dense(0, 1_200_000, 3);
        assert_eq!(Coverage::of(&p, false).note(), "every logged row in range");
        assert_eq!(
            Coverage::of(&p, true).note(),
            "sampled at random ~1/61 steps per key, may miss events <305 steps (min-step/max-step for every row)"
        );
    }
}
