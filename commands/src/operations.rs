//! The operations, declared once.
//!
//! Each operation is a struct whose fields are the parameters of its WIT export, in the same
//! order and with the same names (`min_step` here is `min-step` in the WIT). From this one
//! declaration follow:
//! - the CLI subcommand of the host and of the component's command build (clap, feature `cli`;
//!   the doc comments are the help text),
//! - the MCP tool's input schema (schemars, feature `schema`; the same doc comments describe
//!   the parameters — the tool's description is the WIT export's docs),
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
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

/// Which history rows to read: server-side samples per key and an inclusive step window. The
/// same three parameters end `wandb-history` and `wandb-history-stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Window {
    /// Rows W&B samples server-side per key, at random [default: dense, about 20,000 per key
    /// over consecutive step windows].
    #[cfg_attr(feature = "cli", arg(long))]
    pub samples: Option<u32>,
    /// First step of the window (inclusive): the micro view. A narrow window comes back with
    /// every logged row.
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
    /// Only runs in one of these states (finished, running, crashed, failed, killed,
    /// preempted); repeatable or comma-separated. Naming a state shows it even when it is
    /// hidden by default (crashed).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub state: Vec<String>,
    /// Only runs carrying every one of these tags; repeatable.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub tag: Vec<String>,
    /// Only runs of this group.
    #[cfg_attr(feature = "cli", arg(long))]
    pub group: Option<String>,
    /// Only runs of this job type.
    #[cfg_attr(feature = "cli", arg(long))]
    pub job_type: Option<String>,
    /// Only runs of this sweep (its id, as in the sweep's URL).
    #[cfg_attr(feature = "cli", arg(long))]
    pub sweep: Option<String>,
    /// Only runs whose display name matches this regular expression.
    #[cfg_attr(feature = "cli", arg(long))]
    pub name: Option<String>,
    /// Only runs created since then: a span back from now (30m, 12h, 7d, 2w) or a UTC date
    /// or time (2026-11-01, 2026-11-01T08:00:00).
    #[cfg_attr(feature = "cli", arg(long))]
    pub since: Option<String>,
    /// Conditions on config or summary values, all of which must hold: `config.lr<1e-3`,
    /// `summary.val_loss<=0.4`, `config.optimizer=adamw`, `config.model.depth!=18`
    /// (operators = != < <= > >=; numbers compare as numbers, anything else as text,
    /// `true`/`false`/`null` as themselves; quote text that looks like a number: "1e-3").
    /// One condition per item (no `and`); repeatable.
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
    /// The project: ENTITY/PROJECT (or PROJECT when WANDB_ENTITY is set).
    pub project: String,
    /// How many runs to show, newest first (at most 1000) [default: 10].
    #[cfg_attr(feature = "cli", arg(long))]
    pub limit: Option<u32>,
    /// Show crashed runs too (hidden by default).
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_crashed: bool,
    /// Show short runs too: ended with <10 steps or in <60 s (hidden by default).
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub include_short: bool,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
    /// Config or summary values to add as columns: config.lr, summary.val_loss,
    /// config.optimizer.name (comma-separated or repeatable).
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default)]
    pub columns: Vec<String>,
}

/// `wandb-summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    /// The run: ENTITY/PROJECT/RUN_ID (the 8-character id list-runs shows),
    /// ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// Approximate output size in tokens: null and empty values are dropped, well-known
    /// hyperparameters and validation metrics come first, the rest until the budget
    /// (0 = everything, as stored) [default: 500].
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u32>,
    /// Config keys to show, as they are (top-level names or dotted paths such as
    /// optimizer.name), instead of the budgeted config; the summary follows the budget.
    #[cfg_attr(feature = "cli", arg(long, value_delimiter = ','))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_keys: Vec<String>,
    /// Summary metrics to show, as they are (e.g. val_acc_class/57), instead of the budgeted
    /// summary; the config follows the budget. On the command line: comma-separated,
    /// repeatable, or a JSON list for keys with commas.
    #[cfg_attr(feature = "cli", arg(long, value_parser = key_list))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summary_keys: Vec<String>,
}

/// `wandb-history`; on the command line `history --stats` is `wandb-history-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct History {
    /// The run: ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// Metric keys (e.g. loss,val_loss,grad_norm). Ask only for what you need. On the command
    /// line: comma-separated, repeatable, or a JSON list for keys with commas
    /// (--keys '["val/acc, top-5"]').
    #[cfg_attr(
        feature = "cli",
        arg(long, required = true, num_args = 1.., value_parser = key_list)
    )]
    pub keys: Vec<String>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub window: Window,
    /// Approximate output size in tokens; rows beyond it are reduced keeping extremes
    /// (0 = print every fetched row) [default: 1500].
    #[cfg_attr(feature = "cli", arg(long, conflicts_with = "stats"))]
    pub budget: Option<u32>,
    /// Print per-key statistics (min/max with steps, mean, std, NaN onset, sparkline) instead.
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
    /// The run: ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// Metric keys (e.g. loss,grad_norm): comma-separated, repeatable, or a JSON list.
    #[cfg_attr(
        feature = "cli",
        arg(long, required = true, num_args = 1.., value_parser = key_list)
    )]
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
    /// The first run (ENTITY/PROJECT/RUN_ID or a W&B run URL).
    pub run_a: String,
    /// The second run.
    pub run_b: String,
    /// The metric to compare (e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// Whether lower (min) or higher (max) is better [default: inferred from the name].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub mode: Option<Mode>,
    /// Up to 8 more runs: with three or more, one row per run instead of the side-by-side
    /// table.
    #[cfg_attr(feature = "cli", arg(num_args = 0..=8))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<String>,
}

/// `wandb-best`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Best {
    /// The project: ENTITY/PROJECT (or PROJECT when WANDB_ENTITY is set).
    pub project: String,
    /// The metric to rank by (e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// How many of the newest qualifying runs to consider [default: 5].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    /// Whether lower (min) or higher (max) is better [default: inferred from the name].
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
    /// Rank by the best value over the run's (sampled) history, not the final summary value.
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
    /// The project: ENTITY/PROJECT (or PROJECT when WANDB_ENTITY is set).
    pub project: String,
    /// The metric the hyperparameters are related to (its final summary value, e.g. val_loss).
    #[cfg_attr(feature = "cli", arg(long))]
    pub metric: String,
    /// How many of the newest matching runs to look at (at most 1000) [default: 100].
    #[cfg_attr(feature = "cli", arg(long))]
    pub last: Option<u32>,
    /// Whether lower (min) or higher (max) is better [default: inferred from the name].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub mode: Option<Mode>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub filter: RunFilter,
}

/// `wandb-triage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Triage {
    /// The project: ENTITY/PROJECT (or PROJECT when WANDB_ENTITY is set).
    pub project: String,
    /// How many of the newest matching runs to look at, crashed ones included (at most
    /// 200) [default: 20].
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
    /// The run: ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// The training-loss key [default: guessed from the run's keys].
    #[cfg_attr(feature = "cli", arg(long))]
    pub loss_key: Option<String>,
    /// The gradient-norm key [default: guessed].
    #[cfg_attr(feature = "cli", arg(long))]
    pub grad_key: Option<String>,
    /// The validation-loss key [default: guessed].
    #[cfg_attr(feature = "cli", arg(long))]
    pub val_key: Option<String>,
}

/// `wandb-logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Logs {
    /// The run: ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// How many console lines to show, newest last [default: 40].
    #[cfg_attr(feature = "cli", arg(long))]
    pub tail: Option<u32>,
    /// Keep only lines matching this regular expression (e.g. 'error|warn').
    #[cfg_attr(feature = "cli", arg(long))]
    pub grep: Option<String>,
    /// Keep only the error context: the last traceback and known failure lines, with the
    /// likely cause.
    #[cfg_attr(feature = "cli", arg(long))]
    #[serde(default)]
    pub errors: bool,
    /// Approximate output size in tokens [default: 600].
    #[cfg_attr(feature = "cli", arg(long))]
    pub budget: Option<u32>,
}

/// `wandb-system`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct System {
    /// The run: ENTITY/PROJECT/RUN_ID, ENTITY/PROJECT/runs/RUN_ID, or a W&B run URL.
    pub run: String,
    /// Groups (gpu, memory, cpu, temp, power, disk, network) or parts of metric keys
    /// (e.g. rss, gpu.3) [default: the usual set].
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

/// Declares the operation enum from `Variant = "export-name"` entries: its clap subcommands,
/// the export each variant calls, a dispatch through [`Handle`], and parsing and schemas by
/// export name (for tool calls).
macro_rules! operations {
    ($( $(#[$attr:meta])* $variant:ident = $export:literal ),* $(,)?) => {
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
    /// List a project's runs, newest first (CSV). Crashed and short runs are hidden unless asked.
    ListRuns = "wandb-list-runs",
    /// One run's config and summary metrics as one line of JSON.
    Summary = "wandb-summary",
    /// A metric curve (CSV `_step,key,...`) sampled by W&B and reduced to a token budget,
    /// keeping extremes and NaN onsets; or, with --stats, per-key statistics and a sparkline.
    History = "wandb-history",
    /// Per-key statistics of a curve (the same as `history --stats`).
    #[cfg_attr(feature = "cli", command(hide = true))]
    HistoryStats = "wandb-history-stats",
    /// Compare 2–10 runs on a metric: final and best values, which is better, the correlation
    /// of their curves, and the config keys that differ (CSV; deltas for two runs).
    Compare = "wandb-compare",
    /// Name the best of a project's most recent runs by a metric, with the ranking (CSV).
    Best = "wandb-best",
    /// Which hyperparameters matter: the config keys that vary across a project's runs (a
    /// sweep), each with how strongly it relates to a metric, strongest first (CSV).
    Params = "wandb-params",
    /// The end of a run's console: tracebacks, errors and progress, within a token budget.
    Logs = "wandb-logs",
    /// A run's system metrics: GPU, memory, CPU, disk and network, one line per metric.
    System = "wandb-system",
    /// The coarse diagnosis of many runs at once: one row per run with its first problem
    /// (divergence, gradient explosion, loss spike, overfitting, a crash) at its exact step,
    /// `ok` for healthy ones (CSV).
    Triage = "wandb-triage",
    /// Find divergence (NaN/Inf), gradient explosions, loss spikes, overfitting and plateaus,
    /// each at its exact step and epoch (CSV), zooming in from a coarse sampled pass.
    Diagnose = "wandb-diagnose",
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
