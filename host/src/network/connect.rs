//! Outbound connections to pinned addresses.
//!
//! wasmtime's default sender resolves the request's host name again for every connection, so
//! a name on the allowlist could answer with a public address when checked and a private one
//! when connected (DNS rebinding). Here each host is looked up once per call ([`Pins`]), the
//! answer filtered by [`super::address`] and kept for the rest of the call, and connections go
//! to those addresses only; TLS still verifies the certificate against the host *name*.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::address::{self, HostKind};
use super::allowlist::Origin;

/// The future wasi-http uses to drive a connection and report its errors.
pub type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Looks a `host:port` up: the system resolver in production, a script in tests.
pub type Lookup = Arc<dyn Fn(String) -> BoxFuture<std::io::Result<Vec<SocketAddr>>> + Send + Sync>;

/// Why no connection was attempted.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The name did not resolve.
    Unresolved { host: String, reason: String },
    /// A name resolved only to addresses that are not public.
    Private { host: String, addr: SocketAddr },
}

/// The addresses of each host for one call: looked up on first use, the same afterwards.
#[derive(Clone)]
pub struct Pins {
    lookup: Lookup,
    pinned: Arc<Mutex<HashMap<String, Vec<SocketAddr>>>>,
}

impl Pins {
    pub fn system() -> Pins {
        Pins::with_lookup(Arc::new(|authority: String| {
            Box::pin(async move { Ok(tokio::net::lookup_host(authority).await?.collect()) })
        }))
    }

    pub fn with_lookup(lookup: Lookup) -> Pins {
        Pins {
            lookup,
            pinned: Arc::default(),
        }
    }

    /// Where a request to `origin` may connect, for the rest of this call.
    pub async fn resolve(&self, origin: &Origin) -> Result<Vec<SocketAddr>, Refusal> {
        let key = origin.host_port();
        if let Some(addrs) = self.pinned.lock().ok().and_then(|p| p.get(&key).cloned()) {
            return Ok(addrs);
        }
        let kind = address::kind(origin.host());
        let resolved = match kind {
            HostKind::Literal(ip) => vec![SocketAddr::new(ip, origin.port())],
            _ => (self.lookup)(key.clone())
                .await
                .map_err(|e| Refusal::Unresolved {
                    host: origin.host().to_string(),
                    reason: e.to_string(),
                })?,
        };
        let addrs = address::usable(kind, &resolved).map_err(|addr| Refusal::Private {
            host: origin.host().to_string(),
            addr,
        })?;
        if addrs.is_empty() {
            return Err(Refusal::Unresolved {
                host: origin.host().to_string(),
                reason: "no addresses".into(),
            });
        }
        if let Ok(mut pinned) = self.pinned.lock() {
            pinned.entry(key).or_insert_with(|| addrs.clone());
        }
        Ok(addrs)
    }
}

trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

async fn connect_any(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = Error::ConnectionRefused;
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = Error::Connect(e),
            Err(_) => last = Error::ConnectionTimeout,
        }
    }
    Err(last)
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// How long a refused request's body is still read (see [`refuse`]).
const DRAIN_ON_FAILURE: Duration = Duration::from_secs(2);

/// Fails `request` with `err` once its body is taken. The component writes its request body
/// while the host decides: had the body been dropped at once, its write would fail first and
/// it would report a closed stream (a network failure, worth retrying) instead of `err` (a
/// denial, an untrusted certificate, a refused repeat). The body is read and discarded, for a
/// short while at most.
pub async fn refuse(request: http::Request<WasiBody>, err: Error) -> Error {
    let mut body = request.into_body();
    let _ = tokio::time::timeout(DRAIN_ON_FAILURE, async {
        while let Some(Ok(_)) = body.frame().await {}
    })
    .await;
    err
}

/// A connection to one of `addrs`, TLS for `https` with the certificate checked against
/// `origin`'s host name.
async fn open(
    origin: &Origin,
    addrs: &[SocketAddr],
    connect_timeout: Duration,
) -> Result<Box<dyn Stream>, Error> {
    let tcp = connect_any(addrs, connect_timeout).await?;
    if !origin.is_https() {
        return Ok(Box::new(tcp));
    }
    let name = rustls::pki_types::ServerName::try_from(origin.host().to_string())
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    let tls = tokio::time::timeout(connect_timeout, tls_connector().connect(name, tcp))
        .await
        .map_err(|_| Error::ConnectionTimeout)?
        .map_err(Error::Tls)?;
    Ok(Box::new(tls))
}

/// Sends `request` over a new connection to one of `addrs` (HTTP/1.1, TLS for `https` with
/// the certificate checked against `origin`'s host name), with the given timeouts.
pub async fn send(
    mut request: http::Request<WasiBody>,
    origin: &Origin,
    addrs: &[SocketAddr],
    options: RequestOptions,
) -> Result<(http::Response<WasiBody>, IoFuture), Error> {
    let long = Duration::from_secs(600);
    let connect_timeout = options.connect_timeout.unwrap_or(long);
    let first_byte_timeout = options.first_byte_timeout.unwrap_or(long);
    let between_bytes = options
        .between_bytes_timeout
        .unwrap_or(long)
        .max(Duration::from_nanos(1));
    let stream = match open(origin, addrs, connect_timeout).await {
        Ok(stream) => stream,
        Err(e) => return Err(refuse(request, e).await),
    };
    let (mut sender, conn) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::handshake(TokioIo::new(stream)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;
    let driver = tokio::spawn(conn);
    // Origin-form on the wire: the scheme and authority are for proxies only.
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(path)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;
    let response = response.map(|incoming| {
        BetweenBytes {
            incoming,
            timer: Box::pin(tokio::time::sleep(between_bytes)),
            limit: between_bytes,
        }
        .boxed_unsync()
    });
    let io = async move {
        match driver.await {
            Ok(Err(e)) if e.is_timeout() => Err(Error::HttpResponseTimeout),
            Ok(Err(e)) => Err(Error::from(e)),
            _ => Ok(()),
        }
    };
    Ok((response, Box::new(io)))
}

/// A response body that fails when no data arrives for `limit`.
struct BetweenBytes {
    incoming: hyper::body::Incoming,
    timer: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for BetweenBytes {
    type Data = bytes::Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let next = tokio::time::Instant::now() + self.limit;
                self.timer.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) if e.is_timeout() => {
                Poll::Ready(Some(Err(Error::HttpResponseTimeout)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A resolver whose answer changes on every lookup: public first, loopback after.
    fn rebinding(lookups: Arc<AtomicUsize>) -> Lookup {
        Arc::new(move |_authority: String| {
            let n = lookups.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                let ip = if n == 0 { "35.186.224.25" } else { "127.0.0.1" };
                Ok(vec![SocketAddr::new(ip.parse().unwrap(), 443)])
            })
        })
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_name_is_looked_up_once_per_call_and_pinned() {
        let lookups = Arc::new(AtomicUsize::new(0));
        let pins = Pins::with_lookup(rebinding(lookups.clone()));
        let origin = Origin::parse("https://api.wandb.ai").unwrap();
        let first = block_on(pins.resolve(&origin)).unwrap();
        let second = block_on(pins.resolve(&origin)).unwrap();
        assert_eq!(first, second, "the second request reuses the first answer");
        assert_eq!(first[0].ip().to_string(), "35.186.224.25");
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
        // A new call looks up again, and a loopback answer for a name is refused.
        let next_call = Pins::with_lookup(rebinding(lookups));
        assert_eq!(
            block_on(next_call.resolve(&origin)),
            Err(Refusal::Private {
                host: "api.wandb.ai".into(),
                addr: "127.0.0.1:443".parse().unwrap()
            })
        );
    }

    #[test]
    fn literals_are_not_looked_up() {
        let lookups = Arc::new(AtomicUsize::new(0));
        let pins = Pins::with_lookup(rebinding(lookups.clone()));
        let origin = Origin::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            block_on(pins.resolve(&origin)).unwrap(),
            vec!["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(lookups.load(Ordering::SeqCst), 0);
    }
}
