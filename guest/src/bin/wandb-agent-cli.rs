//! The component's logic as a WASI command, for the plain `wasmtime` CLI:
//!
//! ```sh
//! wasmtime run -S http --env WANDB_BASE_URL=... --env WANDB_API_KEY=... \
//!     wandb-agent-cli.wasm list-runs my-team/my-project
//! ```
//!
//! Same subcommands, flags, output and exit codes as the `wandb-agent` CLI (without its
//! sandbox flags: under `wasmtime run`, network access is whatever `-S` grants).

#[cfg(target_arch = "wasm32")]
mod command {
    use clap::Parser;
    use wandb_agent_commands::{exit, usage_error_line, Operation};

    /// Diagnose Weights & Biases runs in few tokens (the wandb-agent component as a command).
    #[derive(Parser)]
    #[command(name = "wandb-agent-cli", version)]
    struct Cli {
        #[command(subcommand)]
        operation: Operation,
    }

    pub fn main() -> i32 {
        wandb_agent_guest::hints::set(wandb_agent_guest::hints::Host::Command);
        let cli = match Cli::try_parse() {
            Ok(cli) => cli,
            Err(err) if !err.use_stderr() => {
                let _ = err.print();
                return 0;
            }
            Err(err) => {
                eprintln!("{}", usage_error_line(&err));
                return i32::from(exit::USAGE);
            }
        };
        match wandb_agent_guest::run_with_environment(cli.operation.resolved()) {
            Ok(text) => {
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
                0
            }
            Err(e) => {
                eprintln!("error: {}", e.message().replace('\n', " "));
                // The contract's exit code, as the host CLI's (a WASI 0.2 host reports any
                // non-zero as 1).
                i32::from(e.kind().exit_code())
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    std::process::exit(command::main());
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "error: wandb-agent-cli is built for wasm32-wasip2; run it with `wasmtime run -S http`"
    );
    std::process::exit(2);
}
