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
    format!("{} (see --help)", message.join(" "))
}
