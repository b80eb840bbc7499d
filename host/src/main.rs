//! `wandb-agent`: the CLI and sandboxing host of the wandb-agent component.
//!
//! Modules by role, each using only the ones listed before it (`scripts/check-layout.py`
//! checks there is no circle):
//! - `network`: origins and the allowlist, address rules, pinned connections, how URLs may be
//!   written;
//! - `grant`: what one call may reach and carry (`policy`: `Grant`, `Limits`), built from plain
//!   settings and the environment (`credentials`);
//! - `sandbox`: loading the component (`component`, `cache`), one instance per call, its
//!   outbound hook (`outbound`), memory accounting and what the host stopped
//!   (`budget`/`heap`/`incident`), the output ceiling (`ceiling`);
//! - `shown` and `failure`: what a failure shows (one safe line and an exit code), for the
//!   command line and the MCP server alike;
//! - `mcp`: the MCP server (stdio and Streamable HTTP) and its tool catalog (`tools`);
//! - `cli`: the flags (the only place clap types live), what each subcommand does (`run`),
//!   the flags as settings (`settings`), and `demo` (with the `demo` feature).

mod cli;
mod failure;
mod grant;
mod mcp;
mod network;
mod sandbox;
mod shown;

use std::process::ExitCode;

use wandb_agent_commands::exit;

/// Counts what the host allocates on a component's behalf (see `heap`).
#[global_allocator]
static ALLOCATOR: sandbox::heap::Accounting = sandbox::heap::Accounting;

fn main() -> ExitCode {
    let cli = match cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!(
                "{}",
                shown::line(&wandb_agent_commands::usage_error_line(&err))
            );
            return ExitCode::from(exit::USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", shown::line(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}
