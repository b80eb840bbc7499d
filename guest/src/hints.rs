//! What an error message tells its reader to do, in the words of where it is read: our CLI's
//! commands and flags, our MCP server's tools and arguments, the command build's subcommands,
//! or — under any other host (Wassette, jco, plain `wasmtime`) — the component's own exports
//! and the host's grant, in neutral words. Our host says which it is in `WANDB_AGENT_HOST`
//! (the contract's [`Audience`]); the command build says so itself ([`set`]).

use std::sync::OnceLock;

use wandb_agent_commands::env::{self, Audience};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The `wandb-agent` CLI (our host).
    Cli,
    /// `wandb-agent mcp` (our host).
    Mcp,
    /// `wandb-agent mcp --http` (our host): a remote client that sends its own key.
    RemoteMcp,
    /// `wandb-agent-cli.wasm` under `wasmtime run`: our subcommands, the runtime's grants.
    Command,
    /// Any other host.
    Generic,
}

static HOST: OnceLock<Host> = OnceLock::new();

/// Sets the host once, before anything asks (the command build does).
pub fn set(host: Host) {
    let _ = HOST.set(host);
}

pub fn host() -> Host {
    let audience = || {
        std::env::var(env::AUDIENCE)
            .ok()
            .and_then(|v| Audience::from_env(&v))
    };
    *HOST.get_or_init(|| match audience() {
        Some(Audience::Cli) => Host::Cli,
        Some(Audience::Mcp) => Host::Mcp,
        Some(Audience::RemoteMcp) => Host::RemoteMcp,
        None => Host::Generic,
    })
}

/// How to list a project's runs (`all`: hidden ones too).
pub fn list_runs(project: &str, all: bool) -> String {
    let flags = if all {
        " --include-crashed --include-short"
    } else {
        ""
    };
    match host() {
        Host::Cli => format!("list runs with `wandb-agent list-runs {project}{flags}`"),
        Host::Command => format!("list runs with `wandb-agent-cli list-runs {project}{flags}`"),
        Host::Mcp | Host::RemoteMcp => format!(
            "list runs with the wandb_list_runs tool (project \"{project}\"{})",
            if all {
                ", include_crashed and include_short true"
            } else {
                ""
            }
        ),
        Host::Generic => format!(
            "list runs with wandb-list-runs (project \"{project}\"{})",
            if all {
                ", include-crashed and include-short true"
            } else {
                ""
            }
        ),
    }
}

/// Why a request to `origin` was refused, and what would allow it.
pub fn denied(origin: &str) -> String {
    match host() {
        Host::Cli => format!("request to {origin} denied by the host's allowlist; allow it with --allow {origin}"),
        Host::Mcp => format!(
            "request to {origin} denied by the host's allowlist; start `wandb-agent mcp` with --allow {origin}"
        ),
        Host::RemoteMcp => format!(
            "request to {origin} denied by the server's allowlist; its operator can add --allow {origin}"
        ),
        Host::Command | Host::Generic => {
            format!("the host's network policy does not allow {origin}; grant the component network access to it")
        }
    }
}

/// How to let the component read `origin`, for a message that goes on (a diagnosis that
/// stands without it): a flag at our command line; for an MCP client, which cannot change the
/// server's flags, a request to whoever runs the server.
pub fn allow(origin: &str) -> String {
    match host() {
        Host::Cli => format!("allow it with --allow {origin}"),
        Host::Mcp => format!(
            "ask whoever runs this MCP server to start `wandb-agent mcp` with --allow {origin}"
        ),
        Host::RemoteMcp => {
            format!("ask the operator of this MCP server to add --allow {origin}")
        }
        Host::Command | Host::Generic => {
            format!("grant the component network access to {origin}")
        }
    }
}

/// How to raise the output ceiling, in the words of who can: a flag at our command line, a
/// request to whoever runs the MCP server (its clients cannot change its flags), the
/// runtime's environment under any other host.
pub fn ceiling() -> String {
    match host() {
        Host::Cli => "raise it with --max-output-tokens N (0 = no limit)".into(),
        Host::Mcp => {
            "ask whoever runs the server to start `wandb-agent mcp` with --max-output-tokens N"
                .into()
        }
        Host::RemoteMcp => "ask the server's operator to raise --max-output-tokens".into(),
        Host::Command => {
            format!(
                "raise it with --env {}=N (0 = no limit)",
                wandb_agent_commands::ceiling::ENV
            )
        }
        Host::Generic => format!(
            "the host can raise it ({}, 0 = no limit)",
            wandb_agent_commands::ceiling::ENV
        ),
    }
}

/// What to do when the server rejects the credentials.
pub fn credentials() -> &'static str {
    match host() {
        Host::Cli | Host::Mcp => "set WANDB_API_KEY or run `wandb login`",
        Host::RemoteMcp => {
            "check the W&B API key your client sends as `Authorization: Bearer <key>`"
        }
        Host::Command => "pass the key with --env WANDB_API_KEY=...",
        Host::Generic => {
            "the host must supply a W&B API key (WANDB_API_KEY, or credentials it adds itself)"
        }
    }
}

/// An option as the reader spells it: `--min-step` on a command line, `min_step` for a tool,
/// `min-step` for an export's parameter.
pub fn option(name: &str) -> String {
    let kebab = name.replace('_', "-");
    match host() {
        Host::Cli | Host::Command => format!("--{kebab}"),
        Host::Mcp | Host::RemoteMcp => name.replace('-', "_"),
        Host::Generic => kebab,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generic_host_gets_neutral_words() {
        // Unit tests run without WANDB_AGENT_HOST.
        assert_eq!(host(), Host::Generic);
        assert_eq!(
            list_runs("e/p", false),
            "list runs with wandb-list-runs (project \"e/p\")"
        );
        assert_eq!(
            denied("http://h:1"),
            "the host's network policy does not allow http://h:1; grant the component network access to it"
        );
        assert_eq!(option("min_step"), "min-step");
        assert_eq!(
            allow("http://h:1"),
            "grant the component network access to http://h:1"
        );
    }
}
