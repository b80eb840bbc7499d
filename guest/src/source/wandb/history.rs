//! A run's history from W&B: one round trip of `sampledHistory` specs (with the run's
//! `historyKeys` when asked), several runs' specs in one request, and the dense fetch behind
//! `history`: the first request, then the thinned keys again in consecutive windows (planned
//! by [`coverage`], keys of one cadence in one spec by [`cadence`]), joined per key.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::paths::{ProjectPath, RunPath};
use crate::model::{
    Coverage, Fetched, HistoryRequest, HistoryTable, RunKeys, RunState, Series, Spec,
};
use crate::source::plan::{self as coverage, Plan, SAMPLES_PER_WINDOW};
use crate::source::wandb::cadence;
use crate::source::wandb::series;
use crate::source::wandb::{documents, graphql, Client};

pub struct Reply {
    /// How the run stands (empty unless the document asked: `with_keys`).
    pub run: RunState,
    pub history_keys: Option<Value>,
    /// One per spec, in order.
    pub series: Vec<Series>,
}

impl Reply {
    pub fn last_step(&self) -> Option<u64> {
        last_step(self.history_keys.as_ref()?)
    }
}

/// The run's last step, from its `historyKeys`.
pub fn last_step(history_keys: &Value) -> Option<u64> {
    history_keys.get("lastStep")?.as_u64()
}

pub fn fetch(client: &Client, run: &RunPath, specs: &[Spec], with_keys: bool) -> Result<Reply> {
    let specs_json: Vec<String> = specs.iter().map(Spec::to_json).collect();
    let document = if with_keys {
        documents::HISTORY_WITH_KEYS
    } else {
        documents::HISTORY
    };
    let data = client.query(
        document,
        json!({"entity": run.entity, "project": run.project, "name": run.run_id, "specs": specs_json}),
    )?;
    let node = graphql::run_node(&data, run)?;
    let history_keys = node.get("historyKeys").filter(|v| !v.is_null()).cloned();
    let results = node.get("sampledHistory").ok_or_else(|| {
        AgentError::Server(format!(
            "{} sent no sampledHistory for run {}",
            client.server, run.run_id
        ))
    })?;
    let series = series::parse_all(specs, results, client.server)?;
    Ok(Reply {
        run: RunState::of(node),
        history_keys,
        series,
    })
}

/// The run's logged keys (without W&B's `_`-prefixed ones), sorted, if the server said.
/// Several runs of one project, each with its own specs, in one request (aliases); the
/// answers in the order asked.
pub fn fetch_many(
    client: &Client,
    project: &ProjectPath,
    runs: &[(&str, &[Spec])],
) -> Result<Vec<Vec<Series>>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut variables = json!({"entity": project.entity, "project": project.project});
    for (i, (run_id, specs)) in runs.iter().enumerate() {
        variables[format!("n{i}")] = json!(run_id);
        variables[format!("s{i}")] = json!(specs.iter().map(Spec::to_json).collect::<Vec<_>>());
    }
    let data = client.query(&documents::history_of_runs(runs.len()), variables)?;
    runs.iter()
        .enumerate()
        .map(|(i, (run_id, specs))| {
            let results = documents::aliased_run(&data, i)
                .and_then(|r| r.get("sampledHistory"))
                .ok_or_else(|| {
                    AgentError::Server(format!(
                        "{} sent no sampledHistory for run {run_id}",
                        client.server
                    ))
                })?;
            series::parse_all(specs, results, client.server)
        })
        .collect()
}

pub fn available_keys(history_keys: Option<&Value>) -> Option<Vec<String>> {
    let keys = history_keys?.get("keys")?.as_object()?;
    let mut names: Vec<String> = keys
        .keys()
        .filter(|k| !k.starts_with('_'))
        .cloned()
        .collect();
    names.sort();
    Some(names)
}

impl HistoryRequest {
    /// The plan covering `[lo, hi]` with `specs` specs per window: `samples` per key when
    /// given, else a dense pass sized for that many specs.
    pub fn plan(&self, lo: u64, hi: u64, specs: usize) -> Plan {
        match self.samples {
            Some(n) => Plan::with_samples(lo, hi, u64::from(n)),
            None => Plan::dense(lo, hi, specs),
        }
    }

    /// Samples per spec in the first request: what was asked, at most one window's worth.
    pub fn first_samples(&self) -> u32 {
        self.samples
            .unwrap_or(SAMPLES_PER_WINDOW)
            .min(SAMPLES_PER_WINDOW)
    }

    /// The first request's specs: one per key over the requested window.
    pub fn first_specs(&self) -> Vec<Spec> {
        self.keys
            .iter()
            .map(|key| Spec::of(key, self.first_samples(), self.min_step, self.max_step))
            .collect()
    }
}

pub fn fetch_table(client: &Client, run: &RunPath, request: &HistoryRequest) -> Result<Fetched> {
    // A window with both ends is planned at once: one request.
    if let (Some(lo), Some(hi)) = (request.min_step, request.max_step) {
        let plan = request.plan(lo, hi, request.keys.len());
        let singles: Vec<Vec<String>> = request.keys.iter().map(|k| vec![k.clone()]).collect();
        let (history_keys, series) = fetch_planned(client, run, &singles, &plan, true)?;
        run_keys(history_keys.as_ref()).check(&request.keys, run)?;
        let last_step = history_keys.as_ref().and_then(last_step);
        return Ok(assemble(request, series, &plan, last_step));
    }
    let reply = fetch(client, run, &request.first_specs(), true)?;
    run_keys(reply.history_keys.as_ref()).check(&request.keys, run)?;
    let last_step = reply.last_step();
    let mut series = reply.series;
    let thinned: Vec<usize> = (0..series.len()).filter(|&i| !series[i].complete).collect();
    let Some(last) = last_step.filter(|_| !thinned.is_empty()) else {
        let coverage = if thinned.is_empty() {
            Coverage::Every
        } else {
            // The server did not say how long the run is, so neither the density nor a plan.
            Coverage::Unsized {
                samples: request.first_samples(),
            }
        };
        return Ok(Fetched {
            table: HistoryTable::outer_join(&request.keys, &series),
            last_step,
            coverage,
            exact: series.iter().map(|s| s.complete).collect(),
        });
    };
    let counts = cadence::key_counts(reply.history_keys.as_ref());
    let coverage = dense_pass(client, run, request, &mut series, &thinned, &counts, last)?;
    Ok(assemble(request, series, &coverage, last_step))
}

/// Request 2 (and, rarely, 3): the `thinned` keys (indices into `request.keys`) again over
/// consecutive windows — keys of one cadence in one spec, so their values share rows —
/// replacing their entries in `series`. Returns the plan whose density the `#` line states.
fn dense_pass(
    client: &Client,
    run: &RunPath,
    request: &HistoryRequest,
    series: &mut [Series],
    thinned: &[usize],
    counts: &BTreeMap<String, u64>,
    last: u64,
) -> Result<Plan> {
    let (lo, hi) = (
        request.min_step.unwrap_or(0),
        request.max_step.unwrap_or(last),
    );
    let names: Vec<String> = thinned.iter().map(|&i| request.keys[i].clone()).collect();
    let seen: Vec<Series> = thinned.iter().map(|&i| series[i].clone()).collect();
    let groups: Vec<Vec<usize>> = cadence::groups(&names, counts, &seen)
        .into_iter()
        .map(|g| g.into_iter().map(|j| thinned[j]).collect())
        .collect();
    let plan = request.plan(lo, hi, groups.len());
    // A plan of one spec per key is what the first request already asked.
    if groups.len() == thinned.len()
        && plan.windows.len() == 1
        && plan.samples_per_window <= request.first_samples()
    {
        return Ok(plan);
    }
    // One series per key, group after group.
    let mut dense = fetch_planned(client, run, &key_groups(request, &groups), &plan, false)?
        .1
        .into_iter();
    let mut short: Vec<usize> = Vec::new();
    for group in &groups {
        for (&i, s) in group.iter().zip(dense.by_ref()) {
            let promised = counts.get(&request.keys[i]).copied().unwrap_or(0);
            let windows = &plan.windows;
            if group.len() > 1
                && !cadence::delivered(&s, promised, last, windows, plan.samples_per_window)
            {
                short.push(i);
            }
            series[i] = s;
        }
    }
    if short.is_empty() {
        return Ok(plan);
    }
    // A group that came back short (the server found fewer shared rows than the counts
    // promised): its keys once more, one spec each, in the same call.
    let again = request.plan(lo, hi, short.len());
    let singles: Vec<Vec<usize>> = short.iter().map(|&i| vec![i]).collect();
    let dense = fetch_planned(client, run, &key_groups(request, &singles), &again, false)?.1;
    for (&i, s) in short.iter().zip(dense) {
        series[i] = s;
    }
    Ok(if again.spacing() > plan.spacing() {
        again
    } else {
        plan
    })
}

/// The key names of groups of indices into `request.keys`.
fn key_groups(request: &HistoryRequest, groups: &[Vec<usize>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| g.iter().map(|&i| request.keys[i].clone()).collect())
        .collect()
}

/// One request for every group of keys over every window of `plan`: one series per key, in
/// the order of the groups' keys.
fn fetch_planned(
    client: &Client,
    run: &RunPath,
    groups: &[Vec<String>],
    plan: &Plan,
    with_keys: bool,
) -> Result<(Option<Value>, Vec<Series>)> {
    let specs: Vec<Spec> = groups.iter().flat_map(|g| plan.specs(g)).collect();
    let reply = fetch(client, run, &specs, with_keys)?;
    let mut answers = reply.series.into_iter();
    let series = groups
        .iter()
        .flat_map(|g| coverage::take_group(plan, g.len(), &mut answers))
        .collect();
    Ok((reply.history_keys, series))
}

fn assemble(
    request: &HistoryRequest,
    series: Vec<Series>,
    plan: &Plan,
    last_step: Option<u64>,
) -> Fetched {
    let table = HistoryTable::outer_join(&request.keys, &series);
    let coverage = Coverage::of(plan, !table.complete);
    Fetched {
        table,
        last_step,
        coverage,
        exact: series.iter().map(|s| s.complete).collect(),
    }
}

/// What `historyKeys` says about the run's keys (nothing when the server did not send it).
pub fn run_keys(history_keys: Option<&Value>) -> RunKeys {
    RunKeys {
        last_step: history_keys.and_then(last_step),
        available: available_keys(history_keys),
        counts: cadence::key_counts(history_keys),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::paths::parse_run_path;
    use serde_json::json;

    #[test]
    fn missing_keys_list_the_available_ones() {
        let run = parse_run_path("e/p/abc").unwrap();
        let hk = json!({"lastStep": 9, "keys": {"loss": {}, "acc": {}, "_runtime": {}}});
        let err = run_keys(Some(&hk))
            .check(&["loss".into(), "lsos".into()], &run)
            .unwrap_err();
        assert_eq!(
            err,
            AgentError::MissingKeys {
                message: "Run abc has no key `lsos`; available: acc, loss".into(),
                missing: vec!["lsos".into()],
                available: vec!["acc".into(), "loss".into()],
            }
        );
        assert!(run_keys(Some(&hk)).check(&["loss".into()], &run).is_ok());
        assert!(run_keys(None).check(&["x".into()], &run).is_ok());
    }
}
