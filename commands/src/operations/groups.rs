//! The parameter groups several operations share: the step window of the history exports and
//! the run filters of the multi-run ones (the WIT's `window` and `run-filter` records), and the
//! `mode` enum. (The WIT's `hidden-runs` pair is two fields of each operation here: their help
//! reads differently for `list-runs`, which shows, and `best`/`params`, which consider.)

use serde::{Deserialize, Serialize};

/// Whether lower or higher values of a metric are better (the WIT's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    // Lower is better (plain comments: doc comments would list the values in every --help).
    Min,
    // Higher is better.
    Max,
}

/// Which history rows to read: server-side samples per key and an inclusive step window. The
/// WIT's `window` record, of `wandb-history` and `wandb-history-stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Window {
    /// Rows sampled per key [default: dense, by run length].
    #[cfg_attr(feature = "cli", arg(long))]
    pub samples: Option<u32>,
    /// First step of a window (inclusive).
    #[cfg_attr(feature = "cli", arg(long))]
    pub min_step: Option<u64>,
    /// Last step of the window (inclusive).
    #[cfg_attr(feature = "cli", arg(long))]
    pub max_step: Option<u64>,
}

/// Which of a project's runs a multi-run operation looks at. The server evaluates it (W&B's
/// run filters), so a filtered listing costs no more requests than a plain one. The WIT's
/// `run-filter` record, of `wandb-list-runs`, `wandb-best`, `wandb-params` and `wandb-triage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunFilter {
    /// Only runs in these states (finished, crashed, failed, ...).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub state: Vec<String>,
    /// Only runs with all these tags; repeatable.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub tag: Vec<String>,
    /// Only runs of this group.
    #[cfg_attr(feature = "cli", arg(long))]
    pub group: Option<String>,
    /// Only runs of this job type.
    #[cfg_attr(feature = "cli", arg(long))]
    pub job_type: Option<String>,
    /// Only runs of this sweep (its id).
    #[cfg_attr(feature = "cli", arg(long))]
    pub sweep: Option<String>,
    /// Only runs whose name matches this regex.
    #[cfg_attr(feature = "cli", arg(long))]
    pub name: Option<String>,
    /// Only runs created since 30m, 12h, 7d, 2w or a date.
    #[cfg_attr(feature = "cli", arg(long))]
    pub since: Option<String>,
    /// A condition (config.lr<1e-3, summary.val_loss<=0.4); repeatable, all must hold.
    #[cfg_attr(feature = "cli", arg(long = "where", value_name = "EXPR"))]
    #[serde(default, rename = "where")]
    pub conditions: Vec<String>,
}

impl RunFilter {
    /// Whether the filter names any state (then nothing is hidden by state by default).
    pub fn names_states(&self) -> bool {
        !self.state.is_empty()
    }
}
