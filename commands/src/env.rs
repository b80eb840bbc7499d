//! The environment the host gives the component, its only configuration (the sandbox passes
//! nothing ambient): the variables' names and who is calling, defined here once for the host
//! that sets them and the component that reads them.

/// The W&B API base URL (default `https://api.wandb.ai`).
pub const BASE_URL: &str = "WANDB_BASE_URL";
/// The default entity for bare project names.
pub const ENTITY: &str = "WANDB_ENTITY";
/// The W&B API key, for hosts that do not add credentials themselves.
pub const API_KEY: &str = "WANDB_API_KEY";
/// Retries after a failed attempt.
pub const RETRIES: &str = "WANDB_AGENT_RETRIES";
/// Who reads the component's messages ([`Audience::as_env`]).
pub const AUDIENCE: &str = "WANDB_AGENT_HOST";
/// The call's time limit in whole seconds (the host's `--timeout`): how long `watch` may
/// wait for news within the call.
pub const TIMEOUT: &str = "WANDB_AGENT_TIMEOUT";
/// The output ceiling (see [`crate::ceiling`]).
pub const MAX_OUTPUT_TOKENS: &str = crate::ceiling::ENV;

/// Who reads what the component says, so its hints name the right flags or tools. Our host
/// says which in [`AUDIENCE`]; under any other host the component uses neutral words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A person or agent at our command line: flags such as `--allow`.
    Cli,
    /// An agent through `wandb-agent mcp`: tools and their arguments.
    Mcp,
    /// A remote agent through `wandb-agent mcp --http`: tools, and its own key as a Bearer
    /// token.
    RemoteMcp,
}

impl Audience {
    const ALL: [Audience; 3] = [Audience::Cli, Audience::Mcp, Audience::RemoteMcp];

    /// The value of [`AUDIENCE`] that names it.
    pub fn as_env(self) -> &'static str {
        match self {
            Audience::Cli => "cli",
            Audience::Mcp => "mcp",
            Audience::RemoteMcp => "mcp-http",
        }
    }

    /// The audience a value of [`AUDIENCE`] names; `None` for any other value.
    pub fn from_env(value: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_env() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_round_trip_through_the_environment() {
        for audience in Audience::ALL {
            assert_eq!(Audience::from_env(audience.as_env()), Some(audience));
        }
        assert_eq!(Audience::from_env("wassette"), None);
    }
}
