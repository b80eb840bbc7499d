//! A run's crash context from W&B (`CRASH_CONTEXT`): the console tail and the system-metric
//! rows in one request, plus a log file's tail when the server has no streamed lines; for
//! `triage`, many runs' in one request, the log file only named.

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::paths::{origin_of, ProjectPath, RunPath};
use crate::model::{CrashContext, Line, NO_CONSOLE};
use crate::source::wandb::{console, documents, events, graphql, Client};

/// Console lines and system rows the crash request asks for.
const LOG_LINES: u32 = 500;
const SYSTEM_SAMPLES: u32 = 500;

/// The variables of a crash-context request besides the run (see [`documents::CRASH_CONTEXT`]).
fn context_variables() -> Value {
    json!({"last": LOG_LINES, "samples": SYSTEM_SAMPLES})
}

/// One run's crash context; a log file on an origin the host does not allow is named, not
/// read, and the diagnosis stands on the metrics.
pub fn context(client: &Client, run: &RunPath) -> Result<CrashContext> {
    let mut variables = context_variables();
    variables["entity"] = json!(run.entity);
    variables["project"] = json!(run.project);
    variables["runName"] = json!(run.run_id);
    let data = client.query(documents::CRASH_CONTEXT, variables)?;
    let node = graphql::run_node(&data, run)?;
    let mut lines = console::streamed_lines(node).unwrap_or_default();
    let mut no_lines = NO_CONSOLE.to_string();
    if lines.is_empty() {
        let mut requests = 0;
        // The log file is on another origin; when the host does not allow it, the diagnosis
        // still stands on the metrics, and says where the console is and what to allow.
        match console::file_tail_or_unreachable(client, run, &mut requests) {
            Ok(Ok((file_lines, _))) => lines = file_lines,
            Ok(Err(unreachable)) => no_lines = unreadable_log(&unreachable),
            Err(e) => no_lines = format!("its log file could not be read: {e}"),
        }
    }
    of_node(node, lines, no_lines, client.server)
}

/// Several runs' crash contexts in one request. Runs synced by older clients keep their
/// console only in a log file, on another origin and one request each: that is left to
/// `diagnose`, and `no_lines` says where.
pub fn contexts(
    client: &Client,
    project: &ProjectPath,
    runs: &[&str],
) -> Result<Vec<CrashContext>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut variables = context_variables();
    variables["entity"] = json!(project.entity);
    variables["project"] = json!(project.project);
    for (k, id) in runs.iter().enumerate() {
        variables[format!("n{k}")] = json!(id);
    }
    let data = client.query(&documents::crash_contexts(runs.len()), variables)?;
    runs.iter()
        .enumerate()
        .map(|(k, id)| {
            let node = documents::aliased_run(&data, k).ok_or_else(|| {
                AgentError::Server(format!(
                    "{} sent no crash context for run {id}",
                    client.server
                ))
            })?;
            let lines = console::streamed_lines(node).unwrap_or_default();
            let no_lines = match console::log_file_in(node, client) {
                Some(file) if lines.is_empty() => log_file_elsewhere(&file, client),
                _ => NO_CONSOLE.to_string(),
            };
            of_node(node, lines, no_lines, client.server)
        })
        .collect()
}

fn of_node(node: &Value, lines: Vec<Line>, no_lines: String, server: &str) -> Result<CrashContext> {
    let (metrics, _) = events::parse(&events::rows_of(node, server)?);
    Ok(CrashContext {
        lines,
        no_lines,
        metrics,
    })
}

/// The crash row's words (in `triage`) when the console is only the log file `(name,
/// origin)`, not read there: `diagnose` reads it, if the host allows its origin.
fn log_file_elsewhere(file: &(String, String), client: &Client) -> String {
    let (name, origin) = file;
    let on_api = origin_of(client.base_url) == origin.as_str();
    let remedy = if on_api {
        String::new()
    } else {
        format!(" (if not allowed: {})", crate::hints::allow(origin))
    };
    format!("console only in the log file {name} on {origin}: diagnose reads it{remedy}")
}

/// The crash row's words when the console is a log file on an origin the host refuses.
fn unreadable_log(file: &console::Unreachable) -> String {
    format!(
        "its console is only in the log file {} on {}, which the host does not allow: {}",
        file.name,
        file.origin,
        crate::hints::allow(&file.origin)
    )
}
