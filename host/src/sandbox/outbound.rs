//! The outbound-HTTP hook: every request the guest makes passes here. Off-allowlist requests
//! are denied; credentials are added for the base URL only, and there only to what the
//! component needs (see [`credentialed`]); proxy headers are dropped; timeouts, a request cap
//! and a response-size cap are applied, and what the host stopped is recorded as an
//! [`Incident`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, AUTHORIZATION};
use http_body_util::BodyExt;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks, DEFAULT_FORBIDDEN_HEADERS};

use super::incident::{record, Incident, Incidents};
use crate::grant::policy::Limits;
use crate::network::allowlist::{Allowlist, Origin};
use crate::network::connect::{self, IoFuture, Pins, Refusal};

/// Decides every outbound request the guest makes.
pub struct OutboundPolicy {
    pub allowlist: Allowlist,
    pub base_origin: Origin,
    pub authorization: Option<HeaderValue>,
    pub limits: Limits,
    pub requests: u32,
    pub incidents: Incidents,
    /// Each host's addresses, looked up once for the whole call.
    pub pins: Pins,
}

impl OutboundPolicy {
    /// The guest's timeouts, never longer than the host's.
    fn bounded(
        &self,
        options: Option<wasmtime_wasi_http::RequestOptions>,
    ) -> wasmtime_wasi_http::RequestOptions {
        let o = options.unwrap_or_default();
        let cap = |asked: Option<Duration>, max: Duration| Some(asked.map_or(max, |a| a.min(max)));
        wasmtime_wasi_http::RequestOptions {
            connect_timeout: cap(o.connect_timeout, self.limits.connect_timeout),
            first_byte_timeout: cap(o.first_byte_timeout, self.limits.io_timeout),
            between_bytes_timeout: cap(o.between_bytes_timeout, self.limits.io_timeout),
        }
    }

    fn record(&self, incident: Incident) {
        record(&self.incidents, incident);
    }
}

/// Whether a request to the base origin may carry the key: only the methods the component's
/// API calls use (`GET`, `POST`, `HEAD`), to an origin-relative path (`/…`, not `//…`, which
/// some servers and proxies read as another host). A server that echoes `TRACE` or a
/// misrouted path would otherwise hand the key back to the component.
pub fn credentialed(method: &http::Method, uri: &http::Uri) -> bool {
    let path = uri.path();
    matches!(
        *method,
        http::Method::GET | http::Method::POST | http::Method::HEAD
    ) && path.starts_with('/')
        && !path.starts_with("//")
}

/// Headers that tell a server or proxy where a request came from or was meant to go: a
/// component could use them to make a front end route a credentialed request elsewhere or
/// to spoof its origin, and the real component never sends them.
fn is_hop_header(name: &http::HeaderName) -> bool {
    const EXACT: [&str; 12] = [
        "forwarded",
        "via",
        "x-real-ip",
        "x-client-ip",
        "true-client-ip",
        "client-ip",
        "x-original-url",
        "x-rewrite-url",
        "x-original-host",
        "x-host",
        "x-http-method-override",
        "x-method-override",
    ];
    let name = name.as_str();
    name.starts_with("x-forwarded-") || EXACT.contains(&name)
}

/// Drops every [`is_hop_header`] from a component's request.
fn strip_hop_headers(headers: &mut http::HeaderMap) {
    let hop: Vec<http::HeaderName> = headers
        .keys()
        .filter(|name| is_hop_header(name))
        .cloned()
        .collect();
    for name in hop {
        headers.remove(name);
    }
}

impl WasiHttpHooks for OutboundPolicy {
    // One small chunk buffered per outgoing body: a body written but never sent holds little.
    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        super::budget::BODY_CHUNK_SIZE
    }

    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        1
    }

    // The component is told a certificate was refused, not just that TLS failed.
    fn p2_error_from_tls(&mut self, err: &std::io::Error) -> ErrorCode {
        let certificate = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_)));
        if certificate {
            ErrorCode::TlsCertificateError
        } else {
            ErrorCode::TlsProtocolError
        }
    }

    fn forbidden_header_filter(&mut self) -> wasmtime_wasi_http::ForbiddenHeaderFilter {
        // The guest may not set credentials: only the host adds them, and only for W&B.
        Arc::new(|name| name == AUTHORIZATION || DEFAULT_FORBIDDEN_HEADERS.contains(name))
    }

    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: IoFuture,
    ) -> Box<
        dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), wasmtime_wasi_http::Error>>
            + Send,
    > {
        drop(fut);
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("");
        let authority = uri.authority().map_or("", |a| a.as_str());
        let Some(target) = self.allowlist.admit(scheme, authority) else {
            return Box::new(async move {
                Err(connect::refuse(request, wasmtime_wasi_http::Error::HttpRequestDenied).await)
            });
        };
        // A response already cut off at the size limit would only be cut off again: a retry
        // of it is refused before it is sent, so one call downloads it at most once.
        let url = request.uri().to_string();
        let cut_off = Incident::ResponseTooLarge {
            url: url.clone(),
            limit: self.limits.max_response_bytes,
        };
        if self
            .incidents
            .lock()
            .is_ok_and(|list| list.contains(&cut_off))
        {
            let limit = self.limits.max_response_bytes;
            let refusal = wasmtime_wasi_http::Error::HttpResponseBodySize(Some(limit));
            return Box::new(async move { Err(connect::refuse(request, refusal).await) });
        }
        self.requests += 1;
        if self.requests > self.limits.max_requests {
            self.record(Incident::TooManyRequests(self.limits.max_requests));
            let refusal = wasmtime_wasi_http::Error::ConnectionLimitReached;
            return Box::new(async move { Err(connect::refuse(request, refusal).await) });
        }
        request.headers_mut().remove(AUTHORIZATION);
        strip_hop_headers(request.headers_mut());
        if target == self.base_origin && credentialed(request.method(), request.uri()) {
            if let Some(auth) = &self.authorization {
                request.headers_mut().insert(AUTHORIZATION, auth.clone());
            }
        }
        let options = self.bounded(options);
        let pins = self.pins.clone();
        let limit = self.limits.max_response_bytes;
        let incidents = self.incidents.clone();
        Box::new(async move {
            let addrs = match pins.resolve(&target).await {
                Ok(addrs) => addrs,
                Err(Refusal::Private { host, addr }) => {
                    record(
                        &incidents,
                        Incident::PrivateAddress {
                            host,
                            addr: addr.to_string(),
                        },
                    );
                    let refusal = wasmtime_wasi_http::Error::DestinationIpProhibited;
                    return Err(connect::refuse(request, refusal).await);
                }
                Err(Refusal::Unresolved { .. }) => {
                    let refusal = wasmtime_wasi_http::Error::DnsError {
                        rcode: None,
                        info_code: None,
                    };
                    return Err(connect::refuse(request, refusal).await);
                }
            };
            let (response, io) = connect::send(request, &target, &addrs, options).await?;
            // Cap the body: past the limit the guest's read fails and the host says why.
            let response = response.map(move |body| {
                http_body_util::Limited::new(body, limit as usize)
                    .map_err(move |e| match e.downcast::<wasmtime_wasi_http::Error>() {
                        Ok(inner) => *inner,
                        Err(_) => {
                            record(
                                &incidents,
                                Incident::ResponseTooLarge {
                                    url: url.clone(),
                                    limit,
                                },
                            );
                            wasmtime_wasi_http::Error::HttpResponseBodySize(Some(limit))
                        }
                    })
                    .boxed_unsync()
            });
            Ok((response, io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_api_methods_to_origin_paths_are_credentialed() {
        let uri = |u: &str| u.parse::<http::Uri>().unwrap();
        for method in [http::Method::GET, http::Method::POST, http::Method::HEAD] {
            assert!(credentialed(&method, &uri("http://h:1/graphql")));
            assert!(credentialed(&method, &uri("http://h:1/files/a?b=1")));
        }
        for method in [
            "TRACE", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "PROPFIND",
        ] {
            let method = http::Method::from_bytes(method.as_bytes()).unwrap();
            assert!(
                !credentialed(&method, &uri("http://h:1/graphql")),
                "{method}"
            );
        }
        assert!(!credentialed(
            &http::Method::GET,
            &uri("http://h:1//evil.example/x")
        ));
        assert!(!credentialed(
            &http::Method::POST,
            &uri("http://h:1//graphql")
        ));
    }

    #[test]
    fn proxy_headers_are_dropped_and_others_kept() {
        let mut headers = http::HeaderMap::new();
        for name in [
            "x-forwarded-host",
            "x-forwarded-for",
            "x-forwarded-proto",
            "forwarded",
            "via",
            "x-real-ip",
            "x-original-url",
            "x-http-method-override",
            "content-type",
            "user-agent",
            "range",
        ] {
            headers.insert(
                http::HeaderName::from_static(name),
                HeaderValue::from_static("v"),
            );
        }
        strip_hop_headers(&mut headers);
        let mut left: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
        left.sort();
        assert_eq!(left, ["content-type", "range", "user-agent"]);
    }
}
