//! The operations on one run (or a few, for `wandb-compare`): `wandb-summary`,
//! `wandb-compare`, `wandb-diagnose`, `wandb-logs`, `wandb-system`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "cli")]
use super::keys::key_list;
use super::Mode;

/// `wandb-summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Output tokens (0 = all, up to the ceiling) [default: 500].
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u32>,
    /// Config keys to show as they are (e.g. optimizer.name); comma-separated.
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_keys: Vec<String>,
    /// Summary metrics to show as they are; comma-separated or a JSON list.
    #[cfg_attr(feature = "cli", arg(long, value_parser = key_list))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summary_keys: Vec<String>,
}

/// `wandb-compare`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Compare {
    /// The first run (ENTITY/PROJECT/RUN_ID).
    #[cfg_attr(
        feature = "cli",
        arg(help = "The first run (ENTITY/PROJECT/RUN_ID, or a run directory on disk)")
    )]
    pub run_a: String,
    /// The second run.
    pub run_b: String,
    /// The metric (e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// Whether min or max is better [default: from the name].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub mode: Option<Mode>,
    /// Up to 8 more runs (then one row per run).
    #[cfg_attr(feature = "cli", arg(num_args = 0..=8))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<String>,
}

/// `wandb-diagnose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diagnose {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// The training-loss key [default: guessed].
    #[cfg_attr(feature = "cli", arg(long))]
    pub loss_key: Option<String>,
    /// The gradient-norm key [default: guessed].
    #[cfg_attr(feature = "cli", arg(long))]
    pub grad_key: Option<String>,
    /// The validation-loss key [default: guessed].
    #[cfg_attr(feature = "cli", arg(long))]
    pub val_key: Option<String>,
}

/// `wandb-watch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Watch {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Only what is new since this cursor (the last line of the previous look).
    #[cfg_attr(feature = "cli", arg(long))]
    pub cursor: Option<String>,
    /// With a cursor: hold the call until a new finding or state change, at most SECS.
    #[cfg_attr(feature = "cli", arg(long, value_name = "SECS"))]
    pub wait: Option<u32>,
}

/// `wandb-logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Logs {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Console lines to show, newest last [default: 40].
    #[cfg_attr(feature = "cli", arg(long))]
    pub tail: Option<u32>,
    /// Only lines matching this regular expression (e.g. 'error|warn').
    #[cfg_attr(feature = "cli", arg(long))]
    pub grep: Option<String>,
    /// Only the last traceback and known failure lines, with the likely cause.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub errors: bool,
    /// Output tokens (0 = up to the ceiling) [default: 600].
    #[cfg_attr(feature = "cli", arg(long))]
    pub budget: Option<u32>,
}

/// `wandb-system`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct System {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Groups (gpu, memory, cpu, temp, power, disk, network) or key parts (rss, gpu.3).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub keys: Vec<String>,
    /// Rows the server samples [default: 500].
    #[cfg_attr(feature = "cli", arg(long))]
    pub samples: Option<u32>,
}
