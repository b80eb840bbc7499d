//! `wandb-emulator`: serve the demo data on a local port until interrupted.

use clap::Parser;

/// A W&B-compatible GraphQL server with seeded demo data (entity `demo`).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Address for the run-file storage (another origin) [default: the --listen host, a free port].
    #[arg(long)]
    files_listen: Option<std::net::SocketAddr>,
    /// The API key clients must send (Basic auth, user `api`).
    #[arg(long, env = "WANDB_EMULATOR_API_KEY", default_value = wandb_emulator::DEMO_API_KEY)]
    api_key: String,
    /// Append one JSON line per GraphQL request (its body, bytes in and out) to this file.
    #[arg(long, value_name = "FILE")]
    log_requests: Option<std::path::PathBuf>,
    /// Wait this many milliseconds before answering any HTTP request (on both origins), to
    /// stand in for a remote server's round trip (W&B's is a few hundred ms).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Draw history samples from this seed, so the same question gets the same rows on every
    /// call (for comparing outputs before and after a change); unset, sampling is fresh on every
    /// call, as on W&B.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(seed) = args.seed {
        wandb_emulator::api::history::fix_sampling_seed(seed);
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    let files_addr = args
        .files_listen
        .unwrap_or_else(|| std::net::SocketAddr::new(args.listen.ip(), 0));
    let files = match tokio::net::TcpListener::bind(files_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {files_addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match (listener.local_addr(), files.local_addr()) {
        (Ok(addr), Ok(files)) => {
            println!("wandb-emulator listening on http://{addr} (run files on http://{files})")
        }
        (Err(e), _) | (_, Err(e)) => eprintln!("warning: {e}"),
    }
    let log = match &args.log_requests {
        None => None,
        Some(path) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", path.display());
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = wandb_emulator::serve(
        wandb_emulator::Listeners {
            api: listener,
            files,
        },
        &args.api_key,
        wandb_emulator::Options {
            request_log: log,
            delay: std::time::Duration::from_millis(args.delay_ms),
        },
        shutdown,
    )
    .await
    {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
