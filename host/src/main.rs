//! `wandb-agent`: the CLI and sandboxing host of the wandb-agent component.
//!
//! - the command line: `cli` (flags; the operations' subcommands come from their declarations
//!   in `wandb-agent-commands`), `failure` (one line and an exit code), `demo`, `mcp`/`tools`;
//! - what a call may do: `grant` (from flags) → `policy` (`Grant`, `Limits`), `allowlist`,
//!   `address`, `credentials`;
//! - running it: `component` (engine, component loading), `cache` (the compile cache),
//!   `sandbox` (one instance per call, exports called by name), `outbound`/`connect`
//!   (wasi:http requests), `budget`/`heap`/`incident` (memory accounting and what the host
//!   stopped), `shown`/`written` (what messages may show of server text and of URLs),
//!   `ceiling` (the last word on output size).

mod address;
mod allowlist;
mod budget;
mod cache;
mod ceiling;
mod cli;
mod component;
mod connect;
mod credentials;
mod demo;
mod failure;
mod grant;
mod heap;
mod incident;
mod local;
mod mcp;
mod outbound;
mod policy;
mod sandbox;
mod shown;
mod tools;
mod written;

use std::process::ExitCode;

use wandb_agent_commands::exit;

use crate::cli::{Cli, Command};
use crate::failure::Failure;

/// Counts what the host allocates on a component's behalf (see `heap`).
#[global_allocator]
static ALLOCATOR: heap::Accounting = heap::Accounting;

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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", shown::line(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

async fn serve_mcp(global: &cli::Global, args: cli::McpArgs) -> Result<(), Failure> {
    let max_concurrent = args
        .max_concurrent
        .map_or_else(mcp::default_max_concurrent, |n| n as usize);
    let grant = policy::Grant {
        audience: policy::Audience::Mcp,
        ..grant::from_flags(global, &|k| std::env::var(k).ok())?
    };
    let Some(listen) = args.http else {
        let sandbox = component::open_sandbox(global)?;
        return mcp::serve_stdio(sandbox, grant, max_concurrent).await;
    };
    let options = mcp::http::HttpOptions {
        listen,
        public: args.public,
        max_concurrent,
        rate: args.rate,
        open_rate: args.open_rate,
        max_sessions_per_key: args.max_sessions_per_key as usize,
        max_sessions: args.max_sessions as usize,
    };
    // A bad address fails before the component is compiled.
    mcp::http::check_listen(&options)?;
    let sandbox = component::open_sandbox(global)?;
    mcp::http::serve(sandbox, grant, options).await
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let operation = match cli.command {
        Command::Demo { serve, listen } => return demo::run(&cli.global, serve, listen).await,
        Command::Mcp(args) => return serve_mcp(&cli.global, args).await,
        Command::Op(operation) => operation.resolved(),
    };
    // Runs on disk are decided here, before the call: their directories are the grant.
    let localized = local::localize(&operation).map_err(|m| Failure::new(exit::NOT_FOUND, m))?;
    let (operation, grant) = match localized {
        Some((operation, dirs)) => (operation, grant::local_only(&cli.global, dirs)?),
        None => (
            operation,
            grant::from_flags(&cli.global, &|k| std::env::var(k).ok())?,
        ),
    };
    let sandbox = component::open_sandbox(&cli.global)?;
    let text = sandbox.run(&grant, &operation).await?;
    cli::print_output(&text);
    Ok(())
}
