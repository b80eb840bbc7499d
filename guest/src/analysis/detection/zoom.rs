//! Zoom rounds: narrow every open suspect, follow causes and consequences across keys, and
//! look up exact epochs, all windows of a round in one request.
//!
//! Cross-key reasoning: an explosion of the gradient norm too short for any coarse sample to
//! touch still shows in its consequences, a loss spike or a divergence that lasts longer. For
//! such a consequence with no explosion before it, the gradient norm is fetched whole over the
//! steps just before it; for an explosion with no consequence on the loss, the loss is fetched
//! whole just after it. Both windows are fewer steps than samples, so they come back unthinned
//! and what they find is exact.

use crate::model::{Series, Spec};

use super::detect::{self, Probe};
use super::finding::Finding;
use super::keys::Keys;
use super::tracks::Tracks;

/// Samples of a zoom window; a window of fewer steps comes back whole.
pub const ZOOM_SAMPLES: u32 = 2000;
/// Zoom rounds after the coarse pass: with the dense pass one round settles a suspect, a
/// second settles what the cross-key windows found and the epochs; the third is a reserve.
/// With the coarse pass's two requests, a diagnosis makes at most five.
pub const MAX_ZOOM_ROUNDS: u32 = 3;
/// How far back a consequence looks for its cause, and forward an explosion for its
/// consequence: one window of fewer steps than `ZOOM_SAMPLES`.
const CROSS_SPAN: u64 = ZOOM_SAMPLES as u64 - 2;
/// At most this many cross-key windows per diagnosis.
const MAX_CROSS_WINDOWS: usize = 4;

/// A window fetched on one key because of a suspect on another.
#[derive(Debug, Clone, PartialEq)]
struct CrossWindow {
    key: String,
    lo: u64,
    hi: u64,
}

/// What the zoom rounds looked up besides the probes: the clocks (epoch, step counter)
/// around settled steps.
#[derive(Default)]
pub struct Zoomed {
    clocks: Vec<(u64, Vec<Series>)>,
}

impl Zoomed {
    /// One window per clock ending at `step`, in [`Keys::clocks`] order.
    pub fn clock_windows(&self, step: u64) -> Option<&[Series]> {
        self.clocks
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, w)| w.as_slice())
    }
}

fn window(key: &str, lo: u64, hi: u64) -> Spec {
    Spec::of(key, ZOOM_SAMPLES, Some(lo), Some(hi))
}

/// A clock's window ending at `step`, no wider than the sample count: it comes back whole.
fn clock_window(key: &str, step: u64) -> Spec {
    window(key, step.saturating_sub(u64::from(ZOOM_SAMPLES) - 1), step)
}

fn is_consequence(probe: &Probe) -> bool {
    probe.kind == "spike" || probe.kind == "divergence"
}

/// Whether a suspect is pinned well enough to look around it: exact, or bracketed narrowly
/// enough that one window reaching `CROSS_SPAN` back from its candidate step also covers the
/// steps just before its true start. Wider brackets wait a round for their narrowing.
fn placed(probe: &Probe) -> bool {
    probe.exact || probe.hi - probe.lo <= CROSS_SPAN / 2
}

/// Windows to fetch on one key because of suspects on another (see the module docs), for the
/// suspects not `traced` yet; each suspect is traced once, and at most `MAX_CROSS_WINDOWS` in
/// all.
fn cross_windows(keys: &Keys, probes: &[Probe], traced: &mut Vec<usize>) -> Vec<CrossWindow> {
    let mut windows: Vec<CrossWindow> = Vec::new();
    let mut open = |i: usize, window: CrossWindow, traced: &mut Vec<usize>| {
        if traced.len() < MAX_CROSS_WINDOWS && !traced.contains(&i) {
            traced.push(i);
            windows.push(window);
        }
    };
    for (i, c) in probes.iter().enumerate() {
        let Some(grad) = &keys.grad else { break };
        if !is_consequence(c) || &c.key == grad || !placed(c) || traced.contains(&i) {
            continue;
        }
        let caused = probes.iter().any(|e| e.kind == "explosion" && e.hi <= c.hi);
        let covered = traced.iter().any(|&t| {
            let o = &probes[t];
            is_consequence(o) && o.hi.saturating_sub(CROSS_SPAN) <= c.hi && c.hi <= o.hi
        });
        if caused || covered {
            traced.push(i);
            continue;
        }
        let window = CrossWindow {
            key: grad.clone(),
            lo: c.hi.saturating_sub(CROSS_SPAN),
            hi: c.hi,
        };
        open(i, window, traced);
    }
    for (i, e) in probes.iter().enumerate() {
        if e.kind != "explosion" || !placed(e) || traced.contains(&i) {
            continue;
        }
        let followed = probes.iter().any(|c| {
            is_consequence(c) && c.key == keys.loss && c.hi >= e.lo && c.hi <= e.hi + CROSS_SPAN
        });
        if followed {
            traced.push(i);
            continue;
        }
        let window = CrossWindow {
            key: keys.loss.clone(),
            lo: e.lo,
            hi: e.lo + CROSS_SPAN,
        };
        open(i, window, traced);
    }
    windows
}

/// Merges a cross-key window into its key's track and returns the new suspects inside it.
fn follow(
    keys: &Keys,
    tracks: &mut Tracks,
    probes: &[Probe],
    w: &CrossWindow,
    got: &Series,
) -> Vec<Probe> {
    let Some(track) = tracks.get_mut(&w.key) else {
        return Vec::new();
    };
    track.merge((w.lo, w.hi), got);
    let track = &*track;
    let mut found: Vec<Probe> = Vec::new();
    if keys.grad.as_ref() == Some(&w.key) {
        found.extend(detect::explosion(&w.key, track));
    }
    if w.key == keys.loss {
        found.extend(detect::divergence(&w.key, track));
        found.extend(detect::spikes(&w.key, track));
    }
    found.retain(|new| {
        (w.lo..=w.hi).contains(&new.hi)
            && !probes.iter().any(|p| {
                p.kind == new.kind
                    && p.key == new.key
                    && p.found.is_some_and(|(s, _)| (w.lo..=w.hi).contains(&s))
            })
    });
    found
}

/// The zoom rounds of one run, as a state machine so that several runs' rounds can share a
/// request (`triage`): [`Zoom::next_round`] says which windows to fetch, [`Zoom::absorb`]
/// takes their answers in the same order (`diagnose` drives it for one run, through
/// [`super::Case`]).
#[derive(Default)]
pub struct Zoom {
    zoomed: Zoomed,
    traced: Vec<usize>,
    rounds: u32,
}

/// One round's windows: `specs` to fetch, and what each answer is for.
pub struct Round {
    open: Vec<usize>,
    cross: Vec<CrossWindow>,
    lookups: Vec<u64>,
    pub specs: Vec<Spec>,
}

impl Zoom {
    /// The next round's windows, or `None` when nothing is left to narrow or look up (or the
    /// rounds are spent).
    pub fn next_round(
        &mut self,
        keys: &Keys,
        probes: &[Probe],
        settled: &[Finding],
    ) -> Option<Round> {
        if self.rounds >= MAX_ZOOM_ROUNDS {
            return None;
        }
        let cross = cross_windows(keys, probes, &mut self.traced);
        let open: Vec<usize> = (0..probes.len()).filter(|&i| !probes[i].exact).collect();
        // Steps settled without clock windows around them get them looked up.
        let clocks = keys.clocks();
        let mut lookups: Vec<u64> = Vec::new();
        if !clocks.is_empty() {
            let zoomed = &self.zoomed;
            let known = |step: u64, windows: &[Series]| {
                windows.first().is_some_and(|w| {
                    w.complete || w.at_or_before(step).is_some_and(|(s, _)| s == step)
                }) || zoomed.clock_windows(step).is_some()
            };
            lookups = probes
                .iter()
                .filter(|p| p.exact)
                .filter_map(|p| p.found.map(|f| f.0).filter(|&s| !known(s, &p.clocks)))
                .chain(settled.iter().map(|f| f.step).filter(|&s| !known(s, &[])))
                .collect();
            lookups.sort_unstable();
            lookups.dedup();
        }
        if open.is_empty() && lookups.is_empty() && cross.is_empty() {
            return None;
        }
        self.rounds += 1;
        let mut specs = Vec::new();
        for &i in &open {
            let p = &probes[i];
            specs.push(window(&p.key, p.lo, p.hi));
            // The candidate step is always `hi`; the clock windows ending there come back whole.
            specs.extend(clocks.iter().map(|c| clock_window(c, p.hi)));
        }
        specs.extend(cross.iter().map(|w| window(&w.key, w.lo, w.hi)));
        for &step in &lookups {
            specs.extend(clocks.iter().map(|c| clock_window(c, step)));
        }
        Some(Round {
            open,
            cross,
            lookups,
            specs,
        })
    }

    /// Takes a round's answers (one series per spec, in order).
    pub fn absorb(
        &mut self,
        round: Round,
        keys: &Keys,
        tracks: &mut Tracks,
        probes: &mut Vec<Probe>,
        answers: Vec<Series>,
    ) {
        let clocks = keys.clocks().len();
        let mut answers = answers.into_iter();
        for &i in &round.open {
            let got = answers.next().unwrap_or_default();
            let windows = answers.by_ref().take(clocks).collect();
            probes[i].narrow(&got, windows);
        }
        let mut found = Vec::new();
        for w in &round.cross {
            let got = answers.next().unwrap_or_default();
            found.extend(follow(keys, tracks, probes, w, &got));
        }
        probes.extend(found);
        for step in round.lookups {
            let windows = answers.by_ref().take(clocks).collect();
            self.zoomed.clocks.push((step, windows));
        }
    }

    pub fn finish(self) -> Zoomed {
        self.zoomed
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use super::*;
    use crate::analysis::detection::detect::Track;

    fn keys() -> Keys {
        Keys {
            loss: "loss".into(),
            grad: Some("grad_norm".into()),
            val: None,
            epoch: None,
            counter: None,
            guessed: false,
        }
    }

    /// Points every `every` steps of `[lo, hi]`: 1 everywhere, `high` on `raised`.
    fn curve(lo: u64, hi: u64, every: u64, raised: Range<u64>, high: f64) -> Vec<(u64, f64)> {
        (lo..=hi)
            .step_by(every as usize)
            .map(|s| (s, if raised.contains(&s) { high } else { 1.0 }))
            .collect()
    }

    /// A thinned track over `[0, last]`.
    fn unsampled(points: Vec<(u64, f64)>, last: u64) -> Track {
        let series = Series {
            points,
            complete: false,
        };
        Track::new(series, (0, last))
    }

    /// A loss spike that lasts; an explosion of the gradient norm too short to be sampled.
    #[test]
    fn a_loss_spike_leads_to_the_explosion_before_it() {
        let mut tracks = Tracks::default();
        tracks.set(
            "loss",
            unsampled(curve(0, 100_000, 100, 50_003..52_000, 3.0), 100_000),
        );
        tracks.set(
            "grad_norm",
            unsampled(curve(0, 100_000, 100, 0..0, 1.0), 100_000),
        );
        let probes = crate::analysis::detection::tracks::suspects(&keys(), &tracks);
        assert_eq!(probes.len(), 1, "{probes:?}");
        let cross = cross_windows(&keys(), &probes, &mut Vec::new());
        assert_eq!(
            cross,
            vec![CrossWindow {
                key: "grad_norm".into(),
                lo: 50_100 - CROSS_SPAN,
                hi: 50_100
            }]
        );
        // The whole window, with the explosion at 50,000 for 20 steps.
        let got = Series {
            points: curve(cross[0].lo, cross[0].hi, 1, 50_000..50_020, 50.0),
            complete: true,
        };
        let found = follow(&keys(), &mut tracks, &probes, &cross[0], &got);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].kind, found[0].found),
            ("explosion", Some((50_000, 50.0)))
        );
        assert!(found[0].exact);
    }

    #[test]
    fn a_widely_bracketed_consequence_waits_for_its_narrowing() {
        let mut tracks = Tracks::default();
        // Loss sampled every 5,000 steps: the spike's bracket is 5,000 wide.
        let loss = curve(0, 1_000_000, 5_000, 500_000..520_000, 3.0);
        tracks.set("loss", unsampled(loss, 1_000_000));
        tracks.set(
            "grad_norm",
            unsampled(curve(0, 1_000_000, 5_000, 0..0, 1.0), 1_000_000),
        );
        let mut probes = crate::analysis::detection::tracks::suspects(&keys(), &tracks);
        assert_eq!((probes[0].lo, probes[0].hi), (495_001, 500_000));
        let mut traced = Vec::new();
        assert!(cross_windows(&keys(), &probes, &mut traced).is_empty());
        // Narrowed to its exact start, it is traced back once.
        probes[0].lo = 497_123;
        probes[0].hi = 497_123;
        probes[0].exact = true;
        let windows = cross_windows(&keys(), &probes, &mut traced);
        assert_eq!(windows.len(), 1);
        assert_eq!(
            (windows[0].lo, windows[0].hi),
            (497_123 - CROSS_SPAN, 497_123)
        );
        assert!(cross_windows(&keys(), &probes, &mut traced).is_empty());
    }

    #[test]
    fn an_explosion_without_consequence_looks_ahead_on_the_loss() {
        let mut tracks = Tracks::default();
        tracks.set(
            "grad_norm",
            unsampled(curve(0, 10_000, 10, 5_000..5_001, 40.0), 10_000),
        );
        tracks.set("loss", unsampled(curve(0, 10_000, 10, 0..0, 1.0), 10_000));
        let probes = crate::analysis::detection::tracks::suspects(&keys(), &tracks);
        assert_eq!(probes[0].kind, "explosion");
        assert_eq!(
            cross_windows(&keys(), &probes, &mut Vec::new()),
            vec![CrossWindow {
                key: "loss".into(),
                lo: 4_991,
                hi: 4_991 + CROSS_SPAN
            }]
        );
    }
}
