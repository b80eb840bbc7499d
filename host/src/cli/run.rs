//! What each subcommand does with the parsed command line: an operation in the sandbox, the
//! MCP server, or the demo.

use super::settings::open_sandbox;
use super::{print_output, Cli, Command, Global, McpArgs};
use wandb_agent_commands::{exit, History, Operation};

use crate::failure::Failure;
use crate::grant::{self, policy};
use crate::mcp;

async fn serve_mcp(global: &Global, args: McpArgs) -> Result<(), Failure> {
    let max_concurrent = args
        .max_concurrent
        .map_or_else(mcp::default_max_concurrent, |n| n as usize);
    // The one directory tools may read runs on disk from, resolved once (a link in it may
    // not lead out later: each call's path is resolved and checked against this).
    let runs_dir = match &args.runs_dir {
        Some(dir) => Some(
            std::fs::canonicalize(dir)
                .ok()
                .filter(|d| d.is_dir())
                .ok_or_else(|| {
                    Failure::new(
                        exit::USAGE,
                        format!("--runs-dir {}: not a directory", dir.display()),
                    )
                })?,
        ),
        None => None,
    };
    let grant = policy::Grant {
        audience: policy::Audience::Mcp,
        runs_dir,
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
    // Runs on disk are decided here, before the call: their directories are the grant.
    let localized = grant::local::localize(&operation)
        .map_err(|m| Failure::new(wandb_agent_commands::exit::NOT_FOUND, m))?;
    let settings = cli.global.settings();
    let (operation, grant) = match localized {
        Some((operation, dirs)) => (operation, grant::local_only(&settings, dirs)?),
        None => (
            operation,
            grant::from_settings(&settings, &|k| std::env::var(k).ok())?,
        ),
    };
    let sandbox = open_sandbox(&cli.global)?;
    if let (
        Some(args),
        Operation::History(History {
            png: Some(file), ..
        }),
    ) = (operation.picture(), &operation)
    {
        let picture = sandbox.picture(&grant, &args).await?;
        // Only the bytes come out of the sandbox: the host writes the file.
        std::fs::write(file, &picture.png).map_err(|e| {
            Failure::new(exit::USAGE, format!("cannot write {}: {e}", file.display()))
        })?;
        print_output(&format!("# wrote {}: {}", file.display(), picture.line()));
        return Ok(());
    }
    let unmount = |text: &str| grant::local::unmount(text, &grant.local);
    let text = sandbox.run(&grant, &operation).await.map_err(|e| {
        let f = Failure::from(e);
        Failure::new(f.code, unmount(&f.message))
    })?;
    print_output(&unmount(&text));
    Ok(())
}
