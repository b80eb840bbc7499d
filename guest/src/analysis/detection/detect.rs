//! Detectors of events: what counts as an explosion, a divergence or a spike on one key's
//! points, and the probe that narrows each suspect down to its exact first step. (Trends read
//! off the coarse pass alone are in `trends`.)

use crate::model::Series;
use crate::text::numfmt::format_sig;

use super::finding::DIGITS;

/// Previous points whose median is a key's "running level".
pub const LEVEL_WINDOW: usize = 20;
const MIN_LEVEL_POINTS: usize = 5;
/// A gradient norm this many times its running level has exploded.
pub const EXPLOSION_FACTOR: f64 = 10.0;
/// A loss this many times its running level spikes; below `RECOVERED_FACTOR` it has recovered.
const SPIKE_FACTOR: f64 = 2.0;
const RECOVERED_FACTOR: f64 = 1.5;
const MAX_SPIKES: usize = 3;

/// One key's observed points, and the step ranges known to hold every logged row (windows
/// that came back unthinned): a suspect inside one of them is already exact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    pub series: Series,
    pub whole: Vec<(u64, u64)>,
}

impl Track {
    /// A series fetched over `range`; all of it is whole when it came back unthinned.
    pub fn new(series: Series, range: (u64, u64)) -> Track {
        let whole = if series.complete { vec![range] } else { vec![] };
        Track { series, whole }
    }

    /// Whether every logged row of `[lo, hi]` is known.
    pub fn covers(&self, lo: u64, hi: u64) -> bool {
        self.whole.iter().any(|&(a, b)| a <= lo && hi <= b)
    }

    /// Replaces the points of `[lo, hi]` with a zoom window's answer.
    pub fn merge(&mut self, (lo, hi): (u64, u64), window: &Series) {
        let points = &mut self.series.points;
        points.retain(|p| p.0 < lo || p.0 > hi);
        points.extend(window.points.iter().copied());
        points.sort_by_key(|p| p.0);
        if window.complete {
            self.whole.push((lo, hi));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    NonFinite,
    Above(f64),
}

impl Event {
    fn hit(&self, v: f64) -> bool {
        match *self {
            Event::NonFinite => !v.is_finite(),
            Event::Above(threshold) => v > threshold,
        }
    }
}

/// A suspect being narrowed: the first step in `[lo, hi]` where `event` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub kind: &'static str,
    pub key: String,
    pub event: Event,
    pub lo: u64,
    pub hi: u64,
    pub found: Option<(u64, f64)>,
    pub exact: bool,
    /// The clocks (epoch, step counter: [`Keys::clocks`]) around `hi`, from the zoom round
    /// that settled it.
    pub clocks: Vec<Series>,
    /// The running level the event is measured against (explosions and spikes).
    pub level: Option<f64>,
    /// What follows the ratio in the finding's detail.
    pub note: String,
}

impl Probe {
    /// From a track: the first point where `event` holds, at or after index `from`; the
    /// window reaches back to just after the point before it.
    fn locate(
        kind: &'static str,
        key: &str,
        track: &Track,
        event: Event,
        from: usize,
    ) -> Option<Probe> {
        let points = &track.series.points;
        let i = (from..points.len()).find(|&i| event.hit(points[i].1))?;
        let (step, value) = points[i];
        let lo = if i == 0 { 0 } else { points[i - 1].0 + 1 };
        Some(Probe {
            kind,
            key: key.to_string(),
            event,
            lo,
            hi: step,
            found: Some((step, value)),
            exact: lo == step || track.covers(lo, step),
            clocks: Vec::new(),
            level: None,
            note: String::new(),
        })
    }

    /// Takes a zoom window's answer: exact when unsampled, else a narrower window.
    pub fn narrow(&mut self, window: &Series, clocks: Vec<Series>) {
        if let Some(i) = window.points.iter().position(|p| self.event.hit(p.1)) {
            let (step, value) = window.points[i];
            self.found = Some((step, value));
            if i > 0 {
                self.lo = window.points[i - 1].0 + 1;
            }
            self.hi = step;
        }
        self.exact = window.complete || self.lo == self.hi;
        self.clocks = clocks;
    }

    /// The finding's detail: the ratio of the reported value to the reported level.
    pub fn detail(&self) -> String {
        let ratio = match (self.level, self.found) {
            (Some(level), Some((_, value))) => format!(
                "{} its running level {}; ",
                times(value / level),
                format_sig(level, DIGITS)
            ),
            _ => String::new(),
        };
        let where_ = if self.exact {
            "exact step"
        } else {
            "approximate step: sampling never narrowed it"
        };
        format!("{ratio}{} ({where_})", self.note)
    }
}

fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("×{}", format_sig(ratio, 2))
    } else {
        "×inf".into()
    }
}

/// The median of the finite values among the up-to-`LEVEL_WINDOW` points before `i`.
pub fn running_level(points: &[(u64, f64)], i: usize) -> Option<f64> {
    let mut window: Vec<f64> = points[i.saturating_sub(LEVEL_WINDOW)..i]
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    if window.len() < MIN_LEVEL_POINTS {
        return None;
    }
    window.sort_by(f64::total_cmp);
    Some(window[window.len() / 2])
}

pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// The first point far above the running level of the gradient norm.
pub fn explosion(key: &str, track: &Track) -> Option<Probe> {
    let pts = &track.series.points;
    let i = (0..pts.len()).find(|&i| {
        let v = pts[i].1;
        v == f64::INFINITY
            || running_level(pts, i)
                .is_some_and(|level| level > 0.0 && v > EXPLOSION_FACTOR * level)
    })?;
    let level = running_level(pts, i).unwrap_or(0.0);
    let mut probe = Probe::locate(
        "explosion",
        key,
        track,
        Event::Above(EXPLOSION_FACTOR * level),
        i,
    )?;
    probe.level = (level > 0.0).then_some(level);
    probe.note = format!("first step above {EXPLOSION_FACTOR}×");
    Some(probe)
}

/// The first non-finite value.
pub fn divergence(key: &str, track: &Track) -> Option<Probe> {
    let mut probe = Probe::locate("divergence", key, track, Event::NonFinite, 0)?;
    let onset = probe.hi;
    let recovers = track
        .series
        .points
        .iter()
        .any(|p| p.0 > onset && p.1.is_finite());
    probe.note = if recovers {
        "first non-finite value; finite values follow"
    } else {
        "first non-finite value; non-finite to the end"
    }
    .into();
    Some(probe)
}

/// Sharp rises of the loss that come back down, before any divergence; the largest few.
pub fn spikes(key: &str, track: &Track) -> Vec<Probe> {
    let pts = &track.series.points;
    let end = pts
        .iter()
        .position(|p| !p.1.is_finite())
        .unwrap_or(pts.len());
    let mut found: Vec<(f64, Probe)> = Vec::new();
    let mut i = 0;
    while i < end {
        let Some(level) = running_level(&pts[..end], i).filter(|l| *l > 0.0) else {
            i += 1;
            continue;
        };
        if pts[i].1 <= SPIKE_FACTOR * level {
            i += 1;
            continue;
        }
        let Some(j) = (i + 1..end).find(|&j| pts[j].1 <= RECOVERED_FACTOR * level) else {
            break; // Never came back: a level shift or a divergence, not a spike.
        };
        let (peak_step, peak) =
            pts[i..j]
                .iter()
                .copied()
                .fold((0, f64::MIN), |a, p| if p.1 > a.1 { p } else { a });
        let event = Event::Above(SPIKE_FACTOR * level);
        if let Some(mut probe) = Probe::locate("spike", key, track, event, i) {
            probe.level = Some(level);
            probe.note = format!(
                "peak {} at ~{peak_step}; recovered by ~{}",
                format_sig(peak, DIGITS),
                pts[j].0
            );
            found.push((peak / level, probe));
        }
        i = j;
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().take(MAX_SPIKES).map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(points: Vec<(u64, f64)>, complete: bool) -> Track {
        Track::new(Series { points, complete }, (0, u64::MAX))
    }

    fn jump_at_600() -> Vec<(u64, f64)> {
        (0..100)
            .map(|i| (i * 10, if i >= 60 { 50.0 } else { 1.0 }))
            .collect()
    }

    #[test]
    fn explosion_window_brackets_the_jump() {
        let probe = explosion("g", &track(jump_at_600(), false)).unwrap();
        assert_eq!((probe.lo, probe.hi), (591, 600));
        assert!(!probe.exact);
        assert!(
            probe.detail().starts_with("×50 its running level 1;"),
            "{}",
            probe.detail()
        );
    }

    #[test]
    fn narrowing_ends_exact_and_the_ratio_follows_the_value() {
        let mut probe = explosion("g", &track(jump_at_600(), false)).unwrap();
        let window = Series {
            points: (591..=600)
                .map(|s| (s, if s >= 597 { 20.0 } else { 1.0 }))
                .collect(),
            complete: true,
        };
        probe.narrow(&window, Vec::new());
        assert_eq!(probe.found, Some((597, 20.0)));
        assert!(probe.exact);
        assert_eq!(
            probe.detail(),
            "×20 its running level 1; first step above 10× (exact step)"
        );
    }

    #[test]
    fn a_suspect_inside_a_whole_window_is_exact() {
        let mut t = track(jump_at_600(), false);
        assert!(!explosion("g", &t).unwrap().exact);
        let window = Series {
            points: (500..=700)
                .map(|s| (s, if s >= 597 { 50.0 } else { 1.0 }))
                .collect(),
            complete: true,
        };
        t.merge((500, 700), &window);
        let probe = explosion("g", &t).unwrap();
        assert_eq!((probe.hi, probe.exact), (597, true));
    }

    #[test]
    fn spike_needs_recovery() {
        let mut pts: Vec<(u64, f64)> = (0..100).map(|i| (i, 1.0)).collect();
        for p in pts.iter_mut().skip(40).take(5) {
            p.1 = 3.0;
        }
        let found = spikes("loss", &track(pts.clone(), true));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].found, Some((40, 3.0)));
        assert!(found[0].exact);
        for p in pts.iter_mut().skip(40) {
            p.1 = 3.0;
        }
        assert!(
            spikes("loss", &track(pts, true)).is_empty(),
            "a level shift is not a spike"
        );
    }
}
