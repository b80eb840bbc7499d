//! `demo/live`: one run that is being written while the server runs, for `watch` (its tests
//! and the demo) to watch happen.
//!
//! The run is created when the server starts and logs [`STEPS_PER_SECOND`] steps a second of
//! wall time: its last step, heartbeat and runtime grow with the clock, its state is `running`
//! until [`LAST_STEP`], then `finished`. Planted on the way, at known steps and so after known
//! delays ([`seconds_to`]): a loss spike that recovers, then a gradient explosion that stays
//! and, soon after it, the loss and validation loss turning NaN.
//!
//! Every other project is served as built. Each GraphQL request reads one snapshot of the
//! store ([`Live::store`], which the crate root hands to the API): the built store with this
//! run as of now, rebuilt at most once a tick ([`TICK_STEPS`]) and never again once the run
//! has finished.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::NaiveDateTime;
use serde_json::json;

use crate::model::run::{Project, Run, Store};
use crate::model::series::{Curve, Event, Metric, NanWire};
use crate::seed::builder::{build_at, decay, project, t0, RunSpec, DEMO_ENTITY};

pub const PROJECT: &str = "live";
pub const ID: &str = "live0run";
/// Steps logged per second of wall time since the server started.
pub const STEPS_PER_SECOND: u64 = 100;
/// Steps appear in ticks of this many (ten a second), so the store is rebuilt at most ten
/// times a second while the run grows.
pub const TICK_STEPS: u64 = 10;
/// The loss ×[`SPIKE_FACTOR`] on `[SPIKE_FROM, SPIKE_TO)`, then back to its level.
pub const SPIKE_FROM: u64 = 300;
pub const SPIKE_TO: u64 = 330;
pub const SPIKE_FACTOR: f64 = 3.0;
/// The gradient norm ×[`EXPLOSION_FACTOR`] from this step on.
pub const EXPLOSION_STEP: u64 = 1_503;
pub const EXPLOSION_FACTOR: f64 = 50.0;
/// `loss` and `val_loss` are NaN from this step on (the validation loss, logged every
/// [`VAL_EVERY`] steps, first shows it at the next multiple).
pub const NAN_FROM: u64 = 1_561;
pub const VAL_EVERY: u64 = 50;
pub const STEPS_PER_EPOCH: u64 = 100;
/// The run's last step: it finishes [`seconds_to`]`(LAST_STEP)` seconds after the start.
pub const LAST_STEP: u64 = 2_400;
const SEED: u64 = 123_000;

/// Seconds after the server starts at which `step` is logged.
pub fn seconds_to(step: u64) -> f64 {
    step as f64 / STEPS_PER_SECOND as f64
}

/// The run's last step `elapsed` after the server started: whole ticks, up to [`LAST_STEP`].
pub fn step_after(elapsed: Duration) -> u64 {
    let steps = elapsed.as_millis() as u64 * STEPS_PER_SECOND / 1000;
    (steps / TICK_STEPS * TICK_STEPS).min(LAST_STEP)
}

/// The run as it stands once `step` is its last step, created at `started`.
pub fn run_at(step: u64, started: NaiveDateTime) -> Run {
    let tau = LAST_STEP as f64 / 4.0;
    let loss = Metric::new("loss", 1, decay(2.3, 0.4, tau), 0.05)
        .with(Event::Spike {
            from: SPIKE_FROM,
            to: SPIKE_TO,
            factor: SPIKE_FACTOR,
        })
        .with(Event::NanFrom { from: NAN_FROM });
    let grad = Metric::new("grad_norm", 1, decay(4.0, 0.8, tau), 0.1).with(Event::Explode {
        from: EXPLOSION_STEP,
        factor: EXPLOSION_FACTOR,
    });
    // Only on its cadence: a run still writing has made no final log call yet.
    let val = Metric::new("val_loss", VAL_EVERY, decay(2.4, 0.5, tau), 0.02)
        .only_on_cadence()
        .with(Event::NanFrom { from: NAN_FROM });
    let epoch = Metric::new(
        "epoch",
        1,
        Curve::Epoch {
            steps_per_epoch: STEPS_PER_EPOCH,
        },
        0.0,
    );
    let finished = step >= LAST_STEP;
    let spec = RunSpec {
        id: ID.into(),
        name: "growing".into(),
        state: if finished { "finished" } else { "running" },
        hours: 0,
        last_step: step,
        seconds_per_step: 1.0 / STEPS_PER_SECOND as f64,
        config: json!({"lr": 3e-4, "optimizer": "adamw", "planted": {
            "spike": SPIKE_FROM, "explosion": EXPLOSION_STEP, "nan_from": NAN_FROM,
            "last_step": LAST_STEP, "steps_per_second": STEPS_PER_SECOND,
        }}),
        metrics: vec![loss, grad, val, epoch],
        nan_wire: NanWire::String,
        extra_summary: json!({}),
    };
    build_at(spec, SEED, started)
}

/// `demo/live` as built, before any time has passed: its run at step 0, created at the demo
/// data's epoch. [`Live`] replaces the run when serving.
pub fn project_of(numeric_id: u64) -> Project {
    let mut p = project(DEMO_ENTITY, PROJECT, numeric_id, Vec::new());
    let created = t0();
    p.runs.push(run_at(0, created));
    p
}

/// The store as served: `base` with `demo/live`'s run as of now.
pub struct Live {
    base: Arc<Store>,
    started: Instant,
    started_at: NaiveDateTime,
    /// The last snapshot, and the step it holds.
    snapshot: Mutex<(u64, Arc<Store>)>,
}

impl Live {
    /// The run starts now.
    pub fn start(base: Arc<Store>) -> Live {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let started_at = chrono::DateTime::from_timestamp(now.as_secs() as i64, 0)
            .unwrap_or_default()
            .naive_utc();
        let first = at(&base, 0, started_at);
        Live {
            base,
            started: Instant::now(),
            started_at,
            snapshot: Mutex::new((0, first)),
        }
    }

    /// The store with the run as of now.
    pub fn store(&self) -> Arc<Store> {
        let step = step_after(self.started.elapsed());
        let Ok(mut snapshot) = self.snapshot.lock() else {
            return self.base.clone();
        };
        if snapshot.0 != step {
            *snapshot = (step, at(&self.base, step, self.started_at));
        }
        snapshot.1.clone()
    }
}

/// `base` with the run at `step`, created at `started`.
fn at(base: &Store, step: u64, started: NaiveDateTime) -> Arc<Store> {
    let mut store = base.clone();
    let live = store
        .projects
        .iter_mut()
        .find(|p| p.entity == DEMO_ENTITY && p.name == PROJECT);
    if let Some(project) = live {
        project.runs = vec![run_at(step, started)];
    }
    Arc::new(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_grows_with_the_clock_then_finishes() {
        assert_eq!(step_after(Duration::from_millis(0)), 0);
        assert_eq!(step_after(Duration::from_millis(1_234)), 120);
        assert_eq!(step_after(Duration::from_secs(3_600)), LAST_STEP);
        let started = t0();
        let early = run_at(700, started);
        assert_eq!(
            (early.state.as_str(), early.history.last_step),
            ("running", 700)
        );
        assert_eq!(early.heartbeat_at, "2026-11-01T08:00:07");
        assert!(early.exitcode.is_none());
        let done = run_at(LAST_STEP, started);
        assert_eq!((done.state.as_str(), done.exitcode), ("finished", Some(0)));
        let h = &done.history;
        let at = |key: &str, step: u64| h.value(key, step, done.start_unix, done.seed).unwrap();
        assert!(at("grad_norm", EXPLOSION_STEP) > 20.0 * at("grad_norm", EXPLOSION_STEP - 1));
        assert!(at("loss", SPIKE_FROM) > 2.0 * at("loss", SPIKE_FROM - 1));
        assert!(at("loss", NAN_FROM).is_nan() && at("loss", NAN_FROM - 1).is_finite());
        assert!(at("val_loss", 1_600).is_nan() && !h.has("val_loss", NAN_FROM));
        assert!(!run_at(1_580, started).history.has("val_loss", 1_580));
    }

    #[test]
    fn snapshots_serve_the_live_run_and_every_other_project_as_built() {
        let mut other = project_of(1);
        other.name = "other".into();
        let base = Arc::new(Store {
            projects: vec![other, project_of(2)],
        });
        let live = Live::start(base.clone());
        let now = live.store();
        assert_eq!(now.projects.len(), base.projects.len());
        let run = &now.project(DEMO_ENTITY, PROJECT).unwrap().runs[0];
        assert_eq!(run.state, "running");
        assert_eq!(
            run.created_at,
            live.started_at.format("%Y-%m-%dT%H:%M:%S").to_string()
        );
        // Another project keeps its run as built, even one like this.
        let other = |s: &Store| {
            s.project(DEMO_ENTITY, "other").unwrap().runs[0]
                .heartbeat_at
                .clone()
        };
        assert_eq!(other(&now), other(&base));
        // Within one tick the same snapshot is served.
        let again = live.store();
        assert!(Arc::ptr_eq(&now, &again) || step_after(live.started.elapsed()) > 0);
    }
}
