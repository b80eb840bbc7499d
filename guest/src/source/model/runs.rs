//! A project's runs: which to list, and one run's line.

use wandb_agent_commands::RunFilter;

use crate::error::{AgentError, Result};

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
        if self.state == "running" || self.state == "pending" {
            return false;
        }
        self.steps.is_some_and(|s| s < SHORT_MAX_STEPS)
            || self.runtime_s.is_some_and(|s| s < SHORT_MAX_SECONDS)
    }
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
