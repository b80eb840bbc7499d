//! `wandb-agent mcp`: an MCP server on stdio, or on Streamable HTTP for remote clients
//! ([`http`]). The tools are the operations' catalog ([`tools`]); every tool call runs
//! the component in a fresh sandboxed instance with the same allowlist and limits as the CLI;
//! a failed call is an MCP tool error (`isError`) carrying the CLI's one-line message.

mod door;
mod gate;
pub mod http;
mod keys;
mod listen;
mod sessions;
mod slots;
pub mod tools;

pub use gate::Rate;

use std::sync::Arc;

use base64::prelude::{Engine, BASE64_STANDARD};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use wandb_agent_commands::{exit, Operation};

use crate::failure::Failure;
use crate::grant::policy::Grant;
use crate::grant::{basic_auth, local};
use crate::sandbox::Sandbox;
use tools::ToolSpec;

/// How an agent should use these tools; MCP clients show it as the server's instructions.
pub const INSTRUCTIONS: &str = "Diagnose W&B training runs in few tokens, coarse to fine: \
wandb_list_runs for run ids (never guess them); wandb_summary for a run's config and keys; \
wandb_history_stats, then wandb_history with a step window; wandb_diagnose pins a problem to its \
step. Many runs: wandb_triage, wandb_params, wandb_best, wandb_compare. '#' lines say what was \
left out and how to see it.";

/// Added to the instructions when the server reads runs on disk (`--runs-dir`).
pub const RUNS_ON_DISK: &str = "On disk: project `.`, run `wandb/<run dir>`; every row read.";

/// Where a tool call's W&B key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The grant's, resolved once from the environment or `.netrc` (stdio: one user).
    Grant,
    /// The HTTP request's `Authorization: Bearer <key>` (one key per client; the grant
    /// carries none).
    Bearer,
}

#[derive(Clone)]
pub struct WandbTools {
    sandbox: Arc<Sandbox>,
    grant: Arc<Grant>,
    catalog: Arc<Vec<ToolSpec>>,
    keys: KeySource,
    /// Tool calls running at once; the others wait for a slot.
    slots: Arc<slots::Slots>,
}

impl WandbTools {
    pub fn new(
        sandbox: Arc<Sandbox>,
        grant: Grant,
        keys: KeySource,
        max_concurrent: usize,
    ) -> Self {
        WandbTools {
            sandbox,
            grant: Arc::new(grant),
            catalog: Arc::new(tools::catalog()),
            keys,
            // Shared fairly between clients when each brings its own key.
            slots: slots::Slots::new(max_concurrent, keys == KeySource::Bearer),
        }
    }

    /// The grant for one call: with the client's own key when keys come per request. The
    /// key goes into the `Authorization` the host adds to W&B requests, nowhere else.
    fn grant_for(&self, context: &RequestContext<RoleServer>) -> Result<Arc<Grant>, ErrorData> {
        match self.keys {
            KeySource::Grant => Ok(self.grant.clone()),
            KeySource::Bearer => {
                let key = context
                    .extensions
                    .get::<::http::request::Parts>()
                    .and_then(|parts| gate::bearer_key(&parts.headers))
                    // The gate refuses such requests before they get here.
                    .ok_or_else(|| ErrorData::invalid_request(gate::MISSING_KEY, None))?;
                Ok(Arc::new(Grant {
                    authorization: Some(basic_auth(key)),
                    ..(*self.grant).clone()
                }))
            }
        }
    }

    fn tool(spec: &ToolSpec) -> Tool {
        Tool::new(
            spec.name.clone(),
            spec.description.clone(),
            spec.input_schema.clone(),
        )
    }

    /// The operation a tool call asks for; bad arguments are the caller's error.
    fn operation(&self, request: CallToolRequestParams) -> Result<Operation, ErrorData> {
        let spec = self
            .catalog
            .iter()
            .find(|spec| spec.name == request.name)
            .ok_or_else(|| {
                ErrorData::invalid_params(format!("no tool named `{}`", request.name), None)
            })?;
        let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
        match Operation::from_arguments(spec.export, arguments) {
            Some(Ok(operation)) => Ok(operation),
            Some(Err(e)) => Err(ErrorData::invalid_params(
                format!("bad arguments for {}: {e}", spec.name),
                None,
            )),
            None => Err(ErrorData::internal_error(
                format!("{} has no declaration", spec.export),
                None,
            )),
        }
    }
}

impl ServerHandler for WandbTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "wandb-agent",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(match self.grant.runs_dir {
                None => INSTRUCTIONS.to_string(),
                Some(_) => format!("{INSTRUCTIONS} {RUNS_ON_DISK}"),
            })
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.catalog.iter().map(Self::tool).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.catalog
            .iter()
            .find(|spec| spec.name == name)
            .map(Self::tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let operation = self.operation(request)?;
        let grant = self.grant_for(&context)?;
        // Runs on disk only under the server's --runs-dir: then the call reads those
        // directories alone, with no network and no key.
        let (operation, grant) = match &grant.runs_dir {
            None => (operation, grant),
            Some(root) => match local::localize_under(&operation, root) {
                Err(message) => {
                    return Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                        "error: {message}"
                    ))])
                    .into())
                }
                Ok(None) => (operation, grant),
                Ok(Some((operation, dirs))) => {
                    (operation, Arc::new(crate::grant::narrowed_to(&grant, dirs)))
                }
            },
        };
        let unmount = |text: &str| local::unmount(text, &grant.local);
        let _slot = self.slots.acquire(slots::Client::of(&grant)).await;
        let outcome = match operation.picture() {
            // `wandb_history` with `format: "png"`: the picture as image content, and the
            // line the command line prints beside it.
            Some(args) => self.sandbox.picture(&grant, &args).await.map(|picture| {
                vec![
                    ContentBlock::image(BASE64_STANDARD.encode(&picture.png), "image/png"),
                    ContentBlock::text(unmount(&picture.line())),
                ]
            }),
            None => self
                .sandbox
                .run(&grant, &operation)
                .await
                .map(|text| vec![ContentBlock::text(unmount(&text))]),
        };
        let result = match outcome {
            Ok(content) => CallToolResult::success(content),
            Err(err) => CallToolResult::error(vec![ContentBlock::text(format!(
                "error: {}",
                unmount(&Failure::from(err).message)
            ))]),
        };
        Ok(result.into())
    }
}

/// Tool calls one server runs at once unless `--max-concurrent` says otherwise: four per
/// core, since a call mostly waits on W&B.
pub fn default_max_concurrent() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 4)
}

/// Serves MCP on stdin/stdout until the client closes the connection.
pub async fn serve_stdio(
    sandbox: Sandbox,
    grant: Grant,
    max_concurrent: usize,
) -> Result<(), Failure> {
    let failed =
        |e: &dyn std::fmt::Display| Failure::new(exit::SANDBOX, format!("MCP session failed: {e}"));
    let service = WandbTools::new(Arc::new(sandbox), grant, KeySource::Grant, max_concurrent)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| failed(&e))?;
    service.waiting().await.map_err(|e| failed(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client pays in every session before its first call: the instructions and the
    /// tools listing, in o200k tokens. Holds for every tool added later.
    #[test]
    fn instructions_and_tool_listing_fit_2500_tokens() {
        let tools: Vec<Tool> = tools::catalog().iter().map(WandbTools::tool).collect();
        let listing = serde_json::to_string(&ListToolsResult::with_all_items(tools)).unwrap();
        let encoder = tiktoken_rs::o200k_base().unwrap();
        let cost = encoder
            .encode_with_special_tokens(&format!("{INSTRUCTIONS} {RUNS_ON_DISK}"))
            .len()
            + encoder.encode_with_special_tokens(&listing).len();
        assert!(cost <= 2500, "instructions and tools/list: {cost} tokens");
        assert!(INSTRUCTIONS.contains("never guess"));
    }
}
