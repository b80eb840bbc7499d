//! A W&B-compatible GraphQL server with seeded demo data.
//!
//! It implements the documents the official `wandb` client sends (see docs/wandb-wire.md):
//! Viewer, Runs (filters, order, cursor pagination, runCount), Run, historyKeys,
//! sampledHistory and history. Unknown projects and runs are `null`, as on the real server.
//! Deliberate deviation: sampling is random per request (like the real server), with no seed.

pub mod data;
pub mod demo;
pub mod detection;
pub mod filters;
pub mod history;
pub mod http;
pub mod schema;

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The API key the demo server accepts (40+ characters, as the official client requires).
pub const DEMO_API_KEY: &str = "demo_0123456789abcdef0123456789abcdef0123";

/// A server running on its own thread; dropping it stops the server.
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn app(api_key: &str, request_log: Option<std::fs::File>) -> axum::Router {
    let state = Arc::new(http::AppState {
        schema: schema::build(Arc::new(demo::store())),
        api_key: api_key.to_string(),
        graphql_requests: AtomicU64::new(0),
        request_log: request_log.map(std::sync::Mutex::new),
    });
    http::router(state)
}

/// Serves the demo data on `addr` (port 0 picks a free one) until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    api_key: &str,
    request_log: Option<std::fs::File>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(api_key, request_log))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Starts the demo server on its own thread and runtime, bound to `addr`.
pub fn spawn(addr: SocketAddr, api_key: &str) -> std::io::Result<RunningServer> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let bound = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let key = api_key.to_string();
    let thread = std::thread::Builder::new()
        .name("wandb-emulator".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime for the emulator");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let _ = serve(listener, &key, None, async move {
                    let _ = rx.await;
                })
                .await;
            });
        })?;
    Ok(RunningServer {
        addr: bound,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}
