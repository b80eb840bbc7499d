//! `list-runs` on a directory of runs: every run's log read once (its identity, exit record,
//! rows and last write), newest first, as the W&B listing prints them.

use super::layout::{locate, Found, RunFile};
use super::{fold, node};
use crate::error::{AgentError, Result};
use crate::model::runs::{self, RunRow};
use crate::ops::list_runs::{self, Hidden};
use crate::text::timefmt;
use std::path::Path;
use wandb_agent_commands::{ListRuns, RunFilter};

/// The runs under `path`, as nodes, newest first; a run whose log is damaged is an error
/// naming it.
pub fn run_nodes(path: &str) -> Result<Vec<serde_json::Value>> {
    let runs = match locate(Path::new(path)).map_err(AgentError::NotFound)? {
        Found::Run(run) => vec![run],
        Found::Runs(runs) => runs,
    };
    let now = timefmt::now_unix();
    let mut nodes = runs
        .iter()
        .rev()
        .map(|run| Ok(node::run_node(&read(run)?, run, now)))
        .collect::<Result<Vec<_>>>()?;
    nodes.sort_by(|a, b| b["createdAt"].as_str().cmp(&a["createdAt"].as_str()));
    Ok(nodes)
}

fn read(run: &RunFile) -> Result<fold::RunLog> {
    let file = std::fs::File::open(&run.file)
        .map_err(|e| AgentError::NotFound(format!("{}: {e}", run.file.display())))?;
    fold::read(file, &mut ())
        .map_err(|e| AgentError::BadInput(format!("{}: {e}", run.file.display())))
}

pub fn list_runs(args: &ListRuns) -> Result<String> {
    let limit = args.limit.unwrap_or(list_runs::DEFAULT_LIMIT);
    runs::check_limit("limit", limit, runs::MAX_LIMIT)?;
    if args.filter != RunFilter::default() || !args.columns.is_empty() {
        return Err(AgentError::BadInput(
            "filters and --columns are not available for runs on disk".into(),
        ));
    }
    let mut shown = Vec::new();
    let mut hidden = Hidden::default();
    for node in run_nodes(&args.project)? {
        let row = RunRow::from_node(&node)?;
        if row.state == "crashed" && !args.include_crashed {
            hidden.crashed += 1;
        } else if !args.include_short && row.is_short() {
            hidden.short += 1;
        } else if (shown.len() as u32) < limit {
            shown.push(row);
        } else {
            hidden.older += 1;
        }
    }
    Ok(list_runs::render(&shown, &hidden, &[], &[]))
}
