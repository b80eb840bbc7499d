//! The operations (declared once, in [`operations`]) and the exit codes, shared by the
//! component, the `wandb-agent` host (CLI, MCP, sandbox) and the component's command build
//! (`wandb-agent-cli.wasm` under `wasmtime run`), so every edge accepts the same arguments and
//! fails the same way.

pub mod ceiling;
pub mod control;
pub mod operations;

pub use operations::{
    Best, Compare, Diagnose, Handle, History, HistoryStats, ListRuns, Logs, Mode, Operation,
    Params, RunFilter, Summary, System, Triage, Watch, Window,
};

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
