//! `demo/fleet`: a project with thousands of runs — a team's hourly jobs over a hundred days —
//! for listings at scale: `list-runs --limit 1000` crosses five pages, and the counts of runs
//! hidden, matching and not listed come from the server across all of them. The runs are
//! small (one metric, 100 steps); what is planted is public here so tests check against it:
//! - [`RUNS`] runs, run `i` created `RUNS - i` hours before 2026-11-01 (so the newest is
//!   `i = RUNS - 1`);
//! - run `i` crashed when [`crashed`]`(i)`, tagged `nightly` when [`nightly`]`(i)`.

use serde_json::json;

use crate::model::run::Project;
use crate::model::series::Metric;
use crate::seed::builder::{decay, project, RunSpec, DEMO_ENTITY};

pub const PROJECT: &str = "fleet";
pub const RUNS: usize = 2_400;
const LAST_STEP: u64 = 100;

pub fn id(i: usize) -> String {
    format!("fl{i:06}")
}

/// One run in a hundred crashed (hidden from listings unless asked).
pub fn crashed(i: usize) -> bool {
    i % 100 == 37
}

/// Every third run is a nightly job.
pub fn nightly(i: usize) -> bool {
    i.is_multiple_of(3)
}

fn spec(i: usize) -> RunSpec {
    RunSpec {
        id: id(i),
        name: format!("job-{i:04}"),
        state: if crashed(i) { "crashed" } else { "finished" },
        hours: i as i64 - RUNS as i64,
        last_step: LAST_STEP,
        seconds_per_step: 6.0,
        config: json!({"lr": 1e-3, "job": i}),
        metrics: vec![Metric::new("loss", 1, decay(2.0, 0.5, 30.0), 0.02)],
        nan_wire: crate::model::series::NanWire::String,
        extra_summary: json!({}),
    }
}

pub fn project_of(numeric_id: u64) -> Project {
    let mut p = project(
        DEMO_ENTITY,
        PROJECT,
        numeric_id,
        (0..RUNS).map(spec).collect(),
    );
    for (i, run) in p.runs.iter_mut().enumerate() {
        if nightly(i) {
            run.tags = vec!["nightly".into()];
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_of_runs_newest_last() {
        let p = project_of(110);
        assert_eq!(p.runs.len(), RUNS);
        assert_eq!(p.runs[RUNS - 1].id, id(RUNS - 1));
        assert!(p.runs[0].created_at < p.runs[RUNS - 1].created_at);
        assert_eq!(p.runs.iter().filter(|r| r.state == "crashed").count(), 24);
    }
}
