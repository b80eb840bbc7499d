//! What the host grants one call: where it may connect, with which credentials, within which
//! limits. Plain data, built from the settings by `grant` (the module above) and read by the sandbox.

use std::time::Duration;

use crate::network::allowlist::{Allowlist, Origin};
/// Who reads the component's messages: the contract's, passed to it as `WANDB_AGENT_HOST`.
pub use wandb_agent_commands::env::Audience;

/// What the host grants one call.
#[derive(Clone)]
pub struct Grant {
    /// The W&B base URL given to the guest as `WANDB_BASE_URL`.
    pub base_url: String,
    pub base_origin: Origin,
    pub allowlist: Allowlist,
    /// Added as `Authorization` to requests for `base_origin` only; never shown to the guest.
    pub authorization: Option<String>,
    /// Given to the guest as `WANDB_ENTITY` (a default entity for bare project names).
    pub entity: Option<String>,
    pub limits: Limits,
    /// Who reads the component's messages (given to it as `WANDB_AGENT_HOST`).
    pub audience: Audience,
    /// Run directories on disk, pre-opened read-only inside the component (`grant::local::mount`; a local call: then
    /// nothing else is granted, see `grant::local_only`).
    pub local: Vec<super::local::LocalGrant>,
    /// The MCP server's `--runs-dir`: the one directory (canonical) under which a tool call's
    /// path may name runs on disk; `None`: every path is a W&B path.
    pub runs_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_memory_bytes: usize,
    /// Wall time for the whole call: guest CPU (epoch interruption) and waits on I/O alike.
    pub timeout: Duration,
    /// Outbound requests one call may make (retries included).
    pub max_requests: u32,
    /// Bytes of one response body.
    pub max_response_bytes: u64,
    pub connect_timeout: Duration,
    /// Until the first byte of a response, and between two of its chunks.
    pub io_timeout: Duration,
    /// Retries the component may make after a failed attempt (passed to it).
    pub retries: u32,
    /// The most o200k tokens one output may have (passed to the component, and kept by
    /// [`crate::sandbox::ceiling`] whatever it returns); `None` = no limit.
    pub max_output_tokens: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_memory_bytes: 256 << 20,
            timeout: Duration::from_secs(60),
            max_requests: 50,
            max_response_bytes: 64 << 20,
            connect_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(20),
            retries: 3,
            max_output_tokens: Some(wandb_agent_commands::ceiling::DEFAULT_MAX_OUTPUT_TOKENS),
        }
    }
}

/// The engine's epoch advances every tick; a call may run `timeout / EPOCH_TICK` ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
