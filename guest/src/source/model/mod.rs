//! The plain types every source answers in, whatever it reads (W&B's API today, run
//! directories on disk next): a project's runs, history asked and answered, console lines, system metrics, how
//! a run stands.

pub mod console;
pub mod history;
pub mod runs;

pub use self::console::{Line, Metrics, RunState};
pub use self::history::{
    Coverage, Fetched, HistoryRequest, HistoryTable, Row, Series, Spec, MAX_SAMPLES,
};
pub use self::runs::{
    check_limit, ListOptions, RunRow, MAX_LIMIT, SHORT_MAX_SECONDS, SHORT_MAX_STEPS,
};
