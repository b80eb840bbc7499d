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
