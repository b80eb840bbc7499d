//! `wandb-agent mcp`: an MCP server on stdio. Every tool call runs the component in a fresh
//! sandboxed instance with the same allowlist, credentials and limits as the CLI; a failed
//! call is an MCP tool error (`isError`) carrying the CLI's one-line message.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, ServerHandler, ServiceExt};
use serde::Deserialize;

use crate::sandbox::{Grant, Mode, Operation, Sandbox, Window};
use crate::{exit, Failure};

/// How an agent should use these tools; MCP clients show it as the server's instructions.
pub const INSTRUCTIONS: &str = "Diagnose Weights & Biases training runs while spending few tokens. \
Work from coarse to fine: (1) wandb_list_runs to discover run ids — never guess them; \
(2) wandb_summary for one run's config and final metrics, which also shows which metric keys exist; \
(3) wandb_history_stats for the keys you need: min/max with their steps, NaN onset and a sparkline, ~60 tokens per key; \
(4) wandb_history for the curve itself, and with min_step/max_step for the exact rows of a window (the micro view). \
Request only the keys you need. Use wandb_best to pick the best of recent runs, wandb_compare for two runs, \
and wandb_diagnose to pin a divergence, gradient explosion, loss spike or overfitting to its exact step and epoch. \
Outputs are compact CSV or one-line JSON; a trailing '#' line says what was hidden or reduced and how to see it.";

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListRunsArgs {
    /// The project as ENTITY/PROJECT, e.g. "my-team/my-project".
    pub project: String,
    /// How many runs to show, newest first (default 10).
    pub limit: Option<u32>,
    /// Also show crashed runs (hidden by default).
    #[serde(default)]
    pub include_crashed: bool,
    /// Also show short runs: ended with <10 steps or in <60 s (hidden by default).
    #[serde(default)]
    pub include_short: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RunArgs {
    /// The run as ENTITY/PROJECT/RUN_ID (the 8-character id from wandb_list_runs) or a W&B run URL.
    pub run: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct HistoryArgs {
    /// The run as ENTITY/PROJECT/RUN_ID or a W&B run URL.
    pub run: String,
    /// Metric keys to read, e.g. ["loss", "val_loss"]. Ask only for what you need.
    pub keys: Vec<String>,
    /// Rows W&B samples server-side per key, at random (default: dense, about 20,000 per key).
    pub samples: Option<u32>,
    /// First step of a window (inclusive). A narrow window returns every row, unsampled.
    pub min_step: Option<u64>,
    /// Last step of a window (inclusive).
    pub max_step: Option<u64>,
    /// Approximate output size in tokens (default 2000; 0 = every fetched row).
    pub budget: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct StatsArgs {
    /// The run as ENTITY/PROJECT/RUN_ID or a W&B run URL.
    pub run: String,
    /// Metric keys, e.g. ["loss", "grad_norm"].
    pub keys: Vec<String>,
    /// Rows W&B samples server-side per key (default: dense, about 20,000 per key).
    pub samples: Option<u32>,
    /// First step of a window (inclusive).
    pub min_step: Option<u64>,
    /// Last step of a window (inclusive).
    pub max_step: Option<u64>,
}

/// Whether lower or higher values are better.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeArg {
    Min,
    Max,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Min => Mode::Min,
            ModeArg::Max => Mode::Max,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CompareArgs {
    /// The first run (ENTITY/PROJECT/RUN_ID or URL).
    pub run_a: String,
    /// The second run.
    pub run_b: String,
    /// The metric to compare, e.g. "val_loss".
    pub metric: String,
    /// "min" if lower is better, "max" if higher; inferred from the metric name when absent.
    pub mode: Option<ModeArg>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct BestArgs {
    /// The project as ENTITY/PROJECT.
    pub project: String,
    /// The metric to rank by, e.g. "val_loss".
    pub metric: String,
    /// How many of the newest qualifying runs to consider (default 5).
    pub last: Option<u32>,
    /// "min" if lower is better, "max" if higher; inferred from the metric name when absent.
    pub mode: Option<ModeArg>,
    /// Consider crashed runs too.
    #[serde(default)]
    pub include_crashed: bool,
    /// Consider short runs too.
    #[serde(default)]
    pub include_short: bool,
    /// Rank by the best value over (sampled) history instead of the final summary value.
    #[serde(default)]
    pub over_history: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DiagnoseArgs {
    /// The run as ENTITY/PROJECT/RUN_ID or a W&B run URL.
    pub run: String,
    /// The training-loss key; guessed from the run's keys when absent.
    pub loss_key: Option<String>,
    /// The gradient-norm key; guessed when absent.
    pub grad_key: Option<String>,
    /// The validation-loss key; guessed when absent.
    pub val_key: Option<String>,
}

#[derive(Clone)]
pub struct WandbTools {
    sandbox: Arc<Sandbox>,
    grant: Arc<Grant>,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl WandbTools {
    pub fn new(sandbox: Sandbox, grant: Grant) -> Self {
        WandbTools {
            sandbox: Arc::new(sandbox),
            grant: Arc::new(grant),
            tool_router: Self::tool_router(),
        }
    }

    async fn call(&self, operation: Operation) -> Result<CallToolResult, ErrorData> {
        Ok(match self.sandbox.run(&self.grant, &operation).await {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(err) => CallToolResult::error(vec![ContentBlock::text(format!(
                "error: {}",
                Failure::from(err).message
            ))]),
        })
    }

    #[tool(
        name = "wandb_list_runs",
        description = "Start here. List a project's runs, newest first, as CSV id,name,state,created_at,runtime_s,steps. \
`id` is the run id every other tool needs: never guess it. Crashed and short runs are hidden unless asked; \
a trailing '#' line says how many were hidden."
    )]
    async fn list_runs(
        &self,
        Parameters(a): Parameters<ListRunsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(Operation::ListRuns {
            project: a.project,
            limit: a.limit,
            include_crashed: a.include_crashed,
            include_short: a.include_short,
        })
        .await
    }

    #[tool(
        name = "wandb_summary",
        description = "One run's config and final summary metrics as one line of JSON {\"config\":{...},\"summary\":{...}}. \
Cheap; read it before any curve to learn which metric keys exist. NaN/Infinity appear as the strings \"NaN\"/\"Infinity\"."
    )]
    async fn summary(
        &self,
        Parameters(a): Parameters<RunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(Operation::Summary { run: a.run }).await
    }

    #[tool(
        name = "wandb_history_stats",
        description = "Per-key statistics of a metric curve, ~60 tokens per key: n, min and its step, max and its step, mean, std, \
first, last, count of NaN/Inf and the first such step, and a 20-character sparkline. Use this before raw rows; \
then zoom in with wandb_history and a step window."
    )]
    async fn history_stats(
        &self,
        Parameters(a): Parameters<StatsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let window = Window {
            samples: a.samples,
            min_step: a.min_step,
            max_step: a.max_step,
        };
        self.call(Operation::HistoryStats {
            run: a.run,
            keys: a.keys,
            window,
        })
        .await
    }

    #[tool(
        name = "wandb_history",
        description = "A metric curve as CSV _step,key1,key2,... within a token budget (default ~2000 tokens), keeping the \
minimum, maximum, NaN onset and per-bucket extremes of every key. Sampling is random server-side: to see every row of \
a region, pass min_step/max_step (inclusive) narrow enough — the trailing '#' line then says 'every logged row in range'."
    )]
    async fn history(
        &self,
        Parameters(a): Parameters<HistoryArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let window = Window {
            samples: a.samples,
            min_step: a.min_step,
            max_step: a.max_step,
        };
        self.call(Operation::History {
            run: a.run,
            keys: a.keys,
            window,
            budget: a.budget,
        })
        .await
    }

    #[tool(
        name = "wandb_compare",
        description = "Compare two runs on one metric: final and best values, delta and relative delta, which run is better \
(mode, or inferred from the name), the Pearson correlation of the two curves, and the config keys that differ. Small CSV."
    )]
    async fn compare(
        &self,
        Parameters(a): Parameters<CompareArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(Operation::Compare {
            run_a: a.run_a,
            run_b: a.run_b,
            metric: a.metric,
            mode: a.mode.map(Mode::from),
        })
        .await
    }

    #[tool(
        name = "wandb_best",
        description = "Name the best of a project's most recent runs by a metric (default: the last 5 that list_runs would show). \
First line best,<run_id>,<name>,<value>, then the ranking as CSV, then which value was used and which runs were skipped."
    )]
    async fn best(&self, Parameters(a): Parameters<BestArgs>) -> Result<CallToolResult, ErrorData> {
        self.call(Operation::Best {
            project: a.project,
            metric: a.metric,
            last: a.last,
            mode: a.mode.map(Mode::from),
            include_crashed: a.include_crashed,
            include_short: a.include_short,
            over_history: a.over_history,
        })
        .await
    }

    #[tool(
        name = "wandb_diagnose",
        description = "Find what went wrong in a run, each at its exact step and epoch: divergence (first NaN/Inf), gradient-norm \
explosion, loss spikes, overfitting (validation minimum then rise), plateau; 'none' when healthy. CSV \
finding,key,step,epoch,value,detail; keys are guessed from the run and stated. A few requests, under 400 tokens."
    )]
    async fn diagnose(
        &self,
        Parameters(a): Parameters<DiagnoseArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(Operation::Diagnose {
            run: a.run,
            loss_key: a.loss_key,
            grad_key: a.grad_key,
            val_key: a.val_key,
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for WandbTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "wandb-agent",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Serves MCP on stdin/stdout until the client closes the connection.
pub async fn serve(sandbox: Sandbox, grant: Grant) -> Result<(), Failure> {
    let failed =
        |e: &dyn std::fmt::Display| Failure::new(exit::SANDBOX, format!("MCP session failed: {e}"));
    let service = WandbTools::new(sandbox, grant)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| failed(&e))?;
    service.waiting().await.map_err(|e| failed(&e))?;
    Ok(())
}
