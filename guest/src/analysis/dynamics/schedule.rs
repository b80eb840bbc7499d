//! The learning-rate schedule: which key holds it, its warmup and peak, the shape of its
//! decay, its restarts and drops, its final value.

use super::stats::{finite, fit_line};

/// Names of the learning rate, most usual first: plain loops, the Hugging Face `Trainer`
/// (`train/learning_rate`), Lightning's `LearningRateMonitor` (`lr-AdamW`, one per optimizer).
const NAMES: [&str; 12] = [
    "lr",
    "learning_rate",
    "train/lr",
    "train/learning_rate",
    "trainer/lr",
    "trainer/learning_rate",
    "optimizer/lr",
    "lr-AdamW",
    "lr-Adam",
    "lr-SGD",
    "train/lr-AdamW",
    "lr/group0",
];

/// The learning-rate key among a run's keys: a usual name, else a key with a path part that
/// is `lr` or starts with `lr-`, `lr_` or `learning_rate` (`lr-SGD/pg1`, `opt/lr_group_1`).
pub fn lr_key(available: &[String]) -> Option<&String> {
    NAMES
        .iter()
        .find_map(|n| available.iter().find(|k| k.as_str() == *n))
        .or_else(|| {
            available.iter().find(|k| {
                k.to_ascii_lowercase().split('/').any(|part| {
                    part == "lr"
                        || part.starts_with("lr-")
                        || part.starts_with("lr_")
                        || part.starts_with("learning_rate")
                })
            })
        })
}

/// How the learning rate falls after its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Constant,
    Linear,
    Cosine,
    Step,
    Exponential,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Constant => "constant",
            Shape::Linear => "linear",
            Shape::Cosine => "cosine",
            Shape::Step => "step",
            Shape::Exponential => "exponential",
        }
    }
}

/// A fall of the learning rate by a large part at once: `(step, before, after)`.
pub type Drop = (u64, f64, f64);

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub first_step: u64,
    pub peak_step: u64,
    pub peak: f64,
    /// Steps from the first logged one through the peak; 0 when the run starts near the peak.
    pub warmup: u64,
    pub shape: Shape,
    /// Steps where the rate jumps back up toward its peak (warm restarts, SGDR).
    pub restarts: Vec<u64>,
    pub drops: Vec<Drop>,
    pub final_value: f64,
}

/// A start below this part of the peak is a warmup.
const WARM_START: f64 = 0.5;
/// A rise between two logged values of this part of the peak is a restart.
const RESTART_RISE: f64 = 0.2;
/// A fall of this part of the value, and this part of the peak, at once is a drop.
const DROP_PART: f64 = 0.3;
const DROP_OF_PEAK: f64 = 0.05;
/// Values within this part of the peak are the same level (constant, or a step's flat).
const SAME: f64 = 1e-3;

/// The schedule of a learning-rate series; `None` for fewer than 3 finite points or a rate
/// that is never positive.
pub fn read(points: &[(u64, f64)]) -> Option<Schedule> {
    let pts = finite(points);
    if pts.len() < 3 {
        return None;
    }
    let peak = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    if peak <= 0.0 {
        return None;
    }
    let peak_i = pts.iter().position(|p| p.1 >= peak * (1.0 - 1e-9))?;
    let (first_step, peak_step) = (pts[0].0, pts[peak_i].0);
    let warmup = if pts[0].1 < WARM_START * peak && peak_i > 0 {
        peak_step - first_step + 1
    } else {
        0
    };
    let after = &pts[peak_i..];
    let restart_at: Vec<usize> = (1..after.len())
        .filter(|&i| after[i].1 - after[i - 1].1 > RESTART_RISE * peak)
        .collect();
    let drops = (1..after.len())
        .filter(|&i| {
            let fall = after[i - 1].1 - after[i].1;
            fall >= DROP_PART * after[i - 1].1 && fall >= DROP_OF_PEAK * peak
        })
        .map(|i| (after[i].0, after[i - 1].1, after[i].1))
        .collect();
    let cycle_end = restart_at.first().copied().unwrap_or(after.len());
    Some(Schedule {
        first_step,
        peak_step,
        peak,
        warmup,
        shape: shape(&after[..cycle_end], peak),
        restarts: restart_at.iter().map(|&i| after[i].0).collect(),
        drops,
        final_value: pts[pts.len() - 1].1,
    })
}

/// The shape of one decay from the peak: flat, steps, or whichever of a line, a half cosine
/// and an exponential fits best.
fn shape(cycle: &[(u64, f64)], peak: f64) -> Shape {
    if cycle.len() < 3
        || cycle
            .iter()
            .all(|p| (p.1 - peak).abs() <= SAME * peak * 10.0)
    {
        return Shape::Constant;
    }
    let flat = cycle
        .windows(2)
        .filter(|w| (w[1].1 - w[0].1).abs() <= SAME * peak)
        .count();
    let falls = cycle
        .windows(2)
        .any(|w| w[0].1 - w[1].1 >= DROP_PART * w[0].1 && w[0].1 - w[1].1 >= DROP_OF_PEAK * peak);
    if falls && flat as f64 >= 0.8 * (cycle.len() - 1) as f64 {
        return Shape::Step;
    }
    let (s0, s1) = (cycle[0].0 as f64, cycle[cycle.len() - 1].0 as f64);
    let xy: Vec<(f64, f64)> = cycle
        .iter()
        .map(|p| ((p.0 as f64 - s0) / (s1 - s0).max(1.0), p.1 / peak))
        .collect();
    let rmse = |f: &dyn Fn(f64) -> f64| {
        (xy.iter().map(|(x, y)| (y - f(*x)).powi(2)).sum::<f64>() / xy.len() as f64).sqrt()
    };
    let mut fits: Vec<(Shape, f64)> = Vec::new();
    if let Some((b, a, _)) = fit_line(&xy) {
        fits.push((Shape::Linear, rmse(&|x| a + b * x)));
    }
    // A half cosine from 1 down to a floor m: y = m + (1 - m)(1 + cos πx)/2, m by least squares.
    let c = |x: f64| (1.0 + (std::f64::consts::PI * x).cos()) / 2.0;
    let den: f64 = xy.iter().map(|(x, _)| (1.0 - c(*x)).powi(2)).sum();
    if den > 0.0 {
        let m = xy
            .iter()
            .map(|(x, y)| (y - c(*x)) * (1.0 - c(*x)))
            .sum::<f64>()
            / den;
        fits.push((Shape::Cosine, rmse(&|x| m + (1.0 - m) * c(x))));
    }
    if xy.iter().all(|p| p.1 > 0.0) {
        let logs: Vec<(f64, f64)> = xy.iter().map(|(x, y)| (*x, y.ln())).collect();
        if let Some((b, a, _)) = fit_line(&logs) {
            fits.push((Shape::Exponential, rmse(&|x| (a + b * x).exp())));
        }
    }
    fits.into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Shape::Linear, |f| f.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_the_key_by_name() {
        let pick = |v: &[&str]| lr_key(&names(v)).cloned();
        assert_eq!(pick(&["loss", "lr"]).as_deref(), Some("lr"));
        assert_eq!(
            pick(&["train/learning_rate", "train/loss"]).as_deref(),
            Some("train/learning_rate")
        );
        assert_eq!(pick(&["lr-AdamW", "loss"]).as_deref(), Some("lr-AdamW"));
        assert_eq!(pick(&["opt/lr_group_1"]).as_deref(), Some("opt/lr_group_1"));
        assert_eq!(
            pick(&["lr-SGD/pg1", "lr-SGD/pg2"]).as_deref(),
            Some("lr-SGD/pg1")
        );
        assert_eq!(pick(&["loss", "val_loss", "flr", "clr_loss"]), None);
    }

    fn series(last: u64, every: u64, f: impl Fn(u64) -> f64) -> Vec<(u64, f64)> {
        (0..=last / every)
            .map(|i| (i * every, f(i * every)))
            .collect()
    }

    fn cosine(peak: f64, from: u64, to: u64, s: u64) -> f64 {
        let x = (s - from) as f64 / (to - from) as f64;
        peak * (1.0 + (std::f64::consts::PI * x).cos()) / 2.0
    }

    #[test]
    fn warmup_then_cosine() {
        let lr = series(20_000, 1, |s| {
            if s < 200 {
                3e-3 * (s + 1) as f64 / 200.0
            } else {
                cosine(3e-3, 199, 20_000, s)
            }
        });
        let s = read(&lr).unwrap();
        assert_eq!((s.peak_step, s.warmup, s.shape), (199, 200, Shape::Cosine));
        assert!((s.peak - 3e-3).abs() < 1e-12 && s.final_value < 1e-9);
        assert!(s.restarts.is_empty() && s.drops.is_empty());
    }

    #[test]
    fn every_shape() {
        let linear = series(10_000, 10, |s| 1e-3 * (1.0 - s as f64 / 10_000.0));
        let exp = series(10_000, 10, |s| 1e-3 * (-(s as f64) / 3_000.0).exp());
        let step = series(10_000, 10, |s| 0.1 * 0.1f64.powi((s / 4_000) as i32));
        let constant = series(10_000, 100, |_| 3e-4);
        let shape = |p: &[(u64, f64)]| read(p).unwrap().shape;
        assert_eq!(shape(&linear), Shape::Linear);
        assert_eq!(shape(&exp), Shape::Exponential);
        assert_eq!(shape(&constant), Shape::Constant);
        let s = read(&step).unwrap();
        assert_eq!((s.shape, s.warmup, s.peak_step), (Shape::Step, 0, 0));
        assert_eq!(
            s.drops,
            vec![(4_000, 0.1, 0.1 * 0.1), (8_000, 0.1 * 0.1, 0.1 * 0.1 * 0.1)]
        );
    }

    #[test]
    fn warm_restarts() {
        // SGDR: periods 10k, 20k, 40k; restarts at 10k and 30k.
        let lr = series(70_000, 100, |s| {
            let (from, to) = match s {
                0..10_000 => (0, 10_000),
                10_000..30_000 => (10_000, 30_000),
                _ => (30_000, 70_000),
            };
            1e-5 + cosine(1e-3 - 1e-5, from, to, s)
        });
        let s = read(&lr).unwrap();
        assert_eq!(
            (s.shape, s.restarts.clone()),
            (Shape::Cosine, vec![10_000, 30_000])
        );
        assert!(s.drops.is_empty());
    }

    #[test]
    fn refuses_what_is_no_schedule() {
        assert!(read(&[(0, 1.0), (1, f64::NAN)]).is_none());
        assert!(read(&[(0, 0.0), (1, 0.0), (2, -1.0)]).is_none());
    }
}
