//! The new rows of a look: each main key's range, last value, minimum and maximum; and the
//! running levels the next look measures its rows against.

use crate::analysis::detection::detect::{running_level, Track};
use crate::analysis::detection::{Keys, Tracks};

use super::cursor::{carried, Level, ROLES};

/// One key over the new rows.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRows {
    pub key: String,
    pub first_step: u64,
    pub last_step: u64,
    pub last: f64,
    /// Over the finite values (`None`: none was finite).
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub non_finite: usize,
    /// Points read (all of them when the rows came back whole).
    pub points: usize,
}

impl KeyRows {
    /// The points of `track` at or after `from` (the stand-in before the cursor excluded).
    pub fn of(key: &str, track: &Track, from: u64) -> Option<KeyRows> {
        let points: Vec<(u64, f64)> = track
            .series
            .points
            .iter()
            .copied()
            .filter(|p| p.0 >= from)
            .collect();
        let (&(first_step, _), &(last_step, last)) = (points.first()?, points.last()?);
        let finite = || points.iter().map(|p| p.1).filter(|v| v.is_finite());
        Some(KeyRows {
            key: key.to_string(),
            first_step,
            last_step,
            last,
            min: finite().min_by(f64::total_cmp),
            max: finite().max_by(f64::total_cmp),
            non_finite: points.iter().filter(|p| !p.1.is_finite()).count(),
            points: points.len(),
        })
    }

    /// These rows followed by `later`'s (the polls of one `--wait`).
    pub fn then(self, later: KeyRows) -> KeyRows {
        let pick = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        KeyRows {
            key: self.key,
            first_step: self.first_step,
            last_step: later.last_step,
            last: later.last,
            min: pick(self.min, later.min, f64::min),
            max: pick(self.max, later.max, f64::max),
            non_finite: self.non_finite + later.non_finite,
            points: self.points + later.points,
        }
    }
}

/// The main keys in the order their levels are carried: loss, gradient norm, validation loss.
pub fn roles(keys: &Keys) -> [Option<&String>; ROLES] {
    [Some(&keys.loss), keys.grad.as_ref(), keys.val.as_ref()]
}

/// The new rows of each main key, then the epoch: the keys a look reports on.
pub fn summarize(keys: &Keys, tracks: &Tracks, from: u64) -> Vec<KeyRows> {
    roles(keys)
        .into_iter()
        .chain([keys.epoch.as_ref()])
        .flatten()
        .filter_map(|k| KeyRows::of(k, tracks.get(k)?, from))
        .collect()
}

/// Joins the rows of a later poll onto earlier ones, key by key.
pub fn join(earlier: Vec<KeyRows>, later: Vec<KeyRows>) -> Vec<KeyRows> {
    let mut out: Vec<KeyRows> = Vec::new();
    for rows in earlier {
        match later.iter().find(|l| l.key == rows.key) {
            Some(l) => out.push(rows.then(l.clone())),
            None => out.push(rows),
        }
    }
    let fresh: Vec<KeyRows> = later
        .into_iter()
        .filter(|l| !out.iter().any(|o| o.key == l.key))
        .collect();
    out.extend(fresh);
    out
}

/// Each main key's level after this look: the running level over its points (the stand-in
/// for earlier rows included, so a key with few new points keeps most of its old level), and
/// whether its last value is non-finite. A key with no new point (none at or after `from`)
/// keeps what it had.
pub fn levels(keys: &Keys, tracks: &Tracks, before: &[Level; ROLES], from: u64) -> [Level; ROLES] {
    let mut out = *before;
    for (slot, key) in out.iter_mut().zip(roles(keys)) {
        let Some(points) = key.and_then(|k| tracks.get(k)).map(|t| &t.series.points) else {
            continue;
        };
        let Some(last) = points.last().filter(|p| p.0 >= from) else {
            continue;
        };
        *slot = Level {
            level: running_level(points, points.len())
                .and_then(carried)
                .or(slot.level),
            non_finite: !last.1.is_finite(),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Series;

    fn track(points: Vec<(u64, f64)>) -> Track {
        Track::new(
            Series {
                points,
                complete: true,
            },
            (0, u64::MAX),
        )
    }

    #[test]
    fn summaries_skip_the_stand_in_and_join_across_polls() {
        let t = track(vec![(9, 5.0), (10, 2.0), (11, f64::NAN), (12, 1.0)]);
        let a = KeyRows::of("loss", &t, 10).unwrap();
        assert_eq!((a.first_step, a.last_step, a.last), (10, 12, 1.0));
        assert_eq!(
            (a.min, a.max, a.non_finite, a.points),
            (Some(1.0), Some(2.0), 1, 3)
        );
        assert!(KeyRows::of("loss", &t, 13).is_none());
        let b = KeyRows::of("loss", &track(vec![(13, 7.0)]), 13).unwrap();
        let j = join(vec![a], vec![b]);
        assert_eq!(j.len(), 1);
        assert_eq!((j[0].first_step, j[0].last_step, j[0].last), (10, 13, 7.0));
        assert_eq!((j[0].min, j[0].max, j[0].points), (Some(1.0), Some(7.0), 4));
    }
}
