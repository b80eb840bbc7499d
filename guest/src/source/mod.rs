//! Where runs come from, below the operations. An operation asks a [`Source`] for what it
//! needs and gets plain [`crate::model`] types back, whatever the source reads: [`wandb`]
//! reads W&B's GraphQL API (sampling, request batching and retries are its own business);
//! [`disk`] reads the run directories the `wandb` client writes, every row. What both read
//! the same way: run [`filters`] (sent to W&B, evaluated on disk), [`histogram`]s, and the
//! dense-pass [`plan`] of sampled history.

pub mod disk;
pub mod filters;
pub mod histogram;
pub mod plan;
pub mod wandb;

use crate::error::Result;
use crate::model::paths::{ProjectPath, RunPath};
use crate::model::{
    Coverage, CrashContext, Fetched, HistoryReply, HistoryRequest, ListedRun, RunCounts, RunValues,
    RunsQuery, Series, Spec, SystemMetrics, Tail,
};

/// What operations read about runs. A source that holds every logged row answers every spec
/// whole (each series `complete`), and its coverage is every row, unless it reduces a key too
/// long to keep to its extremes ([`Source::delivered`] says so).
pub trait Source {
    /// The source's name in messages (a server's host).
    fn name(&self) -> &str;

    /// Requests (or reads) made so far, for the `#` lines that count them.
    fn requests(&self) -> u32;

    /// The runs of `project` the query selects, newest first, each handed to `visit` until it
    /// returns `false` or the runs end; then how many the filters matched.
    fn runs(
        &self,
        project: &ProjectPath,
        query: &RunsQuery,
        visit: &mut dyn FnMut(ListedRun) -> Result<bool>,
    ) -> Result<RunCounts>;

    /// One run's config, summary and series for `specs`; a source that cannot read the
    /// series gives none rather than failing.
    fn run_values(&self, run: &RunPath, specs: &[Spec]) -> Result<RunValues>;

    /// Several runs' config, summary, keys and series for `spec`, each in the order given
    /// (an error for a run that cannot be read).
    fn runs_values(&self, runs: &[RunPath], spec: &Spec) -> Result<Vec<Result<RunValues>>>;

    /// A look at a run's history: one series per key of each spec (at most `samples` rows
    /// each, in its step window); with `with_keys`, also the run's keys and how it stands.
    fn history(&self, run: &RunPath, specs: &[Spec], with_keys: bool) -> Result<HistoryReply>;

    /// Several runs' specs of one project at once: one answer per run, in order.
    fn histories(
        &self,
        project: &ProjectPath,
        runs: &[(&str, &[Spec])],
    ) -> Result<Vec<Vec<Series>>>;

    /// The rows of `request`'s keys as a table: every row of the window, or as dense a view
    /// as the source can give, saying which.
    fn history_table(&self, run: &RunPath, request: &HistoryRequest) -> Result<Fetched>;

    /// The last `last` console lines of a run (fewer when the source holds fewer).
    fn console(&self, run: &RunPath, last: u32) -> Result<Tail>;

    /// A run's system metrics, at most `samples` rows per resource.
    fn system(&self, run: &RunPath, samples: u32) -> Result<SystemMetrics>;

    /// Why a run died: its console's end and its system metrics.
    fn crash_context(&self, run: &RunPath) -> Result<CrashContext>;

    /// The same for several runs of one project at once (the console only where the source
    /// has it at hand: `no_lines` says where else it is).
    fn crash_contexts(&self, project: &ProjectPath, runs: &[&str]) -> Result<Vec<CrashContext>>;

    /// What the reads of this call met that every answer should mention (a log that ends
    /// mid-record), one `#` line each.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// A coverage planned as for W&B, as this source delivered it: W&B thins at random; a
    /// source that reads every row and keeps each stretch's extremes says so instead.
    fn delivered(&self, planned: Coverage) -> Coverage {
        planned
    }
}
