//! `wandb-agent mcp --http ADDR`: MCP over Streamable HTTP (endpoint `/mcp`) for remote
//! clients, each with its own W&B key. The key arrives as `Authorization: Bearer <key>` on
//! every request ([`super::gate`]), is added by the host to that call's W&B requests only,
//! and never reaches the component or a log; the server's own key (environment, `.netrc`) is
//! never used. Calls run concurrently, each in a fresh instance, at most `--max-concurrent` at
//! once.

use std::net::SocketAddr;
use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use wandb_agent_commands::exit;

use super::gate::{self, Limiter, Rate};
use super::{KeySource, WandbTools};
use crate::failure::Failure;
use crate::policy::{Audience, Grant};
use crate::sandbox::Sandbox;

pub struct HttpOptions {
    pub listen: SocketAddr,
    /// Listening beyond loopback was asked for explicitly.
    pub public: bool,
    pub max_concurrent: usize,
    pub rate: Rate,
}

/// Refuses a non-loopback address unless `--public` was given.
pub fn check_listen(options: &HttpOptions) -> Result<(), Failure> {
    if options.listen.ip().is_loopback() || options.public {
        return Ok(());
    }
    Err(Failure::new(
        exit::USAGE,
        format!(
            "--http {}: not a loopback address, so other machines could reach this server; \
             pass --public to listen there anyway",
            options.listen
        ),
    ))
}

/// Serves until interrupted (Ctrl-C).
pub async fn serve(sandbox: Sandbox, grant: Grant, options: HttpOptions) -> Result<(), Failure> {
    check_listen(&options)?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("cannot listen on {}: {e}", options.listen),
            )
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::SANDBOX, format!("cannot read the bound address: {e}")))?;
    // Clients bring their own keys: the server's (and its default entity) must not leak into
    // their calls.
    let grant = Grant {
        authorization: None,
        entity: None,
        audience: Audience::RemoteMcp,
        ..grant
    };
    let tools = WandbTools::new(
        Arc::new(sandbox),
        grant,
        KeySource::Bearer,
        options.max_concurrent,
    );
    let mut config = StreamableHttpServerConfig::default();
    if options.public {
        // The Host check guards loopback servers against DNS rebinding; a public server is
        // reached under names we cannot know.
        config = config.disable_allowed_hosts();
        eprintln!(
            "warning: serving MCP on {addr}, reachable from other machines; keys travel in \
             clear HTTP unless a TLS proxy is in front"
        );
    }
    let service = StreamableHttpService::new(
        move || Ok(tools.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let limiter = Arc::new(Limiter::new(options.rate));
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(limiter, gate::door));
    eprintln!(
        "wandb-agent: MCP over Streamable HTTP on http://{addr}/mcp (at most {} calls at once, {} per key)",
        options.max_concurrent, options.rate
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::new(exit::SANDBOX, format!("MCP HTTP server failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(listen: &str, public: bool) -> HttpOptions {
        HttpOptions {
            listen: listen.parse().unwrap(),
            public,
            max_concurrent: 4,
            rate: "60/min".parse().unwrap(),
        }
    }

    #[test]
    fn beyond_loopback_only_when_asked() {
        assert!(check_listen(&options("127.0.0.1:8080", false)).is_ok());
        assert!(check_listen(&options("[::1]:8080", false)).is_ok());
        let refused = check_listen(&options("0.0.0.0:8080", false)).unwrap_err();
        assert_eq!(refused.code, exit::USAGE);
        assert!(refused.message.contains("--public"), "{}", refused.message);
        assert!(check_listen(&options("0.0.0.0:8080", true)).is_ok());
    }
}
