//! The plain types every layer shares: what a source answers in, whatever it reads (W&B's
//! API today, run directories on disk next) — a project's runs, history asked and answered,
//! console lines, system metrics, how a run stands — and the run and project paths operations
//! are given ([`paths`]). Depends on nothing but the error type.

pub mod console;
pub mod history;
pub mod paths;
pub mod runs;
pub mod value;

pub use self::console::{
    CrashContext, Line, LinesFrom, Metrics, RunState, SystemMetrics, Tail, NO_CONSOLE,
};
pub use self::history::{
    Coverage, Fetched, HistoryReply, HistoryRequest, HistoryTable, Row, RunKeys, Series, Spec,
    MAX_SAMPLES,
};
pub use self::runs::{
    check_limit, page_size, ListOptions, ListedRun, RunCounts, RunRow, RunValues, RunsQuery,
    RunsWith, MAX_LIMIT, SHORT_MAX_SECONDS, SHORT_MAX_STEPS,
};
pub use self::value::as_f64;
