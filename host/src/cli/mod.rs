//! Command-line flags (the operations' own come from their declarations in
//! `wandb-agent-commands`) and printing a result; the only module that knows clap. `run` does
//! what a subcommand asks, `settings` turns the flags into the plain settings of the layers
//! below, `demo` (the `demo` feature) runs the emulator and a tour.

#[cfg(feature = "demo")]
mod demo;
pub mod run;
mod settings;

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use wandb_agent_commands::Operation;

use crate::mcp::Rate;

/// Diagnose W&B training runs for AI agents, in few tokens, sandboxed.
// Help stays under 600 o200k tokens (tested): one line per flag; the README explains.
#[derive(Debug, Parser)]
#[command(
    name = "wandb-agent",
    version,
    after_help = "Example: wandb-agent list-runs demo/vision (./wandb: runs on disk; README.md)"
)]
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
    /// W&B API base URL, or env WANDB_BASE_URL (key: WANDB_API_KEY or .netrc).
    #[arg(
        long,
        env = "WANDB_BASE_URL",
        hide_env = true,
        default_value = "https://api.wandb.ai",
        global = true
    )]
    pub base_url: String,
    /// Also allow this origin (no credentials sent); repeatable.
    #[arg(long = "allow", value_name = "ORIGIN", global = true)]
    pub allow: Vec<String>,
    /// Run this component (.wasm) instead of the embedded one.
    #[arg(long, value_name = "PATH", global = true)]
    pub component: Option<PathBuf>,
    /// Compiled-component cache [default: ~/.cache/wandb-agent].
    #[arg(
        long,
        env = "WANDB_AGENT_CACHE_DIR",
        hide_env = true,
        value_name = "DIR",
        global = true
    )]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component on every call.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Stop a call after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60, global = true)]
    pub timeout: u64,
    /// Memory the component may use.
    #[arg(long, value_name = "MIB", default_value_t = 256, global = true)]
    pub max_memory_mb: usize,
    /// HTTP requests one call may make.
    #[arg(long, value_name = "N", default_value_t = 50, global = true)]
    pub max_requests: u32,
    /// Size limit of one response body.
    #[arg(long, value_name = "MIB", default_value_t = 64, global = true)]
    pub max_response_mb: u64,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECS", default_value_t = 10, global = true)]
    pub connect_timeout: u64,
    /// Seconds to wait for response bytes.
    #[arg(long, value_name = "SECS", default_value_t = 20, global = true)]
    pub io_timeout: u64,
    /// Retries after a 429, 5xx or network failure.
    #[arg(long, value_name = "N", default_value_t = 3, global = true)]
    pub retries: u32,
    /// Most o200k tokens per output (0 = no limit).
    #[arg(long, value_name = "N", default_value_t = wandb_agent_commands::ceiling::DEFAULT_MAX_OUTPUT_TOKENS, global = true)]
    pub max_output_tokens: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Op(Operation),
    /// Serve the operations as MCP tools (stdio, or --http).
    Mcp(McpArgs),
    /// A local W&B-like server with demo data, and a tour.
    #[cfg(feature = "demo")]
    Demo {
        /// Keep the demo server running after the tour.
        #[arg(long)]
        serve: bool,
        /// Address for the demo server.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Let tools read runs on disk under DIR (paths relative to it); off unless given. With
    /// --http every client with a key can read it.
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<std::path::PathBuf>,
    /// Serve Streamable HTTP at ADDR/mcp; clients send their W&B key as a Bearer token.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
    /// With --http: allow a non-loopback address.
    #[arg(long, requires = "http")]
    pub public: bool,
    /// Tool calls run at once [default: 4 per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent: Option<u32>,
    /// With --http: requests per client key, as N/s, N/min or N/h.
    #[arg(long, value_name = "RATE", default_value = "60/min", requires = "http")]
    pub rate: Rate,
    /// With --http: sessions one network address may open (and keys not yet checked it may
    /// bring), as N/s, N/min or N/h.
    #[arg(long, value_name = "RATE", default_value = "30/min", requires = "http")]
    pub open_rate: Rate,
    /// With --http: sessions one key may hold open at once.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..), requires = "http")]
    pub max_sessions_per_key: u32,
    /// With --http: sessions the server holds at once, all keys together.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..), requires = "http")]
    pub max_sessions: u32,
}

/// The global flags a subcommand's help leaves to the top-level help: each subcommand's
/// `--help` stays under 600 o200k tokens (tested) with its own flags and the global ones an
/// agent may need (`--base-url`, `--allow`, `--max-output-tokens`).
const SANDBOX_FLAGS: [&str; 10] = [
    "component",
    "cache_dir",
    "no_cache",
    "timeout",
    "max_memory_mb",
    "max_requests",
    "max_response_mb",
    "connect_timeout",
    "io_timeout",
    "retries",
];

/// The command line as [`Cli`] parses it, with the sandbox flags hidden from subcommands'
/// help (they are still accepted anywhere, and listed by `wandb-agent --help`).
pub fn command() -> clap::Command {
    let top = Cli::command();
    let hidden: Vec<clap::Arg> = top
        .get_arguments()
        .filter(|a| SANDBOX_FLAGS.contains(&a.get_id().as_str()))
        .map(|a| a.clone().hide(true))
        .collect();
    let names: Vec<String> = top
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(top, |top, name| {
        top.mut_subcommand(name, |sub| {
            // A subcommand's own copy of a global flag stops clap's propagation of it.
            hidden
                .iter()
                .fold(sub, |sub, arg| sub.arg(arg.clone()))
                .help_template(SUBCOMMAND_HELP)
        })
    })
}

/// clap's default layout, plus where the other flags are.
const SUBCOMMAND_HELP: &str =
    "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\
Sandbox limits (--timeout, --max-requests, --max-memory-mb, ...): see wandb-agent --help";

/// Parses `args` (the program's name first) as the CLI does.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::from_settings;
    use crate::grant::policy::Grant;
    use crate::network::allowlist::Origin;

    /// The grant the command line gives for `base_url`, with a key in the environment.
    fn grant(base_url: &str) -> Grant {
        let cli = Cli::try_parse_from(["wandb-agent", "--base-url", base_url, "summary", "e/p/r"])
            .unwrap();
        let env = |k: &str| (k == "WANDB_API_KEY").then(|| "k".repeat(40));
        from_settings(&cli.global.settings(), &env).unwrap()
    }

    #[test]
    fn saas_reads_run_files_from_its_storage_without_credentials() {
        let g = grant("https://api.wandb.ai");
        let storage = Origin::parse("https://storage.googleapis.com").unwrap();
        assert!(g.allowlist.allows(&storage));
        // Credentials go to the base origin only (sandbox/outbound.rs compares with it).
        assert!(g.authorization.is_some());
        assert_eq!(
            g.base_origin,
            Origin::parse("https://api.wandb.ai").unwrap()
        );
        assert_ne!(g.base_origin, storage);
        // Only that origin: not plain http, not another port, not another bucket host.
        for other in [
            "http://storage.googleapis.com",
            "https://storage.googleapis.com:8443",
            "https://wandb-production.s3.amazonaws.com",
        ] {
            assert!(
                !g.allowlist.allows(&Origin::parse(other).unwrap()),
                "{other}"
            );
        }
        // Another server (a local W&B, the emulator) allows nothing beyond its own origin.
        let local = grant("http://127.0.0.1:8080");
        assert!(!local.allowlist.allows(&storage));
        assert!(local
            .allowlist
            .allows(&Origin::parse("http://127.0.0.1:8080").unwrap()));
    }
}
