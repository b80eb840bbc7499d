//! `diagnose`: find what went wrong in a run, to the exact step.
//!
//! A coarse sampled pass over the whole run finds suspects; W&B's sampling is random and can
//! skip the step an event starts at, so each suspect is then narrowed with windows between the
//! last sampled step before it and the first after, until a window comes back unsampled. All
//! windows of a round go in one request.

use std::cell::Cell;

use crate::error::{AgentError, Result};
use crate::graphql::Transport;
use crate::numfmt::format_sig;
use crate::paths::RunPath;
use crate::sampled;
use crate::series::{Series, Spec};

pub const COARSE_SAMPLES: u32 = 2000;
pub const ZOOM_SAMPLES: u32 = 2000;
/// Zoom rounds after the coarse pass; each halves the gap by far more than 2 in practice.
pub const MAX_ZOOM_ROUNDS: u32 = 4;
/// Previous points whose median is a key's "running level".
const LEVEL_WINDOW: usize = 20;
const MIN_LEVEL_POINTS: usize = 5;
/// A gradient norm this many times its running level has exploded.
const EXPLOSION_FACTOR: f64 = 10.0;
/// A loss this many times its running level spikes; below `RECOVERED_FACTOR` it has recovered.
const SPIKE_FACTOR: f64 = 2.0;
const RECOVERED_FACTOR: f64 = 1.5;
const MAX_SPIKES: usize = 3;
/// A validation metric this much above its best, by the end, while training still improves.
const OVERFIT_RISE: f64 = 0.05;
/// Less than this relative improvement over the last `PLATEAU_TAIL` of steps is a plateau.
const PLATEAU_GAIN: f64 = 0.01;
const PLATEAU_TAIL: f64 = 0.3;
const DIGITS: usize = 4;

/// Keys the user named; the rest are guessed from `historyKeys`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyChoice {
    pub loss: Option<String>,
    pub grad: Option<String>,
    pub val: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    pub loss: String,
    pub grad: Option<String>,
    pub val: Option<String>,
    pub epoch: Option<String>,
    pub guessed: bool,
}

fn first_match<'a>(
    available: &'a [String],
    exact: &[&str],
    pred: impl Fn(&str) -> bool,
) -> Option<&'a String> {
    exact
        .iter()
        .find_map(|e| available.iter().find(|k| k.as_str() == *e))
        .or_else(|| available.iter().find(|k| pred(&k.to_ascii_lowercase())))
}

fn is_eval(k: &str) -> bool {
    ["val", "eval", "valid", "test"]
        .iter()
        .any(|w| k.contains(w))
}

/// Guesses keys by common names, then by substrings.
pub fn guess_keys(available: &[String], choice: &KeyChoice) -> Result<Keys> {
    let pick =
        |given: &Option<String>, guess: Option<&String>| given.clone().or_else(|| guess.cloned());
    let loss = pick(
        &choice.loss,
        first_match(
            available,
            &["loss", "train/loss", "train_loss", "training_loss"],
            |k| k.contains("loss") && !is_eval(k),
        ),
    );
    let Some(loss) = loss else {
        return Err(AgentError::BadInput(format!(
            "cannot guess the training-loss key among: {}; give it as loss-key",
            if available.is_empty() {
                "no keys".to_string()
            } else {
                available.join(", ")
            }
        )));
    };
    let grad = pick(
        &choice.grad,
        first_match(
            available,
            &["grad_norm", "gradient_norm", "train/grad_norm", "grad/norm"],
            |k| k.contains("grad") && k.contains("norm"),
        ),
    );
    let val = pick(
        &choice.val,
        first_match(
            available,
            &[
                "val_loss",
                "val/loss",
                "eval/loss",
                "eval_loss",
                "validation_loss",
                "valid_loss",
            ],
            |k| k.contains("loss") && is_eval(k),
        ),
    );
    let epoch = first_match(
        available,
        &["epoch", "train/epoch", "trainer/epoch"],
        |_| false,
    )
    .cloned();
    let guessed = choice.loss.is_none() || choice.grad.is_none() || choice.val.is_none();
    Ok(Keys {
        loss,
        grad,
        val,
        epoch,
        guessed,
    })
}

/// A transport that counts round trips (the output reports them).
struct Counting<'a> {
    inner: &'a dyn Transport,
    count: Cell<u32>,
}

impl Transport for Counting<'_> {
    fn post_graphql(&self, body: &str) -> Result<crate::graphql::Reply> {
        self.count.set(self.count.get() + 1);
        self.inner.post_graphql(body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
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
#[derive(Debug, Clone)]
struct Probe {
    key: String,
    event: Event,
    lo: u64,
    hi: u64,
    found: Option<(u64, f64)>,
    exact: bool,
    epoch: Option<Series>,
}

impl Probe {
    /// From a series: the first point where `event` holds, at or after index `from`.
    fn locate(key: &str, series: &Series, event: Event, from: usize) -> Option<Probe> {
        let i = (from..series.points.len()).find(|&i| event.hit(series.points[i].1))?;
        let (step, value) = series.points[i];
        let lo = if i == 0 {
            0
        } else {
            series.points[i - 1].0 + 1
        };
        Some(Probe {
            key: key.to_string(),
            event,
            lo,
            hi: step,
            found: Some((step, value)),
            exact: series.complete || lo == step,
            epoch: None,
        })
    }

    /// Takes a zoom window's answer: exact when unsampled, else a narrower window.
    fn narrow(&mut self, window: &Series, epoch: Option<Series>) {
        if let Some(i) = window.points.iter().position(|p| self.event.hit(p.1)) {
            let (step, value) = window.points[i];
            self.found = Some((step, value));
            if i > 0 {
                self.lo = window.points[i - 1].0 + 1;
            }
            self.hi = step;
        }
        self.exact = window.complete || self.lo == self.hi;
        self.epoch = epoch;
    }
}

/// The median of the finite values among the up-to-`LEVEL_WINDOW` points before `i`.
fn running_level(points: &[(u64, f64)], i: usize) -> Option<f64> {
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

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: &'static str,
    pub key: String,
    pub step: u64,
    pub epoch: String,
    pub value: f64,
    pub detail: String,
}

pub struct Report {
    pub findings: Vec<Finding>,
    pub keys: Keys,
    pub last_step: Option<u64>,
    pub requests: u32,
}

pub fn diagnose(
    transport: &dyn Transport,
    server: &str,
    run: &RunPath,
    choice: &KeyChoice,
) -> Result<String> {
    let report = run_diagnosis(transport, server, run, choice)?;
    Ok(render(&report))
}

fn coarse_spec(key: &str) -> Spec {
    Spec {
        key: key.to_string(),
        samples: COARSE_SAMPLES,
        min_step: None,
        max_step: None,
    }
}

pub fn run_diagnosis(
    transport: &dyn Transport,
    server: &str,
    run: &RunPath,
    choice: &KeyChoice,
) -> Result<Report> {
    let counting = Counting {
        inner: transport,
        count: Cell::new(0),
    };
    // Round trip 1: the run's keys, plus a coarse pass over the usual names (or the given
    // ones). When the guesses match these names, no second coarse request is needed.
    let speculative: Vec<String> = [
        choice.loss.clone().unwrap_or_else(|| "loss".into()),
        choice.grad.clone().unwrap_or_else(|| "grad_norm".into()),
        choice.val.clone().unwrap_or_else(|| "val_loss".into()),
        "epoch".into(),
    ]
    .into_iter()
    .collect();
    let specs: Vec<Spec> = speculative.iter().map(|k| coarse_spec(k)).collect();
    let first = sampled::fetch(&counting, server, run, &specs, true)?;
    let last_step = first.last_step();
    let available = sampled::available_keys(first.history_keys.as_ref()).unwrap_or_default();
    for given in [&choice.loss, &choice.grad, &choice.val]
        .into_iter()
        .flatten()
    {
        if !available.is_empty() && !available.contains(given) {
            crate::history::check_keys(
                first.history_keys.as_ref(),
                std::slice::from_ref(given),
                run,
            )?;
        }
    }
    let keys = guess_keys(&available, choice)?;
    let mut coarse: Vec<(String, Series)> = speculative.into_iter().zip(first.series).collect();
    let wanted: Vec<&String> = [
        Some(&keys.loss),
        keys.grad.as_ref(),
        keys.val.as_ref(),
        keys.epoch.as_ref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let missing: Vec<Spec> = wanted
        .iter()
        .filter(|k| !coarse.iter().any(|(c, _)| c == **k))
        .map(|k| coarse_spec(k))
        .collect();
    if !missing.is_empty() {
        let reply = sampled::fetch(&counting, server, run, &missing, false)?;
        coarse.extend(missing.into_iter().map(|s| s.key).zip(reply.series));
    }
    let series_of = |key: &Option<String>| {
        key.as_ref()
            .and_then(|k| coarse.iter().find(|(c, _)| c == k))
            .map(|(_, s)| s)
    };
    let loss = series_of(&Some(keys.loss.clone()))
        .cloned()
        .unwrap_or_default();
    let grad = series_of(&keys.grad).cloned();
    let val = series_of(&keys.val).cloned();
    let epoch = series_of(&keys.epoch).cloned();

    // Suspects from the coarse pass.
    let mut probes: Vec<(Probe, &'static str, String)> = Vec::new();
    if let Some(g) = &grad {
        if let Some((probe, detail)) = explosion(keys.grad.as_deref().unwrap_or(""), g) {
            probes.push((probe, "explosion", detail));
        }
    }
    for (key, series) in [
        (Some(&keys.loss), Some(&loss)),
        (keys.val.as_ref(), val.as_ref()),
        (keys.grad.as_ref(), grad.as_ref()),
    ] {
        if let (Some(key), Some(series)) = (key, series) {
            if let Some(probe) = Probe::locate(key, series, Event::NonFinite, 0) {
                let onset = probe.hi;
                let recovers = series.points.iter().any(|p| p.0 > onset && p.1.is_finite());
                let detail = if recovers {
                    "first non-finite value; finite values follow"
                } else {
                    "first non-finite value; non-finite to the end"
                };
                probes.push((probe, "divergence", detail.to_string()));
            }
        }
    }
    for (probe, detail) in spikes(&keys.loss, &loss) {
        probes.push((probe, "spike", detail));
    }

    // Findings read off the coarse pass alone (a validation minimum, a plateau).
    let diverged_at = probes
        .iter()
        .filter(|(p, kind, _)| *kind == "divergence" && p.key == keys.loss)
        .map(|(p, _, _)| p.hi)
        .min();
    let mut coarse_findings: Vec<Finding> = Vec::new();
    if let (Some(v), Some(val_key)) = (&val, &keys.val) {
        coarse_findings.extend(overfitting(
            val_key,
            v,
            &keys.loss,
            &loss,
            diverged_at,
            epoch.as_ref(),
        ));
    }
    if diverged_at.is_none() {
        coarse_findings.extend(plateau(&keys.loss, &loss, epoch.as_ref()));
    }
    // Zoom: all unresolved windows (and the epoch over each) in one request per round.
    // The epoch: each zoom window brings it around the probe's candidate step; steps settled
    // without that (coarse hits, coarse-only findings, a window that collapsed to one step) get
    // it looked up in the next round ([step-1999, step] comes back whole).
    let coarse_steps: Vec<u64> = coarse_findings.iter().map(|f| f.step).collect();
    let mut looked_up: Vec<(u64, Series)> = Vec::new();
    for _ in 0..=MAX_ZOOM_ROUNDS {
        let open: Vec<usize> = (0..probes.len()).filter(|&i| !probes[i].0.exact).collect();
        let mut epoch_lookups: Vec<u64> = Vec::new();
        if keys.epoch.is_some() {
            let known = |step: u64, window: Option<&Series>| {
                window
                    .and_then(|w| w.at_or_before(step))
                    .is_some_and(|(s, _)| s == step)
                    || looked_up.iter().any(|(s, _)| *s == step)
            };
            epoch_lookups = probes
                .iter()
                .filter(|(p, _, _)| p.exact)
                .filter_map(|(p, _, _)| {
                    p.found
                        .map(|f| f.0)
                        .filter(|&s| !known(s, p.epoch.as_ref()))
                })
                .chain(coarse_steps.iter().copied().filter(|&s| !known(s, None)))
                .collect();
            epoch_lookups.sort_unstable();
            epoch_lookups.dedup();
        }
        if open.is_empty() && epoch_lookups.is_empty() {
            break;
        }
        let window = |key: &str, lo: u64, hi: u64| Spec {
            key: key.to_string(),
            samples: ZOOM_SAMPLES,
            min_step: Some(lo),
            max_step: Some(hi),
        };
        let mut specs = Vec::new();
        for &i in &open {
            let p = &probes[i].0;
            specs.push(window(&p.key, p.lo, p.hi));
            // The candidate step is always `hi`; ending the epoch window there, no wider than
            // the sample count, brings it back whole even when the probe's window is thinned.
            if let Some(e) = &keys.epoch {
                specs.push(window(
                    e,
                    p.hi.saturating_sub(u64::from(ZOOM_SAMPLES) - 1),
                    p.hi,
                ));
            }
        }
        if let Some(e) = &keys.epoch {
            for &step in &epoch_lookups {
                specs.push(window(
                    e,
                    step.saturating_sub(u64::from(ZOOM_SAMPLES) - 1),
                    step,
                ));
            }
        }
        let reply = sampled::fetch(&counting, server, run, &specs, false)?;
        let mut answers = reply.series.into_iter();
        for &i in &open {
            let window = answers.next().unwrap_or_default();
            let epoch_window = if keys.epoch.is_some() {
                answers.next()
            } else {
                None
            };
            probes[i].0.narrow(&window, epoch_window);
        }
        looked_up.extend(epoch_lookups.drain(..).zip(answers));
    }
    let exact_epoch = |step: u64, window: Option<&Series>| {
        let lookup = looked_up.iter().find(|(s, _)| *s == step).map(|(_, w)| w);
        epoch_at(step, lookup.or(window), epoch.as_ref())
    };

    let mut findings: Vec<Finding> = probes
        .into_iter()
        .filter_map(|(probe, kind, detail)| {
            let (step, value) = probe.found?;
            let where_ = if probe.exact {
                "exact step"
            } else {
                "approximate step: sampling never narrowed it"
            };
            Some(Finding {
                kind,
                key: probe.key,
                step,
                epoch: exact_epoch(step, probe.epoch.as_ref()),
                value,
                detail: format!("{detail} ({where_})"),
            })
        })
        .collect();
    for mut f in coarse_findings {
        f.epoch = exact_epoch(f.step, None);
        findings.push(f);
    }
    findings.sort_by_key(|f| f.step);
    Ok(Report {
        findings,
        keys,
        last_step,
        requests: counting.count.get(),
    })
}

/// The first point far above the running level of the gradient norm.
fn explosion(key: &str, series: &Series) -> Option<(Probe, String)> {
    let pts = &series.points;
    let i = (0..pts.len()).find(|&i| {
        let v = pts[i].1;
        v == f64::INFINITY
            || running_level(pts, i)
                .is_some_and(|level| level > 0.0 && v > EXPLOSION_FACTOR * level)
    })?;
    let level = running_level(pts, i).unwrap_or(0.0);
    let mut probe = Probe::locate(key, series, Event::Above(EXPLOSION_FACTOR * level), i)?;
    // The coarse pass's hit is the upper end of the window; the start is the point before it.
    probe.lo = if i == 0 { 0 } else { pts[i - 1].0 + 1 };
    let ratio = pts[i].1 / level;
    Some((
        probe,
        format!(
            "{} its running level {}; first step above {EXPLOSION_FACTOR}×",
            times(ratio),
            format_sig(level, DIGITS)
        ),
    ))
}

fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("×{}", format_sig(ratio, 2))
    } else {
        "×inf".into()
    }
}

/// Sharp rises of the loss that come back down, before any divergence; the largest few.
fn spikes(key: &str, series: &Series) -> Vec<(Probe, String)> {
    let pts = &series.points;
    let end = pts
        .iter()
        .position(|p| !p.1.is_finite())
        .unwrap_or(pts.len());
    let mut found: Vec<(f64, Probe, String)> = Vec::new();
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
        if let Some(mut probe) = Probe::locate(key, series, Event::Above(SPIKE_FACTOR * level), i) {
            probe.lo = if i == 0 { 0 } else { pts[i - 1].0 + 1 };
            let detail = format!(
                "{} its running level {}; peak {} at ~{peak_step}; recovered by ~{}",
                times(pts[i].1 / level),
                format_sig(level, DIGITS),
                format_sig(peak, DIGITS),
                pts[j].0
            );
            found.push((peak / level, probe, detail));
        }
        i = j;
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found
        .into_iter()
        .take(MAX_SPIKES)
        .map(|(_, p, d)| (p, d))
        .collect()
}

/// The validation metric's best point, when it then rises while the training loss still falls.
fn overfitting(
    val_key: &str,
    val: &Series,
    loss_key: &str,
    loss: &Series,
    diverged_at: Option<u64>,
    epoch: Option<&Series>,
) -> Option<Finding> {
    let stop = diverged_at.unwrap_or(u64::MAX);
    let pts: Vec<(u64, f64)> = val
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && p.0 < stop)
        .collect();
    if pts.len() < 8 {
        return None;
    }
    let (best_i, &(best_step, best)) = pts
        .iter()
        .enumerate()
        .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))?;
    // Validation losses: lower is better, and a minimum needs points after it to rise.
    if best_i + 3 >= pts.len() || best <= 0.0 {
        return None;
    }
    let tail = pts.len() - (pts.len() / 10).max(3);
    let end_level = median(&mut pts[tail..].iter().map(|p| p.1).collect::<Vec<_>>())?;
    let rise = end_level / best - 1.0;
    if rise < OVERFIT_RISE {
        return None;
    }
    let finite_loss: Vec<(u64, f64)> = loss
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite() && p.0 < stop)
        .collect();
    let near = |lo: u64, hi: u64| {
        median(
            &mut finite_loss
                .iter()
                .filter(|p| p.0 >= lo && p.0 <= hi)
                .map(|p| p.1)
                .collect::<Vec<_>>(),
        )
    };
    let span = pts[pts.len() - 1].0.saturating_sub(best_step) / 10;
    let loss_then = near(best_step.saturating_sub(span), best_step + span)?;
    let loss_end = near(pts[tail].0, pts[pts.len() - 1].0)?;
    if loss_end >= loss_then {
        return None;
    }
    let exact = if val.complete {
        "exact step"
    } else {
        "approximate step: validation values were sampled"
    };
    Some(Finding {
        kind: "overfitting",
        key: val_key.to_string(),
        step: best_step,
        epoch: epoch_at(best_step, None, epoch),
        value: best,
        detail: format!(
            "{val_key} minimum; +{}% by the end while {loss_key} fell {}% ({exact})",
            format_sig(rise * 100.0, 2),
            format_sig((1.0 - loss_end / loss_then) * 100.0, 2)
        ),
    })
}

/// Training loss that stopped improving over the last part of the run.
fn plateau(key: &str, loss: &Series, epoch: Option<&Series>) -> Option<Finding> {
    let pts: Vec<(u64, f64)> = loss
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .collect();
    if pts.len() < 30 {
        return None;
    }
    let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
    let start = last - ((last - first) as f64 * PLATEAU_TAIL) as u64;
    let tail: Vec<(u64, f64)> = pts.iter().copied().filter(|p| p.0 >= start).collect();
    let third = tail.len() / 3;
    if third < 3 {
        return None;
    }
    let head = median(&mut tail[..third].iter().map(|p| p.1).collect::<Vec<_>>())?;
    let end = median(
        &mut tail[tail.len() - third..]
            .iter()
            .map(|p| p.1)
            .collect::<Vec<_>>(),
    )?;
    let gain = (head - end) / head.abs().max(f64::MIN_POSITIVE);
    if gain >= PLATEAU_GAIN {
        return None;
    }
    Some(Finding {
        kind: "plateau",
        key: key.to_string(),
        step: tail[0].0,
        epoch: epoch_at(tail[0].0, None, epoch),
        value: head,
        detail: format!(
            "{key} improved {}% over the last {}% of steps",
            format_sig(gain * 100.0, 2),
            (PLATEAU_TAIL * 100.0) as u32
        ),
    })
}

/// The epoch at `step`: exact from a zoom window, else `~` from the coarse pass.
fn epoch_at(step: u64, window: Option<&Series>, coarse: Option<&Series>) -> String {
    let fmt = |v: f64| format_sig(v, DIGITS);
    if let Some((s, v)) = window.and_then(|w| w.at_or_before(step)) {
        if s == step || window.is_some_and(|w| w.complete) {
            return fmt(v);
        }
    }
    match coarse.and_then(|c| c.at_or_before(step)) {
        Some((s, v)) if s == step => fmt(v),
        Some((_, v)) => format!("~{}", fmt(v)),
        None => String::new(),
    }
}

pub fn render(report: &Report) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(["finding", "key", "step", "epoch", "value", "detail"]);
    for f in &report.findings {
        let _ = out.write_record([
            f.kind,
            &f.key,
            &f.step.to_string(),
            &f.epoch,
            &format_sig(f.value, DIGITS),
            &f.detail,
        ]);
    }
    if report.findings.is_empty() {
        let _ = out.write_record([
            "none",
            "",
            "",
            "",
            "",
            "no divergence, gradient explosion, loss spike, overfitting or plateau found",
        ]);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let k = &report.keys;
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    text.push_str(&format!(
        "# keys: loss={} grad={} val={} epoch={}{}; run steps {}; {} request{}\n",
        k.loss,
        name(&k.grad),
        name(&k.val),
        name(&k.epoch),
        if k.guessed {
            " (guessed from the run's keys)"
        } else {
            ""
        },
        report
            .last_step
            .map_or_else(|| "unknown".to_string(), |l| format!("0..{l}")),
        report.requests,
        if report.requests == 1 { "" } else { "s" }
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: Vec<(u64, f64)>, complete: bool) -> Series {
        Series { points, complete }
    }

    #[test]
    fn guesses_common_names() {
        let avail: Vec<String> = ["epoch", "train/loss", "eval/loss", "train/grad_norm", "lr"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let k = guess_keys(&avail, &KeyChoice::default()).unwrap();
        assert_eq!(
            (
                k.loss.as_str(),
                k.grad.as_deref(),
                k.val.as_deref(),
                k.epoch.as_deref()
            ),
            (
                "train/loss",
                Some("train/grad_norm"),
                Some("eval/loss"),
                Some("epoch")
            )
        );
        assert!(guess_keys(&["lr".to_string()], &KeyChoice::default()).is_err());
        let given = KeyChoice {
            loss: Some("lr".into()),
            ..Default::default()
        };
        assert_eq!(guess_keys(&["lr".to_string()], &given).unwrap().loss, "lr");
    }

    #[test]
    fn explosion_window_brackets_the_jump() {
        let pts: Vec<(u64, f64)> = (0..100)
            .map(|i| (i * 10, if i >= 60 { 50.0 } else { 1.0 }))
            .collect();
        let (probe, detail) = explosion("g", &series(pts, false)).unwrap();
        assert_eq!((probe.lo, probe.hi), (591, 600));
        assert!(!probe.exact);
        assert!(detail.starts_with("×50 its running level 1"), "{detail}");
    }

    #[test]
    fn narrowing_ends_exact_on_an_unsampled_window() {
        let pts: Vec<(u64, f64)> = (0..100)
            .map(|i| (i * 10, if i >= 60 { 50.0 } else { 1.0 }))
            .collect();
        let (mut probe, _) = explosion("g", &series(pts, false)).unwrap();
        let window = series(
            (591..=600)
                .map(|s| (s, if s >= 597 { 50.0 } else { 1.0 }))
                .collect(),
            true,
        );
        probe.narrow(&window, None);
        assert_eq!(probe.found, Some((597, 50.0)));
        assert!(probe.exact);
    }

    #[test]
    fn spike_needs_recovery() {
        let mut pts: Vec<(u64, f64)> = (0..100).map(|i| (i, 1.0)).collect();
        for p in pts.iter_mut().skip(40).take(5) {
            p.1 = 3.0;
        }
        let found = spikes("loss", &series(pts.clone(), true));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.found, Some((40, 3.0)));
        assert!(found[0].0.exact);
        for p in pts.iter_mut().skip(40) {
            p.1 = 3.0;
        }
        assert!(
            spikes("loss", &series(pts, true)).is_empty(),
            "a level shift is not a spike"
        );
    }

    #[test]
    fn overfitting_and_plateau() {
        let val = series(
            (0..50)
                .map(|i| {
                    (
                        i * 100,
                        if i <= 30 {
                            2.0 - i as f64 * 0.05
                        } else {
                            0.5 + (i - 30) as f64 * 0.02
                        },
                    )
                })
                .collect(),
            true,
        );
        let loss = series(
            (0..5000).map(|s| (s, 2.0 - s as f64 / 5000.0)).collect(),
            true,
        );
        let f = overfitting("val_loss", &val, "loss", &loss, None, None).unwrap();
        assert_eq!((f.step, f.value), (3000, 0.5));
        assert!(plateau("loss", &loss, None).is_none());
        let flat = series((0..100).map(|s| (s, 1.0)).collect(), true);
        assert_eq!(plateau("loss", &flat, None).unwrap().step, 70);
    }

    #[test]
    fn epoch_exact_or_approximate() {
        let coarse = series(vec![(0, 0.0), (100, 1.0)], false);
        assert_eq!(epoch_at(150, None, Some(&coarse)), "~1");
        assert_eq!(epoch_at(100, None, Some(&coarse)), "1");
        let window = series(vec![(148, 1.0), (150, 2.0)], true);
        assert_eq!(epoch_at(150, Some(&window), Some(&coarse)), "2");
        assert_eq!(epoch_at(150, None, None), "");
    }
}
