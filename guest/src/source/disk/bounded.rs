//! A key's points kept within a bound, so that memory does not grow with the log: past the
//! bound, each run of consecutive points is reduced to its lowest and highest finite value and
//! its first non-finite one, each at its own step. The extremes, spikes and NaN onsets stay
//! where they were; what is blurred is the shape between them (the `#` line says how finely).

use crate::model::Series;

/// The fewest points a bound keeps (one run's minimum, maximum and first non-finite value).
const LEAST: usize = 3;

/// `points` (ascending by step) reduced to at most `cap` points as above; as they are when
/// they fit.
pub fn reduce(points: &[(u64, f64)], cap: usize) -> Vec<(u64, f64)> {
    let cap = cap.max(LEAST);
    if points.len() <= cap {
        return points.to_vec();
    }
    let runs = cap / LEAST;
    let size = points.len().div_ceil(runs);
    let mut out = Vec::with_capacity(cap);
    for chunk in points.chunks(size) {
        let finite = || chunk.iter().enumerate().filter(|(_, p)| p.1.is_finite());
        let mut keep = [
            chunk.iter().position(|p| !p.1.is_finite()),
            finite()
                .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
                .map(|m| m.0),
            finite()
                .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
                .map(|m| m.0),
        ];
        // In step order, each point once (the minimum and the maximum are one point when the
        // chunk's finite values are all equal).
        keep.sort_unstable();
        let mut last = None;
        for i in keep.into_iter().flatten() {
            if last != Some(i) {
                out.push(chunk[i]);
                last = Some(i);
            }
        }
    }
    out
}

/// A key's points as they come, reduced whenever they reach twice the bound.
#[derive(Debug)]
pub struct Bounded {
    cap: usize,
    points: Vec<(u64, f64)>,
    thinned: bool,
}

impl Bounded {
    pub fn new(cap: usize) -> Bounded {
        Bounded {
            cap: cap.max(LEAST),
            points: Vec::new(),
            thinned: false,
        }
    }

    pub fn push(&mut self, point: (u64, f64)) {
        self.points.push(point);
        // Saturating: the collection of every key is "bounded" by usize::MAX.
        if self.points.len() >= self.cap.saturating_mul(2) {
            self.points = reduce(&self.points, self.cap);
            self.thinned = true;
        }
    }

    pub fn points(&self) -> &[(u64, f64)] {
        &self.points
    }

    /// The points within `[min_step, max_step]`, reduced to `cap`; complete when no point was
    /// reduced away.
    pub fn series(&self, min_step: Option<u64>, max_step: Option<u64>, cap: usize) -> Series {
        let from = self.points.partition_point(|p| p.0 < min_step.unwrap_or(0));
        let to = self
            .points
            .partition_point(|p| p.0 <= max_step.unwrap_or(u64::MAX));
        let slice = &self.points[from..to.max(from)];
        Series {
            points: reduce(slice, cap),
            complete: !self.thinned && slice.len() <= cap.max(LEAST),
        }
    }
}

/// About how many steps each kept run of a reduced series spans (at most [`LEAST`] points
/// stand for it).
pub fn spacing(series: &Series) -> u64 {
    match (series.points.first(), series.points.last()) {
        (Some(a), Some(b)) => ((b.0 - a.0) / (series.points.len() / LEAST).max(1) as u64).max(1),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_extremes_and_nan_onsets_at_their_steps() {
        let mut points: Vec<(u64, f64)> = (0..10_000)
            .map(|s| (s, 1.0 + (s % 7) as f64 * 0.01))
            .collect();
        points[4_321].1 = 50.0;
        points[7_000].1 = -3.0;
        for p in &mut points[9_000..] {
            p.1 = f64::NAN;
        }
        let mut b = Bounded::new(300);
        for &p in &points {
            b.push(p);
        }
        let s = b.series(None, None, 300);
        assert!(!s.complete && s.points.len() <= 300, "{}", s.points.len());
        assert!(s.points.contains(&(4_321, 50.0)) && s.points.contains(&(7_000, -3.0)));
        assert_eq!(
            s.points.iter().find(|p| p.1.is_nan()).map(|p| p.0),
            Some(9_000)
        );
        assert!(s.points.windows(2).all(|w| w[0].0 < w[1].0), "ascending");
        assert!((20..=120).contains(&spacing(&s)), "{}", spacing(&s));
        // A narrow window of what was kept, and a series that fits, stay as they are.
        let mut small = Bounded::new(300);
        (0..100).for_each(|s| small.push((s, s as f64)));
        let whole = small.series(Some(10), Some(19), 300);
        assert!(whole.complete && whole.points.len() == 10);
        let reduced = small.series(None, None, 30).points;
        assert!(
            reduced.len() <= 30 && reduced[0] == (0, 0.0) && reduced.last() == Some(&(99, 99.0))
        );
        assert!(!small.series(None, None, 30).complete);
    }
}
