//! `wandb-agent`: the CLI and sandboxing host of the wandb-agent component.

mod allowlist;
mod cli;
mod component;
mod credentials;
mod demo;
mod grant;
mod mcp;
mod sandbox;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::sandbox::{GuestError, Operation, Sandbox, SandboxError, Window};

/// Exit codes, documented in the README.
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
            // clap's message spans lines (the error, its details, a usage block): keep one line.
            let rendered = err.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                .collect();
            eprintln!("{} (see --help)", message.join(" "));
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
        Command::ListRuns {
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
        Command::Summary { run } => Operation::Summary { run },
        Command::Compare {
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
        Command::Best {
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
        Command::Diagnose {
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
        Command::History {
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
    };
    let grant = grant::from_flags(&cli.global, &|k| std::env::var(k).ok())?;
    let sandbox = open_sandbox(&cli.global)?;
    let text = sandbox.run(&grant, &operation).await?;
    print_output(&text);
    Ok(())
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
