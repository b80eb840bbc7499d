//! Analyses shared by the operations, on plain model types (no requests): which way a metric
//! is better, config differences, statistics, correlation, binned effects, what a console
//! says about a crash, the detection of what went wrong in a run, and what is new in a run
//! since a watcher's last look.

pub mod binned;
pub mod config_diff;
pub mod console_errors;
pub mod correlation;
pub mod detection;
pub mod direction;
pub mod dynamics;
pub mod stats;
pub mod watch;
