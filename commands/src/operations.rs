//! The operations, declared once.
//!
//! Each operation is a struct whose fields are the parameters of its WIT export, in the same
//! order and with the same names (`min_step` here is `min-step` in the WIT). From this one
//! declaration follow:
//! - the CLI subcommand of the host and of the component's command build (clap, feature `cli`;
//!   the doc comments are the help text),
//! - the MCP tool's input schema (schemars, feature `schema`; the same doc comments describe
//!   the parameters) and its description (declared beside the operation, shorter than the
//!   WIT export's docs, which stay the full reference),
//! - the sandbox call: the host serialises the struct to JSON and hands each field to the
//!   export parameter of the same name, typed by the component's own export signature,
//! - the component's dispatch: [`Operation::handle`] passes the struct to whatever implements
//!   [`Handle`] for it (the guest's operation modules do).
//!
//! A test in the host checks every declaration against the component's exports.
//!
//! Longer than our usual modules on purpose: every operation's parameters and their help in
//! one file is the point of the design (one place to read and to change).

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
/// same three parameters end `wandb-history` and `wandb-history-stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Window {
    /// Rows W&B samples per key [default: dense].
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
/// run filters), so a filtered listing costs no more requests than a plain one. The same
/// parameters end `wandb-list-runs` and `wandb-best`.
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

/// `wandb-list-runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListRuns {
    /// ENTITY/PROJECT.
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

/// `wandb-summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
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

/// `wandb-compare`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Compare {
    /// The first run (ENTITY/PROJECT/RUN_ID).
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

/// `wandb-best`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Best {
    /// ENTITY/PROJECT.
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
    pub project: String,
    /// Newest matching runs to look at, crashed ones included (at most 200) [default: 20].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
}

/// `wandb-diagnose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diagnose {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
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
    pub run: String,
    /// Groups (gpu, memory, cpu, temp, power, disk, network) or key parts (rss, gpu.3).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub keys: Vec<String>,
    /// Rows the server samples [default: 500].
    #[cfg_attr(feature = "cli", arg(long))]
    pub samples: Option<u32>,
}

/// Something that can act on one operation's arguments: the guest runs them, the host
/// turns them into a sandbox call. Implemented for every declared operation (usually by one
/// generic impl), it lets [`Operation::handle`] dispatch without a match at each edge.
pub trait Handle<Args> {
    type Output;
    fn handle(self, args: Args) -> Self::Output;
}

/// Declares the operation enum from `Variant = "export-name", tool: "description"` entries:
/// its clap subcommands (the doc comment is the one-line help), the export each variant
/// calls, its tool description, a dispatch through [`Handle`], and parsing and schemas by
/// export name (for tool calls).
macro_rules! operations {
    ($( $(#[$attr:meta])* $variant:ident = $export:literal, tool: $tool:literal ),* $(,)?) => {
        /// One call of a component export, with its arguments.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[cfg_attr(feature = "cli", derive(clap::Subcommand))]
        #[serde(untagged)]
        pub enum Operation {
            $( $(#[$attr])* $variant($variant), )*
        }

        impl Operation {
            /// Every export an operation calls, in declaration order.
            pub const EXPORTS: &'static [&'static str] = &[$($export),*];

            /// What `export` does, for an agent choosing a tool: shorter than the WIT's docs
            /// (the full reference), since an MCP client pays for it in every session.
            pub fn tool_description(export: &str) -> Option<&'static str> {
                match export {
                    $( $export => Some($tool), )*
                    _ => None,
                }
            }

            /// The WIT export this operation calls.
            pub fn export(&self) -> &'static str {
                match self {
                    $( Operation::$variant(_) => $export, )*
                }
            }

            /// Hands the arguments to `handler`, typed.
            pub fn handle<H, O>(self, handler: H) -> O
            where
                $( H: Handle<$variant, Output = O>, )*
            {
                match self {
                    $( Operation::$variant(args) => Handle::<$variant>::handle(handler, args), )*
                }
            }

            /// The operation calling `export` with JSON `arguments` named as the struct's
            /// fields (a tool call); `None` for an unknown export.
            pub fn from_arguments(
                export: &str,
                arguments: serde_json::Value,
            ) -> Option<Result<Operation, serde_json::Error>> {
                match export {
                    $( $export => Some(serde_json::from_value(arguments).map(Operation::$variant)), )*
                    _ => None,
                }
            }

            /// The JSON schema of `export`'s arguments (JSON Schema 2020-12, as MCP asks).
            #[cfg(feature = "schema")]
            pub fn input_schema(export: &str) -> Option<schemars::Schema> {
                let generator = || schemars::generate::SchemaSettings::draft2020_12().into_generator();
                match export {
                    $( $export => Some(generator().into_root_schema_for::<$variant>()), )*
                    _ => None,
                }
            }
        }
    };
}

operations! {
    /// A project's runs, newest first: start here, never guess run ids.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent list-runs demo/vision --since 7d"))]
    ListRuns = "wandb-list-runs",
    tool: "A project's runs, newest first (CSV). Start here: other tools need a run id from it; \
        never guess one. Crashed and short runs are hidden unless asked.",
    /// One run's config, final and best metrics (JSON).
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent summary demo/vision/x7k2m9qa"))]
    Summary = "wandb-summary",
    tool: "One run's config, final and best metrics as one JSON line within a token budget. \
        Read it first to learn the run's keys.",
    /// A metric curve within a token budget, or --stats.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent history demo/vision/x7k2m9qa --keys loss,val_loss --min-step 100 --max-step 200"))]
    History = "wandb-history",
    tool: "A metric curve (CSV _step,key,...) within a token budget, extremes and NaN onsets \
        kept; min_step/max_step select a window's rows.",
    /// Per-key statistics of a curve (the same as `history --stats`).
    #[cfg_attr(feature = "cli", command(hide = true))]
    HistoryStats = "wandb-history-stats",
    tool: "Per-key statistics of a curve (CSV): min and max with steps, mean, NaN onset, \
        sparkline; ~60 tokens per key. Read it before rows.",
    /// Compare 2-10 runs on a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent compare demo/vision/x7k2m9qa demo/vision/p3n8v4rt --metric val_loss"))]
    Compare = "wandb-compare",
    tool: "Compare 2 to 10 runs on one metric (CSV): final and best values, which is better, \
        config keys that differ.",
    /// The best of a project's newest runs by a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent best demo/llm-finetune --metric val_loss --last 10"))]
    Best = "wandb-best",
    tool: "The best of a project's newest runs by a metric, then the ranking (CSV). Filters as \
        in wandb_list_runs.",
    /// Which hyperparameters matter for a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent params demo/llm-finetune --metric val_loss"))]
    Params = "wandb-params",
    tool: "Which hyperparameters matter for a metric across a project's runs (a sweep), \
        strongest first (CSV). Filters as in wandb_list_runs.",
    /// The end of a run's console; --errors for the traceback.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent logs demo/crashes/cudaoom1 --errors"))]
    Logs = "wandb-logs",
    tool: "The end of a run's console within a token budget; errors keeps the traceback and \
        failure lines with the likely cause.",
    /// A run's GPU, memory, CPU, disk and network metrics.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent system demo/crashes/cudaoom1 --keys gpu,memory"))]
    System = "wandb-system",
    tool: "A run's system metrics (GPU, memory, CPU, disk, network), one CSV row per metric. \
        For crashes and slowdowns.",
    /// Which of many runs went wrong, and where.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent triage demo/vision --last 20"))]
    Triage = "wandb-triage",
    tool: "Which of many runs went wrong: one CSV row per run, its worst finding at its step \
        or ok. Filters as in wandb_list_runs.",
    /// Divergence, explosions, spikes, overfitting, crashes: to the step.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent diagnose demo/vision/l0ng1m2x"))]
    Diagnose = "wandb-diagnose",
    tool: "What went wrong in one run, at the exact step: divergence, gradient explosion, \
        loss spike, overfitting, plateau, a crash's likely cause (CSV).",
    /// What is new in a run still training since the last look.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent watch demo/live/live0run --cursor w1... --wait 60"))]
    Watch = "wandb-watch",
    tool: "Babysit a training run: state, progress, new rows and new findings since the cursor \
        from the previous call's last line; wait holds until news.",
}

impl Operation {
    /// The operation as its export sees it: `history --stats` becomes `wandb-history-stats`,
    /// and the command line's `--keys` and `--summary-keys` values (comma-separated or JSON
    /// lists) become one key each. Both command lines call this after parsing.
    pub fn resolved(self) -> Operation {
        match self {
            Operation::History(History {
                run,
                keys,
                window,
                stats: true,
                ..
            }) => Operation::HistoryStats(HistoryStats {
                run,
                keys: split_keys(keys),
                window,
            }),
            Operation::History(history) => Operation::History(History {
                keys: split_keys(history.keys),
                ..history
            }),
            Operation::HistoryStats(stats) => Operation::HistoryStats(HistoryStats {
                keys: split_keys(stats.keys),
                ..stats
            }),
            Operation::Summary(summary) => Operation::Summary(Summary {
                summary_keys: split_keys(summary.summary_keys),
                ..summary
            }),
            other => other,
        }
    }
}

/// A `--keys` value that is a JSON list (it starts with `[`), parsed; `None` for the
/// comma-separated spelling.
fn json_key_list(value: &str) -> Option<serde_json::Result<Vec<String>>> {
    value
        .trim_start()
        .starts_with('[')
        .then(|| serde_json::from_str(value))
}

/// Checks a `--keys` value at parse time: a JSON list must be a list of strings.
#[cfg(feature = "cli")]
fn key_list(value: &str) -> Result<String, String> {
    if let Some(Err(e)) = json_key_list(value) {
        return Err(format!("not a JSON list of strings ({e}): {value}"));
    }
    Ok(value.to_string())
}

/// One key per entry: JSON lists expanded, other values split on commas, blanks dropped.
fn split_keys(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|v| match json_key_list(&v) {
            Some(Ok(list)) => list,
            _ => v.split(',').map(|k| k.trim().to_string()).collect(),
        })
        .filter(|k| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_keys_split_on_commas_unless_a_json_list() {
        let keys = split_keys(vec![
            "loss, val_loss".into(),
            r#"["val/acc, top-5 (%)", "val/précision"]"#.into(),
            "grad_norm".into(),
        ]);
        assert_eq!(
            keys,
            [
                "loss",
                "val_loss",
                "val/acc, top-5 (%)",
                "val/précision",
                "grad_norm"
            ]
        );
    }

    #[test]
    fn arguments_round_trip_through_json_by_export_name() {
        let op = Operation::History(History {
            run: "e/p/r".into(),
            keys: vec!["loss".into()],
            window: Window {
                samples: None,
                min_step: Some(5),
                max_step: Some(9),
            },
            budget: Some(300),
            stats: false,
        });
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"run":"e/p/r","keys":["loss"],"samples":null,"min_step":5,"max_step":9,"budget":300})
        );
        let back = Operation::from_arguments(op.export(), json)
            .unwrap()
            .unwrap();
        assert_eq!(back, op);
    }

    #[test]
    fn unknown_exports_and_bad_arguments_are_refused() {
        assert!(Operation::from_arguments("wandb-nope", serde_json::json!({})).is_none());
        let missing = Operation::from_arguments("wandb-summary", serde_json::json!({}));
        assert!(missing.unwrap().unwrap_err().to_string().contains("run"));
    }

    #[test]
    fn history_stats_on_the_command_line_is_its_own_export() {
        let op = Operation::History(History {
            run: "e/p/r".into(),
            keys: vec!["loss".into()],
            window: Window::default(),
            budget: None,
            stats: true,
        });
        assert_eq!(op.resolved().export(), "wandb-history-stats");
    }
}
