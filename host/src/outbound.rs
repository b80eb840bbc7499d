//! The outbound-HTTP hook: every request the guest makes passes here. Off-allowlist requests
//! are denied; credentials are added for the base URL only; timeouts, a request cap and a
//! response-size cap are applied, and what the host stopped is recorded as an [`Incident`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, AUTHORIZATION};
use http_body_util::BodyExt;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks, DEFAULT_FORBIDDEN_HEADERS};

use crate::allowlist::{Allowlist, Origin};
use crate::connect::{self, IoFuture, Pins, Refusal};
use crate::incident::{record, Incident, Incidents};
use crate::policy::Limits;

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

impl WasiHttpHooks for OutboundPolicy {
    // One small chunk buffered per outgoing body: a body written but never sent holds little.
    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        crate::budget::BODY_CHUNK_SIZE
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
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        };
        self.requests += 1;
        if self.requests > self.limits.max_requests {
            self.record(Incident::TooManyRequests(self.limits.max_requests));
            return Box::new(async { Err(wasmtime_wasi_http::Error::ConnectionLimitReached) });
        }
        request.headers_mut().remove(AUTHORIZATION);
        if target == self.base_origin {
            if let Some(auth) = &self.authorization {
                request.headers_mut().insert(AUTHORIZATION, auth.clone());
            }
        }
        let options = self.bounded(options);
        let pins = self.pins.clone();
        let limit = self.limits.max_response_bytes;
        let incidents = self.incidents.clone();
        let url = request.uri().to_string();
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
                    return Err(wasmtime_wasi_http::Error::DestinationIpProhibited);
                }
                Err(Refusal::Unresolved { .. }) => {
                    return Err(wasmtime_wasi_http::Error::DnsError {
                        rcode: None,
                        info_code: None,
                    })
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
