//! `diagnose`: find what went wrong in a run, to the exact step.
//!
//! 1. A dense coarse pass (see [`crate::wandb::coverage`]) over the loss, gradient-norm and
//!    validation keys finds suspects ([`detect`]): gradient explosions, non-finite values,
//!    loss spikes, overfitting, a plateau. The first request also carries the run's keys; the
//!    dense windows follow in a second one once the run's length is known.
//! 2. Zoom rounds ([`zoom`]) narrow each suspect between the last sampled step before it and
//!    the first after it until a window comes back unthinned, look for the cause of a loss
//!    spike or divergence in the gradient norm just before it (and for the consequence of an
//!    explosion just after it), and look up the exact epoch. All windows of a round go in one
//!    request.
//! 3. [`render`] writes one CSV row per finding and a `#` line saying what was covered.

pub mod crash;
mod dense;
pub mod detect;
mod keys;
pub mod render;
mod trends;
mod zoom;

use wandb_agent_commands::Diagnose;

use crate::error::Result;
use crate::ops::Run;
use crate::wandb::console::RunState;
use crate::wandb::coverage::{self, Coverage};
use crate::wandb::graphql::Counting;
use crate::wandb::paths::{self, RunPath};
use crate::wandb::sampled;
use crate::wandb::series::{Series, Spec};
use crate::wandb::Client;

pub use self::dense::Dense;
use self::detect::Track;
pub use self::keys::{guess_keys, KeyChoice, Keys};

/// Samples of a single whole-run spec (the first request's, and the epoch's).
pub const COARSE_SAMPLES: u32 = coverage::SAMPLES_PER_WINDOW;
/// Significant digits of values in findings.
const DIGITS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: &'static str,
    pub key: String,
    pub step: u64,
    pub epoch: String,
    /// The run's step counter at `step` (empty when it logs none).
    pub counter: String,
    pub value: f64,
    pub detail: String,
}

pub struct Report {
    pub findings: Vec<Finding>,
    pub keys: Keys,
    pub last_step: Option<u64>,
    pub coverage: Coverage,
    pub requests: u32,
}

impl Run for Diagnose {
    fn run(self, client: &Client) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let given = |k: Option<String>| k.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
        let choice = KeyChoice {
            loss: given(self.loss_key),
            grad: given(self.grad_key),
            val: given(self.val_key),
        };
        diagnose(client, &run, &choice)
    }
}

pub fn diagnose(client: &Client, run: &RunPath, choice: &KeyChoice) -> Result<String> {
    let report = run_diagnosis(client, run, choice)?;
    Ok(render::render(&report))
}

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

    fn set(&mut self, key: &str, track: Track) {
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

    fn series(&self, key: Option<&String>) -> Option<&Series> {
        key.and_then(|k| self.get(k)).map(|t| &t.series)
    }
}

pub use self::keys::speculative;

/// What the coarse pass saw.
struct Coarse {
    run: RunState,
    keys: Keys,
    last_step: Option<u64>,
    tracks: Tracks,
    coverage: Coverage,
}

/// Round trip 1: the run's keys and one whole-run spec for each usual name (or given one);
/// for a short run that is every row. Round trip 2, when needed: the dense windows for the
/// keys that came back thinned, and any guessed key the first request did not name.
fn coarse_pass(client: &Client, run: &RunPath, choice: &KeyChoice) -> Result<Coarse> {
    let speculative = keys::speculative(choice);
    let specs: Vec<Spec> = speculative
        .iter()
        .map(|k| Spec::of(k, COARSE_SAMPLES, None, None))
        .collect();
    let first = sampled::fetch(client, run, &specs, true)?;
    let last_step = first.last_step();
    let available = sampled::available_keys(first.history_keys.as_ref()).unwrap_or_default();
    for given in [&choice.loss, &choice.grad, &choice.val]
        .into_iter()
        .flatten()
    {
        if !available.is_empty() && !available.contains(given) {
            crate::ops::history::check_keys(
                first.history_keys.as_ref(),
                std::slice::from_ref(given),
                run,
            )?;
        }
    }
    let keys = guess_keys(&available, choice)?;
    let mut tracks = Tracks::whole_run(speculative.iter().cloned().zip(first.series), last_step);
    let dense = Dense::plan(&keys, &tracks, last_step, COARSE_SAMPLES);
    let specs = dense.specs();
    let answers = if specs.is_empty() {
        Vec::new()
    } else {
        sampled::fetch(client, run, &specs, false)?.series
    };
    let coverage = dense.absorb(&keys, &mut tracks, answers);
    Ok(Coarse {
        run: first.run,
        keys,
        last_step,
        tracks,
        coverage,
    })
}

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
            render::epoch_at(step, window, tracks.series(Some(key)))
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

pub fn run_diagnosis(client: &Client, run: &RunPath, choice: &KeyChoice) -> Result<Report> {
    let counting = Counting::new(client.transport);
    let counted = client.via(&counting);
    let Coarse {
        run: state,
        keys,
        last_step,
        tracks,
        coverage,
    } = coarse_pass(&counted, run, choice)?;
    let mut case = Case::open(keys, tracks, true);
    while let Some(round) = case.next_round() {
        let reply = sampled::fetch(&counted, run, &round.specs, false)?;
        case.absorb(round, reply.series);
    }
    // A run that died: why, from its console and system metrics (one more request).
    let ended = crash::findings(&counted, run, &state, last_step.unwrap_or(0))?;
    let (findings, keys) = case.close(ended);
    Ok(Report {
        findings,
        keys,
        last_step,
        coverage,
        requests: counting.count(),
    })
}

/// Suspects on the coarse pass: an explosion of the gradient norm, the first non-finite value
/// of each key, spikes of the loss.
fn suspects(keys: &Keys, tracks: &Tracks) -> Vec<detect::Probe> {
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
