//! Small statistics the analyses share: finite points, medians, step buckets, a line fit.

/// The finite points of a series, in order.
pub fn finite(points: &[(u64, f64)]) -> Vec<(u64, f64)> {
    points.iter().copied().filter(|p| p.1.is_finite()).collect()
}

/// The median (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// One equal-width step bucket of a series: the median of its points and how they spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub first: u64,
    pub last: u64,
    pub level: f64,
    /// The median absolute deviation of the bucket's points from `level`.
    pub spread: f64,
    pub n: usize,
}

/// The series cut into `count` equal step ranges over its first..last step; empty ranges
/// are left out. Medians, so a spike or a few outliers do not move a level.
pub fn buckets(points: &[(u64, f64)], count: usize) -> Vec<Bucket> {
    let (Some(&(lo, _)), Some(&(hi, _))) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let count = count.max(1);
    let width = ((hi - lo) as f64 / count as f64).max(1.0);
    let index = |step: u64| (((step - lo) as f64 / width) as usize).min(count - 1);
    let mut groups: Vec<(usize, Vec<(u64, f64)>)> = Vec::new();
    for &p in points {
        match groups.last_mut() {
            Some((i, group)) if *i == index(p.0) => group.push(p),
            _ => groups.push((index(p.0), vec![p])),
        }
    }
    groups
        .into_iter()
        .map(|(_, group)| {
            let mut values: Vec<f64> = group.iter().map(|p| p.1).collect();
            let level = median(&mut values).unwrap_or(f64::NAN);
            let mut dev: Vec<f64> = values.iter().map(|v| (v - level).abs()).collect();
            Bucket {
                first: group[0].0,
                last: group[group.len() - 1].0,
                level,
                spread: median(&mut dev).unwrap_or(0.0),
                n: group.len(),
            }
        })
        .collect()
}

/// Least squares `y = intercept + slope * x`: `(slope, intercept, standard error of the
/// slope)`; `None` for fewer than three points or no spread in `x`.
pub fn fit_line(xy: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let n = xy.len() as f64;
    if xy.len() < 3 {
        return None;
    }
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let residual: f64 = xy
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let se = (residual / (n - 2.0) / sxx).sqrt();
    Some((slope, intercept, se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_buckets_and_fits() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        let pts: Vec<(u64, f64)> = (0..100)
            .map(|s| (s, if s < 50 { 1.0 } else { 3.0 }))
            .collect();
        let b = buckets(&pts, 4);
        assert_eq!(b.len(), 4);
        assert_eq!(
            (b[0].first, b[0].level, b[3].level, b[3].last),
            (0, 1.0, 3.0, 99)
        );
        assert_eq!(b.iter().map(|b| b.n).sum::<usize>(), 100);
        let line: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 2.0 * x as f64 + 1.0)).collect();
        let (slope, intercept, se) = fit_line(&line).unwrap();
        assert!((slope - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12 && se < 1e-9);
        assert!(fit_line(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]).is_none());
        assert_eq!(
            finite(&[(0, 1.0), (1, f64::NAN), (2, f64::INFINITY)]),
            vec![(0, 1.0)]
        );
    }
}
