//! The contract between the component and its hosts, declared once: the operations
//! ([`operations`]), the error kinds and exit codes ([`errors`]) and the environment the host
//! passes in ([`env`]), shared by the component, the `wandb-agent` host (CLI, MCP, sandbox) and
//! the component's command build (`wandb-agent-cli.wasm` under `wasmtime run`), so every edge
//! accepts the same arguments and fails the same way.

pub mod ceiling;
pub mod control;
pub mod env;
pub mod errors;
pub mod operations;

pub use operations::{
    picture_line, Best, Compare, Diagnose, Format, Handle, History, HistoryPng, HistoryStats,
    ListRuns, Logs, Mode, Operation, Params, PictureSize, RunFilter, Summary, System, Triage,
    Watch, Window,
};

pub use errors::{exit, ErrorKind};

#[cfg(feature = "cli")]
/// clap's message for bad arguments spans lines (the error, its details, a usage block):
/// this keeps the meaningful lines, joined into one.
pub fn usage_error_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect();
    let hint = required_flags_hint(&rendered).unwrap_or_default();
    format!("{}{hint} (see --help)", message.join(" "))
}

/// For a value given without its flag (`best ./wandb loss`): the flags the command requires,
/// read from clap's usage line (`Usage: wandb-agent best [OPTIONS] --metric <METRIC> <PROJECT>`).
#[cfg(feature = "cli")]
fn required_flags_hint(rendered: &str) -> Option<String> {
    let value = rendered.split("unexpected argument '").nth(1)?;
    if value.starts_with('-') {
        return None;
    }
    let usage = rendered
        .lines()
        .find(|l| l.trim_start().starts_with("Usage:"))?;
    let flags: Vec<&str> = usage
        .split_whitespace()
        .filter(|t| t.starts_with("--"))
        .collect();
    (!flags.is_empty()).then(|| {
        format!(
            "; a value goes after its flag (this command requires {})",
            flags.join(", ")
        )
    })
}

/// The command line's help for a run argument: also a run on disk (the host decides, README
/// "Runs on disk"). The schema keeps the doc comment: MCP tools read disk runs only under
/// `--runs-dir`, and their instructions say so.
pub const RUN_HELP: &str =
    "ENTITY/PROJECT/RUN_ID, a run URL, or a run directory on disk (./wandb/latest-run)";

/// The command line's help for a project argument: also a directory of runs on disk.
pub const PROJECT_HELP: &str = "ENTITY/PROJECT, or a directory of runs on disk (./wandb)";
