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
    use clap::{Parser, Subcommand, ValueEnum};
    use wandb_agent_guest::direction::Mode;
    use wandb_agent_guest::error::AgentError;
    use wandb_agent_guest::http::with_transport;
    use wandb_agent_guest::ops::{self, Window};
    use wandb_agent_guest::settings::Settings;

    /// Diagnose Weights & Biases runs in few tokens (the wandb-agent component as a command).
    #[derive(Parser)]
    #[command(name = "wandb-agent-cli", version)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum ModeArg {
        Min,
        Max,
    }

    impl From<ModeArg> for Mode {
        fn from(m: ModeArg) -> Mode {
            match m {
                ModeArg::Min => Mode::Min,
                ModeArg::Max => Mode::Max,
            }
        }
    }

    #[derive(Subcommand)]
    enum Command {
        /// List a project's runs, newest first.
        ListRuns {
            project: String,
            #[arg(long, default_value_t = 10)]
            limit: u32,
            #[arg(long)]
            include_crashed: bool,
            #[arg(long)]
            include_short: bool,
        },
        /// One run's config and summary as one line of JSON.
        Summary { run: String },
        /// A metric curve within a token budget, or per-key statistics with --stats.
        History {
            run: String,
            #[arg(long, value_delimiter = ',', required = true)]
            keys: Vec<String>,
            #[arg(long)]
            samples: Option<u32>,
            #[arg(long)]
            min_step: Option<u64>,
            #[arg(long)]
            max_step: Option<u64>,
            #[arg(long, conflicts_with = "stats")]
            budget: Option<u32>,
            #[arg(long)]
            stats: bool,
        },
        /// Compare two runs on a metric.
        Compare {
            run_a: String,
            run_b: String,
            #[arg(long)]
            metric: String,
            #[arg(long, value_enum)]
            mode: Option<ModeArg>,
        },
        /// The best of a project's most recent runs by a metric.
        Best {
            project: String,
            #[arg(long)]
            metric: String,
            #[arg(long, default_value_t = 5)]
            last: u32,
            #[arg(long, value_enum)]
            mode: Option<ModeArg>,
            #[arg(long)]
            include_crashed: bool,
            #[arg(long)]
            include_short: bool,
            #[arg(long)]
            over_history: bool,
        },
        /// Divergence, explosions, spikes, overfitting and plateaus at their exact steps.
        Diagnose {
            run: String,
            #[arg(long)]
            loss_key: Option<String>,
            #[arg(long)]
            grad_key: Option<String>,
            #[arg(long)]
            val_key: Option<String>,
        },
    }

    /// The same exit codes as the host CLI.
    fn exit_code(e: &AgentError) -> i32 {
        match e {
            AgentError::BadInput(_) => 2,
            AgentError::NotFound(_) | AgentError::MissingKeys { .. } => 3,
            AgentError::Unauthorized(_) => 4,
            AgentError::Network(_) => 5,
            AgentError::Denied(_) => 6,
            AgentError::Server(_) => 7,
        }
    }

    fn run(command: Command) -> Result<String, AgentError> {
        let settings = Settings::from_env()?;
        with_transport(&settings, |t| {
            let s = &settings;
            match command {
                Command::ListRuns {
                    project,
                    limit,
                    include_crashed,
                    include_short,
                } => ops::list_runs(t, s, &project, Some(limit), include_crashed, include_short),
                Command::Summary { run } => ops::summary(t, s, &run),
                Command::History {
                    run,
                    keys,
                    samples,
                    min_step,
                    max_step,
                    budget,
                    stats,
                } => {
                    let w = Window {
                        samples,
                        min_step,
                        max_step,
                    };
                    if stats {
                        ops::history_stats(t, s, &run, &keys, w)
                    } else {
                        ops::history(t, s, &run, &keys, w, budget)
                    }
                }
                Command::Compare {
                    run_a,
                    run_b,
                    metric,
                    mode,
                } => ops::compare(t, s, &run_a, &run_b, &metric, mode.map(Mode::from)),
                Command::Best {
                    project,
                    metric,
                    last,
                    mode,
                    include_crashed,
                    include_short,
                    over_history,
                } => ops::best(
                    t,
                    s,
                    &project,
                    &metric,
                    Some(last),
                    mode.map(Mode::from),
                    include_crashed,
                    include_short,
                    over_history,
                ),
                Command::Diagnose {
                    run,
                    loss_key,
                    grad_key,
                    val_key,
                } => ops::diagnose(t, s, &run, loss_key, grad_key, val_key),
            }
        })
    }

    pub fn main() -> i32 {
        let cli = match Cli::try_parse() {
            Ok(cli) => cli,
            Err(err) if !err.use_stderr() => {
                let _ = err.print();
                return 0;
            }
            Err(err) => {
                let rendered = err.render().to_string();
                let message: Vec<&str> = rendered
                    .lines()
                    .map(str::trim)
                    .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
                    .collect();
                eprintln!("{} (see --help)", message.join(" "));
                return 2;
            }
        };
        match run(cli.command) {
            Ok(text) => {
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
                0
            }
            Err(e) => {
                eprintln!("error: {}", e.message().replace('\n', " "));
                exit_code(&e)
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
