//! What the door of `mcp --http` ([`super::door`]) is made of: the client's W&B key from its
//! Bearer token, rates (`--rate` per key, `--open-rate` per address) kept as token buckets,
//! and refusals as one JSON-RPC error line with the HTTP status that says why.

use std::collections::HashMap;
use std::hash::Hash;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const MISSING_KEY: &str =
    "no W&B API key: send yours as `Authorization: Bearer <key>` (this server holds none)";

/// Longer than any W&B key (40 characters, or ~90 for the newer kind).
const MAX_KEY_LEN: usize = 512;

/// The key of `Authorization: Bearer <key>`: printable ASCII without spaces.
pub fn bearer_key(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(key)
}

/// `--rate`: requests one client may make per period, e.g. `60/min`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let bad = || format!("`{text}` is not a rate: write N/s, N/min or N/h, e.g. 60/min");
        let (count, unit) = text.trim().split_once('/').ok_or_else(bad)?;
        let requests: u32 = count.trim().parse().map_err(|_| bad())?;
        if requests == 0 {
            return Err(format!("`{text}`: the rate must allow at least 1 request"));
        }
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        Ok(Rate { requests, per })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            3600 => "h",
            _ => "min",
        };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// A token bucket per client: `rate.requests` at once, refilled evenly over `rate.per`.
/// Clients are told apart by `K`: a hash of their key, or their network address.
pub struct Limiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Forget full buckets (idle clients) once the table is this large.
const PRUNE_AT: usize = 10_000;

impl<K: Hash + Eq> Limiter<K> {
    pub fn new(rate: Rate) -> Limiter<K> {
        Limiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is there.
    pub fn admit(&self, client: K, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.rate.requests);
        let per_second = capacity / self.rate.per.as_secs_f64();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }
}

/// A refusal: one JSON-RPC error line with no request id, under `status`.
pub fn refusal(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32001, "message": message},
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A wait in whole seconds, at least 1 (what `Retry-After` carries).
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// A refusal with `Retry-After: seconds`.
pub fn retry_later(status: StatusCode, message: &str, seconds: u64) -> Response {
    let mut response = refusal(status, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn only_a_well_formed_bearer_key_counts() {
        assert_eq!(bearer_key(&with_auth("Bearer abc123")), Some("abc123"));
        assert_eq!(bearer_key(&with_auth("bearer  abc123 ")), Some("abc123"));
        assert_eq!(bearer_key(&with_auth("Basic YXBpOmFiYw==")), None);
        assert_eq!(bearer_key(&with_auth("Bearer ")), None);
        assert_eq!(bearer_key(&with_auth("Bearer a b")), None);
        assert_eq!(
            bearer_key(&with_auth(&format!("Bearer {}", "k".repeat(600)))),
            None
        );
        assert_eq!(bearer_key(&HeaderMap::new()), None);
    }

    #[test]
    fn rates_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!(
            "60/min".parse::<Rate>(),
            Ok(Rate {
                requests: 60,
                per: Duration::from_secs(60)
            })
        );
        assert_eq!("5/s".parse::<Rate>().unwrap().per, Duration::from_secs(1));
        assert_eq!("1000/h".parse::<Rate>().unwrap().to_string(), "1000/h");
        assert!("0/min".parse::<Rate>().unwrap_err().contains("at least 1"));
        assert!("60".parse::<Rate>().unwrap_err().contains("N/min"));
        assert!("60/day".parse::<Rate>().is_err());
    }

    #[test]
    fn each_client_has_its_own_bucket_that_refills_evenly() {
        let limiter = Limiter::<&str>::new("2/s".parse().unwrap());
        let t0 = Instant::now();
        assert!(limiter.admit("a", t0).is_ok());
        assert!(limiter.admit("a", t0).is_ok());
        let wait = limiter.admit("a", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Another key is not held back by the first one.
        assert!(limiter.admit("b", t0).is_ok());
        // Half a second later one more request is allowed, not two.
        let t1 = t0 + Duration::from_millis(500);
        assert!(limiter.admit("a", t1).is_ok());
        assert!(limiter.admit("a", t1).is_err());
    }
}
