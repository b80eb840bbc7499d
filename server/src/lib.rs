//! A W&B-compatible GraphQL server with seeded demo data.
//!
//! It implements the documents the official `wandb` client sends (see docs/wandb-wire.md):
//! Viewer, Runs (filters, order, cursor pagination, runCount), Run, historyKeys,
//! sampledHistory and history. Unknown projects and runs are `null`, as on the real server.
//! Sampling is random per request, like the real server's, unless fixed with
//! [`api::history::fix_sampling_seed`] (the binary's `--seed`).
//!
//! Three layers: `model` (plain data types), `seed` (the run builder and one module per demo
//! project, gathered by `seed::catalog`) and `api` (the protocol). `seed` and `api` both
//! depend on `model` and not on each other; this root joins them: it builds the store from
//! the catalog and the accounts from `seed::accounts`, and serves them through the API.

pub mod api;
pub mod model;
pub mod seed;

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use api::files::FileStore;
use api::{http, schema};
use model::run::Store;

/// The API key the demo server accepts (40+ characters, as the official client requires).
pub const DEMO_API_KEY: &str = "demo_0123456789abcdef0123456789abcdef0123";

/// A server running on its own thread; dropping it stops the server.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where run files are served (their pre-signed `directUrl`s point here).
    pub files_addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The run-file storage origin, e.g. for `--allow`.
    pub fn files_origin(&self) -> String {
        format!("http://{}", self.files_addr)
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

/// The GraphQL API over `store`, with run files signed for `files`.
pub fn app(
    store: Arc<Store>,
    files: Arc<FileStore>,
    api_key: &str,
    request_log: Option<std::fs::File>,
    http_requests: Arc<AtomicU64>,
) -> axum::Router {
    // `demo/live`'s run grows with the clock from now: each request reads the store as of then.
    let live = seed::live::Live::start(store.clone());
    let state = Arc::new(http::AppState {
        store_now: Some(Box::new(move || live.store())),
        schema: schema::build(store, files.clone()),
        files,
        accounts: seed::accounts::accounts(api_key),
        graphql_requests: AtomicU64::new(0),
        http_requests,
        request_log: request_log.map(std::sync::Mutex::new),
    });
    http::router(state)
}

/// How the emulator behaves beyond its data.
#[derive(Default)]
pub struct Options {
    /// When set, one JSON line per GraphQL request (see [`http::AppState::request_log`]).
    pub request_log: Option<std::fs::File>,
    /// Added before every HTTP answer, on both origins: a loopback server answers in
    /// microseconds where W&B's API takes a few hundred milliseconds, and a benchmark of
    /// whole questions must pay for round trips as a real agent would.
    pub delay: Duration,
}

/// Where the emulator listens: the API, and a second origin for run files (as a storage
/// bucket is another origin than W&B's API).
pub struct Listeners {
    pub api: tokio::net::TcpListener,
    pub files: tokio::net::TcpListener,
}

/// Serves the demo data until `shutdown` resolves.
pub async fn serve(
    listeners: Listeners,
    api_key: &str,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let origin = format!("http://{}", listeners.files.local_addr()?);
    let api_origin = format!("http://{}", listeners.api.local_addr()?);
    let store = Arc::new(seed::catalog::store());
    let files = Arc::new(FileStore::new(origin, api_origin, store.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let requests = Arc::new(AtomicU64::new(0));
    let api = app(
        store,
        files.clone(),
        api_key,
        options.request_log,
        requests.clone(),
    );
    let api = axum::serve(
        listeners.api,
        http::round_trip(api, options.delay, requests.clone()),
    )
    .with_graceful_shutdown(until_stopped(stopped.clone()));
    let storage = axum::serve(
        listeners.files,
        http::round_trip(api::files::router(files), options.delay, requests),
    )
    .with_graceful_shutdown(until_stopped(stopped));
    tokio::try_join!(
        std::future::IntoFuture::into_future(api),
        std::future::IntoFuture::into_future(storage)
    )?;
    Ok(())
}

/// Starts the demo server on its own thread and runtime, bound to `addr` (run files on the
/// same address, another port).
pub fn spawn(addr: SocketAddr, api_key: &str) -> std::io::Result<RunningServer> {
    spawn_with(addr, api_key, Options::default())
}

/// [`spawn`] with [`Options`] (a request log, a round-trip delay).
pub fn spawn_with(
    addr: SocketAddr,
    api_key: &str,
    options: Options,
) -> std::io::Result<RunningServer> {
    let bind = |addr: SocketAddr| -> std::io::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    };
    let api = bind(addr)?;
    let files = bind(SocketAddr::new(addr.ip(), 0))?;
    let bound = api.local_addr()?;
    let files_addr = files.local_addr()?;
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
                let listeners = Listeners {
                    api: tokio::net::TcpListener::from_std(api).expect("listener"),
                    files: tokio::net::TcpListener::from_std(files).expect("listener"),
                };
                let _ = serve(listeners, &key, options, async move {
                    let _ = rx.await;
                })
                .await;
            });
        })?;
    Ok(RunningServer {
        addr: bound,
        files_addr,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::Instant;

    /// Wall time of one plain HTTP request (the connection closed by the server).
    fn request(addr: SocketAddr, method: &str, path: &str) -> (Duration, String) {
        let start = Instant::now();
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        (start.elapsed(), reply)
    }

    #[test]
    fn every_answer_waits_for_the_delay_on_both_origins() {
        let delay = Duration::from_millis(150);
        let options = Options {
            delay,
            ..Options::default()
        };
        let slow = spawn_with("127.0.0.1:0".parse().unwrap(), DEMO_API_KEY, options).unwrap();
        let fast = spawn("127.0.0.1:0".parse().unwrap(), DEMO_API_KEY).unwrap();
        for _ in 0..3 {
            // Refused for want of a key, and still only after the delay.
            let (took, reply) = request(slow.addr, "POST", "/graphql");
            assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
            assert!(took >= delay, "answered after {took:?}");
            // Not found on the storage origin: delayed too, as a remote bucket would be.
            let (took, reply) = request(slow.files_addr, "GET", "/no-such-file");
            assert!(reply.starts_with("HTTP/1.1 4"), "{reply}");
            assert!(took >= delay, "storage answered after {took:?}");
        }
        let (took, reply) = request(slow.addr, "GET", "/__stats");
        assert!(
            took < delay,
            "the counters are read without delay, not {took:?}"
        );
        assert!(
            reply.contains(r#""graphql_requests":3,"http_requests":6}"#),
            "every request but the stats counted, on both origins: {reply}"
        );
        let (took, _) = request(fast.addr, "POST", "/graphql");
        assert!(took < delay, "no delay asked, yet {took:?}");
    }
}
