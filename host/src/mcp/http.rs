//! `wandb-agent mcp --http ADDR`: MCP over Streamable HTTP (endpoint `/mcp`) for remote
//! clients, each with its own W&B key. The key arrives as `Authorization: Bearer <key>` on
//! every request ([`super::gate`]), is added by the host to that call's W&B requests only,
//! and never reaches the component or a log; the server's own key (environment, `.netrc`) is
//! never used. Calls run concurrently, each in a fresh instance, at most `--max-concurrent` at
//! once. What guards the server against clients that mean harm: [`super::door`] (keys, rates,
//! sessions bound to keys, body limits) and [`super::listen`] (header timeout, connection cap).

use std::net::SocketAddr;
use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use wandb_agent_commands::{exit, ErrorKind, ListRuns, Operation, RunFilter};

use super::door::{self, Door, MAX_BODY};
use super::gate::Rate;
use super::keys::{Check, KeyChecks, Verdict, VERDICT_TTL};
use super::sessions::Sessions;
use super::{listen, KeySource, WandbTools};
use crate::failure::Failure;
use crate::grant::basic_auth;
use crate::grant::policy::{Audience, Grant};
use crate::sandbox::{Sandbox, SandboxError};

pub struct HttpOptions {
    pub listen: SocketAddr,
    /// Listening beyond loopback was asked for explicitly.
    pub public: bool,
    pub max_concurrent: usize,
    /// Requests per key.
    pub rate: Rate,
    /// New sessions (and first requests with a key not checked yet) per network address.
    pub open_rate: Rate,
    pub max_sessions_per_key: usize,
    pub max_sessions: usize,
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
    let listening = listen::prepare();
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
    let sandbox = Arc::new(sandbox);
    let tools = WandbTools::new(
        sandbox.clone(),
        grant.clone(),
        KeySource::Bearer,
        options.max_concurrent,
    );
    let mut config = StreamableHttpServerConfig::default().with_max_request_body_bytes(MAX_BODY);
    if options.public {
        // The Host check guards loopback servers against DNS rebinding; a public server is
        // reached under names we cannot know.
        config = config.disable_allowed_hosts();
        eprintln!(
            "warning: serving MCP on {addr}, reachable from other machines; keys travel in \
             clear HTTP unless a TLS proxy is in front"
        );
    } else {
        config = config.with_allowed_hosts(allowed_hosts(addr));
    }
    let manager = Arc::new(LocalSessionManager::default());
    let service = StreamableHttpService::new(move || Ok(tools.clone()), manager.clone(), config);
    let door = Arc::new(Door::new(
        options.rate,
        options.open_rate,
        KeyChecks::new(key_check(sandbox, grant), VERDICT_TTL),
        Sessions::new(manager, options.max_sessions_per_key, options.max_sessions),
    ));
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(door, door::door));
    eprintln!(
        "wandb-agent: MCP over Streamable HTTP on http://{addr}/mcp (at most {} calls at once, \
         {} per key, {} new sessions per address, {} sessions per key, {} in all, {} connections, \
         {} open files)",
        options.max_concurrent,
        options.rate,
        options.open_rate,
        options.max_sessions_per_key,
        options.max_sessions,
        listening.max_connections,
        listening.open_files,
    );
    listen::serve(listener, router, listening.max_connections, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

/// The names a loopback server answers to: rmcp's (localhost, 127.0.0.1, ::1) and the address
/// it listens on (e.g. 127.0.0.2).
fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    let mut hosts = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    let own = addr.ip().to_string();
    if !hosts.contains(&own) {
        hosts.push(own);
    }
    hosts
}

/// Where a key is tried: a project nobody is expected to have, so a key W&B accepts gets
/// "not found" (or a few runs) in one small request, and any other key a 401.
const CHECK_PROJECT: &str = "wandb-agent-key-check/none";

/// The key check: the component's cheapest call with the key, as a tool call would make it.
/// Only W&B refusing the credentials refuses the key; failing to reach W&B or a limit gives
/// no answer.
fn key_check(sandbox: Arc<Sandbox>, grant: Grant) -> Check {
    let grant = Arc::new(grant);
    Arc::new(move |key: String| {
        let sandbox = sandbox.clone();
        let grant = Grant {
            authorization: Some(basic_auth(&key)),
            ..(*grant).clone()
        };
        Box::pin(async move {
            let operation = Operation::ListRuns(ListRuns {
                project: CHECK_PROJECT.into(),
                limit: Some(1),
                include_crashed: false,
                include_short: false,
                filter: RunFilter::default(),
                columns: Vec::new(),
            });
            match sandbox.run(&grant, &operation).await {
                Ok(_) => Ok(Verdict::Accepted),
                Err(SandboxError::Guest(g)) => match g.kind {
                    ErrorKind::Unauthorized => Ok(Verdict::Refused(g.message)),
                    ErrorKind::NotFound | ErrorKind::MissingKeys | ErrorKind::BadInput => {
                        Ok(Verdict::Accepted)
                    }
                    ErrorKind::Network | ErrorKind::Denied | ErrorKind::Server => Err(g.message),
                },
                Err(other) => Err(Failure::from(other).message),
            }
        })
    })
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
            open_rate: "30/min".parse().unwrap(),
            max_sessions_per_key: 20,
            max_sessions: 1000,
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

    #[test]
    fn a_loopback_server_answers_to_its_own_address() {
        let hosts = allowed_hosts("127.0.0.2:9000".parse().unwrap());
        assert!(hosts.contains(&"127.0.0.2".to_string()), "{hosts:?}");
        assert!(hosts.contains(&"localhost".to_string()));
        assert_eq!(allowed_hosts("127.0.0.1:9000".parse().unwrap()).len(), 3);
    }
}
