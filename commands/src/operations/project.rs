//! The operations over a project's runs: `wandb-list-runs`, `wandb-best`, `wandb-params`,
//! `wandb-triage`. Each takes the [`RunFilter`](super::RunFilter) record.

use serde::{Deserialize, Serialize};

use super::{Mode, RunFilter};

/// `wandb-list-runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListRuns {
    /// ENTITY/PROJECT.
    #[cfg_attr(feature = "cli", arg(help = crate::PROJECT_HELP))]
    pub project: String,
    /// Runs to show, newest first (at most 1000) [default: 10].
    #[cfg_attr(feature = "cli", arg(long))]
    pub limit: Option<u32>,
    /// Show crashed runs too.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_crashed: bool,
    /// Show short runs too (<10 steps or <60 s).
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_short: bool,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
    /// Config or summary values as columns (config.lr,summary.val_loss).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub columns: Vec<String>,
}

/// `wandb-best`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Best {
    /// ENTITY/PROJECT.
    #[cfg_attr(feature = "cli", arg(help = crate::PROJECT_HELP))]
    pub project: String,
    /// The metric to rank by (e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// Newest qualifying runs to consider [default: 5].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    /// Whether min or max is better [default: from the name].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub mode: Option<Mode>,
    /// Consider crashed runs too.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_crashed: bool,
    /// Consider short runs too.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_short: bool,
    /// Rank by the best value in the sampled history, not the final one.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub over_history: bool,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
}

/// `wandb-params`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Params {
    /// ENTITY/PROJECT.
    #[cfg_attr(feature = "cli", arg(help = crate::PROJECT_HELP))]
    pub project: String,
    /// The metric (its final value, e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// Newest matching runs to look at (at most 1000) [default: 100].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    /// Whether min or max is better [default: from the name].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub mode: Option<Mode>,
    /// Consider crashed runs too.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_crashed: bool,
    /// Consider short runs too.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_short: bool,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
}

/// `wandb-triage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Triage {
    /// ENTITY/PROJECT.
    #[cfg_attr(feature = "cli", arg(help = crate::PROJECT_HELP))]
    pub project: String,
    /// Newest matching runs to look at, crashed ones included (at most 200) [default: 20].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
}
