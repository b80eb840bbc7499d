//! Command-line flags. The binary is thin: parse, build the grant, run one operation, print.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Diagnose Weights & Biases training runs from an AI agent, in a sandbox, in few tokens.
///
/// All W&B work runs inside a WebAssembly component that can reach only the W&B base URL
/// (plus any --allow origins); the API key is added by this host and never enters it.
#[derive(Debug, Parser)]
#[command(name = "wandb-agent", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// W&B API base URL. The API key comes from WANDB_API_KEY, else ~/.netrc (`machine <host[:port]>`).
    #[arg(
        long,
        env = "WANDB_BASE_URL",
        default_value = "https://api.wandb.ai",
        global = true
    )]
    pub base_url: String,
    /// Also allow the component to reach this origin (scheme://host[:port]); repeatable.
    /// No credentials are ever added to requests for these.
    #[arg(long = "allow", value_name = "ORIGIN", global = true)]
    pub allow: Vec<String>,
    /// Run this component (.wasm) instead of the embedded one.
    #[arg(long, value_name = "PATH", global = true)]
    pub component: Option<PathBuf>,
    /// Where precompiled components are cached [default: $XDG_CACHE_HOME/wandb-agent or ~/.cache/wandb-agent].
    #[arg(long, env = "WANDB_AGENT_CACHE_DIR", value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component on every call instead of using the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Stop a call after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, global = true)]
    pub timeout: u64,
    /// Memory the component may use, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, global = true)]
    pub max_memory_mb: usize,
    /// HTTP requests one call may make, retries included.
    #[arg(long, value_name = "N", default_value_t = 50, global = true)]
    pub max_requests: u32,
    /// Size limit of one HTTP response body, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, global = true)]
    pub max_response_mb: u64,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECS", default_value_t = 10, global = true)]
    pub connect_timeout: u64,
    /// Seconds to wait for a response's first byte, and between two of its chunks.
    #[arg(long, value_name = "SECS", default_value_t = 20, global = true)]
    pub io_timeout: u64,
    /// Retries after a 429, a 5xx or a network failure (with backoff honouring Retry-After).
    #[arg(long, value_name = "N", default_value_t = 3, global = true)]
    pub retries: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
        /// Rows W&B samples server-side per key (at random) [default: 2000].
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
    /// Serve every operation as an MCP tool on stdin/stdout (for agent runtimes). Each call runs
    /// in a fresh sandbox with the same allowlist, credentials and limits as the CLI.
    Mcp,
    /// Start a local W&B-compatible server with demo data and show the tool working.
    /// No account and no network needed.
    Demo {
        /// Keep the demo server running after the tour, so you can point the CLI at it.
        #[arg(long)]
        serve: bool,
        /// Address for the demo server.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}
