//! The observed points of each watched key, grown by each window a source answers.

use crate::model::Series;

use super::detect::{self, Track};
use super::keys::Keys;

/// The observed points of each key, by name.
#[derive(Default)]
pub struct Tracks(Vec<(String, Track)>);

impl Tracks {
    pub fn get(&self, key: &str) -> Option<&Track> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Track> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    pub fn set(&mut self, key: &str, track: Track) {
        match self.get_mut(key) {
            Some(t) => *t = track,
            None => self.0.push((key.to_string(), track)),
        }
    }

    /// Tracks of whole-run series (the coarse pass) over `[0, last_step]`.
    pub fn whole_run(
        series: impl IntoIterator<Item = (String, Series)>,
        last_step: Option<u64>,
    ) -> Tracks {
        let range = (0, last_step.unwrap_or(u64::MAX));
        let mut tracks = Tracks::default();
        for (key, s) in series {
            tracks.set(&key, Track::new(s, range));
        }
        tracks
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Adds (or replaces) `other`'s tracks.
    pub fn absorb(&mut self, other: Tracks) {
        for (key, track) in other.0 {
            self.set(&key, track);
        }
    }

    pub fn series(&self, key: Option<&String>) -> Option<&Series> {
        key.and_then(|k| self.get(k)).map(|t| &t.series)
    }
}

/// Suspects on the coarse pass: an explosion of the gradient norm, the first non-finite value
/// of each key, spikes of the loss.
pub fn suspects(keys: &Keys, tracks: &Tracks) -> Vec<detect::Probe> {
    let mut probes = Vec::new();
    if let Some((key, track)) = keys.grad.as_ref().and_then(|k| Some((k, tracks.get(k)?))) {
        probes.extend(detect::explosion(key, track));
    }
    for key in [Some(&keys.loss), keys.val.as_ref(), keys.grad.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(track) = tracks.get(key) {
            probes.extend(detect::divergence(key, track));
        }
    }
    if let Some(track) = tracks.get(&keys.loss) {
        probes.extend(detect::spikes(&keys.loss, track));
    }
    probes
}
