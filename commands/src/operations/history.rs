//! A run's curves: `wandb-history` and `wandb-history-stats` (on the command line,
//! `history --stats`). Both take the [`Window`](super::Window) record.

use serde::{Deserialize, Serialize};

#[cfg(feature = "cli")]
use super::keys::key_list;
use super::Window;

/// `wandb-history`; on the command line `history --stats` is `wandb-history-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct History {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    pub run: String,
    /// Metric keys (loss,val_loss): comma-separated or a JSON list.
    #[cfg_attr(feature = "cli", arg(long, required = true, value_parser = key_list))]
    pub keys: Vec<String>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub window: Window,
    /// Output tokens (0 = up to the ceiling) [default: 1500].
    #[cfg_attr(feature = "cli", arg(long, conflicts_with = "stats"))]
    pub budget: Option<u32>,
    /// Per-key statistics (min, max, NaN onset, sparkline) instead of rows.
    // The command line's spelling of `wandb-history-stats` (see `Operation::resolved`).
    #[cfg_attr(feature = "cli", arg(long))]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[serde(skip)]
    pub stats: bool,
}

/// `wandb-history-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryStats {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    pub run: String,
    /// Metric keys (loss,grad_norm): comma-separated or a JSON list.
    #[cfg_attr(feature = "cli", arg(long, required = true, value_parser = key_list))]
    pub keys: Vec<String>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub window: Window,
}
