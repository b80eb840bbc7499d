//! Trends read off the coarse pass alone, with no zoom: overfitting (the validation minimum,
//! then a rise while the training loss still falls) and a plateau of the training loss.

use crate::model::Series;
use crate::text::numfmt::format_sig;

use super::detect::median;
use super::finding::Finding;

/// A validation metric this much above its best, by the end, while training still improves.
const OVERFIT_RISE: f64 = 0.05;
/// Less than this relative improvement over the last `PLATEAU_TAIL` of steps is a plateau.
const PLATEAU_GAIN: f64 = 0.01;
const PLATEAU_TAIL: f64 = 0.3;

/// The validation metric's best point, when it then rises while the training loss still falls.
pub fn overfitting(
    val_key: &str,
    val: &Series,
    loss_key: &str,
    loss: &Series,
    diverged_at: Option<u64>,
) -> Option<Finding> {
    let stop = diverged_at.unwrap_or(u64::MAX);
    let pts: Vec<(u64, f64)> = val
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && p.0 < stop)
        .collect();
    if pts.len() < 8 {
        return None;
    }
    let (best_i, &(best_step, best)) = pts
        .iter()
        .enumerate()
        .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))?;
    // Validation losses: lower is better, and a minimum needs points after it to rise.
    if best_i + 3 >= pts.len() || best <= 0.0 {
        return None;
    }
    let tail = pts.len() - (pts.len() / 10).max(3);
    let end_level = median(&mut pts[tail..].iter().map(|p| p.1).collect::<Vec<_>>())?;
    let rise = end_level / best - 1.0;
    if rise < OVERFIT_RISE {
        return None;
    }
    let finite_loss: Vec<(u64, f64)> = loss
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && p.0 < stop)
        .collect();
    let near = |lo: u64, hi: u64| {
        median(
            &mut finite_loss
                .iter()
                .filter(|p| p.0 >= lo && p.0 <= hi)
                .map(|p| p.1)
                .collect::<Vec<_>>(),
        )
    };
    let span = pts[pts.len() - 1].0.saturating_sub(best_step) / 10;
    let loss_then = near(best_step.saturating_sub(span), best_step + span)?;
    let loss_end = near(pts[tail].0, pts[pts.len() - 1].0)?;
    if loss_end >= loss_then {
        return None;
    }
    let exact = if val.complete {
        "exact step"
    } else {
        "approximate step: validation values were sampled"
    };
    Some(Finding {
        kind: "overfitting",
        key: val_key.to_string(),
        step: best_step,
        epoch: String::new(),
        counter: String::new(),
        value: best,
        detail: format!(
            "{val_key} minimum; +{}% by the end while {loss_key} fell {}% ({exact})",
            format_sig(rise * 100.0, 2),
            format_sig((1.0 - loss_end / loss_then) * 100.0, 2)
        ),
    })
}

/// Training loss that stopped improving over the last part of the run.
pub fn plateau(key: &str, loss: &Series) -> Option<Finding> {
    let pts: Vec<(u64, f64)> = loss
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .collect();
    if pts.len() < 30 {
        return None;
    }
    let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
    let start = last - ((last - first) as f64 * PLATEAU_TAIL) as u64;
    let tail: Vec<(u64, f64)> = pts.iter().copied().filter(|p| p.0 >= start).collect();
    let third = tail.len() / 3;
    if third < 3 {
        return None;
    }
    let head = median(&mut tail[..third].iter().map(|p| p.1).collect::<Vec<_>>())?;
    let end = median(
        &mut tail[tail.len() - third..]
            .iter()
            .map(|p| p.1)
            .collect::<Vec<_>>(),
    )?;
    let gain = (head - end) / head.abs().max(f64::MIN_POSITIVE);
    if gain >= PLATEAU_GAIN {
        return None;
    }
    Some(Finding {
        kind: "plateau",
        key: key.to_string(),
        step: tail[0].0,
        epoch: String::new(),
        counter: String::new(),
        value: head,
        detail: format!(
            "{key} improved {}% over the last {}% of steps",
            format_sig(gain * 100.0, 2),
            (PLATEAU_TAIL * 100.0) as u32
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overfitting_and_plateau() {
        let val = Series {
            points: (0..50)
                .map(|i| {
                    (
                        i * 100,
                        if i <= 30 {
                            2.0 - i as f64 * 0.05
                        } else {
                            0.5 + (i - 30) as f64 * 0.02
                        },
                    )
                })
                .collect(),
            complete: true,
        };
        let loss = Series {
            points: (0..5000).map(|s| (s, 2.0 - s as f64 / 5000.0)).collect(),
            complete: true,
        };
        let f = overfitting("val_loss", &val, "loss", &loss, None).unwrap();
        assert_eq!((f.step, f.value), (3000, 0.5));
        assert!(plateau("loss", &loss).is_none());
        let flat = Series {
            points: (0..100).map(|s| (s, 1.0)).collect(),
            complete: true,
        };
        assert_eq!(plateau("loss", &flat).unwrap().step, 70);
    }
}
