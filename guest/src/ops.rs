//! The operations, from raw arguments to compact text: shared by the component's exports and
//! the command-line build of the component. The transport is injected (wasi:http in the
//! component, canned replies in tests).

use crate::direction::Mode;
use crate::error::Result;
use crate::graphql::Transport;
use crate::settings::Settings;
use crate::{best, compare, diagnose, history, list_runs, paths, summary};

pub fn list_runs(
    t: &dyn Transport,
    s: &Settings,
    project: &str,
    limit: Option<u32>,
    include_crashed: bool,
    include_short: bool,
) -> Result<String> {
    let project = paths::parse_project_path(project, s.default_entity.as_deref())?;
    let options = list_runs::ListOptions {
        limit: limit.unwrap_or(list_runs::DEFAULT_LIMIT),
        include_crashed,
        include_short,
    };
    list_runs::list_runs(t, s.server_name(), &project, &options)
}

pub fn summary(t: &dyn Transport, s: &Settings, run: &str) -> Result<String> {
    summary::summary(t, s.server_name(), &paths::parse_run_path(run)?)
}

/// Which history rows to read: server-side samples per key and an inclusive step window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Window {
    pub samples: Option<u32>,
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
}

fn fetch_history(
    t: &dyn Transport,
    s: &Settings,
    run: &str,
    keys: &[String],
    w: Window,
) -> Result<(history::Fetched, history::HistoryRequest)> {
    let run = paths::parse_run_path(run)?;
    let request = history::HistoryRequest::new(keys, w.samples, w.min_step, w.max_step)?;
    Ok((history::fetch(t, s.server_name(), &run, &request)?, request))
}

pub fn history(
    t: &dyn Transport,
    s: &Settings,
    run: &str,
    keys: &[String],
    w: Window,
    budget: Option<u32>,
) -> Result<String> {
    let (fetched, request) = fetch_history(t, s, run, keys, w)?;
    Ok(history::render_curve(
        &fetched,
        &request,
        budget.unwrap_or(history::DEFAULT_BUDGET),
    ))
}

pub fn history_stats(
    t: &dyn Transport,
    s: &Settings,
    run: &str,
    keys: &[String],
    w: Window,
) -> Result<String> {
    let (fetched, request) = fetch_history(t, s, run, keys, w)?;
    Ok(history::render_stats(&fetched, &request))
}

pub fn compare(
    t: &dyn Transport,
    s: &Settings,
    run_a: &str,
    run_b: &str,
    metric: &str,
    mode: Option<Mode>,
) -> Result<String> {
    let (a, b) = (paths::parse_run_path(run_a)?, paths::parse_run_path(run_b)?);
    compare::compare(t, s.server_name(), &a, &b, metric, mode)
}

#[allow(clippy::too_many_arguments)] // mirrors the WIT export one to one
pub fn best(
    t: &dyn Transport,
    s: &Settings,
    project: &str,
    metric: &str,
    last: Option<u32>,
    mode: Option<Mode>,
    include_crashed: bool,
    include_short: bool,
    over_history: bool,
) -> Result<String> {
    let project = paths::parse_project_path(project, s.default_entity.as_deref())?;
    let options = best::BestOptions {
        last: last.unwrap_or(best::DEFAULT_LAST),
        mode,
        include_crashed,
        include_short,
        over_history,
    };
    best::best(t, s.server_name(), &project, metric, &options)
}

pub fn diagnose(
    t: &dyn Transport,
    s: &Settings,
    run: &str,
    loss_key: Option<String>,
    grad_key: Option<String>,
    val_key: Option<String>,
) -> Result<String> {
    let run = paths::parse_run_path(run)?;
    let given = |k: Option<String>| k.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
    let choice = diagnose::KeyChoice {
        loss: given(loss_key),
        grad: given(grad_key),
        val: given(val_key),
    };
    diagnose::diagnose(t, s.server_name(), &run, &choice)
}
