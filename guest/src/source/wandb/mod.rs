//! W&B as a source: [`reader::Wandb`] implements [`crate::source::Source`] on this client.
//! Behind it: the GraphQL documents and their envelope, the runs pager and its filters, the
//! history fetch (its sampling plan in `coverage`, cadence groups, many runs batched), the
//! console tail and log files, system-metric rows, crash contexts, retries, the wasi:http
//! transport, and settings.

pub mod batch;
pub mod cadence;
pub mod console;
pub mod crash;
pub mod documents;
pub mod events;
pub mod graphql;
pub mod history;
#[cfg(target_arch = "wasm32")]
pub mod http;
pub mod lenient_json;
pub mod reader;
pub mod retry;
pub mod runs;

pub mod series;
pub mod settings;

use serde_json::Value;

use crate::error::Result;
use graphql::Transport;

/// Where an operation's requests go, and how to name that place in messages.
#[derive(Clone, Copy)]
pub struct Client<'a> {
    /// Carries one GraphQL request (wasi:http with retries; canned replies in tests).
    pub transport: &'a dyn Transport,
    /// The server's name in messages (its host), e.g. "api.wandb.ai".
    pub server: &'a str,
    /// `WANDB_BASE_URL`, for URLs the server gives as paths.
    pub base_url: &'a str,
    /// The entity a bare `PROJECT` path belongs to (`WANDB_ENTITY`).
    pub default_entity: Option<&'a str>,
    /// The most o200k tokens an output may have; `None` = no limit (see
    /// `wandb_agent_commands::ceiling`).
    pub max_output_tokens: Option<u32>,
    /// The call's time limit in seconds, when the host says (`WANDB_AGENT_TIMEOUT`): how
    /// long `watch --wait` may wait.
    pub time_limit_s: Option<u64>,
}

impl<'a> Client<'a> {
    pub fn new(transport: &'a dyn Transport, server: &'a str) -> Client<'a> {
        Client {
            transport,
            server,
            base_url: "",
            default_entity: None,
            max_output_tokens: Some(wandb_agent_commands::ceiling::DEFAULT_MAX_OUTPUT_TOKENS),
            time_limit_s: None,
        }
    }

    /// The same server through another transport (e.g. one that counts round trips).
    pub fn via(&self, transport: &'a dyn Transport) -> Client<'a> {
        Client { transport, ..*self }
    }

    /// A budget as the output ceiling allows it (`0` = as much as it allows).
    pub fn budget(&self, asked: u32) -> u32 {
        wandb_agent_commands::ceiling::budget(asked, self.max_output_tokens)
    }

    /// Sends one query and returns its `data`.
    pub fn query(&self, document: &str, variables: Value) -> Result<Value> {
        let reply = self
            .transport
            .post_graphql(&graphql::request_body(document, variables))?;
        graphql::parse_response(reply.status, &reply.body, self.server)
    }
}
