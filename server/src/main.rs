//! `wandb-emulator`: serve the demo data on a local port until interrupted.

use clap::Parser;

/// A W&B-compatible GraphQL server with seeded demo data (entity `demo`).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The API key clients must send (Basic auth, user `api`).
    #[arg(long, env = "WANDB_EMULATOR_API_KEY", default_value = wandb_emulator::DEMO_API_KEY)]
    api_key: String,
    /// Append one JSON line per GraphQL request (its body, bytes in and out) to this file.
    #[arg(long, value_name = "FILE")]
    log_requests: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("wandb-emulator listening on http://{addr}"),
        Err(e) => eprintln!("warning: {e}"),
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
    if let Err(e) = wandb_emulator::serve(listener, &args.api_key, log, shutdown).await {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
