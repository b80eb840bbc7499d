//! The wasi:http edge: POST a GraphQL body with waki and classify transport failures.

use std::time::Duration;

use waki::{header::HeaderName, Client, ErrorCode};

use crate::error::{AgentError, Result};
use crate::model::paths::origin_of;
use crate::source::wandb::graphql::{Reply, Transport};
use crate::source::wandb::retry::{parse_retry_after, RetryPolicy, Retrying, SystemClock};
use crate::source::wandb::settings::Settings;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CHUNK: u64 = 64 * 1024;

pub struct WasiTransport {
    url: String,
    authorization: Option<String>,
}

impl WasiTransport {
    pub fn new(settings: &Settings) -> Self {
        WasiTransport {
            url: settings.graphql_url(),
            authorization: settings.authorization(),
        }
    }

    fn classify(&self, err: anyhow::Error) -> AgentError {
        self.classify_for(&self.url, err)
    }

    fn classify_for(&self, url: &str, err: anyhow::Error) -> AgentError {
        match err.downcast_ref::<ErrorCode>() {
            Some(ErrorCode::HttpRequestDenied) => {
                AgentError::Denied(crate::hints::denied(origin_of(url)))
            }
            // The host refuses to send again what it already cut off at its size limit: final,
            // not a network failure to retry (the host reports the limit and its flag).
            Some(ErrorCode::HttpResponseBodySize(_)) => {
                AgentError::Server(format!("the response from {url} is over the size limit"))
            }
            Some(code) => AgentError::Network(format!("cannot reach {url}: {}", describe(code))),
            // waki writes the body after starting the request, so a refused connection can
            // surface as a closed body stream before the response future reports the cause.
            None => AgentError::Network(format!("cannot reach {url}: connection failed ({err})")),
        }
    }
}

fn describe(code: &ErrorCode) -> String {
    match code {
        ErrorCode::DnsError(_) => "DNS lookup failed".into(),
        ErrorCode::ConnectionRefused => "connection refused".into(),
        ErrorCode::ConnectionTimeout => "connection timed out".into(),
        ErrorCode::ConnectionReadTimeout => "read timed out".into(),
        ErrorCode::ConnectionTerminated => "connection closed by the server".into(),
        ErrorCode::TlsCertificateError => "its TLS certificate is not trusted".into(),
        ErrorCode::TlsProtocolError | ErrorCode::TlsAlertReceived(_) => {
            "the TLS handshake failed".into()
        }
        ErrorCode::InternalError(Some(m)) => m.clone(),
        other => format!("{other:?}"),
    }
}

impl Transport for WasiTransport {
    fn get_file(&self, url: &str, range: Option<&str>) -> Result<Reply> {
        // No authorization: the URL is pre-signed, on a storage origin the key must never
        // reach. wasi:http does not follow redirects; a 3xx comes back as such.
        let mut request = Client::new()
            .get(url)
            .header(
                HeaderName::from_static("user-agent"),
                concat!("wandb-agent/", env!("CARGO_PKG_VERSION")),
            )
            .connect_timeout(CONNECT_TIMEOUT);
        if let Some(range) = range {
            request = request.header(HeaderName::from_static("range"), range);
        }
        let classify = |e: anyhow::Error| self.classify_for(url, e);
        let response = request.send().map_err(classify)?;
        let status = response.status_code();
        let location = response
            .header("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(mut chunk) = response.chunk(READ_CHUNK).map_err(classify)? {
            bytes.append(&mut chunk);
        }
        Ok(Reply {
            status,
            body: bytes,
            retry_after: None,
            location,
        })
    }

    fn post_graphql(&self, body: &str) -> Result<Reply> {
        let mut request = Client::new()
            .post(&self.url)
            .header(HeaderName::from_static("content-type"), "application/json")
            .header(
                HeaderName::from_static("user-agent"),
                concat!("wandb-agent/", env!("CARGO_PKG_VERSION")),
            )
            .connect_timeout(CONNECT_TIMEOUT)
            .body(body.as_bytes().to_vec());
        if let Some(auth) = &self.authorization {
            request = request.header(HeaderName::from_static("authorization"), auth.as_str());
        }
        let response = request.send().map_err(|e| self.classify(e))?;
        let status = response.status_code();
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let mut bytes = Vec::new();
        while let Some(mut chunk) = response.chunk(READ_CHUNK).map_err(|e| self.classify(e))? {
            bytes.append(&mut chunk);
        }
        Ok(Reply {
            status,
            body: bytes,
            retry_after,
            location: None,
        })
    }
}

/// Runs `f` with the wasi:http transport wrapped in the retry policy from `settings`.
pub fn with_transport<R>(settings: &Settings, f: impl FnOnce(&dyn Transport) -> R) -> R {
    let http = WasiTransport::new(settings);
    let retrying = Retrying {
        inner: &http,
        policy: RetryPolicy {
            max_retries: settings.retries,
            ..RetryPolicy::default()
        },
        clock: SystemClock::new(),
        server: settings.server_name().to_string(),
    };
    f(&retrying)
}
