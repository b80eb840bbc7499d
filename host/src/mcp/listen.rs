//! The connections of `mcp --http`: HTTP/1.1 served by hyper with a deadline for each request's
//! headers (which is also how long a kept-alive connection may sit idle between requests; a
//! response still being written, such as a call that waits on purpose, is not idle), at most
//! [`Listening::max_connections`] connections at once (more wait in the kernel's queue until one
//! closes), and the soft limit of open files raised to the hard one at start so those
//! connections fit.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a request's headers may take to arrive, and a connection may idle between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once, at most.
pub const MAX_CONNECTIONS: usize = 1024;
/// Files kept for everything else (calls' own connections, the compile cache, logs).
const RESERVED_FILES: u64 = 128;

pub struct Listening {
    pub max_connections: usize,
    /// The soft limit of open files after raising it.
    pub open_files: u64,
}

/// Raises the soft limit of open files to the hard one and sizes the connection cap to fit.
pub fn prepare() -> Listening {
    let open_files = raise_open_files();
    let fit = open_files.saturating_sub(RESERVED_FILES).max(16);
    Listening {
        max_connections: MAX_CONNECTIONS.min(usize::try_from(fit).unwrap_or(usize::MAX)),
        open_files,
    }
}

/// The soft `RLIMIT_NOFILE` after raising it as far as the hard limit allows.
fn raise_open_files() -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        // An unlimited hard limit still has a kernel ceiling (nr_open); ask for a sane number.
        let wanted = if limit.rlim_max == libc::RLIM_INFINITY {
            1 << 16
        } else {
            limit.rlim_max
        };
        if wanted > limit.rlim_cur {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = wanted;
            }
        }
        limit.rlim_cur
    }
}

/// Accepts and serves connections until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    max_connections: usize,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let room = Arc::new(Semaphore::new(max_connections));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let place = tokio::select! {
            place = room.clone().acquire_owned() => place,
            () = &mut shutdown => return,
        };
        let Ok(place) = place else { return };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of files or memory for a moment, or a connection reset before it was
                // accepted: try again shortly rather than stop serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let builder = builder.clone();
        tokio::spawn(async move {
            let _place = place;
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let router = router.clone();
                    async move { router.oneshot(request).await }
                });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
