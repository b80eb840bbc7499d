//! `wandb-agent mcp`: an MCP server on stdio. The tools are the operations' catalog
//! ([`crate::tools`]); every tool call runs the component in a fresh sandboxed instance with
//! the same allowlist, credentials and limits as the CLI; a failed call is an MCP tool error
//! (`isError`) carrying the CLI's one-line message.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use wandb_agent_commands::{exit, Operation};

use crate::failure::Failure;
use crate::policy::Grant;
use crate::sandbox::Sandbox;
use crate::tools::{self, ToolSpec};

/// How an agent should use these tools; MCP clients show it as the server's instructions.
pub const INSTRUCTIONS: &str = "Diagnose Weights & Biases training runs while spending few tokens. \
Work from coarse to fine: (1) wandb_list_runs to discover run ids — never guess them; \
(2) wandb_summary for one run's config and final metrics, which also shows which metric keys exist; \
(3) wandb_history_stats for the keys you need: min/max with their steps, NaN onset and a sparkline, ~60 tokens per key; \
(4) wandb_history for the curve itself, and with min_step/max_step for the exact rows of a window (the micro view). \
Request only the keys you need. Use wandb_best to pick the best of recent runs, wandb_compare for two runs, \
and wandb_diagnose to pin a divergence, gradient explosion, loss spike or overfitting to its exact step and epoch. \
Outputs are compact CSV or one-line JSON; a trailing '#' line says what was hidden or reduced and how to see it.";

#[derive(Clone)]
pub struct WandbTools {
    sandbox: Arc<Sandbox>,
    grant: Arc<Grant>,
    catalog: Arc<Vec<ToolSpec>>,
}

impl WandbTools {
    pub fn new(sandbox: Sandbox, grant: Grant) -> Self {
        WandbTools {
            sandbox: Arc::new(sandbox),
            grant: Arc::new(grant),
            catalog: Arc::new(tools::catalog()),
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
            .with_instructions(INSTRUCTIONS)
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
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let operation = self.operation(request)?;
        let result = match self.sandbox.run(&self.grant, &operation).await {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(err) => CallToolResult::error(vec![ContentBlock::text(format!(
                "error: {}",
                Failure::from(err).message
            ))]),
        };
        Ok(result.into())
    }
}

/// Serves MCP on stdin/stdout until the client closes the connection.
pub async fn serve(sandbox: Sandbox, grant: Grant) -> Result<(), Failure> {
    let failed =
        |e: &dyn std::fmt::Display| Failure::new(exit::SANDBOX, format!("MCP session failed: {e}"));
    let service = WandbTools::new(sandbox, grant)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| failed(&e))?;
    service.waiting().await.map_err(|e| failed(&e))?;
    Ok(())
}
