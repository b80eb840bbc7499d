//! One run's detection from its coarse pass to its findings.

use crate::model::Series;

use super::finding::Finding;
use super::keys::Keys;
use super::tracks::{suspects, Tracks};
use super::{clock, detect, trends, zoom};

/// One run's analysis between its coarse pass and its findings: the suspects, what the coarse
/// pass settled by itself, and the zoom rounds still to run. `diagnose` drives one case with a
/// request per round; `triage` drives many, one request per round for all of them.
pub struct Case {
    pub keys: Keys,
    tracks: Tracks,
    probes: Vec<detect::Probe>,
    coarse_findings: Vec<Finding>,
    zoom: zoom::Zoom,
}

impl Case {
    /// The suspects on the coarse pass and the findings it settles alone (a validation
    /// minimum; a plateau when `plateau` is asked for).
    pub fn open(keys: Keys, tracks: Tracks, plateau: bool) -> Case {
        let probes = suspects(&keys, &tracks);
        let diverged_at = probes
            .iter()
            .filter(|p| p.kind == "divergence" && p.key == keys.loss)
            .map(|p| p.hi)
            .min();
        let loss = tracks.series(Some(&keys.loss)).cloned().unwrap_or_default();
        let mut coarse_findings: Vec<Finding> = Vec::new();
        if let (Some(val), Some(val_key)) = (tracks.series(keys.val.as_ref()), &keys.val) {
            coarse_findings.extend(trends::overfitting(
                val_key,
                val,
                &keys.loss,
                &loss,
                diverged_at,
            ));
        }
        if plateau && diverged_at.is_none() {
            coarse_findings.extend(trends::plateau(&keys.loss, &loss));
        }
        Case {
            keys,
            tracks,
            probes,
            coarse_findings,
            zoom: zoom::Zoom::default(),
        }
    }

    /// The next zoom round's windows (see [`zoom::Zoom`]).
    pub fn next_round(&mut self) -> Option<zoom::Round> {
        self.zoom
            .next_round(&self.keys, &self.probes, &self.coarse_findings)
    }

    pub fn absorb(&mut self, round: zoom::Round, answers: Vec<Series>) {
        self.zoom.absorb(
            round,
            &self.keys,
            &mut self.tracks,
            &mut self.probes,
            answers,
        );
    }

    /// The findings, in step order, each with its epoch and step counter; `extra` ones (how
    /// the run died) are added with theirs.
    pub fn close(self, extra: Vec<Finding>) -> (Vec<Finding>, Keys) {
        let Case {
            keys,
            tracks,
            probes,
            coarse_findings,
            zoom,
            ..
        } = self;
        let zoomed = zoom.finish();
        // Each clock (epoch, step counter) at a step: from the zoom windows around it, else
        // from the coarse pass.
        let clock_of = |which: &Option<String>, step: u64, windows: &[Series]| {
            let Some(key) = which else {
                return String::new();
            };
            let i = keys.clocks().iter().position(|c| *c == key).unwrap_or(0);
            let window = zoomed
                .clock_windows(step)
                .and_then(|w| w.get(i))
                .or(windows.get(i));
            clock::epoch_at(step, window, tracks.series(Some(key)))
        };
        let mut findings: Vec<Finding> = probes
            .iter()
            .filter_map(|probe| {
                let (step, value) = probe.found?;
                Some(Finding {
                    kind: probe.kind,
                    key: probe.key.clone(),
                    step,
                    epoch: clock_of(&keys.epoch, step, &probe.clocks),
                    counter: clock_of(&keys.counter, step, &probe.clocks),
                    value,
                    detail: probe.detail(),
                })
            })
            .collect();
        for mut f in coarse_findings.into_iter().chain(extra) {
            f.epoch = clock_of(&keys.epoch, f.step, &[]);
            f.counter = clock_of(&keys.counter, f.step, &[]);
            findings.push(f);
        }
        findings.sort_by_key(|f| f.step);
        (findings, keys)
    }
}
