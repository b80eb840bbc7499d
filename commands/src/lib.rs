//! The command-line grammar of the seven operations and the exit codes, shared by the
//! `wandb-agent` host CLI and the component's command build (`wandb-agent-cli.wasm` under
//! `wasmtime run`), so both accept the same arguments and fail the same way.

use clap::{Subcommand, ValueEnum};

/// Exit codes (documented in the README). WASI 0.2 commands can only report 0 or 1.
pub mod exit {
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const UNAUTHORIZED: u8 = 4;
    pub const NETWORK: u8 = 5;
    pub const DENIED: u8 = 6;
    pub const SERVER: u8 = 7;
    pub const SANDBOX: u8 = 8;
    pub const LIMIT: u8 = 9;
}

/// Whether lower or higher values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// The operations, as subcommands.
#[derive(Debug, Subcommand)]
pub enum OpCommand {
    /// List a project's runs, newest first (CSV). Crashed and short runs are hidden unless asked.
    ListRuns {
        /// ENTITY/PROJECT (or PROJECT with WANDB_ENTITY set).
        project: String,
        /// How many runs to show.
        #[arg(long, default_value_t = 10)]
        limit: u32,
        /// Show crashed runs too.
        #[arg(long)]
        include_crashed: bool,
        /// Show short runs too (ended with <10 steps or in <60 s).
        #[arg(long)]
        include_short: bool,
    },
    /// One run's config and summary metrics as one line of JSON.
    Summary {
        /// ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
        run: String,
    },
    /// A metric curve (CSV `_step,key,...`) sampled by W&B and reduced to a token budget,
    /// keeping extremes and NaN onsets; or, with --stats, per-key statistics and a sparkline.
    History {
        /// ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
        run: String,
        /// Metric keys, comma-separated (e.g. loss,val_loss,grad_norm).
        #[arg(long, value_delimiter = ',', required = true)]
        keys: Vec<String>,
        /// Rows W&B samples server-side per key, at random [default: dense, about 20,000 per
        /// key over consecutive step windows].
        #[arg(long)]
        samples: Option<u32>,
        /// First step of the window (inclusive): the micro view.
        #[arg(long)]
        min_step: Option<u64>,
        /// Last step of the window (inclusive).
        #[arg(long)]
        max_step: Option<u64>,
        /// Approximate output size in tokens; rows beyond it are reduced keeping extremes
        /// (0 = print every fetched row) [default: 2000].
        #[arg(long, conflicts_with = "stats")]
        budget: Option<u32>,
        /// Print per-key statistics (min/max with steps, mean, std, NaN onset, sparkline) instead.
        #[arg(long)]
        stats: bool,
    },
    /// Compare two runs on a metric: final and best values, deltas, which is better, the
    /// correlation of their curves, and the config keys that differ (CSV).
    Compare {
        /// The first run (ENTITY/PROJECT/RUN_ID or a W&B run URL).
        run_a: String,
        /// The second run.
        run_b: String,
        /// The metric to compare (e.g. val_loss).
        #[arg(long)]
        metric: String,
        /// Whether lower (min) or higher (max) is better [default: inferred from the name].
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
    },
    /// Name the best of a project's most recent runs by a metric, with the ranking (CSV).
    Best {
        /// ENTITY/PROJECT (or PROJECT with WANDB_ENTITY set).
        project: String,
        /// The metric to rank by (e.g. val_loss).
        #[arg(long)]
        metric: String,
        /// How many of the newest qualifying runs to consider.
        #[arg(long, default_value_t = 5)]
        last: u32,
        /// Whether lower (min) or higher (max) is better [default: inferred from the name].
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// Consider crashed runs too.
        #[arg(long)]
        include_crashed: bool,
        /// Consider short runs too.
        #[arg(long)]
        include_short: bool,
        /// Rank by the best value over the run's (sampled) history, not the final summary value.
        #[arg(long)]
        over_history: bool,
    },
    /// Find divergence (NaN/Inf), gradient explosions, loss spikes, overfitting and plateaus,
    /// each at its exact step and epoch (CSV), zooming in from a coarse sampled pass.
    Diagnose {
        /// ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
        run: String,
        /// The training-loss key [default: guessed from the run's keys].
        #[arg(long)]
        loss_key: Option<String>,
        /// The gradient-norm key [default: guessed].
        #[arg(long)]
        grad_key: Option<String>,
        /// The validation-loss key [default: guessed].
        #[arg(long)]
        val_key: Option<String>,
    },
}

/// clap's message for bad arguments spans lines (the error, its details, a usage block):
/// this keeps the meaningful lines, joined into one.
pub fn usage_error_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect();
    format!("{} (see --help)", message.join(" "))
}
