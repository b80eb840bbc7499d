//! One run's detection from its coarse pass to its findings.

use crate::model::Series;

use super::finding::Finding;
use super::keys::Keys;
use super::tracks::{suspects, Tracks};
use super::{clock, detect, readings, trends, zoom};
use crate::analysis::dynamics::schedule::Schedule;

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
    /// minimum).
    pub fn open(keys: Keys, tracks: Tracks) -> Case {
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
        Case {
            keys,
            tracks,
            probes,
            coarse_findings,
            zoom: zoom::Zoom::default(),
        }
    }

    /// The training-dynamics findings of the tracks, once the zoom rounds placed the events:
    /// a real plateau and the verdicts of a loss that did not diverge, growth before the
    /// first divergence or explosion. With the `schedule`, a plateau says what ended it.
    pub fn dynamics(&self, schedule: Option<&Schedule>) -> Vec<Finding> {
        let mut out = Vec::new();
        let found = |kinds: &[&str], key: &String| {
            self.probes
                .iter()
                .filter(|p| kinds.contains(&p.kind) && &p.key == key)
                .filter_map(|p| p.found.map(|f| (f.0, p.kind)))
                .min()
        };
        let diverged = |key: &String| found(&["divergence"], key).is_some();
        if let Some(loss) = self.tracks.series(Some(&self.keys.loss)) {
            if !diverged(&self.keys.loss) {
                out.extend(readings::plateau(&self.keys.loss, loss, schedule));
                out.extend(readings::verdict(&self.keys.loss, loss));
            }
            let length = loss.points.last().map_or(0, |p| p.0);
            let event = [Some(&self.keys.loss), self.keys.grad.as_ref()]
                .into_iter()
                .flatten()
                .filter_map(|k| found(&["divergence", "explosion"], k))
                .min();
            let rising = self.keys.grad.as_ref().unwrap_or(&self.keys.loss);
            if let (Some((until, kind)), Some(series)) = (event, self.tracks.series(Some(rising))) {
                out.extend(readings::growth(rising, series, until, kind, length));
            }
        }
        if let Some(val_key) = self.keys.val.as_ref().filter(|k| !diverged(k)) {
            if let Some(val) = self.tracks.series(Some(val_key)) {
                out.extend(readings::verdict(val_key, val));
            }
        }
        out
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
