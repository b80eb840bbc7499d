//! The dense pass: what a run's first look (its keys, and one whole-run spec of each usual
//! name) leaves to fetch — the dense windows ([`Plan::dense`]) of every watched key that came
//! back thinned, and one whole-run spec of each guessed key or clock the first look did not
//! name. `diagnose` fetches them for one run in one request; `triage` fetches those of many
//! runs together ([`crate::source::wandb::batch`]).

use crate::model::Coverage;
use crate::model::{Series, Spec};
use crate::source::plan::{self as coverage, Plan};

use super::detect::Track;
use super::keys::Keys;
use super::tracks::Tracks;

pub struct Dense {
    whole_run: (u64, u64),
    plan: Option<Plan>,
    /// Each key asked, in spec order: densely (by the plan) or with one whole-run spec.
    asked: Vec<(String, bool)>,
    /// Samples of a whole-run spec (the first look's).
    samples: u32,
}

impl Dense {
    /// What to fetch after a first look that gave `tracks` with whole-run specs of `samples`
    /// samples, over a run whose last step is `last_step` (unknown: no dense windows).
    pub fn plan(keys: &Keys, tracks: &Tracks, last_step: Option<u64>, samples: u32) -> Dense {
        Dense::after(0, keys, tracks, last_step, samples)
    }

    /// [`Dense::plan`] for the rows from step `from` on (`watch`'s new rows).
    pub fn after(
        from: u64,
        keys: &Keys,
        tracks: &Tracks,
        last_step: Option<u64>,
        samples: u32,
    ) -> Dense {
        let thinned: Vec<&String> = keys
            .watched()
            .into_iter()
            .filter(|k| tracks.get(k).is_none_or(|t| !t.series.complete))
            .collect();
        let plan = last_step.map(|l| Plan::dense(from, l, thinned.len()));
        let mut asked: Vec<(String, bool)> = Vec::new();
        for key in thinned {
            if plan.is_some() {
                asked.push((key.clone(), true));
            } else if !tracks.has(key) {
                asked.push((key.clone(), false));
            }
        }
        for clock in keys.clocks().into_iter().filter(|c| !tracks.has(c)) {
            asked.push((clock.clone(), false));
        }
        Dense {
            whole_run: (from, last_step.unwrap_or(u64::MAX)),
            plan,
            asked,
            samples,
        }
    }

    /// The specs to fetch, in order; none when the first look settled everything.
    pub fn specs(&self) -> Vec<Spec> {
        self.asked
            .iter()
            .flat_map(|(key, dense)| match (&self.plan, dense) {
                (Some(p), true) => p.specs(std::slice::from_ref(key)),
                _ => vec![Spec::of(key, self.samples, self.from(), None)],
            })
            .collect()
    }

    /// The lower step bound of whole-range specs (none from step 0, as before `watch`).
    fn from(&self) -> Option<u64> {
        Some(self.whole_run.0).filter(|&f| f > 0)
    }

    /// Takes the answers to [`Dense::specs`] (one series per spec, in order) into `tracks`,
    /// and says what the passes covered of the watched keys.
    pub fn absorb(&self, keys: &Keys, tracks: &mut Tracks, answers: Vec<Series>) -> Coverage {
        let mut answers = answers.into_iter();
        let mut dense_thinned = false;
        for (key, dense) in &self.asked {
            let track = match (&self.plan, dense) {
                (Some(p), true) => {
                    let (series, whole) = coverage::take_key(p, &mut answers);
                    dense_thinned |= !series.complete;
                    Track { series, whole }
                }
                _ => Track::new(answers.next().unwrap_or_default(), self.whole_run),
            };
            tracks.set(key, track);
        }
        match &self.plan {
            Some(p) if dense_thinned => Coverage::of(p, true),
            _ if keys
                .watched()
                .iter()
                .any(|k| tracks.get(k).is_some_and(|t| !t.series.complete)) =>
            {
                Coverage::Unsized {
                    samples: self.samples,
                }
            }
            _ => Coverage::Every,
        }
    }
}
