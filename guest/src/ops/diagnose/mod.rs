//! `diagnose`: find what went wrong in a run, to the exact step.
//!
//! This module drives the source; the detection itself is `analysis::detection`.
//!
//! 1. A dense coarse pass over the loss, gradient-norm and validation keys finds suspects
//!    (`detection::detect`): gradient explosions, non-finite values, loss spikes, overfitting,
//!    a plateau. The first look also carries the run's keys; the dense windows follow in a
//!    second one once the run's length is known.
//! 2. Zoom rounds (`detection::zoom`) narrow each suspect between the last sampled step before it and
//!    the first after it until a window comes back unthinned, look for the cause of a loss
//!    spike or divergence in the gradient norm just before it (and for the consequence of an
//!    explosion just after it), and look up the exact epoch. All windows of a round go in one
//!    request.
//! 3. A run that died: why, from its crash context (`detection::crash`).
//! 4. The training dynamics (`detection::readings`): the learning-rate schedule and the
//!    layers' gradient histograms, read in request 2 ([`extra`]), with the tracks give the
//!    schedule, verdicts, a real plateau, growth and layer findings, and cause links.
//! 5. [`render`] writes one CSV row per problem, then the information rows, and a `#` line
//!    saying what was covered.

mod extra;
mod render;

use render::Report;

use wandb_agent_commands::Diagnose;

use crate::analysis::detection::{
    crash, guess_keys, keys, readings, Case, Dense, KeyChoice, Keys, Tracks,
};
use crate::error::Result;
use crate::model::paths::{self, RunPath};
use crate::model::{Coverage, RunState, Spec};
use crate::ops::{Context, Run};
use crate::source::plan as coverage;
use crate::source::Source;

/// Samples of a single whole-run spec (the first request's, and the epoch's).
pub const COARSE_SAMPLES: u32 = coverage::SAMPLES_PER_WINDOW;

impl Run for Diagnose {
    fn run(self, cx: &Context) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let given = |k: Option<String>| k.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
        let choice = KeyChoice {
            loss: given(self.loss_key),
            grad: given(self.grad_key),
            val: given(self.val_key),
        };
        diagnose(cx.source, &run, &choice)
    }
}

pub fn diagnose(source: &dyn Source, run: &RunPath, choice: &KeyChoice) -> Result<String> {
    let report = run_diagnosis(source, run, choice)?;
    Ok(render::render(&report))
}

/// What the coarse pass saw.
struct Coarse {
    run: RunState,
    keys: Keys,
    last_step: Option<u64>,
    tracks: Tracks,
    coverage: Coverage,
    readings: extra::Readings,
}

/// Round trip 1: the run's keys and one whole-run spec for each usual name (or given one);
/// for a short run that is every row. Round trip 2, when needed: the dense windows for the
/// keys that came back thinned, and any guessed key the first request did not name, with the
/// learning rate and the layers' gradient histograms ([`extra`]).
fn coarse_pass(source: &dyn Source, run: &RunPath, choice: &KeyChoice) -> Result<Coarse> {
    let speculative = keys::speculative(choice);
    let specs: Vec<Spec> = speculative
        .iter()
        .map(|k| Spec::of(k, COARSE_SAMPLES, None, None))
        .collect();
    let first = source.history(run, &specs, true)?;
    let last_step = first.keys.last_step;
    let available = first.keys.available.clone().unwrap_or_default();
    for given in [&choice.loss, &choice.grad, &choice.val]
        .into_iter()
        .flatten()
    {
        if !available.is_empty() && !available.contains(given) {
            first.keys.check(std::slice::from_ref(given), run)?;
        }
    }
    let keys = guess_keys(&available, choice)?;
    let mut tracks = Tracks::whole_run(speculative.iter().cloned().zip(first.series), last_step);
    let dense = Dense::plan(&keys, &tracks, last_step, COARSE_SAMPLES);
    let extra = extra::Extra::plan(&available, last_step);
    let mut specs = dense.specs();
    let dense_specs = specs.len();
    specs.extend(extra.specs());
    let mut answers = if specs.is_empty() {
        Vec::new()
    } else {
        source.history(run, &specs, false)?.series
    };
    let extra_answers = answers.split_off(dense_specs.min(answers.len()));
    let coverage = source.delivered(dense.absorb(&keys, &mut tracks, answers));
    Ok(Coarse {
        run: first.run,
        keys,
        last_step,
        tracks,
        coverage,
        readings: extra.absorb(extra_answers),
    })
}

pub fn run_diagnosis(source: &dyn Source, run: &RunPath, choice: &KeyChoice) -> Result<Report> {
    let before = source.requests();
    let Coarse {
        run: state,
        keys,
        last_step,
        tracks,
        coverage,
        readings: r,
    } = coarse_pass(source, run, choice)?;
    let mut case = Case::open(keys, tracks);
    while let Some(round) = case.next_round() {
        let reply = source.history(run, &round.specs, false)?;
        case.absorb(round, reply.series);
    }
    let schedule = r.lr.as_ref().and_then(|(k, s)| readings::schedule(k, s));
    let mut extra = case.dynamics(schedule.as_ref().map(|s| &s.0));
    extra.extend(schedule.as_ref().map(|s| s.1.clone()));
    extra.extend(readings::layers(&r.layers, r.layers_complete));
    // A run that died: why, from its console and system metrics (one more request).
    if let Some(ending) = crash::ending(&state, crate::text::timefmt::now_unix()) {
        let context = source.crash_context(run)?;
        extra.extend(crash::from_context(
            &context,
            &ending,
            &state,
            last_step.unwrap_or(0),
        ));
    }
    let (mut findings, keys) = case.close(extra);
    if let Some((s, _)) = &schedule {
        readings::link(&mut findings, s, last_step.unwrap_or(0));
    }
    Ok(Report {
        findings,
        keys,
        last_step,
        coverage,
        unread_layers: r.unread_layers,
        requests: source.requests() - before,
    })
}
