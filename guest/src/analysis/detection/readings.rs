//! Training-dynamics findings ([`crate::analysis::dynamics`]) as diagnosis rows: the learning-rate
//! `schedule`, the end-of-run verdicts `converged` / `improving` (information, never alarms),
//! a real `plateau`, `growth` of the gradient norm before a divergence or explosion, and the
//! layer findings `dead-layer`, `vanishing`, `exploding-layers`; and the cause links the
//! schedule gives an event's detail.

use crate::analysis::dynamics::layers::{self, Layer};
use crate::analysis::dynamics::schedule::{Schedule, Shape};
use crate::analysis::dynamics::verdict::{self, Verdict};
use crate::analysis::dynamics::{growth, links, plateau, schedule};
use crate::model::Series;
use crate::text::numfmt::format_sig;

use super::finding::{Finding, DIGITS};

/// Rows that inform and never alarm: a run with only these has no problem.
pub const INFO: [&str; 3] = ["schedule", "converged", "improving"];

/// Vanishing or exploding layers shown at most, one row each (the first says how many more).
const MAX_LAYER_ROWS: usize = 3;

fn row(kind: &'static str, key: &str, step: u64, value: f64, detail: String) -> Finding {
    Finding {
        kind,
        key: key.to_string(),
        step,
        epoch: String::new(),
        counter: String::new(),
        value,
        detail,
    }
}

fn num(x: f64) -> String {
    format_sig(x, DIGITS)
}

/// `~` before a step read from sampled rows.
fn approx(exact: bool) -> &'static str {
    if exact {
        ""
    } else {
        "~"
    }
}

/// The schedule of the learning-rate series and its row.
pub fn schedule(key: &str, lr: &Series) -> Option<(Schedule, Finding)> {
    let s = schedule::read(&lr.points)?;
    let t = approx(lr.complete);
    let warm = if s.warmup > 0 {
        format!(
            "warmup {t}{} steps to peak {} at {t}{}",
            s.warmup,
            num(s.peak),
            s.peak_step
        )
    } else {
        format!("no warmup, peak {} at {t}{}", num(s.peak), s.peak_step)
    };
    let steps = |v: &[u64]| {
        v.iter()
            .map(|x| format!("{t}{x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let decay = match s.shape {
        Shape::Constant if s.restarts.is_empty() => "constant".to_string(),
        _ if !s.restarts.is_empty() => {
            format!("{} with restarts at {}", s.shape.name(), steps(&s.restarts))
        }
        Shape::Step => format!(
            "step decay at {}",
            steps(&s.drops.iter().map(|d| d.0).collect::<Vec<_>>())
        ),
        other => format!("{} decay", other.name()),
    };
    let detail = format!("{warm}; {decay}; final {}", num(s.final_value));
    let finding = row("schedule", key, s.peak_step, s.peak, detail);
    Some((s, finding))
}

/// The end-of-run verdict of a loss series, if it has one.
pub fn verdict(key: &str, series: &Series) -> Option<Finding> {
    let t = approx(series.complete);
    Some(match verdict::read(&series.points)? {
        Verdict::Converged { from, level } => row(
            "converged",
            key,
            from,
            level,
            format!("{key} flat within noise at its minimum {} from {t}{from} to the end", num(level)),
        ),
        Verdict::Improving { from, level, fall, t: tstat, projected } => row(
            "improving",
            key,
            from,
            level,
            format!(
                "{key} still falling: -{} over the last 20% of steps ({} its noise); train longer: ~{} lower at 2× the steps (trend in log step)",
                num(fall),
                noise_multiple(tstat),
                num(projected)
            ),
        ),
    })
}

/// How many times its noise a fall is; a noiseless (e.g. synthetic, linear) tail would give an
/// absurd 1e15×, which says nothing more than "far above".
fn noise_multiple(t: f64) -> String {
    if t >= 1000.0 {
        "over 1000×".to_string()
    } else {
        format_sig(t, 2) + "×"
    }
}

/// A real plateau of the loss, with what ended it when the schedule says.
pub fn plateau(key: &str, loss: &Series, schedule: Option<&Schedule>) -> Option<Finding> {
    let p = plateau::find(&loss.points)?;
    let t = approx(loss.complete);
    let length = loss.points.last()?.0;
    let ended = schedule
        .and_then(|s| links::drop_before(p.to, s, length))
        .map(|(at, before, after)| {
            format!(
                "; ended by the learning-rate drop at {at} ({} → {})",
                num(before),
                num(after)
            )
        })
        .unwrap_or_default();
    Some(row(
        "plateau",
        key,
        p.from,
        p.level,
        format!(
            "flat at {} from {t}{} until {t}{}, {} by the end{ended}",
            num(p.level),
            p.from,
            p.to,
            num(p.final_level)
        ),
    ))
}

/// Growth of `series` before the event at `until`, in a run of `length` steps.
pub fn growth(key: &str, series: &Series, until: u64, event: &str, length: u64) -> Option<Finding> {
    let g = growth::find(&series.points, until, length)?;
    let t = approx(series.complete);
    Some(row(
        "growth",
        key,
        g.onset,
        g.peak,
        format!(
            "×{} its running level {} by {until}, rising from {t}{} (5× by {t}{}); before the {event} at {until}",
            format_sig(g.peak / g.level, 2),
            num(g.level),
            g.onset,
            g.reached
        ),
    ))
}

/// Dead, vanishing and exploding layers from their gradient scales.
pub fn layers(layers: &[Layer], complete: bool) -> Vec<Finding> {
    let t = approx(complete);
    let mut out: Vec<Finding> = layers::dead(layers)
        .into_iter()
        .map(|d| {
            row(
                "dead-layer",
                &d.key,
                d.from,
                0.0,
                format!(
                    "gradients all zero from {t}{} to the end while the other layers' median scale is {}",
                    d.from,
                    num(d.others)
                ),
            )
        })
        .collect();
    let mut outliers = layers::outliers(layers);
    outliers.sort_by(|a, b| b.ratio.total_cmp(&a.ratio));
    let more = outliers.len().saturating_sub(MAX_LAYER_ROWS);
    for (i, o) in outliers.into_iter().take(MAX_LAYER_ROWS).enumerate() {
        let (kind, times) = if o.below {
            ("vanishing", format!("1/{}", format_sig(o.ratio, 2)))
        } else {
            ("exploding-layers", format!("×{}", format_sig(o.ratio, 2)))
        };
        let tail = if i == 0 && more > 0 {
            format!(" (+{more} more layers)")
        } else {
            String::new()
        };
        out.push(row(
            kind,
            &o.key,
            o.step,
            o.scale,
            format!(
                "gradient scale {times} the median layer's {} over {} layers{tail}",
                num(o.median),
                layers.len()
            ),
        ));
    }
    out
}

/// Puts the schedule's word into events' details: a spike or explosion soon after a warmup's
/// peak; a loss spike at a restart (then not an alarm by itself).
pub fn link(findings: &mut [Finding], schedule: &Schedule, length: u64) {
    for f in findings.iter_mut() {
        if !matches!(f.kind, "spike" | "explosion") {
            continue;
        }
        if let Some(after) = links::after_peak(f.step, schedule) {
            f.detail.push_str(&format!(
                "; {after} steps after the learning-rate peak at {} (warmup {} steps)",
                schedule.peak_step, schedule.warmup
            ));
        } else if let Some(r) = (f.kind == "spike")
            .then(|| links::at_restart(f.step, schedule, length))
            .flatten()
        {
            f.detail
                .push_str(&format!("; at a learning-rate restart ({r})"));
        }
    }
}

/// Whether a finding says something is wrong: not information, not a bump at a restart.
pub fn is_alarm(f: &Finding) -> bool {
    !INFO.contains(&f.kind) && !f.detail.contains("at a learning-rate restart")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: Vec<(u64, f64)>) -> Series {
        Series {
            points,
            complete: true,
        }
    }

    #[test]
    fn schedule_rows_and_links() {
        let lr = series(
            (0..=20_000)
                .map(|s| {
                    let v = if s < 200 {
                        3e-3 * (s + 1) as f64 / 200.0
                    } else {
                        1.5e-3 * (1.0 + (std::f64::consts::PI * (s - 199) as f64 / 19_801.0).cos())
                    };
                    (s, v)
                })
                .collect(),
        );
        let (s, f) = schedule("lr", &lr).unwrap();
        assert_eq!((f.kind, f.step), ("schedule", 199));
        assert_eq!(
            f.detail,
            "warmup 200 steps to peak 3e-3 at 199; cosine decay; final 0"
        );
        let mut events = vec![
            row("spike", "loss", 213, 6.6, "×3".into()),
            row("divergence", "loss", 300, f64::NAN, String::new()),
        ];
        link(&mut events, &s, 20_000);
        assert_eq!(
            events[0].detail,
            "×3; 14 steps after the learning-rate peak at 199 (warmup 200 steps)"
        );
        assert!(events[1].detail.is_empty() && is_alarm(&events[0]) && !is_alarm(&f));
        let restarts = Schedule {
            warmup: 0,
            restarts: vec![10_000],
            ..s
        };
        let mut bump = vec![row("spike", "loss", 10_000, 4.0, "×2.5".into())];
        link(&mut bump, &restarts, 150_000);
        assert_eq!(bump[0].detail, "×2.5; at a learning-rate restart (10000)");
        assert!(!is_alarm(&bump[0]));
    }

    #[test]
    fn layer_rows_name_the_ratio_and_the_median() {
        let layer = |name: &str, scale: f64| -> Layer {
            (name.into(), (0..10).map(|i| (i * 10, scale)).collect())
        };
        let layers = vec![
            layer("gradients/a", 0.01),
            layer("gradients/b", 0.012),
            layer("gradients/c", 0.011),
            layer("gradients/big", 50.0),
            layer("gradients/tiny", 1e-6),
        ];
        let rows = super::layers(&layers, true);
        let kinds: Vec<(&str, &str)> = rows.iter().map(|f| (f.kind, f.key.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("vanishing", "gradients/tiny"),
                ("exploding-layers", "gradients/big")
            ]
        );
        assert_eq!(
            rows[1].detail,
            "gradient scale ×4500 the median layer's 0.011 over 5 layers"
        );
        assert_eq!(
            rows[0].detail,
            "gradient scale 1/11000 the median layer's 0.011 over 5 layers"
        );
    }

    #[test]
    fn growth_of_the_loss_before_a_divergence() {
        // The loss leaves its level at 6,000 and grows 1% a step to 100× before going NaN.
        let points: Vec<(u64, f64)> = (0..10_000u64)
            .map(|s| {
                let v = if s < 6_000 {
                    1.0 + 0.01 * ((s % 5) as f64)
                } else {
                    1.01f64.powi((s - 6_000) as i32)
                };
                (s, if s >= 6_470 { f64::NAN } else { v })
            })
            .collect();
        let f = growth("loss", &series(points), 6_470, "divergence", 10_000).expect("growth");
        assert_eq!((f.kind, f.key.as_str()), ("growth", "loss"));
        assert!(f.step.abs_diff(6_000) <= 25, "{}", f.step);
        assert!(
            f.detail.ends_with("; before the divergence at 6470"),
            "{}",
            f.detail
        );
    }
}
