//! Non-monotone effects of a numeric hyperparameter: the correlation ratio (eta) of a metric
//! over bins of the parameter's values. A rank correlation sees only "the more, the better"; a
//! learning rate that is best in the middle (a U shape) has a weak rank correlation and a
//! strong eta. Over distinct values eta would always be 1 when every run has its own value,
//! so values are binned — by value when there are few, else into equal widths (of log10 when
//! the values are positive and span a decade or more) — with at least [`MIN_PER_BIN`] runs
//! per bin, and eta is corrected for the spread that bins of noise alone would show.

/// Runs a bin needs (a sparse bin is merged into its smaller neighbour).
pub const MIN_PER_BIN: usize = 5;
/// Bins at most.
pub const MAX_BINS: usize = 6;

/// One bin: the values it holds (`lo..hi`), the metric's mean there, and its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub mean: f64,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// In ascending order of the parameter.
    pub bins: Vec<Bin>,
    /// sqrt of the bias-corrected eta² (epsilon²): about 0 when the bins differ by noise only.
    pub eta: f64,
    /// The bins differ by more than noise would (epsilon² above twice its spread under no
    /// effect, about 2·sqrt(2(k−1))/n).
    pub beyond_noise: bool,
}

/// The metric `ys` over bins of the parameter `xs`; `None` when fewer than three bins of
/// [`MIN_PER_BIN`] runs can be made (no shape to see) or the metric does not vary.
pub fn binned(xs: &[f64], ys: &[f64]) -> Option<Binned> {
    let n = xs.len();
    if n != ys.len() || n < 3 * MIN_PER_BIN {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut groups = group(xs, &order);
    // Merge sparse bins until each holds enough runs.
    while groups.len() > 1 {
        let Some(small) = (0..groups.len())
            .filter(|&g| groups[g].len() < MIN_PER_BIN)
            .min_by_key(|&g| groups[g].len())
        else {
            break;
        };
        let neighbour = match (small.checked_sub(1), groups.get(small + 1)) {
            (Some(left), Some(right)) if groups[left].len() <= right.len() => left,
            (Some(left), None) => left,
            _ => small + 1,
        };
        let (a, b) = (small.min(neighbour), small.max(neighbour));
        let moved = groups.remove(b);
        groups[a].extend(moved);
    }
    if groups.len() < 3 {
        return None;
    }
    let mean = |idx: &[usize]| idx.iter().map(|&i| ys[i]).sum::<f64>() / idx.len() as f64;
    let grand = ys.iter().sum::<f64>() / n as f64;
    let total: f64 = ys.iter().map(|y| (y - grand).powi(2)).sum();
    if total <= 0.0 {
        return None;
    }
    let between: f64 = groups
        .iter()
        .map(|g| g.len() as f64 * (mean(g) - grand).powi(2))
        .sum();
    let k = groups.len() as f64;
    let within = total - between;
    let epsilon2 = (between - (k - 1.0) * within / (n as f64 - k)) / total;
    let noise = 2.0 * (2.0 * (k - 1.0)).sqrt() / n as f64;
    Some(Binned {
        bins: groups
            .iter()
            .map(|g| Bin {
                lo: xs[g[0]],
                hi: xs[g[g.len() - 1]],
                mean: mean(g),
                n: g.len(),
            })
            .collect(),
        eta: epsilon2.max(0.0).sqrt(),
        beyond_noise: epsilon2 > noise,
    })
}

/// Indices (sorted by value in `order`) grouped into initial bins: one per distinct value
/// when there are at most [`MAX_BINS`], else equal widths.
fn group(xs: &[f64], order: &[usize]) -> Vec<Vec<usize>> {
    let (lo, hi) = (xs[order[0]], xs[order[order.len() - 1]]);
    let mut distinct: Vec<f64> = order.iter().map(|&i| xs[i]).collect();
    distinct.dedup();
    let key: Box<dyn Fn(f64) -> usize> = if distinct.len() <= MAX_BINS {
        Box::new(move |x| distinct.iter().position(|&d| d == x).unwrap_or(0))
    } else {
        let log = lo > 0.0 && hi / lo >= 10.0;
        let t = move |x: f64| if log { x.log10() } else { x };
        let count = MAX_BINS.min(order.len() / MIN_PER_BIN).max(1);
        let (a, b) = (t(lo), t(hi));
        let width = (b - a) / count as f64;
        Box::new(move |x| {
            if width > 0.0 {
                (((t(x) - a) / width) as usize).min(count - 1)
            } else {
                0
            }
        })
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last = None;
    for &i in order {
        let k = key(xs[i]);
        if last != Some(k) {
            groups.push(Vec::new());
            last = Some(k);
        }
        if let Some(g) = groups.last_mut() {
            g.push(i);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic wobble in [-0.5, 0.5).
    fn wobble(i: usize) -> f64 {
        ((i as f64 + 1.0) * 0.754_877_666).fract() - 0.5
    }

    #[test]
    fn a_u_shape_is_strong_where_rank_correlation_is_weak() {
        let xs: Vec<f64> = (0..60)
            .map(|i| 10f64.powf(-5.0 + 3.0 * i as f64 / 59.0))
            .collect();
        let ys: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, x)| 0.4 + 0.1 * (x.log10() + 3.5).powi(2) + 0.01 * wobble(i))
            .collect();
        let b = binned(&xs, &ys).unwrap();
        assert_eq!(b.bins.len(), MAX_BINS);
        assert!(b.eta > 0.9 && b.beyond_noise, "{b:?}");
        assert!(b.bins.iter().all(|bin| bin.n >= MIN_PER_BIN));
        let best = b
            .bins
            .iter()
            .min_by(|a, c| a.mean.total_cmp(&c.mean))
            .unwrap();
        assert!(
            best.lo <= 10f64.powf(-3.5) * 3.0 && best.hi >= 10f64.powf(-3.5) / 3.0,
            "{best:?}"
        );
    }

    #[test]
    fn noise_is_within_noise_and_few_values_bin_by_value() {
        let xs: Vec<f64> = (0..80).map(|i| [32.0, 64.0, 128.0, 256.0][i % 4]).collect();
        let ys: Vec<f64> = (0..80).map(|i| 1.0 + wobble(i * 7)).collect();
        let b = binned(&xs, &ys).unwrap();
        assert_eq!(b.bins.len(), 4);
        assert_eq!((b.bins[0].lo, b.bins[0].hi, b.bins[0].n), (32.0, 32.0, 20));
        assert!(!b.beyond_noise && b.eta < 0.3, "{b:?}");
        // Sparse values merge into a neighbour; too few runs give no bins at all.
        let xs: Vec<f64> = (0..20)
            .map(|i| if i < 2 { 1.0 } else { 2.0 + (i % 3) as f64 })
            .collect();
        let b = binned(&xs, &ys[..20]).unwrap();
        assert!(b.bins.iter().all(|bin| bin.n >= MIN_PER_BIN), "{b:?}");
        assert_eq!(binned(&xs[..10], &ys[..10]), None);
    }
}
