//! What each subcommand does with the parsed command line: an operation in the sandbox, the
//! MCP server, or the demo.

use super::settings::open_sandbox;
use super::{print_output, Cli, Command, Global, McpArgs};
use crate::failure::Failure;
use crate::grant::{self, policy};
use crate::mcp;

async fn serve_mcp(global: &Global, args: McpArgs) -> Result<(), Failure> {
    let max_concurrent = args
        .max_concurrent
        .map_or_else(mcp::default_max_concurrent, |n| n as usize);
    let grant = policy::Grant {
        audience: policy::Audience::Mcp,
        ..grant::from_settings(&global.settings(), &|k| std::env::var(k).ok())?
    };
    let Some(listen) = args.http else {
        let sandbox = open_sandbox(global)?;
        return mcp::serve_stdio(sandbox, grant, max_concurrent).await;
    };
    let options = mcp::http::HttpOptions {
        listen,
        public: args.public,
        max_concurrent,
        rate: args.rate,
        open_rate: args.open_rate,
        max_sessions_per_key: args.max_sessions_per_key as usize,
        max_sessions: args.max_sessions as usize,
    };
    // A bad address fails before the component is compiled.
    mcp::http::check_listen(&options)?;
    let sandbox = open_sandbox(global)?;
    mcp::http::serve(sandbox, grant, options).await
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let operation = match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo { serve, listen } => {
            return super::demo::run(&cli.global, serve, listen).await
        }
        Command::Mcp(args) => return serve_mcp(&cli.global, args).await,
        Command::Op(operation) => operation.resolved(),
    };
    let grant = grant::from_settings(&cli.global.settings(), &|k| std::env::var(k).ok())?;
    let sandbox = open_sandbox(&cli.global)?;
    let text = sandbox.run(&grant, &operation).await?;
    print_output(&text);
    Ok(())
}
