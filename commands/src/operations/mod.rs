//! The operations, declared once.
//!
//! Each operation is a struct whose fields are the parameters of its WIT export, with the same
//! names (`min_step` here is `min-step` in the WIT); a record parameter (`run-filter`,
//! `hidden-runs`, `window`) is its fields, here a struct flattened into the operation's or
//! the fields themselves. From this one declaration follow:
//! - the CLI subcommand of the host and of the component's command build (clap, feature `cli`;
//!   the doc comments are the help text),
//! - the MCP tool's input schema (schemars, feature `schema`; the same doc comments describe
//!   the parameters) and its description (declared beside the operation, shorter than the
//!   WIT export's docs, which stay the full reference),
//! - the sandbox call: the host serialises the struct to JSON and hands each field to the
//!   export parameter (or record field) of the same name, typed by the component's own export
//!   signature,
//! - the component's exports: written from the WIT by the guest's build script, each hands its
//!   parameters back as JSON named the same way to [`Operation::from_arguments`],
//! - the component's dispatch: [`Operation::handle`] passes the struct to whatever implements
//!   [`Handle`] for it (the guest's operation modules do).
//!
//! A test in the host checks every declaration against the component's exports.
//!
//! The declarations: [`project`] (the operations over a project's runs), [`run`] (one run's
//! summary, console, system metrics, diagnosis; comparing runs), [`history`] (curves), the
//! parameter groups they share in [`groups`], and the registry below (export names, tool
//! descriptions, subcommand help).

mod groups;
mod history;
mod keys;
mod project;
mod run;

use serde::Serialize;

pub use groups::{Mode, RunFilter, Window};
pub use history::{picture_line, Format, History, HistoryPng, HistoryStats, PictureSize};
use keys::split_keys;
pub use project::{Best, ListRuns, Params, Triage};
pub use run::{Compare, Diagnose, Logs, Summary, System, Watch};

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
    tool: "A project's runs, newest first (CSV). Start here for run ids; never guess one. \
        Crashed and short runs hidden unless asked.",
    /// One run's config, final and best metrics (JSON).
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent summary demo/vision/x7k2m9qa"))]
    Summary = "wandb-summary",
    tool: "One run's config, final and best metrics (one JSON line). Read it first to learn \
        the run's keys.",
    /// A metric curve within a token budget, or --stats.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent history demo/vision/x7k2m9qa --keys loss,val_loss --min-step 100 --max-step 200"))]
    History = "wandb-history",
    tool: "A metric curve (CSV) within a token budget, extremes and NaN onsets kept; \
        min_step/max_step select a window.",
    /// Per-key statistics of a curve (the same as `history --stats`).
    #[cfg_attr(feature = "cli", command(hide = true))]
    HistoryStats = "wandb-history-stats",
    tool: "Per-key statistics of a curve (CSV): min and max with steps, mean, NaN onset, \
        sparkline; ~60 tokens per key. Read it before rows.",
    /// Compare 2-10 runs on a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent compare demo/vision/x7k2m9qa demo/vision/p3n8v4rt --metric val_loss"))]
    Compare = "wandb-compare",
    tool: "Compare 2-10 runs on one metric (CSV): final and best values, the better one, \
        config keys that differ.",
    /// The best of a project's newest runs by a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent best demo/llm-finetune --metric val_loss --last 10"))]
    Best = "wandb-best",
    tool: "The best of a project's newest runs by a metric, and the ranking (CSV). Filters as \
        in wandb_list_runs.",
    /// Which hyperparameters matter for a metric.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent params demo/llm-finetune --metric val_loss"))]
    Params = "wandb-params",
    tool: "Which hyperparameters matter for a metric across a project's runs, strongest \
        first (CSV). Filters as in wandb_list_runs.",
    /// The end of a run's console; --errors for the traceback.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent logs demo/crashes/cudaoom1 --errors"))]
    Logs = "wandb-logs",
    tool: "The end of a run's console within a token budget; errors keeps the traceback and \
        the likely cause.",
    /// A run's GPU, memory, CPU, disk and network metrics.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent system demo/crashes/cudaoom1 --keys gpu,memory"))]
    System = "wandb-system",
    tool: "A run's system metrics (GPU, memory, CPU, disk, network), one CSV row per metric.",
    /// Which of many runs went wrong, and where.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent triage demo/vision --last 20"))]
    Triage = "wandb-triage",
    tool: "Which of many runs went wrong: one CSV row per run, its worst finding at its step \
        or ok. Filters as in wandb_list_runs.",
    /// Divergence, explosions, spikes, overfitting, crashes: to the step.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent diagnose demo/vision/l0ng1m2x"))]
    Diagnose = "wandb-diagnose",
    tool: "What went wrong in one run, to the exact step: divergence, gradient explosion, \
        spike, overfitting, plateau, crash cause (CSV).",
    /// News since the last look.
    #[cfg_attr(feature = "cli", command(after_help = "Example: wandb-agent watch demo/live/live0run --cursor w1... --wait 60"))]
    Watch = "wandb-watch",
    tool: "Babysit a training run: what is new since the cursor on the previous answer's last \
        line; wait holds until news.",
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

    /// The arguments that name a run or a project, in argument order (compare: `run_a`,
    /// `run_b`, then `more`): where a host puts a run on disk's mount point in their place.
    pub fn paths_mut(&mut self) -> Vec<&mut String> {
        match self {
            Operation::ListRuns(a) => vec![&mut a.project],
            Operation::Best(a) => vec![&mut a.project],
            Operation::Params(a) => vec![&mut a.project],
            Operation::Triage(a) => vec![&mut a.project],
            Operation::Summary(a) => vec![&mut a.run],
            Operation::History(a) => vec![&mut a.run],
            Operation::HistoryStats(a) => vec![&mut a.run],
            Operation::Logs(a) => vec![&mut a.run],
            Operation::System(a) => vec![&mut a.run],
            Operation::Diagnose(a) => vec![&mut a.run],
            Operation::Watch(a) => vec![&mut a.run],
            Operation::Compare(a) => {
                let mut paths = vec![&mut a.run_a, &mut a.run_b];
                paths.extend(a.more.iter_mut());
                paths
            }
        }
    }

    /// The run and project paths this call names, in argument order: how the component
    /// tells which source a call reads.
    pub fn paths(&self) -> Vec<String> {
        self.clone()
            .paths_mut()
            .into_iter()
            .map(|p| p.clone())
            .collect()
    }

    /// The picture this call asks for instead of text, if any (`wandb-history-png`):
    /// `history --png FILE` on the command line, `format: "png"` in a tool call.
    pub fn picture(&self) -> Option<HistoryPng> {
        match self {
            Operation::History(h) if h.png.is_some() || h.format == Some(Format::Png) => {
                Some(HistoryPng {
                    run: h.run.clone(),
                    keys: h.keys.clone(),
                    window: h.window,
                    picture: h.picture.clone(),
                })
            }
            _ => None,
        }
    }
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
            png: None,
            format: None,
            picture: PictureSize::default(),
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
            png: None,
            format: None,
            picture: PictureSize::default(),
        });
        assert_eq!(op.resolved().export(), "wandb-history-stats");
    }

    #[test]
    fn a_picture_is_asked_for_by_file_or_by_format() {
        let arguments = serde_json::json!({"run": "e/p/r", "keys": ["loss"], "format": "png", "png_size": "800x400"});
        let op = Operation::from_arguments("wandb-history", arguments)
            .unwrap()
            .unwrap();
        let picture = op.picture().unwrap();
        assert_eq!(picture.picture.png_size.as_deref(), Some("800x400"));
        assert_eq!(
            serde_json::to_value(&picture).unwrap(),
            serde_json::json!({"run":"e/p/r","keys":["loss"],"samples":null,"min_step":null,"max_step":null,"png_size":"800x400"})
        );
        let csv = serde_json::json!({"run": "e/p/r", "keys": ["loss"], "format": "csv"});
        let op = Operation::from_arguments("wandb-history", csv)
            .unwrap()
            .unwrap();
        assert!(op.picture().is_none());
        // `format` is the tool call's switch, never an argument of `wandb-history`.
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            serde_json::json!({"run":"e/p/r","keys":["loss"],"samples":null,"min_step":null,"max_step":null,"budget":null})
        );
        assert_eq!(
            picture_line(640, 320, 18_000, "3 keys"),
            "640x320, 18 KB, ~274 image tokens; 3 keys"
        );
    }
}
