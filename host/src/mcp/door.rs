//! The door of `mcp --http`, a middleware in front of rmcp's Streamable HTTP service. Each
//! request, in this order:
//!
//! 1. needs a Bearer key (else 401) and a body of at most [`MAX_BODY`] (else 413) that arrives
//!    within [`BODY_TIMEOUT`] (else 408);
//! 2. names a session (`Mcp-Session-Id`) opened with the same key, or is answered 404 as if the
//!    session did not exist;
//! 3. without a session (an `initialize`, or a call of the sessionless protocol): an
//!    `initialize`, or a key not checked yet, is charged to the network address
//!    (`--open-rate`), so made-up keys cannot flood W&B; the key is then checked with W&B
//!    ([`super::keys`], 401 when refused); an `initialize` needs room under the session caps;
//! 4. is charged to its key (`--rate`, 429 with `Retry-After`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::gate::{self, Limiter, Rate};
use super::keys::{KeyChecks, Verdict};
use super::sessions::{Full, Sessions};
use super::slots::Client;

/// The largest request body read; an MCP message is a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// How long a request body may take to arrive once its headers have.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

const SESSION_HEADER: &str = "mcp-session-id";

pub struct Door {
    pub per_key: Limiter<Client>,
    pub per_address: Limiter<IpAddr>,
    pub keys: KeyChecks,
    pub sessions: Arc<Sessions>,
}

impl Door {
    pub fn new(rate: Rate, open_rate: Rate, keys: KeyChecks, sessions: Arc<Sessions>) -> Door {
        Door {
            per_key: Limiter::new(rate),
            per_address: Limiter::new(open_rate),
            keys,
            sessions,
        }
    }
}

/// The address a client's budget of new sessions is kept under: the IPv4 address, or the
/// /64 an IPv6 client can pick addresses from freely.
pub fn address_of(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

pub async fn door(State(door): State<Arc<Door>>, request: Request, next: Next) -> Response {
    let Some(key) = gate::bearer_key(request.headers()) else {
        return unauthorized(gate::MISSING_KEY);
    };
    let client = Client::of_key(key);
    let key = key.to_string();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    let (parts, body) = request.into_parts();
    let bytes = match read_body(&parts.headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let session = parts
        .headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let method = parts.method.clone();
    let mut opening = None;
    match &session {
        Some(id) if !door.sessions.owned_by(id, &client) => return not_found(),
        Some(_) => {}
        None if method == Method::POST => {
            let initialize = is_initialize(&bytes);
            let known = door.keys.known(&client);
            if initialize || known.is_none() {
                let address = peer.map_or(IpAddr::from([0, 0, 0, 0]), address_of);
                if let Err(wait) = door.per_address.admit(address, Instant::now()) {
                    let seconds = gate::whole_seconds(wait);
                    return gate::retry_later(
                        StatusCode::TOO_MANY_REQUESTS,
                        &format!(
                            "rate limit: at most {} new sessions or new keys per address; retry in {seconds} s",
                            door.per_address.rate()
                        ),
                        seconds,
                    );
                }
            }
            let verdict = match known {
                Some(verdict) => verdict,
                None => match door.keys.verdict(client, &key).await {
                    Ok(verdict) => verdict,
                    Err(why) => {
                        return gate::retry_later(
                            StatusCode::SERVICE_UNAVAILABLE,
                            &format!("cannot check the key with W&B now: {why}"),
                            10,
                        )
                    }
                },
            };
            if let Verdict::Refused(message) = verdict {
                return unauthorized(&message);
            }
            if initialize {
                match door.sessions.open(client).await {
                    Ok(place) => opening = Some(place),
                    Err(Full::Key(n)) => {
                        return gate::refusal(
                            StatusCode::TOO_MANY_REQUESTS,
                            &format!(
                                "this key holds {n} open sessions, the most one key may: close one \
                                 (DELETE with its Mcp-Session-Id) or let one idle for 5 minutes"
                            ),
                        )
                    }
                    Err(Full::Server(n)) => {
                        return gate::retry_later(
                            StatusCode::SERVICE_UNAVAILABLE,
                            &format!("the server holds {n} sessions, its maximum; retry later"),
                            60,
                        )
                    }
                }
            }
        }
        None => {}
    }
    if let Err(wait) = door.per_key.admit(client, Instant::now()) {
        let seconds = gate::whole_seconds(wait);
        return gate::retry_later(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "rate limit: at most {} requests per key; retry in {seconds} s",
                door.per_key.rate()
            ),
            seconds,
        );
    }
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if let Some(place) = opening {
        if let Some(id) = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            door.sessions.bind(place, id.to_string());
        }
    }
    if method == Method::DELETE && response.status().is_success() {
        if let Some(id) = &session {
            door.sessions.unbind(id);
        }
        // rmcp confirms a closed session with 202; the official Python client counts only
        // 200 and 204 as closed and logs a warning for every session. 204 says the same to both.
        if response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
    }
    response
}

/// The whole body, if it is small enough and arrives in time.
async fn read_body(
    headers: &axum::http::HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, Response> {
    let too_large = || {
        gate::refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("request body over {} KiB", MAX_BODY / 1024),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        // Refused before a byte of it is read; the connection is closed after the answer.
        return Err(too_large());
    }
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
        Err(_) => Err(gate::refusal(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(gate::refusal(
            StatusCode::BAD_REQUEST,
            &format!("cannot read the request body: {e}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Whether a JSON-RPC message is an `initialize` request (which opens a session).
fn is_initialize(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        method: Option<String>,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.method.as_deref() == Some("initialize"))
}

fn unauthorized(message: &str) -> Response {
    let mut response = gate::refusal(StatusCode::UNAUTHORIZED, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// What rmcp answers for a session it does not hold, word for word.
fn not_found() -> Response {
    let mut response = Response::new(Body::from("Not Found: Session not found"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5000".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::9]:6000".parse().unwrap();
        let c: SocketAddr = "[2001:db8:1:3::1]:5000".parse().unwrap();
        assert_eq!(address_of(a), address_of(b));
        assert_ne!(address_of(a), address_of(c));
        let mapped: SocketAddr = "[::ffff:127.0.0.2]:1".parse().unwrap();
        assert_eq!(address_of(mapped), IpAddr::from([127, 0, 0, 2]));
        let v4: SocketAddr = "127.0.0.3:1".parse().unwrap();
        assert_eq!(address_of(v4), IpAddr::from([127, 0, 0, 3]));
    }

    #[test]
    fn only_an_initialize_request_opens_a_session() {
        assert!(is_initialize(
            br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#
        ));
        assert!(!is_initialize(
            br#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#
        ));
        assert!(!is_initialize(br#"[{"method":"initialize"}]"#));
        assert!(!is_initialize(b"not json"));
    }
}
