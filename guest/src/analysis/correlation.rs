//! How alike two runs' curves are: Pearson's r over the steps both logged, or over both
//! interpolated onto a common grid when random sampling left too few shared steps.

/// Significant digits of a correlation.
const DIGITS: usize = 4;
use crate::model::Series;
use crate::text::numfmt::format_sig;

/// Points of the common step grid the curves are interpolated onto when they share too few
/// logged steps.
pub const GRID_POINTS: usize = 200;
/// Shared logged steps needed to correlate without interpolating.
const MIN_SHARED_STEPS: usize = 10;

/// How two curves were correlated.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub r: f64,
    pub lo: u64,
    pub hi: u64,
    /// Steps both runs logged, when the correlation is over those.
    pub shared: Option<usize>,
    /// Otherwise: the finite points of each curve in the common range, interpolated onto a grid.
    pub interpolated_from: (usize, usize),
}

impl Correlation {
    pub fn describe(&self) -> String {
        let r = format_sig(self.r, DIGITS);
        let (lo, hi) = (self.lo, self.hi);
        match self.shared {
            Some(n) => format!("pearson r={r} over {n} steps both logged {lo}..{hi}"),
            None => format!(
                "pearson r={r} over {GRID_POINTS} steps {lo}..{hi} interpolated from {} and {} sampled values",
                self.interpolated_from.0, self.interpolated_from.1
            ),
        }
    }
}

/// Pearson correlation of two curves over the steps both logged; when they share fewer than
/// `MIN_SHARED_STEPS` (random server sampling rarely picks the same steps of long runs), over
/// both linearly interpolated on a common grid. `None` without a common step range.
pub fn correlation(a: &Series, b: &Series) -> Option<Correlation> {
    let finite = |s: &Series| -> Vec<(u64, f64)> {
        s.points
            .iter()
            .copied()
            .filter(|p| p.1.is_finite())
            .collect()
    };
    let (fa, fb) = (finite(a), finite(b));
    let lo = fa.first()?.0.max(fb.first()?.0);
    let hi = fa.last()?.0.min(fb.last()?.0);
    if hi <= lo {
        return None;
    }
    let shared: Vec<(u64, f64, f64)> = fa
        .iter()
        .filter_map(|&(step, x)| {
            let j = fb.binary_search_by_key(&step, |p| p.0).ok()?;
            Some((step, x, fb[j].1))
        })
        .collect();
    if shared.len() >= MIN_SHARED_STEPS {
        let xa: Vec<f64> = shared.iter().map(|p| p.1).collect();
        let xb: Vec<f64> = shared.iter().map(|p| p.2).collect();
        return pearson(&xa, &xb).map(|r| Correlation {
            r,
            lo: shared[0].0,
            hi: shared[shared.len() - 1].0,
            shared: Some(shared.len()),
            interpolated_from: (0, 0),
        });
    }
    let grid: Vec<f64> = (0..GRID_POINTS)
        .map(|i| lo as f64 + (hi - lo) as f64 * i as f64 / (GRID_POINTS - 1) as f64)
        .collect();
    let xa: Vec<f64> = grid.iter().map(|&s| interpolate(&fa, s)).collect();
    let xb: Vec<f64> = grid.iter().map(|&s| interpolate(&fb, s)).collect();
    let within = |pts: &[(u64, f64)]| pts.iter().filter(|p| (lo..=hi).contains(&p.0)).count();
    pearson(&xa, &xb).map(|r| Correlation {
        r,
        lo,
        hi,
        shared: None,
        interpolated_from: (within(&fa), within(&fb)),
    })
}

/// Linear interpolation of sorted finite points at `step` (clamped at the ends).
fn interpolate(points: &[(u64, f64)], step: f64) -> f64 {
    let i = points.partition_point(|p| (p.0 as f64) < step);
    if i == 0 {
        return points[0].1;
    }
    if i == points.len() {
        return points[points.len() - 1].1;
    }
    let (s0, v0) = points[i - 1];
    let (s1, v1) = points[i];
    v0 + (v1 - v0) * (step - s0 as f64) / (s1 - s0) as f64
}

pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_and_interpolation() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(interpolate(&[(0, 0.0), (10, 10.0)], 2.5), 2.5);
        assert_eq!(interpolate(&[(0, 0.0), (10, 10.0)], 20.0), 10.0);
    }

    #[test]
    fn correlation_on_the_overlap() {
        let a = Series {
            points: (0..=100).map(|s| (s, s as f64)).collect(),
            complete: true,
        };
        let b = Series {
            points: (50..=300)
                .map(|s| (s, 2.0 * s as f64 + 1.0))
                .chain([(301, f64::NAN)])
                .collect(),
            complete: true,
        };
        let c = correlation(&a, &b).unwrap();
        assert!((c.r - 1.0).abs() < 1e-9);
        assert_eq!((c.lo, c.hi, c.shared), (50, 100, Some(51)));
        assert_eq!(
            c.describe(),
            "pearson r=1 over 51 steps both logged 50..100"
        );
        // Sampled at different steps: interpolated, and said so.
        let odd = Series {
            points: (0..=50).map(|i| (2 * i + 1, i as f64)).collect(),
            complete: false,
        };
        let even = Series {
            points: (0..=50).map(|i| (2 * i, i as f64)).collect(),
            complete: false,
        };
        let c = correlation(&odd, &even).unwrap();
        assert_eq!(c.shared, None);
        assert_eq!(c.interpolated_from, (50, 50));
        assert!(
            c.describe()
                .ends_with("over 200 steps 1..100 interpolated from 50 and 50 sampled values"),
            "{}",
            c.describe()
        );
        let c = Series {
            points: vec![(500, 1.0)],
            complete: true,
        };
        assert_eq!(correlation(&a, &c), None);
    }
}
