//! A project's runs: which to list, and one run's line.

use serde_json::Value;

use wandb_agent_commands::RunFilter;

use crate::error::{AgentError, Result};
use crate::model::console::RunState;
use crate::model::history::{RunKeys, Series, Spec};

/// The most runs one listing shows (five pages).
pub const MAX_LIMIT: u32 = 1000;
/// A run that ended with fewer logged steps than this is "short" (a smoke test, a typo'd launch).
pub const SHORT_MAX_STEPS: i64 = 10;
/// A run that ended after less wall time than this (seconds) is "short".
pub const SHORT_MAX_SECONDS: i64 = 60;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListOptions {
    pub limit: u32,
    pub include_crashed: bool,
    pub include_short: bool,
    pub filter: RunFilter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub created_at: String,
    pub runtime_s: Option<i64>,
    pub steps: Option<i64>,
    /// The process's exit code, as the server reports it (`exitcode`).
    pub exitcode: Option<i64>,
}

impl RunRow {
    /// The exit code of a run that ended badly, when the server knows it.
    pub fn failure_exit(&self) -> Option<i64> {
        matches!(
            self.state.as_str(),
            "failed" | "crashed" | "killed" | "preempted"
        )
        .then_some(self.exitcode?)
    }

    /// Ended runs with almost no steps or seconds; a running run is never short.
    pub fn is_short(&self) -> bool {
        if may_log_more(&self.state) {
            return false;
        }
        self.steps.is_some_and(|s| s < SHORT_MAX_STEPS)
            || self.runtime_s.is_some_and(|s| s < SHORT_MAX_SECONDS)
    }
}

/// Whether a run in `state` has not ended: it may log more (a stalled run is `running` too).
pub fn may_log_more(state: &str) -> bool {
    matches!(state, "running" | "pending")
}

/// Checks a limit (`limit` for list-runs, `last` for the others) against `max` (usually
/// [`MAX_LIMIT`]).
pub fn check_limit(name: &str, limit: u32, max: u32) -> Result<()> {
    if limit == 0 || limit > max {
        return Err(AgentError::BadInput(format!(
            "{name} must be between 1 and {max}"
        )));
    }
    Ok(())
}

/// The server's page size is not bounded by the client; stay modest.
const MAX_PAGE: u32 = 200;

/// Rows per page for `wanted` runs: a few more, so hidden short runs rarely cost a second page.
pub fn page_size(wanted: u32) -> u32 {
    (wanted + wanted / 2 + 5).min(MAX_PAGE)
}

/// What each listed run comes with besides its line.
#[derive(Debug, Clone, Copy)]
pub enum RunsWith<'a> {
    /// The line only.
    Line,
    /// Its config and summary.
    Values,
    /// Its summary.
    Summary,
    /// Its series for these specs.
    History(&'a [Spec]),
    /// How it stands, its keys, and its series for these specs (the first look of `triage`).
    FirstLook(&'a [Spec]),
}

/// Which runs of a project to list, newest first, and what with.
#[derive(Debug, Clone, Copy)]
pub struct RunsQuery<'a> {
    pub options: &'a ListOptions,
    /// Runs per page (a source that reads everything at once may ignore it).
    pub per_page: u32,
    /// Also count the runs the filters match when crashed runs are not hidden.
    pub count_hidden: bool,
    pub with: RunsWith<'a>,
}

/// One listed run. Each part is read from what the source holds only as far as the query
/// asked; a part that cannot be read is an error when the operation looks at it.
#[derive(Debug)]
pub struct ListedRun {
    pub row: Result<RunRow>,
    pub run: RunState,
    pub keys: RunKeys,
    pub config: Result<Value>,
    pub summary: Result<Value>,
    /// One per key of each spec asked, in order.
    pub series: Result<Vec<Series>>,
}

/// How many runs the filters match, with and without crashed runs hidden (the latter only
/// when the query asked to count them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunCounts {
    pub matched: i64,
    pub all: i64,
}

/// One run's config and summary (as stored, not yet cleaned) and its series for the specs
/// asked.
#[derive(Debug)]
pub struct RunValues {
    pub name: String,
    pub state: String,
    pub keys: RunKeys,
    pub config: Result<Value>,
    pub summary: Result<Value>,
    pub series: Result<Vec<Series>>,
}
