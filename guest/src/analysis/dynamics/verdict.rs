//! The end-of-run verdict of a loss: converged (flat at its minimum from some step on, for at
//! least a quarter of the run) or still improving (the last fifth's slope clearly negative against
//! its noise), with the gain a longer run would bring by the fitted trend; neither (no
//! verdict) for a loss still settling at the end.

use super::plateau::{noise, BUCKETS, FLAT_PART};
use super::stats::{buckets, finite, fit_line};

/// The tail whose slope decides "still improving": the last fifth of the steps.
const TAIL_PART: f64 = 0.2;
/// Still improving: the tail falls by at least this part of the run's total improvement...
const MIN_FALL: f64 = 0.05;
/// ...with a slope this many standard errors below zero.
const MIN_T: f64 = 5.0;
/// The trend projecting the gain is fitted over this last part of the run.
const TREND_PART: f64 = 0.4;
/// Converged: within this part of the total improvement (or the noise) of the final level...
const SETTLED_PART: f64 = 0.02;
/// ...for at least this part of the run. A loss still settling at the end gets no verdict.
const SETTLED_RUN: f64 = 0.25;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Within noise of its final level, which is its minimum, from `from` on.
    Converged { from: u64, level: f64 },
    /// Falling through the last fifth (from `from`): by `fall` there, `t` standard errors;
    /// `projected` lower again at twice the steps, by a trend linear in log(step).
    Improving {
        from: u64,
        level: f64,
        fall: f64,
        t: f64,
        projected: f64,
    },
}

pub fn read(points: &[(u64, f64)]) -> Option<Verdict> {
    let pts = finite(points);
    if pts.len() < 20 {
        return None;
    }
    let levels = buckets(&pts, BUCKETS);
    let (first, last) = (levels.first()?, levels.last()?);
    let improvement = first.level - last.level;
    if improvement <= 0.0 || levels.len() < 5 {
        return None;
    }
    let tol = (FLAT_PART * improvement).max(noise(&levels));
    let span = (last.last - first.first) as f64;
    let tail_from = last.last - (span * TAIL_PART) as u64;
    let tail: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.0 >= tail_from)
        .map(|p| (p.0 as f64, p.1))
        .collect();
    if let Some((slope, _, se)) = fit_line(&tail) {
        let fall = -slope * span * TAIL_PART;
        let t = if se > 0.0 { -slope / se } else { f64::INFINITY };
        if slope < 0.0 && t >= MIN_T && fall >= MIN_FALL * improvement && fall > tol {
            return Some(Verdict::Improving {
                from: tail_from,
                level: last.level,
                fall,
                t,
                projected: projected_gain(&pts, span),
            });
        }
    }
    let minimum = levels.iter().map(|b| b.level).fold(f64::INFINITY, f64::min);
    if last.level - minimum > tol {
        return None;
    }
    let settled_tol = (SETTLED_PART * improvement).max(noise(&levels));
    let settled = levels
        .iter()
        .rposition(|b| (b.level - last.level).abs() > settled_tol)
        .map_or(0, |i| i + 1);
    let long_enough = |i: usize| (last.last - levels[i].first) as f64 >= SETTLED_RUN * span;
    (settled < levels.len() && long_enough(settled)).then(|| Verdict::Converged {
        from: levels[settled].first,
        level: last.level,
    })
}

/// How much lower the loss would be at twice the run's steps, by a line in log(step) fitted
/// over its last 40%: the usual shape of a loss still falling (never below zero gain).
fn projected_gain(pts: &[(u64, f64)], span: f64) -> f64 {
    let end = pts[pts.len() - 1].0;
    let from = end.saturating_sub((span * TREND_PART) as u64).max(1);
    let xy: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.0 >= from)
        .map(|p| ((p.0 as f64).ln(), p.1))
        .collect();
    fit_line(&xy).map_or(0.0, |(slope, _, _)| (-slope * 2f64.ln()).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wobble(s: u64) -> f64 {
        1.0 + 0.05 * (((s * 7919) % 101) as f64 / 100.0 - 0.5)
    }

    fn run(last: u64, f: impl Fn(f64) -> f64) -> Vec<(u64, f64)> {
        (0..=last)
            .step_by(5)
            .map(|s| (s, f(s as f64) * wobble(s)))
            .collect()
    }

    #[test]
    fn converged_from_where_it_settles() {
        // Within 2% of the improvement from tau * ln 50 ≈ 11,736.
        let pts = run(50_000, |s| 0.25 + 2.05 * (-s / 3_000.0).exp());
        match read(&pts) {
            Some(Verdict::Converged { from, level }) => {
                assert!((10_000..=13_500).contains(&from), "{from}");
                assert!((level - 0.25).abs() < 0.01);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn still_improving_with_a_projection() {
        // The true gain from 30k to 60k steps is 2(e^-0.75 - e^-1.5) ≈ 0.50.
        let pts = run(30_000, |s| 0.3 + 2.0 * (-s / 40_000.0).exp());
        match read(&pts) {
            Some(Verdict::Improving {
                from,
                fall,
                t,
                projected,
                ..
            }) => {
                assert_eq!(from, 24_000);
                assert!((0.12..0.18).contains(&fall) && t > 10.0, "{fall} {t}");
                assert!((0.35..0.65).contains(&projected), "{projected}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_verdict_for_a_rise_a_loss_still_settling_or_too_little() {
        // Time constant a quarter of the run: within 2% of its improvement only for the last
        // ~19% of it, and not clearly falling there either.
        assert_eq!(
            read(&run(20_000, |s| 0.45 + 1.85 * (-s / 5_000.0).exp())),
            None
        );
        let rising = run(10_000, |s| 1.0 + s / 10_000.0);
        assert_eq!(read(&rising), None);
        // Down, then back up by the end: not at its minimum, not falling.
        let bowl = run(10_000, |s| {
            let x = (s - 5_000.0) / 5_000.0;
            1.0 + if x < 0.0 { 2.0 * x * x } else { x * x }
        });
        assert_eq!(read(&bowl), None);
        assert_eq!(read(&[(0, 1.0); 5]), None);
    }
}
