//! One look's detection: `diagnose`'s detectors and zoom rounds ([`Case`]) run on the new rows,
//! each main key's rows preceded by a stand-in for the rows before the cursor (its running
//! level), so an explosion or a spike is measured against the level before it; a divergence
//! already under way at the cursor is not looked for again until the key is finite once
//! more. What comes back is kept only when new: after the cursor's step and not among the
//! fingerprints already reported.

use crate::analysis::detection::detect::LEVEL_WINDOW;
use crate::analysis::detection::{Case, Finding, Keys, Tracks};

use super::cursor::{fingerprint, Cursor, Level, ROLES};
use super::rows::{levels, roles, summarize, KeyRows};

/// Findings about the whole run rather than an event: the first look reports them (as
/// `diagnose` does); later looks, which see only new rows, leave them to `diagnose`.
const WHOLE_RUN: [&str; 2] = ["overfitting", "plateau"];

/// A look's rows ready for detection.
pub struct Opened {
    /// To drive through its zoom rounds, then close for the findings.
    pub case: Case,
    /// The new rows' summary.
    pub rows: Vec<KeyRows>,
    /// The levels for the next cursor, over the points the detectors saw.
    pub levels: [Level; ROLES],
}

/// Opens the case over `tracks`, the rows from `from` on: over the whole run on a first
/// look (as `diagnose`), else after the cursor's stand-in.
pub fn open(keys: Keys, mut tracks: Tracks, before: Option<&Cursor>, from: u64) -> Opened {
    let Some(cursor) = before else {
        return Opened {
            rows: summarize(&keys, &tracks, from),
            levels: levels(&keys, &tracks, &[Level::default(); ROLES], from),
            case: Case::open(keys, tracks),
        };
    };
    let at = cursor.last_step.unwrap_or(0);
    for (key, level) in roles(&keys).into_iter().zip(&cursor.levels) {
        if let Some(track) = key.and_then(|k| tracks.get_mut(k)) {
            let mut points = stand_in(at, level);
            points.append(&mut track.series.points);
            track.series.points = points;
        }
    }
    let rows = summarize(&keys, &tracks, from);
    let levels = levels(&keys, &tracks, &cursor.levels, from);
    // A divergence under way: its non-finite rows are no news (and would only send the zoom
    // after an onset already reported); a later one after finite rows still is.
    for (key, level) in roles(&keys).into_iter().zip(&cursor.levels) {
        if let Some(track) = key
            .and_then(|k| tracks.get_mut(k))
            .filter(|_| level.non_finite)
        {
            let points = &mut track.series.points;
            let start = points.iter().position(|p| p.0 > at).unwrap_or(points.len());
            let end = points[start..]
                .iter()
                .position(|p| p.1.is_finite())
                .map_or(points.len(), |i| start + i);
            points.drain(start..end);
        }
    }
    Opened {
        rows,
        levels,
        case: Case::open(keys, tracks),
    }
}

/// Points at the cursor's step standing for the rows before it: the running level over a
/// full level window (the detectors take the median of the points before each one).
fn stand_in(at: u64, level: &Level) -> Vec<(u64, f64)> {
    level
        .level
        .map(|l| vec![(at, f64::from(l)); LEVEL_WINDOW])
        .unwrap_or_default()
}

/// The findings a look reports: on a first look all of them; after a cursor only events
/// after its step, never one already reported.
pub fn new_findings(findings: Vec<Finding>, before: Option<&Cursor>) -> Vec<Finding> {
    let Some(cursor) = before else {
        return findings;
    };
    findings
        .into_iter()
        .filter(|f| cursor.last_step.is_none_or(|s| f.step > s))
        .filter(|f| !WHOLE_RUN.contains(&f.kind))
        .filter(|f| {
            !cursor
                .reported
                .contains(&fingerprint(f.kind, &f.key, f.step))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::detection::KeyChoice;
    use crate::model::Series;

    fn keys() -> Keys {
        let available = ["epoch", "grad_norm", "loss"].map(String::from);
        crate::analysis::detection::guess_keys(&available, &KeyChoice::default()).unwrap()
    }

    /// Whole tracks of `loss` and `grad_norm` over `steps`, from `value(step)`.
    fn tracks(steps: std::ops::RangeInclusive<u64>, value: impl Fn(&str, u64) -> f64) -> Tracks {
        let series = ["loss", "grad_norm", "epoch"].map(|k| {
            let points = steps.clone().map(|s| (s, value(k, s))).collect();
            (
                k.to_string(),
                Series {
                    points,
                    complete: true,
                },
            )
        });
        Tracks::whole_run(series, Some(*steps.end()))
    }

    fn cursor(last: u64, loss: f32, grad: f32, loss_nan: bool) -> Cursor {
        let level = |l: f32, non_finite: bool| Level {
            level: Some(l),
            non_finite,
        };
        Cursor {
            last_step: Some(last),
            levels: [level(loss, loss_nan), level(grad, false), Level::default()],
            ..Cursor::default()
        }
    }

    fn found(opened: Opened, before: Option<&Cursor>) -> Vec<(&'static str, String, u64)> {
        let (findings, _) = opened.case.close(Vec::new());
        new_findings(findings, before)
            .into_iter()
            .map(|f| (f.kind, f.key, f.step))
            .collect()
    }

    #[test]
    fn an_explosion_is_measured_against_the_level_before_the_cursor() {
        // Rows 1001..1100 where the gradient norm is 40 from 1003: ×40 the carried level 1,
        // though the new rows alone would put their level at 40.
        let t = tracks(1001..=1100, |k, s| match k {
            "grad_norm" if s >= 1003 => 40.0,
            "epoch" => (s / 100) as f64,
            _ => 1.0,
        });
        let c = cursor(1000, 1.0, 1.0, false);
        let got = found(open(keys(), t, Some(&c), 0), Some(&c));
        assert_eq!(got, vec![("explosion", "grad_norm".to_string(), 1003)]);
        // The next look carries the new level: the gradient norm staying at 40 is no news.
        let t = tracks(
            1101..=1200,
            |k, _| if k == "grad_norm" { 40.0 } else { 1.0 },
        );
        let c = cursor(1100, 1.0, 40.0, false);
        assert!(found(open(keys(), t, Some(&c), 0), Some(&c)).is_empty());
    }

    #[test]
    fn a_divergence_under_way_is_not_found_again_and_reported_ones_are_kept_out() {
        let nan_loss = |k: &str, _| if k == "loss" { f64::NAN } else { 1.0 };
        let c = cursor(500, 1.0, 1.0, true);
        assert!(found(
            open(keys(), tracks(501..=600, nan_loss), Some(&c), 0),
            Some(&c)
        )
        .is_empty());
        // Finite rows after it, then NaN again: a new onset.
        let relapse = |k: &str, s: u64| match k {
            "loss" if (550..580).contains(&s) => 1.0,
            "loss" => f64::NAN,
            _ => 1.0,
        };
        let got = found(
            open(keys(), tracks(501..=600, relapse), Some(&c), 501),
            Some(&c),
        );
        assert_eq!(got, vec![("divergence", "loss".to_string(), 580)]);
        // Rows without the key keep its flag: its NaN rows after them are no news either.
        let no_loss = |k: &str, _| if k == "loss" { f64::NAN } else { 1.0 };
        let mut t = tracks(501..=510, no_loss);
        if let Some(loss) = t.get_mut("loss") {
            loss.series.points.clear();
        }
        let kept = open(keys(), t, Some(&c), 501).levels;
        assert!(kept[0].non_finite, "{kept:?}");
        // Without the flag the first NaN row is a new onset.
        let fresh = cursor(500, 1.0, 1.0, false);
        let got = found(
            open(keys(), tracks(501..=600, nan_loss), Some(&fresh), 0),
            Some(&fresh),
        );
        assert_eq!(got, vec![("divergence", "loss".to_string(), 501)]);
        // Once reported, never again (even if the rows were read again).
        let mut seen = fresh.clone();
        seen.reported.push(fingerprint("divergence", "loss", 501));
        let t = tracks(501..=600, nan_loss);
        assert!(found(open(keys(), t, Some(&seen), 0), Some(&seen)).is_empty());
    }

    #[test]
    fn a_first_look_reports_what_diagnose_would() {
        // A spike on [300, 310) over a flat loss (flat at its minimum: no plateau, as in
        // diagnose since issue #28).
        let t = tracks(0..=999, |k, s| match k {
            "loss" if (300..310).contains(&s) => 5.0,
            "epoch" => (s / 100) as f64,
            _ => 1.0,
        });
        let got = found(open(keys(), t, None, 0), None);
        assert_eq!(got, vec![("spike", "loss".to_string(), 300)]);
    }
}
