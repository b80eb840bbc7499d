//! A run's console lines and system metrics, and how the run stands.

use std::collections::BTreeMap;

/// One console line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 0-based position in the whole console, when known.
    pub number: Option<u64>,
    pub stderr: bool,
    pub text: String,
}

/// How a run stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    pub state: String,
    pub exitcode: Option<i64>,
    pub heartbeat_at: Option<String>,
    pub created_at: Option<String>,
    pub history_lines: Option<u64>,
}

/// Every system metric's points, `(runtime seconds, value)` in time order, by key without
/// the `system.` prefix.
pub type Metrics = BTreeMap<String, Vec<(f64, f64)>>;

/// Where the lines came from.
#[derive(Debug, Clone, PartialEq)]
pub enum LinesFrom {
    /// `logLines`: streamed lines, `total` in the whole console.
    Stream { total: Option<u64> },
    /// The end of a run file, `read` of its `size` bytes.
    File { name: String, read: u64, size: u64 },
    /// Neither streamed lines nor a log file.
    Nothing,
}

/// A run's console tail and how the run stands.
pub struct Tail {
    pub lines: Vec<Line>,
    pub source: LinesFrom,
    pub run: RunState,
    /// Requests made (GraphQL and file).
    pub requests: u32,
}

/// A run's system metrics: every metric's points, rows that could not be read, and the run's
/// state.
#[derive(Debug, Clone, Default)]
pub struct SystemMetrics {
    pub metrics: Metrics,
    /// Rows that were not JSON objects, skipped.
    pub bad_rows: usize,
    pub state: String,
}

/// The crash row's words when the run has no console output at all.
pub const NO_CONSOLE: &str = "no console output to say why";

/// What a run that ended badly left behind: its console's last lines, and its system metrics.
#[derive(Debug, Clone, Default)]
pub struct CrashContext {
    pub lines: Vec<Line>,
    /// What the crash row says when `lines` is empty (no console at all, or where it is).
    pub no_lines: String,
    pub metrics: Metrics,
}
