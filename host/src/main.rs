//! `wandb-agent`: the CLI and sandboxing host of the wandb-agent component.

mod address;
mod allowlist;
mod budget;
mod cli;
mod component;
mod connect;
mod credentials;
mod demo;
mod grant;
mod heap;
mod incident;
mod mcp;
mod outbound;
mod policy;
mod sandbox;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, OpCommand};
use crate::sandbox::{GuestError, Operation, Sandbox, SandboxError, Window};

pub use wandb_agent_commands::exit;

/// Counts what the host allocates on a component's behalf (see `heap`).
#[global_allocator]
static ALLOCATOR: heap::Accounting = heap::Accounting;

/// An error for the user: one line and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }
}

impl From<SandboxError> for Failure {
    fn from(err: SandboxError) -> Failure {
        let code = match &err {
            SandboxError::Guest(g) => match g {
                GuestError::NotFound(_) | GuestError::MissingKeys(_) => exit::NOT_FOUND,
                GuestError::Unauthorized(_) => exit::UNAUTHORIZED,
                GuestError::Network(_) => exit::NETWORK,
                GuestError::Denied(_) => exit::DENIED,
                GuestError::BadInput(_) => exit::USAGE,
                GuestError::Server(_) => exit::SERVER,
            },
            SandboxError::Timeout(_) | SandboxError::Limit(_) => exit::LIMIT,
            SandboxError::Denied(_) => exit::DENIED,
            SandboxError::Load(_) | SandboxError::Trap(_) => exit::SANDBOX,
        };
        let message = match err {
            SandboxError::Guest(g) => g.message().to_string(),
            other => other.to_string(),
        };
        Failure { message, code }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("{}", wandb_agent_commands::usage_error_line(&err));
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
            eprintln!("error: {}", failure.message.replace('\n', " "));
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let operation = match cli.command {
        Command::Demo { serve, listen } => return demo::run(&cli.global, serve, listen).await,
        Command::Mcp => {
            let grant = grant::from_flags(&cli.global, &|k| std::env::var(k).ok())?;
            return mcp::serve(open_sandbox(&cli.global)?, grant).await;
        }
        Command::Op(op) => operation_of(op),
    };
    let grant = grant::from_flags(&cli.global, &|k| std::env::var(k).ok())?;
    let sandbox = open_sandbox(&cli.global)?;
    let text = sandbox.run(&grant, &operation).await?;
    print_output(&text);
    Ok(())
}

/// The sandbox call a subcommand asks for.
fn operation_of(op: OpCommand) -> Operation {
    match op {
        OpCommand::ListRuns {
            project,
            limit,
            include_crashed,
            include_short,
        } => Operation::ListRuns {
            project,
            limit: Some(limit),
            include_crashed,
            include_short,
        },
        OpCommand::Summary { run } => Operation::Summary { run },
        OpCommand::History {
            run,
            keys,
            samples,
            min_step,
            max_step,
            budget,
            stats,
        } => {
            let window = Window {
                samples,
                min_step,
                max_step,
            };
            if stats {
                Operation::HistoryStats { run, keys, window }
            } else {
                Operation::History {
                    run,
                    keys,
                    window,
                    budget,
                }
            }
        }
        OpCommand::Compare {
            run_a,
            run_b,
            metric,
            mode,
        } => Operation::Compare {
            run_a,
            run_b,
            metric,
            mode: mode.map(to_mode),
        },
        OpCommand::Best {
            project,
            metric,
            last,
            mode,
            include_crashed,
            include_short,
            over_history,
        } => Operation::Best {
            project,
            metric,
            last: Some(last),
            mode: mode.map(to_mode),
            include_crashed,
            include_short,
            over_history,
        },
        OpCommand::Diagnose {
            run,
            loss_key,
            grad_key,
            val_key,
        } => Operation::Diagnose {
            run,
            loss_key,
            grad_key,
            val_key,
        },
    }
}

fn to_mode(mode: cli::ModeArg) -> sandbox::Mode {
    match mode {
        cli::ModeArg::Min => sandbox::Mode::Min,
        cli::ModeArg::Max => sandbox::Mode::Max,
    }
}

/// The engine and component the flags ask for.
pub fn open_sandbox(global: &cli::Global) -> Result<Sandbox, Failure> {
    let engine = component::engine()
        .map_err(|e| Failure::new(exit::SANDBOX, format!("cannot start wasmtime: {e}")))?;
    let owned;
    let wasm: &[u8] = match &global.component {
        Some(path) => {
            owned = std::fs::read(path).map_err(|e| {
                Failure::new(
                    exit::USAGE,
                    format!("cannot read component {}: {e}", path.display()),
                )
            })?;
            &owned
        }
        None => component::EMBEDDED,
    };
    let cache_dir = if global.no_cache {
        None
    } else {
        global
            .cache_dir
            .clone()
            .or_else(component::default_cache_dir)
    };
    let compiled = component::load(&engine, wasm, cache_dir.as_deref()).map_err(|e| {
        Failure::new(
            exit::SANDBOX,
            format!("the component does not compile: {}", e.root_cause()),
        )
    })?;
    Ok(Sandbox::new(engine, compiled)?)
}

pub fn print_output(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
