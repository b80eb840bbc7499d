//! Command-line flags (the operations' own come from their declarations in
//! `wandb-agent-commands`) and printing a result.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use wandb_agent_commands::Operation;

/// Diagnose Weights & Biases training runs from an AI agent, in a sandbox, in few tokens.
///
/// All W&B work runs inside a WebAssembly component that can reach only the W&B base URL
/// (plus any --allow origins); the API key is added by this host and never enters it.
#[derive(Debug, Parser)]
#[command(name = "wandb-agent", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The flags every subcommand takes, listed under their own heading after the subcommand's.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection and sandbox")]
pub struct Global {
    /// W&B API base URL. The API key comes from WANDB_API_KEY, else ~/.netrc (`machine <host[:port]>`).
    #[arg(
        long,
        env = "WANDB_BASE_URL",
        default_value = "https://api.wandb.ai",
        global = true
    )]
    pub base_url: String,
    /// Also allow the component to reach this origin (scheme://host[:port]); repeatable.
    /// No credentials are ever added to requests for these.
    #[arg(long = "allow", value_name = "ORIGIN", global = true)]
    pub allow: Vec<String>,
    /// Run this component (.wasm) instead of the embedded one.
    #[arg(long, value_name = "PATH", global = true)]
    pub component: Option<PathBuf>,
    /// Where precompiled components are cached [default: $XDG_CACHE_HOME/wandb-agent or ~/.cache/wandb-agent].
    #[arg(long, env = "WANDB_AGENT_CACHE_DIR", value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component on every call instead of using the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Stop a call after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, global = true)]
    pub timeout: u64,
    /// Memory the component may use, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, global = true)]
    pub max_memory_mb: usize,
    /// HTTP requests one call may make, retries included.
    #[arg(long, value_name = "N", default_value_t = 50, global = true)]
    pub max_requests: u32,
    /// Size limit of one HTTP response body, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, global = true)]
    pub max_response_mb: u64,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECS", default_value_t = 10, global = true)]
    pub connect_timeout: u64,
    /// Seconds to wait for a response's first byte, and between two of its chunks.
    #[arg(long, value_name = "SECS", default_value_t = 20, global = true)]
    pub io_timeout: u64,
    /// Retries after a 429, a 5xx or a network failure (with backoff honouring Retry-After).
    #[arg(long, value_name = "N", default_value_t = 3, global = true)]
    pub retries: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Op(Operation),
    /// Serve every operation as an MCP tool on stdin/stdout (for agent runtimes), or with
    /// --http on Streamable HTTP for remote clients. Each call runs in a fresh sandbox with the
    /// same allowlist and limits as the CLI.
    Mcp(McpArgs),
    /// Start a local W&B-compatible server with demo data and show the tool working.
    /// No account and no network needed.
    Demo {
        /// Keep the demo server running after the tour, so you can point the CLI at it.
        #[arg(long)]
        serve: bool,
        /// Address for the demo server.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve MCP over Streamable HTTP at ADDR (endpoint /mcp) instead of stdio. Each client
    /// sends its own W&B key as `Authorization: Bearer <key>`; the server's own key is never used.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
    /// With --http: allow an address other than loopback (other machines can then connect).
    #[arg(long, requires = "http")]
    pub public: bool,
    /// Tool calls run at once; more wait for a slot [default: 4 per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent: Option<u32>,
    /// With --http: requests one client (one key) may make, as N/s, N/min or N/h.
    #[arg(long, value_name = "RATE", default_value = "60/min", requires = "http")]
    pub rate: crate::mcp::Rate,
    /// With --http: sessions one network address may open (and keys not yet checked it may
    /// bring), as N/s, N/min or N/h.
    #[arg(long, value_name = "RATE", default_value = "30/min", requires = "http")]
    pub open_rate: crate::mcp::Rate,
    /// With --http: sessions one key may hold open at once.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..), requires = "http")]
    pub max_sessions_per_key: u32,
    /// With --http: sessions the server holds at once, all keys together.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..), requires = "http")]
    pub max_sessions: u32,
}

/// Writes a result to stdout, ending with one newline.
pub fn print_output(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
